import ReferenceData

/// One compared element with what was allowed there: a mismatch (beyond the tolerance), or
/// one of the elements that came closest to their bound (`TensorComparison.worst`).
public struct Mismatch: Sendable, Equatable {
    /// The multi-index into the tensor, e.g. `[1, 2, 3, 4]`.
    public var index: [Int]
    public var actual: Double
    /// The Keras value it was judged against: this backend's, unless the oracle ruled that
    /// out at a disputed element (then the first backend that agrees with the oracle).
    public var expected: Double
    /// |actual − expected| (∞ where one side is not finite and they differ).
    public var absDiff: Double
    /// absDiff / |expected| (∞ where expected is 0 and they differ).
    public var relDiff: Double
    /// Distance in units in the last place of the expected element type; nil for integers or non-finite values.
    public var ulpDiff: Double?
    /// The reference envelope at this element: how far the other backends' Keras results are from `expected`.
    public var spread: Double
    /// The rounding Keras's own formula loses to cancellation here (`cancellation/<path>`), 0 where none.
    public var cancellation: Double
    /// What was allowed here: atol + rtol·|expected| + spread + cancellation.
    public var allowed: Double

    /// absDiff / allowed: how many times the allowed error this element used (≤ 1 passes; > 1 for a mismatch).
    public var fractionOfAllowedUsed: Double { Comparator.fractionOfAllowedUsed(absDiff, allowed) }

    /// Whether this element fails: its difference is beyond what was allowed here.
    public var exceedsAllowed: Bool { absDiff > allowed }
}
