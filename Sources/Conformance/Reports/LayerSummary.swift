/// One row of the per-layer tables that close the text and Markdown reports and make up
/// `golden/REPORT.md`: a layer's case runs, their verdicts, and the extremes over its
/// judged (not erroring) runs.
public struct LayerSummary: Sendable {
    public var layer: String
    public var counts: RunSummary
    /// The largest |ours − Keras| / allowed over the layer's runs (a pass is ≤ 1, 0 is bit-exact).
    public var fractionOfAllowedUsed: Double
    public var maxAbsDiff: Double
    public var maxUlpDiff: Double?
    /// The largest disagreement between Keras's own backends on the layer's cases.
    public var spread: Double

    /// A row per layer, in name order.
    public static func rows(_ report: RunReport) -> [LayerSummary] {
        Dictionary(grouping: report.cases, by: \.layer).sorted { $0.key < $1.key }.map { layer, cases in
            let judged = cases.filter { $0.status == .passed || $0.status == .failed }
            return LayerSummary(
                layer: layer, counts: RunSummary(cases),
                fractionOfAllowedUsed: judged.map(\.fractionOfAllowedUsed).max() ?? 0,
                maxAbsDiff: judged.map(\.maxAbsDiff).max() ?? 0,
                maxUlpDiff: judged.compactMap(\.maxUlpDiff).max(),
                spread: judged.map(\.spread).max() ?? 0)
        }
    }

    /// Column titles, matching `cells`: the case runs by overall status, then their backward
    /// parts (runs with gradients) by status, then disputed runs, elements where Keras is off
    /// the float64 oracle, and the extremes.
    public static let columns = [
        "layer", "case runs", "passed", "failed", "errors", "skipped", "backward", "bw passed", "bw failed", "bw errors",
        "bw skipped", "disputed", "off oracle", "max used of allowed", "max abs diff", "max ULP", "max backend spread",
    ]

    /// The row as text cells (the layer name escaped).
    public var cells: [String] {
        let b = counts.backward
        return [
            ReportFormatting.escaped(layer), String(counts.total), String(counts.passed), String(counts.failed),
            String(counts.errors), String(counts.skipped), String(b.total), String(b.passed), String(b.failed),
            String(b.errors), String(b.skipped), String(counts.disputed), String(counts.offOracleElements),
            ReportFormatting.diff(fractionOfAllowedUsed), ReportFormatting.diff(maxAbsDiff),
            ReportFormatting.ulp(maxUlpDiff), ReportFormatting.diff(spread),
        ]
    }
}
