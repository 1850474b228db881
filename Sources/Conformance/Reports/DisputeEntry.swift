import KerasJSON

/// One line per tensor where Keras's backends disagree with each other: how many elements,
/// what the oracle settled, which backends are Keras bug candidates, and the first element.
public struct DisputeEntry: Sendable {
    public var id: String
    public var backend: String
    public var comparison: TensorComparison

    /// Every disputed tensor of a report, in case order.
    public static func entries(_ report: RunReport) -> [DisputeEntry] {
        report.cases.flatMap { r in
            r.comparisons.filter { $0.disputed > 0 }.map { DisputeEntry(id: r.id, backend: r.backend, comparison: $0) }
        }
    }

    /// `DISPUTED <id> [<backend>] <tensor>: 3 of 49 elements, 3 settled by the oracle, Keras bug
    /// candidate: jax; first (0, 6): tensorflow 0.25, jax nan, oracle 0.25`.
    public var line: String {
        let c = comparison
        var text = "DISPUTED \(ReportFormatting.escaped(id)) [\(ReportFormatting.escaped(backend))] "
        text += ReportFormatting.escaped(c.name) + ": \(c.disputed) of \(c.elements) elements"
        if c.hasOracle {
            text += ", \(c.arbitrated) settled by the oracle"
            if !c.kerasBugCandidates.isEmpty {
                text += ", Keras bug candidate: " + c.kerasBugCandidates.map(ReportFormatting.escaped).joined(separator: ", ")
            }
        } else {
            text += ", no oracle to settle them"
        }
        if let first = c.disputes.first { text += "; first " + first.reportText }
        return text
    }
}

extension Dispute {
    /// The element as the report lines show it: `(0, 6): tensorflow 0.25, jax nan, oracle 0.25`.
    var reportText: String {
        var text = "\(PythonLiteral.tuple(index)): "
        text += values.map { "\(ReportFormatting.escaped($0.backend)) \(ReportFormatting.value($0.value))" }.joined(separator: ", ")
        if let oracle { text += ", oracle \(ReportFormatting.value(oracle))" }
        return text
    }
}
