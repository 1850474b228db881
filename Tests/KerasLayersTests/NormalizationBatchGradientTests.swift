@testable import KerasLayers
import Testing

@Suite("BatchNormalization gradient")
struct NormalizationBatchGradientTests {
    /// The layer with random variables (moving variance positive), and the variables.
    static func layer(
        axis: Int, channels: Int, center: Bool, scale: Bool, trainable: Bool = true, renorm: Bool = false,
        clipping: BatchNormalization.RenormClipping? = nil, rng: inout TestRNG
    ) throws -> (BatchNormalization, [String: Tensor<Float>]) {
        var layer = try BatchNormalization(
            axis: axis, epsilon: 1e-3, center: center, scale: scale, renorm: renorm, renormClipping: clipping, trainable: trainable)
        var weights = ["moving_mean": rng.vector(channels, -1, 1), "moving_variance": rng.vector(channels, 0.5, 2)]
        if scale { weights["gamma"] = rng.vector(channels, 0.5, 1.5) }
        if center { weights["beta"] = rng.vector(channels, -1, 1) }
        if renorm {
            weights["moving_stddev"] = rng.vector(channels, 0.7, 1.4)
            weights["renorm_mean"] = rng.vector(channels, -0.5, 0.5)
            weights["renorm_stddev"] = rng.vector(channels, 0.7, 1.4)
        }
        try layer.setWeights(weights)
        return (layer, weights)
    }

    /// Keras's BatchNormalization in Double: moving statistics in inference; batch statistics
    /// (weighted by the broadcast mask, `W = Σm + 1e-7`) in training; with renorm, the
    /// corrections `r`, `d` frozen at the batch statistics of `base` (Keras stops their gradient).
    static func reference(
        shape: [Int], axis: Int, training: Bool, mask: [Double]?, renorm: (base: [Double], clipping: BatchNormalization.RenormClipping)?
    ) -> NormGradReference {
        let a = axis < 0 ? axis + shape.count : axis
        var reduced = Array(repeating: true, count: shape.count)
        reduced[a] = false
        let keys = NormGradRef.keys(shape, reduced: reduced)
        let epsilon = 1e-3
        let maskEpsilon = Double(Float(1e-7))
        return { x, w in
            guard training else {
                return NormGradRef.affine(
                    x, keys: keys, params: keys, mean: w["moving_mean"]!, variance: w["moving_variance"]!, gamma: w["gamma"], beta: w["beta"],
                    epsilon: epsilon)
            }
            let stats = NormGradRef.moments(x, keys: keys, weights: mask, maskEpsilon: mask == nil ? 0 : maskEpsilon)
            guard let renorm else {
                return NormGradRef.affine(
                    x, keys: keys, params: keys, mean: stats.mean, variance: stats.variance, gamma: w["gamma"], beta: w["beta"], epsilon: epsilon)
            }
            let base = NormGradRef.moments(renorm.base, keys: keys, weights: mask, maskEpsilon: mask == nil ? 0 : maskEpsilon)
            let normalized = NormGradRef.affine(
                x, keys: keys, params: keys, mean: stats.mean, variance: stats.variance, gamma: nil, beta: nil, epsilon: epsilon)
            return x.indices.map { i in
                let c = keys[i]
                let floor = Swift.max(w["renorm_stddev"]![c], epsilon.squareRoot())
                var r = (base.variance[c] + epsilon).squareRoot() / floor
                var d = (base.mean[c] - w["renorm_mean"]![c]) / floor
                if let rmin = renorm.clipping.rmin { r = Swift.max(r, rmin) }
                if let rmax = renorm.clipping.rmax { r = Swift.min(r, rmax) }
                if let dmax = renorm.clipping.dmax { d = Swift.min(Swift.max(d, -dmax), dmax) }
                return (normalized[i] * r + d) * (w["gamma"]?[c] ?? 1) + (w["beta"]?[c] ?? 0)
            }
        }
    }

    /// A random 0/1 mask of `shape` (at least one 1), and its weights broadcast over `input` (last axis appended).
    static func mask(_ shape: [Int], input: [Int], rng: inout TestRNG) throws -> (Tensor<UInt8>, [Double]) {
        var bytes = (0..<shape.reduce(1, *)).map { _ in UInt8(rng.uniform() < 0.7 ? 1 : 0) }
        bytes[0] = 1
        let mask = try Tensor(shape: shape, scalars: bytes)
        let weights = (0..<input.reduce(1, *)).map { i -> Double in
            let index = normTestIndex(i, input)
            var flat = 0
            for d in shape.indices { flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d]) }
            return Double(bytes[flat])
        }
        return (mask, weights)
    }

    @Test("dx, dgamma, dbeta match float64 finite differences for every axis, mode and center/scale combination")
    func sweep() throws {
        var rng = TestRNG(seed: 131)
        for shape in [[6, 3], [2, 3, 4], [2, 3, 2, 2]] {
            for axis in Array(-shape.count..<shape.count) {
                let a = axis < 0 ? axis + shape.count : axis
                for training in [false, true] {
                    for (center, scale) in [(true, true), (false, true), (true, false), (false, false)] {
                        let what = "shape \(shape) axis \(axis) training \(training) center \(center) scale \(scale)"
                        let (layer, weights) = try Self.layer(axis: axis, channels: shape[a], center: center, scale: scale, rng: &rng)
                        let x = rng.tensor(shape, mean: 0.5, std: 2)
                        try normCheckGradient(
                            layer, input: x, weights: weights, trainable: normAffineVariableNames(scale: scale, center: center),
                            options: CallOptions(training: training),
                            reference: Self.reference(shape: shape, axis: axis, training: training, mask: nil, renorm: nil), rng: &rng, what: what)
                    }
                }
            }
        }
    }

    @Test("training with a mask: the statistics count unmasked positions only, every position gets a gradient")
    func masked() throws {
        var rng = TestRNG(seed: 132)
        for (shape, axis, maskShape) in [
            ([4, 3], -1, [4]), ([2, 3, 4], -1, [2, 3]), ([2, 3, 4], 1, [2, 3]), ([2, 4, 3], 1, [2, 1]), ([3, 2, 2, 3], -1, [3, 2, 2]),
        ] {
            for (center, scale) in [(true, true), (false, false)] {
                let what = "shape \(shape) axis \(axis) mask \(maskShape) center \(center) scale \(scale)"
                let a = axis < 0 ? axis + shape.count : axis
                let (layer, weights) = try Self.layer(axis: axis, channels: shape[a], center: center, scale: scale, rng: &rng)
                let (mask, maskWeights) = try Self.mask(maskShape, input: shape, rng: &rng)
                let x = rng.tensor(shape, mean: -0.5, std: 1.5)
                try normCheckGradient(
                    layer, input: x, weights: weights, trainable: normAffineVariableNames(scale: scale, center: center),
                    options: CallOptions(training: true, mask: mask),
                    reference: Self.reference(shape: shape, axis: axis, training: true, mask: maskWeights, renorm: nil), rng: &rng, what: what)
                // In inference the mask changes nothing.
                try normCheckGradient(
                    layer, input: x, weights: weights, trainable: normAffineVariableNames(scale: scale, center: center),
                    options: CallOptions(training: false, mask: mask),
                    reference: Self.reference(shape: shape, axis: axis, training: false, mask: nil, renorm: nil), rng: &rng,
                    what: "\(what) inference")
            }
        }
    }

    @Test("a large offset and a small spread: the gradients of the exact statistics, not of their float32 rounding")
    func largeOffset() throws {
        var rng = TestRNG(seed: 134)
        for (shape, axis, masked) in [([16, 3], -1, false), ([4, 3, 5], 1, false), ([6, 2, 3], -1, true)] {
            let what = "shape \(shape) axis \(axis) masked \(masked) offset 1e4"
            let a = axis < 0 ? axis + shape.count : axis
            let (layer, weights) = try Self.layer(axis: axis, channels: shape[a], center: true, scale: true, rng: &rng)
            let mask = masked ? try Self.mask(Array(shape.dropLast()), input: shape, rng: &rng) : nil
            let x = rng.tensor(shape, mean: 1e4, std: 10)
            try normCheckGradient(
                layer, input: x, weights: weights, trainable: ["gamma", "beta"], options: CallOptions(training: true, mask: mask?.0),
                reference: Self.reference(shape: shape, axis: axis, training: true, mask: mask?.1, renorm: nil), rng: &rng, what: what,
                tolerance: 1e-5, forwardTolerance: 1e-3)
        }
    }

    @Test("renorm: r and d are constants; clipped and unclipped; a frozen layer has no variable gradients")
    func renormAndFrozen() throws {
        var rng = TestRNG(seed: 133)
        let shape = [5, 2, 3]
        for clipping in [
            BatchNormalization.RenormClipping(), BatchNormalization.RenormClipping(rmax: 1.05, rmin: 0.95, dmax: 0.1),
        ] {
            for (center, scale) in [(true, true), (false, false), (true, false)] {
                let what = "renorm clipping \(clipping) center \(center) scale \(scale)"
                let (layer, weights) = try Self.layer(
                    axis: -1, channels: 3, center: center, scale: scale, renorm: true, clipping: clipping, rng: &rng)
                let x = rng.tensor(shape, mean: 0.3, std: 1.7)
                try normCheckGradient(
                    layer, input: x, weights: weights, trainable: normAffineVariableNames(scale: scale, center: center),
                    options: CallOptions(training: true),
                    reference: Self.reference(
                        shape: shape, axis: -1, training: true, mask: nil, renorm: (x.scalars.map(Double.init), clipping)),
                    rng: &rng, what: what)
            }
        }
        let (frozen, weights) = try Self.layer(axis: 1, channels: 2, center: true, scale: true, trainable: false, rng: &rng)
        try normCheckGradient(
            frozen, input: rng.tensor(shape), weights: weights, trainable: [], options: CallOptions(training: true),
            reference: Self.reference(shape: shape, axis: 1, training: false, mask: nil, renorm: nil), rng: &rng, what: "trainable false")
    }

    @Test("an upstream gradient of the wrong shape, or a mask of the wrong rank, is an error naming both shapes")
    func shapeErrors() throws {
        let layer = try BatchNormalization()
        let x = try Tensor<Float>(repeating: 1, shape: [2, 3])
        let wrong = try Tensor<Float>(repeating: 1, shape: [3, 2])
        let error = normError { try layer.gradient(of: x, upstream: wrong, options: CallOptions()) }
        #expect(error?.description.contains("(3, 2)") == true && error?.description.contains("(2, 3)") == true, "\(String(describing: error))")
        let mask = try Tensor<UInt8>(repeating: 1, shape: [2, 3])
        let maskError = normError { try layer.gradient(of: x, upstream: x, options: CallOptions(training: true, mask: mask)) }
        #expect(maskError?.description.contains("one dimension less") == true, "\(String(describing: maskError))")
    }
}
