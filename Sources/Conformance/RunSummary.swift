/// Counts of a run.
public struct RunSummary: Sendable, Equatable, Codable {
    /// Case runs by overall status (the worse of the forward and the backward part).
    public var total: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    /// Cases of layers the implementation does not have, or that Keras refused on this backend only.
    public var skipped: Int
    /// The forward parts (every case run has one) and the backward parts (case runs with gradients).
    public var forward: PartCounts
    public var backward: PartCounts
    /// Case runs with an element where Keras's backends disagree (whatever their status).
    public var disputed: Int
    /// Disputed elements over all case runs, and those the float64 oracle settled.
    public var disputedElements: Int
    public var arbitratedElements: Int
    /// Undisputed elements where every Keras value is off the float64 oracle (the oracle joined the envelope).
    public var offOracleElements: Int

    public init(_ results: [CaseResult]) {
        total = results.count
        passed = results.filter { $0.status == .passed }.count
        failed = results.filter { $0.status == .failed }.count
        errors = results.filter { $0.status == .error }.count
        skipped = results.filter { $0.status == .skipped }.count
        forward = PartCounts(results.map(\.forward))
        backward = PartCounts(results.compactMap(\.backward))
        disputed = results.filter { $0.disputed > 0 }.count
        disputedElements = results.reduce(0) { $0 + $1.disputed }
        arbitratedElements = results.reduce(0) { $0 + $1.arbitrated }
        offOracleElements = results.reduce(0) { $0 + $1.offOracle }
    }

    /// `12 cases: 10 passed, 1 failed, 1 errors`, then `, 3 skipped` when any were; when any
    /// case has gradients, `; forward: 11 passed, ...; backward 6: 5 passed, 1 failed, 0 errors`;
    /// then `; 2 disputed (5 elements, 4 settled by the oracle)` when Keras disagreed with itself,
    /// and `; Keras off the float64 oracle at 7 elements` when it was.
    public var line: String {
        var text = "\(total) cases: " + PartCounts(passed: passed, failed: failed, errors: errors, skipped: skipped).counts
        if backward.total > 0 {
            text += "; forward: \(forward.counts); backward \(backward.total): \(backward.counts)"
        }
        if disputed > 0 {
            text += "; \(disputed) disputed (\(disputedElements) elements, \(arbitratedElements) settled by the oracle)"
        }
        if offOracleElements > 0 { text += "; Keras off the float64 oracle at \(offOracleElements) elements" }
        return text
    }
}

/// How many parts (forward or backward) of a run passed, failed, errored, were skipped.
public struct PartCounts: Sendable, Equatable, Codable {
    public var total: Int { passed + failed + errors + skipped }
    public var passed: Int
    public var failed: Int
    public var errors: Int
    public var skipped: Int

    public init(passed: Int, failed: Int, errors: Int, skipped: Int) {
        self.passed = passed
        self.failed = failed
        self.errors = errors
        self.skipped = skipped
    }

    public init(_ statuses: [CaseResult.Status]) {
        self.init(
            passed: statuses.filter { $0 == .passed }.count, failed: statuses.filter { $0 == .failed }.count,
            errors: statuses.filter { $0 == .error }.count, skipped: statuses.filter { $0 == .skipped }.count)
    }

    /// `10 passed, 1 failed, 1 errors`, then `, 3 skipped` when any were.
    public var counts: String {
        "\(passed) passed, \(failed) failed, \(errors) errors" + (skipped > 0 ? ", \(skipped) skipped" : "")
    }
}
