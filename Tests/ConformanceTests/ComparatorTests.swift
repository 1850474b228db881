import Testing
import ReferenceData
@testable import Conformance

/// The comparator on constructed arrays: every verdict it can give, and the envelope rule.
@Suite struct ComparatorTests {
    let comparator = Comparator(reportLimit: 5)
    let tolerance = Tolerance(atol: 1e-5, rtol: 1.3e-6)

    func tensor(_ values: [Double], shape: [Int]? = nil, _ type: ElementType = .float32) -> ReferenceTensor {
        ReferenceTensor(shape: shape ?? [values.count], elementType: type, values: values)
    }

    @Test func identicalTensorsMatchUsingNoneOfTheAllowedError() {
        let x = tensor([1, -2, 0, 3.5], shape: [2, 2])
        let c = comparator.compare(name: "y", actual: x, expected: x, tolerance: tolerance)
        #expect(c.passed)
        #expect(c.mismatched == 0)
        #expect(c.fractionOfAllowedUsed == 0)
        #expect(c.maxUlpDiff == 0)
    }

    @Test func withinToleranceMatches() {
        // allowed at 1.0 is 1e-5 + 1.3e-6 = 1.13e-5
        let c = comparator.compare(name: "y", actual: tensor([1.0 + 1.1e-5]), expected: tensor([1.0]), tolerance: tolerance)
        #expect(c.passed)
        #expect(c.fractionOfAllowedUsed > 0.9 && c.fractionOfAllowedUsed <= 1)
    }

    @Test func justOutsideToleranceIsOneMismatchAtItsIndex() {
        var actual = Array(repeating: 1.0, count: 24)
        actual[17] = 1.0 + 1.2e-5
        let c = comparator.compare(
            name: "y", actual: tensor(actual, shape: [2, 3, 4]), expected: tensor(Array(repeating: 1.0, count: 24), shape: [2, 3, 4]),
            tolerance: tolerance)
        #expect(!c.passed)
        #expect(c.mismatched == 1)
        #expect(c.mismatches.map(\.index) == [[1, 1, 1]])
        #expect(c.maxAbsDiffIndex == [1, 1, 1])
        let m = c.mismatches[0]
        #expect(abs(m.absDiff - 1.2e-5) < 1e-12)
        #expect(abs(m.relDiff - 1.2e-5) < 1e-12)
        #expect(c.failure == CaseProblem(tensor: "y", kind: .values, details: "values differ at 1 of 24 elements (4.17%)"))
    }

    @Test func ulpDistanceCountsFloat32Steps() {
        let one = 1.0
        let threeUlpsUp = Double(Float(1).nextUp.nextUp.nextUp)
        let c = comparator.compare(name: "y", actual: tensor([threeUlpsUp]), expected: tensor([one]), tolerance: Tolerance(atol: 0, rtol: 0))
        #expect(c.mismatches.first?.ulpDiff == 3)
        // Across zero: the smallest subnormals either side are 2 steps apart.
        let tiny = Double(Float.leastNonzeroMagnitude)
        let d = comparator.compare(name: "y", actual: tensor([-tiny]), expected: tensor([tiny]), tolerance: Tolerance(atol: 0, rtol: 0))
        #expect(d.maxUlpDiff == 2)
    }

    @Test func ulpDistanceForFloat16AndFloat64() {
        let h = comparator.compare(
            name: "y", actual: tensor([1 + 2.0 / 1024], .float16), expected: tensor([1], .float16), tolerance: Tolerance(atol: 0, rtol: 0))
        #expect(h.maxUlpDiff == 2)
        let d = comparator.compare(
            name: "y", actual: tensor([Double(1).nextUp], .float64), expected: tensor([1], .float64), tolerance: Tolerance(atol: 0, rtol: 0))
        #expect(d.maxUlpDiff == 1)
    }

    @Test func nanWhereKerasHasNaNMatches() {
        let c = comparator.compare(name: "y", actual: tensor([.nan, 1, .infinity]), expected: tensor([.nan, 1, .infinity]), tolerance: tolerance)
        #expect(c.passed)
    }

    @Test(arguments: [
        ([Double.nan, 1], [0.5, 1]),  // NaN where Keras has a number
        ([0.5, 1], [Double.nan, 1]),  // a number where Keras has NaN
        ([Double.infinity, 1], [-Double.infinity, 1]),  // wrong sign of infinity
        ([Double.infinity, 1], [1e30, 1]),  // infinity where Keras is finite
    ])
    func nonFinitePositionsMustAgree(actual: [Double], expected: [Double]) {
        let c = comparator.compare(name: "y", actual: tensor(actual), expected: tensor(expected), tolerance: tolerance)
        #expect(c.failure == CaseProblem(tensor: "y", kind: .nonFinite, details: "NaN/±Inf positions differ at 1 of 2 elements"))
        #expect(c.mismatches.map(\.index) == [[0]])
    }

    @Test func shapeIsCheckedFirst() {
        let c = comparator.compare(name: "y", actual: tensor([1, 2, 3, 4], shape: [4]), expected: tensor([1, 2, 3, 4], shape: [2, 2]), tolerance: tolerance)
        #expect(c.failure == CaseProblem(tensor: "y", kind: .shape, details: "shape mismatch: got (4,), Keras gave (2, 2)"))
    }

    @Test func elementTypeIsCheckedBeforeValues() {
        let c = comparator.compare(name: "y", actual: tensor([1], .float64), expected: tensor([2], .float32), tolerance: tolerance)
        #expect(c.failure == CaseProblem(tensor: "y", kind: .elementType, details: "element type mismatch: got float64, Keras gave float32"))
    }

    @Test func envelopeWidensByTheReferencesDisagreement() {
        // tensorflow says 1.0, jax says 1.0001; ours is 1.00009: outside the plain tolerance, inside the envelope.
        let expected = tensor([1.0, 5.0])
        let jax = tensor([1.0001, 5.0])
        let ours = tensor([1.00009, 5.0])
        let plain = comparator.compare(name: "y", actual: ours, expected: expected, tolerance: tolerance)
        #expect(!plain.passed)
        let widened = comparator.compare(
            name: "y", actual: ours, expected: expected, references: [Reference(backend: "jax", tensor: jax)], tolerance: tolerance)
        #expect(widened.passed)
        #expect(abs(widened.spread - 1e-4) < 1e-12)
        // 1e-4 apart is beyond float32's tolerance: the element is disputed, and with no oracle unsettled.
        #expect(widened.disputed == 1 && widened.arbitrated == 0 && !widened.hasOracle)
        // Beyond the envelope it fails, and the report carries the spread it allowed.
        let outside = comparator.compare(
            name: "y", actual: tensor([1.0003, 5.0]), expected: expected, references: [Reference(backend: "jax", tensor: jax)], tolerance: tolerance)
        #expect(outside.mismatched == 1)
        #expect(abs((outside.mismatches.first?.spread ?? 0) - 1e-4) < 1e-12)
    }

    @Test func envelopeIsPerElement() {
        // The references disagree at element 0 only; element 1 gets no extra room.
        let expected = tensor([1.0, 1.0])
        let other = tensor([1.001, 1.0])
        let ours = tensor([1.0005, 1.0005])
        let c = comparator.compare(name: "y", actual: ours, expected: expected, references: [Reference(backend: "jax", tensor: other)], tolerance: tolerance)
        #expect(c.mismatches.map(\.index) == [[1]])
    }

    @Test func referencesOfAnotherShapeAreIgnored() {
        let c = comparator.compare(
            name: "y", actual: tensor([2]), expected: tensor([1]), references: [Reference(backend: "jax", tensor: tensor([2, 2]))], tolerance: tolerance)
        #expect(!c.passed)
        #expect(c.spread == 0)
    }

    @Test func reportKeepsOnlyTheFirstMismatchesButCountsAll() {
        let c = comparator.compare(
            name: "y", actual: tensor(Array(repeating: 2, count: 12)), expected: tensor(Array(repeating: 1, count: 12)), tolerance: tolerance)
        #expect(c.mismatched == 12)
        #expect(c.mismatches.count == 5)
        #expect(c.mismatches.map(\.index) == [[0], [1], [2], [3], [4]])
    }

    @Test func defaultTolerancesPerDType() {
        #expect(Tolerance.defaults(for: .float32) == Tolerance(atol: 1e-5, rtol: 1.3e-6))
        #expect(Tolerance.defaults(for: .float64) == Tolerance(atol: 1e-7, rtol: 1e-7))
        #expect(Tolerance.defaults(for: .float16) == Tolerance(atol: 1e-5, rtol: 1e-3))
    }

    @Test func overridesApplyPerField() {
        let t = Tolerance.resolve(for: .float32, caseATol: 1e-3, caseRTol: nil, override: ToleranceOverride(atol: nil, rtol: 0.5))
        #expect(t == Tolerance(atol: 1e-3, rtol: 0.5))
    }

    @Test func theCancellationBoundIsAddedPerElement() {
        let expected = ReferenceTensor(shape: [2], elementType: .float32, values: [1, 1])
        let actual = ReferenceTensor(shape: [2], elementType: .float32, values: [1.0002, 1.0002])
        let bound = ReferenceTensor(shape: [2], elementType: .float64, values: [5e-4, 0])
        let c = comparator.compare(name: "y", actual: actual, expected: expected, cancellation: bound, tolerance: tolerance)
        #expect(c.mismatches.map(\.index) == [[1]])
        #expect(c.mismatches.first?.cancellation == 0)
    }
}
