import KerasJSON
/// The window and padding arithmetic every pooling layer shares, in one place.
///
/// Keras's rules (`keras/src/ops/operation_utils.py::compute_pooling_output_shape` for the
/// sizes, TensorFlow's and XLA's `SAME` convention for where the padding goes):
///
/// - `valid`: out = ⌊(n − k) / s⌋ + 1, windows start at i·s, no padding; out ≤ 0 is an error.
/// - `same`: out = ⌈n / s⌉; pad_total = max((out − 1)·s + k − n, 0),
///   pad_before = ⌊pad_total / 2⌋, pad_after = pad_total − pad_before; window i covers
///   input indices [i·s − pad_before, i·s − pad_before + k) clipped to [0, n).
///   Every `same` window holds at least one real element (pad_before < k and (out − 1)·s < n).
/// - adaptive: window i of `out` over n covers [⌊i·n / out⌋, ⌈(i + 1)·n / out⌉).
enum PoolingGeometry {
    /// Output length of one axis, or nil when a `valid` window does not fit (Keras: "Computed
    /// output size would be zero or negative").
    static func outputSize(inputSize n: Int, window k: Int, stride s: Int, padding: Padding) -> Int? {
        switch padding {
        case .valid:
            guard n >= k else { return nil }
            return (n - k) / s + 1
        case .same:
            return (n + s - 1) / s
        }
    }

    /// The `(before, after)` padding of one axis: TF/XLA `SAME` puts the odd element after.
    static func padding(inputSize n: Int, window k: Int, stride s: Int, padding: Padding) -> (before: Int, after: Int) {
        guard padding == .same else { return (0, 0) }
        let out = (n + s - 1) / s
        let total = max((out - 1) * s + k - n, 0)
        return (total / 2, total - total / 2)
    }

    /// The geometry of one spatial axis, or nil when a `valid` window does not fit.
    static func axis(inputSize n: Int, window k: Int, stride s: Int, padding: Padding) -> PoolingAxis? {
        guard let out = outputSize(inputSize: n, window: k, stride: s, padding: padding) else { return nil }
        let pad = self.padding(inputSize: n, window: k, stride: s, padding: padding)
        return PoolingAxis(inputSize: n, window: k, stride: s, padBefore: pad.before, outputSize: out)
    }

    /// Adaptive pooling's window for output `i` of `out` over an axis of length `n`:
    /// [⌊i·n / out⌋, ⌈(i + 1)·n / out⌉). Its length is ⌈n / out⌉ or ⌈n / out⌉ + 1 (Keras's
    /// "small" and "big" windows), so the two-pool gather Keras uses picks exactly this window.
    @inline(__always)
    static func adaptiveWindow(_ i: Int, inputSize n: Int, outputSize out: Int) -> (start: Int, end: Int) {
        let start = (i * n) / out
        let end = ((i + 1) * n + out - 1) / out
        return (start, end)
    }

    /// Keras accepts `strides` containing 0 when it builds the layer (`allow_zero=True`), but
    /// every backend rejects it when the layer runs (TF: "Stride must be > 0"; JAX:
    /// "window_strides must have every element be strictly positive"), so we reject it up front.
    static func rejectZeroStrides(_ strides: [Int], layer: String) throws(KerasLayerError) {
        if strides.contains(0) {
            throw .invalidConfig(
                layer: layer, argument: "strides",
                message:
                    "Stride must be > 0, but got strides=\(PythonLiteral.tuple(strides)) (Keras builds the layer, but every backend rejects a zero stride when it runs)"
            )
        }
    }

    /// Keras's `InputSpec(ndim=...)` check, with Keras's message.
    static func checkRank(_ shape: [Int], expected: Int, layerName: String) throws(KerasLayerError) {
        guard shape.count == expected else {
            throw .invalidInput(
                "Input 0 of layer '\(layerName)' is incompatible with the layer: expected ndim=\(expected), found ndim=\(shape.count). Full shape received: \(PythonLiteral.tuple(shape))"
            )
        }
    }

    /// Keras's automatic layer name: `to_snake_case(class name)`, e.g. `max_pooling2d`.
    static func defaultName(_ className: String) -> String {
        var result = ""
        let chars = Array(className)
        for (i, c) in chars.enumerated() {
            if c.isUppercase, i > 0 {
                let previous = chars[i - 1]
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                // (.)([A-Z][a-z]+) -> \1_\2, then ([a-z])([A-Z]) -> \1_\2
                if nextIsLower || previous.isLowercase { result.append("_") }
            }
            result.append(contentsOf: c.lowercased())
        }
        return result
    }

    /// The layer's `name` from the config, else Keras's automatic name.
    static func layerName(_ config: LayerConfig, className: String) -> String {
        config.value("name")?.stringValue ?? defaultName(className)
    }
}

/// The geometry of one spatial axis of a sliding-window pooling.
struct PoolingAxis: Sendable, Equatable {
    var inputSize: Int
    var window: Int
    var stride: Int
    var padBefore: Int
    var outputSize: Int

    /// An axis that does nothing (size 1, window 1): fills the unused leading axes when a
    /// 1-D or 2-D pooling runs through the 3-D kernels.
    static let trivial = PoolingAxis(inputSize: 1, window: 1, stride: 1, padBefore: 0, outputSize: 1)

    /// The window offsets j (0 ≤ j < window) that reach the input for some output o, i.e.
    /// 0 ≤ o·stride + j − padBefore < inputSize: at most inputSize + (outputSize − 1)·stride
    /// of them, however large the window (a `same` window larger than the input pads).
    var usedOffsets: Range<Int> {
        let lower = Swift.max(0, padBefore - (outputSize - 1) * stride)
        let upper = Swift.min(window, inputSize + padBefore)
        return lower..<Swift.max(lower, upper)
    }

    /// Output `o`'s window clipped to the real input: input indices `lower..<upper`.
    @inline(__always)
    func window(_ o: Int) -> (lower: Int, upper: Int) {
        let start = o * stride - padBefore
        return (Swift.max(start, 0), Swift.min(start + window, inputSize))
    }
}

/// Where batch, channels and the spatial axes sit in a pooling input.
struct SpatialLayout: Sendable, Equatable {
    var batch: Int
    var channels: Int
    var spatial: [Int]
    var dataFormat: DataFormat

    /// Reads a shape already checked to have rank `spatial count + 2`.
    init(shape: [Int], dataFormat: DataFormat) {
        self.batch = shape[0]
        self.dataFormat = dataFormat
        switch dataFormat {
        case .channelsLast:
            channels = shape[shape.count - 1]
            spatial = Array(shape[1..<(shape.count - 1)])
        case .channelsFirst:
            channels = shape[1]
            spatial = Array(shape[2...])
        }
    }

    /// The shape of a tensor with these batch and channels and the given spatial sizes.
    func shape(spatial newSpatial: [Int]) -> [Int] {
        switch dataFormat {
        case .channelsLast: return [batch] + newSpatial + [channels]
        case .channelsFirst: return [batch, channels] + newSpatial
        }
    }
}
