/// One reason a case did not pass: which tensor (if any), what kind of problem, and the details.
///
/// A case keeps these as a list; reports render them (`description` joins tensor and details)
/// and never parse them back.
public struct CaseProblem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The case could not be read from its golden file.
        case unreadable
        /// The implementation has no layer of this class.
        case notImplemented
        /// The implementation has the layer but declines this call (`LayerImplementation.declines`).
        case declined
        /// The implementation's layer threw.
        case layerThrew
        /// The same case id on the same backend in more than one file.
        case duplicate
        /// A compared tensor has another shape than Keras's.
        case shape
        /// A compared tensor has another element type than Keras's.
        case elementType
        /// NaN or ±Inf at other positions (or of other sign) than Keras's.
        case nonFinite
        /// Finite values outside the allowed error.
        case values
        /// Keras updated a variable the implementation returned no update for.
        case missingUpdate
        /// The implementation updated a variable the case does not have.
        case unexpectedUpdate
        /// Keras on this backend refused the call, another backend computed it, and so did the
        /// implementation (the case is skipped here and judged in that backend's run).
        case kerasRefused
        /// Keras on this backend computed the call, another backend refused it, and so did the
        /// implementation (the case is skipped here and judged in that backend's run).
        case refusedAsOtherBackend
        /// Keras refused the call on every backend, but the implementation returned a value.
        case notRefused
        /// The implementation's backward pass threw.
        case gradientsThrew
        /// Keras has a gradient the implementation did not return.
        case missingGradient
        /// The implementation returned a gradient Keras has no record of.
        case unexpectedGradient
    }

    /// The tensor it concerns (`outputs/y`, `updated/moving_mean`, ...), nil for the whole case.
    public var tensor: String?
    public var kind: Kind
    /// One line, without the tensor name.
    public var details: String

    public init(tensor: String? = nil, kind: Kind, details: String) {
        self.tensor = tensor
        self.kind = kind
        self.details = details
    }

    /// Whether it concerns the backward part: a gradient tensor (`grads/...`) or the backward pass as a whole.
    public var isBackward: Bool {
        kind == .gradientsThrew || kind == .missingGradient || kind == .unexpectedGradient
            || (tensor?.hasPrefix("grads/") ?? false)
    }

    /// `tensor: details`, or just the details.
    public var description: String { tensor.map { "\($0): \(details)" } ?? details }
}
