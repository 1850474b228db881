import Conformance
import Plot

extension HTMLReport {
    /// A layer class: its counts, a histogram per direction, the cases of each matrix cell, then every case.
    static func layerSection(_ layer: String, _ model: ReportModel) -> Node<HTML.BodyContext> {
        let runs = model.runs[layer] ?? []
        let summary = RunSummary(runs.map(\.result))
        let ids = runs.map(\.result.id).uniqued()
        return .section(
            .id(layerAnchor(layer)),
            .class("layer"),
            .h2(.escapedText(layer)),
            .p(
                .class("summary"),
                .escapedText((ids.count == 1 ? "1 case, " : "\(ids.count) cases, ") + runsLine(summary))
            ),
            .forEach(Direction.allCases) { direction in
                let merged = model.histogram(layer, direction)
                guard merged.total > 0 else { return .empty }
                return .group(
                    .h3("Fraction of the allowed error used, \(direction.rawValue) (every backend and tensor)"),
                    histogram(merged, title: "\(layer), \(direction.rawValue): elements by fraction of the allowed error used")
                )
            },
            .h3("Cases by matrix cell"),
            .ul(
                .class("cells"),
                .forEach(model.columns) { column in
                    let entries = model.cell(layer, column)
                    guard !entries.isEmpty else { return .empty }
                    return .li(
                        .id(cellAnchor(layer, column)),
                        .strong(.escapedText("\(column.backend) · \(column.elementType) · \(column.direction.rawValue): ")),
                        .forEach(entries) { entry in
                            .a(
                                .class("caselink \(entry.verdict)"),
                                .href("#" + caseAnchor(entry.run.result.id)),
                                .escapedAttribute("title", entry.verdict),
                                .escapedAttribute("data-backend", column.backend),
                                .attribute(named: "data-direction", value: column.direction.rawValue),
                                .escapedText(entry.run.result.id)
                            )
                        }
                    )
                }
            ),
            .h3("Cases"),
            .forEach(ids) { id in caseDetails(runs.filter { $0.result.id == id }, model) }
        )
    }
}
