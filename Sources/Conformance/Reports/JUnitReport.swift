import Foundation

/// JUnit XML as CI systems read it: one `testsuite` per backend, one `testcase` per case for
/// its forward part (classname `<backend>.<layer>`, name `<id> [<backend>]`, `time` in seconds)
/// and one more for the backward part of a case with gradients (name `<id> [<backend>] backward`),
/// failures and errors with the diff summary. Counts are of these test cases (parts).
public enum JUnitReport {
    public static func render(_ report: RunReport) -> String {
        let s = report.summary
        let all = PartCounts(
            passed: s.forward.passed + s.backward.passed, failed: s.forward.failed + s.backward.failed,
            errors: s.forward.errors + s.backward.errors, skipped: s.forward.skipped + s.backward.skipped)
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml +=
            #"<testsuites name="keras-conformance" tests="\#(all.total)" failures="\#(all.failed)" errors="\#(all.errors)" skipped="\#(all.skipped)">"# + "\n"
        var backends: [String] = []
        for r in report.cases where !backends.contains(r.backend) { backends.append(r.backend) }
        for backend in backends {
            let cases = report.cases.filter { $0.backend == backend }
            let summary = RunSummary(cases)
            let parts = PartCounts(cases.flatMap { [$0.forward] + ($0.backward.map { [$0] } ?? []) })
            let time = seconds(cases.reduce(0) { $0 + $1.seconds })
            xml +=
                #"  <testsuite name="\#(escape(backend))" tests="\#(parts.total)" failures="\#(parts.failed)" errors="\#(parts.errors)" skipped="\#(parts.skipped)" time="\#(time)">"#
                + "\n"
            xml += "    <properties>\n"
            for (i, line) in report.tolerance.allowances.enumerated() {
                xml += #"      <property name="allowance.\#(i + 1)" value="\#(escape(line))"/>"# + "\n"
            }
            xml +=
                #"      <property name="disputed" value="\#(summary.disputed) case runs, \#(summary.disputedElements) elements, \#(summary.arbitratedElements) settled by the oracle"/>"#
                + "\n"
            xml +=
                #"      <property name="off oracle" value="\#(summary.offOracleElements) elements where Keras's backends agree but are off the float64 oracle"/>"#
                + "\n"
            xml += "    </properties>\n"
            for r in cases {
                xml += testcase(r, backward: false)
                if r.backward != nil { xml += testcase(r, backward: true) }
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// The `testcase` of one part of a case: its verdict, and for a failure or error that part's
    /// problems and failing tensors; warnings, notes, disputes and off-oracle lines in `system-out`.
    static func testcase(_ r: CaseResult, backward: Bool) -> String {
        let name = "\(r.id) [\(r.backend)]" + (backward ? " backward" : "")
        let open =
            #"    <testcase classname="\#(escape(r.backend)).\#(escape(r.layer))" name="\#(escape(name))" time="\#(seconds(backward ? 0 : r.seconds))""#
        let comparisons = backward ? r.backwardComparisons : r.forwardComparisons
        let problems = backward ? r.backwardProblems : r.forwardProblems
        let status = backward ? r.backward ?? .skipped : r.forward
        let disputed = comparisons.filter { $0.disputed > 0 }.map { DisputeEntry(id: r.id, backend: r.backend, comparison: $0).line }
        let off = comparisons.filter { $0.offOracle > 0 }.map { OffOracleEntry(id: r.id, backend: r.backend, comparison: $0).line }
        let said = (backward ? [] : r.warnings.map { "warning: " + $0 } + r.notes.map { "note: " + $0 }) + disputed + off
        let warnings = said.isEmpty ? "" : "      <system-out>\(escape(said.joined(separator: "\n")))</system-out>\n"
        let message = backward && status == .skipped ? r.backwardSkipReason ?? "" : problems.map(\.description).joined(separator: "; ")
        switch status {
        case .passed:
            return warnings.isEmpty ? open + "/>\n" : open + ">\n" + warnings + "    </testcase>\n"
        case .skipped:
            return open + ">\n" + #"      <skipped message="\#(escape(message))"/>"# + "\n" + warnings + "    </testcase>\n"
        case .failed, .error:
            let tag = status == .failed ? "failure" : "error"
            let detail =
                (problems.filter { p in !comparisons.contains { $0.failure == p } }.map(\.description)
                + comparisons.filter { !$0.passed }.flatMap(TextReport.describe)).joined(separator: "\n")
            return open + ">\n" + #"      <\#(tag) message="\#(escape(message))">\#(escape(detail))</\#(tag)>"# + "\n" + warnings
                + "    </testcase>\n"
        }
    }

    /// Seconds as JUnit writes them: `0.001234`.
    static func seconds(_ value: Double) -> String { String(format: "%.6f", value) }

    /// XML-escapes text for attributes and element content; drops characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
