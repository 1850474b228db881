extension Normalization: DifferentiableLayer {
    /// The vector-Jacobian product of `call` with `d = max(√variance, 1e-7)`: the mean and
    /// variance are constants (not trainable), so
    ///
    ///     dx = dy / d          (invert: false)
    ///     dx = dy · d          (invert: true)
    ///
    /// and there are no variable gradients.
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        let shape = input.shape
        var budget = options.memoryBudget
        let (_, denominator, strides) = try standardization(shape, budget: &budget, as: T.self)
        try budget.reserve(denominator.count, of: Double.self, for: "the factors", layer: Self.className)
        try normReserveBackward(&budget, T.self, count: input.count, statistics: denominator.count, parameters: 0, masked: false, layer: Self.className)
        let factor = denominator.map { invert ? Double($0) : 1 / Double($0) }
        let walk = NormWalk(shape: shape, strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), strides))
        let (dx, _) = normBackward(
            input, upstream: upstream, walk: walk, statistics: denominator.count, parameters: 0,
            centre: [Double](repeating: 0, count: denominator.count), factor: factor, gamma: nil, mask: nil, coefficients: nil)
        return LayerGradients(input: dx)
    }
}
