import Testing
import ReferenceData
@testable import Conformance

/// The per-element used fractions a comparison keeps: the log-scale histogram and the elements closest to their bound.
@Suite struct UsedFractionTests {
    let tolerance = Tolerance(atol: 1, rtol: 0)

    func tensor(_ values: [Double]) -> ReferenceTensor {
        ReferenceTensor(shape: [values.count], elementType: .float64, values: values)
    }

    @Test func binsHoldQuarterDecadesWithPassingBinsAtOrBelowZero() {
        #expect(UsedFractionHistogram.bin(of: 1) == 0)
        #expect(UsedFractionHistogram.bin(of: 1.000001) == 1)
        #expect(UsedFractionHistogram.bin(of: 0.5) == -1)  // 10^-0.5 < 0.5 <= 10^-0.25
        #expect(UsedFractionHistogram.bin(of: 0.1) == -4)
        #expect(UsedFractionHistogram.bin(of: 1e-300) == UsedFractionHistogram.lowestBin)
        #expect(abs(UsedFractionHistogram.upperBound(of: -4) - 0.1) < 1e-15)
    }

    @Test func everyElementIsCountedOnce() {
        // allowed is 1 everywhere, so the used fraction is |diff|.
        let expected = tensor([0, 0, 0, 0, 0])
        let actual = tensor([0, 0.1, 0.001, 0.9, 3])
        let c = Comparator().compare(name: "y", actual: actual, expected: expected, tolerance: tolerance)
        #expect(c.usedFractions.exact == 1)
        #expect(c.usedFractions.total == 5)
        #expect(c.usedFractions.bins == [-4: 1, -12: 1, 0: 1, 2: 1])
        var merged = c.usedFractions
        merged.merge(c.usedFractions)
        #expect(merged.total == 10 && merged.bins[0] == 2 && merged.exact == 2)
    }

    @Test func nothingAllowedAndADifferenceIsUnbounded() {
        let c = Comparator().compare(
            name: "y", actual: tensor([1, 2]), expected: tensor([1, 3]), tolerance: Tolerance(atol: 0, rtol: 0))
        #expect(c.usedFractions.exact == 1)
        #expect(c.usedFractions.unbounded == 1)
    }

    @Test func worstKeepsTheLargestFractionsLargestFirstPassingOrNot() {
        let expected = tensor(Array(repeating: 0, count: 8))
        let actual = tensor([0.2, 0, 0.7, 0.1, 2, 0.7, 0.3, 0.05])
        let c = Comparator(worstLimit: 3).compare(name: "y", actual: actual, expected: expected, tolerance: tolerance)
        #expect(c.worst.map(\.index) == [[4], [2], [5]])
        #expect(c.worst.map(\.fractionOfAllowedUsed) == [2, 0.7, 0.7])
        #expect(c.mismatches.map(\.index) == [[4]])
    }

    @Test func aBitExactTensorHasNoWorstElements() {
        let x = tensor([1, 2, 3])
        let c = Comparator().compare(name: "y", actual: x, expected: x, tolerance: tolerance)
        #expect(c.worst.isEmpty)
        #expect(c.usedFractions.exact == 3)
    }
}
