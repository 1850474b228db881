import KerasJSON
/// Keras's `BasePooling` for any number of spatial axes: the shared implementation behind
/// MaxPooling1D/2D/3D and AveragePooling1D/2D/3D. Opaque outside this module, and typed by
/// its layer: a layer's `core` can only rebuild that layer (never, say, a 1-D average pooling
/// inside a `MaxPooling3D`).
public struct WindowPooling<Layer: WindowPoolingLayer>: Sendable, Equatable {
    let className: String
    let name: String
    let mode: PoolingMode
    let poolSize: [Int]
    let strides: [Int]
    let padding: Padding
    let dataFormat: DataFormat
    let dtypePolicy: DTypePolicy

    var spatialRank: Int { poolSize.count }

    /// The typed Swift initializer's path: Keras's argument checks on Swift values.
    init(
        className: String, rank: Int, mode: PoolingMode,
        poolSize: [Int], strides: [Int]?, padding: Padding, dataFormat: DataFormat, name: String?,
        dtypePolicy: DTypePolicy
    ) throws(KerasLayerError) {
        self.className = className
        self.dtypePolicy = dtypePolicy
        self.name = name ?? PoolingGeometry.defaultName(className)
        self.mode = mode
        self.poolSize = try LayerConfig.standardizeTuple(
            poolSize, count: rank, name: "pool_size", received: Self.received(poolSize), allowZero: false, layer: className)
        let strides = try LayerConfig.standardizeTuple(
            strides ?? poolSize, count: rank, name: "strides", received: Self.received(strides ?? poolSize),
            allowZero: true, layer: className)
        try PoolingGeometry.rejectZeroStrides(strides, layer: className)
        self.strides = strides
        self.padding = padding
        self.dataFormat = dataFormat
    }

    /// A typed argument as Keras's message shows it: an int, or a tuple.
    static func received(_ values: [Int]) -> String {
        values.count == 1 ? "\(values[0])" : PythonLiteral.tuple(values)
    }

    /// The `get_config()` path: `pool_size` (int or list; `defaultPoolSize` when absent,
    /// required when nil), `strides` (null → pool_size), `padding`, `data_format`.
    init(className: String, rank: Int, mode: PoolingMode, defaultPoolSize: Int?, config: LayerConfig) throws(KerasLayerError) {
        self.className = className
        self.name = PoolingGeometry.layerName(config, className: className)
        self.mode = mode
        guard
            let poolSize = try config.intTuple("pool_size", count: rank)
                ?? defaultPoolSize.map({ [Int](repeating: $0, count: rank) })
        else {
            throw config.error("pool_size", "\(className).__init__() missing 1 required positional argument: 'pool_size'")
        }
        self.poolSize = poolSize
        let strides = try config.intTuple("strides", count: rank, allowZero: true) ?? poolSize
        try PoolingGeometry.rejectZeroStrides(strides, layer: className)
        self.strides = strides
        self.padding = try config.padding()
        self.dataFormat = try config.dataFormat()
        self.dtypePolicy = try config.dtypePolicy()
    }

    /// The input's layout and the geometry of every spatial axis, after Keras's checks.
    func geometry(forInputShape shape: [Int]) throws(KerasLayerError) -> (SpatialLayout, [PoolingAxis]) {
        try PoolingGeometry.checkRank(shape, expected: spatialRank + 2, layerName: name)
        let layout = SpatialLayout(shape: shape, dataFormat: dataFormat)
        var axes: [PoolingAxis] = []
        for i in 0..<spatialRank {
            guard
                let axis = PoolingGeometry.axis(
                    inputSize: layout.spatial[i], window: poolSize[i], stride: strides[i], padding: padding)
            else {
                throw .invalidInput(
                    "\(className) '\(name)': Computed output size would be zero or negative. Received: `inputs.shape=\(PythonLiteral.tuple(shape))`, `pool_size=\(PythonLiteral.tuple(poolSize))`, `strides=\(PythonLiteral.tuple(strides))`, `padding=\(padding.rawValue)`."
                )
            }
            axes.append(axis)
        }
        return (layout, axes)
    }

    /// Keras's `compute_output_shape`.
    func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] {
        let (layout, axes) = try geometry(forInputShape: shape)
        return layout.shape(spatial: axes.map(\.outputSize))
    }

    /// Pools `input` in its own element type: max exactly; the mean with every addition and
    /// the division rounded to `Element` (see `MeanPoolingReducer`). Integer inputs: max only
    /// (TensorFlow refuses integer average pooling; the caller checks).
    func call<Element: TensorElement>(_ input: Tensor<Element>, budget: inout MemoryBudget) throws(KerasLayerError) -> Tensor<Element> {
        let (layout, axes) = try geometry(forInputShape: input.shape)
        let outShape = layout.shape(spatial: axes.map(\.outputSize))
        let count = MemoryBudget.saturatingProduct(outShape)
        try budget.reserve(count, of: Element.self, for: "the output of shape \(PythonLiteral.tuple(outShape))", layer: className)
        if count == 0 { return Tensor(uncheckedShape: outShape, scalars: []) }
        if Element.self != Element.Compute.self {
            try budget.reserve(
                input.count + count, of: Element.Compute.self, for: "the input and output widened to \(Element.Compute.self)", layer: className)
        }
        let padded = [PoolingAxis](repeating: .trivial, count: 3 - axes.count) + axes
        let (d, h, w) = (padded[0], padded[1], padded[2])
        // The kernels' scratch: for channels_first three index arrays over the window offsets
        // that reach the input.
        if dataFormat == .channelsFirst {
            try budget.reserve(2 * w.usedOffsets.count + w.outputSize, of: Int.self, for: "the window index arrays", layer: className)
        }
        typealias Max = MaxPoolingReducer<Element.Compute>
        typealias Mean = MeanPoolingReducer<Element>
        let scalars = Element.widen(input.scalars).withUnsafeBufferPointer { source in
            makeFilledArray(count: count) { out in
                guard let x = source.baseAddress else { return }
                switch (mode, dataFormat) {
                case (.max, .channelsLast):
                    PoolingWindowKernels.channelsLast(
                        Max.self, input: x, output: out, batch: layout.batch, channels: layout.channels, d: d, h: h, w: w)
                case (.average, .channelsLast):
                    PoolingWindowKernels.channelsLast(
                        Mean.self, input: x, output: out, batch: layout.batch, channels: layout.channels, d: d, h: h, w: w)
                case (.max, .channelsFirst):
                    PoolingWindowKernels.channelsFirst(
                        Max.self, input: x, output: out, planes: layout.batch * layout.channels, d: d, h: h, w: w)
                case (.average, .channelsFirst):
                    PoolingWindowKernels.channelsFirst(
                        Mean.self, input: x, output: out, planes: layout.batch * layout.channels, d: d, h: h, w: w)
                }
            }
        }
        return Tensor(uncheckedShape: outShape, scalars: Element.narrow(scalars))
    }
}

/// MaxPooling1D/2D/3D and AveragePooling1D/2D/3D: a layer that forwards to a `WindowPooling`.
/// A conforming type names its `className`, `spatialRank` and `core`; `MaxPoolingLayer` or
/// `AveragePoolingLayer` supply the rest.
public protocol WindowPoolingLayer: PoolingLayer {
    /// Keras's default `pool_size` on every axis, or nil when `pool_size` is required.
    static var defaultPoolSize: Int? { get }
    /// The shared implementation the layer forwards to.
    var core: WindowPooling<Self> { get }
    /// Wraps `core`, which the shared initializers build for this type (class name, rank, mode).
    init(core: WindowPooling<Self>)
}

extension WindowPoolingLayer {
    /// The window size along each spatial axis.
    public var poolSize: [Int] { core.poolSize }
    /// The window step along each spatial axis (Keras's default: `poolSize`).
    public var strides: [Int] { core.strides }
    public var padding: Padding { core.padding }
    public var dataFormat: DataFormat { core.dataFormat }
    /// The layer name used in error messages (Keras's automatic name, the class name in snake
    /// case such as `max_pooling2d`, unless given).
    public var name: String { core.name }

    /// Builds the layer from typed arguments with Keras's checks: `poolSize` and `strides`
    /// (default `poolSize`) must have `spatialRank` values, each > 0.
    init(
        validatingPoolSize poolSize: [Int], strides: [Int]?, padding: Padding, dataFormat: DataFormat, name: String?,
        dtype: DTypePolicy
    ) throws(KerasLayerError) {
        self.init(
            core: try WindowPooling<Self>(
                className: Self.className, rank: Self.spatialRank, mode: Self.mode, poolSize: poolSize, strides: strides,
                padding: padding, dataFormat: dataFormat, name: name, dtypePolicy: dtype))
    }

    /// The same with one size (and one stride) for every spatial axis, as Keras accepts an int.
    public init(
        poolSize: Int, strides: Int? = nil, padding: Padding = .valid,
        dataFormat: DataFormat = .channelsLast, name: String? = nil, dtype: DTypePolicy = .float32
    ) throws(KerasLayerError) {
        let repeated = { (value: Int) in [Int](repeating: value, count: Self.spatialRank) }
        try self.init(
            validatingPoolSize: repeated(poolSize), strides: strides.map(repeated), padding: padding,
            dataFormat: dataFormat, name: name, dtype: dtype)
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        self.init(
            core: try WindowPooling<Self>(
                className: Self.className, rank: Self.spatialRank, mode: Self.mode, defaultPoolSize: Self.defaultPoolSize,
                config: config))
    }

    /// Keras's `compute_output_shape`.
    public func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] {
        try core.outputShape(forInputShape: shape)
    }

    public var dtypePolicy: DTypePolicy { core.dtypePolicy }

    /// Pools `input` (float32 policy). A mask in `options` is ignored, as Keras ignores (and
    /// drops) a mask that reaches this layer attached to its input; Keras's `call` has no `mask` argument.
    public func call(_ input: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerOutput {
        LayerOutput(output: try typedCall(input, options: options))
    }

    /// Pools `input` under the layer's dtype policy: a floating input is cast to the compute
    /// type (Keras's autocast), an integer input is pooled in its own type (max pooling only:
    /// TensorFlow has no integer average pooling).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        let cast = try PoolingDTypes.autocast(input, policy: dtypePolicy, mode: Self.mode, layer: Self.className)
        return AnyLayerOutput(output: try cast.visit(WindowPoolingVisitor(core: core, budget: options.memoryBudget)))
    }
}

/// Runs a window pooling on the typed tensor inside an `AnyTensor`.
private struct WindowPoolingVisitor<Layer: WindowPoolingLayer>: AnyTensorVisitor {
    let core: WindowPooling<Layer>
    let budget: MemoryBudget

    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) throws(KerasLayerError) -> AnyTensor {
        var budget = self.budget
        return AnyTensor(try core.call(tensor, budget: &budget))
    }
}
