import KerasJSON

/// `keras.layers.GroupNormalization`: splits the channels (the `axis` dimension) into
/// `groups` consecutive groups and normalizes each sample's group over the group's
/// channels and every other non-batch axis.
///
/// With μ, σ² the mean and biased variance of sample `b`, group `g` (two passes), for a
/// channel `c` of that group:
///
///     inv = rsqrt(σ² + ε) · γ[c]
///     y   = x · inv + (−μ · inv + β[c])
///
/// (Keras's `_apply_normalization` order; γ = 1 without `scale`, β = 0 without `center`).
/// `groups: -1` makes one group per channel (instance normalization); `groups: 1`
/// normalizes each sample over everything (LayerNorm over all non-batch axes with
/// per-channel γ, β). `gamma` and `beta` have shape `(channels,)`.
public struct GroupNormalization: ShapePreservingLayer, HoldsNormVariables {
    public static let className = "GroupNormalization"

    public let groups: Int
    public let axis: Int
    public let epsilon: Double
    /// Keras's `layer.trainable` (the config's `trainable`): false freezes the variables, so
    /// `gradient` returns no variable gradients (`trainable_variables` is empty).
    public var trainable = true
    public let center: Bool
    public let scale: Bool
    var variables: NormVariables
    /// The dtype policy (the config's `dtype`; see `NormalizationDTypes` for what each policy computes in).
    public var dtypePolicy: DTypePolicy = .float32

    /// Keras's arguments and defaults. Throws unless `groups` is positive or -1.
    public init(
        groups: Int = 32, axis: Int = -1, epsilon: Double = 0.001, center: Bool = true, scale: Bool = true
    ) throws(KerasLayerError) {
        try self.init(groups: groups, axis: axis, epsilon: epsilon, center: center, scale: scale, initial: [:])
    }

    init(groups: Int, axis: Int, epsilon: Double, center: Bool, scale: Bool, initial: [String: Float?]) throws(KerasLayerError) {
        guard groups > 0 || groups == -1 else {
            throw .invalidConfig(
                layer: Self.className, argument: "groups",
                message:
                    "Received an invalid value for argument `groups`, expected a positive integer (or `-1` for instance normalization). Received: groups=\(groups)"
            )
        }
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        variables = NormVariables(
            layer: Self.className, names: normAffineVariableNames(scale: scale, center: center),
            initial: normInitialConstants(["gamma": 1, "beta": 0], configured: initial))
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        config.normAcceptRegularizersAndConstraints(["gamma", "beta"])
        let groups = try config.int("groups", default: 32)
        try self.init(
            groups: groups,
            axis: try config.int("axis", default: -1),
            epsilon: try config.normEpsilon(default: 0.001),
            center: try config.bool("center", default: true),
            scale: try config.bool("scale", default: true),
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
        let rank = shape.count
        let (a, g, grouped, reduced) = try groupedLayout(shape)
        let channels = shape[a]
        let perGroup = channels / g
        // Before anything is allocated: the output, the statistics' scratch, gamma and beta,
        // and inv and shift per (sample, channel).
        var budget = options.memoryBudget
        try budget.reserve(input.count, of: S.self, for: "the output", layer: Self.className)
        // Each core holds the statistics of two samples and the scale and shift of one.
        var sampleGrouped = grouped
        sampleGrouped[0] = 1
        let cores = ProcessInfoCores.activeCount
        try budget.reserve(
            MemoryBudget.saturatingProduct([2 * cores, Moments.scratchDoubles(shape: sampleGrouped, reduced: reduced, masked: false)]),
            of: Double.self, for: "the statistics of a sample's \(g) groups, two per core", layer: Self.className)
        try budget.reserve(MemoryBudget.saturatingProduct([2, channels]), of: T.self, for: "gamma and beta", layer: Self.className)
        try budget.reserve(
            MemoryBudget.saturatingProduct([2 * (cores + 1), channels]), of: T.self,
            for: "the scale and shift of \(channels) channels, per core", layer: Self.className)
        let gamma: [T]? = scale ? try variables.value("gamma", shape: [channels], inputShape: shape) : nil
        let beta: [T]? = center ? try variables.value("beta", shape: [channels], inputShape: shape) : nil
        // Per sample: its statistics, then per channel c of group k = c / perGroup
        // inv = rsqrt(var[k] + eps) * gamma[c] and shift = -mean[k] * inv + beta[c], then its output.
        let batch = shape[0]
        let sampleCount = batch > 0 ? input.count / batch : 0
        var sampleShape = shape
        sampleShape[0] = 1
        let plan = Moments.Plan(shape: sampleGrouped, reduced: reduced, mask: nil)
        var paramStrides = Array(repeating: 0, count: rank)
        paramStrides[a] = 1
        let walk = NormWalk(shape: sampleShape, strides: NormWalk.lanes(NormWalk.contiguousStrides(sampleShape), paramStrides))
        let eps = T(epsilon)
        let output = input.scalars.withUnsafeBufferPointer { x in
            normMakeOutput(shape: shape) { (y: UnsafeMutablePointer<S>) in
                NormalizationKernels.perSampleAffine(
                    x.baseAddress!, y, samples: batch, sampleCount: sampleCount, plan: plan, walk: walk,
                    parameterCount: channels
                ) { statistics, inv, shift in
                    let (mean, variance): ([T], [T]) = Moments.meanAndVariance(statistics, plan: plan)
                    for c in 0..<channels {
                        let k = c / perGroup
                        var v = NormalizationKernels.rsqrt(variance[k] + eps)
                        if let gamma { v = v * gamma[c] }
                        var s = -mean[k] * v
                        if let beta { s = s + beta[c] }
                        inv[c] = v
                        shift[c] = s
                    }
                }
            }
        }
        return NormResult(output: output)
    }

    /// The input viewed as `(..., groups, channels / groups, ...)` (the channel axis `a` split
    /// in two) and the axes its statistics reduce: every axis but the batch axis and the
    /// group axis. Throws Keras's errors for a batch channel axis and for groups that do
    /// not divide the channels.
    func groupedLayout(_ shape: [Int]) throws(KerasLayerError) -> (axis: Int, groups: Int, grouped: [Int], reduced: [Bool]) {
        let rank = shape.count
        let a = try normCanonicalAxis(axis, rank: rank, shape: shape, layer: Self.className, received: String(axis))
        guard a != 0 else {
            // Keras reshapes the batch axis into groups here (axis=0) or fails (axis=-rank).
            throw .unsupported(
                layer: Self.className,
                message: "axis=\(axis) is the batch axis of inputs of shape \(PythonLiteral.tuple(shape)); the channel axis must be a non-batch axis")
        }
        let channels = shape[a]
        let g = groups == -1 ? channels : groups
        if channels < g {
            throw .invalidConfig(
                layer: Self.className, argument: "groups", message: "Number of groups (\(g)) cannot be more than the number of channels (\(channels)).")
        }
        if g == 0 || channels % g != 0 {
            throw .invalidConfig(
                layer: Self.className, argument: "groups", message: "Number of groups (\(g)) must be a multiple of the number of channels (\(channels)).")
        }
        let perGroup = channels / g
        let grouped = Array(shape[..<a]) + [g, perGroup] + Array(shape[(a + 1)...])
        var reduced = Array(repeating: true, count: grouped.count)
        reduced[0] = false
        reduced[a] = false
        return (a, g, grouped, reduced)
    }
}
