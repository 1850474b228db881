import Foundation
import KerasJSON
@testable import KerasLayers
import Testing

/// The multi-index of flat position `i`.
func normTestIndex(_ i: Int, _ shape: [Int]) -> [Int] {
    var rest = i
    var index = Array(repeating: 0, count: shape.count)
    for d in shape.indices.reversed() {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return index
}

/// Naive Double mean and biased variance over `reduced` axes, per kept index (row-major
/// over the kept axes), optionally with 0/1 weights per element.
func normTestMoments(_ x: Tensor<Float>, reduced: Set<Int>, weights: [Double]? = nil) -> (mean: [Double], variance: [Double], count: [Double]) {
    let shape = x.shape
    let keptShape = shape.indices.filter { !reduced.contains($0) }.map { shape[$0] }
    let keptCount = keptShape.reduce(1, *)
    func keptIndex(_ i: Int) -> Int {
        let index = normTestIndex(i, shape)
        var k = 0
        for d in shape.indices where !reduced.contains(d) { k = k * shape[d] + index[d] }
        return k
    }
    var sum = [Double](repeating: 0, count: keptCount), count = sum
    for i in 0..<x.count {
        let w = weights?[i] ?? 1
        sum[keptIndex(i)] += w * Double(x.scalars[i])
        count[keptIndex(i)] += w
    }
    let mean = zip(sum, count).map { $0 / $1 }
    var sq = [Double](repeating: 0, count: keptCount)
    for i in 0..<x.count {
        let w = weights?[i] ?? 1
        let d = Double(x.scalars[i]) - mean[keptIndex(i)]
        sq[keptIndex(i)] += w * d * d
    }
    return (mean, zip(sq, count).map { $0 / $1 }, count)
}

/// The largest |a − b| / (atol + rtol·|b|), and where.
func normTestWorst(_ a: [Float], _ b: [Double], atol: Double, rtol: Double) -> (ratio: Double, index: Int) {
    var worst = 0.0, at = -1
    for i in b.indices {
        let allowed = atol + rtol * abs(b[i])
        let ratio = Double(a[i]).isNaN != b[i].isNaN ? .infinity : (a[i].isNaN ? 0 : abs(Double(a[i]) - b[i]) / allowed)
        if ratio > worst {
            worst = ratio
            at = i
        }
    }
    return (worst, at)
}

/// Expects `a ≈ b` element-wise, naming the case on failure.
func normExpectClose(
    _ a: [Float], _ b: [Double], atol: Double = 1e-5, rtol: Double = 1e-5, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(a.count == b.count, "\(what): \(a.count) elements, expected \(b.count)", sourceLocation: sourceLocation)
    guard a.count == b.count else { return }
    let (ratio, at) = normTestWorst(a, b, atol: atol, rtol: rtol)
    #expect(
        ratio <= 1,
        "\(what): element \(at) is \(at >= 0 ? String(a[at]) : "-"), expected \(at >= 0 ? String(b[at]) : "-") (error \(ratio)× the tolerance)",
        sourceLocation: sourceLocation)
}

func normExpectClose(
    _ a: [Float], _ b: [Float], atol: Double = 1e-5, rtol: Double = 1e-5, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    normExpectClose(a, b.map(Double.init), atol: atol, rtol: rtol, what, sourceLocation: sourceLocation)
}

/// Permutes the axes of `x`: output axis `i` is input axis `perm[i]`.
func normTestTranspose(_ x: Tensor<Float>, _ perm: [Int]) -> Tensor<Float> {
    let shape = perm.map { x.shape[$0] }
    let inStrides = Tensor<Float>.strides(for: x.shape)
    var out = [Float](repeating: 0, count: x.count)
    for i in 0..<x.count {
        let index = normTestIndex(i, shape)
        var source = 0
        for (o, p) in perm.enumerated() { source += index[o] * inStrides[p] }
        out[i] = x.scalars[source]
    }
    return try! Tensor(shape: shape, scalars: out)
}

/// Builds a layer through the registry from JSON text, as the harness does.
func normMakeLayer(_ className: String, _ json: String) throws(KerasLayerError) -> any KerasLayer {
    let value: JSONValue
    do { value = try JSONValue(parsing: json) } catch {
        throw .invalidConfig(layer: className, argument: "config", message: "\(error)")
    }
    return try LayerRegistry.makeLayer(className: className, config: value)
}

/// The error a throwing expression gives, or nil (a non-`KerasLayerError` is reported as
/// `invalidInput` naming it, so that the expectations fail).
func normError<T>(_ body: () throws -> T) -> KerasLayerError? {
    do {
        _ = try body()
        return nil
    } catch let error as KerasLayerError {
        return error
    } catch {
        return .invalidInput("not a KerasLayerError: \(error)")
    }
}

/// The argument an `invalidConfig` error names.
func normArgument(_ error: KerasLayerError?) -> String? {
    if case .invalidConfig(_, let argument, _)? = error { return argument }
    return nil
}
