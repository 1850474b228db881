import KerasJSON

/// One case of a golden file: a Keras layer, its config, its inputs and weights, and what
/// Keras returned (schema `keras-golden/1`, `docs/golden-schema.md`).
public struct GoldenCase: Sendable {
    /// The group name: unique in the file, and the same case across backends.
    public var id: String
    /// The file the case was read from.
    public var file: String
    /// The backend of the file's Keras run (`tensorflow`, `jax`, ...).
    public var backend: String
    /// `type(layer).__name__`, e.g. `MaxPooling2D`.
    public var layer: String
    /// `layer.get_config()`, parsed.
    public var config: JSONValue
    /// The `config` attribute exactly as stored.
    public var configText: String
    /// The call's non-tensor keyword arguments, e.g. `{"training": true}`.
    public var call: JSONValue
    /// Where the case comes from.
    public var origin: String
    /// Tolerances stored with the case, overriding the comparator's defaults.
    public var atol: Double?
    public var rtol: Double?

    public var input: ReferenceTensor
    public var mask: ReferenceTensor?
    /// Variables just before the call, by the last component of their Keras path.
    public var weights: [String: ReferenceTensor]
    /// What the layer returned. A case Keras refused (`error` set) has no `outputs/y`: then this
    /// is `ReferenceTensor.absent`, the empty float32 tensor of shape (0,), and is never compared.
    public var output: ReferenceTensor
    /// The exception Keras raised for this call on this backend (case attribute `error`,
    /// `<ExceptionType>: <message>`); nil when Keras computed the call. Such a case has no
    /// `outputs/`, `updated/`, `grads/`, `oracle/` or `cancellation/` datasets.
    public var error: String?
    /// Variables the call changed, after the call.
    public var updated: [String: ReferenceTensor]
    /// The upstream gradient `dy` of the loss `L = sum(y * dy)` (`inputs/dy`); nil for a
    /// forward-only case. Shape of `output`.
    public var dy: ReferenceTensor?
    /// The vector–Jacobian products at `dy`: `grads/x` (dL/dx, shape of `input`) under "x", and
    /// dL/d(variable) for trainable variables under their `weights/` name.
    public var grads: [String: ReferenceTensor]
    /// The float64 evaluation of the same call (`oracle/<path>`), keyed by the path it mirrors:
    /// "outputs/y", "updated/moving_mean", "grads/x". Float64, shape of the mirrored tensor.
    public var oracle: [String: ReferenceTensor]
    /// The extra absolute error allowed per element of the tensor at a path (`cancellation/<path>`,
    /// keyed like `oracle`): the rounding bound of the formula Keras evaluates. Float64, same shape.
    public var cancellation: [String: ReferenceTensor]

    public init(
        id: String, file: String, backend: String, layer: String, config: JSONValue, configText: String? = nil,
        call: JSONValue = .object([:]), origin: String = "", atol: Double? = nil, rtol: Double? = nil,
        input: ReferenceTensor, mask: ReferenceTensor? = nil, weights: [String: ReferenceTensor] = [:],
        output: ReferenceTensor, error: String? = nil, updated: [String: ReferenceTensor] = [:], dy: ReferenceTensor? = nil,
        grads: [String: ReferenceTensor] = [:], oracle: [String: ReferenceTensor] = [:],
        cancellation: [String: ReferenceTensor] = [:]
    ) {
        self.id = id
        self.file = file
        self.backend = backend
        self.layer = layer
        self.config = config
        self.configText = configText ?? config.jsonText
        self.call = call
        self.origin = origin
        self.atol = atol
        self.rtol = rtol
        self.input = input
        self.mask = mask
        self.weights = weights
        self.output = output
        self.error = error
        self.updated = updated
        self.dy = dy
        self.grads = grads
        self.oracle = oracle
        self.cancellation = cancellation
    }

    /// The tensor a mirrored path names: "outputs/y", "updated/<name>" or "grads/<name>"
    /// (the paths `oracle` and `cancellation` are keyed by); nil for any other path.
    public func tensor(at path: String) -> ReferenceTensor? {
        if path == "outputs/y" { return output }
        if path.hasPrefix("updated/") { return updated[String(path.dropFirst("updated/".count))] }
        if path.hasPrefix("grads/") { return grads[String(path.dropFirst("grads/".count))] }
        return nil
    }

    /// The `training` call argument (false when absent).
    public var training: Bool { call["training"]?.boolValue ?? false }
}

/// The root attributes of a golden file.
public struct GoldenFileInfo: Sendable, Equatable {
    public var schema: String
    public var kerasVersion: String
    public var backend: String
    public var backendVersion: String
    public var numpyVersion: String
    public var generator: String
    /// How the cases' `oracle/` datasets were computed (root attribute `oracle`), when any are.
    public var oracle: String?
    /// Root attribute `jax_enable_x64 = "true"`: the JAX run had 64-bit floats on.
    public var jaxEnableX64: Bool

    public init(
        schema: String, kerasVersion: String, backend: String, backendVersion: String, numpyVersion: String,
        generator: String, oracle: String? = nil, jaxEnableX64: Bool = false
    ) {
        self.schema = schema
        self.kerasVersion = kerasVersion
        self.backend = backend
        self.backendVersion = backendVersion
        self.numpyVersion = numpyVersion
        self.generator = generator
        self.oracle = oracle
        self.jaxEnableX64 = jaxEnableX64
    }
}
