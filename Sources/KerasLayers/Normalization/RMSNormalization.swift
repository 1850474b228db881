import KerasJSON

/// `keras.layers.RMSNormalization`: scales each sample by the reciprocal root mean square
/// over the `axis` dimensions (no centring):
///
///     rrms = rsqrt(mean(x²) + ε)
///     y    = (x · rrms) · scale
///
/// (`ops.rms_normalization`'s order). The variable `scale` has shape `input_shape[a]` for
/// `a` in `sorted(axis)` and — unlike LayerNormalization's `gamma` — Keras multiplies it
/// as it is, with NumPy broadcasting (trailing axes aligned): with `axis: [1]` on a
/// `(batch, n, n)` input the scale varies along the *last* axis, and where the shapes do
/// not broadcast Keras fails ("Incompatible shapes"), as this layer does.
public struct RMSNormalization: ShapePreservingLayer, HoldsNormVariables {
    public static let className = "RMSNormalization"

    /// The normalized axes as given (an int is a one-element list).
    public let axis: [Int]
    public let epsilon: Double
    /// Keras's `layer.trainable` (the config's `trainable`): false freezes the variables, so
    /// `gradient` returns no variable gradients (`trainable_variables` is empty).
    public var trainable = true
    var variables: NormVariables
    /// The dtype policy (the config's `dtype`; see `NormalizationDTypes` for what each policy computes in).
    public var dtypePolicy: DTypePolicy = .float32

    /// Keras's arguments and defaults (`axis: -1`, `epsilon: 1e-6`).
    public init(axis: [Int] = [-1], epsilon: Double = 1e-6) throws(KerasLayerError) {
        guard !axis.isEmpty else {
            throw .invalidConfig(layer: Self.className, argument: "axis", message: "expected an int or a non-empty list of ints, got []")
        }
        self.axis = axis
        self.epsilon = epsilon
        variables = NormVariables(layer: Self.className, names: ["scale"], initial: ["scale": 1])
    }

    /// A single normalized axis.
    public init(axis: Int, epsilon: Double = 1e-6) throws(KerasLayerError) {
        try self.init(axis: [axis], epsilon: epsilon)
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        try self.init(axis: try config.normAxes(default: [-1]), epsilon: try config.normEpsilon(default: 1e-6))
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
        let scaleShape = scaleShape(shape)
        // Before anything is allocated: the output, the scale, and the mean squares (with
        // their scratch) of the general path.
        var budget = options.memoryBudget
        try budget.reserve(input.count, of: S.self, for: "the output", layer: Self.className)
        try budget.reserve(
            MemoryBudget.saturatingProduct(scaleShape), of: T.self,
            for: "the scale of shape \(PythonLiteral.tuple(scaleShape))", layer: Self.className)
        try budget.reserve(
            Moments.scratchDoubles(shape: shape, reduced: normalized, masked: false), of: Double.self,
            for: "the mean squares", layer: Self.className)
        let scale: [T] = try variables.value("scale", shape: scaleShape, inputShape: shape)
        let scaleStrides = try normBroadcastStrides(scaleShape, to: shape, layer: Self.className, name: "scale")
        let eps = T(epsilon)

        let output: Tensor<S>
        if let rows = normTrailingRows(shape, normalized: normalized),
            scaleStrides == NormWalk.keptStrides(shape, kept: normalized) || rows.length <= 1
        {
            output = input.scalars.withUnsafeBufferPointer { x in
                scale.withUnsafeBufferPointer { s in
                    normMakeOutput(shape: shape) { y in
                        NormalizationKernels.scaleRows(x.baseAddress!, y, rows: rows.count, length: rows.length, scale: s.baseAddress) { p, n in
                            let meanSquare = T(Moments.rowSquaredDeviations(p, n, from: 0) / Double(n))
                            return NormalizationKernels.rsqrt(meanSquare + eps)
                        }
                    }
                }
            }
        } else {
            let meanSquares = input.scalars.withUnsafeBufferPointer { x in
                Moments.meanOfSquares(x, shape: shape, reduced: normalized)
            }
            let factor = meanSquares.map { NormalizationKernels.rsqrt($0 + eps) }
            let walk = NormWalk(
                shape: shape,
                strides: NormWalk.lanes(
                    NormWalk.contiguousStrides(shape), NormWalk.keptStrides(shape, kept: normalized.map { !$0 }), scaleStrides))
            output = input.scalars.withUnsafeBufferPointer { x in
                factor.withUnsafeBufferPointer { f in
                    scale.withUnsafeBufferPointer { s in
                        normMakeOutput(shape: shape) { y in
                            NormalizationKernels.scaleGeneral(x.baseAddress!, y, walk: walk, factor: f.baseAddress!, scale: s.baseAddress)
                        }
                    }
                }
            }
        }
        return NormResult(output: output)
    }

    /// The scale's shape for inputs of shape `shape`: `input_shape[a]` for `a` in `sorted(axis)`
    /// (Keras then broadcasts it with NumPy's rules, trailing axes aligned).
    func scaleShape(_ shape: [Int]) -> [Int] {
        axis.sorted().map { shape[$0 < 0 ? $0 + shape.count : $0] }
    }
}
