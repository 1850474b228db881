/// Counts of a run.
public struct RunSummary: Sendable, Equatable, Codable {
    public var total: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    /// Cases of layers the implementation does not have.
    public var skipped: Int
    /// Case runs with an element where Keras's backends disagree (whatever their status).
    public var disputed: Int
    /// Disputed elements over all case runs, and those the float64 oracle settled.
    public var disputedElements: Int
    public var arbitratedElements: Int

    public init(_ results: [CaseResult]) {
        total = results.count
        passed = results.filter { $0.status == .passed }.count
        failed = results.filter { $0.status == .failed }.count
        errors = results.filter { $0.status == .error }.count
        skipped = results.filter { $0.status == .skipped }.count
        disputed = results.filter { $0.disputed > 0 }.count
        disputedElements = results.reduce(0) { $0 + $1.disputed }
        arbitratedElements = results.reduce(0) { $0 + $1.arbitrated }
    }

    /// `12 cases: 10 passed, 1 failed, 1 errors`, then `, 3 skipped` when any were, then
    /// `; 2 disputed (5 elements, 4 settled by the oracle)` when Keras disagreed with itself.
    public var line: String {
        var text = "\(total) cases: \(passed) passed, \(failed) failed, \(errors) errors"
        if skipped > 0 { text += ", \(skipped) skipped" }
        if disputed > 0 {
            text += "; \(disputed) disputed (\(disputedElements) elements, \(arbitratedElements) settled by the oracle)"
        }
        return text
    }
}
