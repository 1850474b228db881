import KerasJSON

// The normalization layers' axis rules: Keras's range and duplicate checks, and the fast
// path's test for trailing normalized axes.

/// Python's rendering of a list of ints: `[1, -1]`.
func normDescribeList(_ values: [Int]) -> String {
    "[" + values.map(String.init).joined(separator: ", ") + "]"
}

/// Resolves one (possibly negative) axis against `rank`, with the message Keras's
/// `compute_output_shape` gives for an axis out of range.
func normCanonicalAxis(
    _ axis: Int, rank: Int, shape: [Int], layer: String, received: String
) throws(KerasLayerError) -> Int {
    guard axis >= -rank, axis < rank else {
        throw .invalidConfig(
            layer: layer, argument: "axis",
            message: "Axis \(axis) is out of bounds for input shape \(PythonLiteral.tuple(shape)). Received: axis=\(received)")
    }
    return axis < 0 ? axis + rank : axis
}

/// Resolves a list of axes: every one in range and none repeated (the reductions Keras
/// calls reject duplicates: "duplicate value in 'axis'").
func normCanonicalAxes(
    _ axes: [Int], rank: Int, shape: [Int], layer: String, received: String
) throws(KerasLayerError) -> [Int] {
    var result: [Int] = []
    for a in axes {
        let c = try normCanonicalAxis(a, rank: rank, shape: shape, layer: layer, received: received)
        guard !result.contains(c) else {
            throw .invalidConfig(
                layer: layer, argument: "axis",
                message: "duplicate value in 'axis': \(PythonLiteral.tuple(axes.sorted())) (axis \(a) repeats axis \(c) of an input of rank \(rank))")
        }
        result.append(c)
    }
    return result
}

/// Which axes of an input of shape `shape` the list `axis` (as the user wrote it) normalizes,
/// after the range and duplicate checks of `normCanonicalAxes`.
func normNormalizedAxes(_ axis: [Int], shape: [Int], layer: String) throws(KerasLayerError) -> [Bool] {
    let rank = shape.count
    let received = axis.count == 1 ? String(axis[0]) : normDescribeList(axis)
    var normalized = Array(repeating: false, count: rank)
    for a in try normCanonicalAxes(axis, rank: rank, shape: shape, layer: layer, received: received) {
        normalized[a] = true
    }
    return normalized
}

/// When the normalized axes are the trailing axes, the input as `count` contiguous rows of
/// `length` elements, each normalized on its own (the kernels' fast path); nil otherwise.
func normTrailingRows(_ shape: [Int], normalized: [Bool]) -> (count: Int, length: Int)? {
    let first = normalized.firstIndex(of: true) ?? shape.count
    guard normalized[first...].allSatisfy({ $0 }) else { return nil }
    return (shape[..<first].reduce(1, *), shape[first...].reduce(1, *))
}
