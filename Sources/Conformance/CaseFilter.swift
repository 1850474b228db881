/// Which cases a run takes: ids matching `include` (all when nil) and not `exclude`, of a
/// Keras class whose whole name matches `layer` (all when nil), captured on one of `backends`
/// (all when nil). The regular expressions are compiled once, when the filter is made.
///
/// A case that could not be read has no class the filter can see; `layer` never drops it,
/// so a damaged file is reported rather than silently left out.
public struct CaseFilter: @unchecked Sendable {
    // `Regex` is immutable once built; it is not declared Sendable, hence `@unchecked`.
    private let include: Regex<AnyRegexOutput>?
    private let exclude: Regex<AnyRegexOutput>?
    private let layer: Regex<AnyRegexOutput>?
    private let backends: Set<String>?

    /// Throws when a pattern is not a valid regular expression.
    public init(include: String? = nil, exclude: String? = nil, layer: String? = nil, backends: [String]? = nil) throws {
        self.include = try include.map { try Regex($0) }
        self.exclude = try exclude.map { try Regex($0) }
        self.layer = try layer.map { try Regex($0) }
        self.backends = backends.map(Set.init)
    }

    public func selects(_ id: String) -> Bool {
        if let include, id.firstMatch(of: include) == nil { return false }
        if let exclude, id.firstMatch(of: exclude) != nil { return false }
        return true
    }

    /// Whether the case `id` of Keras class `layer` (nil when unreadable) on `backend` is taken.
    public func selects(_ id: String, layer className: String?, backend: String) -> Bool {
        if let backends, !backends.contains(backend) { return false }
        if let layer, let className, (try? layer.wholeMatch(in: className)) == nil { return false }
        return selects(id)
    }
}
