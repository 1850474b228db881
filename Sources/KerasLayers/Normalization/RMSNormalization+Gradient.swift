extension RMSNormalization: DifferentiableLayer {
    /// The vector-Jacobian product of `call`, per sample (statistic) with `N` normalized
    /// elements, `f = 1/√(Σx²/N + ε)` and `u = dy·scale`:
    ///
    ///     dx = f·(u − x·f²·Σu·x/N)      dscale = Σ dy·x·f
    ///
    /// (`dscale` summed over every element sharing the scale's index, broadcast as in `call`).
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        let shape = input.shape
        let normalized = try normNormalizedAxes(axis, shape: shape, layer: Self.className)
        let scaleShape = scaleShape(shape)
        let statistics = MemoryBudget.saturatingProduct(shape.indices.filter { !normalized[$0] }.map { shape[$0] })
        let parameters = MemoryBudget.saturatingProduct(scaleShape)
        // Before anything is allocated: the mean squares (with their scratch, and the Double
        // centre, factor and coefficients), the scale (Double) and the passes.
        var budget = options.memoryBudget
        try budget.reserve(
            Moments.scratchDoubles(shape: shape, reduced: normalized, masked: false), of: Double.self, for: "the mean squares",
            layer: Self.className)
        try budget.reserve(MemoryBudget.saturatingProduct([5, statistics]), of: Double.self, for: "the backward coefficients", layer: Self.className)
        try budget.reserve(parameters, of: Double.self, for: "the scale", layer: Self.className)
        try normReserveBackward(&budget, T.self, count: input.count, statistics: statistics, parameters: parameters, masked: false, layer: Self.className)
        let scale = try (variables.value("scale", shape: scaleShape, inputShape: shape) as [T]).map(Double.init)
        let scaleStrides = try normBroadcastStrides(scaleShape, to: shape, layer: Self.className, name: "scale")

        let meanSquares = input.scalars.withUnsafeBufferPointer { x in Moments.meanOfSquares(x, shape: shape, reduced: normalized) }
        let eps = T(epsilon)
        let factor = meanSquares.map { 1 / Double($0 + eps).squareRoot() }
        let zero = [Double](repeating: 0, count: statistics)
        let count = Double(MemoryBudget.saturatingProduct(shape.indices.filter { normalized[$0] }.map { shape[$0] }))
        let walk = NormWalk(
            shape: shape,
            strides: NormWalk.lanes(
                NormWalk.contiguousStrides(shape), NormWalk.keptStrides(shape, kept: normalized.map { !$0 }), scaleStrides))
        let (dx, sums) = normBackward(
            input, upstream: upstream, walk: walk, statistics: statistics, parameters: parameters,
            centre: zero, factor: factor, gamma: scale, mask: nil
        ) { sums in normMomentCoefficients(sums, factor: factor, mean: zero, count: count, centred: false) }
        var weights: [String: Tensor<T>] = [:]
        if let sums, trainable { weights["scale"] = normVariableGradient(sums.scale, shape: scaleShape) }
        return LayerGradients(input: dx, weights: weights)
    }
}
