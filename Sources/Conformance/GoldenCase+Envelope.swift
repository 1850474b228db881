import ReferenceData

extension GoldenCase {
    /// Why `other` cannot be part of this case's reference envelope, or nil when it can: it
    /// must come from another backend, hold a result (not a call Keras refused), and have been called identically (the same input, mask,
    /// weights and call arguments, element for element, NaN matching NaN). Otherwise its
    /// output answers another question and its distance from ours is no measure of rounding.
    func envelopeMismatch(_ other: GoldenCase) -> String? {
        if other.backend == backend { return "the same backend" }
        if let refused = other.error { return "Keras refused the call there (\(refused))" }
        if !input.isIdentical(to: other.input) { return "inputs/x differs" }
        switch (mask, other.mask) {
        case (nil, nil): break
        case (let a?, let b?) where a.isIdentical(to: b): break
        default: return "inputs/mask differs"
        }
        if Set(weights.keys) != Set(other.weights.keys) { return "the weights differ in name" }
        for (name, w) in weights.sorted(by: { $0.key < $1.key }) where !w.isIdentical(to: other.weights[name]!) {
            return "weights/\(name) differs"
        }
        if call != other.call { return "the call arguments differ" }
        return nil
    }
}

extension ReferenceTensor {
    /// Same shape and elements (NaN matching NaN) and the same element type, except that the
    /// width of an integer type may differ (a step counter is int64 under TensorFlow, int32
    /// under JAX without x64; its values are what the layer reads).
    func isIdentical(to other: ReferenceTensor) -> Bool {
        let sameType = elementType == other.elementType || (!elementType.isFloatingPoint && !other.elementType.isFloatingPoint)
        return shape == other.shape && sameType
            && zip(values, other.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }
}
