import KerasJSON

/// `keras.layers.LayerNormalization`: normalizes each sample over the `axis` dimensions.
///
/// With μ, σ² the mean and biased variance over the normalized axes (two passes):
///
///     inv = rsqrt(σ² + ε) · γ
///     y   = x · inv + (−μ · inv + β)
///
/// (`ops.layer_normalization`'s operation order; γ = 1 without `scale`, β = 0 without
/// `center`). `gamma` and `beta` span the normalized axes.
///
/// Keras details kept here:
/// - `axis` may be an int or a list, negative, unsorted. The variables' shape is
///   `input_shape[a]` for `a` in `sorted(axis)` — sorted as written, so `[-1, 1]` on a
///   rank-4 input gives shape `(d3, d1)` — and Keras then *reshapes* (not transposes)
///   them to the broadcast shape, i.e. their elements are read in the order of the
///   canonical (ascending) axes. When the axes cover every input axis the variables are
///   broadcast as they are (NumPy rules).
/// - The deprecated `rms_scaling: true` computes `y = (x · rsqrt(σ² + ε)) · γ` — the input
///   is divided by its standard deviation, not its root mean square, and not centred; the
///   layer then has `gamma` (even with `scale: false`) and no `beta`.
public struct LayerNormalization: ShapePreservingLayer, HoldsNormVariables {
    public static let className = "LayerNormalization"

    /// The normalized axes as given (an int is a one-element list).
    public let axis: [Int]
    public let epsilon: Double
    /// Keras's `layer.trainable` (the config's `trainable`): false freezes the variables, so
    /// `gradient` returns no variable gradients (`trainable_variables` is empty).
    public var trainable = true
    public let center: Bool
    public let scale: Bool
    public let rmsScaling: Bool
    var variables: NormVariables
    /// The dtype policy (the config's `dtype`; see `NormalizationDTypes` for what each policy computes in).
    public var dtypePolicy: DTypePolicy = .float32

    /// Keras's arguments and defaults (`axis: -1` is `[-1]`).
    public init(
        axis: [Int] = [-1], epsilon: Double = 0.001, center: Bool = true, scale: Bool = true,
        rmsScaling: Bool = false
    ) throws(KerasLayerError) {
        try self.init(axis: axis, epsilon: epsilon, center: center, scale: scale, rmsScaling: rmsScaling, initial: [:])
    }

    /// A single normalized axis.
    public init(
        axis: Int, epsilon: Double = 0.001, center: Bool = true, scale: Bool = true, rmsScaling: Bool = false
    ) throws(KerasLayerError) {
        try self.init(axis: [axis], epsilon: epsilon, center: center, scale: scale, rmsScaling: rmsScaling)
    }

    init(axis: [Int], epsilon: Double, center: Bool, scale: Bool, rmsScaling: Bool, initial: [String: Float?]) throws(KerasLayerError) {
        guard !axis.isEmpty else {
            throw .invalidConfig(
                layer: Self.className, argument: "axis", message: "Expected an int or a non-empty list of ints for the argument 'axis', but received: []")
        }
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rmsScaling = rmsScaling
        variables = NormVariables(
            layer: Self.className, names: normAffineVariableNames(scale: scale || rmsScaling, center: center && !rmsScaling),
            initial: normInitialConstants(["gamma": 1, "beta": 0], configured: initial))
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        config.normAcceptRegularizersAndConstraints(["gamma", "beta"])
        try self.init(
            axis: try config.normAxes(default: [-1]),
            epsilon: try config.normEpsilon(default: 0.001),
            center: try config.bool("center", default: true),
            scale: try config.bool("scale", default: true),
            rmsScaling: try config.bool("rms_scaling", default: false),
            initial: config.normInitializerConstants(["gamma": "ones", "beta": "zeros"]))
        trainable = try config.bool("trainable", default: true)
        dtypePolicy = try config.dtypePolicy()
    }

    public func call(_ input: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerOutput {
        try compute(input, options: options).float32
    }

    /// The call in the compute type `T = S.Compute` (float32, or float64 under the float64
    /// policy) on input stored as `S`: float32 or float64, or float16/bfloat16 read and written
    /// directly (widened exactly, the float32 output rounded once to `S`).
    func compute<S: FloatingTensorElement>(_ input: Tensor<S>, options: CallOptions) throws(KerasLayerError) -> NormResult<S> {
        typealias T = S.Compute
        let shape = input.shape
        let normalized = try normNormalizedAxes(axis, shape: shape, layer: Self.className)

        let (variableShape, paramStrides) = try variableLayout(shape, normalized: normalized)
        // Before anything is allocated: the output, gamma and beta, and the statistics (mean,
        // variance, their scratch and 1/σ) of the general path.
        var budget = options.memoryBudget
        try budget.reserve(input.count, of: S.self, for: "the output", layer: Self.className)
        try budget.reserve(
            MemoryBudget.saturatingProduct([2, MemoryBudget.saturatingProduct(variableShape)]), of: T.self,
            for: "gamma and beta of shape \(PythonLiteral.tuple(variableShape))", layer: Self.className)
        try budget.reserve(
            Moments.scratchDoubles(shape: shape, reduced: normalized, masked: false), of: Double.self,
            for: "the statistics", layer: Self.className)
        let gamma: [T]? =
            variables.names.contains("gamma")
            ? try variables.value("gamma", shape: variableShape, inputShape: shape) : nil
        let beta: [T]? =
            variables.names.contains("beta")
            ? try variables.value("beta", shape: variableShape, inputShape: shape) : nil
        let eps = T(epsilon)

        // Fast path: trailing normalized axes, parameters contiguous along the row.
        let contiguous = NormWalk.keptStrides(shape, kept: normalized)
        let output: Tensor<S>
        if let rows = normTrailingRows(shape, normalized: normalized), paramStrides == contiguous || rows.length <= 1 {
            output = input.scalars.withUnsafeBufferPointer { x in
                normMakeOutput(shape: shape) { y in
                    normWithOptional(gamma) { g in
                        normWithOptional(beta) { b in
                            NormalizationKernels.layerNormRows(
                                x.baseAddress!, y, rows: rows.count, length: rows.length,
                                gamma: g, beta: b, epsilon: eps, rmsScaling: rmsScaling)
                        }
                    }
                }
            }
        } else {
            let reduced = normalized
            let stats = input.scalars.withUnsafeBufferPointer { x in
                Moments.meanAndVariance(x, shape: shape, reduced: reduced)
            }
            let rinv = stats.variance.map { NormalizationKernels.rsqrt($0 + eps) }
            let statStrides = NormWalk.keptStrides(shape, kept: normalized.map { !$0 })
            let walk = NormWalk(
                shape: shape,
                strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), statStrides, paramStrides))
            output = input.scalars.withUnsafeBufferPointer { x in
                stats.mean.withUnsafeBufferPointer { m in
                    rinv.withUnsafeBufferPointer { r in
                        normMakeOutput(shape: shape) { y in
                            normWithOptional(gamma) { g in
                                normWithOptional(beta) { b in
                                    NormalizationKernels.layerNormGeneral(
                                        x.baseAddress!, y, walk: walk, mean: m.baseAddress!, rinv: r.baseAddress!,
                                        gamma: g, beta: b, rmsScaling: rmsScaling)
                                }
                            }
                        }
                    }
                }
            }
        }
        return NormResult(output: output)
    }

    /// The variables' shape and their element strides over the input's axes: shaped over
    /// `sorted(axis)` as written, read in canonical order (Keras's reshape), or broadcast as
    /// they are when they have the input's rank.
    func variableLayout(_ shape: [Int], normalized: [Bool]) throws(KerasLayerError) -> (shape: [Int], strides: [Int]) {
        let rank = shape.count
        let sortedAxes = axis.sorted()
        let variableShape = sortedAxes.map { shape[$0 < 0 ? $0 + rank : $0] }
        if variableShape.count == rank && sortedAxes != [rank - 1] {
            return (variableShape, try normBroadcastStrides(variableShape, to: shape, layer: Self.className, name: "gamma"))
        }
        return (variableShape, NormWalk.keptStrides(shape, kept: normalized))
    }
}
