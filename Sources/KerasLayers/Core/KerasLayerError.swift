/// Every error a layer reports: what is wrong and where, in Keras's words where Keras has them.
public enum KerasLayerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration argument Keras would reject (or that we cannot honour).
    case invalidConfig(layer: String, argument: String, message: String)
    /// An input tensor (or mask) whose shape or rank does not fit the layer.
    case invalidInput(String)
    /// A missing, unexpected or wrongly shaped weight.
    case invalidWeights(layer: String, message: String)
    /// No layer of this class name exists in this implementation.
    case unknownLayer(String)
    /// A valid Keras configuration this implementation does not support.
    case unsupported(layer: String, message: String)

    public var description: String {
        switch self {
        case .invalidConfig(let layer, let argument, let message): return "\(layer): invalid `\(argument)`: \(message)"
        case .invalidInput(let message): return "invalid input: \(message)"
        case .invalidWeights(let layer, let message): return "\(layer): invalid weights: \(message)"
        case .unknownLayer(let name): return "unknown layer class '\(name)'"
        case .unsupported(let layer, let message): return "\(layer): not supported: \(message)"
        }
    }
}
