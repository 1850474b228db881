import KerasJSON
@testable import KerasLayers
import Testing

/// Issue 9: every allocation a layer makes, intermediates included, is checked against the
/// call's `MemoryBudget` before it is made. Each input here used to ask for gigabytes or more.
@Suite struct MemoryBudgetTests {
    /// The reason a call failed, or nil when it did not.
    static func overBudget(_ body: () throws(KerasLayerError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            if case .memoryBudgetExceeded(_, let what, _, _, _) = error { return what }
            return "another error: \(error)"
        }
    }

    @Test("adaptive pooling reserves each separable pass: an early pass larger than the output is refused")
    func adaptiveIntermediate() throws {
        // The output (1, 100000, 1, 1) is 400 KB, but the first pass (over the rows) makes
        // (1, 100000, 100000, 1): 40 GB.
        let layer = try AdaptiveAveragePooling2D(outputSize: [100_000, 1])
        let x = try Tensor(shape: [1, 2, 100_000, 1], scalars: [Float](repeating: 1, count: 200_000))
        let what = Self.overBudget { () throws(KerasLayerError) in _ = try layer.call(x, options: CallOptions()) }
        #expect(what?.contains("pass over spatial axis 1") == true, "\(what ?? "no error")")
        // The same layer under a budget the passes fit in works (and releases each intermediate).
        let small = try Tensor(shape: [1, 2, 30, 1], scalars: [Float](repeating: 1, count: 60))
        let y = try layer.call(small, options: CallOptions(memoryBudget: MemoryBudget(bytes: 1 << 30)))
        #expect(y.output.shape == [1, 100_000, 1, 1])
    }

    @Test(
        "a zero batch cannot hide statistics for a huge trailing size",
        arguments: ["LayerNormalization", "BatchNormalization", "RMSNormalization", "UnitNormalization", "GroupNormalization", "Normalization"])
    func zeroLeadingDimension(_ className: String) throws {
        // 0 elements, so the tensor itself is free; the statistics over axis 0 (or the
        // per-channel vectors of the last axis) would be 2^34 values.
        let x = try Tensor<Float>(shape: [0, 1 << 34], scalars: [])
        let config: String
        switch className {
        case "LayerNormalization", "RMSNormalization", "UnitNormalization": config = #"{"axis": 0}"#
        case "GroupNormalization": config = #"{"groups": -1}"#
        default: config = "{}"
        }
        let layer = try normMakeLayer(className, config)
        let what = Self.overBudget { () throws(KerasLayerError) in _ = try layer.call(x, options: CallOptions(training: true)) }
        #expect(what != nil && what?.hasPrefix("another error") == false, "\(className): \(what ?? "no error")")
    }

    @Test("a huge `same` window with channels_first allocates nothing the size of the window")
    func hugeWindowChannelsFirst() throws {
        let x = try Tensor<Float>(shape: [1, 2, 5], scalars: [3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
        let layer = try MaxPooling1D(poolSize: 1 << 30, strides: 1, padding: .same, dataFormat: .channelsFirst)
        // Every window covers its whole row, so every output is the row's maximum.
        let y = try layer.call(x, options: CallOptions(memoryBudget: MemoryBudget(bytes: 1 << 16)))
        #expect(y.output.shape == [1, 2, 5])
        #expect(y.output.scalars == [5, 5, 5, 5, 5, 9, 9, 9, 9, 9])
        let mean = try AveragePooling1D(poolSize: 1 << 30, strides: 1, padding: .same, dataFormat: .channelsFirst)
        let z = try mean.call(x, options: CallOptions(memoryBudget: MemoryBudget(bytes: 1 << 16)))
        #expect(z.output.scalars == [Float](repeating: 14.0 / 5, count: 5) + [Float](repeating: 25.0 / 5, count: 5))
    }

    @Test(
        "the budget bounds every layer: a tiny budget refuses, the default accepts",
        arguments: LayerRegistry.layerTypes.keys.sorted())
    func everyLayer(_ className: String) throws {
        let rank = className.hasSuffix("2D") ? 4 : className.hasSuffix("3D") ? 5 : 3
        let shape = Array([2, 6, 6, 6, 4].prefix(rank - 1)) + [4]
        let x = try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0 % 7) })
        let config =
            className.hasPrefix("Adaptive")
            ? #"{"output_size": 3}"#
            : className.hasPrefix("AveragePooling") ? #"{"pool_size": 2}"# : className == "GroupNormalization" ? #"{"groups": 2}"# : "{}"
        let layer = try normMakeLayer(className, config)
        _ = try layer.call(x, options: CallOptions())
        let what = Self.overBudget { () throws(KerasLayerError) in _ = try layer.call(x, options: CallOptions(memoryBudget: MemoryBudget(bytes: 16))) }
        #expect(what != nil && what?.hasPrefix("another error") == false, "\(className): \(what ?? "no error")")
    }

    @Test("a reservation that overflows is refused, not a trap")
    func overflow() {
        var budget = MemoryBudget()
        #expect(throws: KerasLayerError.self) { try budget.reserve(Int.max, of: Double.self, for: "x", layer: "L") }
        #expect(budget.reserved == 0)
        #expect(MemoryBudget.saturatingProduct([1 << 40, 1 << 40]) == Int.max)
    }
}
