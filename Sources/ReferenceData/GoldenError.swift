/// A golden file or case that cannot be read, naming the file, the case (when the
/// problem is inside one) and what is wrong.
public struct GoldenError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The file is not HDF5, is truncated, or cannot be opened.
        case unreadableFile
        /// The root `schema` attribute is missing or names another schema version.
        case unsupportedSchema
        /// A required attribute of the file or the case is missing or not of its type.
        case missingAttribute
        /// A required dataset of the case is missing.
        case missingDataset
        /// A dataset whose element type cannot be read as a tensor.
        case unreadableDataset
        /// The `config` or `call` attribute is not valid JSON (or not an object).
        case invalidJSON
        /// Anything else that breaks the schema (a bad case id, ...).
        case invalidCase
    }

    public var kind: Kind
    public var file: String
    public var caseID: String?
    public var message: String

    public init(_ kind: Kind, file: String, caseID: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.caseID = caseID
        self.message = message
    }

    public var description: String {
        if let caseID { return "\(file): case '\(caseID)': \(message)" }
        return "\(file): \(message)"
    }
}
