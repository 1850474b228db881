extension UnitNormalization: DifferentiableLayer {
    /// The vector-Jacobian product of `call`, per sample (statistic) with `f = min(1/√Σx², 1e12)`:
    ///
    ///     dx = f·(dy − x·f²·Σ dy·x)      (f = 1/√Σx²)
    ///     dx = f·dy                       (f clipped to 1e12: constant)
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        let shape = input.shape
        let normalized = try normNormalizedAxes(axis, shape: shape, layer: Self.className)
        let statistics = MemoryBudget.saturatingProduct(shape.indices.filter { !normalized[$0] }.map { shape[$0] })
        // Before anything is allocated: the sums of squares (with their scratch, and the Double
        // centre, factor and coefficients) and the passes.
        var budget = options.memoryBudget
        try budget.reserve(
            Moments.scratchDoubles(shape: shape, reduced: normalized, masked: false), of: Double.self, for: "the sums of squares",
            layer: Self.className)
        try budget.reserve(MemoryBudget.saturatingProduct([5, statistics]), of: Double.self, for: "the backward coefficients", layer: Self.className)
        try normReserveBackward(&budget, T.self, count: input.count, statistics: statistics, parameters: 0, masked: false, layer: Self.className)

        let sumsOfSquares = input.scalars.withUnsafeBufferPointer { x in Moments.sumOfSquares(x, shape: shape, reduced: normalized) }
        // The factor of `call` (in `T`) decides the clipping; the unclipped factor is used in Double.
        let clipped = sumsOfSquares.map { NormalizationKernels.rsqrt($0) >= T(Self.maximumFactor) }
        let factor = sumsOfSquares.indices.map { clipped[$0] ? Double(T(Self.maximumFactor)) : 1 / Double(sumsOfSquares[$0]).squareRoot() }
        let zero = [Double](repeating: 0, count: statistics)
        let walk = NormWalk(
            shape: shape,
            strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), NormWalk.keptStrides(shape, kept: normalized.map { !$0 })))
        let (dx, _) = normBackward(
            input, upstream: upstream, walk: walk, statistics: statistics, parameters: 0,
            centre: zero, factor: factor, gamma: nil, mask: nil
        ) { sums in
            var coefficients = normMomentCoefficients(sums, factor: factor, mean: zero, count: 1, centred: false)
            for k in clipped.indices where clipped[k] { coefficients.b[k] = 0 }
            return coefficients
        }
        return LayerGradients(input: dx)
    }
}
