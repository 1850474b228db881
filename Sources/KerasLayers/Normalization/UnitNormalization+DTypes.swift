extension UnitNormalization {
    /// Keras's call under `dtypePolicy`. `ops.normalize` does not upcast: it computes in the
    /// (autocast) input's own type, so under float16 and bfloat16 every operation is rounded to
    /// that type, in Keras's order:
    ///
    ///     s   = round(Σ round(x²))          (the sum accumulates in float32 on both backends)
    ///     f   = min(round(1/√s), round(1e12))   (1e12 is +∞ in float16)
    ///     y   = round(x · f)
    ///
    /// float32 and float64 are `compute(_:options:)` (no rounding to do between operations).
    /// - Throws: `KerasLayerError.unsupported` for an integer input: Keras's `rsqrt` of the
    ///   integer sum of squares raises on both backends (TensorFlow: "Value for attr 'T' of
    ///   uint32 is not in the list of allowed values", JAX: "rsqrt does not accept dtype uint32").
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        let autocast = input.autocast(to: dtypePolicy)
        guard autocast.dtype.isFloatingPoint else {
            throw .unsupported(
                layer: Self.className,
                message:
                    "\(autocast.dtype.rawValue) input: Keras's rsqrt of the integer sum of squares raises on both backends; cast the input to a floating type")
        }
        return try call(computing: autocast, options: options, rounding: RoundingCall(layer: self, options: options))
    }

    /// The formulas above for a half-precision type.
    private struct RoundingCall: AnyTensorVisitor {
        let layer: UnitNormalization
        let options: CallOptions

        func visit<Scalar: TensorElement>(_ input: Tensor<Scalar>) throws(KerasLayerError) -> AnyTensor {
            let shape = input.shape
            let normalized = try normNormalizedAxes(layer.axis, shape: shape, layer: UnitNormalization.className)
            let kept = normalized.map { !$0 }
            let keptCount = MemoryBudget.saturatingProduct(shape.indices.filter { kept[$0] }.map { shape[$0] })
            var budget = options.memoryBudget
            try budget.reserve(
                MemoryBudget.saturatingProduct([3, input.count]), of: Double.self, for: "the widened input and the output", layer: UnitNormalization.className)
            try budget.reserve(keptCount, of: Double.self, for: "the sums of squares", layer: UnitNormalization.className)
            let x = Scalar.widen(input.scalars)
            let walk = NormWalk(shape: shape, strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), NormWalk.keptStrides(shape, kept: kept)))
            let n = walk.rowLength, ks = walk.innerStrides[1]
            var sums = [Double](repeating: 0, count: keptCount)
            walk.forEachRow(in: 0..<walk.rowCount) { o in
                for j in 0..<n {
                    let v = x[o[0] &+ j]
                    sums[o[1] &+ j &* ks] += Double(Scalar.roundTrip(v * v))
                }
            }
            let maximumFactor = Scalar.roundTrip(Scalar.Compute(1.0 / 1e-12))
            let factor = sums.map { sum in
                let s = Scalar.roundTrip(Scalar.Compute(sum))
                return Swift.min(Scalar.roundTrip(1 / s.squareRoot()), maximumFactor)
            }
            var y = [Scalar.Compute](repeating: 0, count: x.count)
            walk.forEachRow(in: 0..<walk.rowCount) { o in
                for j in 0..<n { y[o[0] &+ j] = x[o[0] &+ j] * factor[o[1] &+ j &* ks] }
            }
            return AnyTensor(Tensor(uncheckedShape: shape, scalars: Scalar.narrow(y)))
        }
    }
}
