import KerasJSON

/// `keras.layers.Normalization` (preprocessing): standardizes features with a fixed mean
/// and variance,
///
///     y = (x − mean) / max(√variance, 1e-7)          (invert: false)
///     y = mean + x · max(√variance, 1e-7)            (invert: true)
///
/// `axis` lists the axes that keep their own statistics (default `[-1]`: one mean and
/// variance per feature); `axis: nil` (Keras `None`, `[]` in the config JSON) uses one
/// scalar mean and variance for everything.
///
/// The statistics come from either source Keras has:
/// - `mean` and `variance` in the config (numbers or nested lists, same shape, rank at most
///   `axis.count`). No variables. A scalar applies everywhere; otherwise the dimensions are
///   aligned with the sorted kept axes from the right and broadcast (each dimension equal
///   to the input's or 1).
/// - `mean: null`, `variance: null` (an adapted layer): variables `mean` and `variance`,
///   shaped like the kept axes of the input (any shape with that many elements is accepted:
///   Keras reshapes them, and stores `(1,)` for `axis=None`), and `count` (an integer Keras keeps for old
///   saved models; accepted and ignored). Before they are set they are Keras's initial
///   zeros and ones.
public struct Normalization: ShapePreservingLayer, HoldsNormVariables {
    public static let className = "Normalization"

    /// The kept axes as given; `[]` is Keras's `axis=None`.
    public let axis: [Int]
    /// The configured mean (nil: the layer holds `mean`/`variance` variables).
    public let mean: Tensor<Float>?
    /// The configured variance, same shape as `mean`.
    public let variance: Tensor<Float>?
    public let invert: Bool
    var variables: NormVariables
    /// The dtype policy (the config's `dtype`; see `NormalizationDTypes` for what each policy computes in).
    public var dtypePolicy: DTypePolicy = .float32

    /// Keras's arguments and defaults; `axis: nil` is Keras's `None`. Throws, as Keras
    /// does, when only one of `mean`/`variance` is given, their shapes differ, or `mean`
    /// has more dimensions than there are kept axes.
    public init(
        axis: [Int]? = [-1], mean: Tensor<Float>? = nil, variance: Tensor<Float>? = nil, invert: Bool = false
    ) throws(KerasLayerError) {
        let axis = axis ?? []
        if (mean == nil) != (variance == nil) {
            throw .invalidConfig(
                layer: Self.className, argument: mean == nil ? "mean" : "variance",
                message:
                    "When setting values directly, both `mean` and `variance` must be set. Received: mean=\(mean.map { Self.describe($0) } ?? "None") and variance=\(variance.map { Self.describe($0) } ?? "None")"
            )
        }
        if let mean, let variance {
            guard mean.shape == variance.shape else {
                throw .invalidConfig(
                    layer: Self.className, argument: "variance",
                    message:
                        "When setting values directly, `mean` and `variance` must have the same shape. Received: mean shape \(PythonLiteral.tuple(mean.shape)) and variance shape \(PythonLiteral.tuple(variance.shape))"
                )
            }
            guard mean.rank <= axis.count else {
                throw .invalidConfig(
                    layer: Self.className, argument: "mean",
                    message:
                        "The rank of `mean` must be less than or equal to the number of axes (\(axis.count)). Received: mean shape \(PythonLiteral.tuple(mean.shape)) for axis \(PythonLiteral.tuple(axis))"
                )
            }
        }
        self.axis = axis
        self.mean = mean
        self.variance = variance
        self.invert = invert
        variables = NormVariables(
            layer: Self.className, names: mean == nil ? ["mean", "variance", "count"] : [],
            optional: ["count"], initial: ["mean": 0, "variance": 1])
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        // Absent: the default -1; null: None; an int or a list (possibly empty, a serialized `()`).
        let axis = try config.axes("axis") ?? (config.contains("axis") ? [] : [-1])
        try self.init(
            axis: axis,
            mean: try Self.parseArray(config, "mean"),
            variance: try Self.parseArray(config, "variance"),
            invert: try config.bool("invert", default: false))
        dtypePolicy = try config.dtypePolicy()
    }

    public func call(_ input: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerOutput {
        try compute(input, options: options).float32
    }

    /// The call in the compute type `T`: float32, or float64 under the float64 policy.
    func compute<T: ComputeScalar>(_ input: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> NormResult<T> {
        let shape = input.shape
        // Before anything is allocated: the output, and the mean, variance and denominator
        // (variables at their initial values are allocated here too).
        var budget = options.memoryBudget
        try budget.reserve(input.count, of: T.self, for: "the output", layer: Self.className)
        let (meanValues, denominator, strides) = try standardization(shape, budget: &budget, as: T.self)
        let walk = NormWalk(shape: shape, strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), strides))
        let output = input.scalars.withUnsafeBufferPointer { x in
            meanValues.withUnsafeBufferPointer { m in
                denominator.withUnsafeBufferPointer { d in
                    normMakeOutput(shape: shape) { y in
                        NormalizationKernels.standardize(
                            x.baseAddress!, y, walk: walk, mean: m.baseAddress!, denominator: d.baseAddress!, invert: invert)
                    }
                }
            }
        }
        return NormResult(output: output)
    }

    /// The mean and the denominator `max(√variance, 1e-7)` for an input of shape `shape`, and
    /// their element strides over the input's axes; reserves the statistics in `budget` first.
    /// Computed in `Scalar` (Keras casts the statistics to the compute type): the mean and
    /// variance rounded to it, then `√` and `max` each rounded (no rounding for float32).
    func standardization<Scalar: TensorElement>(
        _ shape: [Int], budget: inout MemoryBudget, as _: Scalar.Type
    ) throws(KerasLayerError) -> (mean: [Scalar.Compute], denominator: [Scalar.Compute], strides: [Int]) {
        let rank = shape.count
        if axis.contains(where: { $0 < -rank || $0 >= rank }) {
            throw .invalidConfig(
                layer: Self.className, argument: "axis",
                message: "All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim=\(rank), while axis=\(PythonLiteral.tuple(axis))")
        }
        let keep = axis.map { $0 < 0 ? $0 + rank : $0 }.sorted()
        let broadcastShape = shape.indices.map { keep.contains($0) ? shape[$0] : 1 }
        try budget.reserve(
            MemoryBudget.saturatingProduct([3, mean?.count ?? MemoryBudget.saturatingProduct(broadcastShape)]), of: Float.self,
            for: "the statistics over the kept axes \(PythonLiteral.tuple(keep))", layer: Self.className)
        let meanValues: [Scalar.Compute], varianceValues: [Scalar.Compute], layoutShape: [Int]
        if let mean, let variance {
            meanValues = mean.scalars.map { Scalar.Compute($0) }
            varianceValues = variance.scalars.map { Scalar.Compute($0) }
            if mean.rank == 0 {
                layoutShape = Array(repeating: 1, count: rank)
            } else {
                var expanded = Array(repeating: 1, count: rank)
                for i in 1...mean.rank { expanded[keep[keep.count - i]] = mean.shape[mean.rank - i] }
                guard expanded.reduce(1, *) == mean.count else {
                    throw .invalidConfig(
                        layer: Self.className, argument: "mean",
                        message:
                            "cannot reshape `mean` of shape \(PythonLiteral.tuple(mean.shape)) to \(PythonLiteral.tuple(expanded)) for inputs of shape \(PythonLiteral.tuple(shape)) and axis \(PythonLiteral.tuple(axis))"
                    )
                }
                layoutShape = expanded
            }
        } else {
            let statShape = keep.map { shape[$0] }
            meanValues = try variables.reshapedValue("mean", shape: statShape, inputShape: shape)
            varianceValues = try variables.reshapedValue("variance", shape: statShape, inputShape: shape)
            guard MemoryBudget.saturatingProduct(statShape) == MemoryBudget.saturatingProduct(broadcastShape) else {
                throw .invalidConfig(
                    layer: Self.className, argument: "axis",
                    message:
                        "cannot reshape the variables of shape \(PythonLiteral.tuple(statShape)) to \(PythonLiteral.tuple(broadcastShape)) (repeated axes in \(PythonLiteral.tuple(axis)))"
                )
            }
            layoutShape = broadcastShape
        }
        // Broadcast layoutShape -> broadcastShape (then over the reduced axes).
        guard let strides = normBroadcastStrides(of: layoutShape, over: broadcastShape, alignedAt: 0) else {
            throw .invalidConfig(
                layer: Self.className, argument: "mean",
                message:
                    "Incompatible shapes: `mean` of shape \(PythonLiteral.tuple(layoutShape)) cannot be broadcast to \(PythonLiteral.tuple(broadcastShape)) for inputs of shape \(PythonLiteral.tuple(shape))"
            )
        }
        let epsilon = Scalar.roundTrip(Scalar.Compute(1e-7))
        let denominator = varianceValues.map { variance in
            Swift.max(Scalar.roundTrip(Scalar.roundTrip(variance).squareRoot()), epsilon)
        }
        return (meanValues.map { Scalar.roundTrip($0) }, denominator, strides)
    }

    // MARK: - Config values

    static func describe(_ t: Tensor<Float>) -> String {
        t.rank == 0 ? "\(t.scalars[0])" : "array of shape \(PythonLiteral.tuple(t.shape))"
    }

    /// A number or a rectangular nested list of numbers (`np.array(x).tolist()`), or nil.
    static func parseArray(_ config: LayerConfig, _ key: String) throws(KerasLayerError) -> Tensor<Float>? {
        guard let value = config.value(key) else { return nil }
        var shape: [Int] = []
        var probe = value
        while let list = probe.arrayValue {
            shape.append(list.count)
            guard let first = list.first else { break }
            probe = first
        }
        var scalars: [Float] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        func collect(_ v: JSONValue, depth: Int) -> Bool {
            if depth == shape.count {
                guard let d = v.doubleValue else { return false }
                scalars.append(Float(d))
                return true
            }
            guard let list = v.arrayValue, list.count == shape[depth] else { return false }
            for element in list where !collect(element, depth: depth + 1) { return false }
            return true
        }
        guard collect(value, depth: 0) else {
            throw config.error(key, "expected a number or a rectangular nested list of numbers, got \(value.jsonText)")
        }
        return try Tensor(shape: shape, scalars: scalars)
    }
}
