import Foundation

/// How much of its allowed error each element of a comparison used, binned on a log scale.
///
/// For a finite element the used fraction is u = |actual − expected| / allowed (the
/// comparator's rule: ≤ 1 passes). u = 0 (bit-exact) is counted in `exact`; u = ∞ (an
/// error where nothing was allowed) in `unbounded`; any other u in bin
/// k = ⌈4·log₁₀ u⌉, which holds 10^((k−1)/4) < u ≤ 10^(k/4), four bins per decade, so
/// bins k ≤ 0 pass and k ≥ 1 fail. Bins below `lowestBin` (u ≤ 10⁻¹⁰) are merged into it.
public struct UsedFractionHistogram: Sendable, Equatable {
    /// The bin that also holds every smaller positive fraction: u ≤ 10^(lowestBin/4) = 10⁻¹⁰.
    public static let lowestBin = -40
    /// Bins per decade of u.
    public static let binsPerDecade = 4

    /// Elements with u = 0.
    public var exact = 0
    /// Elements with u = ∞.
    public var unbounded = 0
    /// Counts by bin k (see the type's description); bins with no element are absent.
    public var bins: [Int: Int] = [:]

    public init() {}

    /// Every element counted.
    public var total: Int { exact + unbounded + bins.values.reduce(0, +) }

    /// Counts one element whose used fraction is `u` (NaN is not counted).
    public mutating func add(_ u: Double) {
        if u == 0 {
            exact += 1
        } else if u == .infinity {
            unbounded += 1
        } else if u > 0 {
            bins[Self.bin(of: u), default: 0] += 1
        }
    }

    /// Adds another histogram's counts to this one.
    public mutating func merge(_ other: UsedFractionHistogram) {
        exact += other.exact
        unbounded += other.unbounded
        bins.merge(other.bins, uniquingKeysWith: +)
    }

    /// k = ⌈4·log₁₀ u⌉ for finite u > 0, at least `lowestBin`.
    public static func bin(of u: Double) -> Int {
        max(lowestBin, Int((Double(binsPerDecade) * log10(u)).rounded(.up)))
    }

    /// The largest used fraction bin k holds: 10^(k/4).
    public static func upperBound(of bin: Int) -> Double {
        pow(10, Double(bin) / Double(binsPerDecade))
    }
}
