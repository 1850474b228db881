@testable import KerasLayers
import Testing

@Suite("BatchNormalization")
struct NormalizationBatchTests {
    /// Naive Double reference of the inference formula for channel axis `axis`.
    static func reference(
        _ x: Tensor<Float>, axis: Int, mean: [Double], variance: [Double],
        gamma: [Double]?, beta: [Double]?, epsilon: Double
    ) -> [Double] {
        let a = axis < 0 ? axis + x.rank : axis
        return (0..<x.count).map { i in
            let c = normTestIndex(i, x.shape)[a]
            let normalized = (Double(x.scalars[i]) - mean[c]) / (variance[c] + epsilon).squareRoot()
            return normalized * (gamma?[c] ?? 1) + (beta?[c] ?? 0)
        }
    }

    @Test("inference matches the Double formula for every axis, rank and center/scale combination")
    func inferenceSweep() throws {
        var rng = TestRNG(seed: 1)
        for shape in [[16, 12], [4, 5, 6], [3, 4, 5, 8], [2, 3, 1, 4]] {
            for axis in Array(-shape.count..<shape.count) {
                for (center, scale) in [(true, true), (false, true), (true, false), (false, false)] {
                    let what = "shape \(shape) axis \(axis) center \(center) scale \(scale)"
                    let a = axis < 0 ? axis + shape.count : axis
                    let c = shape[a]
                    var layer = try BatchNormalization(axis: axis, epsilon: 1e-3, center: center, scale: scale)
                    let gamma = rng.vector(c, 0.5, 1.5), beta = rng.vector(c, -1, 1)
                    let mm = rng.vector(c, -1, 1), mv = rng.vector(c, 0.5, 2)
                    var weights = ["moving_mean": mm, "moving_variance": mv]
                    if scale { weights["gamma"] = gamma }
                    if center { weights["beta"] = beta }
                    try layer.setWeights(weights)
                    let x = rng.tensor(shape, mean: 0.5, std: 2)
                    let y = try layer(x)
                    let expected = Self.reference(
                        x, axis: axis, mean: mm.scalars.map(Double.init), variance: mv.scalars.map(Double.init),
                        gamma: scale ? gamma.scalars.map(Double.init) : nil,
                        beta: center ? beta.scalars.map(Double.init) : nil, epsilon: Double(Float(1e-3)))
                    #expect(y.shape == shape, "\(what)")
                    normExpectClose(y.scalars, expected, atol: 1e-5, rtol: 1e-5, what)
                    // Training off: no updates.
                    #expect(try layer.call(x, options: CallOptions()).updatedWeights.isEmpty, "\(what)")
                }
            }
        }
    }

    @Test("training normalizes each channel to mean 0, variance 1 and updates the moving statistics")
    func trainingStatistics() throws {
        var rng = TestRNG(seed: 2)
        for (shape, axis) in [([8, 7, 7, 16], -1), ([4, 8, 5, 5], 1), ([3, 6, 5], -2), ([32, 3], 1)] {
            let what = "shape \(shape) axis \(axis)"
            let a = axis < 0 ? axis + shape.count : axis
            let c = shape[a]
            let momentum = 0.9
            var layer = try BatchNormalization(axis: axis, momentum: momentum, epsilon: 1e-5)
            let mm = rng.vector(c, -1, 1), mv = rng.vector(c, 0.5, 2)
            try layer.setWeights([
                "gamma": Tensor<Float>(repeating: 1, shape: [c]), "beta": Tensor<Float>(repeating: 0, shape: [c]),
                "moving_mean": mm, "moving_variance": mv,
            ])
            let x = rng.tensor(shape, mean: 3, std: 2)
            let result = try layer.call(x, options: CallOptions(training: true))
            let reduced = Set(shape.indices).subtracting([a])
            let outMoments = normTestMoments(result.output, reduced: reduced)
            for k in 0..<c {
                #expect(abs(outMoments.mean[k]) < 1e-5, "\(what) channel \(k) output mean \(outMoments.mean[k])")
                #expect(abs(outMoments.variance[k] - 1) < 1e-3, "\(what) channel \(k) output variance \(outMoments.variance[k])")
            }
            let batch = normTestMoments(x, reduced: reduced)
            let m = Double(Float(momentum)), oneMinus = Double(Float(1 - momentum))
            let expectedMean = (0..<c).map { Double(mm.scalars[$0]) * m + batch.mean[$0] * oneMinus }
            let expectedVariance = (0..<c).map { Double(mv.scalars[$0]) * m + batch.variance[$0] * oneMinus }
            normExpectClose(result.updatedWeights["moving_mean"]?.scalars ?? [], expectedMean, atol: 1e-6, rtol: 1e-6, "\(what) moving_mean")
            normExpectClose(result.updatedWeights["moving_variance"]?.scalars ?? [], expectedVariance, atol: 1e-6, rtol: 1e-6, "\(what) moving_variance")
            #expect(Set(result.updatedWeights.keys) == ["moving_mean", "moving_variance"], "\(what)")
            // The output is the inference formula with the batch statistics.
            let expected = Self.reference(x, axis: axis, mean: batch.mean, variance: batch.variance, gamma: nil, beta: nil, epsilon: Double(Float(1e-5)))
            normExpectClose(result.output.scalars, expected, atol: 1e-5, rtol: 1e-5, "\(what) output")
        }
    }

    @Test("a large offset with a small spread keeps exact statistics (no E[x²] − E[x]² cancellation)")
    func largeOffset() throws {
        var rng = TestRNG(seed: 3)
        let x = rng.tensor([8, 7, 7, 16], mean: 1e4, std: 10)
        let layer = try BatchNormalization(momentum: 0)
        let result = try layer.call(x, options: CallOptions(training: true))
        let batch = normTestMoments(x, reduced: [0, 1, 2])
        // momentum 0: the moving statistics are the batch statistics (rounded to float32).
        normExpectClose(result.updatedWeights["moving_mean"]!.scalars, batch.mean, atol: 0, rtol: 1e-7, "batch mean")
        normExpectClose(result.updatedWeights["moving_variance"]!.scalars, batch.variance, atol: 0, rtol: 1e-6, "batch variance")
        let expected = Self.reference(x, axis: -1, mean: batch.mean, variance: batch.variance, gamma: nil, beta: nil, epsilon: Double(Float(1e-3)))
        // x · inv ≈ 1e3 in float32: the formula itself rounds to ~6e-5.
        normExpectClose(result.output.scalars, expected, atol: 5e-4, rtol: 0, "output")
    }

    @Test("a mask keeps masked positions out of the statistics, for every accepted mask shape")
    func mask() throws {
        var rng = TestRNG(seed: 4)
        for (shape, axis, maskShape) in [
            ([4, 6, 8], -1, [4, 6]), ([4, 6, 8], -1, [1, 6]), ([4, 6, 8], -1, [4, 1]),
            ([4, 8, 6], 1, [4, 8]), ([3, 5, 4, 6], 1, [3, 5, 4]), ([3, 5, 4, 6], 1, [3, 1, 4]),
            // Trailing size-1 axes (issue 10, finding 1): once the traversal drops them, the mask
            // varies along the innermost axis it walks.
            ([4, 3, 5, 1], 1, [4, 3, 5]), ([4, 3, 5, 1], 3, [4, 3, 5]), ([4, 3, 5, 1], 0, [1, 3, 5]),
            ([2, 3, 4, 1, 1], 2, [2, 3, 4, 1]), ([3, 17, 1], 0, [3, 17]), ([2, 1, 9, 1], 2, [2, 1, 9]),
        ] {
            let what = "shape \(shape) axis \(axis) mask \(maskShape)"
            let a = axis < 0 ? axis + shape.count : axis
            let c = shape[a]
            let layer = try BatchNormalization(axis: axis, momentum: 0.5)
            var bits = (0..<maskShape.reduce(1, *)).map { _ in UInt8(rng.uniform() < 0.6 ? 1 : 0) }
            bits[0] = 1
            let mask = try Tensor(shape: maskShape, scalars: bits)
            let x = rng.tensor(shape, mean: 1, std: 2)
            // The element-wise weights: mask[i_0 .. i_{n-2}] broadcast, constant along the last axis.
            let weights: [Double] = (0..<x.count).map { i in
                let index = normTestIndex(i, shape)
                var m = 0
                for d in maskShape.indices { m = m * maskShape[d] + (maskShape[d] == 1 ? 0 : index[d]) }
                return Double(bits[m])
            }
            let result = try layer.call(x, options: CallOptions(training: true, mask: mask))
            let reduced = Set(shape.indices).subtracting([a])
            let stats = normTestMoments(x, reduced: reduced, weights: weights)
            // Keras divides by (count + 1e-7) in float32 (a channel with nothing kept: 0 / 1e-7 = 0).
            let mean = (0..<c).map { stats.count[$0] == 0 ? 0 : stats.mean[$0] * stats.count[$0] / Double(Float(stats.count[$0]) + Float(1e-7)) }
            let variance = (0..<c).map { k -> Double in
                var sq = 0.0
                for i in 0..<x.count where normTestIndex(i, shape)[a] == k {
                    let d = Double(x.scalars[i]) - Double(Float(mean[k]))
                    sq += weights[i] * d * d
                }
                return sq / Double(Float(stats.count[k]) + Float(1e-7))
            }
            let expectedMean = (0..<c).map { 0.5 * 0 + mean[$0] * 0.5 }
            let expectedVariance = (0..<c).map { 0.5 * 1 + variance[$0] * 0.5 }
            normExpectClose(result.updatedWeights["moving_mean"]!.scalars, expectedMean, atol: 1e-6, rtol: 1e-6, "\(what) moving_mean")
            normExpectClose(result.updatedWeights["moving_variance"]!.scalars, expectedVariance, atol: 1e-6, rtol: 1e-6, "\(what) moving_variance")
            // Changing masked values changes nothing in the statistics.
            var scrambled = x
            for i in 0..<x.count where weights[i] == 0 { scrambled[flat: i] = 1e6 }
            let again = try layer.call(scrambled, options: CallOptions(training: true, mask: mask))
            #expect(again.updatedWeights == result.updatedWeights, "\(what): masked values leaked into the statistics")
            let unmasked = (0..<x.count).filter { weights[$0] == 1 }
            #expect(unmasked.allSatisfy { again.output.scalars[$0] == result.output.scalars[$0] }, "\(what)")
        }
    }

    @Test("an all-zero mask gives zero statistics, not NaN")
    func emptyMask() throws {
        let layer = try BatchNormalization(momentum: 0)
        let x = try Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        let result = try layer.call(x, options: CallOptions(training: true, mask: Tensor<UInt8>(repeating: 0, shape: [2, 3])))
        #expect(result.updatedWeights["moving_mean"]!.scalars == [0, 0, 0, 0])
        #expect(result.updatedWeights["moving_variance"]!.scalars == [0, 0, 0, 0])
    }

    @Test("trainable: false runs inference even when training")
    func frozen() throws {
        var rng = TestRNG(seed: 5)
        var layer = try normMakeLayer("BatchNormalization", #"{"axis": -1, "trainable": false, "momentum": 0.9}"#)
        let weights = [
            "gamma": rng.vector(4, 0.5, 1.5), "beta": rng.vector(4, -1, 1),
            "moving_mean": rng.vector(4, -1, 1), "moving_variance": rng.vector(4, 0.5, 2),
        ]
        try layer.setWeights(weights)
        let x = rng.tensor([5, 4])
        let training = try layer.call(x, options: CallOptions(training: true))
        let inference = try layer.call(x, options: CallOptions(training: false))
        #expect(training.output == inference.output)
        #expect(training.updatedWeights.isEmpty)
    }

    @Test("batch renormalization: corrections, clipping and the five updated variables")
    func renorm() throws {
        var rng = TestRNG(seed: 6)
        for (clipping, center, scale) in [
            (BatchNormalization.RenormClipping(rmax: 1.5, rmin: 0.5, dmax: 0.3), true, true),
            (BatchNormalization.RenormClipping(), false, true),
            (BatchNormalization.RenormClipping(dmax: 0.1), true, false),
        ] {
            let what = "clipping \(clipping) center \(center) scale \(scale)"
            let c = 8
            var layer = try BatchNormalization(
                momentum: 0.95, epsilon: 1e-3, center: center, scale: scale,
                renorm: true, renormClipping: clipping, renormMomentum: 0.9)
            var expectedNames = ["moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"]
            if center { expectedNames.insert("beta", at: 0) }
            if scale { expectedNames.insert("gamma", at: 0) }
            #expect(layer.weightNames == expectedNames, "\(what)")
            var weights: [String: Tensor<Float>] = [
                "moving_mean": rng.vector(c, -1, 1), "moving_variance": rng.vector(c, 0.5, 2),
                "moving_stddev": rng.vector(c, 0.7, 1.4), "renorm_mean": rng.vector(c, -1, 1),
                "renorm_stddev": rng.vector(c, 0.7, 1.4),
            ]
            if scale { weights["gamma"] = rng.vector(c, 0.5, 1.5) }
            if center { weights["beta"] = rng.vector(c, -1, 1) }
            try layer.setWeights(weights)
            let x = rng.tensor([6, 5, c], mean: 0.3, std: 1.5)
            let result = try layer.call(x, options: CallOptions(training: true))
            let batch = normTestMoments(x, reduced: [0, 1])
            let eps = Double(Float(1e-3))
            func w(_ n: String, _ k: Int) -> Double { Double(weights[n]!.scalars[k]) }
            var out = [Double](repeating: 0, count: x.count)
            var renormMean = [Double](), renormStd = [Double](), movingMean = [Double](), movingStd = [Double](), movingVar = [Double]()
            for k in 0..<c {
                let std = (batch.variance[k] + eps).squareRoot()
                let floor = max(w("renorm_stddev", k), eps.squareRoot())
                var r = std / floor, d = (batch.mean[k] - w("renorm_mean", k)) / floor
                if let rmin = clipping.rmin { r = max(r, rmin) }
                if let rmax = clipping.rmax { r = min(r, rmax) }
                if let dmax = clipping.dmax { d = min(max(d, -dmax), dmax) }
                let g = scale ? w("gamma", k) : 1, b = center ? w("beta", k) : 0
                for i in 0..<x.count where i % c == k {
                    out[i] = (Double(x.scalars[i]) - batch.mean[k]) / std * (r * g) + (d * g + b)
                }
                renormMean.append(w("renorm_mean", k) * 0.9 + batch.mean[k] * 0.1)
                renormStd.append(w("renorm_stddev", k) * 0.9 + std * 0.1)
                movingMean.append(w("moving_mean", k) * 0.95 + batch.mean[k] * 0.05)
                let ms = w("moving_stddev", k) * 0.95 + std * 0.05
                movingStd.append(ms)
                movingVar.append(max(ms * ms - eps, 0))
            }
            normExpectClose(result.output.scalars, out, atol: 2e-5, rtol: 2e-5, "\(what) output")
            for (name, expected) in [
                ("renorm_mean", renormMean), ("renorm_stddev", renormStd), ("moving_mean", movingMean),
                ("moving_stddev", movingStd), ("moving_variance", movingVar),
            ] {
                normExpectClose(result.updatedWeights[name]?.scalars ?? [], expected, atol: 1e-6, rtol: 1e-6, "\(what) \(name)")
            }
            // Inference ignores the renorm variables.
            let inference = try layer(x)
            let expected = Self.reference(
                x, axis: -1, mean: weights["moving_mean"]!.scalars.map(Double.init),
                variance: weights["moving_variance"]!.scalars.map(Double.init),
                gamma: scale ? weights["gamma"]!.scalars.map(Double.init) : nil,
                beta: center ? weights["beta"]!.scalars.map(Double.init) : nil, epsilon: eps)
            normExpectClose(inference.scalars, expected, atol: 1e-5, rtol: 1e-5, "\(what) inference")
        }
    }

    @Test("weights default to Keras's initializers until set; config initializers are honoured")
    func defaultWeights() throws {
        let x = try Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let fresh = try BatchNormalization()
        let expected = x.scalars.map { Double($0) / (1 + Double(Float(0.001))).squareRoot() }
        normExpectClose(try fresh(x).scalars, expected, atol: 1e-6, rtol: 1e-6, "fresh layer")
        let random = try normMakeLayer(
            "BatchNormalization",
            #"{"gamma_initializer": {"module": "keras.initializers", "class_name": "RandomNormal", "config": {"seed": null}}}"#)
        #expect(normError { try random.call(x, options: CallOptions()) } != nil)
    }

    @Test("the config JSON of Keras 3.15.1 builds the layer")
    func config() throws {
        let json = #"""
            {"name": "batch_normalization", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": 1, "momentum": 0.9, "epsilon": 1e-05, "center": false, "scale": true, "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null, "synchronized": false, "renorm": true, "renorm_clipping": {"rmax": 2.0}, "renorm_momentum": 0.99}
            """#
        let layer = try #require(try normMakeLayer("BatchNormalization", json) as? BatchNormalization)
        #expect(layer.axis == 1 && layer.momentum == 0.9 && layer.epsilon == 1e-5 && !layer.center && layer.scale)
        #expect(layer.renorm && layer.renormClipping == .init(rmax: 2.0) && layer.renormMomentum == 0.99)
        #expect(layer.weightNames == ["gamma", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"])
    }
}
