import KerasJSON

/// The closing list of what broke, one entry per failing tensor or erroring case, in the
/// style of pytest's short test summary: status, id, backend, tensor, and the element that
/// used the most of its allowed error.
public struct FailureEntry: Sendable {
    public var status: CaseResult.Status
    public var id: String
    public var backend: String
    public var problem: CaseProblem
    /// The worst element of the tensor, for value and NaN/±Inf mismatches.
    public var worst: Mismatch?

    /// Every entry of a report, in case order.
    public static func entries(_ report: RunReport) -> [FailureEntry] {
        report.cases.filter { $0.status == .failed || $0.status == .error }.flatMap { r in
            r.problems.map { problem in
                let worst = r.comparisons.first { $0.failure == problem }?.worstMismatch
                return FailureEntry(status: r.status, id: r.id, backend: r.backend, problem: problem, worst: worst)
            }
        }
    }

    /// `FAILED <id> [<backend>] <tensor>: <details>; worst (i, j): actual …, expected …, |diff| …, allowed …`,
    /// every name and message escaped onto one line.
    public var line: String {
        let tag = status == .error ? "ERROR " : "FAILED"
        var text = "\(tag) \(ReportFormatting.escaped(id)) [\(ReportFormatting.escaped(backend))] "
        text += ReportFormatting.escaped(problem.description)
        if let worst {
            text += "; worst \(PythonLiteral.tuple(worst.index)): actual \(ReportFormatting.value(worst.actual))"
            text += ", expected \(ReportFormatting.value(worst.expected))"
            // Where either side is NaN or ±Inf, the position is the failure; no distance applies.
            if worst.actual.isFinite && worst.expected.isFinite {
                text += ", |diff| \(ReportFormatting.diff(worst.absDiff)), allowed \(ReportFormatting.diff(worst.allowed))"
            }
        }
        return text
    }
}
