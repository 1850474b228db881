import Testing
import Foundation
import KerasJSON
@testable import KerasLayers

/// Random configs, weights and inputs for every layer class: each call either works or throws
/// `KerasLayerError`. A trap (overflow, bad index, failed precondition) would crash this test.
/// `FUZZ_SEED` and `FUZZ_ROUNDS` in the environment run other or longer sweeps (found so far:
/// an adaptive `output_size` whose output overflowed, and pool sizes whose window product did).
@Suite struct ConfigFuzzTests {
    static let values: [JSONValue] = [
        .int(-3), .int(-1), .int(0), .int(1), .int(2), .int(3), .int(7), .int(1 << 40),
        .double(-0.5), .double(0), .double(1e-3), .double(2.5), .double(.nan), .null, .bool(true), .bool(false),
        .string("same"), .string("valid"), .string("channels_first"), .string("channels_last"), .string("bogus"),
        .array([.int(2), .int(2)]), .array([.int(1), .int(-1)]), .array([.int(0)]), .array([.int(2), .int(1), .int(3)]),
        .array([]), .array([.string("x")]), .object([:]),
    ]
    static let keys = [
        "pool_size", "strides", "padding", "data_format", "keepdims", "output_size", "axis", "epsilon", "momentum",
        "center", "scale", "groups", "rms_scaling", "renorm", "renorm_clipping", "renorm_momentum", "trainable",
        "mean", "variance", "invert", "synchronized",
    ]

    @Test(arguments: LayerRegistry.layerTypes.keys.sorted())
    func randomConfigsNeverTrap(_ className: String) {
        var rng = TestRNG(seed: className.utf8.reduce(UInt64(ProcessInfo.processInfo.environment["FUZZ_SEED"] ?? "") ?? 17) { $0 &* 31 &+ UInt64($1) })
        var accepted = 0
        for _ in 0..<(Int(ProcessInfo.processInfo.environment["FUZZ_ROUNDS"] ?? "") ?? 300) {
            var object: [String: JSONValue] = [:]
            for key in Self.keys where rng.next() % 3 == 0 {
                object[key] = Self.values[Int(rng.next() % UInt64(Self.values.count))]
            }
            // GroupNormalization's default of 32 groups fits none of these small shapes.
            if className == "GroupNormalization", rng.next() % 2 == 0 { object["groups"] = rng.next() % 2 == 0 ? .int(1) : .int(-1) }
            // Mostly the rank a pooling layer takes, so that calls get past the rank check.
            let poolingRank = (LayerRegistry.layerTypes[className] as? any PoolingLayer.Type).map { $0.spatialRank + 2 }
            let rank = poolingRank.flatMap { r in rng.next() % 4 == 0 ? nil : r } ?? Int(rng.next() % 6)
            let shape = (0..<rank).map { _ in Int(rng.next() % 5) }
            let count = shape.reduce(1, *)
            guard var layer = try? LayerRegistry.makeLayer(className: className, config: .object(object)) else { continue }
            // Half the time the variables keep their initializers' constants (no setWeights).
            if rng.next() % 2 == 0 {
                var weights: [String: Tensor<Float>] = [:]
                for name in layer.weightNames {
                    let n = Int(rng.next() % 5)
                    weights[name] = try? Tensor(shape: [n], scalars: (0..<n).map { _ in Float(rng.uniform(0.1, 2)) })
                }
                if (try? layer.setWeights(weights)) == nil { continue }
            }
            let input = try! Tensor(shape: shape, scalars: (0..<count).map { _ in Float(rng.uniform(-2, 2)) })
            let maskShape = Array(shape.dropLast())
            let mask =
                rng.next() % 4 == 0
                ? try? Tensor<UInt8>(shape: maskShape, scalars: (0..<maskShape.reduce(1, *)).map { _ in UInt8(rng.next() % 2) })
                : nil
            if (try? layer.call(input, options: CallOptions(training: rng.next() % 2 == 0, mask: mask))) != nil {
                accepted += 1
            }
        }
        // The sweep must reach working calls (a fuzzer that never gets past the configs checks nothing).
        #expect(accepted > 0, "\(className): no random config ran")
    }
}
