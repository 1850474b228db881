import KerasJSON
import ReferenceData

/// What the harness hands an implementation for one golden case: the Keras class name,
/// the `get_config()` JSON, the call arguments, and the tensors, exactly as stored.
public struct LayerInvocation: Sendable {
    public var layer: String
    public var config: JSONValue
    public var call: JSONValue
    public var input: ReferenceTensor
    public var mask: ReferenceTensor?
    public var weights: [String: ReferenceTensor]
    /// Whether a config key the implementation does not know is an error (`--strict-config`);
    /// otherwise it is a warning in `LayerResult.warnings`.
    public var strictConfig: Bool
    /// The bytes the implementation may allocate for this case, intermediates included
    /// (`--memory-budget`); nil: the implementation's documented default.
    public var memoryBudget: Int?
    /// The shape of Keras's output for this case (the golden `outputs/y`), so that an
    /// implementation can compare the shape it would produce before allocating it.
    public var expectedOutputShape: [Int]?

    public init(
        layer: String, config: JSONValue, call: JSONValue, input: ReferenceTensor,
        mask: ReferenceTensor? = nil, weights: [String: ReferenceTensor] = [:],
        strictConfig: Bool = false, memoryBudget: Int? = nil, expectedOutputShape: [Int]? = nil
    ) {
        self.layer = layer
        self.config = config
        self.call = call
        self.input = input
        self.mask = mask
        self.weights = weights
        self.strictConfig = strictConfig
        self.memoryBudget = memoryBudget
        self.expectedOutputShape = expectedOutputShape
    }
}

/// What an implementation returns: the output, the variables the call updated, and what it
/// warns about (e.g. config keys it does not know), which every report shows with the case.
public struct LayerResult: Sendable {
    public var output: ReferenceTensor
    public var updated: [String: ReferenceTensor]
    public var warnings: [String]

    public init(output: ReferenceTensor, updated: [String: ReferenceTensor] = [:], warnings: [String] = []) {
        self.output = output
        self.updated = updated
        self.warnings = warnings
    }
}

/// A Swift implementation of Keras layers, as the harness sees it.
///
/// The harness knows nothing else about the implementation, so any other Swift
/// implementation of these layers can be run against the same golden files by
/// conforming to this protocol.
public protocol LayerImplementation: Sendable {
    /// A name for reports, e.g. `KerasLayers`.
    var name: String { get }
    /// Whether the implementation has a layer of this Keras class name.
    func implements(layer: String) -> Bool
    /// Why the implementation does not take this call of a layer it has, when it does not
    /// (e.g. an element type or dtype policy it does not have): the case is skipped with this
    /// reason, like a layer it does not have, and neither passes nor fails. nil (the default):
    /// it takes the call, and whatever `run` throws is an error of the case.
    func declines(_ invocation: LayerInvocation) -> String?
    /// Builds the layer from `invocation.config`, sets its weights, calls it.
    func run(_ invocation: LayerInvocation) throws -> LayerResult
    /// The backward pass of the same call as `run(invocation)`: for the loss L = sum(y * upstream),
    /// y being the call's output, the vector-Jacobian products keyed by their golden `grads/` names:
    /// "x" for ∂L/∂x (shape of the input) and each trainable variable's name (`gamma`, `beta`, ...)
    /// for ∂L/∂variable. nil: the implementation has no backward pass for this layer, and the
    /// case's gradients are reported as skipped, not failed (the default).
    func gradients(_ invocation: LayerInvocation, upstream: ReferenceTensor) throws -> [String: ReferenceTensor]?
}

extension LayerImplementation {
    /// Takes every call of the layers it implements.
    public func declines(_ invocation: LayerInvocation) -> String? { nil }

    /// No backward pass: every gradient part is skipped.
    public func gradients(_ invocation: LayerInvocation, upstream: ReferenceTensor) throws -> [String: ReferenceTensor]? { nil }
}
