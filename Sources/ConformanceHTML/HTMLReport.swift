import Conformance
import Plot
import ReferenceData

/// The conformance report as one self-contained HTML page: no scripts, no fonts, no
/// network; styles inline, charts inline SVG.
///
/// - a matrix of layer class × (backend, element type, forward/backward) with the pass,
///   fail, error and skip counts of each cell, each cell linking to its cases;
/// - per layer, a histogram of how much of its allowed error each element used
///   (u = |ours − Keras| / allowed, log scale): bit-exact, comfortably inside, or scraping the bound;
/// - per case: the config with Keras's defaults folded away, the shapes, and per backend the
///   elements closest to their bound with the other backends' Keras values beside them.
///
/// The page is well-formed XML as well as HTML, so tests read it with an XML parser. Cells
/// carry `data-layer`, `data-backend`, `data-dtype`, `data-direction` and one
/// `data-<status>` count per status, for machines.
public enum HTMLReport {
    /// Renders `report`; `goldenCases` are the cases the run read (configs, shapes, other backends' values).
    public static func render(_ report: RunReport, goldenCases: [GoldenCase]) -> String {
        let model = ReportModel(report: report, goldenCases: goldenCases)
        let html = HTML(
            .head(
                .encoding(.utf8),
                .title("Keras conformance: \(report.implementation)"),
                .style(stylesheet)
            ),
            .body(
                .h1(.text("Keras conformance: "), .escapedText(report.implementation)),
                .p(
                    .class("summary"),
                    .escapedText(runsLine(report.summary) + " (a case run is a case on one backend)")
                ),
                filesTable(report),
                .h2("Matrix"),
                .p(
                    .class("note"),
                    .text("Each cell counts the case runs of a layer class on one backend, element type and direction; "),
                    .text("click a cell for its cases. Backward columns fill in once the golden files carry gradients.")
                ),
                matrix(model),
                legend(),
                .forEach(model.layers) { layerSection($0, model) }
            )
        )
        return html.render() + "\n"
    }

    /// The golden files the run read: one line per Keras and backend version, the files folded away.
    static func filesTable(_ report: RunReport) -> Node<HTML.BodyContext> {
        let versions = report.files.map { "Keras \($0.info.kerasVersion), \($0.info.backend) \($0.info.backendVersion)" }.uniqued()
        return .element(
            named: "details",
            nodes: [
                .class("files"),
                .element(
                    named: "summary",
                    nodes: [
                        .escapedText(
                            "\(report.files.count) golden files: "
                                + versions.map { version in
                                    "\(version) (\(report.files.filter { "Keras \($0.info.kerasVersion), \($0.info.backend) \($0.info.backendVersion)" == version }.count))"
                                }.joined(separator: "; "))
                    ]),
                .ul(
                    .forEach(report.files) { file in
                        .li(.code(.escapedText(file.path)), .escapedText(" — \(file.info.backend) \(file.info.backendVersion)"))
                    }),
            ])
    }

    /// `18 case runs: 18 passed, 0 failed, 0 errors`: the summary line, counting runs.
    static func runsLine(_ summary: RunSummary) -> String {
        summary.line.replacingOccurrences(of: " cases:", with: " case runs:")
    }

    /// The colours of the matrix and histograms, explained.
    static func legend() -> Node<HTML.BodyContext> {
        .p(
            .class("legend"),
            .span(.class("swatch passed")), .text(" all passed "),
            .span(.class("swatch mixed")), .text(" some skipped "),
            .span(.class("swatch failed")), .text(" a failure or error "),
            .span(.class("swatch skipped")), .text(" all skipped "),
            .span(.class("swatch empty")), .text(" no case")
        )
    }
}
