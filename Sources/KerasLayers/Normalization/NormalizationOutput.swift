import KerasJSON

// Writing the normalization layers' output tensors.

/// A normalization layer's result: the output stored as `S` (the compute type float32 or
/// float64, or the half type the layer's float32 result is rounded to), and the variables a
/// training call updated, in the compute type `S.Compute`.
struct NormResult<S: FloatingTensorElement> {
    var output: Tensor<S>
    var updatedWeights: [String: Tensor<S.Compute>] = [:]

    /// The result for any element type (`AnyLayerOutput`).
    var erased: AnyLayerOutput {
        AnyLayerOutput(output: AnyTensor(output), updatedWeights: updatedWeights.mapValues { AnyTensor($0) })
    }
}

extension NormResult where S == Float {
    var float32: LayerOutput { LayerOutput(output: output, updatedWeights: updatedWeights) }
}

/// Creates the output tensor: `body` fills `count` elements.
func normMakeOutput<S: FloatingTensorElement>(
    shape: [Int], _ body: (UnsafeMutablePointer<S>) -> Void
) -> Tensor<S> {
    let count = MemoryBudget.saturatingProduct(shape)
    return Tensor(uncheckedShape: shape, scalars: makeFilledArray(count: count, body))
}

/// `y = x · scale + shift` elementwise (in `S.Compute`, rounded once to `S`), `scale` and `shift` read through `paramStrides` (their
/// element stride along each input axis, 0 where they do not vary).
func normAffineOutput<S: FloatingTensorElement>(_ input: Tensor<S>, scale: [S.Compute], shift: [S.Compute], paramStrides: [Int]) -> Tensor<S> {
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
