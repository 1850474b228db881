import Conformance
import KerasJSON
import KerasLayers
import ReferenceData

/// This package's layers behind the harness's `LayerImplementation` protocol.
///
/// The conversion is the only thing here: golden tensors to `Tensor<Float>` (refusing
/// data that float32 cannot hold exactly), the `training` call argument, and the output
/// back to a float32 `ReferenceTensor`.
public struct KerasLayersImplementation: LayerImplementation {
    public init() {}

    public var name: String { "KerasLayers" }

    public func implements(layer: String) -> Bool {
        LayerRegistry.layerTypes[LayerRegistry.canonicalName(layer)] != nil
    }

    public func run(_ invocation: LayerInvocation) throws -> LayerResult {
        let call = try prepare(invocation)
        let produced = try call.layer.call(call.input, options: call.options)
        // A variable keeps its own dtype when the call updates it (e.g. float16 moving statistics).
        var updated: [String: ReferenceTensor] = [:]
        for (name, tensor) in produced.updatedWeights {
            updated[name] = Self.referenceTensor(tensor, as: invocation.weights[name]?.elementType ?? .float32)
        }
        return LayerResult(output: Self.referenceTensor(produced.output), updated: updated, warnings: call.warnings)
    }

    /// The layer's `gradient(of:upstream:options:)` for the call `run` makes (same config,
    /// weights, mask and `training`), keyed "x" and by variable name; nil when the layer has no
    /// backward pass (it does not conform to `DifferentiableLayer`).
    public func gradients(_ invocation: LayerInvocation, upstream: ReferenceTensor) throws -> [String: ReferenceTensor]? {
        var call = try prepare(invocation)
        guard let layer = call.layer as? any DifferentiableLayer else { return nil }
        try call.options.memoryBudget.reserve(upstream.values.count, of: Float.self, for: "the float32 copy of dy", layer: invocation.layer)
        try call.options.memoryBudget.reserve(
            invocation.input.values.count, of: Double.self, for: "the input gradient handed back to the harness", layer: invocation.layer)
        let dy = try Self.floatTensor(upstream, what: "dy")
        let produced = try layer.gradient(of: call.input, upstream: dy, options: call.options)
        // A variable's gradient has the variable's dtype, as its update does.
        var gradients = ["x": Self.referenceTensor(produced.input)]
        for (name, tensor) in produced.weights {
            gradients[name] = Self.referenceTensor(tensor, as: invocation.weights[name]?.elementType ?? .float32)
        }
        return gradients
    }

    /// A built layer with its weights set, and the call `invocation` describes.
    struct PreparedCall {
        var layer: any KerasLayer
        var input: Tensor<Float>
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
        // This adapter's own copies (float32 input, mask bytes, the float64 output) come out of the budget too.
        var budget = MemoryBudget(bytes: invocation.memoryBudget ?? MemoryBudget.defaultBytes)
        let outputCount = outputShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        try budget.reserve(invocation.input.values.count, of: Float.self, for: "the float32 copy of the input", layer: invocation.layer)
        try budget.reserve(invocation.mask?.values.count ?? 0, of: UInt8.self, for: "the mask", layer: invocation.layer)
        for (name, weight) in invocation.weights.sorted(by: { $0.key < $1.key }) {
            try budget.reserve(weight.values.count, of: Float.self, for: "the float32 copy of weight '\(name)'", layer: invocation.layer)
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
        var weights: [String: Tensor<Float>] = [:]
        for (name, tensor) in invocation.weights {
            weights[name] = try Self.floatTensor(tensor, what: "weight '\(name)'")
        }
        try layer.setWeights(weights)
        let input = try Self.floatTensor(invocation.input, what: "input")
        let mask = try invocation.mask.map { tensor throws in try Self.maskTensor(tensor) }
        return PreparedCall(layer: layer, input: input, options: CallOptions(training: training, mask: mask, memoryBudget: budget), warnings: warnings)
    }

    /// float32 data as is; any other stored type only when every value is exactly a float32
    /// (e.g. a float16 weight, or Normalization's int64 `count`), so nothing is rounded silently.
    static func floatTensor(_ tensor: ReferenceTensor, what: String) throws -> Tensor<Float> {
        let values = tensor.floatValues
        if tensor.elementType != .float32 {
            for (value, original) in zip(values, tensor.values) where Double(value) != original && !original.isNaN {
                throw KerasLayerError.unsupported(
                    layer: "KerasLayers",
                    message: "\(what) is \(tensor.elementType.rawValue) and holds \(original), which float32 cannot represent; the layers compute in float32")
            }
        }
        return try Tensor(shape: tensor.shape, scalars: values)
    }

    static func maskTensor(_ tensor: ReferenceTensor) throws -> Tensor<UInt8> {
        guard tensor.values.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw KerasLayerError.invalidInput("a mask holds only 0 and 1")
        }
        return try Tensor(shape: tensor.shape, scalars: tensor.values.map { UInt8($0) })
    }

    /// The tensor as `type`: float32 as is; float16 rounded to nearest as Keras's cast does; float64 widened.
    static func referenceTensor(_ tensor: Tensor<Float>, as type: ElementType = .float32) -> ReferenceTensor {
        let values: [Double]
        switch type {
        #if !(os(macOS) && arch(x86_64))  // Float16 does not exist on Intel Macs
            case .float16: values = tensor.scalars.map { Double(Float16($0)) }
        #endif
        default: values = tensor.scalars.map(Double.init)
        }
        let stored: ElementType = [.float16, .float64].contains(type) ? type : .float32
        return ReferenceTensor(shape: tensor.shape, elementType: stored, values: values)
    }
}
