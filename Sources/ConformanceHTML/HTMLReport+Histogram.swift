import Conformance
import Foundation
import Plot

/// The node context of inline SVG: Plot has no SVG vocabulary, so elements are named.
enum SVGContext {}

extension HTMLReport {
    /// The bins a histogram draws: bit-exact, the passing quarter-decades from u ≤ 10⁻¹⁰ to
    /// u ≤ 1, the failing ones up to u ≤ 100 (larger merged into the last), and u = ∞.
    enum HistogramBar: Hashable {
        case exact
        case bin(Int)
        case unbounded

        static let lastFailingBin = 2 * UsedFractionHistogram.binsPerDecade
        static let all: [HistogramBar] = [.exact]
            + (UsedFractionHistogram.lowestBin...lastFailingBin).map { .bin($0) } + [.unbounded]

        func count(in histogram: UsedFractionHistogram) -> Int {
            switch self {
            case .exact: return histogram.exact
            case .unbounded: return histogram.unbounded
            case .bin(HistogramBar.lastFailingBin): return histogram.bins.filter { $0.key >= HistogramBar.lastFailingBin }.values.reduce(0, +)
            case .bin(let k): return histogram.bins[k] ?? 0
            }
        }

        /// bit-exact, ≤ 1 % of the allowed error, ≤ 10^-0.5, up to the bound, beyond it.
        var tone: String {
            switch self {
            case .exact: return "exact"
            case .unbounded: return "beyond"
            case .bin(let k) where k <= -2 * UsedFractionHistogram.binsPerDecade: return "comfortable"
            case .bin(let k) where k <= -UsedFractionHistogram.binsPerDecade / 2: return "inside"
            case .bin(let k) where k <= 0: return "scraping"
            case .bin: return "beyond"
            }
        }

        var range: String {
            switch self {
            case .exact: return "u = 0 (bit-exact)"
            case .unbounded: return "u = ∞ (nothing allowed)"
            case .bin(UsedFractionHistogram.lowestBin): return "u ≤ 1e-10"
            case .bin(HistogramBar.lastFailingBin): return "u > " + HTMLReport.power(HistogramBar.lastFailingBin - 1)
            case .bin(let k): return HTMLReport.power(k - 1) + " < u ≤ " + HTMLReport.power(k)
            }
        }
    }

    /// 10^(k/4) written briefly: `1e-10`, `0.0316`, `1`, `17.8`.
    static func power(_ k: Int) -> String {
        String(format: "%.3g", UsedFractionHistogram.upperBound(of: k))
    }

    /// The histogram of one layer and direction: bars on a log count scale, the bound at u = 1, a line of figures.
    static func histogram(_ histogram: UsedFractionHistogram, title: String) -> Node<HTML.BodyContext> {
        let barWidth = 11.0, gap = 2.0, left = 46.0, top = 8.0, plotHeight = 120.0, bottom = 34.0
        let bars = HistogramBar.all
        let width = left + Double(bars.count) * (barWidth + gap) + 12
        let height = top + plotHeight + bottom
        let counts = bars.map { $0.count(in: histogram) }
        let maxCount = max(counts.max() ?? 0, 1)
        let decades = Int(log10(Double(maxCount)).rounded(.up))
        func y(_ count: Double) -> Double { top + plotHeight * (1 - log10(1 + count) / log10(1 + Double(maxCount))) }
        func x(_ bar: Int) -> Double { left + Double(bar) * (barWidth + gap) }
        let boundX = x(bars.firstIndex(of: .bin(1)) ?? 0) - gap / 2
        var ticks: [(x: Double, label: String)] = [(x(0) + barWidth / 2, "0")]
        for k in stride(from: UsedFractionHistogram.lowestBin, through: HistogramBar.lastFailingBin - 1, by: 8) {
            if let i = bars.firstIndex(of: .bin(k)) { ticks.append((x(i) + barWidth + gap / 2, power(k))) }
        }
        ticks.append((x(bars.count - 1) + barWidth / 2, "∞"))

        let svg: [Node<SVGContext>] = [
            .attribute(named: "class", value: "histogram"),
            .attribute(named: "width", value: fmt(width)), .attribute(named: "height", value: fmt(height)),
            .attribute(named: "viewBox", value: "0 0 \(fmt(width)) \(fmt(height))"),
            .attribute(named: "role", value: "img"),
            .element(named: "title", nodes: [.escapedText(title)]),
            .group((0...decades).map { d in
                let value = pow(10, Double(d))
                return .group(
                    line(left - 4, y(value), width - 8, y(value), "grid"),
                    text(left - 6, y(value) + 3, d == 0 ? "1" : (d < 4 ? fmt(value) : "1e\(d)"), "ylabel")
                )
            }),
            .group(bars.indices.map { i in
                guard counts[i] > 0 else { return .group() }
                return .element(named: "rect", nodes: [
                    .attribute(named: "class", value: "bar \(bars[i].tone)"),
                    .attribute(named: "x", value: fmt(x(i))), .attribute(named: "y", value: fmt(y(Double(counts[i])))),
                    .attribute(named: "width", value: fmt(barWidth)),
                    .attribute(named: "height", value: fmt(top + plotHeight - y(Double(counts[i])))),
                    .element(named: "title", nodes: [.escapedText("\(counts[i]) elements: \(bars[i].range)")]),
                ])
            }),
            line(left - 4, top + plotHeight, width - 8, top + plotHeight, "axis"),
            line(boundX, top - 4, boundX, top + plotHeight + 4, "bound"),
            text(boundX + 3, top + 6, "bound", "boundlabel"),
            .group(ticks.map { text($0.x, top + plotHeight + 14, $0.label, "xlabel") }),
            text(left + (width - left) / 2, height - 4, "u = |ours − Keras| / allowed, per element (log)", "axislabel"),
        ]
        return .div(
            .class("histogram"),
            .element(named: "svg", nodes: svg),
            .p(.class("figures"), .escapedText(figures(histogram)))
        )
    }

    /// The histogram in words: how many elements, how many bit-exact, within 1 %, near the bound, beyond it.
    static func figures(_ h: UsedFractionHistogram) -> String {
        let total = max(h.total, 1)
        func share(_ n: Int) -> String { "\(n) (\(String(format: "%.1f", Double(n) * 100 / Double(total)))%)" }
        let comfortable = h.bins.filter { $0.key <= -2 * UsedFractionHistogram.binsPerDecade }.values.reduce(0, +)
        let passing = h.bins.filter { $0.key <= 0 }.values.reduce(0, +)
        let beyond = h.bins.filter { $0.key > 0 }.values.reduce(0, +) + h.unbounded
        return "\(h.total) elements: \(share(h.exact)) bit-exact, \(share(comfortable)) within 1% of the allowed error, "
            + "\(share(passing - comfortable)) above 1% and inside the bound, \(share(beyond)) beyond it"
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ kind: String) -> Node<SVGContext> {
        .element(named: "line", nodes: [
            .attribute(named: "class", value: kind),
            .attribute(named: "x1", value: fmt(x1)), .attribute(named: "y1", value: fmt(y1)),
            .attribute(named: "x2", value: fmt(x2)), .attribute(named: "y2", value: fmt(y2)),
        ])
    }

    private static func text(_ x: Double, _ y: Double, _ label: String, _ kind: String) -> Node<SVGContext> {
        .element(named: "text", nodes: [
            .attribute(named: "class", value: kind),
            .attribute(named: "x", value: fmt(x)), .attribute(named: "y", value: fmt(y)),
            .escapedText(label),
        ])
    }

    private static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }
}
