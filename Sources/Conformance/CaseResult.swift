import ReferenceData

/// The verdict on one golden case on one backend.
public struct CaseResult: Sendable {
    public enum Status: String, Sendable, Codable {
        /// Every compared tensor within tolerance.
        case passed
        /// The implementation ran, and some tensor is outside tolerance.
        case failed
        /// The case could not be judged: unreadable data, a duplicate, or a layer that threw.
        case error
        /// The implementation does not have the layer: counted and shown, neither a failure nor an error.
        case skipped
    }

    public var id: String
    public var backend: String
    public var layer: String
    public var origin: String
    public var file: String
    /// The verdict on the call: its output and updated variables (for a case Keras refused,
    /// whether the implementation refused it too).
    public var forward: Status
    /// The verdict on the backward pass (the case's `grads/`), nil for a case without gradients.
    public var backward: Status?
    /// Why the backward part was skipped when the implementation has no backward pass; nil otherwise.
    public var backwardSkipReason: String?
    /// The overall verdict: the worse of `forward` and `backward` (error, then failed, then
    /// passed, then skipped: a skipped backward part does not hide a judged forward part).
    public var status: Status {
        guard let backward else { return forward }
        return Self.severity(backward) > Self.severity(forward) ? backward : forward
    }
    /// Why it failed or errored, in the order found (the forward part's, then the backward
    /// part's); empty for a pass. A skipped case's one problem is why it was skipped.
    public var problems: [CaseProblem]
    /// The output first, then each updated variable, then each gradient (`grads/<name> <shape>`).
    public var comparisons: [TensorComparison]
    /// What the implementation returned, when it ran (for element-by-element views).
    public var produced: LayerResult?
    /// Wall-clock seconds the case took: the layer's run and the comparisons.
    public var seconds: Double = 0
    /// What the implementation warned about (e.g. config keys it does not know), as it said it.
    public var warnings: [String] = []
    /// What the harness did differently for this case and why (e.g. a backend left out of the
    /// reference envelope because its inputs differ).
    public var notes: [String] = []

    public init(
        id: String, backend: String, layer: String, origin: String, file: String,
        status: Status, problems: [CaseProblem] = [], comparisons: [TensorComparison] = [],
        produced: LayerResult? = nil
    ) {
        self.id = id
        self.backend = backend
        self.layer = layer
        self.origin = origin
        self.file = file
        self.forward = status
        self.problems = problems
        self.comparisons = comparisons
        self.produced = produced
    }

    private static func severity(_ status: Status) -> Int {
        switch status {
        case .skipped: return 0
        case .passed: return 1
        case .failed: return 2
        case .error: return 3
        }
    }

    /// The comparisons of the forward part (outputs and updated variables).
    public var forwardComparisons: [TensorComparison] { comparisons.filter { !$0.isGradient } }
    /// The comparisons of the backward part (one per Keras gradient).
    public var backwardComparisons: [TensorComparison] { comparisons.filter(\.isGradient) }
    public var forwardProblems: [CaseProblem] { problems.filter { !$0.isBackward } }
    public var backwardProblems: [CaseProblem] { problems.filter(\.isBackward) }

    /// The problems on one line (`; ` between them), for one-line summaries; empty for a pass.
    public var message: String { problems.map(\.description).joined(separator: "; ") }

    /// Totals over every compared tensor, for one-line summaries and the JSON report.
    public var elements: Int { comparisons.reduce(0) { $0 + $1.elements } }
    public var mismatched: Int { comparisons.reduce(0) { $0 + $1.mismatched } }
    public var maxAbsDiff: Double { comparisons.map(\.maxAbsDiff).max() ?? 0 }
    public var maxRelDiff: Double { comparisons.map(\.maxRelDiff).max() ?? 0 }
    public var maxUlpDiff: Double? { comparisons.compactMap(\.maxUlpDiff).max() }
    public var spread: Double { comparisons.map(\.spread).max() ?? 0 }
    /// Elements where Keras's backends disagree beyond the element type's tolerance, over every
    /// compared tensor: the case is *disputed* when there is any (a flag beside the status).
    public var disputed: Int { comparisons.reduce(0) { $0 + $1.disputed } }
    /// Those the float64 oracle settled.
    public var arbitrated: Int { comparisons.reduce(0) { $0 + $1.arbitrated } }
    /// Undisputed elements where no Keras value agrees with the float64 oracle (Keras's own
    /// evaluation lost accuracy there; the oracle joined the envelope), over every compared tensor.
    public var offOracle: Int { comparisons.reduce(0) { $0 + $1.offOracle } }
    /// Backends whose Keras value disagreed with the oracle at a disputed element.
    public var kerasBugCandidates: [String] { Set(comparisons.flatMap(\.kerasBugCandidates)).sorted() }
    /// The largest fraction of the allowed error used at any compared element (≤ 1 passes).
    public var fractionOfAllowedUsed: Double { comparisons.map(\.fractionOfAllowedUsed).max() ?? 0 }
}
