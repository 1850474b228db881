import KerasJSON

extension LayerNormalization: DifferentiableLayer {
    /// The vector-Jacobian product of `call`, per sample (statistic) with `N` normalized
    /// elements, `r = 1/√(σ² + ε)`, `x̂ = (x − μ)·r` and `u = dy·γ`:
    ///
    ///     dx = r·(u − (Σu + x̂·Σu·x̂)/N)      dγ = Σ dy·x̂      dβ = Σ dy
    ///
    /// (the sums over the sample's normalized elements for `dx`, over every element sharing the
    /// variable's index for `dγ`, `dβ`). With the deprecated `rms_scaling`
    /// (`y = x·r·γ`, r still from the centred variance):
    ///
    ///     dx = r·(u − x̂·r·Σu·x/N)           dγ = Σ dy·x·r
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        let shape = input.shape
        let normalized = try normNormalizedAxes(axis, shape: shape, layer: Self.className)
        let (variableShape, paramStrides) = try variableLayout(shape, normalized: normalized)
        let statistics = MemoryBudget.saturatingProduct(shape.indices.filter { !normalized[$0] }.map { shape[$0] })
        let parameters = MemoryBudget.saturatingProduct(variableShape)
        // Before anything is allocated: the statistics (with their scratch, and the Double
        // centre, factor and coefficients), gamma (Double) and the passes.
        var budget = options.memoryBudget
        try budget.reserve(
            Moments.scratchDoubles(shape: shape, reduced: normalized, masked: false), of: Double.self, for: "the statistics",
            layer: Self.className)
        try budget.reserve(MemoryBudget.saturatingProduct([5, statistics]), of: Double.self, for: "the backward coefficients", layer: Self.className)
        try budget.reserve(parameters, of: Double.self, for: "gamma of shape \(PythonLiteral.tuple(variableShape))", layer: Self.className)
        try normReserveBackward(&budget, T.self, count: input.count, statistics: statistics, parameters: parameters, masked: false, layer: Self.className)
        let hasGamma = variables.names.contains("gamma"), hasBeta = variables.names.contains("beta")
        let gamma = hasGamma ? try (variables.value("gamma", shape: variableShape, inputShape: shape) as [T]).map(Double.init) : nil

        let stats = input.scalars.withUnsafeBufferPointer { x in Moments.meanAndVariance(x, shape: shape, reduced: normalized) }
        let eps = T(epsilon)
        let factor = stats.variance.map { 1 / Double($0 + eps).squareRoot() }
        let count = Double(MemoryBudget.saturatingProduct(shape.indices.filter { normalized[$0] }.map { shape[$0] }))
        let walk = NormWalk(
            shape: shape,
            strides: NormWalk.lanes(
                NormWalk.contiguousStrides(shape), NormWalk.keptStrides(shape, kept: normalized.map { !$0 }), paramStrides))
        let rms = rmsScaling
        let mean = normExactMeans(input, walk: walk, mean: stats.mean, factor: factor, count: count, mask: nil, maskEpsilon: 0)
        let (dx, sums) = normBackward(
            input, upstream: upstream, walk: walk, statistics: statistics, parameters: parameters,
            centre: rms ? [Double](repeating: 0, count: statistics) : mean, factor: factor, gamma: gamma, mask: nil
        ) { sums in normMomentCoefficients(sums, factor: factor, mean: mean, count: count, centred: !rms) }
        var weights: [String: Tensor<T>] = [:]
        if let sums, trainable {
            if hasGamma { weights["gamma"] = normVariableGradient(sums.scale, shape: variableShape) }
            if hasBeta { weights["beta"] = normVariableGradient(sums.offset, shape: variableShape) }
        }
        return LayerGradients(input: dx, weights: weights)
    }
}
