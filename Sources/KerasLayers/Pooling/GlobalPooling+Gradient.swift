// The backward pass of GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D, for
// L = Σ y · dy, with S = Π n_k spatial positions (channels_first alike; `keepdims` only
// reshapes dy):
//
//     GlobalAveragePooling: dx[b, i, c] = dy[b, c] / S
//     GlobalMaxPooling:     dx[b, i, c] = (dy[b, c] / n[b, c]) · [x[b, i, c] = y[b, c]],
//                           n[b, c] = #{i : x[b, i, c] = y[b, c]}
//
// Keras's `ops.max` shares the gradient equally among tied maxima on both backends (JAX's
// reduce-max differentiation rule; TF's `_MinOrMaxGrad`), unlike max *pooling*, which routes it
// to one element. Reproduced with Keras 3.15.1: GlobalMaxPooling1D on x = [1, 3, 3, 2, 3] with
// dy = 1 gives dx = [0, 1/3, 1/3, 0, 1/3] on TensorFlow and on JAX.
//
// GlobalAveragePooling1D with a mask m (Keras: `sum(where(m, x, 0)) / divisor`, see
// `GlobalPooling.swift` for the divisor):
//
//     dx[b, t, c] = m̄[b, t] ≠ 0 ? dy[b, c] / divisor[b] : 0
//
// so masked steps (and the steps of a fully masked row, whose output is NaN) get zero.

extension GlobalPooling {
    /// The vector-Jacobian product of `call` (see the file comment); `upstream` has the output's shape.
    func gradient<T: ComputeScalar>(_ input: Tensor<T>, upstream: Tensor<T>, mask: Tensor<UInt8>?, budget: inout MemoryBudget) throws(KerasLayerError)
        -> Tensor<T>
    {
        if input.count == 0 {
            // Nothing to differentiate; the forward pass still refuses what it refuses
            // (a maximum over zero positions, a mask of the wrong shape).
            _ = try call(input, mask: mask, budget: &budget)
            return Tensor(uncheckedShape: input.shape, scalars: [])
        }
        let layout = SpatialLayout(shape: input.shape, dataFormat: dataFormat)
        let positions = layout.spatial.reduce(1, *)
        if acceptsMask, let mask {
            let stepMask = try stepMask(mask, inputShape: input.shape, budget: &budget)
            let (stepStride, channelStride) = dataFormat == .channelsLast ? (layout.channels, 1) : (1, positions)
            let typedDivisors = stepMask.divisors.map { T($0) }
            return try upstream.scalars.withUnsafeBufferPointer { dyBuffer throws(KerasLayerError) in
                try mask.scalars.withUnsafeBufferPointer { maskBuffer throws(KerasLayerError) in
                    try typedDivisors.withUnsafeBufferPointer { divisors throws(KerasLayerError) in
                        try Tensor.poolingGradient(shape: input.shape, layer: className, budget: &budget) { dx in
                            guard let dy = dyBuffer.baseAddress, let m = maskBuffer.baseAddress else { return }
                            PoolingReduceGradientKernels.maskedMeanGradient(
                                upstream: dy, gradient: dx, batch: layout.batch, steps: positions, channels: layout.channels,
                                stepStride: stepStride, channelStride: channelStride,
                                keep: { b, t in m[b * stepMask.batchStride + t * stepMask.stepStride] != 0 }, divisors: divisors)
                        }
                    }
                }
            }
        }
        let (planes, channels) = layout.kernelPlanes
        if mode == .max {
            let scratch = PoolingWindowGradientKernels.scratchCount(planes: planes, channels: channels)
            try budget.reserve(scratch, of: (T, T).self, for: "the kernel's maxima and shares", layer: className)
        }
        return try input.scalars.withUnsafeBufferPointer { source throws(KerasLayerError) in
            try upstream.scalars.withUnsafeBufferPointer { dyBuffer throws(KerasLayerError) in
                try Tensor.poolingGradient(shape: input.shape, layer: className, budget: &budget) { dx in
                    guard let x = source.baseAddress, let dy = dyBuffer.baseAddress else { return }
                    switch mode {
                    case .max:
                        PoolingReduceGradientKernels.maxGradient(
                            input: x, upstream: dy, gradient: dx, planes: planes, positions: positions, channels: channels)
                    case .average:
                        PoolingReduceGradientKernels.meanGradient(
                            upstream: dy, gradient: dx, planes: planes, positions: positions, channels: channels)
                    }
                }
            }
        }
    }
}

extension GlobalPoolingLayer where Self: DifferentiableLayer {
    /// The vector-Jacobian product of `call` (see `GlobalPooling+Gradient.swift`), with the
    /// mask in `options` for GlobalAveragePooling1D (ignored by the others, as in `call`).
    /// - Throws: `KerasLayerError.invalidInput` when `upstream` does not have the output's
    ///   shape, and what `call` throws for `input` and the mask.
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        var budget = options.memoryBudget
        return LayerGradients(input: try core.gradient(input, upstream: upstream, mask: options.mask, budget: &budget))
    }
}

extension GlobalMaxPooling1D: DifferentiableLayer {}
extension GlobalMaxPooling2D: DifferentiableLayer {}
extension GlobalMaxPooling3D: DifferentiableLayer {}
extension GlobalAveragePooling1D: DifferentiableLayer {}
extension GlobalAveragePooling2D: DifferentiableLayer {}
extension GlobalAveragePooling3D: DifferentiableLayer {}
