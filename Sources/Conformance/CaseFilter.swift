/// Which case ids a run takes: those matching `include` (all when nil) and not `exclude`.
/// The regular expressions are compiled once, when the filter is made.
public struct CaseFilter: @unchecked Sendable {
    // `Regex` is immutable once built; it is not declared Sendable, hence `@unchecked`.
    private let include: Regex<AnyRegexOutput>?
    private let exclude: Regex<AnyRegexOutput>?

    /// Throws when a pattern is not a valid regular expression.
    public init(include: String? = nil, exclude: String? = nil) throws {
        self.include = try include.map { try Regex($0) }
        self.exclude = try exclude.map { try Regex($0) }
    }

    public func selects(_ id: String) -> Bool {
        if let include, id.firstMatch(of: include) == nil { return false }
        if let exclude, id.firstMatch(of: exclude) != nil { return false }
        return true
    }
}
