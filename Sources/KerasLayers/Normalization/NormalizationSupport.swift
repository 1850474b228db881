import KerasJSON

// Shared plumbing of the normalization layers: axis rules, variable storage, broadcasting.

/// Python's rendering of a list of ints: `[1, -1]`.
func normDescribeList(_ values: [Int]) -> String {
    "[" + values.map(String.init).joined(separator: ", ") + "]"
}

/// Resolves one (possibly negative) axis against `rank`, with the message Keras's
/// `compute_output_shape` gives for an axis out of range.
func normCanonicalAxis(
    _ axis: Int, rank: Int, shape: [Int], layer: String, received: String
) throws(KerasLayerError) -> Int {
    guard axis >= -rank, axis < rank else {
        throw .invalidConfig(
            layer: layer, argument: "axis",
            message: "Axis \(axis) is out of bounds for input shape \(PythonLiteral.tuple(shape)). Received: axis=\(received)")
    }
    return axis < 0 ? axis + rank : axis
}

/// Resolves a list of axes: every one in range and none repeated (the reductions Keras
/// calls reject duplicates: "duplicate value in 'axis'").
func normCanonicalAxes(
    _ axes: [Int], rank: Int, shape: [Int], layer: String, received: String
) throws(KerasLayerError) -> [Int] {
    var result: [Int] = []
    for a in axes {
        let c = try normCanonicalAxis(a, rank: rank, shape: shape, layer: layer, received: received)
        guard !result.contains(c) else {
            throw .invalidConfig(
                layer: layer, argument: "axis",
                message: "duplicate value in 'axis': \(PythonLiteral.tuple(axes.sorted())) (axis \(a) repeats axis \(c) of an input of rank \(rank))")
        }
        result.append(c)
    }
    return result
}

/// Which axes of an input of shape `shape` the list `axis` (as the user wrote it) normalizes,
/// after the range and duplicate checks of `normCanonicalAxes`.
func normNormalizedAxes(_ axis: [Int], shape: [Int], layer: String) throws(KerasLayerError) -> [Bool] {
    let rank = shape.count
    let received = axis.count == 1 ? String(axis[0]) : normDescribeList(axis)
    var normalized = Array(repeating: false, count: rank)
    for a in try normCanonicalAxes(axis, rank: rank, shape: shape, layer: layer, received: received) {
        normalized[a] = true
    }
    return normalized
}

/// When the normalized axes are the trailing axes, the input as `count` contiguous rows of
/// `length` elements, each normalized on its own (the kernels' fast path); nil otherwise.
func normTrailingRows(_ shape: [Int], normalized: [Bool]) -> (count: Int, length: Int)? {
    let first = normalized.firstIndex(of: true) ?? shape.count
    guard normalized[first...].allSatisfy({ $0 }) else { return nil }
    return (shape[..<first].reduce(1, *), shape[first...].reduce(1, *))
}

/// NumPy broadcasting of a parameter of shape `param` against an input of shape `shape`
/// (trailing axes aligned): the parameter's element stride along each input axis, 0 where
/// it broadcasts. Throws when the shapes are incompatible or the parameter would enlarge
/// the output.
func normBroadcastStrides(
    _ param: [Int], to shape: [Int], layer: String, name: String
) throws(KerasLayerError) -> [Int] {
    guard param.count <= shape.count,
          let strides = normBroadcastStrides(of: param, over: shape, alignedAt: shape.count - param.count)
    else {
        throw .invalidWeights(
            layer: layer,
            message: "Incompatible shapes for broadcasting: shapes=[\(PythonLiteral.tuple(shape)), \(PythonLiteral.tuple(param))] ('\(name)' against the input)")
    }
    return strides
}

/// The element strides of an operand of shape `operand` broadcast over `shape`, its axes
/// standing at `shape`'s axes `offset`, `offset + 1`, ...: its own contiguous stride where the
/// sizes match, 0 where it has size 1 or no axis. nil when a size differs and is not 1.
func normBroadcastStrides(of operand: [Int], over shape: [Int], alignedAt offset: Int) -> [Int]? {
    let own = NormWalk.contiguousStrides(operand)
    var strides = Array(repeating: 0, count: shape.count)
    for i in operand.indices {
        let d = offset + i
        if operand[i] == shape[d] {
            strides[d] = operand[i] == 1 ? 0 : own[i]
        } else if operand[i] != 1 {
            return nil
        }
    }
    return strides
}

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
        try variables.set(weights)
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
    var values: [String: Tensor<Float>] = [:]

    init(layer: String, names: [String], optional: Set<String> = [], initial: [String: Float]) {
        self.layer = layer
        self.names = names
        self.optional = optional
        self.initial = initial
    }

    /// Replaces all variables; every required name must be present and no other.
    mutating func set(_ weights: [String: Tensor<Float>]) throws(KerasLayerError) {
        for name in weights.keys.sorted() where !names.contains(name) {
            let known = names.isEmpty ? "the layer has no variables" : "its variables are \(names.map { "'\($0)'" }.joined(separator: ", "))"
            throw .invalidWeights(layer: layer, message: "unexpected variable '\(name)'; \(known)")
        }
        for name in names where weights[name] == nil && !optional.contains(name) {
            throw .invalidWeights(layer: layer, message: "missing variable '\(name)'")
        }
        values = weights
    }

    /// The elements of `name`, whose shape must be `shape`.
    func value(_ name: String, shape: [Int], inputShape: [Int]) throws(KerasLayerError) -> [Float] {
        if let tensor = values[name] {
            guard tensor.shape == shape else {
                throw .invalidWeights(
                    layer: layer,
                    message: "variable '\(name)' has shape \(PythonLiteral.tuple(tensor.shape)), but inputs of shape \(PythonLiteral.tuple(inputShape)) need \(PythonLiteral.tuple(shape))")
            }
            return tensor.scalars
        }
        return try initialValue(name, count: MemoryBudget.saturatingProduct(shape))
    }

    /// The elements of `name`, whatever its shape, as long as it holds `shape`'s element count
    /// (for variables Keras reshapes before use: Normalization's adapted `mean`/`variance`,
    /// which Keras even stores with shape `(1,)` when the kept shape is `()`).
    func reshapedValue(_ name: String, shape: [Int], inputShape: [Int]) throws(KerasLayerError) -> [Float] {
        if let tensor = values[name] {
            guard tensor.count == MemoryBudget.saturatingProduct(shape) else {
                throw .invalidWeights(
                    layer: layer,
                    message: "variable '\(name)' has shape \(PythonLiteral.tuple(tensor.shape)), but inputs of shape \(PythonLiteral.tuple(inputShape)) need \(PythonLiteral.tuple(shape)) (or any shape with \(MemoryBudget.saturatingProduct(shape)) elements)")
            }
            return tensor.scalars
        }
        return try initialValue(name, count: MemoryBudget.saturatingProduct(shape))
    }

    private func initialValue(_ name: String, count: Int) throws(KerasLayerError) -> [Float] {
        if values.isEmpty, let constant = initial[name] {
            return Array(repeating: constant, count: count)
        }
        throw .invalidWeights(layer: layer, message: "missing variable '\(name)' (its initializer is not a constant, so it must be set)")
    }
}

extension LayerConfig {
    /// `epsilon`: any number (Keras does not check its sign; a negative epsilon gives NaN
    /// wherever `variance + epsilon < 0`, as in Keras).
    func normEpsilon(default value: Double) throws(KerasLayerError) -> Double {
        try double("epsilon", default: value)
    }

    /// The constant each variable's `<name>_initializer` gives (nil: not a constant), for
    /// variables mapped to the initializer Keras uses when the config names none.
    func normInitializerConstants(_ defaults: [String: String]) -> [String: Float?] {
        Dictionary(uniqueKeysWithValues: defaults.map { name, initializer in
            (name, normInitializerConstant(value("\(name)_initializer") ?? .string(initializer)))
        })
    }

    /// Marks the regularizers and constraints of `variables` (`gamma_regularizer`, ...) as
    /// read: they act in training (a loss, a projection after the optimizer step), never in a call.
    func normAcceptRegularizersAndConstraints(_ variables: [String]) {
        accept(variables.flatMap { ["\($0)_regularizer", "\($0)_constraint"] })
    }

    /// An int or a list of ints; `default` when absent.
    func normAxes(_ key: String = "axis", default value: [Int]) throws(KerasLayerError) -> [Int] {
        try axes(key) ?? value
    }
}

/// Creates the output tensor: `body` fills `count` elements.
func normMakeOutput(
    shape: [Int], _ body: (UnsafeMutablePointer<Float>) -> Void
) -> Tensor<Float> {
    let count = MemoryBudget.saturatingProduct(shape)
    let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 { body(buffer.baseAddress!) }
        initialized = count
    }
    return Tensor(uncheckedShape: shape, scalars: scalars)
}

/// `y = x · scale + shift` elementwise, `scale` and `shift` read through `paramStrides` (their
/// element stride along each input axis, 0 where they do not vary).
func normAffineOutput(_ input: Tensor<Float>, scale: [Float], shift: [Float], paramStrides: [Int]) -> Tensor<Float> {
    let shape = input.shape
    let walk = NormWalk(shape: shape, strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), paramStrides))
    return input.scalars.withUnsafeBufferPointer { x in
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { b in
                normMakeOutput(shape: shape) { y in
                    NormalizationKernels.affine(x.baseAddress!, y, walk: walk, scale: s.baseAddress!, shift: b.baseAddress!)
                }
            }
        }
    }
}
