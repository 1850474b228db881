import ReferenceData

/// The comparison of one tensor (an output, an updated variable or a gradient) with Keras's.
public struct TensorComparison: Sendable {
    /// Which tensor: `outputs/y`, `updated/moving_mean`, `grads/gamma (3,)` (gradients with their shape), ...
    public var name: String
    public var tolerance: Tolerance
    /// The check that failed first (shape, element type, non-finite positions, values), or nil.
    public var failure: CaseProblem?
    public var elements: Int
    public var mismatched: Int
    /// The first mismatches in C order (at most the comparator's `reportLimit`).
    public var mismatches: [Mismatch]
    /// The first elements in C order, matching or not (at most `reportLimit`), when the
    /// comparator lists every element (`show`); empty otherwise.
    public var listed: [Mismatch] = []
    /// The mismatch that used the most of its allowed error (the first of equals), nil when none.
    public var worstMismatch: Mismatch?
    /// The largest differences over all finite elements, with where they occur.
    public var maxAbsDiff: Double
    public var maxAbsDiffIndex: [Int]?
    public var maxRelDiff: Double
    public var maxRelDiffIndex: [Int]?
    public var maxUlpDiff: Double?
    /// The largest cross-backend disagreement of the references over the tensor.
    public var spread: Double
    /// Elements where Keras's backends disagree beyond the element type's tolerance (NaN
    /// against a number included).
    public var disputed: Int
    /// Whether the case had a float64 oracle for this tensor.
    public var hasOracle: Bool
    /// Those of them the float64 oracle settled (at least one backend agrees with it).
    public var arbitrated: Int
    /// The first disputed elements in C order (at most the comparator's `reportLimit`).
    public var disputes: [Dispute]
    /// Undisputed elements (the backends agree) where no Keras value agrees with the float64
    /// oracle: Keras's own float32 evaluation lost accuracy there, and the oracle joined the
    /// trusted values ("Keras off the float64 oracle").
    public var offOracle: Int = 0
    /// The first of them in C order (at most the comparator's `reportLimit`), each with every
    /// backend's value and the oracle's (`agreeing` empty).
    public var offOracleElements: [Dispute] = []
    /// Backends whose value disagreed with the oracle at a disputed element: Keras bug candidates.
    public var kerasBugCandidates: [String]
    /// The fraction of the allowed error used: the largest |diff| / allowed over the finite
    /// elements (≤ 1 passes; 0 is bit-exact). How close a pass came to failing.
    public var fractionOfAllowedUsed: Double
    /// How every finite element's |diff| / allowed is distributed (log-scale bins).
    public var usedFractions = UsedFractionHistogram()
    /// The finite elements with the largest |diff| / allowed, largest first (at most the
    /// comparator's `worstLimit`), passing or not: how close the case came to its bound.
    public var worst: [Mismatch] = []

    public var passed: Bool { failure == nil }
    /// Whether the tensor is a gradient (`grads/<name> <shape>`), i.e. part of the backward pass.
    public var isGradient: Bool { name.hasPrefix("grads/") }
}
