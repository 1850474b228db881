import KerasJSON

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
    /// A buffer the call needs does not fit in its `MemoryBudget` (`bytes` nil: more than can
    /// be counted); `reserved` bytes were already in use.
    case memoryBudgetExceeded(layer: String, what: String, bytes: Int?, budget: Int, reserved: Int)
    /// The output shape the layer computes from its config differs from the shape the caller
    /// expects (e.g. Keras's output in a golden case); found before anything is allocated.
    case outputShapeMismatch(layer: String, computed: [Int], expected: [Int])

    public var description: String {
        switch self {
        case .invalidConfig(let layer, let argument, let message): return "\(layer): invalid `\(argument)`: \(message)"
        case .invalidInput(let message): return "invalid input: \(message)"
        case .invalidWeights(let layer, let message): return "\(layer): invalid weights: \(message)"
        case .unknownLayer(let name): return "unknown layer class '\(name)'"
        case .unsupported(let layer, let message): return "\(layer): not supported: \(message)"
        case .memoryBudgetExceeded(let layer, let what, let bytes, let budget, let reserved):
            let size = bytes.map { "\($0) bytes" } ?? "more bytes than can be counted"
            return
                "\(layer): \(what) needs \(size), more than the memory budget of \(budget) bytes per call allows (\(reserved) bytes already reserved); raise the budget (CallOptions.memoryBudget, --memory-budget) if this is intended"
        case .outputShapeMismatch(let layer, let computed, let expected):
            return "\(layer): the output would have shape \(PythonLiteral.tuple(computed)), but the expected output has shape \(PythonLiteral.tuple(expected))"
        }
    }
}
