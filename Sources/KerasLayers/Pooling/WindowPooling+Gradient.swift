import KerasJSON

// The backward pass of MaxPooling1D/2D/3D and AveragePooling1D/2D/3D, for L = Σ y · dy:
//
//     max:     dx[b, i, c] = Σ_{o : i = argmax_{j ∈ W(o)} x[b, j, c]} dy[b, o, c]
//     average: dx[b, i, c] = Σ_{o : i ∈ W(o)} dy[b, o, c] / |W(o)|
//
// with the forward windows W(o) (`PoolingGeometry`: valid or same padding, strides) clipped to
// the real input; the average's divisor |W(o)| counts real elements only, as the forward pass
// divides (padding takes no gradient). channels_first alike.
//
// Ties. Among equal maxima in a window the first in row-major window order takes the whole
// gradient. Both backends do this for MaxPooling1D/2D, reproduced with Keras 3.15.1:
// MaxPooling1D(3, strides=1) on x = [1, 3, 3, 2, 3] with dy = [1, 2, 3] gives dx = [0, 3, 3, 0, 0]
// on TensorFlow (`MaxPoolGrad`) and on JAX (`select_and_scatter_add` with `ge`, XLA's window
// order); MaxPooling2D(2) on [[5, 1], [1, 5]] gives dx = [[1, 0], [0, 0]]. For MaxPooling3D,
// JAX keeps this rule but TensorFlow's `MaxPool3DGrad` gives the full value to every element
// equal to the window's maximum; we follow JAX (the generator's `max_pooling_ties` cases
// record both, and the comparator's envelope spans them). A NaN in a window takes the
// gradient (the last NaN), as the forward max reducer selects it.
//
// Average pooling with a window longer than the input. With `same` padding and stride 1,
// TensorFlow's `AvgPoolGrad` disagrees with its own forward pass when the window is longer
// than the input in some shapes: AveragePooling1D(5, strides=1, padding="same") on 4 steps
// divides y[0] by its 3 real elements but sends dy[0] / 4 to all 4 steps (likewise length 6,
// pool 7). JAX's gradient is the VJP of the forward pass both backends compute — the formula
// above — and we follow it.

extension WindowPooling {
    /// The vector-Jacobian product of `call` (see the file comment); `upstream` has the output's shape.
    func gradient<T: ComputeScalar>(_ input: Tensor<T>, upstream: Tensor<T>, budget: inout MemoryBudget) throws(KerasLayerError) -> Tensor<T> {
        let (layout, axes) = try geometry(forInputShape: input.shape)
        let (planes, channels) = layout.kernelPlanes
        if mode == .max {
            let scratch = PoolingWindowGradientKernels.scratchCount(planes: planes, channels: channels)
            try budget.reserve(scratch, of: (T, Int).self, for: "the kernel's running maxima and their positions", layer: className)
        }
        let padded = [PoolingBoxAxis](repeating: .trivial, count: 3 - axes.count) + axes.map(PoolingBoxAxis.sliding)
        let (d, h, w) = (padded[0], padded[1], padded[2])
        return try input.scalars.withUnsafeBufferPointer { source throws(KerasLayerError) in
            try upstream.scalars.withUnsafeBufferPointer { dyBuffer throws(KerasLayerError) in
                try Tensor.poolingGradient(shape: input.shape, layer: className, budget: &budget) { dx in
                    guard let x = source.baseAddress, let dy = dyBuffer.baseAddress else { return }
                    switch mode {
                    case .max:
                        PoolingWindowGradientKernels.maxGradient(
                            input: x, upstream: dy, gradient: dx, planes: planes, channels: channels, d: d, h: h, w: w, order: .rowMajor)
                    case .average:
                        PoolingWindowGradientKernels.averageGradient(
                            upstream: dy, gradient: dx, planes: planes, channels: channels, d: d, h: h, w: w)
                    }
                }
            }
        }
    }
}

extension WindowPoolingLayer where Self: DifferentiableLayer {
    /// The vector-Jacobian product of `call` (see `WindowPooling+Gradient.swift`). A mask in
    /// `options` is ignored, as `call` ignores it.
    /// - Throws: `KerasLayerError.invalidInput` when `upstream` does not have the output's
    ///   shape, and what `call` throws for `input`.
    public func gradient<T: ComputeScalar>(of input: Tensor<T>, upstream: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<T> {
        try checkUpstreamShape(input: input, upstream: upstream)
        var budget = options.memoryBudget
        return LayerGradients(input: try core.gradient(input, upstream: upstream, budget: &budget))
    }
}

extension MaxPooling1D: DifferentiableLayer {}
extension MaxPooling2D: DifferentiableLayer {}
extension MaxPooling3D: DifferentiableLayer {}
extension AveragePooling1D: DifferentiableLayer {}
extension AveragePooling2D: DifferentiableLayer {}
extension AveragePooling3D: DifferentiableLayer {}
