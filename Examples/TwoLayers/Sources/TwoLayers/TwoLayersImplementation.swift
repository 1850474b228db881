import Conformance
import KerasJSON
import ReferenceData

/// Two Keras layers, `GlobalAveragePooling1D` and `UnitNormalization`, as the harness sees them.
///
/// Every other layer is "not implemented": the harness counts those cases as skipped.
public struct TwoLayersImplementation: LayerImplementation {
    public init() {}

    public var name: String { "TwoLayers" }

    public func implements(layer: String) -> Bool {
        ["GlobalAveragePooling1D", "UnitNormalization"].contains(layer)
    }

    /// Float32 only: another input type, or a dtype policy other than `float32` (Keras's config
    /// `dtype`, a policy object or a name), is declined, and the harness skips the case.
    public func declines(_ invocation: LayerInvocation) -> String? {
        let dtype = invocation.config["dtype"]
        let policy = dtype?["config"]?["name"]?.stringValue ?? dtype?.stringValue ?? "float32"
        if invocation.input.elementType != .float32 { return "\(invocation.input.elementType.rawValue) input (float32 only)" }
        if policy != "float32" { return "dtype policy \(policy) (float32 only)" }
        return nil
    }

    public func run(_ invocation: LayerInvocation) throws -> LayerResult {
        guard invocation.call.objectValue?.isEmpty ?? true else {
            throw ExampleLayerError("\(invocation.layer): call arguments \(invocation.call.jsonText) are not supported")
        }
        let input = invocation.input.values.map { Float($0) }
        let shape = invocation.input.shape
        let output: (shape: [Int], values: [Float])
        switch invocation.layer {
        case "GlobalAveragePooling1D":
            let layer = try GlobalAveragePooling1D(config: invocation.config)
            output = try layer.call(input, shape: shape, mask: invocation.mask.map { $0.values.map { $0 != 0 } })
        case "UnitNormalization":
            guard invocation.mask == nil else { throw ExampleLayerError("UnitNormalization: a mask is not supported") }
            let layer = try UnitNormalization(config: invocation.config, rank: shape.count)
            output = (shape, layer.call(input, shape: shape))
        default:
            throw ExampleLayerError("\(invocation.layer) is not implemented")
        }
        return LayerResult(output: ReferenceTensor(shape: output.shape, elementType: .float32,
                                                   values: output.values.map(Double.init)))
    }
}

/// A configuration or input this example does not handle, with a message naming it.
public struct ExampleLayerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
