import KerasJSON

// The normalization layers' variables: names, initial constants, storage checked against the input.

/// The constant a Keras initializer config produces, when it is deterministic:
/// `"zeros"`, `"ones"`, `Zeros`, `Ones`, `Constant(value)`. nil for random initializers.
func normInitializerConstant(_ value: JSONValue?) -> Float? {
    guard let value, !value.isNull else { return nil }
    if let name = value.stringValue {
        switch name.lowercased() {
        case "zeros", "zero": return 0
        case "ones", "one": return 1
        default: return nil
        }
    }
    guard let className = value["class_name"]?.stringValue else { return nil }
    switch className {
    case "Zeros": return 0
    case "Ones": return 1
    case "Constant":
        return Float(value["config"]?["value"]?.doubleValue ?? 0)
    default: return nil
    }
}

/// `gamma` (with `scale`) and `beta` (with `center`), in Keras's order.
func normAffineVariableNames(scale: Bool, center: Bool) -> [String] {
    var names: [String] = []
    if scale { names.append("gamma") }
    if center { names.append("beta") }
    return names
}

/// The variables' initial constants: Keras's `defaults`, replaced by the `configured`
/// initializers' constants, where nil (a random initializer) leaves the variable without one.
func normInitialConstants(_ defaults: [String: Float], configured: [String: Float?]) -> [String: Float] {
    var constants = defaults
    for (name, value) in configured { constants[name] = value }
    return constants
}

/// A normalization layer whose variables a `NormVariables` holds: its `weightNames` and
/// `setWeights` are the storage's.
protocol HoldsNormVariables: KerasLayer {
    var variables: NormVariables { get set }
}

extension HoldsNormVariables {
    public var weightNames: [String] { variables.names }

    public mutating func setWeights(_ weights: [String: Tensor<Float>]) throws(KerasLayerError) {
        try variables.set(weights.mapValues { .float32($0) })
    }

    /// Under a float64 variable type the weights are kept in float64 (any floating or integer
    /// value widens exactly enough); otherwise each must be exactly a float32, as the default does.
    public mutating func setWeights(any weights: [String: AnyTensor]) throws(KerasLayerError) {
        guard dtypePolicy.variableDType == .float64 else {
            var floats: [String: AnyTensor] = [:]
            for (name, weight) in weights {
                floats[name] = .float32(try weight.exactFloat32(layer: Self.className, what: "weight '\(name)'"))
            }
            try variables.set(floats)
            return
        }
        try variables.set(weights.mapValues { $0.cast(to: .float64) })
    }
}

/// A layer's variables: set by name, checked against the shapes the input implies.
///
/// Before `set` is called, each variable holds its initializer's constant when that is
/// deterministic (`gamma` ones, `beta` zeros, ...), as in a freshly built Keras layer.
struct NormVariables: Sendable {
    let layer: String
    /// Keras's order.
    let names: [String]
    /// Variables that may be left out of `set` (Normalization's integer `count`).
    let optional: Set<String>
    /// Initial constants, per name (absent: random initializer, must be set).
    let initial: [String: Float]
    var values: [String: AnyTensor] = [:]

    init(layer: String, names: [String], optional: Set<String> = [], initial: [String: Float]) {
        self.layer = layer
        self.names = names
        self.optional = optional
        self.initial = initial
    }

    /// Replaces all variables; every required name must be present and no other.
    mutating func set(_ weights: [String: AnyTensor]) throws(KerasLayerError) {
        for name in weights.keys.sorted() where !names.contains(name) {
            let known = names.isEmpty ? "the layer has no variables" : "its variables are \(names.map { "'\($0)'" }.joined(separator: ", "))"
            throw .invalidWeights(layer: layer, message: "unexpected variable '\(name)'; \(known)")
        }
        for name in names where weights[name] == nil && !optional.contains(name) {
            throw .invalidWeights(layer: layer, message: "missing variable '\(name)'")
        }
        values = weights
    }

    /// The elements of `name` in `T`, whose shape must be `shape`.
    func value<T: ComputeScalar>(_ name: String, shape: [Int], inputShape: [Int]) throws(KerasLayerError) -> [T] {
        try stored(name, shape: shape, inputShape: inputShape, anyShapeWithSameCount: false)
    }

    /// The elements of `name`, whatever its shape, as long as it holds `shape`'s element count
    /// (for variables Keras reshapes before use: Normalization's adapted `mean`/`variance`,
    /// which Keras even stores with shape `(1,)` when the kept shape is `()`).
    func reshapedValue<T: ComputeScalar>(_ name: String, shape: [Int], inputShape: [Int]) throws(KerasLayerError) -> [T] {
        try stored(name, shape: shape, inputShape: inputShape, anyShapeWithSameCount: true)
    }

    /// The set value of `name` checked against `shape` (exactly, or by element count), else its
    /// initial value; converted to `T` (without a copy when it is stored in `T`).
    private func stored<T: ComputeScalar>(_ name: String, shape: [Int], inputShape: [Int], anyShapeWithSameCount: Bool)
        throws(KerasLayerError) -> [T]
    {
        let count = MemoryBudget.saturatingProduct(shape)
        guard let tensor = values[name] else { return try initialValue(name, count: count) }
        guard anyShapeWithSameCount ? MemoryBudget.saturatingProduct(tensor.shape) == count : tensor.shape == shape else {
            let alternative = anyShapeWithSameCount ? " (or any shape with \(count) elements)" : ""
            throw .invalidWeights(
                layer: layer,
                message:
                    "variable '\(name)' has shape \(PythonLiteral.tuple(tensor.shape)), but inputs of shape \(PythonLiteral.tuple(inputShape)) need \(PythonLiteral.tuple(shape))\(alternative)"
            )
        }
        return tensor.tensor(of: T.self)?.scalars ?? tensor.doubleValues.map { T($0) }
    }

    private func initialValue<T: ComputeScalar>(_ name: String, count: Int) throws(KerasLayerError) -> [T] {
        if values.isEmpty, let constant = initial[name] {
            return Array(repeating: T(constant), count: count)
        }
        throw .invalidWeights(layer: layer, message: "missing variable '\(name)' (its initializer is not a constant, so it must be set)")
    }
}
