import KerasJSON

/// One case of a golden file: a Keras layer, its config, its inputs and weights, and what
/// Keras returned (schema `keras-golden/1`).
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
    /// What the layer returned.
    public var output: ReferenceTensor
    /// Variables the call changed, after the call.
    public var updated: [String: ReferenceTensor]

    public init(
        id: String, file: String, backend: String, layer: String, config: JSONValue, configText: String? = nil,
        call: JSONValue = .object([:]), origin: String = "", atol: Double? = nil, rtol: Double? = nil,
        input: ReferenceTensor, mask: ReferenceTensor? = nil, weights: [String: ReferenceTensor] = [:],
        output: ReferenceTensor, updated: [String: ReferenceTensor] = [:]
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
        self.updated = updated
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
}
