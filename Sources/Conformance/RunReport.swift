import ReferenceData

/// Everything a run produced: the files read, the allowances that applied, and a result per
/// case and backend.
public struct RunReport: Sendable {
    public var implementation: String
    public var files: [(path: String, info: GoldenFileInfo)]
    public var cases: [CaseResult]
    /// The run's tolerance settings: overrides and whether the widening terms applied.
    public var tolerance: ToleranceOverride
    public var summary: RunSummary { RunSummary(cases) }
    /// Nothing failed or errored (skipped cases are neither).
    public var allPassed: Bool { cases.allSatisfy { $0.status == .passed || $0.status == .skipped } }

    public init(
        implementation: String, files: [(path: String, info: GoldenFileInfo)], cases: [CaseResult],
        tolerance: ToleranceOverride = .init()
    ) {
        self.implementation = implementation
        self.files = files
        self.cases = cases
        self.tolerance = tolerance
    }
}
