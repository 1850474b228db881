/// The one rule for a tolerance (`atol`, `rtol`), wherever it comes from (a case's attributes,
/// a command-line option): a finite number ≥ 0. A NaN, infinite or negative tolerance would make
/// the comparison meaningless (a NaN bound can pass every mismatch, an infinite one passes all).
public enum ToleranceRule {
    public static func isValid(_ value: Double) -> Bool { value >= 0 && value.isFinite }

    /// The rule in words, for error messages.
    public static let requirement = "a tolerance must be a finite number >= 0"
}
