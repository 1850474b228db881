extension GroupNormalization: DifferentiableLayer {
    /// The vector-Jacobian product of `call`, per (sample, group) statistic with `N` elements
    /// (the group's channels and every other non-batch axis), `r = 1/√(σ² + ε)`,
    /// `x̂ = (x − μ)·r` and `u = dy·γ[c]`:
    ///
    ///     dx = r·(u − (Σu + x̂·Σu·x̂)/N)      dγ[c] = Σ dy·x̂      dβ[c] = Σ dy
    ///
    /// (`dγ`, `dβ` summed over every element of channel `c`).
    ///
    /// The two passes run per (sample, channel) rather than per (sample, group): every sum of a
    /// group is accumulated per channel and the group's channels are added afterwards, so that a
    /// channels_last row is the whole channel vector with contiguous statistics (one group's
    /// channels alone make rows of a few elements). The sums are the same, in another order.
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        let shape = input.shape
        let (a, g, grouped, reduced) = try groupedLayout(shape)
        let channels = shape[a]
        let statistics = MemoryBudget.saturatingProduct([shape[0], g])
        let perChannel = MemoryBudget.saturatingProduct([shape[0], channels])
        // Before anything is allocated: the statistics (with their scratch, and the Double
        // centre, factor and coefficients), gamma (Double) and the passes.
        var budget = options.memoryBudget
        try budget.reserve(
            Moments.scratchDoubles(shape: grouped, reduced: reduced, masked: false), of: Double.self,
            for: "the statistics of \(shape[0]) samples × \(g) groups", layer: Self.className)
        try budget.reserve(MemoryBudget.saturatingProduct([5, statistics]), of: Double.self, for: "the backward coefficients", layer: Self.className)
        try budget.reserve(
            MemoryBudget.saturatingProduct([5, perChannel]), of: Double.self, for: "the coefficients per sample and channel", layer: Self.className)
        try budget.reserve(channels, of: Double.self, for: "gamma", layer: Self.className)
        try normReserveBackward(&budget, T.self, count: input.count, statistics: perChannel, parameters: channels, masked: false, layer: Self.className)
        let gamma = scale ? try (variables.value("gamma", shape: [channels], inputShape: shape) as [T]).map(Double.init) : nil
        if center { _ = try variables.value("beta", shape: [channels], inputShape: shape) as [T] }

        let stats = input.scalars.withUnsafeBufferPointer { x in Moments.meanAndVariance(x, shape: grouped, reduced: reduced) }
        let eps = T(epsilon)
        let factor = stats.variance.map { 1 / Double($0 + eps).squareRoot() }
        let count = Double(MemoryBudget.saturatingProduct(grouped.indices.filter { reduced[$0] }.map { grouped[$0] }))
        let walk = NormWalk(
            shape: grouped,
            strides: NormWalk.lanes(
                NormWalk.contiguousStrides(grouped), NormWalk.keptStrides(grouped, kept: reduced.map { !$0 }),
                NormWalk.keptStrides(grouped, kept: grouped.indices.map { $0 == a || $0 == a + 1 })))
        let mean = normExactMeans(input, walk: walk, mean: stats.mean, factor: factor, count: count, mask: nil, maskEpsilon: 0)
        // Statistic lane: sample × channel (index n·C + c); parameter lane: channel.
        let channelWalk = NormWalk(
            shape: shape,
            strides: NormWalk.lanes(
                NormWalk.contiguousStrides(shape), NormWalk.keptStrides(shape, kept: shape.indices.map { $0 == 0 || $0 == a }),
                NormWalk.keptStrides(shape, kept: shape.indices.map { $0 == a })))
        let perGroup = channels / g
        /// Per (sample, channel) from per (sample, group).
        func expand(_ values: [Double]) -> [Double] { (0..<perChannel).map { values[($0 / channels) * g + ($0 % channels) / perGroup] } }
        /// Per (sample, group) from per (sample, channel): the sum over the group's channels.
        func fold(_ values: [Double]) -> [Double] {
            var folded = [Double](repeating: 0, count: statistics)
            for i in 0..<perChannel { folded[(i / channels) * g + (i % channels) / perGroup] += values[i] }
            return folded
        }
        let (dx, sums) = normBackward(
            input, upstream: upstream, walk: channelWalk, statistics: perChannel, parameters: channels,
            centre: expand(mean), factor: expand(factor), gamma: gamma, mask: nil
        ) { sums in
            let perGroupSums = NormalizationGradientKernels.Sums(
                upstream: fold(sums.upstream), moment: fold(sums.moment), scale: sums.scale, offset: sums.offset, count: [])
            let coefficients = normMomentCoefficients(perGroupSums, factor: factor, mean: mean, count: count)
            return .init(a: expand(coefficients.a), b: expand(coefficients.b), centre: expand(coefficients.centre))
        }
        var weights: [String: Tensor<T>] = [:]
        if let sums, trainable {
            if scale { weights["gamma"] = normVariableGradient(sums.scale, shape: [channels]) }
            if center { weights["beta"] = normVariableGradient(sums.offset, shape: [channels]) }
        }
        return LayerGradients(input: dx, weights: weights)
    }
}
