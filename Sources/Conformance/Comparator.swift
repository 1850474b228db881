import ReferenceData

/// One element where the implementation and Keras disagree beyond the tolerance.
public struct Mismatch: Sendable, Equatable {
    /// The multi-index into the tensor, e.g. `[1, 2, 3, 4]`.
    public var index: [Int]
    public var actual: Double
    public var expected: Double
    /// |actual − expected| (∞ where one side is not finite and they differ).
    public var absDiff: Double
    /// absDiff / |expected| (∞ where expected is 0 and they differ).
    public var relDiff: Double
    /// Distance in units in the last place of the expected element type; nil for integers or non-finite values.
    public var ulpDiff: Double?
    /// The reference envelope at this element: how far the other backends' Keras results are from `expected`.
    public var spread: Double
    /// The rounding Keras's own formula loses to cancellation here (`CancellationBound`), 0 where none.
    public var cancellation: Double
    /// What was allowed here: atol + rtol·|expected| + spread + cancellation.
    public var allowed: Double

    /// absDiff / allowed: how many times the allowed error this element used (> 1 here).
    public var fractionOfAllowedUsed: Double { allowed > 0 ? absDiff / allowed : .infinity }
}

/// The comparison of one tensor (an output or an updated variable) with Keras's.
public struct TensorComparison: Sendable {
    /// Which tensor: `outputs/y`, `updated/moving_mean`, ...
    public var name: String
    public var tolerance: Tolerance
    /// The check that failed first (shape, element type, non-finite positions, values), or nil.
    public var failure: CaseProblem?
    public var elements: Int
    public var mismatched: Int
    /// The first mismatches in C order (at most the comparator's `reportLimit`).
    public var mismatches: [Mismatch]
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
    /// The fraction of the allowed error used: the largest |diff| / allowed over the finite
    /// elements (≤ 1 passes; 0 is bit-exact). How close a pass came to failing.
    public var fractionOfAllowedUsed: Double

    public var passed: Bool { failure == nil }
}

/// Element-by-element comparison with numpy's `assert_allclose` rule and a reference envelope.
///
/// Checks, in order and each with its own message: shape, element type, the positions
/// of NaN and ±Inf (NaN where Keras has NaN matches, ±Inf must match in sign), then values.
/// A finite value matches when
///
///     |actual − expected| ≤ atol + rtol·|expected| + spread
///
///         + cancellation
///
/// where `spread` is the reference envelope at that element: the largest
/// |reference − expected| over the other backends' results for the same case. Keras
/// disagrees with itself across backends; where it does, our error may be as large as
/// its own disagreement. Without other references the spread is 0. `cancellation` is the
/// rounding Keras's own float32 formula loses at that element (`CancellationBound`), 0 for
/// every layer and input without such cancellation.
public struct Comparator: Sendable {
    /// How many mismatches a comparison keeps for the report.
    public var reportLimit: Int

    public init(reportLimit: Int = 10) {
        self.reportLimit = reportLimit
    }

    public func compare(
        name: String,
        actual: ReferenceTensor,
        expected: ReferenceTensor,
        references: [ReferenceTensor] = [],
        cancellation: [Double]? = nil,
        tolerance: Tolerance
    ) -> TensorComparison {
        var result = TensorComparison(
            name: name, tolerance: tolerance, failure: nil, elements: expected.count, mismatched: 0,
            mismatches: [], worstMismatch: nil, maxAbsDiff: 0, maxAbsDiffIndex: nil, maxRelDiff: 0, maxRelDiffIndex: nil,
            maxUlpDiff: nil, spread: 0, fractionOfAllowedUsed: 0
        )
        guard actual.shape == expected.shape else {
            result.failure = CaseProblem(
                tensor: name, kind: .shape,
                details: "shape mismatch: got \(actual.shapeDescription), Keras gave \(expected.shapeDescription)")
            result.mismatched = expected.count
            return result
        }
        guard actual.elementType == expected.elementType else {
            result.failure = CaseProblem(
                tensor: name, kind: .elementType,
                details: "element type mismatch: got \(actual.elementType.rawValue), Keras gave \(expected.elementType.rawValue)")
            result.mismatched = expected.count
            return result
        }
        // Only references of the same shape and type describe the same tensor.
        let envelope = references.filter { $0.shape == expected.shape && $0.elementType == expected.elementType }
        let strides = Self.strides(expected.shape)
        var nonFiniteMismatches = 0
        var maxUlp: Double? = nil

        for i in 0..<expected.count {
            let e = expected.values[i]
            let a = actual.values[i]
            var spread = 0.0
            for reference in envelope {
                let r = reference.values[i]
                if r.isFinite && e.isFinite { spread = max(spread, abs(r - e)) }
            }
            result.spread = max(result.spread, spread)
            let lost = cancellation.map { $0.count == expected.count ? $0[i] : 0 } ?? 0
            let allowed = tolerance.atol + tolerance.rtol * abs(e) + spread + lost

            if !e.isFinite || !a.isFinite {
                let same = (e.isNaN && a.isNaN) || (e == a)
                if !same {
                    nonFiniteMismatches += 1
                    record(&result, Mismatch(
                        index: Self.multiIndex(i, strides), actual: a, expected: e,
                        absDiff: .infinity, relDiff: .infinity, ulpDiff: nil, spread: spread, cancellation: lost, allowed: allowed))
                }
                continue
            }
            let absDiff = abs(a - e)
            let relDiff = absDiff == 0 ? 0 : (e == 0 ? .infinity : absDiff / abs(e))
            let ulp = Self.ulpDistance(a, e, expected.elementType)
            if let ulp { maxUlp = max(maxUlp ?? 0, ulp) }
            if absDiff > result.maxAbsDiff || result.maxAbsDiffIndex == nil {
                result.maxAbsDiff = absDiff
                result.maxAbsDiffIndex = Self.multiIndex(i, strides)
            }
            if relDiff > result.maxRelDiff || result.maxRelDiffIndex == nil {
                result.maxRelDiff = relDiff
                result.maxRelDiffIndex = Self.multiIndex(i, strides)
            }
            let ratio = allowed > 0 ? absDiff / allowed : (absDiff == 0 ? 0 : .infinity)
            result.fractionOfAllowedUsed = max(result.fractionOfAllowedUsed, ratio)
            if absDiff > allowed {
                record(&result, Mismatch(
                    index: Self.multiIndex(i, strides), actual: a, expected: e,
                    absDiff: absDiff, relDiff: relDiff, ulpDiff: ulp, spread: spread, cancellation: lost, allowed: allowed))
            }
        }
        result.maxUlpDiff = maxUlp
        if nonFiniteMismatches > 0 {
            result.failure = CaseProblem(
                tensor: name, kind: .nonFinite,
                details: "NaN/±Inf positions differ at \(nonFiniteMismatches) of \(expected.count) elements")
        } else if result.mismatched > 0 {
            let percent = Double(result.mismatched) * 100 / Double(max(expected.count, 1))
            result.failure = CaseProblem(
                tensor: name, kind: .values,
                details: "values differ at \(result.mismatched) of \(expected.count) elements (\(Self.format(percent))%)")
        }
        return result
    }

    private func record(_ result: inout TensorComparison, _ mismatch: Mismatch) {
        result.mismatched += 1
        if result.mismatches.count < reportLimit { result.mismatches.append(mismatch) }
        if mismatch.fractionOfAllowedUsed > result.worstMismatch?.fractionOfAllowedUsed ?? 0 { result.worstMismatch = mismatch }
    }

    /// Row-major strides of `shape`, in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The multi-index of flat position `flat` under row-major `strides`.
    public static func multiIndex(_ flat: Int, _ strides: [Int]) -> [Int] {
        var rest = flat
        return strides.map { stride in
            defer { rest %= stride }
            return rest / stride
        }
    }

    /// The number of representable values of `type` between `a` and `b` (0 when equal).
    public static func ulpDistance(_ a: Double, _ b: Double, _ type: ElementType) -> Double? {
        switch type {
        case .float32:
            return Double(orderedDistance(Int64(orderedBits(Float(a))), Int64(orderedBits(Float(b)))))
        case .float64:
            return Double(orderedDistance(orderedBits(a), orderedBits(b)))
        case .float16:
            return Double(orderedDistance(Int64(orderedHalfBits(a)), Int64(orderedHalfBits(b))))
        default:
            return nil
        }
    }

    /// Maps a float's bits to integers that order like the values (−0 and +0 both to 0).
    private static func orderedBits(_ x: Float) -> Int32 {
        let bits = Int32(bitPattern: x.bitPattern)
        return bits < 0 ? -(bits & Int32.max) : bits
    }

    private static func orderedBits(_ x: Double) -> Int64 {
        let bits = Int64(bitPattern: x.bitPattern)
        return bits < 0 ? -(bits & Int64.max) : bits
    }

    /// IEEE half precision: a float16 value is exactly a Float, so rebuild its 16 bits from that.
    private static func orderedHalfBits(_ x: Double) -> Int32 {
        let f = Float(x)
        let sign: Int32 = f.sign == .minus ? -1 : 1
        let magnitude = abs(f)
        // Halves are spaced 2^-24 below 2^-14 (subnormal), then 2^(e-10) in binade e.
        let code: Int32
        if magnitude < 0x1p-14 {
            code = Int32((magnitude / 0x1p-24).rounded())
        } else {
            let exponent = Int32(magnitude.exponent)
            let significand = Int32(((magnitude.significand - 1) * 1024).rounded())
            code = (exponent + 15) << 10 | significand
        }
        return sign * code
    }

    private static func orderedDistance(_ a: Int64, _ b: Int64) -> UInt64 {
        a >= b ? UInt64(bitPattern: a &- b) : UInt64(bitPattern: b &- a)
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }
}

import Foundation
