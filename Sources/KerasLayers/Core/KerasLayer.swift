import KerasJSON

/// What a layer call receives besides the input tensor.
public struct CallOptions: Sendable {
    /// Keras's `training` argument: batch statistics for BatchNormalization.
    public var training: Bool
    /// Keras's `mask`, as 0/1 bytes, shaped like the leading axes of the input.
    public var mask: Tensor<UInt8>?
    /// What the call may allocate (default: `MemoryBudget.defaultBytes`).
    public var memoryBudget: MemoryBudget

    public init(training: Bool = false, mask: Tensor<UInt8>? = nil, memoryBudget: MemoryBudget = MemoryBudget()) {
        self.training = training
        self.mask = mask
        self.memoryBudget = memoryBudget
    }
}

/// A layer's result: the output and, for layers whose call updates state
/// (BatchNormalization with `training: true`), the updated variables by name.
public struct LayerOutput: Sendable {
    public var output: Tensor<Float>
    public var updatedWeights: [String: Tensor<Float>]

    public init(output: Tensor<Float>, updatedWeights: [String: Tensor<Float>] = [:]) {
        self.output = output
        self.updatedWeights = updatedWeights
    }
}

/// A Keras layer implemented in Swift.
///
/// Conformers keep Keras semantics (shapes, padding, axes, config decoding) in the
/// layer type and call numeric kernels in `Kernels/` for the arithmetic.
public protocol KerasLayer: Sendable {
    /// `type(layer).__name__` in Keras, e.g. `MaxPooling2D`.
    static var className: String { get }

    /// Builds the layer from the JSON object `layer.get_config()` returned.
    init(config: LayerConfig) throws(KerasLayerError)

    /// Names of the variables the layer holds, in Keras's order (`gamma`, `beta`, ...); empty for stateless layers.
    var weightNames: [String] { get }

    /// Sets the variables by name (the last component of the Keras variable path).
    /// Shapes are checked against the input in `call`, where the input shape is known.
    mutating func setWeights(_ weights: [String: Tensor<Float>]) throws(KerasLayerError)

    /// Keras's `compute_output_shape`: the shape `call` returns for an input of this shape,
    /// computed from the config alone (nothing is allocated), so that a caller can refuse a
    /// shape it does not expect before the call.
    func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int]

    /// Runs the layer on `input`.
    func call(_ input: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerOutput

    /// The layer's dtype policy (`float32` unless built with another; see `KerasLayer+DTypes.swift`).
    var dtypePolicy: DTypePolicy { get }

    /// Keras's `layer.autocast`: whether a floating input is cast to the compute type before the
    /// call (true unless the layer turns it off, as LayerNormalization does).
    var autocastsInput: Bool { get }

    /// Sets the variables from tensors of any element type (see `KerasLayer+DTypes.swift`).
    mutating func setWeights(any weights: [String: AnyTensor]) throws(KerasLayerError)

    /// Runs the layer on an input of any element type, with the casts Keras makes under
    /// `dtypePolicy`; the output and updated variables come back in the types Keras gives them.
    func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput
}

/// A layer whose output has its input's shape (the normalization layers).
public protocol ShapePreservingLayer: KerasLayer {}

extension ShapePreservingLayer {
    public func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] { shape }
}

extension KerasLayer {
    public var weightNames: [String] { [] }

    public mutating func setWeights(_ weights: [String: Tensor<Float>]) throws(KerasLayerError) {
        if let name = weights.keys.sorted().first {
            throw .invalidWeights(layer: Self.className, message: "the layer has no variables, but got '\(name)'")
        }
    }
}
