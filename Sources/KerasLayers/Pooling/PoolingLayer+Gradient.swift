import KerasJSON

// What the backward passes of the pooling families share: the kernels' view of a layout and
// the budgeted allocation of the input gradient.

extension SpatialLayout {
    /// The gradient kernels' view `[planes, spatial…, channels]` of this layout: channels_last
    /// keeps the channels innermost (planes = batch); channels_first makes every (batch,
    /// channel) pair a plane of one channel.
    var kernelPlanes: (planes: Int, channels: Int) {
        switch dataFormat {
        case .channelsLast: return (batch, channels)
        case .channelsFirst: return (batch * channels, 1)
        }
    }
}

extension Tensor where Scalar: ComputeScalar {
    /// The input gradient of `shape`: reserved in `budget` for `layer`, then filled by `body`
    /// (which writes every element; it is not called for an empty shape, whose gradient is empty).
    static func poolingGradient(
        shape: [Int], layer: String, budget: inout MemoryBudget, _ body: (UnsafeMutablePointer<Scalar>) -> Void
    ) throws(KerasLayerError) -> Tensor<Scalar> {
        let count = MemoryBudget.saturatingProduct(shape)
        try budget.reserve(count, of: Scalar.self, for: "the input gradient of shape \(PythonLiteral.tuple(shape))", layer: layer)
        return Tensor(uncheckedShape: shape, scalars: makeFilledArray(count: count, body))
    }
}
