import ReferenceData

/// An element where Keras's own backends disagree beyond the element type's tolerance, and
/// what the float64 oracle says about it.
public struct Dispute: Sendable, Equatable {
    /// The multi-index into the tensor.
    public var index: [Int]
    /// Each backend's Keras value there, this case's backend first.
    public var values: [BackendValue]
    /// The oracle's value there (Keras under the float64 policy), nil without an oracle.
    public var oracle: Double?
    /// The backends within the element type's tolerance of the oracle (empty without one).
    public var agreeing: [String]

    public struct BackendValue: Sendable, Equatable {
        public var backend: String
        public var value: Double
    }
}

/// The same case's tensor from another backend, for the envelope and for arbitration.
public struct Reference: Sendable {
    public var backend: String
    public var tensor: ReferenceTensor

    public init(backend: String, tensor: ReferenceTensor) {
        self.backend = backend
        self.tensor = tensor
    }
}
