extension BatchNormalization: DifferentiableLayer {
    /// The vector-Jacobian product of `call`, per channel with `r = 1/√(σ² + ε)`,
    /// `x̂ = (x − μ)·r` and `u = dy·γ`:
    ///
    /// - Inference (moving statistics, constants): `dx = r·u`, `dγ = Σ dy·x̂`, `dβ = Σ dy`.
    /// - Training, differentiated through the batch statistics (as `GradientTape` and
    ///   `jax.vjp` do): `dx = r·(u − (Σu + x̂·Σu·x̂)/N)` over the `N` elements of the channel.
    /// - Training with a mask `m` (Keras's `_moments`: `μ = Σm·x / W`, `σ² = Σm·(x − μ)² / W`,
    ///   `W = Σm + 1e-7` in the compute type): the sums still run over every element (the output at a
    ///   masked position depends on the statistics too), and only unmasked positions receive
    ///   the statistics' share: `dx = r·(u − m·(Σu − r²·Σu·(x−μ)·D/W + x̂·Σu·x̂)/W)`, where
    ///   `D = Σm·(x − μ) = μ·(W − Σm)` is the variance's dependence on the mean that the
    ///   `1e-7` leaves (it is exactly zero without a mask, where TensorFlow even stops it).
    /// - Batch renormalization, training: `r_renorm` and `d_renorm` are constants
    ///   (`stop_gradient` in Keras), so `γ' = r_renorm·γ` takes γ's place above, and
    ///   `dγ = r_renorm·Σ dy·x̂ + d_renorm·Σ dy`.
    ///
    /// The variables' gradients (`gamma`, `beta`) are returned when they exist and the layer
    /// is trainable; the moving statistics are not trainable. The statistics, `σ² + ε` and the
    /// mask divisor `W` are those of `call` in `T`; every sum is in Double.
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        let shape = input.shape
        let rank = shape.count
        try Self.checkMaskRank(options.mask, inputShape: shape)
        let a = try normCanonicalAxis(axis, rank: rank, shape: shape, layer: Self.className, received: String(axis))
        let channels = shape[a]
        let vectorShape = [channels]
        let training = options.training && trainable
        let mask = training ? options.mask : nil
        var reduced = Array(repeating: true, count: rank)
        reduced[a] = false
        let parameters = trainable ? channels : 0
        // Before anything is allocated: the batch statistics' scratch, the per-channel vectors
        // (variables, statistics, corrections; Double factors and coefficients), and the passes.
        var budget = options.memoryBudget
        if training {
            try budget.reserve(
                Moments.scratchDoubles(shape: shape, reduced: reduced, masked: mask != nil), of: Double.self,
                for: "the batch statistics of \(channels) channels", layer: Self.className)
        }
        try budget.reserve(
            MemoryBudget.saturatingProduct([16, channels]), of: Double.self, for: "the per-channel parameters of \(channels) channels",
            layer: Self.className)
        try normReserveBackward(
            &budget, T.self, count: input.count, statistics: channels, parameters: parameters, masked: mask != nil, layer: Self.className)
        func variable(_ name: String) throws(KerasLayerError) -> [T] {
            try variables.value(name, shape: vectorShape, inputShape: shape)
        }
        let gamma = scale ? try variable("gamma") : nil
        var mean = try variable("moving_mean")
        var variance = try variable("moving_variance")
        var maskStrides = Array(repeating: 0, count: rank)
        if training {
            let stats: (mean: [T], variance: [T])
            if let mask {
                maskStrides = try Self.maskStrides(mask.shape, input: shape)
                let strides = maskStrides
                stats = input.scalars.withUnsafeBufferPointer { x in
                    mask.scalars.withUnsafeBufferPointer { m in
                        Moments.meanAndVariance(
                            x, shape: shape, reduced: reduced, mask: Moments.Mask(values: m, strides: strides), maskEpsilon: T(Self.maskEpsilon))
                    }
                }
            } else {
                stats = input.scalars.withUnsafeBufferPointer { x in Moments.meanAndVariance(x, shape: shape, reduced: reduced) }
            }
            mean = stats.mean
            variance = stats.variance
        }
        // Per channel: r (from the σ² + ε in `T` the forward pass uses) and γ' (γ, times
        // batch renormalization's r in training).
        let eps = T(epsilon)
        let factor = variance.map { 1 / Double($0 + eps).squareRoot() }
        var effectiveGamma = gamma.map { $0.map(Double.init) }
        var correction: (r: [Double], d: [Double])?
        if training && renorm {
            let renormMean = try variable("renorm_mean")
            let renormStddev = try variable("renorm_stddev")
            var r = [Double](repeating: 0, count: channels), d = r
            for c in 0..<channels {
                let k = renormCorrection(mean: mean[c], variance: variance[c], renormMean: renormMean[c], renormStddev: renormStddev[c])
                r[c] = Double(k.r)
                d[c] = Double(k.d)
            }
            effectiveGamma = gamma.map { g in (0..<channels).map { r[$0] * Double(g[$0]) } } ?? r
            correction = (r, d)
        }

        var paramStrides = Array(repeating: 0, count: rank)
        paramStrides[a] = 1
        let walk = NormWalk(
            shape: shape, strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), paramStrides, paramStrides, maskStrides))
        let perChannel = Double(MemoryBudget.saturatingProduct(shape) / Swift.max(channels, 1))
        let centre =
            training
            ? normExactMeans(input, walk: walk, mean: mean, factor: factor, count: perChannel, mask: mask, maskEpsilon: T(Self.maskEpsilon))
            : mean.map(Double.init)
        let coefficients: ((NormalizationGradientKernels.Sums) -> NormalizationGradientKernels.Coefficients)? =
            training
            ? { sums in
                var a = [Double](repeating: 0, count: channels), b = a
                for c in 0..<channels {
                    let r = factor[c]
                    var w = perChannel, dependence = 0.0
                    if !sums.count.isEmpty {
                        w = normMaskDivisor(sums.count[c], maskEpsilon: T(Self.maskEpsilon))
                        dependence = centre[c] * (w - sums.count[c]) / w
                    }
                    a[c] = (sums.upstream[c] - r * r * sums.moment[c] * dependence) / w
                    b[c] = r * r * sums.moment[c] / w
                }
                return .init(a: a, b: b, centre: centre)
            } : nil
        let (dx, sums) = normBackward(
            input, upstream: upstream, walk: walk, statistics: channels, parameters: parameters,
            centre: centre, factor: factor, gamma: effectiveGamma, mask: mask, coefficients: coefficients)
        var weights: [String: Tensor<T>] = [:]
        if let sums, trainable {
            if scale {
                let dGamma = correction.map { k in (0..<channels).map { k.r[$0] * sums.scale[$0] + k.d[$0] * sums.offset[$0] } } ?? sums.scale
                weights["gamma"] = normVariableGradient(dGamma, shape: vectorShape)
            }
            if center { weights["beta"] = normVariableGradient(sums.offset, shape: vectorShape) }
        }
        return LayerGradients(input: dx, weights: weights)
    }
}
