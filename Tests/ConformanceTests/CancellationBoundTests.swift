import Testing
import KerasJSON
import ReferenceData
@testable import Conformance

/// The cancellation term: zero where Keras's formula does not cancel, the float32 rounding bound
/// of its two products where it does, and per element in the comparator.
@Suite struct CancellationBoundTests {
    func layerNormCase(_ rows: [[Double]], gamma: [Double]? = nil, config: [String: JSONValue] = [:]) -> GoldenCase {
        let width = rows[0].count
        let x = ReferenceTensor(shape: [rows.count, width], elementType: .float32, values: rows.flatMap { $0 })
        var weights: [String: ReferenceTensor] = [:]
        if let gamma { weights["gamma"] = ReferenceTensor(shape: [width], elementType: .float32, values: gamma) }
        var object: [String: JSONValue] = ["axis": .int(-1), "epsilon": .double(0.001)]
        for (k, v) in config { object[k] = v }
        return GoldenCase(id: "t", file: "t.h5", backend: "tensorflow", layer: "LayerNormalization",
                          config: .object(object), input: x, weights: weights, output: x)
    }

    @Test func largeOffsetRowsGetTheRoundingBoundOfBothProducts() throws {
        // Row (1e4 - 10, 1e4 + 10): mean 1e4, variance 100, inv = 2/sqrt(100.001) with gamma 2.
        let c = layerNormCase([[9990, 10010]], gamma: [2, 2])
        let bound = try #require(CancellationBound.bound(for: c))
        let inv = 2 / (100.001).squareRoot()
        let expected0 = 4 * 0x1p-24 * (9990 * inv + 10000 * inv)
        #expect(abs(bound[0] - expected0) < 1e-15)
        #expect(bound[1] > bound[0])
        #expect(bound[0] > 1e-4)   // far above float32's default atol: this input cancels
    }

    @Test func wellConditionedDataAddsNothingThatMatters() throws {
        let bound = try #require(CancellationBound.bound(for: layerNormCase([[-1, 0.5, 2], [0.25, -0.75, 1]])))
        #expect(bound.allSatisfy { $0 < 1e-6 })
    }

    @Test func layersWithoutTheFormulaHaveNoBound() {
        var c = layerNormCase([[9990, 10010]])
        c.layer = "RMSNormalization"
        #expect(CancellationBound.bound(for: c) == nil)
        let rms = layerNormCase([[9990, 10010]], config: ["rms_scaling": .bool(true)])
        #expect(CancellationBound.bound(for: rms) == nil)
    }

    @Test func batchNormalizationUsesTheStatisticsOfItsMode() throws {
        let x = ReferenceTensor(shape: [2, 1], elementType: .float32, values: [9990, 10010])
        let one = ReferenceTensor(shape: [1], elementType: .float32, values: [1])
        let zero = ReferenceTensor(shape: [1], elementType: .float32, values: [0])
        var c = GoldenCase(id: "bn", file: "t.h5", backend: "jax", layer: "BatchNormalization",
                           config: .object(["axis": .int(-1), "epsilon": .double(0.001)]), input: x,
                           weights: ["moving_mean": zero, "moving_variance": one, "gamma": one], output: x)
        // Inference: moving mean 0, variance 1: x·inv ~ 1e4, no cancellation against mean·inv = 0.
        let inference = try #require(CancellationBound.bound(for: c))
        #expect(abs(inference[0] - 4 * 0x1p-24 * 9990 / (1.001).squareRoot()) < 1e-12)
        // Training: the batch's own mean 1e4 and variance 100.
        c.call = .object(["training": .bool(true)])
        let training = try #require(CancellationBound.bound(for: c))
        let inv = 1 / (100.001).squareRoot()
        #expect(abs(training[0] - 4 * 0x1p-24 * (9990 + 10000) * inv) < 1e-12)
    }

    @Test func theComparatorAddsItPerElement() {
        let expected = ReferenceTensor(shape: [2], elementType: .float32, values: [1, 1])
        let actual = ReferenceTensor(shape: [2], elementType: .float32, values: [1.0002, 1.0002])
        let c = Comparator().compare(name: "y", actual: actual, expected: expected, cancellation: ReferenceTensor(shape: [2], elementType: .float64, values: [5e-4, 0]),
                                     tolerance: Tolerance(atol: 1e-5, rtol: 1.3e-6))
        #expect(c.mismatches.map(\.index) == [[1]])
        #expect(c.mismatches.first?.cancellation == 0)
    }
}
