/// The report people read in a terminal: the files and the allowances that applied, one block
/// per failing or erroring case or case with warnings or notes (its mismatches element by element, its
/// forward and backward verdicts), the skipped layers, then a table per layer (backward parts in their own
/// columns), the disputed elements, the elements where Keras is off the float64 oracle, the list of what broke
/// (one line each, pytest style), and the summary line. Names and messages are escaped onto one line.
public enum TextReport {
    public static func render(_ report: RunReport, verbose: Bool = false) -> String {
        var lines: [String] = []
        lines.append("keras-conformance: \(ReportFormatting.escaped(report.implementation)) against \(report.files.count) golden file(s)")
        for file in report.files {
            lines.append(
                "  \(ReportFormatting.escaped(file.path))  (keras \(ReportFormatting.escaped(file.info.kerasVersion)), "
                    + "\(ReportFormatting.escaped(file.info.backend)) \(ReportFormatting.escaped(file.info.backendVersion)))")
        }
        lines.append(contentsOf: report.tolerance.allowances.map { "  " + $0 })
        for result in report.cases
        where verbose || result.status == .failed || result.status == .error
            || !result.warnings.isEmpty || !result.notes.isEmpty
        {
            lines.append(contentsOf: describe(result))
        }
        let implementation = ReportFormatting.escaped(report.implementation)
        for (kind, title) in [(CaseProblem.Kind.notImplemented, "layers \(implementation) does not have"), (.declined, "calls \(implementation) declines")] {
            let skipped = Dictionary(grouping: report.cases.filter { $0.status == .skipped && $0.problems.contains { $0.kind == kind } }, by: \.layer)
            guard !skipped.isEmpty else { continue }
            lines.append("")
            lines.append(
                "Skipped (\(title)): "
                    + skipped.sorted { $0.key < $1.key }.map { "\(ReportFormatting.escaped($0.key)) (\($0.value.count))" }.joined(separator: ", "))
        }
        let refused = report.cases.filter {
            $0.status == .skipped && $0.problems.contains { $0.kind == .kerasRefused || $0.kind == .refusedAsOtherBackend }
        }
        if !refused.isEmpty {
            lines.append("")
            lines.append("Skipped (Keras refused the call on one backend only; judged on the backend that answered as the implementation did):")
            lines.append(
                contentsOf: refused.map {
                    "SKIPPED \(ReportFormatting.escaped($0.id)) [\(ReportFormatting.escaped($0.backend))] \(ReportFormatting.escaped($0.message))"
                })
        }
        let layers = LayerSummary.rows(report)
        if !layers.isEmpty {
            lines.append("")
            lines.append("Per layer:")
            lines.append(contentsOf: TextTable.lines([LayerSummary.columns] + layers.map(\.cells)).map { "  " + $0 })
        }
        let disputes = DisputeEntry.entries(report)
        if !disputes.isEmpty {
            lines.append("")
            lines.append("Disputed (Keras's backends disagree beyond the element type's tolerance):")
            lines.append(contentsOf: disputes.map(\.line))
        }
        let offOracle = OffOracleEntry.entries(report)
        if !offOracle.isEmpty {
            lines.append("")
            lines.append("Keras off the float64 oracle (the backends agree, the oracle joined the envelope):")
            lines.append(contentsOf: offOracle.map(\.line))
        }
        let failures = FailureEntry.entries(report)
        if !failures.isEmpty {
            lines.append("")
            lines.append("Failures and errors:")
            lines.append(contentsOf: failures.map(\.line))
        }
        let s = report.summary
        lines.append("")
        lines.append(s.line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The lines for one case: status, id, backend, layer, then each failing tensor's detail.
    public static func describe(_ result: CaseResult) -> [String] {
        let tag: String
        switch result.status {
        case .passed: tag = "PASS "
        case .failed: tag = "FAIL "
        case .error: tag = "ERROR"
        case .skipped: tag = "SKIP "
        }
        let failing = result.comparisons.filter { !$0.passed }
        // The failing tensors speak for themselves below; the header keeps the other problems.
        let otherProblems = result.problems.filter { problem in !failing.contains { $0.failure == problem } }
        var header =
            "\(tag) \(ReportFormatting.escaped(result.id)) [\(ReportFormatting.escaped(result.backend))] "
            + ReportFormatting.escaped(result.layer)
        if result.status == .passed {
            header += "  used \(ReportFormatting.diff(result.fractionOfAllowedUsed)) of allowed"
        } else if !otherProblems.isEmpty {
            header += ": " + otherProblems.map { ReportFormatting.escaped($0.description) }.joined(separator: "; ")
        }
        var lines = [header]
        if let backward = result.backward {
            lines.append(
                "      forward \(result.forward.rawValue), backward \(backward.rawValue)"
                    + (result.backwardSkipReason.map { ": " + ReportFormatting.escaped($0) } ?? ""))
        }
        lines.append(contentsOf: result.warnings.map { "      warning: " + ReportFormatting.escaped($0) })
        lines.append(contentsOf: result.notes.map { "      note: " + ReportFormatting.escaped($0) })
        for comparison in failing {
            lines.append(contentsOf: describe(comparison).map { "      " + $0 })
        }
        return lines
    }

    /// The columns of an element table (`run`'s mismatches, `show`'s elements).
    public static let elementColumns = ["index", "actual", "expected", "abs diff", "rel diff", "ULP", "spread", "cancel", "allowed"]

    /// One element's row under `elementColumns`.
    public static func elementCells(_ m: Mismatch) -> [String] {
        [
            PythonLiteral.tuple(m.index), ReportFormatting.value(m.actual), ReportFormatting.value(m.expected),
            ReportFormatting.diff(m.absDiff), ReportFormatting.diff(m.relDiff), ReportFormatting.ulp(m.ulpDiff),
            ReportFormatting.diff(m.spread), ReportFormatting.diff(m.cancellation), ReportFormatting.diff(m.allowed),
        ]
    }

    /// The summary lines of a tensor comparison: what failed (or "within tolerance"), the
    /// tolerance, the extremes and the backend spread.
    public static func summary(_ c: TensorComparison) -> [String] {
        [
            ReportFormatting.escaped(c.failure?.description ?? "\(c.name): within tolerance"),
            "tolerance atol \(ReportFormatting.diff(c.tolerance.atol)) rtol \(ReportFormatting.diff(c.tolerance.rtol))"
                + ", \(c.mismatched) of \(c.elements) mismatched"
                + ", max |diff| \(ReportFormatting.diff(c.maxAbsDiff))" + (c.maxAbsDiffIndex.map { " at \(PythonLiteral.tuple($0))" } ?? "")
                + ", max rel \(ReportFormatting.diff(c.maxRelDiff))" + (c.maxRelDiffIndex.map { " at \(PythonLiteral.tuple($0))" } ?? "")
                + ", max ULP \(ReportFormatting.ulp(c.maxUlpDiff))"
                + ", backend spread \(ReportFormatting.diff(c.spread))",
        ]
    }

    /// A tensor comparison: tolerance, extremes, spread, and the first mismatches as a table.
    public static func describe(_ c: TensorComparison) -> [String] {
        var lines = summary(c)
        guard !c.mismatches.isEmpty else { return lines }
        lines.append(contentsOf: TextTable.lines([elementColumns] + c.mismatches.map(elementCells)))
        if c.mismatched > c.mismatches.count {
            lines.append("... and \(c.mismatched - c.mismatches.count) more")
        }
        return lines
    }
}

import Foundation
import KerasJSON

/// Left-aligned columns two spaces apart, no trailing blanks: the tables of the text reports.
public enum TextTable {
    public static func lines(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            let line = row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())
        }
    }
}
