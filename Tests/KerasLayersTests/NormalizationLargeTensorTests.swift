import Testing
@testable import KerasLayers

/// Tensors big enough for the kernels to split across cores and to take the streaming-store
/// paths (rows of 8-lane chunks from the first 32-byte aligned element, plus scalar ends),
/// against a naive Double reference.
@Suite("Normalization on multi-threaded sizes")
struct NormalizationLargeTensorTests {
    /// Channels 37: rows that are not a multiple of eight, so every row has scalar ends and
    /// starts at an alignment that changes from row to row.
    static let shape = [4, 24, 24, 37]

    func reference(
        _ x: Tensor<Float>, mean: [Double], variance: [Double], channelOf: (Int) -> Int,
        gamma: [Float], beta: [Float], epsilon: Double
    ) -> [Double] {
        (0..<x.count).map { i in
            let c = channelOf(i)
            return (Double(x.scalars[i]) - mean[i]) / (variance[i] + epsilon).squareRoot() * Double(gamma[c]) + Double(beta[c])
        }
    }

    @Test(arguments: [false, true])
    func batchNormalization(training: Bool) throws {
        var rng = TestRNG(seed: 7)
        let x = rng.tensor(Self.shape, mean: 0.5, std: 2)
        let channels = Self.shape[3]
        let gamma = rng.vector(channels, 0.5, 1.5), beta = rng.vector(channels, -1, 1)
        let movingMean = rng.vector(channels, -1, 1), movingVariance = rng.vector(channels, 0.5, 2)
        var layer = try BatchNormalization()
        try layer.setWeights(["gamma": gamma, "beta": beta, "moving_mean": movingMean, "moving_variance": movingVariance])
        let y = try layer.call(x, options: CallOptions(training: training)).output
        let stats = normTestMoments(x, reduced: [0, 1, 2])
        let mean = (0..<x.count).map { training ? stats.mean[$0 % channels] : Double(movingMean.scalars[$0 % channels]) }
        let variance = (0..<x.count).map { training ? stats.variance[$0 % channels] : Double(movingVariance.scalars[$0 % channels]) }
        let expected = reference(
            x, mean: mean, variance: variance, channelOf: { $0 % channels },
            gamma: gamma.scalars, beta: beta.scalars, epsilon: 0.001)
        normExpectClose(y.scalars, expected, "BatchNormalization training=\(training) on \(Self.shape)")
    }

    /// The statistics read the input once (blocks of rows summarized in cache, merged across
    /// blocks and pieces with Chan's formula) and stay exact: a large offset with a small
    /// spread, over column blocks (channels last) and rows per statistic (channels first), on
    /// enough elements for many pieces.
    @Test(arguments: [-1, 1])
    func onePassStatistics(axis: Int) throws {
        var rng = TestRNG(seed: 10)
        let shape = [6, 40, 40, 24]
        let x = rng.tensor(shape, mean: 1e4, std: 0.05)
        let result = try BatchNormalization(axis: axis, momentum: 0).call(x, options: CallOptions(training: true))
        let batch = normTestMoments(x, reduced: Set(0..<4).subtracting([axis < 0 ? 3 : axis]))
        // momentum 0: the moving statistics are the batch statistics, rounded to float32 once.
        normExpectClose(result.updatedWeights["moving_mean"]!.scalars, batch.mean, atol: 0, rtol: 1e-7, "axis=\(axis) batch mean")
        normExpectClose(result.updatedWeights["moving_variance"]!.scalars, batch.variance, atol: 0, rtol: 1e-6, "axis=\(axis) batch variance")
    }

    /// GroupNormalization's fine accumulators (channels / groups = 4 per group, channels last)
    /// merged across blocks, pieces and then within each group.
    @Test func groupNormalizationManyPieces() throws {
        var rng = TestRNG(seed: 11)
        let shape = [6, 40, 40, 24]
        let x = rng.tensor(shape, mean: 3, std: 0.5)
        let y = try GroupNormalization(groups: 6).call(x, options: CallOptions()).output
        let grouped = try Tensor(shape: [6, 40, 40, 6, 4], scalars: x.scalars)
        let stats = normTestMoments(grouped, reduced: [1, 2, 4])
        let expected = reference(
            x, mean: (0..<x.count).map { stats.mean[($0 / (40 * 40 * 24)) * 6 + ($0 % 24) / 4] },
            variance: (0..<x.count).map { stats.variance[($0 / (40 * 40 * 24)) * 6 + ($0 % 24) / 4] }, channelOf: { $0 % 24 },
            gamma: Array(repeating: 1, count: 24), beta: Array(repeating: 0, count: 24), epsilon: 0.001)
        normExpectClose(y.scalars, expected, "GroupNormalization(groups=6) on \(shape)")
    }

    @Test func layerNormalization() throws {
        var rng = TestRNG(seed: 8)
        let x = rng.tensor(Self.shape, mean: -1, std: 3)
        let n = Self.shape[3]
        let gamma = rng.vector(n, 0.5, 1.5), beta = rng.vector(n, -1, 1)
        var layer = try LayerNormalization()
        try layer.setWeights(["gamma": gamma, "beta": beta])
        let y = try layer.call(x, options: CallOptions()).output
        let stats = normTestMoments(x, reduced: [3])
        let expected = reference(
            x, mean: (0..<x.count).map { stats.mean[$0 / n] },
            variance: (0..<x.count).map { stats.variance[$0 / n] }, channelOf: { $0 % n },
            gamma: gamma.scalars, beta: beta.scalars, epsilon: 0.001)
        normExpectClose(y.scalars, expected, "LayerNormalization on \(Self.shape)")
    }

    @Test func rmsNormalization() throws {
        var rng = TestRNG(seed: 9)
        let x = rng.tensor(Self.shape, mean: 0.3, std: 1.5)
        let n = Self.shape[3]
        let scale = rng.vector(n, 0.5, 1.5)
        var layer = try RMSNormalization()
        try layer.setWeights(["scale": scale])
        let y = try layer.call(x, options: CallOptions()).output
        let expected = (0..<x.count).map { i -> Double in
            let row = i / n
            let meanSquare = (0..<n).reduce(0.0) { $0 + pow(Double(x.scalars[row * n + $1]), 2) } / Double(n)
            return Double(x.scalars[i]) / (meanSquare + 1e-6).squareRoot() * Double(scale.scalars[i % n])
        }
        normExpectClose(y.scalars, expected, "RMSNormalization on \(Self.shape)")
    }
}

import Foundation
