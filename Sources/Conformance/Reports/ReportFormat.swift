/// The report formats of a run.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, markdown, json, junit

    /// Renders `report` in this format.
    public func render(_ report: RunReport, verbose: Bool = false) -> String {
        switch self {
        case .text: return TextReport.render(report, verbose: verbose)
        case .markdown: return MarkdownReport.render(report)
        case .json: return JSONReport.render(report)
        case .junit: return JUnitReport.render(report)
        }
    }
}

/// Number and index formatting shared by the reports (and `show`).
public enum ReportFormatting {
    /// Enough significant digits to tell float32 values apart (9).
    public static func value(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.9g", x)
    }

    /// Differences and ratios: three significant digits.
    public static func diff(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.3g", x)
    }

    public static func ulp(_ x: Double?) -> String {
        guard let x else { return "-" }
        return String(format: "%.0f", x)
    }
}

import Foundation
