import Foundation

/// JUnit XML as CI systems read it: one `testsuite` per backend, one `testcase` per case
/// (classname `<backend>.<layer>`, name `<id> [<backend>]`, `time` in seconds), failures and
/// errors with the diff summary.
public enum JUnitReport {
    public static func render(_ report: RunReport) -> String {
        let s = report.summary
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="keras-conformance" tests="\#(s.total)" failures="\#(s.failed)" errors="\#(s.errors)" skipped="\#(s.skipped)">"# + "\n"
        var backends: [String] = []
        for r in report.cases where !backends.contains(r.backend) { backends.append(r.backend) }
        for backend in backends {
            let cases = report.cases.filter { $0.backend == backend }
            let summary = RunSummary(cases)
            let time = seconds(cases.reduce(0) { $0 + $1.seconds })
            xml +=
                #"  <testsuite name="\#(escape(backend))" tests="\#(summary.total)" failures="\#(summary.failed)" errors="\#(summary.errors)" skipped="\#(summary.skipped)" time="\#(time)">"#
                + "\n"
            xml += "    <properties>\n"
            for (i, line) in report.tolerance.allowances.enumerated() {
                xml += #"      <property name="allowance.\#(i + 1)" value="\#(escape(line))"/>"# + "\n"
            }
            xml +=
                #"      <property name="disputed" value="\#(summary.disputed) case runs, \#(summary.disputedElements) elements, \#(summary.arbitratedElements) settled by the oracle"/>"#
                + "\n"
            xml += "    </properties>\n"
            for r in cases {
                let open =
                    #"    <testcase classname="\#(escape(r.backend)).\#(escape(r.layer))" name="\#(escape(r.id)) [\#(escape(r.backend))]" time="\#(seconds(r.seconds))""#
                let disputed = r.comparisons.filter { $0.disputed > 0 }
                    .map { DisputeEntry(id: r.id, backend: r.backend, comparison: $0).line }
                let said = r.warnings.map { "warning: " + $0 } + r.notes.map { "note: " + $0 } + disputed
                let warnings = said.isEmpty ? "" : "      <system-out>\(escape(said.joined(separator: "\n")))</system-out>\n"
                switch r.status {
                case .passed:
                    xml += warnings.isEmpty ? open + "/>\n" : open + ">\n" + warnings + "    </testcase>\n"
                case .skipped:
                    xml += open + ">\n"
                    xml += #"      <skipped message="\#(escape(r.message))"/>"# + "\n" + warnings
                    xml += "    </testcase>\n"
                case .failed, .error:
                    let tag = r.status == .failed ? "failure" : "error"
                    let detail = TextReport.describe(r).joined(separator: "\n")
                    xml += open + ">\n"
                    xml += #"      <\#(tag) message="\#(escape(r.message))">\#(escape(detail))</\#(tag)>"# + "\n" + warnings
                    xml += "    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
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
