import KerasJSON
// Adaptive pooling, Keras 3.15.1 `AdaptiveMaxPooling1D/2D/3D` and
// `AdaptiveAveragePooling1D/2D/3D` (`keras/src/layers/pooling/base_adaptive_pooling.py`,
// `ops.adaptive_max_pool` / `ops.adaptive_average_pool`).
//
// Mathematics. The output has the requested spatial size out_k on every axis, whatever the
// input size n_k (smaller, equal or larger). Output index o on axis k pools the input window
//
//     W_k(o) = [⌊o·n_k / out_k⌋, ⌈(o + 1)·n_k / out_k⌉)
//
// whose length is ⌈n_k/out_k⌉ or ⌈n_k/out_k⌉ + 1 (Keras's "small" and "big" windows; its
// backends pool both sizes with stride 1 and gather the window starting at ⌊o·n_k/out_k⌋, which
// is exactly W_k(o)). Windows may overlap, and when out_k > n_k input elements repeat.
//
//     AdaptiveMaxPooling:     y[b, o, c] = max { x[b, i, c] : i ∈ W₁(o₁) × … × W_N(o_N) }
//     AdaptiveAveragePooling: y = mean over W_N of ( … (mean over W₁ of x) … )
//
// Keras computes both separably, one spatial axis at a time in order (depth, height, width),
// each pass a float32 sum over the window divided by its length; we do the same, so the mean
// rounds as Keras's does (mathematically it is the mean over the whole box). For max the
// separable and direct forms are identical.
//
// NaN: max propagates NaN as on JAX (TensorFlow's pooling kernels skip NaN; see MaxPooling).
// The TF backend's adaptive max also crashes the process (SIGFPE in oneDNN) when the unused
// "big" window is longer than the axis (output size 1); JAX and this implementation give the
// global max there (adaptive average with output size 1 works on both backends).
//
// `output_size`: an int (used for every axis) or a list of one int per axis; values ≤ 0 are
// rejected (Keras builds such a layer but fails when it runs: division by zero or a negative
// window). `data_format` is checked exactly as Keras's adaptive layers do: `channels_first` or
// `channels_last`, case-sensitive; null or "" mean channels_last. Keras declares no input rank
// for these layers (a rank-3 input to a 2-D layer silently runs the 1-D pooling); we require
// rank N + 2 and report it like Keras's other pooling layers.

/// The shared implementation of the six adaptive pooling layers. Opaque outside this module, and typed by
/// its layer: a layer's `core` can only rebuild that layer (never, say, a 1-D average pooling
/// inside a `MaxPooling3D`).
public struct AdaptivePooling<Layer: AdaptivePoolingLayer>: Sendable, Equatable {
    let className: String
    let name: String
    let mode: PoolingMode
    let outputSize: [Int]
    let dataFormat: DataFormat
    let dtypePolicy: DTypePolicy

    var spatialRank: Int { outputSize.count }

    init(
        className: String, rank: Int, mode: PoolingMode,
        outputSize: [Int], dataFormat: DataFormat, name: String?, dtypePolicy: DTypePolicy
    ) throws(KerasLayerError) {
        self.dtypePolicy = dtypePolicy
        guard outputSize.count == rank else {
            throw .invalidConfig(
                layer: className, argument: "output_size", message: AdaptivePooling.shapeMessage(rank: rank, received: PythonLiteral.tuple(outputSize)))
        }
        try AdaptivePooling.checkPositive(outputSize, layer: className)
        self.className = className
        self.name = name ?? PoolingGeometry.defaultName(className)
        self.mode = mode
        self.outputSize = outputSize
        self.dataFormat = dataFormat
    }

    init(className: String, rank: Int, mode: PoolingMode, config: LayerConfig) throws(KerasLayerError) {
        guard let value = config.value("output_size") else {
            throw config.error("output_size", "\(className).__init__() missing 1 required positional argument: 'output_size'")
        }
        var sizes: [Int]
        if let n = value.intValue, case .int = value {
            sizes = [Int](repeating: n, count: rank)
        } else if let list = value.arrayValue {
            sizes = []
            for element in list {
                guard let n = element.intValue else {
                    throw config.error("output_size", "`output_size` must contain integers. Received: \(value.jsonText)")
                }
                sizes.append(n)
            }
            guard sizes.count == rank else {
                throw config.error("output_size", AdaptivePooling.shapeMessage(rank: rank, received: PythonLiteral.tuple(sizes)))
            }
        } else {
            throw config.error("output_size", AdaptivePooling.shapeMessage(rank: rank, received: value.jsonText, typeError: true))
        }
        try AdaptivePooling.checkPositive(sizes, layer: className)
        // `self.data_format = data_format or config.image_data_format()`, then an exact check.
        var format = DataFormat.channelsLast
        if let v = config.value("data_format") {
            guard let s = v.stringValue else {
                throw config.error("data_format", "Invalid data_format: \(v.jsonText). Expected 'channels_first' or 'channels_last'.")
            }
            if !s.isEmpty {
                guard let f = DataFormat(rawValue: s) else {
                    throw config.error("data_format", "Invalid data_format: \(s). Expected 'channels_first' or 'channels_last'.")
                }
                format = f
            }
        }
        self.className = className
        self.name = PoolingGeometry.layerName(config, className: className)
        self.mode = mode
        self.outputSize = sizes
        self.dataFormat = format
        self.dtypePolicy = try config.dtypePolicy()
    }

    /// Keras's messages for an `output_size` of the wrong length or type.
    static func shapeMessage(rank: Int, received: String, typeError: Bool = false) -> String {
        switch rank {
        case 1:
            return typeError
                ? "`output_size` must be an integer or tuple of 1 integer. Received: \(received)"
                : "For 1D input, `output_size` tuple must have length 1. Received: \(received)"
        case 2: return "`output_size` must be an integer or (height, width) tuple. Received: \(received)"
        default: return "`output_size` must be an integer or (depth, height, width) tuple. Received: \(received)"
        }
    }

    static func checkPositive(_ sizes: [Int], layer: String) throws(KerasLayerError) {
        if sizes.contains(where: { $0 <= 0 }) {
            throw .invalidConfig(
                layer: layer, argument: "output_size",
                message:
                    "`output_size` must be positive integers. Received: output_size=\(PythonLiteral.tuple(sizes)) (Keras builds the layer but fails when it runs)"
            )
        }
    }

    /// Keras's `compute_output_shape`, after the rank check Keras leaves out.
    func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] {
        try PoolingGeometry.checkRank(shape, expected: spatialRank + 2, layerName: name)
        let output = SpatialLayout(shape: shape, dataFormat: dataFormat).shape(spatial: outputSize)
        _ = try Tensor<Float>.checkedCount(output)  // output_size may ask for more than exists
        return output
    }

    /// Pools `input` in its own element type, one spatial axis per pass; for the mean every
    /// addition and division rounds to `Element` (see `MeanPoolingReducer`), and so does every
    /// intermediate between passes.
    func call<Element: TensorElement>(_ input: Tensor<Element>, budget: inout MemoryBudget) throws(KerasLayerError) -> Tensor<Element> {
        let outShape = try outputShape(forInputShape: input.shape)
        var layout = SpatialLayout(shape: input.shape, dataFormat: dataFormat)
        if outShape.contains(0) || input.count == 0 {
            if input.count == 0, outShape.reduce(1, *) > 0 {
                throw .invalidInput(
                    "\(className) '\(name)': cannot pool an empty spatial input \(PythonLiteral.tuple(input.shape)) to output_size \(PythonLiteral.tuple(outputSize))"
                )
            }
            return Tensor(uncheckedShape: outShape, scalars: [])
        }
        if Element.self != Element.Compute.self {
            try budget.reserve(input.count, of: Element.Compute.self, for: "the input widened to \(Element.Compute.self)", layer: className)
        }
        var current = Element.widen(input.scalars)
        // One pass per spatial axis, in order; an axis already at its output size is unchanged.
        for k in 0..<spatialRank where layout.spatial[k] != outputSize[k] {
            let length = layout.spatial[k]
            let outLength = outputSize[k]
            let before = layout.spatial[..<k].reduce(1, *)
            let after = layout.spatial[(k + 1)...].reduce(1, *)
            let (outer, inner): (Int, Int)
            switch dataFormat {
            case .channelsLast: (outer, inner) = (layout.batch * before, after * layout.channels)
            case .channelsFirst: (outer, inner) = (layout.batch * layout.channels * before, after)
            }
            // Every pass is reserved before it is allocated (an early pass may be the largest);
            // the previous intermediate is released once the pass has read it.
            let passShape = layout.shape(spatial: layout.spatial.enumerated().map { $0.offset == k ? outLength : $0.element })
            let count = MemoryBudget.saturatingProduct(passShape)
            try budget.reserve(
                count, of: Element.Compute.self,
                for: "the pass over spatial axis \(k + 1) (an intermediate of shape \(PythonLiteral.tuple(passShape)))", layer: className)
            let previous = current.count
            let previousIsIntermediate = previous != input.count || k > 0
            current = current.withUnsafeBufferPointer { source in
                makeFilledArray(count: count) { out in
                    guard let x = source.baseAddress else { return }
                    switch mode {
                    case .max:
                        PoolingReduceKernels.adaptiveAxis(
                            MaxPoolingReducer<Element.Compute>.self, input: x, output: out,
                            outer: outer, length: length, outLength: outLength, inner: inner)
                    case .average:
                        PoolingReduceKernels.adaptiveAxis(
                            MeanPoolingReducer<Element>.self, input: x, output: out,
                            outer: outer, length: length, outLength: outLength, inner: inner)
                    }
                }
            }
            layout.spatial[k] = outLength
            if previousIsIntermediate || Element.self != Element.Compute.self { budget.release(previous, of: Element.Compute.self) }
        }
        return Tensor(uncheckedShape: outShape, scalars: Element.narrow(current))
    }
}

/// AdaptiveMaxPooling1D/2D/3D and AdaptiveAveragePooling1D/2D/3D: a layer that forwards to an
/// `AdaptivePooling`. A conforming type names its `className`, `spatialRank`, `mode` and `core`.
public protocol AdaptivePoolingLayer: PoolingLayer {
    /// The shared implementation the layer forwards to.
    var core: AdaptivePooling<Self> { get }
    /// Wraps `core`, which the shared initializers build for this type (class name, rank, mode).
    init(core: AdaptivePooling<Self>)
}

extension AdaptivePoolingLayer {
    /// The spatial output size, one value per axis.
    public var outputSize: [Int] { core.outputSize }
    public var dataFormat: DataFormat { core.dataFormat }
    /// The layer name used in error messages (Keras's automatic name, the class name in snake
    /// case such as `adaptive_max_pooling2d`, unless given).
    public var name: String { core.name }

    /// Keras's `AdaptiveMaxPoolingND` / `AdaptiveAveragePoolingND(output_size, data_format=None)`.
    /// - Throws: `KerasLayerError.invalidConfig` when `outputSize` does not have `spatialRank`
    ///   values or holds a value ≤ 0.
    public init(
        outputSize: [Int], dataFormat: DataFormat = .channelsLast, name: String? = nil, dtype: DTypePolicy = .float32
    ) throws(KerasLayerError) {
        self.init(
            core: try AdaptivePooling<Self>(
                className: Self.className, rank: Self.spatialRank, mode: Self.mode,
                outputSize: outputSize, dataFormat: dataFormat, name: name, dtypePolicy: dtype))
    }

    /// The same size on every spatial axis, as Keras accepts an int.
    public init(
        outputSize: Int, dataFormat: DataFormat = .channelsLast, name: String? = nil, dtype: DTypePolicy = .float32
    ) throws(KerasLayerError) {
        try self.init(outputSize: [Int](repeating: outputSize, count: Self.spatialRank), dataFormat: dataFormat, name: name, dtype: dtype)
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        self.init(core: try AdaptivePooling<Self>(className: Self.className, rank: Self.spatialRank, mode: Self.mode, config: config))
    }

    /// Keras's `compute_output_shape`.
    public func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] {
        try core.outputShape(forInputShape: shape)
    }

    /// Pools `input`. A mask in `options` is ignored (Keras's `call` has no `mask` argument).
    public func call(_ input: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerOutput {
        LayerOutput(output: try typedCall(input, options: options))
    }

    public var dtypePolicy: DTypePolicy { core.dtypePolicy }

    /// Pools `input` under the layer's dtype policy (see `PoolingDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        let cast = try PoolingDTypes.autocast(input, policy: dtypePolicy, mode: Self.mode, layer: Self.className)
        return AnyLayerOutput(output: try cast.visit(AdaptivePoolingVisitor(core: core, budget: options.memoryBudget)))
    }
}

/// Runs an adaptive pooling on the typed tensor inside an `AnyTensor`.
private struct AdaptivePoolingVisitor<Layer: AdaptivePoolingLayer>: AnyTensorVisitor {
    let core: AdaptivePooling<Layer>
    let budget: MemoryBudget

    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) throws(KerasLayerError) -> AnyTensor {
        var budget = self.budget
        return AnyTensor(try core.call(tensor, budget: &budget))
    }
}

/// `keras.layers.AdaptiveMaxPooling1D`: the maximum over adaptive windows, so that the spatial
/// axis (steps) come out at exactly `outputSize` (see the file comment). Input
/// `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)` (channels_first).
public struct AdaptiveMaxPooling1D: AdaptivePoolingLayer {
    public static let className = "AdaptiveMaxPooling1D"
    public static let spatialRank = 1
    public static let mode = PoolingMode.max
    public let core: AdaptivePooling<AdaptiveMaxPooling1D>
    public init(core: AdaptivePooling<AdaptiveMaxPooling1D>) { self.core = core }
}

/// `keras.layers.AdaptiveMaxPooling2D`: the maximum over adaptive windows, so that the spatial
/// axes (rows, cols) come out at exactly `outputSize` (see the file comment). Input
/// `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)` (channels_first).
public struct AdaptiveMaxPooling2D: AdaptivePoolingLayer {
    public static let className = "AdaptiveMaxPooling2D"
    public static let spatialRank = 2
    public static let mode = PoolingMode.max
    public let core: AdaptivePooling<AdaptiveMaxPooling2D>
    public init(core: AdaptivePooling<AdaptiveMaxPooling2D>) { self.core = core }
}

/// `keras.layers.AdaptiveMaxPooling3D`: the maximum over adaptive windows, so that the spatial
/// axes (dim1, dim2, dim3) come out at exactly `outputSize` (see the file comment). Input
/// `(batch, dim1, dim2, dim3, channels)` (channels_last) or `(batch, channels, dim1, dim2, dim3)` (channels_first).
public struct AdaptiveMaxPooling3D: AdaptivePoolingLayer {
    public static let className = "AdaptiveMaxPooling3D"
    public static let spatialRank = 3
    public static let mode = PoolingMode.max
    public let core: AdaptivePooling<AdaptiveMaxPooling3D>
    public init(core: AdaptivePooling<AdaptiveMaxPooling3D>) { self.core = core }
}

/// `keras.layers.AdaptiveAveragePooling1D`: the mean over adaptive windows, so that the spatial
/// axis (steps) come out at exactly `outputSize` (see the file comment). Input
/// `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)` (channels_first).
public struct AdaptiveAveragePooling1D: AdaptivePoolingLayer {
    public static let className = "AdaptiveAveragePooling1D"
    public static let spatialRank = 1
    public static let mode = PoolingMode.average
    public let core: AdaptivePooling<AdaptiveAveragePooling1D>
    public init(core: AdaptivePooling<AdaptiveAveragePooling1D>) { self.core = core }
}

/// `keras.layers.AdaptiveAveragePooling2D`: the mean over adaptive windows, so that the spatial
/// axes (rows, cols) come out at exactly `outputSize` (see the file comment). Input
/// `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)` (channels_first).
public struct AdaptiveAveragePooling2D: AdaptivePoolingLayer {
    public static let className = "AdaptiveAveragePooling2D"
    public static let spatialRank = 2
    public static let mode = PoolingMode.average
    public let core: AdaptivePooling<AdaptiveAveragePooling2D>
    public init(core: AdaptivePooling<AdaptiveAveragePooling2D>) { self.core = core }
}

/// `keras.layers.AdaptiveAveragePooling3D`: the mean over adaptive windows, so that the spatial
/// axes (dim1, dim2, dim3) come out at exactly `outputSize` (see the file comment). Input
/// `(batch, dim1, dim2, dim3, channels)` (channels_last) or `(batch, channels, dim1, dim2, dim3)` (channels_first).
public struct AdaptiveAveragePooling3D: AdaptivePoolingLayer {
    public static let className = "AdaptiveAveragePooling3D"
    public static let spatialRank = 3
    public static let mode = PoolingMode.average
    public let core: AdaptivePooling<AdaptiveAveragePooling3D>
    public init(core: AdaptivePooling<AdaptiveAveragePooling3D>) { self.core = core }
}
