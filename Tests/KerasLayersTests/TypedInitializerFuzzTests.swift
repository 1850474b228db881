import Foundation
import Testing
@testable import KerasLayers

/// Issue 9: the typed Swift initializers go through the same checks as the config path, so
/// hostile arguments are refused when the layer is built or give an error (never a trap) when
/// it runs, as `ConfigFuzzTests` does for configs. `FUZZ_SEED` and `FUZZ_ROUNDS` run other or
/// longer sweeps. Found: `MaxPooling1D(poolSize: 2, strides: Int.max, padding: .same)`
/// trapped on call (the typed path lacked the config path's size bound).
@Suite struct TypedInitializerFuzzTests {
    static let ints = [-3, -1, 0, 1, 2, 3, 7, Int(Int32.max), Int(Int32.max) + 1, 1 << 40, Int.max, Int.min]
    static let doubles = [-0.5, 0, 1e-3, 0.99, 2.5, .nan, .infinity, -.infinity]

    struct Draw {
        var rng: TestRNG
        mutating func int() -> Int { TypedInitializerFuzzTests.ints[Int(rng.next() % UInt64(TypedInitializerFuzzTests.ints.count))] }
        mutating func ints(_ n: Int) -> [Int] { (0..<n).map { _ in int() } }
        mutating func double() -> Double { TypedInitializerFuzzTests.doubles[Int(rng.next() % UInt64(TypedInitializerFuzzTests.doubles.count))] }
        mutating func bool() -> Bool { rng.next() % 2 == 0 }
        mutating func count() -> Int { Int(rng.next() % 4) }
        mutating func format() -> DataFormat { bool() ? .channelsLast : .channelsFirst }
        mutating func padding() -> Padding { bool() ? .valid : .same }
        mutating func optionalDouble() -> Double? { bool() ? nil : double() }
    }

    /// One layer built from random typed arguments, or nil when the initializer refused them.
    static func makeLayer(_ className: String, _ d: inout Draw) -> (any KerasLayer)? {
        let rank = (LayerRegistry.layerTypes[className] as? any PoolingLayer.Type)?.spatialRank ?? 1
        func sizes() -> [Int] { d.bool() ? d.ints(rank) : d.ints(d.count()) }
        switch className {
        case "MaxPooling1D":
            return try?
                (d.bool()
                ? MaxPooling1D(poolSize: d.int(), strides: d.bool() ? d.int() : nil, padding: d.padding(), dataFormat: d.format())
                : MaxPooling1D(poolSize: sizes(), strides: d.bool() ? sizes() : nil, padding: d.padding(), dataFormat: d.format()))
        case "MaxPooling2D": return try? MaxPooling2D(poolSize: sizes(), strides: d.bool() ? sizes() : nil, padding: d.padding(), dataFormat: d.format())
        case "MaxPooling3D": return try? MaxPooling3D(poolSize: d.int(), strides: d.int(), padding: d.padding(), dataFormat: d.format())
        case "AveragePooling1D":
            return try? AveragePooling1D(poolSize: sizes(), strides: d.bool() ? sizes() : nil, padding: d.padding(), dataFormat: d.format())
        case "AveragePooling2D":
            return try? AveragePooling2D(poolSize: d.int(), strides: d.bool() ? d.int() : nil, padding: d.padding(), dataFormat: d.format())
        case "AveragePooling3D":
            return try? AveragePooling3D(poolSize: sizes(), strides: d.bool() ? sizes() : nil, padding: d.padding(), dataFormat: d.format())
        case "GlobalMaxPooling1D": return GlobalMaxPooling1D(dataFormat: d.format(), keepdims: d.bool())
        case "GlobalMaxPooling2D": return GlobalMaxPooling2D(dataFormat: d.format(), keepdims: d.bool())
        case "GlobalMaxPooling3D": return GlobalMaxPooling3D(dataFormat: d.format(), keepdims: d.bool())
        case "GlobalAveragePooling1D": return GlobalAveragePooling1D(dataFormat: d.format(), keepdims: d.bool())
        case "GlobalAveragePooling2D": return GlobalAveragePooling2D(dataFormat: d.format(), keepdims: d.bool())
        case "GlobalAveragePooling3D": return GlobalAveragePooling3D(dataFormat: d.format(), keepdims: d.bool())
        case "AdaptiveMaxPooling1D": return try? AdaptiveMaxPooling1D(outputSize: d.int(), dataFormat: d.format())
        case "AdaptiveMaxPooling2D": return try? AdaptiveMaxPooling2D(outputSize: sizes(), dataFormat: d.format())
        case "AdaptiveMaxPooling3D": return try? AdaptiveMaxPooling3D(outputSize: sizes(), dataFormat: d.format())
        case "AdaptiveAveragePooling1D": return try? AdaptiveAveragePooling1D(outputSize: sizes(), dataFormat: d.format())
        case "AdaptiveAveragePooling2D": return try? AdaptiveAveragePooling2D(outputSize: d.int(), dataFormat: d.format())
        case "AdaptiveAveragePooling3D": return try? AdaptiveAveragePooling3D(outputSize: sizes(), dataFormat: d.format())
        case "BatchNormalization":
            return try? BatchNormalization(
                axis: d.int(), momentum: d.double(), epsilon: d.double(), center: d.bool(), scale: d.bool(), renorm: d.bool(),
                renormClipping: .init(rmax: d.optionalDouble(), rmin: d.optionalDouble(), dmax: d.optionalDouble()),
                renormMomentum: d.double(), synchronized: d.bool(), trainable: d.bool())
        case "LayerNormalization":
            return try? LayerNormalization(axis: d.ints(d.count()), epsilon: d.double(), center: d.bool(), scale: d.bool(), rmsScaling: d.bool())
        case "GroupNormalization": return try? GroupNormalization(groups: d.int(), axis: d.int(), epsilon: d.double(), center: d.bool(), scale: d.bool())
        case "RMSNormalization": return try? RMSNormalization(axis: d.ints(d.count()), epsilon: d.double())
        case "UnitNormalization": return try? UnitNormalization(axis: d.ints(d.count()))
        case "Normalization":
            let n = d.count()
            let mean = d.bool() ? try? Tensor(shape: [n], scalars: (0..<n).map { _ in Float(d.double()) }) : nil
            let variance = d.bool() ? try? Tensor(shape: [n], scalars: (0..<n).map { _ in Float(d.double()) }) : nil
            return try? Normalization(axis: d.bool() ? nil : d.ints(d.count()), mean: mean, variance: variance, invert: d.bool())
        default:
            Issue.record("no typed initializer fuzzed for \(className)")
            return nil
        }
    }

    @Test(arguments: LayerRegistry.layerTypes.keys.sorted())
    func randomTypedArgumentsNeverTrap(_ className: String) {
        let environment = ProcessInfo.processInfo.environment
        var d = Draw(rng: TestRNG(seed: className.utf8.reduce(UInt64(environment["FUZZ_SEED"] ?? "") ?? 29) { $0 &* 31 &+ UInt64($1) }))
        var called = 0
        for _ in 0..<(Int(environment["FUZZ_ROUNDS"] ?? "") ?? 300) {
            guard let layer = Self.makeLayer(className, &d) else { continue }
            // Mostly the rank a pooling layer takes, so that calls get past the rank check.
            let poolingRank = (LayerRegistry.layerTypes[className] as? any PoolingLayer.Type).map { $0.spatialRank + 2 }
            let rank = poolingRank.flatMap { r in d.rng.next() % 4 == 0 ? nil : r } ?? Int(d.rng.next() % 6)
            let shape = (0..<rank).map { _ in Int(d.rng.next() % 5) }
            let input = try! Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(d.rng.uniform(-2, 2)) })
            let options = CallOptions(training: d.bool(), memoryBudget: MemoryBudget(bytes: 64 << 20))
            do {
                let output = try layer.call(input, options: options)
                #expect(output.output.shape == (try? layer.outputShape(forInputShape: shape)), "\(className): call and outputShape disagree")
                called += 1
            } catch {}
        }
        // The sweep reached working calls (a fuzzer that never gets past the initializers checks nothing).
        #expect(called > 0, "\(className): no random typed layer ran")
    }

    @Test("the reported trap: a stride beyond Int32.max is refused by the initializer, as in a config")
    func hugeStride() {
        #expect(throws: KerasLayerError.self) { try MaxPooling1D(poolSize: 2, strides: Int.max, padding: .same) }
        #expect(throws: KerasLayerError.self) { try MaxPooling1D(config: LayerConfig(layer: "MaxPooling1D", json: #"{"strides": 9223372036854775807}"#)) }
        // One rule, one message for both paths.
        let typed = try? MaxPooling2D(poolSize: [2, 0])
        let config = try? MaxPooling2D(config: LayerConfig(layer: "MaxPooling2D", json: #"{"pool_size": [2, 0]}"#))
        #expect(typed == nil && config == nil)
        var messages: [String] = []
        for build in [
            { _ = try MaxPooling2D(poolSize: [2, 0]) }, { _ = try MaxPooling2D(config: LayerConfig(layer: "MaxPooling2D", json: #"{"pool_size": [2, 0]}"#)) },
        ] as [() throws -> Void] {
            do { try build() } catch { messages.append("\(error)") }
        }
        #expect(messages.count == 2 && messages.allSatisfy { $0.contains("including values {0} that do not satisfy `value > 0`") }, "\(messages)")
    }
}
