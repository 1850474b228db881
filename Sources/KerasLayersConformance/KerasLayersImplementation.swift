import Conformance
import KerasJSON
import KerasLayers
import ReferenceData

/// This package's layers behind the harness's `LayerImplementation` protocol.
///
/// The conversion is the only thing here: golden tensors to `AnyTensor` in the element type
/// they were stored with (Keras's, so the layer makes Keras's casts itself), the `training`
/// call argument, and the output and updated variables back in the types the layer gives.
public struct KerasLayersImplementation: LayerImplementation {
    public init() {}

    public var name: String { "KerasLayers" }

    public func implements(layer: String) -> Bool {
        LayerRegistry.layerTypes[LayerRegistry.canonicalName(layer)] != nil
    }

    public func run(_ invocation: LayerInvocation) throws -> LayerResult {
        let call = try prepare(invocation)
        let produced = try call.layer.call(call.input, options: call.options)
        // `Variable.assign` casts to the variable's own dtype: an updated variable keeps the type it was given in.
        var updated: [String: ReferenceTensor] = [:]
        for (name, tensor) in produced.updatedWeights {
            updated[name] = Self.referenceTensor(call.weightTypes[name].map { tensor.cast(to: $0) } ?? tensor)
        }
        return LayerResult(output: Self.referenceTensor(produced.output), updated: updated, warnings: call.warnings)
    }

    /// The layer's `gradient(of:upstream:options:)` for the call `run` makes (same config,
    /// weights, mask and `training`), keyed "x" and by variable name, in the types the layer
    /// gives (∂L/∂x in the input's type, a variable's gradient in the variable's type); nil when
    /// the layer has no backward pass (it does not conform to `DifferentiableLayer`) or none for
    /// this input type and dtype policy.
    public func gradients(_ invocation: LayerInvocation, upstream: ReferenceTensor) throws -> [String: ReferenceTensor]? {
        var call = try prepare(invocation)
        guard let layer = call.layer as? any DifferentiableLayer else { return nil }
        try call.options.memoryBudget.reserve(upstream.values.count, of: Float.self, for: "the float32 copy of dy", layer: invocation.layer)
        try call.options.memoryBudget.reserve(
            invocation.input.values.count, of: Double.self, for: "the input gradient handed back to the harness", layer: invocation.layer)
        let dy = try Self.anyTensor(upstream)
        guard let produced = try layer.gradient(of: call.input, upstream: dy, options: call.options) else { return nil }
        // A variable's gradient has the variable's dtype, as its update does.
        var gradients = ["x": Self.referenceTensor(produced.input)]
        for (name, tensor) in produced.weights {
            gradients[name] = Self.referenceTensor(call.weightTypes[name].map { tensor.cast(to: $0) } ?? tensor)
        }
        return gradients
    }

    /// A built layer with its weights set, and the call `invocation` describes.
    struct PreparedCall {
        var layer: any KerasLayer
        var input: AnyTensor
        /// The element type each weight was given in (an updated variable keeps it).
        var weightTypes: [String: DType]
        var options: CallOptions
        var warnings: [String]
    }

    /// Builds the layer from the config (unread keys: warnings, or an error under strict config),
    /// checks the output shape, reserves this adapter's copies in the memory budget, decodes the
    /// call arguments and sets the weights: everything `run` and `gradients` share.
    func prepare(_ invocation: LayerInvocation) throws -> PreparedCall {
        var (layer, unreadKeys) = try LayerRegistry.makeLayerReportingUnreadKeys(
            className: invocation.layer, config: invocation.config)
        var warnings: [String] = []
        if !unreadKeys.isEmpty {
            let names = unreadKeys.map { "'\($0)'" }.joined(separator: ", ")
            let message =
                "config key\(unreadKeys.count == 1 ? "" : "s") \(names) \(unreadKeys.count == 1 ? "is" : "are") not \(unreadKeys.count == 1 ? "an argument" : "arguments") of \(invocation.layer) that this implementation uses"
            if invocation.strictConfig {
                throw KerasLayerError.invalidConfig(
                    layer: invocation.layer, argument: unreadKeys[0], message: message + " (an error under --strict-config)")
            }
            warnings.append(message + "; ignored")
        }
        // The shape first: a case whose output would have the wrong shape fails before anything is allocated.
        let outputShape = try layer.outputShape(forInputShape: invocation.input.shape)
        if let expected = invocation.expectedOutputShape, expected != outputShape {
            throw KerasLayerError.outputShapeMismatch(layer: invocation.layer, computed: outputShape, expected: expected)
        }
        // This adapter's own copies (input and weights, mask bytes, the float64 output) come out of the budget too.
        var budget = MemoryBudget(bytes: invocation.memoryBudget ?? MemoryBudget.defaultBytes)
        let outputCount = outputShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        try budget.reserve(invocation.input.values.count, of: Double.self, for: "the copy of the input", layer: invocation.layer)
        try budget.reserve(invocation.mask?.values.count ?? 0, of: UInt8.self, for: "the mask", layer: invocation.layer)
        for (name, weight) in invocation.weights.sorted(by: { $0.key < $1.key }) {
            try budget.reserve(weight.values.count, of: Double.self, for: "the copy of weight '\(name)'", layer: invocation.layer)
        }
        try budget.reserve(outputCount, of: Double.self, for: "the output handed back to the harness", layer: invocation.layer)
        var training = false
        for (key, value) in invocation.call.objectValue ?? [:] {
            switch key {
            case "training":
                // Keras resolves `training=None` (no outer call setting it) to inference.
                if value.isNull { continue }
                guard let flag = value.boolValue else {
                    throw KerasLayerError.invalidInput("call argument `training` must be a boolean or null, got \(value.jsonText)")
                }
                training = flag
            default:
                throw KerasLayerError.unsupported(layer: invocation.layer, message: "call argument `\(key)`")
            }
        }
        var weights: [String: AnyTensor] = [:]
        for (name, tensor) in invocation.weights {
            weights[name] = try Self.anyTensor(tensor)
        }
        try layer.setWeights(any: weights)
        let input = try Self.anyTensor(invocation.input)
        let mask = try invocation.mask.map { tensor throws in try Self.maskTensor(tensor) }
        return PreparedCall(
            layer: layer, input: input, weightTypes: weights.mapValues(\.dtype),
            options: CallOptions(training: training, mask: mask, memoryBudget: budget), warnings: warnings)
    }

    /// A golden tensor in the element type it was stored with (every stored value converts exactly).
    static func anyTensor(_ tensor: ReferenceTensor) throws -> AnyTensor {
        func make<Scalar: TensorElement>(_: Scalar.Type) throws -> AnyTensor {
            AnyTensor(try Tensor<Scalar>(shape: tensor.shape, scalars: tensor.values.map(Scalar.init(casting:))))
        }
        switch tensor.elementType {
        case .float16: return try make(Float16.self)
        case .bfloat16: return try make(BFloat16.self)
        case .float32: return try make(Float.self)
        case .float64: return try make(Double.self)
        case .uint8: return try make(UInt8.self)
        case .int8: return try make(Int8.self)
        case .int16: return try make(Int16.self)
        case .int32: return try make(Int32.self)
        case .int64: return try make(Int64.self)
        }
    }

    static func maskTensor(_ tensor: ReferenceTensor) throws -> Tensor<UInt8> {
        guard tensor.values.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw KerasLayerError.invalidInput("a mask holds only 0 and 1")
        }
        return try Tensor(shape: tensor.shape, scalars: tensor.values.map { UInt8($0) })
    }

    /// The tensor in its own element type, widened to Double exactly.
    static func referenceTensor(_ tensor: AnyTensor) -> ReferenceTensor {
        guard let type = ElementType(rawValue: tensor.dtype.rawValue) else {
            preconditionFailure("every DType names an ElementType")
        }
        return ReferenceTensor(shape: tensor.shape, elementType: type, values: tensor.doubleValues)
    }
}
