import Testing
import KerasJSON
@testable import KerasLayers

// Property checks for the pooling layers' vector-Jacobian products, independent of the
// backward kernels: every element of dx = J(x)ᵀ·dy is compared with Σ_o dy[o]·(J(x)·e_i)[o],
// the directional derivative along the basis vector e_i taken from the *forward* layer in
// float64 arithmetic:
//
// - average pooling is linear, so J·e_i = f(e_i) (the forward call on a one-hot input);
// - max pooling is piecewise linear: on an input of distinct integers and ε = 1/4 no argmax
//   moves, and (f(x + ε·e_i) − f(x)) / ε is exact in float32.
//
// The checks name the configuration and the first failing element's multi-index.

/// One layer configuration to differentiate.
struct PoolingGradientCase: Sendable, CustomTestStringConvertible {
    var className: String
    var config: String
    var inputShape: [Int]
    /// GlobalAveragePooling1D's mask shape, when the case has one.
    var maskShape: [Int]? = nil

    var testDescription: String {
        "\(className) \(config) on input \(PythonLiteral.tuple(inputShape))" + (maskShape.map { " with a mask of shape \(PythonLiteral.tuple($0))" } ?? "")
    }

    var isLinear: Bool { className.contains("Average") }

    func layer() throws -> any DifferentiableLayer {
        let layer = try poolingLayer(className, config)
        guard let differentiable = layer as? any DifferentiableLayer else {
            throw PoolingGradientTestError.notDifferentiable(className)
        }
        return differentiable
    }
}

enum PoolingGradientTestError: Error { case notDifferentiable(String) }

/// Distinct integers −n/2 ..< n/2 in a seeded random order: a tie-free input on which an
/// ε = 1/4 step moves no argmax and stays exact in float32.
func poolingDistinctTensor(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
    var rng = TestRNG(seed: seed)
    let n = shape.reduce(1, *)
    var values = (0..<n).map { Float($0 - n / 2) }
    for i in stride(from: n - 1, to: 0, by: -1) { values.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
    return try! Tensor(shape: shape, scalars: values)
}

/// A seeded 0/1 mask.
func poolingRandomMask(_ shape: [Int], seed: UInt64) -> Tensor<UInt8> {
    var rng = TestRNG(seed: seed)
    return try! Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.next() % 3 == 0 ? 0 : 1 })
}

/// The multi-index of flat element `flat` of `shape`.
func poolingMultiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
}

/// Checks every element of the layer's dx against the forward layer's directional
/// derivatives (see the file comment); records one issue naming the case and the first
/// failing element. Outputs that are NaN in f(x) (a fully masked GlobalAveragePooling1D
/// row, 0 / 0) have no derivative and send back nothing, as Keras's `where` does.
func poolingCheckGradient(_ c: PoolingGradientCase, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let layer = try c.layer()
    let x = poolingDistinctTensor(c.inputShape, seed: seed)
    let mask = c.maskShape.map { poolingRandomMask($0, seed: seed &+ 7) }
    let options = CallOptions(mask: mask)
    let y = try layer.call(x, options: options).output
    var rng = TestRNG(seed: seed &+ 13)
    let dy = rng.tensor(y.shape)
    let dx = try layer.gradient(of: x, upstream: dy, options: options).input
    #expect(dx.shape == x.shape, "\(c.testDescription): dx has shape \(dx.shape)", sourceLocation: sourceLocation)
    guard dx.shape == x.shape else { return }
    let epsilon: Float = 0.25
    for i in 0..<x.count {
        let jvp: Tensor<Float>
        if c.isLinear {
            var basis = try Tensor<Float>(repeating: 0, shape: x.shape)
            basis[flat: i] = 1
            jvp = try layer.call(basis, options: options).output
        } else {
            var moved = x
            moved[flat: i] += epsilon
            let step = try layer.call(moved, options: options).output
            jvp = try Tensor(shape: y.shape, scalars: zip(step.scalars, y.scalars).map { ($0 - $1) / epsilon })
        }
        var expected = 0.0
        var scale = 0.0
        for o in 0..<y.count where !y.scalars[o].isNaN {
            let term = Double(dy.scalars[o]) * Double(jvp.scalars[o])
            expected += term
            scale += abs(term)
        }
        let actual = Double(dx.scalars[i])
        if !(abs(actual - expected) <= 4e-6 * scale + 1e-6) {
            Issue.record(
                "\(c.testDescription): dx\(PythonLiteral.tuple(poolingMultiIndex(i, x.shape))) = \(actual), but Σ dy·(J·e_i) = \(expected)",
                sourceLocation: sourceLocation)
            return
        }
    }
}

/// dx by the documented tie rules, straight from the definitions (channels_last input x, one
/// box of input ranges per output multi-index): `split` shares dy equally among the box's
/// maxima; otherwise the whole dy goes to the first maximum in row-major box order, or (with
/// `lastAxisFirst`) to the maximum with the smallest last spatial index, then the one before.
func poolingTieReference(
    _ x: Tensor<Float>, outputShape: [Int], box: ([Int]) -> [Range<Int>], dy: Tensor<Float>, split: Bool, lastAxisFirst: Bool
) -> [Double] {
    let rank = x.rank - 2
    let strides = x.strides
    var dx = [Double](repeating: 0, count: x.count)
    var o = 0
    poolingForEachIndex(outputShape) { out in
        defer { o += 1 }
        let ranges = box(out)
        var members: [(key: [Int], flat: Int)] = []
        poolingForEachIndex(ranges.map(\.count)) { offset in
            let position = (0..<rank).map { ranges[$0].lowerBound + offset[$0] }
            var flat = out[0] * strides[0] + out[rank + 1]
            for k in 0..<rank { flat += position[k] * strides[k + 1] }
            members.append((lastAxisFirst ? position.reversed() : position, flat))
        }
        let maximum = members.map { x.scalars[$0.flat] }.max()!
        let winners = members.filter { x.scalars[$0.flat] == maximum }
        if split {
            for w in winners { dx[w.flat] += Double(dy.scalars[o] / Float(winners.count)) }
        } else {
            let first = winners.min { $0.key.lexicographicallyPrecedes($1.key) }!
            dx[first.flat] += Double(dy.scalars[o])
        }
    }
    return dx
}
