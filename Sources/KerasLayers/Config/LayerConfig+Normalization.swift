import KerasJSON

/// The normalization layers' config arguments.
extension LayerConfig {
    /// `epsilon`: any number (Keras does not check its sign; a negative epsilon gives NaN
    /// wherever `variance + epsilon < 0`, as in Keras).
    func normEpsilon(default value: Double) throws(KerasLayerError) -> Double {
        try double("epsilon", default: value)
    }

    /// The constant each variable's `<name>_initializer` gives (nil: not a constant), for
    /// variables mapped to the initializer Keras uses when the config names none.
    func normInitializerConstants(_ defaults: [String: String]) -> [String: Float?] {
        Dictionary(
            uniqueKeysWithValues: defaults.map { name, initializer in
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
