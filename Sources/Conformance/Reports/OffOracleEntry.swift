/// One line per tensor with elements where every Keras backend agrees but is off the float64
/// oracle (Keras's own evaluation lost accuracy; the oracle joined the envelope there): how many
/// elements, and the first one with each backend's value and the oracle's.
public struct OffOracleEntry: Sendable {
    public var id: String
    public var backend: String
    public var comparison: TensorComparison

    /// Every such tensor of a report, in case order.
    public static func entries(_ report: RunReport) -> [OffOracleEntry] {
        report.cases.flatMap { r in
            r.comparisons.filter { $0.offOracle > 0 }.map { OffOracleEntry(id: r.id, backend: r.backend, comparison: $0) }
        }
    }

    /// `OFF-ORACLE <id> [<backend>] <tensor>: 3 of 12 elements; first (0,): tensorflow 0.5, jax 0.5, oracle 0.625`.
    public var line: String {
        let c = comparison
        var text = "OFF-ORACLE \(ReportFormatting.escaped(id)) [\(ReportFormatting.escaped(backend))] "
        text += ReportFormatting.escaped(c.name) + ": \(c.offOracle) of \(c.elements) elements"
        if let first = c.offOracleElements.first { text += "; first " + first.reportText }
        return text
    }
}
