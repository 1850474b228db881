import Foundation
@testable import KerasLayers

// Test data and layout helpers shared by the pooling and normalization tests.

/// Deterministic random numbers for the layer tests (SplitMix64).
struct TestRNG {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    mutating func tensor(_ shape: [Int], mean: Double = 0, std: Double = 1) -> Tensor<Float> {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = Float(mean + std * normal()) }
        return try! Tensor(shape: shape, scalars: values)
    }

    mutating func vector(_ n: Int, _ low: Double, _ high: Double) -> Tensor<Float> {
        try! Tensor(shape: [n], scalars: (0..<n).map { _ in Float(uniform(low, high)) })
    }

    /// Uniform in [-4, 4), on a 1/1024 grid so that many values tie (max pooling must pick
    /// equal values correctly) while sums stay exact enough to be predictable.
    mutating func gridFloat() -> Float {
        Float(Int(next() % 8192) - 4096) / 1024
    }
}
