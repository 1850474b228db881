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
        static let all: [HistogramBar] =
            [.exact]
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

    /// The size of a drawn histogram: the full chart of a layer section, or the sparkline of a matrix row.
    struct ChartSize {
        var barWidth: Double, gap: Double, left: Double, top: Double, plotHeight: Double, bottom: Double
        var labelled: Bool

        static let full = ChartSize(barWidth: 11, gap: 2, left: 46, top: 12, plotHeight: 120, bottom: 34, labelled: true)
        static let sparkline = ChartSize(barWidth: 3, gap: 1, left: 2, top: 2, plotHeight: 20, bottom: 2, labelled: false)
    }

    /// The histogram of one layer and direction: bars on a log count scale, the bound at u = 1, a line of figures.
    static func histogram(_ histogram: UsedFractionHistogram, title: String) -> Node<HTML.BodyContext> {
        .div(
            .class("histogram"),
            chart(histogram, title: title, size: .full),
            .p(.class("figures"), .escapedText(figures(histogram)))
        )
    }

    /// The bars as inline SVG: one slot per bar, the bit-exact bar set apart by one empty slot.
    static func chart(_ histogram: UsedFractionHistogram, title: String, size: ChartSize) -> Node<HTML.BodyContext> {
        let bars = HistogramBar.all
        let slots = bars.count + 1
        let width = size.left + Double(slots) * (size.barWidth + size.gap) + (size.labelled ? 12 : 2)
        let height = size.top + size.plotHeight + size.bottom
        let counts = bars.map { $0.count(in: histogram) }
        let maxCount = max(counts.max() ?? 0, 1)
        func y(_ count: Double) -> Double {
            size.top + size.plotHeight * (1 - log10(1 + count) / log10(1 + Double(maxCount)))
        }
        func x(_ bar: Int) -> Double { size.left + Double(bar == 0 ? 0 : bar + 1) * (size.barWidth + size.gap) }
        let baseline = size.top + size.plotHeight
        let boundX = x(bars.firstIndex(of: .bin(1)) ?? 0) - size.gap / 2
        var nodes: [Node<SVGContext>] = [
            .attribute(named: "class", value: size.labelled ? "histogram" : "sparkline"),
            .attribute(named: "width", value: fmt(width)), .attribute(named: "height", value: fmt(height)),
            .attribute(named: "viewBox", value: "0 0 \(fmt(width)) \(fmt(height))"),
            .attribute(named: "role", value: "img"),
            .element(named: "title", nodes: [.escapedText(title)]),
        ]
        if size.labelled {
            let decades = Int(log10(Double(maxCount)).rounded(.down))
            for d in 0...decades {
                let value = pow(10, Double(d))
                nodes.append(line(size.left - 4, y(value), width - 8, y(value), "grid"))
                nodes.append(text(size.left - 6, y(value) + 3, d < 4 ? String(Int(value)) : "1e\(d)", "ylabel"))
            }
        }
        for (i, bar) in bars.enumerated() where counts[i] > 0 {
            nodes.append(
                .element(
                    named: "rect",
                    nodes: [
                        .attribute(named: "class", value: "bar \(bar.tone)"),
                        .attribute(named: "x", value: fmt(x(i))), .attribute(named: "y", value: fmt(y(Double(counts[i])))),
                        .attribute(named: "width", value: fmt(size.barWidth)),
                        .attribute(named: "height", value: fmt(baseline - y(Double(counts[i])))),
                        .element(named: "title", nodes: [.escapedText("\(counts[i]) elements: \(bar.range)")]),
                    ]))
        }
        nodes.append(line(size.left - (size.labelled ? 4 : 0), baseline, width - (size.labelled ? 8 : 0), baseline, "axis"))
        nodes.append(line(boundX, size.top - (size.labelled ? 6 : 2), boundX, baseline + 2, "bound"))
        if size.labelled {
            var ticks: [(x: Double, label: String)] = [(x(0) + size.barWidth / 2, "0")]
            for k in stride(from: UsedFractionHistogram.lowestBin, through: 0, by: 2 * UsedFractionHistogram.binsPerDecade) {
                if let i = bars.firstIndex(of: .bin(k)) { ticks.append((x(i) + size.barWidth + size.gap / 2, power(k))) }
            }
            ticks.append((x(bars.count - 1) + size.barWidth / 2, "∞"))
            nodes.append(text(boundX + 3, size.top - 2, "bound", "boundlabel"))
            nodes += ticks.map { text($0.x, baseline + 14, $0.label, "xlabel") }
            nodes.append(
                text(
                    size.left + (width - size.left) / 2, height - 4,
                    "u = |ours − Keras| / allowed, per element (log); bar height: elements (log)", "axislabel"))
        }
        return .element(named: "svg", nodes: nodes)
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
        .element(
            named: "line",
            nodes: [
                .attribute(named: "class", value: kind),
                .attribute(named: "x1", value: fmt(x1)), .attribute(named: "y1", value: fmt(y1)),
                .attribute(named: "x2", value: fmt(x2)), .attribute(named: "y2", value: fmt(y2)),
            ])
    }

    private static func text(_ x: Double, _ y: Double, _ label: String, _ kind: String) -> Node<SVGContext> {
        .element(
            named: "text",
            nodes: [
                .attribute(named: "class", value: kind),
                .attribute(named: "x", value: fmt(x)), .attribute(named: "y", value: fmt(y)),
                .escapedText(label),
            ])
    }

    private static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }
}
