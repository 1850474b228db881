import KerasJSON

/// `keras.layers.BatchNormalization`: normalizes each channel (the `axis` dimension) by a
/// mean and variance, then scales by `gamma` and shifts by `beta`.
///
/// With per-channel statistics μ, σ² (reduced over every axis but `axis`):
///
///     inv = rsqrt(σ² + ε) · γ          (γ = 1 without `scale`)
///     y   = x · inv + (β − μ · inv)     (β = 0 without `center`)
///
/// exactly the operation order of `ops.batch_normalization` (TensorFlow's
/// `tf.nn.batch_normalization`, JAX's `x * inv + (-mean * inv + offset)`).
///
/// - Inference (`training: false`, or a layer with `trainable: false`): μ, σ² are the
///   `moving_mean` and `moving_variance` variables.
/// - Training: μ, σ² are the batch's mean and biased variance (`ops.moments`, two passes),
///   and the call returns the updated moving statistics
///   `moving = moving · momentum + batch · (1 − momentum)` (in the compute type, `1 − momentum`
///   evaluated in double first, as Python does).
/// - Training with a mask (shape: the input's shape without its last axis, each dimension
///   equal or 1; broadcast over the last axis, even when `axis` is not the last axis):
///   only unmasked positions count: `μ = Σ m·x / (Σ m + 1e-7)`,
///   `σ² = Σ m·(x − μ)² / (Σ m + 1e-7)` (Keras's `_moments`).
/// - Batch renormalization (`renorm: true`), training: with the batch's σ = √(σ² + ε),
///   `r = σ / max(renorm_stddev, √ε)` clipped to `[rmin, rmax]`,
///   `d = (μ − renorm_mean) / max(renorm_stddev, √ε)` clipped to `[−dmax, dmax]`, the
///   output uses γ' = r·γ and β' = d·γ + β with the batch statistics; the call updates
///   `renorm_mean`, `renorm_stddev` (with `renorm_momentum`), `moving_mean`,
///   `moving_stddev` (with `momentum`) and `moving_variance = relu(moving_stddev² − ε)`.
///   Inference is the same as without renorm.
public struct BatchNormalization: ShapePreservingLayer, HoldsNormVariables {
    public static let className = "BatchNormalization"

    /// The clipping of batch renormalization's corrections (nil: unclipped).
    public struct RenormClipping: Sendable, Equatable {
        public var rmax: Double?
        public var rmin: Double?
        public var dmax: Double?
        public init(rmax: Double? = nil, rmin: Double? = nil, dmax: Double? = nil) {
            self.rmax = rmax
            self.rmin = rmin
            self.dmax = dmax
        }
    }

    public let axis: Int
    public let momentum: Double
    public let epsilon: Double
    public let center: Bool
    public let scale: Bool
    public let renorm: Bool
    public let renormClipping: RenormClipping
    public let renormMomentum: Double
    /// Accepted for compatibility; a single-device call computes local statistics.
    public let synchronized: Bool
    /// `trainable: false` freezes the layer: inference even when `training` is true.
    public let trainable: Bool
    var variables: NormVariables
    /// The dtype policy (the config's `dtype`; see `NormalizationDTypes` for what each policy computes in).
    public var dtypePolicy: DTypePolicy = .float32

    /// Keras's arguments and defaults. Throws for `renorm_clipping` values Keras rejects.
    public init(
        axis: Int = -1, momentum: Double = 0.99, epsilon: Double = 0.001,
        center: Bool = true, scale: Bool = true,
        renorm: Bool = false, renormClipping: RenormClipping? = nil, renormMomentum: Double = 0.99,
        synchronized: Bool = false, trainable: Bool = true
    ) throws(KerasLayerError) {
        try self.init(
            axis: axis, momentum: momentum, epsilon: epsilon, center: center, scale: scale,
            renorm: renorm, renormClipping: renormClipping, renormMomentum: renormMomentum,
            synchronized: synchronized, trainable: trainable, initial: [:])
    }

    init(
        axis: Int, momentum: Double, epsilon: Double, center: Bool, scale: Bool,
        renorm: Bool, renormClipping: RenormClipping?, renormMomentum: Double,
        synchronized: Bool, trainable: Bool, initial: [String: Float?]
    ) throws(KerasLayerError) {
        let clipping = renormClipping ?? RenormClipping()
        if renorm {
            if let rmax = clipping.rmax, let rmin = clipping.rmin, rmax < rmin {
                throw .invalidConfig(
                    layer: Self.className, argument: "renorm_clipping",
                    message: "rmax should be greater than rmin in the `renorm_clipping` argument. Received: rmax=\(rmax), rmin=\(rmin).")
            }
            if let dmax = clipping.dmax, dmax < 0 {
                throw .invalidConfig(
                    layer: Self.className, argument: "renorm_clipping",
                    message: "dmax should be non-negative in the `renorm_clipping` argument. Received: dmax=\(dmax).")
            }
        }
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.renorm = renorm
        self.renormClipping = clipping
        self.renormMomentum = renormMomentum
        self.synchronized = synchronized
        self.trainable = trainable
        var names = normAffineVariableNames(scale: scale, center: center) + ["moving_mean", "moving_variance"]
        if renorm { names += ["moving_stddev", "renorm_mean", "renorm_stddev"] }
        // Keras's default initializers; the config may name others.
        var constants = normInitialConstants(
            ["gamma": 1, "beta": 0, "moving_mean": 0, "moving_variance": 1], configured: initial)
        constants["renorm_mean"] = constants["moving_mean"]
        let stddev = constants["moving_variance"].map { $0.squareRoot() }
        constants["moving_stddev"] = stddev
        constants["renorm_stddev"] = stddev
        variables = NormVariables(layer: Self.className, names: names, initial: constants)
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        let renorm = try config.bool("renorm", default: false)
        var clipping: RenormClipping?
        // Keras keeps `renorm_clipping` (and ignores it) without renorm.
        let clippingValue = config.value("renorm_clipping")
        config.normAcceptRegularizersAndConstraints(["gamma", "beta"])
        if renorm, let value = clippingValue {
            guard let object = value.objectValue else {
                throw config.error("renorm_clipping", "expected a dictionary with keys 'rmax', 'rmin', 'dmax', got \(value.jsonText)")
            }
            let keys = ["rmax", "rmin", "dmax"]
            if object.keys.contains(where: { !keys.contains($0) }) {
                throw config.error(
                    "renorm_clipping",
                    "Received invalid keys for `renorm_clipping` argument: \(value.jsonText). Supported values: ['rmax', 'rmin', 'dmax'].")
            }
            func bound(_ key: String) throws(KerasLayerError) -> Double? {
                guard let v = object[key], !v.isNull else { return nil }
                guard let d = v.doubleValue else {
                    throw config.error("renorm_clipping", "expected a number for '\(key)', got \(v.jsonText)")
                }
                return d
            }
            clipping = RenormClipping(rmax: try bound("rmax"), rmin: try bound("rmin"), dmax: try bound("dmax"))
        }
        let initial = config.normInitializerConstants(
            ["gamma": "ones", "beta": "zeros", "moving_mean": "zeros", "moving_variance": "ones"])
        try self.init(
            axis: try config.int("axis", default: -1),
            momentum: try config.double("momentum", default: 0.99),
            epsilon: try config.normEpsilon(default: 0.001),
            center: try config.bool("center", default: true),
            scale: try config.bool("scale", default: true),
            renorm: renorm, renormClipping: clipping,
            renormMomentum: try config.double("renorm_momentum", default: 0.99),
            synchronized: try config.bool("synchronized", default: false),
            trainable: try config.bool("trainable", default: true),
            initial: initial)
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
        try Self.checkMaskRank(options.mask, inputShape: shape)
        let a = try normCanonicalAxis(axis, rank: rank, shape: shape, layer: Self.className, received: String(axis))
        let channels = shape[a]
        let vectorShape = [channels]
        let training = options.training && trainable
        var reduced = Array(repeating: true, count: rank)
        reduced[a] = false
        // Before anything is allocated: the output, the statistics' scratch, and at most 12
        // per-channel vectors (variables, batch statistics, corrections, inv and shift).
        var budget = options.memoryBudget
        try budget.reserve(input.count, of: S.self, for: "the output", layer: Self.className)
        if training {
            try budget.reserve(
                Moments.scratchDoubles(shape: shape, reduced: reduced, masked: options.mask != nil), of: Double.self,
                for: "the batch statistics of \(channels) channels", layer: Self.className)
        }
        try budget.reserve(
            MemoryBudget.saturatingProduct([12, channels]), of: T.self, for: "the per-channel parameters of \(channels) channels", layer: Self.className)
        func variable(_ name: String) throws(KerasLayerError) -> [T] {
            try variables.value(name, shape: vectorShape, inputShape: shape)
        }
        var gamma = scale ? try variable("gamma") : nil
        var beta = center ? try variable("beta") : nil
        var mean = try variable("moving_mean")
        var variance = try variable("moving_variance")
        var updates: [String: Tensor<T>] = [:]
        let eps = T(epsilon)

        if training {
            let stats: (mean: [T], variance: [T])
            if let mask = options.mask {
                let strides = try Self.maskStrides(mask.shape, input: shape)
                stats = input.scalars.withUnsafeBufferPointer { x in
                    mask.scalars.withUnsafeBufferPointer { m in
                        Moments.meanAndVariance(
                            x, shape: shape, reduced: reduced,
                            mask: Moments.Mask(values: m, strides: strides), maskEpsilon: T(Self.maskEpsilon))
                    }
                }
            } else {
                stats = input.scalars.withUnsafeBufferPointer { x in
                    Moments.meanAndVariance(x, shape: shape, reduced: reduced)
                }
            }
            let m = T(momentum), oneMinusM = T(1.0 - momentum)
            if renorm {
                var movingStddev = try variable("moving_stddev")
                var renormMean = try variable("renorm_mean")
                var renormStddev = try variable("renorm_stddev")
                let rm = T(renormMomentum), oneMinusRM = T(1.0 - renormMomentum)
                var effectiveGamma = [T](repeating: 0, count: channels)
                var effectiveBeta = [T](repeating: 0, count: channels)
                for c in 0..<channels {
                    let mu = stats.mean[c]
                    let (r, d, stddev) = renormCorrection(mean: mu, variance: stats.variance[c], renormMean: renormMean[c], renormStddev: renormStddev[c])
                    if let g = gamma {
                        effectiveGamma[c] = r * g[c]
                        effectiveBeta[c] = d * g[c]
                    } else {
                        effectiveGamma[c] = r
                        effectiveBeta[c] = d
                    }
                    if let b = beta { effectiveBeta[c] = effectiveBeta[c] + b[c] }
                    // Moving statistics.
                    renormMean[c] = renormMean[c] * rm + mu * oneMinusRM
                    renormStddev[c] = renormStddev[c] * rm + stddev * oneMinusRM
                    mean[c] = mean[c] * m + mu * oneMinusM
                    let newStddev = movingStddev[c] * m + stddev * oneMinusM
                    movingStddev[c] = newStddev
                    variance[c] = Swift.max(newStddev * newStddev - eps, T(0))
                }
                gamma = effectiveGamma
                beta = effectiveBeta
                updates["renorm_mean"] = Tensor(uncheckedShape: vectorShape, scalars: renormMean)
                updates["renorm_stddev"] = Tensor(uncheckedShape: vectorShape, scalars: renormStddev)
                updates["moving_stddev"] = Tensor(uncheckedShape: vectorShape, scalars: movingStddev)
            } else {
                for c in 0..<channels {
                    mean[c] = mean[c] * m + stats.mean[c] * oneMinusM
                    variance[c] = variance[c] * m + stats.variance[c] * oneMinusM
                }
            }
            updates["moving_mean"] = Tensor(uncheckedShape: vectorShape, scalars: mean)
            updates["moving_variance"] = Tensor(uncheckedShape: vectorShape, scalars: variance)
            mean = stats.mean
            variance = stats.variance
        }

        // ops.batch_normalization: inv = rsqrt(variance + epsilon) * gamma; y = x * inv + (beta - mean * inv).
        var inv = [T](repeating: 0, count: channels)
        var shift = [T](repeating: 0, count: channels)
        for c in 0..<channels {
            var v = NormalizationKernels.rsqrt(variance[c] + eps)
            if let g = gamma { v = v * g[c] }
            inv[c] = v
            shift[c] = beta.map { $0[c] - mean[c] * v } ?? -mean[c] * v
        }
        var paramStrides = Array(repeating: 0, count: rank)
        paramStrides[a] = 1
        let output = normAffineOutput(input, scale: inv, shift: shift, paramStrides: paramStrides)
        return NormResult(output: output, updatedWeights: updates)
    }

    /// Batch renormalization's corrections of one channel (in the compute type, Keras's order): with the
    /// batch's `σ = √(σ² + ε)` and `s = max(renorm_stddev, √ε)`, `r = σ / s` clipped to
    /// `[rmin, rmax]` and `d = (μ − renorm_mean) / s` clipped to `[−dmax, dmax]`; also `σ`.
    func renormCorrection<T: ComputeScalar>(mean: T, variance: T, renormMean: T, renormStddev: T) -> (r: T, d: T, stddev: T) {
        let eps = T(epsilon)
        let stddev = (variance + eps).squareRoot()
        let floor = Swift.max(renormStddev, eps.squareRoot())
        var r = stddev / floor
        var d = (mean - renormMean) / floor
        if let rmin = renormClipping.rmin { r = Swift.max(r, T(rmin)) }
        if let rmax = renormClipping.rmax { r = Swift.min(r, T(rmax)) }
        if let dmax = renormClipping.dmax { d = Swift.min(Swift.max(d, T(-dmax)), T(dmax)) }
        return (r, d, stddev)
    }

    /// `backend.epsilon()`, which Keras's masked moments add to the mask's weight sum (in the compute type).
    static let maskEpsilon = 1e-7

    /// Keras's check that a mask has one dimension less than the input.
    static func checkMaskRank(_ mask: Tensor<UInt8>?, inputShape shape: [Int]) throws(KerasLayerError) {
        if let mask, mask.rank != shape.count - 1 {
            throw .invalidInput(
                "BatchNormalization: The mask provided should be one dimension less than the inputs. Received: mask.shape=\(PythonLiteral.tuple(mask.shape)), inputs.shape=\(PythonLiteral.tuple(shape))"
            )
        }
    }

    /// Strides of the mask over the input's axes: Keras expands the mask with a trailing
    /// axis and broadcasts it to the input (`ops.broadcast_to`), so each mask dimension
    /// must equal the input's or be 1.
    static func maskStrides(_ maskShape: [Int], input shape: [Int]) throws(KerasLayerError) -> [Int] {
        guard let strides = normBroadcastStrides(of: maskShape, over: shape, alignedAt: 0) else {
            throw .invalidInput(
                "BatchNormalization: the mask of shape \(PythonLiteral.tuple(maskShape)), expanded to \(PythonLiteral.tuple(maskShape + [1])), cannot be broadcast to the input shape \(PythonLiteral.tuple(shape))"
            )
        }
        return strides
    }
}
