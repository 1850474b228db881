import Foundation
@testable import KerasLayers
import Testing

/// The per-sample normalization layers' gradients (LayerNormalization, GroupNormalization,
/// RMSNormalization, UnitNormalization) and the preprocessing Normalization's.
@Suite("Normalization gradients")
struct NormalizationSampleGradientTests {
    @Test("LayerNormalization: any axes, center/scale, rms_scaling")
    func layerNorm() throws {
        var rng = TestRNG(seed: 141)
        for (shape, axis) in [
            ([4, 5], [-1]), ([3, 4], [0]), ([2, 3, 4], [1]), ([2, 3, 4], [1, 2]), ([2, 3, 4], [-1, 1]), ([2, 2, 3, 2], [1, 3]),
            ([2, 3, 1, 2], [-2, -1]), ([3, 4], [0, 1]),
        ] {
            for (center, scale, rms) in [(true, true, false), (false, true, false), (true, false, false), (false, false, false), (true, true, true)] {
                let what = "LayerNormalization shape \(shape) axis \(axis) center \(center) scale \(scale) rms_scaling \(rms)"
                var layer = try LayerNormalization(axis: axis, epsilon: 1e-3, center: center, scale: scale, rmsScaling: rms)
                let rank = shape.count
                let normalized = shape.indices.map { d in axis.contains { ($0 < 0 ? $0 + rank : $0) == d } }
                let variableShape = axis.sorted().map { shape[$0 < 0 ? $0 + rank : $0] }
                var weights: [String: Tensor<Float>] = [:]
                for name in layer.weightNames {
                    weights[name] = try rng.tensor(variableShape).reshaped(variableShape)
                }
                try layer.setWeights(weights)
                let keys = NormGradRef.keys(shape, reduced: normalized)
                let params = (0..<shape.reduce(1, *)).map { NormGradRef.index($0, shape: shape, selected: normalized) }
                let x = rng.tensor(shape, mean: 0.7, std: 1.3)
                try normCheckGradient(
                    layer, input: x, weights: weights, trainable: layer.weightNames,
                    reference: { x, w in
                        let stats = NormGradRef.moments(x, keys: keys)
                        guard rms else {
                            return NormGradRef.affine(
                                x, keys: keys, params: params, mean: stats.mean, variance: stats.variance, gamma: w["gamma"], beta: w["beta"], epsilon: 1e-3)
                        }
                        return x.indices.map { i in x[i] / (stats.variance[keys[i]] + 1e-3).squareRoot() * w["gamma"]![params[i]] }
                    }, rng: &rng, what: what)
            }
        }
    }

    @Test("GroupNormalization: groups from one to instance normalization, channel axis anywhere")
    func groupNorm() throws {
        var rng = TestRNG(seed: 142)
        for (shape, axis, groups) in [
            ([2, 4, 3], -1, 1), ([2, 3, 4], -1, 2), ([2, 3, 4], -1, 4), ([2, 3, 4], -1, -1), ([2, 4, 3], 1, 2), ([2, 2, 3, 4], -1, 2),
            ([2, 4, 2, 3], 1, 2), ([3, 6], -1, 3),
        ] {
            for (center, scale) in [(true, true), (false, true), (true, false), (false, false)] {
                let what = "GroupNormalization shape \(shape) axis \(axis) groups \(groups) center \(center) scale \(scale)"
                let a = axis < 0 ? axis + shape.count : axis
                let channels = shape[a]
                let g = groups == -1 ? channels : groups
                var layer = try GroupNormalization(groups: groups, axis: axis, epsilon: 1e-3, center: center, scale: scale)
                var weights: [String: Tensor<Float>] = [:]
                for name in layer.weightNames { weights[name] = rng.vector(channels, -1.5, 1.5) }
                try layer.setWeights(weights)
                let count = shape.reduce(1, *)
                let keys = (0..<count).map { i -> Int in
                    let index = normTestIndex(i, shape)
                    return index[0] * g + index[a] / (channels / g)
                }
                let params = (0..<count).map { normTestIndex($0, shape)[a] }
                let x = rng.tensor(shape, mean: -0.4, std: 1.1)
                try normCheckGradient(
                    layer, input: x, weights: weights, trainable: layer.weightNames,
                    reference: { x, w in
                        let stats = NormGradRef.moments(x, keys: keys)
                        return NormGradRef.affine(
                            x, keys: keys, params: params, mean: stats.mean, variance: stats.variance, gamma: w["gamma"], beta: w["beta"], epsilon: 1e-3)
                    }, rng: &rng, what: what)
            }
        }
    }

    @Test("LayerNormalization and GroupNormalization with a large offset and a small spread: the exact statistics' gradients")
    func largeOffset() throws {
        var rng = TestRNG(seed: 147)
        for (index, layer) in [
            try LayerNormalization(axis: [-1], epsilon: 1e-3) as any DifferentiableLayer, try LayerNormalization(axis: [1], epsilon: 1e-3, rmsScaling: true),
            try GroupNormalization(groups: 2, axis: -1, epsilon: 1e-3),
        ].enumerated() {
            let shape = [3, 4, 4]
            let x = rng.tensor(shape, mean: 1e4, std: 10)
            let keys = (0..<48).map { i -> Int in
                let m = normTestIndex(i, shape)
                return [m[0] * 4 + m[1], m[0] * 4 + m[2], m[0] * 2 + m[2] / 2][index]
            }
            try normCheckGradient(
                layer, input: x, trainable: layer.weightNames,
                reference: { x, w in
                    let stats = NormGradRef.moments(x, keys: keys)
                    if index == 1 { return x.indices.map { x[$0] / (stats.variance[keys[$0]] + 1e-3).squareRoot() } }
                    return NormGradRef.affine(x, keys: keys, params: keys, mean: stats.mean, variance: stats.variance, gamma: nil, beta: nil, epsilon: 1e-3)
                }, rng: &rng, what: "\(type(of: layer).className) #\(index) offset 1e4", tolerance: 1e-5, forwardTolerance: 1e-3)
        }
    }

    @Test("RMSNormalization: trailing and inner axes, the scale broadcast as Keras broadcasts it")
    func rmsNorm() throws {
        var rng = TestRNG(seed: 143)
        // ([2, 3, 3], [1]): the scale of shape (3,) varies along the last axis (NumPy broadcasting).
        for (shape, axis) in [([3, 5], [-1]), ([2, 3, 4], [1, 2]), ([2, 3, 4], [-1]), ([2, 3, 3], [1]), ([2, 2, 3], [0, 1, 2])] {
            let what = "RMSNormalization shape \(shape) axis \(axis)"
            let rank = shape.count
            let normalized = shape.indices.map { d in axis.contains { ($0 < 0 ? $0 + rank : $0) == d } }
            let scaleShape = axis.sorted().map { shape[$0 < 0 ? $0 + rank : $0] }
            var layer = try RMSNormalization(axis: axis, epsilon: 1e-6)
            let weights = ["scale": try rng.tensor(scaleShape).reshaped(scaleShape)]
            try layer.setWeights(weights)
            let keys = NormGradRef.keys(shape, reduced: normalized)
            // Trailing-aligned broadcast index of the scale.
            let selected = shape.indices.map { $0 >= rank - scaleShape.count }
            let params = (0..<shape.reduce(1, *)).map { NormGradRef.index($0, shape: shape, selected: selected) }
            let n = Double(normalized.indices.filter { normalized[$0] }.map { shape[$0] }.reduce(1, *))
            let x = rng.tensor(shape, mean: 0.2, std: 1)
            try normCheckGradient(
                layer, input: x, weights: weights, trainable: ["scale"],
                reference: { x, w in
                    var squares = [Double](repeating: 0, count: (keys.max() ?? 0) + 1)
                    for i in x.indices { squares[keys[i]] += x[i] * x[i] }
                    return x.indices.map { i in x[i] / (squares[keys[i]] / n + 1e-6).squareRoot() * w["scale"]![params[i]] }
                }, rng: &rng, what: what)
        }
    }

    @Test("UnitNormalization: any axes; a vector whose factor is clipped at 1e12 passes dy·1e12")
    func unitNorm() throws {
        var rng = TestRNG(seed: 144)
        for (shape, axis) in [([3, 4], [-1]), ([2, 3, 4], [0, 2]), ([2, 3, 4], [1]), ([4, 3], [0, 1])] {
            let what = "UnitNormalization shape \(shape) axis \(axis)"
            let rank = shape.count
            let normalized = shape.indices.map { d in axis.contains { ($0 < 0 ? $0 + rank : $0) == d } }
            let keys = NormGradRef.keys(shape, reduced: normalized)
            try normCheckGradient(
                try UnitNormalization(axis: axis), input: rng.tensor(shape, mean: 0.5, std: 1), trainable: [],
                reference: { x, _ in
                    var squares = [Double](repeating: 0, count: (keys.max() ?? 0) + 1)
                    for i in x.indices { squares[keys[i]] += x[i] * x[i] }
                    return x.indices.map { i in x[i] * Swift.min(1 / squares[keys[i]].squareRoot(), 1e12) }
                }, rng: &rng, what: what)
        }
        let tiny = try Tensor<Float>(shape: [2, 2], scalars: [1e-14, -2e-14, 0, 0])
        let dy = try Tensor<Float>(shape: [2, 2], scalars: [0.5, -1, 2, 3])
        let dx = try UnitNormalization().gradient(of: tiny, upstream: dy, options: CallOptions()).input
        normExpectClose(dx.scalars, dy.scalars.map { Double($0) * 1e12 }, atol: 0, rtol: 1e-6, "clipped factor")
    }

    @Test("preprocessing Normalization: dx only (mean and variance are not trainable), invert too")
    func preprocessing() throws {
        var rng = TestRNG(seed: 145)
        for (shape, axis) in [([3, 4], [-1] as [Int]?), ([2, 3, 4], [1]), ([2, 3, 4], [0, 2]), ([3, 4], nil)] {
            for invert in [false, true] {
                for adapted in [false, true] {
                    let what = "Normalization shape \(shape) axis \(String(describing: axis)) invert \(invert) adapted \(adapted)"
                    let rank = shape.count
                    let kept = shape.indices.map { d in (axis ?? []).contains { ($0 < 0 ? $0 + rank : $0) == d } }
                    let statShape = shape.indices.filter { kept[$0] }.map { shape[$0] }
                    let mean = try rng.tensor(statShape).reshaped(statShape)
                    var variance = try rng.tensor(statShape).reshaped(statShape)
                    try variance.setScalars(variance.scalars.map { $0 * $0 + 0.1 })
                    var layer: Normalization
                    if adapted {
                        layer = try Normalization(axis: axis, invert: invert)
                        try layer.setWeights(["mean": mean, "variance": variance])
                    } else {
                        layer = try Normalization(axis: axis, mean: mean, variance: variance, invert: invert)
                    }
                    let keys = (0..<shape.reduce(1, *)).map { NormGradRef.index($0, shape: shape, selected: kept) }
                    let m = mean.scalars.map(Double.init), d = variance.scalars.map { Swift.max(Double($0).squareRoot(), 1e-7) }
                    try normCheckGradient(
                        layer, input: rng.tensor(shape), trainable: [],
                        reference: { x, _ in x.indices.map { i in invert ? m[keys[i]] + x[i] * d[keys[i]] : (x[i] - m[keys[i]]) / d[keys[i]] } },
                        rng: &rng, what: what)
                }
            }
        }
    }

    @Test("every layer refuses an upstream gradient whose shape is not the output's, naming both shapes")
    func upstreamShape() throws {
        let layers: [any DifferentiableLayer] = [
            try LayerNormalization(), try GroupNormalization(groups: 1), try RMSNormalization(), try UnitNormalization(),
            try Normalization(axis: [-1], mean: Tensor(shape: [], scalars: [0]), variance: Tensor(shape: [], scalars: [1])),
        ]
        let x = try Tensor<Float>(repeating: 1, shape: [2, 4])
        let wrong = try Tensor<Float>(repeating: 1, shape: [2, 5])
        for layer in layers {
            let error = normError { try layer.gradient(of: x, upstream: wrong, options: CallOptions()) }
            #expect(
                error?.description.contains("(2, 5)") == true && error?.description.contains("(2, 4)") == true,
                "\(type(of: layer).className): \(String(describing: error))")
        }
    }

    @Test("a layer whose config says trainable: false returns dx only, the same dx")
    func frozen() throws {
        var rng = TestRNG(seed: 146)
        let x = rng.tensor([3, 4]), dy = rng.tensor([3, 4])
        for (className, config) in [("LayerNormalization", #"{"axis": -1"#), ("GroupNormalization", #"{"groups": 2"#), ("RMSNormalization", #"{"axis": -1"#)] {
            let trainable = try #require(try normMakeLayer(className, config + "}") as? any DifferentiableLayer)
            let frozen = try #require(try normMakeLayer(className, config + #", "trainable": false}"#) as? any DifferentiableLayer)
            let open = try trainable.gradient(of: x, upstream: dy, options: CallOptions())
            let closed = try frozen.gradient(of: x, upstream: dy, options: CallOptions())
            #expect(!open.weights.isEmpty && closed.weights.isEmpty, "\(className): \(closed.weights.keys.sorted())")
            #expect(open.input == closed.input, "\(className)")
        }
    }

    @Test("a zero batch cannot hide the backward pass's statistics for a huge trailing size", arguments: NormalizationSampleGradientTests.hugeCases)
    func zeroLeadingDimension(_ className: String, _ config: String) throws {
        let x = try Tensor<Float>(shape: [0, 1 << 34], scalars: [])
        let layer = try #require(try normMakeLayer(className, config) as? any DifferentiableLayer)
        let error = normError { try layer.gradient(of: x, upstream: x, options: CallOptions(training: true)) }
        guard case .memoryBudgetExceeded? = error else {
            Issue.record("\(className): expected a memory budget error, got \(String(describing: error))")
            return
        }
    }

    static let hugeCases: [(String, String)] = [
        ("LayerNormalization", #"{"axis": 0}"#), ("BatchNormalization", "{}"), ("RMSNormalization", #"{"axis": 0}"#),
        ("UnitNormalization", #"{"axis": 0}"#), ("GroupNormalization", #"{"groups": -1}"#), ("Normalization", "{}"),
    ]
}
