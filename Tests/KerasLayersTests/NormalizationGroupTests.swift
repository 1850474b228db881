@testable import KerasLayers
import Testing

@Suite("GroupNormalization")
struct NormalizationGroupTests {
    /// Naive Double group normalization, channels on axis `a` (canonical, > 0).
    static func reference(
        _ x: Tensor<Float>, groups: Int, axis a: Int, gamma: [Float]?, beta: [Float]?, epsilon: Double
    ) -> [Double] {
        let shape = x.shape
        let channels = shape[a], per = channels / groups
        var sum = [Double](repeating: 0, count: shape[0] * groups), count = sum
        func key(_ i: Int) -> (Int, Int) {
            let index = normTestIndex(i, shape)
            return (index[0] * groups + index[a] / per, index[a])
        }
        for i in 0..<x.count {
            sum[key(i).0] += Double(x.scalars[i])
            count[key(i).0] += 1
        }
        let mean = zip(sum, count).map { $0 / $1 }
        var sq = [Double](repeating: 0, count: sum.count)
        for i in 0..<x.count {
            let d = Double(x.scalars[i]) - mean[key(i).0]
            sq[key(i).0] += d * d
        }
        return (0..<x.count).map { i in
            let (k, c) = key(i)
            let normalized = (Double(x.scalars[i]) - mean[k]) / (sq[k] / count[k] + epsilon).squareRoot()
            return normalized * Double(gamma?[c] ?? 1) + Double(beta?[c] ?? 0)
        }
    }

    @Test("every divisor of the channel count, -1, both channel positions, with and without gamma/beta")
    func sweep() throws {
        var rng = TestRNG(seed: 20)
        for (shape, axis) in [([2, 5, 5, 16], -1), ([2, 16, 5, 5], 1), ([2, 16, 5, 5], -3), ([3, 4, 12, 5], 2), ([5, 12], -1), ([2, 6, 48], -1)] {
            let a = axis < 0 ? axis + shape.count : axis
            let channels = shape[a]
            for groups in [-1] + (1...channels).filter({ channels % $0 == 0 }) {
                for (center, scale) in [(true, true), (false, false), (true, false)] {
                    let what = "shape \(shape) axis \(axis) groups \(groups) center \(center) scale \(scale)"
                    var layer = try GroupNormalization(groups: groups, axis: axis, epsilon: 1e-3, center: center, scale: scale)
                    let gamma = rng.vector(channels, 0.5, 1.5), beta = rng.vector(channels, -1, 1)
                    var weights: [String: Tensor<Float>] = [:]
                    if scale { weights["gamma"] = gamma }
                    if center { weights["beta"] = beta }
                    try layer.setWeights(weights)
                    let x = rng.tensor(shape, mean: 1, std: 2)
                    let expected = Self.reference(
                        x, groups: groups == -1 ? channels : groups, axis: a, gamma: scale ? gamma.scalars : nil,
                        beta: center ? beta.scalars : nil, epsilon: Double(Float(1e-3)))
                    normExpectClose(try layer(x).scalars, expected, atol: 2e-5, rtol: 2e-5, what)
                }
            }
        }
    }

    @Test("groups: -1 is per-channel instance normalization")
    func instanceNormalization() throws {
        var rng = TestRNG(seed: 21)
        let x = rng.tensor([2, 5, 5, 8], mean: 3, std: 2)
        let y = try GroupNormalization(groups: -1, epsilon: 1e-6)(x)
        let stats = normTestMoments(y, reduced: [1, 2])
        for k in stats.mean.indices {
            #expect(abs(stats.mean[k]) < 1e-5, "sample/channel \(k) mean \(stats.mean[k])")
            #expect(abs(stats.variance[k] - 1) < 1e-4, "sample/channel \(k) variance \(stats.variance[k])")
        }
        #expect(try GroupNormalization(groups: 8)(x) == GroupNormalization(groups: -1)(x))
    }

    @Test("groups: 1 normalizes each sample over all its values")
    func oneGroup() throws {
        var rng = TestRNG(seed: 22)
        let x = rng.tensor([3, 4, 4, 6], mean: -1, std: 3)
        let y = try GroupNormalization(groups: 1, epsilon: 1e-6)(x)
        let reference = try LayerNormalization(axis: [1, 2, 3], epsilon: 1e-6)(x)
        normExpectClose(y.scalars, reference.scalars, atol: 1e-5, rtol: 1e-5, "groups 1 vs LayerNorm over (1, 2, 3)")
    }

    @Test("channels_first equals the transposed channels_last")
    func channelsFirst() throws {
        var rng = TestRNG(seed: 23)
        for groups in [1, 2, 4, 16, -1] {
            var last = try GroupNormalization(groups: groups, axis: -1)
            var first = try GroupNormalization(groups: groups, axis: 1)
            let weights = ["gamma": rng.vector(16, 0.5, 1.5), "beta": rng.vector(16, -1, 1)]
            try last.setWeights(weights)
            try first.setWeights(weights)
            let x = rng.tensor([2, 6, 5, 16])
            let yLast = try last(x)
            let yFirst = try first(normTestTranspose(x, [0, 3, 1, 2]))
            normExpectClose(normTestTranspose(yFirst, [0, 2, 3, 1]).scalars, yLast.scalars, atol: 1e-5, rtol: 1e-5, "groups \(groups)")
        }
    }

    @Test("a large offset with a small spread normalizes exactly")
    func largeOffset() throws {
        var rng = TestRNG(seed: 24)
        let x = rng.tensor([2, 7, 7, 32], mean: 1e4, std: 10)
        let expected = Self.reference(x, groups: 4, axis: 3, gamma: nil, beta: nil, epsilon: Double(Float(1e-3)))
        normExpectClose(try GroupNormalization(groups: 4)(x).scalars, expected, atol: 5e-4, rtol: 0, "offset 1e4")
    }
}
