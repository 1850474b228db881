extension Normalization {
    /// Keras's call under `dtypePolicy`: the input converted to the compute type (integers
    /// too: `convert_to_tensor(inputs, dtype=self.compute_dtype)`), the mean and variance cast
    /// to it, and every operation rounded to it (no upcast), in Keras's order:
    ///
    ///     d = max(round(√variance), round(1e-7))
    ///     y = round(round(x − mean) / d)            (invert: y = round(mean + round(x · d)))
    ///
    /// float32 and float64 are `compute(_:options:)` (no rounding to do between operations).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try call(computing: input.cast(to: dtypePolicy.computeDType), options: options, rounding: RoundingCall(layer: self, options: options))
    }

    /// The formulas above for a half-precision compute type.
    private struct RoundingCall: AnyTensorVisitor {
        let layer: Normalization
        let options: CallOptions

        func visit<Scalar: TensorElement>(_ input: Tensor<Scalar>) throws(KerasLayerError) -> AnyTensor {
            let shape = input.shape
            var budget = options.memoryBudget
            try budget.reserve(
                MemoryBudget.saturatingProduct([2, input.count]), of: Float.self, for: "the widened input and the output", layer: Normalization.className)
            let (mean, denominator, strides) = try layer.standardization(shape, budget: &budget, as: Scalar.self)
            let x = Scalar.widen(input.scalars)
            let walk = NormWalk(shape: shape, strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), strides))
            let n = walk.rowLength, ps = walk.innerStrides[1]
            var y = [Scalar.Compute](repeating: 0, count: x.count)
            walk.forEachRow(in: 0..<walk.rowCount) { o in
                for j in 0..<n {
                    let v = x[o[0] &+ j], m = mean[o[1] &+ j &* ps], d = denominator[o[1] &+ j &* ps]
                    y[o[0] &+ j] = layer.invert ? m + Scalar.roundTrip(v * d) : Scalar.roundTrip(v - m) / d
                }
            }
            return AnyTensor(Tensor(uncheckedShape: shape, scalars: Scalar.narrow(y)))
        }
    }
}
