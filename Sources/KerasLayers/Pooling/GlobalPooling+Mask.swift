import KerasJSON

/// GlobalAveragePooling1D's mask as Keras reads it (see `GlobalPooling.swift`): a
/// `(batch_m, steps_m)` tensor with batch_m ∈ {batch, 1} and steps_m ∈ {steps, 1}, broadcast
/// over the input, and Keras's divisor per batch row, the kept entries of the mask's own
/// (unbroadcast) row.
struct PoolingStepMask {
    /// Strides of the broadcast mask `(batch, steps)` in the mask's storage (0 along a size-1 axis).
    let batchStride: Int
    let stepStride: Int
    /// divisors[b] = #{t' < steps_m : m[b̄, t'] ≠ 0}.
    let divisors: [Float]
}

extension GlobalPooling {
    /// Checks `mask` against an input of `inputShape` and reads its strides and divisors,
    /// reserving the divisors in `budget`.
    /// - Throws: `KerasLayerError.invalidInput` when the mask's shape is not `(batch, steps)`
    ///   (axes of size 1 broadcast).
    func stepMask(_ mask: Tensor<UInt8>, inputShape: [Int], budget: inout MemoryBudget) throws(KerasLayerError) -> PoolingStepMask {
        let layout = SpatialLayout(shape: inputShape, dataFormat: dataFormat)
        let batch = layout.batch, steps = layout.spatial[0]
        let expected = [batch, steps]
        guard mask.rank == 2,
            mask.shape[0] == batch || mask.shape[0] == 1,
            mask.shape[1] == steps || mask.shape[1] == 1
        else {
            throw .invalidInput(
                "\(className) '\(name)': the `mask` must have shape (batch, steps) = \(PythonLiteral.tuple(expected)) for input of shape \(PythonLiteral.tuple(inputShape)) (data_format=\(dataFormat.rawValue)), got \(PythonLiteral.tuple(mask.shape))"
            )
        }
        let batchStride = mask.shape[0] == 1 ? 0 : mask.shape[1]
        try budget.reserve(batch, of: Float.self, for: "the mask's divisors", layer: className)
        // Keras's divisor: the kept entries of the mask's own row, not of its broadcast (see the file comment).
        let divisors = (0..<batch).map { b in
            Float(mask.scalars[(b * batchStride)..<(b * batchStride + mask.shape[1])].reduce(0) { $0 + ($1 != 0 ? 1 : 0) })
        }
        return PoolingStepMask(batchStride: batchStride, stepStride: mask.shape[1] == 1 ? 0 : 1, divisors: divisors)
    }
}
