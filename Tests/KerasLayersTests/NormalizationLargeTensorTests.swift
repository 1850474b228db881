import Testing
@testable import KerasLayers

/// Tensors big enough for the kernels to split across cores and to take the streaming-store
/// paths (rows of 4-lane chunks plus a scalar tail), against a naive Double reference.
@Suite("Normalization on multi-threaded sizes")
struct NormalizationLargeTensorTests {
    /// Channels 37: rows that are not a multiple of four, so every row ends in the scalar tail
    /// and starts at an alignment that alternates between streamed and plain stores.
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
