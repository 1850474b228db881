import Foundation
@testable import KerasLayers
import Testing

// Float64 finite-difference checks of the normalization layers' vector-Jacobian products:
// a naive Double reference of each layer's call (checked against the layer's own forward
// pass), differentiated numerically element by element.

/// A Double reference of a layer's call: the output (row-major) for the input `x` and the
/// variables by name.
typealias NormGradReference = (_ x: [Double], _ weights: [String: [Double]]) -> [Double]

/// Checks `layer.gradient` against central differences of `reference` in float64 for the
/// loss `L = Σ y·dy` with a random `dy`: `dx` and the gradient of each `trainable` variable,
/// element by element, and that the layer returns exactly the `trainable` gradients. First
/// checks that `reference` is the layer's forward pass (so a failure names the part that is
/// wrong) within `forwardTolerance` (larger where the float32 forward pass itself cancels:
/// a large offset, as in Keras).
func normCheckGradient(
    _ layer: any DifferentiableLayer, input: Tensor<Float>, weights: [String: Tensor<Float>] = [:], trainable: [String],
    options: CallOptions = CallOptions(), reference: NormGradReference, rng: inout TestRNG, what: String,
    tolerance: Double = 1e-4, forwardTolerance: Double = 1e-5, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let x = input.scalars.map(Double.init)
    let w = weights.mapValues { $0.scalars.map(Double.init) }
    let forward = try layer.call(input, options: options).output
    normExpectClose(
        forward.scalars, reference(x, w), atol: forwardTolerance, rtol: 1e-4, "\(what): forward (the reference is wrong)", sourceLocation: sourceLocation)

    let upstream = rng.tensor(input.shape)
    let dy = upstream.scalars.map(Double.init)
    let gradients = try layer.gradient(of: input, upstream: upstream, options: options)
    func loss(_ x: [Double], _ w: [String: [Double]]) -> Double {
        zip(reference(x, w), dy).reduce(0) { $0 + $1.0 * $1.1 }
    }
    /// Central differences of `loss` along each element of `values`.
    func numeric(_ values: [Double], _ evaluate: ([Double]) -> Double) -> [Double] {
        var probe = values
        return values.indices.map { i in
            // Absolute: the reference is exact enough in Double for inputs with a large offset.
            let h = 1e-4
            probe[i] = values[i] + h
            let up = evaluate(probe)
            probe[i] = values[i] - h
            let down = evaluate(probe)
            probe[i] = values[i]
            return (up - down) / (2 * h)
        }
    }
    func compare(_ analytic: Tensor<Float>, _ expected: [Double], shape: [Int], name: String) {
        #expect(analytic.shape == shape, "\(what): \(name) has shape \(analytic.shape), expected \(shape)", sourceLocation: sourceLocation)
        let scale = Swift.max(1, expected.map(abs).max() ?? 0)
        normExpectClose(analytic.scalars, expected, atol: tolerance * scale, rtol: tolerance, "\(what): \(name)", sourceLocation: sourceLocation)
    }
    compare(gradients.input, numeric(x) { loss($0, w) }, shape: input.shape, name: "dx")
    #expect(
        Set(gradients.weights.keys) == Set(trainable),
        "\(what): gradients of \(gradients.weights.keys.sorted()), expected \(trainable.sorted())", sourceLocation: sourceLocation)
    for name in trainable {
        guard let value = w[name], let analytic = gradients.weights[name], let shape = weights[name]?.shape else { continue }
        compare(analytic, numeric(value) { v in loss(x, w.merging([name: v]) { $1 }) }, shape: shape, name: "d\(name)")
    }
}

/// Naive Double references of the normalization layers' formulas, over per-element index
/// maps computed from multi-indices (independent of the library's traversal).
enum NormGradRef {
    /// Row-major index of element `i` of `shape` over the axes where `selected` is true.
    static func index(_ i: Int, shape: [Int], selected: [Bool]) -> Int {
        let multi = normTestIndex(i, shape)
        var k = 0
        for d in shape.indices where selected[d] { k = k * shape[d] + multi[d] }
        return k
    }

    /// Per element, the index of its statistic: row-major over the axes not in `reduced`.
    static func keys(_ shape: [Int], reduced: [Bool]) -> [Int] {
        (0..<shape.reduce(1, *)).map { index($0, shape: shape, selected: reduced.map { !$0 }) }
    }

    /// Weighted mean and biased variance per key: `Σw·x / W`, `Σw·(x − μ)² / W` with `W = Σw`, or
    /// with a `maskEpsilon` `W = Σw + maskEpsilon` in float32 (as Keras's float32 call computes it).
    static func moments(_ x: [Double], keys: [Int], weights: [Double]? = nil, maskEpsilon: Double = 0) -> (mean: [Double], variance: [Double]) {
        let n = (keys.max() ?? -1) + 1
        var sum = [Double](repeating: 0, count: n), count = sum, squares = sum
        for i in x.indices {
            sum[keys[i]] += (weights?[i] ?? 1) * x[i]
            count[keys[i]] += weights?[i] ?? 1
        }
        let divisor = count.map { maskEpsilon == 0 ? $0 : Double(Float($0) + Float(maskEpsilon)) }
        let mean = (0..<n).map { sum[$0] / divisor[$0] }
        for i in x.indices {
            let d = x[i] - mean[keys[i]]
            squares[keys[i]] += (weights?[i] ?? 1) * d * d
        }
        return (mean, (0..<n).map { squares[$0] / divisor[$0] })
    }

    /// `y = (x − μ[k])/√(σ²[k] + ε)·γ[p] + β[p]` with given statistics.
    static func affine(
        _ x: [Double], keys: [Int], params: [Int], mean: [Double], variance: [Double], gamma: [Double]?, beta: [Double]?, epsilon: Double
    ) -> [Double] {
        x.indices.map { i in
            let k = keys[i], p = params[i]
            return (x[i] - mean[k]) / (variance[k] + epsilon).squareRoot() * (gamma?[p] ?? 1) + (beta?[p] ?? 0)
        }
    }
}
