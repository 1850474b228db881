import KerasJSON

/// Keras's `UnitNormalization`: scales each slice along `axis` to unit L2 norm.
///
/// `y = x · min(1/√(Σ_axis x²), 10¹²)` in float32, the form `keras.ops.normalize(order=2,
/// epsilon=1e-12)` evaluates, so an all-zero slice stays zero and the squares underflow as
/// Keras's do.
struct UnitNormalization {
    /// The reduced axes, non-negative.
    var axes: Set<Int>

    init(config: JSONValue, rank: Int) throws {
        let raw: [JSONValue]
        switch config["axis"] {
        case nil: raw = [.int(-1)]
        case .array(let list)?: raw = list
        case let single?: raw = [single]
        }
        axes = []
        for value in raw {
            guard let axis = value.intValue, -rank..<rank ~= axis else {
                throw ExampleLayerError("UnitNormalization: axis \(value.jsonText) is not an axis of a rank-\(rank) input")
            }
            axes.insert(axis < 0 ? axis + rank : axis)
        }
    }

    func call(_ x: [Float], shape: [Int]) -> [Float] {
        // Each element's slice: its flat index with the reduced axes' coordinates dropped.
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropLast().reversed() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        let slice = x.indices.map { i in
            shape.indices.reduce(0) { key, axis in
                axes.contains(axis) ? key : key * shape[axis] + (i / strides[axis]) % shape[axis]
            }
        }
        var squareSums = [Float](repeating: 0, count: x.count)
        for (i, s) in zip(x.indices, slice) { squareSums[s] += x[i] * x[i] }
        return zip(x, slice).map { value, s in value * min(1 / squareSums[s].squareRoot(), 1e12) }
    }
}
