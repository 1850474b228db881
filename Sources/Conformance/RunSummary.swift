/// Counts of a run.
public struct RunSummary: Sendable, Equatable, Codable {
    public var total: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    /// Cases of layers the implementation does not have.
    public var skipped: Int

    public init(_ results: [CaseResult]) {
        total = results.count
        passed = results.filter { $0.status == .passed }.count
        failed = results.filter { $0.status == .failed }.count
        errors = results.filter { $0.status == .error }.count
        skipped = results.filter { $0.status == .skipped }.count
    }

    /// `12 cases: 10 passed, 1 failed, 1 errors`, then `, 3 skipped` when any were.
    public var line: String {
        var text = "\(total) cases: \(passed) passed, \(failed) failed, \(errors) errors"
        if skipped > 0 { text += ", \(skipped) skipped" }
        return text
    }
}
