@testable import KerasLayers
import Testing

@Suite("LayerNormalization, RMSNormalization, UnitNormalization")
struct NormalizationLayerNormTests {
    /// Naive Double layer normalization over `axes` (canonical), with parameters indexed in
    /// canonical order over the normalized axes.
    static func reference(
        _ x: Tensor<Float>, axes: Set<Int>, gamma: [Float]?, beta: [Float]?, epsilon: Double, rms: Bool = false
    ) -> [Double] {
        let stats = normTestMoments(x, reduced: axes)
        let shape = x.shape
        return (0..<x.count).map { i in
            let index = normTestIndex(i, shape)
            var k = 0, p = 0
            for d in shape.indices {
                if axes.contains(d) { p = p * shape[d] + index[d] } else { k = k * shape[d] + index[d] }
            }
            let inv = 1 / (stats.variance[k] + epsilon).squareRoot()
            if rms { return Double(x.scalars[i]) * inv * Double(gamma?[p] ?? 1) }
            return (Double(x.scalars[i]) - stats.mean[k]) * inv * Double(gamma?[p] ?? 1) + Double(beta?[p] ?? 0)
        }
    }

    @Test("normalized groups have mean 0 and variance 1 with gamma 1, beta 0")
    func unitStatistics() throws {
        var rng = TestRNG(seed: 10)
        for (shape, axis) in [([3, 5, 16], [-1]), ([2, 3, 4, 5], [1, 2]), ([2, 3, 4, 5], [0, 2]), ([4, 64], [-1]), ([2, 3, 4, 5], [-1, -2, 1])] {
            let what = "shape \(shape) axis \(axis)"
            let layer = try LayerNormalization(axis: axis, epsilon: 1e-6)
            let x = rng.tensor(shape, mean: -2, std: 3)
            let y = try layer(x)
            let axes = Set(axis.map { $0 < 0 ? $0 + shape.count : $0 })
            let stats = normTestMoments(y, reduced: axes)
            for k in stats.mean.indices {
                #expect(abs(stats.mean[k]) < 1e-5, "\(what) group \(k) mean \(stats.mean[k])")
                #expect(abs(stats.variance[k] - 1) < 1e-4, "\(what) group \(k) variance \(stats.variance[k])")
            }
        }
    }

    @Test("gamma and beta are applied per normalized element; every axis layout matches the Double reference")
    func referenceSweep() throws {
        var rng = TestRNG(seed: 11)
        let shape = [2, 3, 4, 5]
        let axisLists: [[Int]] = [[-1], [3], [2, 3], [1, 2], [0, 2], [1, 3], [1, 2, 3], [0, 1, 2, 3], [2]]
        for axis in axisLists {
            for (center, scale) in [(true, true), (false, true), (true, false), (false, false)] {
                let what = "axis \(axis) center \(center) scale \(scale)"
                var layer = try LayerNormalization(axis: axis, epsilon: 1e-3, center: center, scale: scale)
                let paramShape = axis.sorted().map { shape[$0 < 0 ? $0 + shape.count : $0] }
                let n = paramShape.reduce(1, *)
                let gamma = try Tensor(shape: paramShape, scalars: rng.vector(n, 0.5, 1.5).scalars)
                let beta = try Tensor(shape: paramShape, scalars: rng.vector(n, -1, 1).scalars)
                var weights: [String: Tensor<Float>] = [:]
                if scale { weights["gamma"] = gamma }
                if center { weights["beta"] = beta }
                try layer.setWeights(weights)
                let x = rng.tensor(shape, mean: 1, std: 2)
                let expected = Self.reference(
                    x, axes: Set(axis.map { $0 < 0 ? $0 + 4 : $0 }), gamma: scale ? gamma.scalars : nil,
                    beta: center ? beta.scalars : nil, epsilon: Double(Float(1e-3)))
                normExpectClose(try layer(x).scalars, expected, atol: 2e-5, rtol: 2e-5, what)
            }
        }
    }

    @Test("axis forms: an int, a negative index, a list, an unsorted list give the same result")
    func axisForms() throws {
        var rng = TestRNG(seed: 12)
        let x = rng.tensor([2, 3, 4, 5])
        let gamma = rng.vector(20, 0.5, 1.5).scalars, beta = rng.vector(20, -1, 1).scalars
        func run(_ axis: [Int], _ shape: [Int]) throws -> [Float] {
            var layer = try LayerNormalization(axis: axis)
            try layer.setWeights(["gamma": Tensor(shape: shape, scalars: gamma), "beta": Tensor(shape: shape, scalars: beta)])
            return try layer(x).scalars
        }
        let canonical = try run([2, 3], [4, 5])
        #expect(try run([3, 2], [4, 5]) == canonical, "unsorted")
        #expect(try run([-2, -1], [4, 5]) == canonical, "negative")
        #expect(try run([-1, -2], [4, 5]) == canonical, "negative unsorted")
        // Keras sorts the axes as written: [-1, 2] -> [-1, 2] -> variables shaped (5, 4),
        // then reshaped (not transposed) to the canonical (4, 5) order.
        #expect(try run([-1, 2], [5, 4]) == canonical, "mixed signs: variables shaped (5, 4), read in canonical order")
        let single = try LayerNormalization(axis: 3)
        let fromList = try LayerNormalization(axis: [-1])
        #expect(try single(x) == fromList(x), "int vs list")
        // Through the registry.
        let json = try normMakeLayer("LayerNormalization", #"{"axis": [3, -2], "epsilon": 0.001}"#)
        #expect(json.weightNames == ["gamma", "beta"])
        #expect(try json.call(x, options: CallOptions()).output == (try LayerNormalization(axis: [2, 3])(x)))
    }

    @Test("axes covering every input axis: the variables broadcast as they are (NumPy), as in Keras")
    func allAxes() throws {
        var rng = TestRNG(seed: 17)
        let x = rng.tensor([2, 3, 2])
        let gamma = rng.vector(12, 0.5, 1.5).scalars
        var sorted = try LayerNormalization(axis: [2, 0, 1])
        try sorted.setWeights(["gamma": Tensor(shape: [2, 3, 2], scalars: gamma), "beta": Tensor<Float>(repeating: 0, shape: [2, 3, 2])])
        let expected = Self.reference(x, axes: [0, 1, 2], gamma: gamma, beta: nil, epsilon: Double(Float(1e-3)))
        normExpectClose(try sorted(x).scalars, expected, atol: 1e-5, rtol: 1e-5, "axis [2, 0, 1]")
        // sorted([-1, 0, 1]) = [-1, 0, 1]: variables (2, 2, 3), which do not broadcast against (2, 3, 2).
        let mixed = try LayerNormalization(axis: [-1, 0, 1])
        guard case .invalidWeights(_, let message)? = normError({ try mixed(x) }) else {
            Issue.record("expected invalidWeights for axis [-1, 0, 1]")
            return
        }
        #expect(message.contains("Incompatible shapes"))
    }

    @Test("the deprecated rms_scaling divides by the standard deviation, without centring, and has no beta")
    func rmsScaling() throws {
        var rng = TestRNG(seed: 13)
        for axis in [[-1], [1, -1]] {
            var layer = try LayerNormalization(axis: axis, epsilon: 1e-3, center: true, scale: false, rmsScaling: true)
            #expect(layer.weightNames == ["gamma"], "axis \(axis)")
            let shape = [2, 3, 8]
            let paramShape = axis.sorted().map { shape[$0 < 0 ? $0 + 3 : $0] }
            let gamma = try Tensor(shape: paramShape, scalars: rng.vector(paramShape.reduce(1, *), 0.5, 1.5).scalars)
            try layer.setWeights(["gamma": gamma])
            let x = rng.tensor(shape, mean: 2, std: 1)
            let expected = Self.reference(
                x, axes: Set(axis.map { $0 < 0 ? $0 + 3 : $0 }), gamma: gamma.scalars, beta: nil,
                epsilon: Double(Float(1e-3)), rms: true)
            normExpectClose(try layer(x).scalars, expected, atol: 1e-5, rtol: 1e-5, "rms_scaling axis \(axis)")
        }
    }

    @Test("a large offset with a small spread normalizes exactly")
    func largeOffset() throws {
        var rng = TestRNG(seed: 14)
        let x = rng.tensor([4, 8, 768], mean: 1e4, std: 10)
        let layer = try LayerNormalization()
        let expected = Self.reference(x, axes: [2], gamma: nil, beta: nil, epsilon: Double(Float(1e-3)))
        normExpectClose(try layer(x).scalars, expected, atol: 5e-4, rtol: 0, "offset 1e4, spread 10")
    }

    @Test("RMSNormalization: x · rsqrt(mean(x²) + ε) · scale, for trailing and non-trailing axes")
    func rmsNormalization() throws {
        var rng = TestRNG(seed: 15)
        for (shape, axis) in [([3, 7, 32], [-1]), ([3, 7, 32], [1, 2]), ([3, 7, 32], [2, 1]), ([2, 5, 5], [1]), ([4, 6, 3], [0, 1, 2])] {
            let what = "shape \(shape) axis \(axis)"
            var layer = try RMSNormalization(axis: axis, epsilon: 1e-6)
            let scaleShape = axis.sorted().map { shape[$0 < 0 ? $0 + shape.count : $0] }
            let scale = try Tensor(shape: scaleShape, scalars: rng.vector(scaleShape.reduce(1, *), 0.5, 1.5).scalars)
            try layer.setWeights(["scale": scale])
            let x = rng.tensor(shape, mean: 0.5, std: 2)
            let axes = Set(axis.map { $0 < 0 ? $0 + shape.count : $0 })
            var squares = x
            try squares.setScalars(x.scalars.map { $0 * $0 })
            let meanSquare = normTestMoments(squares, reduced: axes).mean
            let scaleStrides = try normBroadcastStrides(scaleShape, to: shape, layer: "t", name: "scale")
            let expected: [Double] = (0..<x.count).map { i in
                let index = normTestIndex(i, shape)
                var k = 0, p = 0
                for d in shape.indices {
                    if !axes.contains(d) { k = k * shape[d] + index[d] }
                    p += index[d] * scaleStrides[d]
                }
                return Double(x.scalars[i]) / (meanSquare[k] + Double(Float(1e-6))).squareRoot() * Double(scale.scalars[p])
            }
            normExpectClose(try layer(x).scalars, expected, atol: 1e-5, rtol: 1e-5, what)
        }
    }

    @Test("RMSNormalization broadcasts `scale` as NumPy does, like Keras (axis=[1] on a square input scales the last axis)")
    func rmsScaleBroadcast() throws {
        var layer = try RMSNormalization(axis: [1])
        try layer.setWeights(["scale": Tensor<Float>(shape: [3], scalars: [1, 2, 3])])
        let x = try Tensor<Float>(shape: [1, 3, 3], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 1])
        let y = try layer(x).scalars
        // Column j of every row is scaled by scale[j].
        #expect(abs(y[1] / y[0] - 2) < 1e-6 && abs(y[2] / y[0] - 3) < 1e-6)
        // (2, 3, 4) with axis 1: scale (3,) does not broadcast against the last axis (4).
        let bad = try RMSNormalization(axis: 1)
        let error = normError { try bad(Tensor<Float>(repeating: 1, shape: [2, 3, 4])) }
        guard case .invalidWeights(_, let message)? = error else {
            Issue.record("expected invalidWeights, got \(String(describing: error))")
            return
        }
        #expect(message.contains("Incompatible shapes"))
    }

    @Test("UnitNormalization: unit L2 norm over the axes; the zero vector stays zero")
    func unitNormalization() throws {
        var rng = TestRNG(seed: 16)
        for (shape, axis) in [([5, 8], [-1]), ([2, 3, 4], [1, 2]), ([2, 3, 4], [1]), ([2, 3, 4], [2, 0])] {
            let what = "shape \(shape) axis \(axis)"
            var x = rng.tensor(shape)
            for i in 0..<shape.dropFirst().reduce(1, *) { x[flat: i] = 0 }  // x[0] is all zeros
            let y = try UnitNormalization(axis: axis)(x)
            let axes = Set(axis.map { $0 < 0 ? $0 + shape.count : $0 })
            var squares = x
            try squares.setScalars(x.scalars.map { $0 * $0 })
            let sums = normTestMoments(squares, reduced: axes)
            let expected: [Double] = (0..<x.count).map { i in
                let index = normTestIndex(i, shape)
                var k = 0
                for d in shape.indices where !axes.contains(d) { k = k * shape[d] + index[d] }
                let sum = sums.mean[k] * sums.count[k]
                return sum == 0 ? 0 : Double(x.scalars[i]) / sum.squareRoot()
            }
            normExpectClose(y.scalars, expected, atol: 1e-6, rtol: 1e-5, what)
            #expect(y.scalars.allSatisfy { !$0.isNaN }, "\(what): NaN")
        }
        // A norm below 1e-12 is multiplied by 1e12 (rsqrt clipped at 1/epsilon).
        let tiny = try UnitNormalization()(Tensor<Float>(shape: [1, 2], scalars: [1e-20, 0]))
        #expect(abs(tiny.scalars[0] - 1e-8) < 1e-13)
    }
}
