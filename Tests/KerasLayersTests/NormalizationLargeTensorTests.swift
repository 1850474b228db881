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

    /// Deviations whose squares overflow float32 (|d| > 1.8e19), while the variance itself is
    /// finite: the float32 summaries of the blocks (channels last, a 32-column stripe and an
    /// 8-column group) and of the rows (LayerNormalization) overflow, and those columns and rows
    /// are summarized again in Double.
    @Test func statisticsPastFloat32Squares() throws {
        var rng = TestRNG(seed: 12)
        var values = rng.tensor([64, 40]).scalars
        values[5 * 40 + 3] = 2e19
        values[7 * 40 + 35] = -2e19
        let x = try Tensor(shape: [64, 40], scalars: values)
        let result = try BatchNormalization(momentum: 0).call(x, options: CallOptions(training: true))
        let batch = normTestMoments(x, reduced: [0])
        #expect(batch.variance[3] < Double(Float.greatestFiniteMagnitude) && batch.variance[3] > 1e36)
        // The means of the other columns are near 0: exact to a fraction of float32's resolution of the spread (1).
        normExpectClose(result.updatedWeights["moving_mean"]!.scalars, batch.mean, atol: 1e-7, rtol: 1e-7, "batch mean")
        normExpectClose(result.updatedWeights["moving_variance"]!.scalars, batch.variance, atol: 0, rtol: 1e-6, "batch variance")

        var rowValues = rng.tensor([4, 100]).scalars
        rowValues[2 * 100 + 17] = 2e19
        let rows = try Tensor(shape: [4, 100], scalars: rowValues)
        let y = try LayerNormalization(center: false, scale: false).call(rows, options: CallOptions()).output
        let stats = normTestMoments(rows, reduced: [1])
        let expected = (0..<rows.count).map { i in
            (Double(rows.scalars[i]) - stats.mean[i / 100]) / (stats.variance[i / 100] + 0.001).squareRoot()
        }
        normExpectClose(y.scalars, expected, "LayerNormalization of a row with a 2e19")
    }

    /// A row summary's pivot is the mean of the row's first eight elements unless that is more
    /// than a standard deviation from the row's mean (then the row's own mean): a pivot 11
    /// standard deviations off would cancel all but a hundredth of `Σd²` (measured without the
    /// check: M2 off by 2.7e-7 relative; with it 1.9e-8, the float32 rounding of the eight
    /// largest squares).
    @Test func rowSummaryPivotFarFromTheMean() throws {
        var rng = TestRNG(seed: 14)
        var row = rng.tensor([1000], mean: 1000, std: 1).scalars
        for j in 0..<8 { row[j] = 2000 }
        let exact = row.map(Double.init)
        let mean = exact.reduce(0, +) / 1000
        let m2 = exact.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let summary = row.withUnsafeBufferPointer { Moments.rowSummary($0.baseAddress!, 1000) }
        #expect(abs(summary.sum - mean * 1000) <= 1e-9 * mean * 1000, "sum \(summary.sum), exact \(mean * 1000)")
        #expect(abs(summary.m2 - m2) <= 6e-8 * m2, "M2 \(summary.m2), exact \(m2)")
    }

    /// LayerNormalization takes a row's statistics while it writes the previous row (float32 and
    /// float64), or on their own (the first row of each piece, and a row alone): the same
    /// arithmetic either way, so a batch is, bit for bit, its rows normalized alone, including
    /// rows whose first eight elements are a poor pivot (a second pass about the row's mean).
    @Test func layerNormalizationRowsAsIfAlone() throws {
        var rng = TestRNG(seed: 15)
        let rows = 24, n = 1000
        var values = rng.tensor([rows, n], mean: 3, std: 2).scalars
        for r in stride(from: 1, to: rows, by: 5) {
            for j in 0..<8 { values[r * n + j] += 50 }
        }
        let layer = try LayerNormalization()
        let batch = try layer.call(try Tensor(shape: [rows, n], scalars: values), options: CallOptions()).output
        for r in 0..<rows {
            let alone = try layer.call(try Tensor(shape: [1, n], scalars: Array(values[(r * n)..<((r + 1) * n)])), options: CallOptions()).output
            #expect(Array(batch.scalars[(r * n)..<((r + 1) * n)]) == alone.scalars, "row \(r)")
        }
    }

    /// With at least four samples per core the cores pipeline whole samples (one sample's output
    /// written while the next one's statistics are read); with fewer each sample is split across
    /// the cores. Each sample's statistics are its own either way: the output of a batch is,
    /// bit for bit, the outputs of its samples normalized alone.
    @Test func groupNormalizationPipelinedSamples() throws {
        var rng = TestRNG(seed: 13)
        let batch = 4 * ProcessInfoCores.activeCount + 1
        let sample = [48, 48, 32]
        let x = rng.tensor([batch] + sample, mean: 2, std: 3)
        let layer = try GroupNormalization(groups: 8)
        let y = try layer.call(x, options: CallOptions()).output
        let sampleCount = sample.reduce(1, *)
        for b in 0..<batch {
            let xb = try Tensor(shape: [1] + sample, scalars: Array(x.scalars[(b * sampleCount)..<((b + 1) * sampleCount)]))
            let yb = try layer.call(xb, options: CallOptions()).output
            #expect(Array(y.scalars[(b * sampleCount)..<((b + 1) * sampleCount)]) == yb.scalars, "sample \(b) of \(batch)")
        }
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
