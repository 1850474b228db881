import Conformance
import Plot

extension HTMLReport {
    /// The statuses a cell counts, in the order it shows them; a status the harness adds later
    /// is counted after these.
    static let statuses = ["passed", "failed", "error", "skipped"]

    /// Layer class × (backend, element type, direction): three header rows, then a row per layer.
    static func matrix(_ model: ReportModel) -> Node<HTML.BodyContext> {
        let backends = model.columns.map(\.backend).uniqued()
        let pairs = model.columns.map { [$0.backend, $0.elementType] }.uniqued()
        return .table(
            .class("matrix"),
            .tr(
                .th(.attribute(named: "rowspan", value: "3"), "layer"),
                .th(.attribute(named: "rowspan", value: "3"), "fraction of the allowed error used (forward)"),
                .forEach(backends) { backend in
                    .th(
                        .attribute(named: "colspan", value: String(model.columns.filter { $0.backend == backend }.count)),
                        .escapedText(backend)
                    )
                }
            ),
            .tr(
                .forEach(pairs) { pair in
                    .th(.attribute(named: "colspan", value: String(Direction.allCases.count)), .escapedText(pair[1]))
                }
            ),
            .tr(.forEach(model.columns) { column in .th(.class("direction"), .text(column.direction.rawValue)) }),
            .forEach(model.layers) { layer in
                .tr(
                    .th(.class("layer"), .a(.href("#" + layerAnchor(layer)), .escapedText(layer))),
                    .td(.class("spark"), usedSummary(model, layer)),
                    .forEach(model.columns) { column in matrixCell(model, layer, column) }
                )
            }
        )
    }

    /// A layer's forward histogram as a sparkline, and its largest fraction used.
    static func usedSummary(_ model: ReportModel, _ layer: String) -> Node<HTML.BodyContext> {
        let histogram = model.histogram(layer, .forward)
        guard histogram.total > 0 else { return .text("–") }
        let worst =
            (model.runs[layer] ?? []).flatMap(\.result.comparisons)
            .filter { Direction(tensor: $0.name) == .forward }.map(\.fractionOfAllowedUsed).max() ?? 0
        return .group(
            chart(histogram, title: "\(layer): \(figures(histogram))", size: .sparkline),
            .span(.class("maxu"), .text("max \(ReportFormatting.diff(worst))"))
        )
    }

    /// One cell: passed/total, the other statuses' counts, the machine-readable counts, and a link to its cases.
    static func matrixCell(_ model: ReportModel, _ layer: String, _ column: MatrixColumn) -> Node<HTML.TableRowContext> {
        let entries = model.cell(layer, column)
        let counts = Dictionary(grouping: entries, by: \.verdict).mapValues(\.count)
        let shown = statuses + counts.keys.filter { !statuses.contains($0) }.sorted()
        let bad = (counts["failed"] ?? 0) + (counts["error"] ?? 0)
        let skipped = counts["skipped"] ?? 0
        let disputed = entries.filter { $0.run.result.disputed > 0 }.count
        let tone =
            entries.isEmpty
            ? "empty"
            : bad > 0
                ? "failed"
                : skipped == entries.count
                    ? "skipped"
                    : skipped > 0 ? "mixed" : "passed"
        return .td(
            .class("cell \(tone)"),
            .escapedAttribute("data-layer", layer),
            .escapedAttribute("data-backend", column.backend),
            .escapedAttribute("data-dtype", column.elementType),
            .attribute(named: "data-direction", value: column.direction.rawValue),
            .forEach(shown) { status in .attribute(named: "data-\(status)", value: String(counts[status] ?? 0)) },
            .attribute(named: "data-disputed", value: String(disputed)),
            entries.isEmpty
                ? .text("–")
                : .a(
                    .href("#" + cellAnchor(layer, column)),
                    .span(.class("count"), .text("\(counts["passed"] ?? 0)/\(entries.count)")),
                    .forEach(shown.dropFirst().filter { (counts[$0] ?? 0) > 0 }) { status in
                        .span(.class("badge \(status)"), .text("\(counts[status] ?? 0) \(status)"))
                    },
                    disputed > 0 ? .span(.class("badge disputed"), .text("\(disputed) disputed")) : .empty
                )
        )
    }

    static func layerAnchor(_ layer: String) -> String { "layer-" + HTMLEscaping.anchor(layer) }

    static func cellAnchor(_ layer: String, _ column: MatrixColumn) -> String {
        "cell-" + HTMLEscaping.anchor(layer) + "-" + HTMLEscaping.anchor(column.backend) + "-"
            + HTMLEscaping.anchor(column.elementType) + "-" + column.direction.rawValue
    }

    static func caseAnchor(_ id: String) -> String { "case-" + HTMLEscaping.anchor(id) }
}

extension Sequence where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
