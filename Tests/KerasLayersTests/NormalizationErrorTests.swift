@testable import KerasLayers
import Testing

@Suite("Normalization layer errors")
struct NormalizationErrorTests {
    let x = try! Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))

    @Test("GroupNormalization: groups that do not divide the channels, exceed them, or are not positive")
    func groups() throws {
        for (groups, fragment) in [(3, "must be a multiple"), (5, "cannot be more than"), (8, "cannot be more than")] {
            let error = normError { try GroupNormalization(groups: groups)(x) }
            #expect(normArgument(error) == "groups", "groups \(groups): \(String(describing: error))")
            #expect("\(String(describing: error))".contains(fragment), "groups \(groups)")
        }
        for groups in [0, -2] {
            #expect(normArgument(normError { try GroupNormalization(groups: groups) }) == "groups", "groups \(groups)")
            #expect(normArgument(normError { try normMakeLayer("GroupNormalization", "{\"groups\": \(groups)}") }) == "groups", "config groups \(groups)")
        }
        #expect(normArgument(normError { try normMakeLayer("GroupNormalization", #"{"groups": 2.5}"#) }) == "groups")
        let empty = try Tensor<Float>(shape: [2, 0], scalars: [])
        #expect(normArgument(normError { try GroupNormalization(groups: -1)(empty) }) == "groups", "no channels")
    }

    @Test("axes out of range or repeated, for every layer")
    func axes() throws {
        for axis in [3, -4] {
            #expect(normArgument(normError { try BatchNormalization(axis: axis)(x) }) == "axis", "BN \(axis)")
            #expect(normArgument(normError { try LayerNormalization(axis: axis)(x) }) == "axis", "LN \(axis)")
            #expect(normArgument(normError { try GroupNormalization(groups: 1, axis: axis)(x) }) == "axis", "GN \(axis)")
            #expect(normArgument(normError { try RMSNormalization(axis: axis)(x) }) == "axis", "RMS \(axis)")
            #expect(normArgument(normError { try UnitNormalization(axis: axis)(x) }) == "axis", "Unit \(axis)")
            #expect(
                normArgument(
                    normError {
                        try Normalization(axis: [axis], mean: Tensor<Float>(repeating: 0, shape: []), variance: Tensor<Float>(repeating: 1, shape: []))(x)
                    }) == "axis", "Normalization \(axis)")
        }
        for axis in [[2, -1], [1, 1]] {
            #expect(normArgument(normError { try LayerNormalization(axis: axis)(x) }) == "axis", "LN \(axis)")
            #expect(normArgument(normError { try RMSNormalization(axis: axis)(x) }) == "axis", "RMS \(axis)")
            #expect(normArgument(normError { try UnitNormalization(axis: axis)(x) }) == "axis", "Unit \(axis)")
        }
        // Keras's preprocessing Normalization accepts repeated kept axes.
        let repeated = try Normalization(axis: [2, -1], mean: Tensor<Float>(repeating: 0, shape: []), variance: Tensor<Float>(repeating: 1, shape: []))
        #expect(try repeated(x) == x)
        #expect(normArgument(normError { try LayerNormalization(axis: []) }) == "axis")
        #expect(normArgument(normError { try normMakeLayer("LayerNormalization", #"{"axis": "last"}"#) }) == "axis")
        #expect(normArgument(normError { try normMakeLayer("UnitNormalization", #"{"axis": [1, "a"]}"#) }) == "axis")
        #expect(normError { try GroupNormalization(groups: 1, axis: 0)(x) } != nil, "the batch axis")
    }

    @Test("BatchNormalization masks of the wrong rank or shape")
    func masks() throws {
        let layer = try BatchNormalization()
        for shape in [[3], [2, 3, 4], [2, 3, 1]] {
            let mask = try Tensor<UInt8>(repeating: 1, shape: shape)
            let error = normError { try layer.call(x, options: CallOptions(training: true, mask: mask)) }
            guard case .invalidInput(let message)? = error else {
                Issue.record("mask \(shape): expected invalidInput, got \(String(describing: error))")
                continue
            }
            #expect(message.contains("one dimension less"), "mask \(shape)")
        }
        let wrong = try Tensor<UInt8>(repeating: 1, shape: [2, 2])
        guard case .invalidInput(let message)? = normError({ try layer.call(x, options: CallOptions(training: true, mask: wrong)) }) else {
            Issue.record("mask (2, 2): expected invalidInput")
            return
        }
        #expect(message.contains("broadcast"))
        // Inference only checks the rank (as Keras does).
        #expect(normError { try layer.call(x, options: CallOptions(training: false, mask: wrong)) } == nil)
    }

    @Test("weights of the wrong shape, missing, or unknown")
    func weights() throws {
        var bn = try BatchNormalization()
        let four = try Tensor<Float>(repeating: 1, shape: [4])
        #expect(
            { if case .invalidWeights? = normError({ try bn.setWeights(["gamma": four, "beta": four, "moving_mean": four]) }) { true } else { false } }(),
            "missing")
        #expect(
            {
                if case .invalidWeights? = normError({
                    try bn.setWeights(["gamma": four, "beta": four, "moving_mean": four, "moving_variance": four, "kernel": four])
                }) {
                    true
                } else {
                    false
                }
            }(), "unknown")
        try bn.setWeights(["gamma": four, "beta": Tensor<Float>(repeating: 0, shape: [3]), "moving_mean": four, "moving_variance": four])
        let error = normError { try bn(x) }
        guard case .invalidWeights(_, let message)? = error else {
            Issue.record("expected invalidWeights, got \(String(describing: error))")
            return
        }
        #expect(message.contains("'beta'") && message.contains("(3,)") && message.contains("(4,)"))

        var ln = try LayerNormalization(axis: [1, 2])
        try ln.setWeights(["gamma": Tensor<Float>(repeating: 1, shape: [4, 3]), "beta": Tensor<Float>(repeating: 0, shape: [4, 3])])
        #expect({ if case .invalidWeights? = normError({ try ln(x) }) { true } else { false } }(), "LN (4, 3) for axes [1, 2]")
        var gn = try GroupNormalization(groups: 2)
        try gn.setWeights(["gamma": Tensor<Float>(repeating: 1, shape: [2]), "beta": Tensor<Float>(repeating: 0, shape: [4])])
        #expect({ if case .invalidWeights? = normError({ try gn(x) }) { true } else { false } }(), "GN gamma (2,)")
        var unit = try UnitNormalization()
        #expect({ if case .invalidWeights? = normError({ try unit.setWeights(["scale": four]) }) { true } else { false } }(), "Unit has no variables")
    }

    @Test("config values Keras rejects")
    func configValues() throws {
        let clippingKeys = normError { try normMakeLayer("BatchNormalization", #"{"renorm": true, "renorm_clipping": {"rmax": 2.0, "foo": 1.0}}"#) }
        #expect(normArgument(clippingKeys) == "renorm_clipping")
        #expect("\(String(describing: clippingKeys))".contains("invalid keys"))
        #expect(
            normArgument(normError { try normMakeLayer("BatchNormalization", #"{"renorm": true, "renorm_clipping": {"rmax": 0.5, "rmin": 1.0}}"#) })
                == "renorm_clipping")
        #expect(
            normArgument(normError { try normMakeLayer("BatchNormalization", #"{"renorm": true, "renorm_clipping": {"dmax": -1.0}}"#) }) == "renorm_clipping")
        // Without renorm Keras does not look at renorm_clipping.
        #expect(normError { try normMakeLayer("BatchNormalization", #"{"renorm": false, "renorm_clipping": {"foo": 1.0}}"#) } == nil)
        #expect(normArgument(normError { try normMakeLayer("BatchNormalization", #"{"momentum": "high"}"#) }) == "momentum")
        #expect(normArgument(normError { try normMakeLayer("BatchNormalization", #"{"axis": [1, 2]}"#) }) == "axis")
        #expect(normArgument(normError { try normMakeLayer("LayerNormalization", #"{"center": 1}"#) }) == "center")
        #expect(normArgument(normError { try normMakeLayer("RMSNormalization", #"{"epsilon": "small"}"#) }) == "epsilon")
        #expect(normArgument(normError { try normMakeLayer("Normalization", #"{"mean": 1.0}"#) }) == "variance")
        #expect(normArgument(normError { try normMakeLayer("Normalization", #"{"mean": [1.0, 2.0], "variance": [1.0, 2.0, 3.0]}"#) }) == "variance")
        #expect(normArgument(normError { try normMakeLayer("Normalization", #"{"mean": [[1.0, 2.0]], "variance": [[1.0, 2.0]]}"#) }) == "mean")
        #expect(
            normArgument(normError { try normMakeLayer("Normalization", #"{"mean": [[1.0, 2.0], [3.0]], "variance": [[1.0, 2.0], [3.0]], "axis": [0, 1]}"#) })
                == "mean")
        let mismatched = try normMakeLayer("Normalization", #"{"axis": 2, "mean": [1.0, 2.0], "variance": [1.0, 2.0]}"#)
        #expect(normArgument(normError { try mismatched.call(x, options: CallOptions()) }) == "mean", "(2,) against 4 features")
        // A quantized policy is not implemented (the float policies are: NormalizationDTypeTests).
        #expect(normArgument(normError { try normMakeLayer("LayerNormalization", #"{"dtype": "int8_from_mixed_bfloat16"}"#) }) == "dtype")
    }

    @Test("a negative epsilon is accepted as Keras accepts it (NaN where variance + epsilon < 0)")
    func negativeEpsilon() throws {
        let layer = try LayerNormalization(epsilon: -1)
        let y = try layer(Tensor<Float>(shape: [1, 2], scalars: [0, 1]))  // variance 0.25
        #expect(y.scalars.allSatisfy { $0.isNaN })
        let fine = try LayerNormalization(epsilon: -0.1)
        #expect(try fine(Tensor<Float>(shape: [1, 2], scalars: [0, 1])).scalars.allSatisfy { !$0.isNaN })
    }

    @Test("every layer class is registered under its Keras name")
    func registry() {
        for name in ["BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization", "UnitNormalization", "Normalization"] {
            #expect(LayerRegistry.layerTypes[name] != nil, "\(name)")
            #expect(normError { try normMakeLayer(name, "{}") } == nil, "\(name) from an empty config")
        }
    }
}
