import KerasJSON

// Writing the normalization layers' output tensors.

/// A normalization layer's result in its compute type `T` (float32 or float64): the output and
/// the variables a training call updated.
struct NormResult<T: ComputeScalar> {
    var output: Tensor<T>
    var updatedWeights: [String: Tensor<T>] = [:]

    /// The result for any element type (`AnyLayerOutput`).
    var erased: AnyLayerOutput {
        AnyLayerOutput(output: AnyTensor(output), updatedWeights: updatedWeights.mapValues { AnyTensor($0) })
    }
}

extension NormResult where T == Float {
    var float32: LayerOutput { LayerOutput(output: output, updatedWeights: updatedWeights) }
}

/// Creates the output tensor: `body` fills `count` elements.
func normMakeOutput<T: ComputeScalar>(
    shape: [Int], _ body: (UnsafeMutablePointer<T>) -> Void
) -> Tensor<T> {
    let count = MemoryBudget.saturatingProduct(shape)
    let scalars = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 { body(buffer.baseAddress!) }
        initialized = count
    }
    return Tensor(uncheckedShape: shape, scalars: scalars)
}

/// `y = x · scale + shift` elementwise, `scale` and `shift` read through `paramStrides` (their
/// element stride along each input axis, 0 where they do not vary).
func normAffineOutput<T: ComputeScalar>(_ input: Tensor<T>, scale: [T], shift: [T], paramStrides: [Int]) -> Tensor<T> {
    let shape = input.shape
    let walk = NormWalk(shape: shape, strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), paramStrides))
    return input.scalars.withUnsafeBufferPointer { x in
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { b in
                normMakeOutput(shape: shape) { y in
                    NormalizationKernels.affine(x.baseAddress!, y, walk: walk, scale: s.baseAddress!, shift: b.baseAddress!)
                }
            }
        }
    }
}
