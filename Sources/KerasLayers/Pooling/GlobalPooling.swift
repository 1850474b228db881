import KerasJSON
// Global pooling, Keras 3.15.1 `GlobalMaxPooling1D/2D/3D` and `GlobalAveragePooling1D/2D/3D`
// (`keras/src/layers/pooling/global_*.py`).
//
// Mathematics, for channels_last input x[b, i₁…i_N, c] with spatial sizes n₁…n_N
// (channels_first x[b, c, i₁…i_N] alike):
//
//     GlobalMaxPooling:     y[b, c] = max_{i} x[b, i, c]          (`ops.max` over the spatial axes)
//     GlobalAveragePooling: y[b, c] = (Σ_{i} x[b, i, c]) / Π n_k   (`ops.mean` over the spatial axes)
//
// With `keepdims` the spatial axes stay as size 1: `(batch, 1…1, channels)` or
// `(batch, channels, 1…1)`; otherwise the output is `(batch, channels)`.
//
// GlobalAveragePooling1D takes a mask m of shape `(batch_m, steps_m)` with batch_m ∈ {batch, 1}
// and steps_m ∈ {steps, 1} (nonzero = keep). Keras 3.15.1 computes
// `sum(where(m, x, 0), steps) / sum(float(m), steps)`: the numerator broadcasts the mask over
// the steps, the denominator sums the mask *as it is* (unbroadcast):
//
//     y[b, c] = (Σ_{t: m̄[b,t] ≠ 0} x[b, t, c]) / #{t' < steps_m : m[b̄, t'] ≠ 0}
//
// (m̄ the broadcast mask, b̄ = 0 when batch_m = 1). For a `(batch, steps)` mask this is the mean
// over the kept steps. For a mask that broadcasts along the steps, `(batch, 1)` or `(1, 1)`,
// it is a Keras quirk we mirror: a kept row gives the *sum* over all steps (divided by 1) and a
// masked row 0 / 0 = NaN. Reproduced on both backends (Keras 3.15.1, TF 2.21.0 and JAX 0.10.2),
// x = arange(24).reshape(2, 4, 3), channels_last or channels_first:
//
//     mask [[1], [0]]     -> [[18, 22, 26], [nan, nan, nan]]   (row 0 summed over its 4 steps)
//     mask [[1, 1, 0, 1]] -> [[4, 5, 6], [16, 17, 18]]         (a true mean over 3 steps)
//     mask [[1]]          -> [[18, 22, 26], [66, 70, 74]]      (sums)
//
// A row with every step masked gives 0 / 0 = NaN, and NaN at masked steps does not leak in
// (`where`, not a product). With channels_first the mask still runs along the steps axis
// (axis 2). The other global layers take no mask: Keras's `call` has no `mask` argument (an
// explicit `mask=` is a TypeError; a mask attached to the input is dropped with a warning), and
// here a mask in `CallOptions` is ignored.
//
// Special values: max propagates NaN (both backends: `ops.max` gives NaN when a NaN is
// present); sums propagate NaN/∞ per IEEE. Pooling over zero spatial elements: the mean is
// NaN (0/0, as in Keras); the max is an error (JAX refuses a zero-size reduction).
//
// Rounding: channels_last sums run over the spatial positions in order, vectorised across
// channels; channels_first sums fold each contiguous row into 16 lane accumulators; both then
// divide by the count. TF's and XLA's reductions use other orders, so means agree with Keras
// to float32 rounding of the sum (measured ≤ 1e-6 absolute on N(0.5, 3²) inputs; often bit
// for bit on small maps), not bit for bit. Max is exact.

/// The shared implementation of the six global pooling layers. Opaque outside this module, and typed by
/// its layer: a layer's `core` can only rebuild that layer (never, say, a 1-D average pooling
/// inside a `MaxPooling3D`).
public struct GlobalPooling<Layer: GlobalPoolingLayer>: Sendable, Equatable {
    let className: String
    let name: String
    let mode: PoolingMode
    let spatialRank: Int
    let dataFormat: DataFormat
    let keepdims: Bool
    let dtypePolicy: DTypePolicy

    var acceptsMask: Bool { spatialRank == 1 && mode == .average }

    init(
        className: String, rank: Int, mode: PoolingMode, dataFormat: DataFormat, keepdims: Bool, name: String?,
        dtypePolicy: DTypePolicy
    ) {
        self.className = className
        self.dtypePolicy = dtypePolicy
        self.name = name ?? PoolingGeometry.defaultName(className)
        self.mode = mode
        self.spatialRank = rank
        self.dataFormat = dataFormat
        self.keepdims = keepdims
    }

    init(className: String, rank: Int, mode: PoolingMode, config: LayerConfig) throws(KerasLayerError) {
        self.init(
            className: className, rank: rank, mode: mode,
            dataFormat: try config.dataFormat(), keepdims: try config.bool("keepdims", default: false),
            name: PoolingGeometry.layerName(config, className: className), dtypePolicy: try config.dtypePolicy())
    }

    /// Keras's `compute_output_shape`.
    func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] {
        try PoolingGeometry.checkRank(shape, expected: spatialRank + 2, layerName: name)
        let layout = SpatialLayout(shape: shape, dataFormat: dataFormat)
        if keepdims { return layout.shape(spatial: [Int](repeating: 1, count: spatialRank)) }
        return [layout.batch, layout.channels]
    }

    /// Pools `input` in its own element type, accumulating in `Element.Compute` and rounding
    /// once at the end (Keras's `ops.mean`/`ops.max` on half-precision inputs: measured bit for
    /// bit on float16 and bfloat16 against both backends' unmasked means).
    func call<Element: TensorElement>(
        _ input: Tensor<Element>, mask: Tensor<UInt8>?, budget: inout MemoryBudget
    ) throws(KerasLayerError) -> Tensor<Element> {
        let outShape = try outputShape(forInputShape: input.shape)
        let layout = SpatialLayout(shape: input.shape, dataFormat: dataFormat)
        let positions = layout.spatial.reduce(1, *)
        let count = MemoryBudget.saturatingProduct(outShape)
        try budget.reserve(count, of: Element.self, for: "the output of shape \(PythonLiteral.tuple(outShape))", layer: className)
        if Element.self != Element.Compute.self {
            try budget.reserve(
                input.count + count, of: Element.Compute.self, for: "the input and output widened to \(Element.Compute.self)", layer: className)
        }
        if acceptsMask, let mask {
            return try maskedMean(input, layout: layout, mask: mask, outShape: outShape, budget: &budget)
        }
        if mode == .max, positions == 0, count > 0 {
            throw .invalidInput(
                "\(className) '\(name)': cannot take the maximum over zero spatial positions (input shape \(PythonLiteral.tuple(input.shape)))")
        }
        typealias Max = MaxPoolingReducer<Element.Compute>
        typealias Mean = MeanPoolingReducer<Element.Compute>
        let scalars = Element.widen(input.scalars).withUnsafeBufferPointer { source in
            makeFilledArray(count: count) { (out: UnsafeMutablePointer<Element.Compute>) in
                guard positions > 0, let x = source.baseAddress else {
                    // Mean of nothing: 0 / 0.
                    for i in 0..<count { out[i] = .nan }
                    return
                }
                switch (mode, dataFormat) {
                case (.max, .channelsLast):
                    PoolingReduceKernels.globalChannelsLast(
                        Max.self, input: x, output: out,
                        batch: layout.batch, spatial: positions, channels: layout.channels)
                case (.average, .channelsLast):
                    PoolingReduceKernels.globalChannelsLast(
                        Mean.self, input: x, output: out,
                        batch: layout.batch, spatial: positions, channels: layout.channels)
                case (.max, .channelsFirst):
                    PoolingReduceKernels.globalRows(
                        Max.self, input: x, output: out, rows: count, length: positions)
                case (.average, .channelsFirst):
                    PoolingReduceKernels.globalRows(
                        Mean.self, input: x, output: out, rows: count, length: positions)
                }
            }
        }
        return Tensor(uncheckedShape: outShape, scalars: Element.narrow(scalars))
    }

    /// GlobalAveragePooling1D's masked mean, accumulated in `Element.Compute`, rounded once.
    private func maskedMean<Element: TensorElement>(
        _ input: Tensor<Element>, layout: SpatialLayout, mask: Tensor<UInt8>, outShape: [Int], budget: inout MemoryBudget
    ) throws(KerasLayerError) -> Tensor<Element> {
        let batch = layout.batch, steps = layout.spatial[0], channels = layout.channels
        let stepMask = try self.stepMask(mask, inputShape: input.shape, budget: &budget)
        let maskBatchStride = stepMask.batchStride, maskStepStride = stepMask.stepStride
        let divisors = stepMask.divisors.map { Element.Compute($0) }
        let count = batch * channels
        let scalars = Element.widen(input.scalars).withUnsafeBufferPointer { source in
            mask.scalars.withUnsafeBufferPointer { maskBuffer in
                makeFilledArray(count: count) { (out: UnsafeMutablePointer<Element.Compute>) in
                    guard let m = maskBuffer.baseAddress, let x = source.baseAddress else {
                        for i in 0..<count { out[i] = .nan }
                        return
                    }
                    let keep = { (b: Int, s: Int) -> Bool in m[b * maskBatchStride + s * maskStepStride] != 0 }
                    switch dataFormat {
                    case .channelsLast:
                        PoolingReduceKernels.maskedMeanChannelsLast(
                            input: x, output: out, batch: batch, steps: steps, channels: channels,
                            mask: keep, divisors: divisors)
                    case .channelsFirst:
                        PoolingReduceKernels.maskedMeanChannelsFirst(
                            input: x, output: out, batch: batch, channels: channels, steps: steps,
                            mask: keep, divisors: divisors)
                    }
                }
            }
        }
        return Tensor(uncheckedShape: outShape, scalars: Element.narrow(scalars))
    }
}

/// GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D: a layer that forwards to a
/// `GlobalPooling`. A conforming type names its `className`, `spatialRank`, `mode` and `core`.
public protocol GlobalPoolingLayer: PoolingLayer {
    /// The shared implementation the layer forwards to.
    var core: GlobalPooling<Self> { get }
    /// Wraps `core`, which the shared initializers build for this type (class name, rank, mode).
    init(core: GlobalPooling<Self>)
}

extension GlobalPoolingLayer {
    public var dataFormat: DataFormat { core.dataFormat }
    /// Whether the output keeps the spatial axes (as size 1).
    public var keepdims: Bool { core.keepdims }
    /// The layer name used in error messages (Keras's automatic name, the class name in snake
    /// case such as `global_max_pooling2d`, unless given).
    public var name: String { core.name }

    /// Keras's `GlobalMaxPoolingND` / `GlobalAveragePoolingND(data_format=None, keepdims=False)`.
    public init(dataFormat: DataFormat = .channelsLast, keepdims: Bool = false, name: String? = nil, dtype: DTypePolicy = .float32) {
        self.init(
            core: GlobalPooling<Self>(
                className: Self.className, rank: Self.spatialRank, mode: Self.mode,
                dataFormat: dataFormat, keepdims: keepdims, name: name, dtypePolicy: dtype))
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        self.init(core: try GlobalPooling<Self>(className: Self.className, rank: Self.spatialRank, mode: Self.mode, config: config))
    }

    /// Keras's `compute_output_shape`.
    public func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] {
        try core.outputShape(forInputShape: shape)
    }

    /// Pools `input`. Only GlobalAveragePooling1D reads `options.mask` (see there); the other
    /// global layers ignore it (Keras's `call` has no `mask` argument).
    /// - Throws: `KerasLayerError.invalidInput` for an input of rank ≠ `spatialRank` + 2, a
    ///   maximum over zero spatial positions, or (GlobalAveragePooling1D) a mask whose shape is
    ///   not `(batch, steps)` (axes of size 1 broadcast).
    public func call(_ input: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerOutput {
        LayerOutput(output: try typedCall(input, options: options))
    }

    public var dtypePolicy: DTypePolicy { core.dtypePolicy }

    /// Pools `input` under the layer's dtype policy: a floating input is cast to the compute
    /// type; an integer input keeps its type for max and is cast to float32 for the mean
    /// (Keras's `ops.mean` of integers is float32 on both backends).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        let integerMean = Self.mode == .average && !input.dtype.isFloatingPoint
        let cast = integerMean ? input.cast(to: .float32) : input.autocast(to: dtypePolicy)
        return AnyLayerOutput(output: try cast.visit(GlobalPoolingVisitor(core: core, mask: options.mask, budget: options.memoryBudget)))
    }
}

/// Runs a global pooling on the typed tensor inside an `AnyTensor`.
private struct GlobalPoolingVisitor<Layer: GlobalPoolingLayer>: AnyTensorVisitor {
    let core: GlobalPooling<Layer>
    let mask: Tensor<UInt8>?
    let budget: MemoryBudget

    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) throws(KerasLayerError) -> AnyTensor {
        var budget = self.budget
        return AnyTensor(try core.call(tensor, mask: mask, budget: &budget))
    }
}

/// `keras.layers.GlobalMaxPooling1D` (alias `GlobalMaxPool1D`): the maximum of every channel over the
/// spatial axis (steps). Input `(batch, steps, channels)` (channels_last) or
/// `(batch, channels, steps)` (channels_first); output `(batch, channels)`, or with
/// `keepdims` the input layout with every spatial size 1.
public struct GlobalMaxPooling1D: GlobalPoolingLayer {
    public static let className = "GlobalMaxPooling1D"
    public static let spatialRank = 1
    public static let mode = PoolingMode.max
    public let core: GlobalPooling<GlobalMaxPooling1D>
    public init(core: GlobalPooling<GlobalMaxPooling1D>) { self.core = core }
}

/// `keras.layers.GlobalMaxPooling2D` (alias `GlobalMaxPool2D`): the maximum of every channel over the
/// spatial axes (rows, cols). Input `(batch, rows, cols, channels)` (channels_last) or
/// `(batch, channels, rows, cols)` (channels_first); output `(batch, channels)`, or with
/// `keepdims` the input layout with every spatial size 1.
public struct GlobalMaxPooling2D: GlobalPoolingLayer {
    public static let className = "GlobalMaxPooling2D"
    public static let spatialRank = 2
    public static let mode = PoolingMode.max
    public let core: GlobalPooling<GlobalMaxPooling2D>
    public init(core: GlobalPooling<GlobalMaxPooling2D>) { self.core = core }
}

/// `keras.layers.GlobalMaxPooling3D` (alias `GlobalMaxPool3D`): the maximum of every channel over the
/// spatial axes (dim1, dim2, dim3). Input `(batch, dim1, dim2, dim3, channels)` (channels_last) or
/// `(batch, channels, dim1, dim2, dim3)` (channels_first); output `(batch, channels)`, or with
/// `keepdims` the input layout with every spatial size 1.
public struct GlobalMaxPooling3D: GlobalPoolingLayer {
    public static let className = "GlobalMaxPooling3D"
    public static let spatialRank = 3
    public static let mode = PoolingMode.max
    public let core: GlobalPooling<GlobalMaxPooling3D>
    public init(core: GlobalPooling<GlobalMaxPooling3D>) { self.core = core }
}

/// `keras.layers.GlobalAveragePooling1D` (alias `GlobalAvgPool1D`): the mean of every channel over the
/// spatial axis (steps). Input `(batch, steps, channels)` (channels_last) or
/// `(batch, channels, steps)` (channels_first); output `(batch, channels)`, or with
/// `keepdims` the input layout with every spatial size 1.
///
/// `options.mask` (shape `(batch, steps)`, nonzero = keep) restricts the mean to the kept
/// steps; a fully masked row gives NaN. Axes of size 1 broadcast as in Keras, whose divisor is
/// the unbroadcast mask's sum: a `(batch, 1)` mask gives the sum over the steps for a kept
/// row (see the file comment).
public struct GlobalAveragePooling1D: GlobalPoolingLayer {
    public static let className = "GlobalAveragePooling1D"
    public static let spatialRank = 1
    public static let mode = PoolingMode.average
    public let core: GlobalPooling<GlobalAveragePooling1D>
    public init(core: GlobalPooling<GlobalAveragePooling1D>) { self.core = core }
}

/// `keras.layers.GlobalAveragePooling2D` (alias `GlobalAvgPool2D`): the mean of every channel over the
/// spatial axes (rows, cols). Input `(batch, rows, cols, channels)` (channels_last) or
/// `(batch, channels, rows, cols)` (channels_first); output `(batch, channels)`, or with
/// `keepdims` the input layout with every spatial size 1.
public struct GlobalAveragePooling2D: GlobalPoolingLayer {
    public static let className = "GlobalAveragePooling2D"
    public static let spatialRank = 2
    public static let mode = PoolingMode.average
    public let core: GlobalPooling<GlobalAveragePooling2D>
    public init(core: GlobalPooling<GlobalAveragePooling2D>) { self.core = core }
}

/// `keras.layers.GlobalAveragePooling3D` (alias `GlobalAvgPool3D`): the mean of every channel over the
/// spatial axes (dim1, dim2, dim3). Input `(batch, dim1, dim2, dim3, channels)` (channels_last) or
/// `(batch, channels, dim1, dim2, dim3)` (channels_first); output `(batch, channels)`, or with
/// `keepdims` the input layout with every spatial size 1.
public struct GlobalAveragePooling3D: GlobalPoolingLayer {
    public static let className = "GlobalAveragePooling3D"
    public static let spatialRank = 3
    public static let mode = PoolingMode.average
    public let core: GlobalPooling<GlobalAveragePooling3D>
    public init(core: GlobalPooling<GlobalAveragePooling3D>) { self.core = core }
}
