// The backward pass of AdaptiveMaxPooling1D/2D/3D and AdaptiveAveragePooling1D/2D/3D, for
// L = Σ y · dy, with the forward windows W(o) = W₁(o₁) × … × W_N(o_N),
// W_k(o) = [⌊o·n_k/out_k⌋, ⌈(o + 1)·n_k/out_k⌉) (`PoolingGeometry.adaptiveWindow`), which
// overlap, so an input element collects the gradient of every output whose window holds it:
//
//     max:     dx[b, i, c] = Σ_{o : i = argmax_{j ∈ W(o)} x[b, j, c]} dy[b, o, c]
//     average: dx[b, i, c] = Σ_{o : i ∈ W(o)} dy[b, o, c] / Π_k |W_k(o_k)|
//
// Keras runs adaptive pooling one axis at a time (a stride-1 pool of the "small" and of the
// "big" window length, then a gather), so its gradient comes back through the gathers
// (scatter-adds, which sum the overlapping windows) and one 1-D pooling gradient per axis.
// For the average that is the formula above; we divide once by the product instead of once
// per axis, so results agree to the compute type's rounding, not bit for bit.
//
// Ties. Each 1-D max pass routes to the first maximum along its axis, and the width pass is
// differentiated first, so among equal maxima of a window the one with the smallest width
// index takes the gradient, then the smallest height, then depth (`lastAxisFirst`).
// Reproduced with Keras 3.15.1 on both backends: AdaptiveMaxPooling2D(1) on [[1, 5], [5, 1]]
// gives dx = [[0, 0], [1, 0]] (MaxPooling2D(2) gives [[0, 1], [0, 0]]). AdaptiveMaxPooling3D
// follows this rule on JAX; on TensorFlow each per-axis pass is a `MaxPool3D`, whose gradient
// goes to every tied maximum (see `WindowPooling+Gradient.swift`); we follow JAX.
// TensorFlow's backward of AdaptiveMaxPooling with output size 1 reads uninitialized memory
// (its unused "big" pool is longer than the axis, see `AdaptivePooling.swift`) and returns
// garbage.

extension AdaptivePooling {
    /// The vector-Jacobian product of `call` (see the file comment); `upstream` has the output's shape.
    func gradient<T: ComputeScalar>(_ input: Tensor<T>, upstream: Tensor<T>, budget: inout MemoryBudget) throws(KerasLayerError) -> Tensor<T> {
        if input.count == 0 || upstream.count == 0 {
            // Nothing to differentiate; the forward pass still refuses an empty input with a
            // nonempty output.
            _ = try call(input, budget: &budget)
            return try Tensor(repeating: 0, shape: input.shape)
        }
        let layout = SpatialLayout(shape: input.shape, dataFormat: dataFormat)
        let (planes, channels) = layout.kernelPlanes
        if mode == .max {
            let scratch = PoolingWindowGradientKernels.scratchCount(planes: planes, channels: channels)
            try budget.reserve(scratch, of: (T, Int).self, for: "the kernel's running maxima and their positions", layer: className)
        }
        let axes = zip(layout.spatial, outputSize).map { PoolingBoxAxis.adaptive(inputSize: $0, outputSize: $1) }
        let padded = [PoolingBoxAxis](repeating: .trivial, count: 3 - axes.count) + axes
        let (d, h, w) = (padded[0], padded[1], padded[2])
        return try input.scalars.withUnsafeBufferPointer { source throws(KerasLayerError) in
            try upstream.scalars.withUnsafeBufferPointer { dyBuffer throws(KerasLayerError) in
                try Tensor.poolingGradient(shape: input.shape, layer: className, budget: &budget) { dx in
                    guard let x = source.baseAddress, let dy = dyBuffer.baseAddress else { return }
                    switch mode {
                    case .max:
                        PoolingWindowGradientKernels.maxGradient(
                            input: x, upstream: dy, gradient: dx, planes: planes, channels: channels, d: d, h: h, w: w,
                            order: .lastAxisFirst)
                    case .average:
                        PoolingWindowGradientKernels.averageGradient(
                            upstream: dy, gradient: dx, planes: planes, channels: channels, d: d, h: h, w: w)
                    }
                }
            }
        }
    }
}

extension AdaptivePoolingLayer where Self: DifferentiableLayer {
    /// The vector-Jacobian product of `call` (see `AdaptivePooling+Gradient.swift`). A mask
    /// in `options` is ignored, as `call` ignores it.
    /// - Throws: `KerasLayerError.invalidInput` when `upstream` does not have the output's
    ///   shape, and what `call` throws for `input`.
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        var budget = options.memoryBudget
        return LayerGradients(input: try core.gradient(input, upstream: upstream, budget: &budget))
    }
}

extension AdaptiveMaxPooling1D: DifferentiableLayer {}
extension AdaptiveMaxPooling2D: DifferentiableLayer {}
extension AdaptiveMaxPooling3D: DifferentiableLayer {}
extension AdaptiveAveragePooling1D: DifferentiableLayer {}
extension AdaptiveAveragePooling2D: DifferentiableLayer {}
extension AdaptiveAveragePooling3D: DifferentiableLayer {}
