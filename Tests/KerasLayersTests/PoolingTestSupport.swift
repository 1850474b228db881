import Testing
import KerasJSON
@testable import KerasLayers

// Helpers for the pooling tests: seeded data, layout transposes, and naive reference
// implementations written straight from Keras's formulas (independent of the kernels).

func poolingRandomTensor(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
    var rng = TestRNG(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
    let count = shape.reduce(1, *)
    return try! Tensor(shape: shape, scalars: (0..<count).map { _ in rng.gridFloat() })
}

/// Calls `body` with every multi-index of `shape`, in row-major order.
func poolingForEachIndex(_ shape: [Int], _ body: ([Int]) -> Void) {
    if shape.contains(0) { return }
    var index = [Int](repeating: 0, count: shape.count)
    while true {
        body(index)
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { break }
            index[axis] = 0
            axis -= 1
        }
        if axis < 0 { return }
    }
}

/// Permutes the axes of `t`: output axis i is input axis `permutation[i]`.
func poolingTranspose(_ t: Tensor<Float>, _ permutation: [Int]) -> Tensor<Float> {
    let inStrides = Tensor<Float>.strides(for: t.shape)
    let outShape = permutation.map { t.shape[$0] }
    var out: [Float] = []
    out.reserveCapacity(t.count)
    poolingForEachIndex(outShape) { index in
        var offset = 0
        for (i, axis) in permutation.enumerated() { offset += index[i] * inStrides[axis] }
        out.append(t.scalars[offset])
    }
    return try! Tensor(shape: outShape, scalars: out)
}

/// `(batch, spatial…, channels)` → `(batch, channels, spatial…)`.
func poolingToChannelsFirst(_ t: Tensor<Float>) -> Tensor<Float> {
    poolingTranspose(t, [0, t.rank - 1] + Array(1..<(t.rank - 1)))
}

/// `(batch, channels, spatial…)` → `(batch, spatial…, channels)`.
func poolingToChannelsLast(_ t: Tensor<Float>) -> Tensor<Float> {
    poolingTranspose(t, [0] + Array(2..<t.rank) + [1])
}

/// Keras's output size of one axis (nil when a `valid` window does not fit).
func poolingExpectedSize(_ n: Int, pool k: Int, stride s: Int, same: Bool) -> Int? {
    if same { return (n + s - 1) / s }
    return n >= k ? (n - k) / s + 1 : nil
}

/// NaN-propagating max, as JAX's `lax.max`.
func poolingNaNMax(_ a: Float, _ b: Float) -> Float {
    if a.isNaN || b.isNaN { return .nan }
    return Swift.max(a, b)
}

/// Naive max / average pooling of a channels_last tensor, window by window from the Keras
/// formulas: out = ⌊(n−k)/s⌋+1 or ⌈n/s⌉, pad_before = ⌊max((out−1)s + k − n, 0)/2⌋, the
/// average dividing a Double sum by the number of real elements in the window.
func poolingReference(_ x: Tensor<Float>, pool: [Int], strides: [Int], same: Bool, max isMax: Bool) -> Tensor<Float> {
    let rank = pool.count
    let spatial = Array(x.shape[1...rank])
    let channels = x.shape[rank + 1]
    var outSpatial: [Int] = []
    var padBefore: [Int] = []
    for k in 0..<rank {
        let out = poolingExpectedSize(spatial[k], pool: pool[k], stride: strides[k], same: same)!
        outSpatial.append(out)
        padBefore.append(same ? Swift.max((out - 1) * strides[k] + pool[k] - spatial[k], 0) / 2 : 0)
    }
    let outShape = [x.shape[0]] + outSpatial + [channels]
    let inStrides = Tensor<Float>.strides(for: x.shape)
    var result: [Float] = []
    poolingForEachIndex(outShape) { o in
        var best = -Float.infinity
        var sum = 0.0
        var count = 0
        poolingForEachIndex(pool) { offset in
            var flat = o[0] * inStrides[0] + o[rank + 1]
            for k in 0..<rank {
                let i = o[k + 1] * strides[k] - padBefore[k] + offset[k]
                if i < 0 || i >= spatial[k] { return }
                flat += i * inStrides[k + 1]
            }
            let v = x.scalars[flat]
            best = poolingNaNMax(best, v)
            sum += Double(v)
            count += 1
        }
        result.append(isMax ? best : Float(sum / Double(count)))
    }
    return try! Tensor(shape: outShape, scalars: result)
}

/// Keras's adaptive window on one axis: [⌊i·n/out⌋, ⌈(i+1)·n/out⌉).
func poolingAdaptiveRange(_ i: Int, n: Int, out: Int) -> Range<Int> {
    let start = Int((Double(i * n) / Double(out)).rounded(.down))
    let end = Int((Double((i + 1) * n) / Double(out)).rounded(.up))
    return start..<end
}

/// Naive adaptive pooling of a channels_last tensor over the whole box of windows.
func poolingAdaptiveReference(_ x: Tensor<Float>, outputSize: [Int], max isMax: Bool) -> Tensor<Float> {
    let rank = outputSize.count
    let spatial = Array(x.shape[1...rank])
    let outShape = [x.shape[0]] + outputSize + [x.shape[rank + 1]]
    let inStrides = Tensor<Float>.strides(for: x.shape)
    var result: [Float] = []
    poolingForEachIndex(outShape) { o in
        let ranges = (0..<rank).map { poolingAdaptiveRange(o[$0 + 1], n: spatial[$0], out: outputSize[$0]) }
        var best = -Float.infinity
        var sum = 0.0
        var count = 0
        poolingForEachIndex(ranges.map(\.count)) { offset in
            var flat = o[0] * inStrides[0] + o[rank + 1]
            for k in 0..<rank { flat += (ranges[k].lowerBound + offset[k]) * inStrides[k + 1] }
            best = poolingNaNMax(best, x.scalars[flat])
            sum += Double(x.scalars[flat])
            count += 1
        }
        result.append(isMax ? best : Float(sum / Double(count)))
    }
    return try! Tensor(shape: outShape, scalars: result)
}

/// Elements equal bit for bit (NaN matching NaN).
func poolingIdentical(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Bool {
    a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

/// The index of the first element where |a − b| > atol + rtol·|b| (NaN must match NaN), or nil.
func poolingFirstMismatch(_ a: Tensor<Float>, _ b: Tensor<Float>, rtol: Float = 2e-6, atol: Float = 1e-6) -> Int? {
    guard a.shape == b.shape else { return -1 }
    for i in 0..<a.count {
        let x = a.scalars[i], y = b.scalars[i]
        if x.isNaN || y.isNaN {
            if x.isNaN != y.isNaN { return i }
            continue
        }
        if x == y { continue }
        if abs(x - y) > atol + rtol * abs(y) { return i }
    }
    return nil
}

/// Builds a layer the way the conformance harness does: class name + `get_config()` JSON.
func poolingLayer(_ className: String, _ json: String) throws(KerasLayerError) -> any KerasLayer {
    let value: JSONValue
    do { value = try JSONValue(parsing: json) } catch { fatalError("bad test JSON \(json): \(error)") }
    return try LayerRegistry.makeLayer(className: className, config: value)
}

/// The `KerasLayerError` `body` throws, or nil (any other error is recorded as an issue).
func poolingError(_ body: () throws -> Void) -> KerasLayerError? {
    do {
        try body()
        return nil
    } catch let error as KerasLayerError {
        return error
    } catch {
        Issue.record("expected a KerasLayerError, got \(error)")
        return nil
    }
}

/// The argument an `invalidConfig` error names, or nil for other errors.
func poolingErrorArgument(_ error: KerasLayerError?) -> String? {
    if case .invalidConfig(_, let argument, _)? = error { return argument }
    return nil
}

/// The message of an `invalidInput` error, or nil for other errors.
func poolingInputErrorMessage(_ error: KerasLayerError?) -> String? {
    if case .invalidInput(let message)? = error { return message }
    return nil
}

func poolingJSONList(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }
