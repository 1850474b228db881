import ReferenceData

/// How far a value may be from Keras's: |actual − expected| ≤ atol + rtol·|expected|
/// (numpy's `assert_allclose` rule), widened by the reference envelope.
public struct Tolerance: Sendable, Equatable, Codable {
    public var atol: Double
    public var rtol: Double

    public init(atol: Double, rtol: Double) {
        self.atol = atol
        self.rtol = rtol
    }

    /// Defaults per element type: rtol a few ULPs of the type at 1 (float32's ulp(1) is
    /// 1.19e-7, so 1.3e-6 is about 11 ULPs), atol for results that cancel to near zero.
    public static func defaults(for type: ElementType) -> Tolerance {
        switch type {
        case .float32: return Tolerance(atol: 1e-5, rtol: 1.3e-6)
        case .float64: return Tolerance(atol: 1e-7, rtol: 1e-7)
        case .float16: return Tolerance(atol: 1e-5, rtol: 1e-3)
        default: return Tolerance(atol: 0, rtol: 0)
        }
    }

    /// The tolerance for a case: the run's override, else the case's own attributes, else
    /// the dtype default — each of atol and rtol separately.
    public static func resolve(
        for type: ElementType, caseATol: Double?, caseRTol: Double?, override: ToleranceOverride
    ) -> Tolerance {
        let base = defaults(for: type)
        return Tolerance(
            atol: override.atol ?? caseATol ?? base.atol,
            rtol: override.rtol ?? caseRTol ?? base.rtol
        )
    }
}

/// Tolerances set for a whole run (the CLI's `--atol`, `--rtol`).
public struct ToleranceOverride: Sendable, Equatable {
    public var atol: Double?
    public var rtol: Double?

    public init(atol: Double? = nil, rtol: Double? = nil) {
        self.atol = atol
        self.rtol = rtol
    }
}
