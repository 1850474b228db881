import KerasJSON

// Writing the normalization layers' output tensors.

/// Creates the output tensor: `body` fills `count` elements.
func normMakeOutput(
    shape: [Int], _ body: (UnsafeMutablePointer<Float>) -> Void
) -> Tensor<Float> {
    let count = MemoryBudget.saturatingProduct(shape)
    let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 { body(buffer.baseAddress!) }
        initialized = count
    }
    return Tensor(uncheckedShape: shape, scalars: scalars)
}

/// `y = x · scale + shift` elementwise, `scale` and `shift` read through `paramStrides` (their
/// element stride along each input axis, 0 where they do not vary).
func normAffineOutput(_ input: Tensor<Float>, scale: [Float], shift: [Float], paramStrides: [Int]) -> Tensor<Float> {
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
