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
        // bfloat16 keeps 8 significant bits: ulp(1) is 2⁻⁷ = 7.8e-3, so 8e-3 is about one ULP.
        case .bfloat16: return Tolerance(atol: 1e-5, rtol: 8e-3)
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

/// Tolerances set for a whole run (the CLI's `--atol`, `--rtol`, `--exact`).
public struct ToleranceOverride: Sendable, Equatable {
    public var atol: Double?
    public var rtol: Double?
    /// Plain atol + rtol·|expected|: no reference envelope, no cancellation bound and no
    /// oracle joining the envelope, so `atol 0, rtol 0` means bit-exact.
    public var exact: Bool

    public init(atol: Double? = nil, rtol: Double? = nil, exact: Bool = false) {
        self.atol = atol
        self.rtol = rtol
        self.exact = exact
    }

    /// Which allowances applied in a run, one line each, for every report.
    public var allowances: [String] {
        var tolerance = "tolerance: "
        if let atol, let rtol {
            tolerance += "atol \(Comparator.format(atol)) rtol \(Comparator.format(rtol)) for every case (--atol, --rtol)"
        } else {
            let defaults = [ElementType.float32, .float64, .float16, .bfloat16].map { type in
                let t = Tolerance.defaults(for: type)
                return "\(type.rawValue) atol \(Comparator.format(t.atol)) rtol \(Comparator.format(t.rtol))"
            }
            tolerance += "the case's own atol/rtol, else per element type (" + defaults.joined(separator: ", ") + ")"
            if let atol { tolerance += "; atol \(Comparator.format(atol)) for every case (--atol)" }
            if let rtol { tolerance += "; rtol \(Comparator.format(rtol)) for every case (--rtol)" }
        }
        if exact {
            return [
                tolerance, "reference envelope: off (--exact)", "cancellation bound: off (--exact)",
                "float64 oracle in the envelope: off (--exact)",
            ]
        }
        return [
            tolerance,
            "reference envelope: on (the other backends' Keras results for the same case)",
            "cancellation bound: on (per element, the golden file's cancellation/<path> where it has one)",
            "float64 oracle in the envelope: on (where no Keras value agrees with the case's oracle/<path>)",
        ]
    }
}
