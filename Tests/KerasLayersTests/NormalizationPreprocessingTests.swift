@testable import KerasLayers
import Testing

@Suite("Normalization (preprocessing)")
struct NormalizationPreprocessingTests {
    @Test("per-feature mean and variance: (x − mean) / max(√variance, 1e-7)")
    func perFeature() throws {
        var rng = TestRNG(seed: 30)
        let mean = try Tensor<Float>(shape: [3], scalars: [1, -2, 0.5])
        let variance = try Tensor<Float>(shape: [3], scalars: [4, 0.25, 0])
        let layer = try Normalization(mean: mean, variance: variance)
        #expect(layer.weightNames.isEmpty)
        let x = rng.tensor([5, 3])
        let expected: [Double] = (0..<15).map { i in
            let f = i % 3
            return (Double(x.scalars[i]) - Double(mean.scalars[f])) / max(Double(variance.scalars[f]).squareRoot(), Double(Float(1e-7)))
        }
        normExpectClose(try layer(x).scalars, expected, atol: 1e-6, rtol: 1e-6, "per feature")
    }

    @Test("invert(normalize(x)) ≈ x for every axis form")
    func roundTrip() throws {
        var rng = TestRNG(seed: 31)
        let shape = [3, 4, 5]
        let cases: [([Int]?, [Int])] = [([-1], [5]), ([1], [4]), ([1, 2], [4, 5]), ([2, 1], [4, 5]), ([1, 2], [5]), (nil, []), ([0, 1, 2], [3, 4, 5])]
        for (axis, statShape) in cases {
            let what = "axis \(String(describing: axis)) stats \(statShape)"
            let n = statShape.reduce(1, *)
            let mean = try Tensor(shape: statShape, scalars: rng.vector(n, -2, 2).scalars)
            let variance = try Tensor(shape: statShape, scalars: rng.vector(n, 0.5, 3).scalars)
            let forward = try Normalization(axis: axis, mean: mean, variance: variance)
            let inverse = try Normalization(axis: axis, mean: mean, variance: variance, invert: true)
            let x = rng.tensor(shape, mean: 1, std: 3)
            normExpectClose(try inverse(forward(x)).scalars, x.scalars, atol: 1e-5, rtol: 1e-5, what)
        }
    }

    @Test("the config JSON: axis list, None, nested lists; an adapted layer's variables")
    func config() throws {
        var rng = TestRNG(seed: 32)
        let x = rng.tensor([2, 2, 3])
        let nested = try normMakeLayer(
            "Normalization",
            #"{"name": "normalization", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": [1, 2], "invert": false, "mean": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "variance": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}"#
        )
        let y = try nested.call(x, options: CallOptions()).output
        let expected: [Double] = (0..<12).map { i in
            let f = i % 6
            return (Double(x.scalars[i]) - Double(f + 1)) / Double(Float(f + 1).squareRoot())
        }
        normExpectClose(y.scalars, expected, atol: 1e-6, rtol: 1e-6, "nested lists")

        let scalar = try normMakeLayer("Normalization", #"{"axis": [], "invert": false, "mean": 2.0, "variance": 4.0}"#)
        normExpectClose(try scalar.call(x, options: CallOptions()).output.scalars, x.scalars.map { (Double($0) - 2) / 2 }, atol: 1e-6, rtol: 1e-6, "axis None")

        var adapted = try normMakeLayer("Normalization", #"{"axis": [-1], "invert": true, "mean": null, "variance": null}"#)
        #expect(adapted.weightNames == ["mean", "variance", "count"])
        #expect(try adapted.call(x, options: CallOptions()).output == x, "before set: mean 0, variance 1")
        try adapted.setWeights(["mean": Tensor<Float>(shape: [3], scalars: [1, 2, 3]), "variance": Tensor<Float>(shape: [3], scalars: [4, 9, 16])])
        let inverted = try adapted.call(x, options: CallOptions()).output
        normExpectClose(
            inverted.scalars, (0..<12).map { Double($0 % 3 + 1) + Double(x.scalars[$0]) * Double($0 % 3 + 2) }, atol: 1e-6, rtol: 1e-6, "adapted, inverted")
        // count may be given (Keras stores it as an int64 scalar).
        try adapted.setWeights([
            "mean": Tensor<Float>(shape: [3], scalars: [1, 2, 3]), "variance": Tensor<Float>(shape: [3], scalars: [4, 9, 16]),
            "count": Tensor<Float>(shape: [], scalars: [12]),
        ])
    }
}

@Suite("Moments kernel")
struct NormalizationMomentsTests {
    @Test("mean and variance over every subset of axes match the Double reference (and across threads)")
    func subsets() {
        var rng = TestRNG(seed: 40)
        for shape in [[3, 4, 5, 6], [2, 1, 7, 3], [64, 33, 40], [5, 4, 130, 8]] {
            for bits in 1..<(1 << shape.count) {
                let reduced = (0..<shape.count).map { bits & (1 << $0) != 0 }
                let what = "shape \(shape) reduced \(reduced)"
                let x = rng.tensor(shape, mean: 100, std: 3)
                let (mean, variance) = x.scalars.withUnsafeBufferPointer {
                    Moments.meanAndVariance($0, shape: shape, reduced: reduced)
                }
                let expected = normTestMoments(x, reduced: Set(shape.indices.filter { reduced[$0] }))
                normExpectClose(mean, expected.mean, atol: 0, rtol: 1.2e-7, "\(what) mean")
                normExpectClose(variance, expected.variance, atol: 1e-9, rtol: 1e-5, "\(what) variance")
            }
        }
    }

    @Test("contiguous rows: no cancellation at an offset of 1e6 with spread 1e-2")
    func rows() {
        var rng = TestRNG(seed: 41)
        let x = rng.tensor([1000], mean: 1e6, std: 1e-2)
        let (mean, variance) = x.scalars.withUnsafeBufferPointer { p in
            var firstPass = RowDeviations(p.baseAddress!, 1000)
            return Moments.rowMeanVariance(completing: &firstPass)
        }
        let expected = normTestMoments(x, reduced: [0])
        #expect(abs(Double(mean) - expected.mean[0]) <= Double(mean.ulp))
        // Float32 data at 1e6 are spaced 0.0625 apart: the variance is that of the rounded values.
        #expect(abs(Double(variance) - expected.variance[0]) <= 1e-5 * expected.variance[0])
    }
}
