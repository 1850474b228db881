import KerasJSON

/// The machine-readable report, a fixed contract:
///
///     {"summary": {"total", "passed", "failed", "errors", "skipped", "disputed", "disputedElements",
///                  "arbitratedElements"},
///      "cases": [{"id", "backend", "layer", "status", "elements", "mismatched",
///                 "maxAbsDiff", "maxRelDiff", "maxUlpDiff", "spread", "message",
///                 "mismatches": [{"index", "actual", "expected", "absDiff", "relDiff", "ulpDiff"}]}]}
///
/// One entry per case and backend. Non-finite numbers, which JSON cannot hold, are the
/// strings `"NaN"`, `"Infinity"`, `"-Infinity"`; `maxUlpDiff`/`ulpDiff` are null where
/// no ULP distance applies. `status` is `passed`, `failed`, `error` or `skipped` (a layer the
/// implementation does not have). Extra keys (`allowances`: the run's `atol`/`rtol` overrides,
/// `exact`, and a `description` line per allowance; per case `origin`, `file`, `seconds`,
/// `disputed` (elements where Keras's backends disagree), `arbitrated` (those the oracle
/// settled), `kerasBugCandidates`, `disputes` (`tensor`, `index`, `values` by backend,
/// `oracle`, `agreeing`), `warnings` (from the implementation), `notes` (from the harness), `fractionOfAllowedUsed`, `problems`
/// (`tensor`, `kind`, `details`; `message` is them joined with "; "); per mismatch `tensor`,
/// `spread`, `cancellation`, `allowed`) are additions a reader may ignore.
///
/// Forward and backward: `status` is the case's overall verdict (the worse of its parts); per
/// case `forward` is `{"status", "problems", "comparisons"}` for the call (outputs and updated
/// variables) and `backward` the same for the gradients (`grads/<name> <shape>`) plus `skipReason`,
/// or null for a case without gradients; each comparison is `{"tensor", "passed", "elements",
/// "mismatched", "maxAbsDiff", "maxUlpDiff", "spread", "disputed", "offOracle",
/// "fractionOfAllowedUsed"}`. The summary adds `forward` and `backward` counts (`total`, `passed`,
/// `failed`, `errors`, `skipped`) and `offOracleElements`; per case `offOracle` counts the
/// undisputed elements where every Keras value is off the float64 oracle, `offOracleElements`
/// lists the first (`tensor`, `index`, `values` by backend, `oracle`).
public enum JSONReport {
    public static func render(_ report: RunReport) -> String {
        let s = report.summary
        let document = JSONValue.object([
            "implementation": .string(report.implementation),
            "summary": .object([
                "total": .int(s.total), "passed": .int(s.passed), "failed": .int(s.failed), "errors": .int(s.errors),
                "skipped": .int(s.skipped), "disputed": .int(s.disputed), "disputedElements": .int(s.disputedElements),
                "arbitratedElements": .int(s.arbitratedElements), "offOracleElements": .int(s.offOracleElements),
                "forward": counts(s.forward), "backward": counts(s.backward),
            ]),
            "allowances": .object([
                "atol": report.tolerance.atol.map(number) ?? .null, "rtol": report.tolerance.rtol.map(number) ?? .null,
                "exact": .bool(report.tolerance.exact),
                "description": .array(report.tolerance.allowances.map(JSONValue.string)),
            ]),
            "cases": .array(report.cases.map(caseObject)),
        ])
        return document.prettyText + "\n"
    }

    static func caseObject(_ r: CaseResult) -> JSONValue {
        var mismatches: [JSONValue] = []
        for c in r.comparisons {
            for m in c.mismatches {
                mismatches.append(
                    .object([
                        "tensor": .string(c.name),
                        "index": .array(m.index.map { .int($0) }),
                        "actual": number(m.actual), "expected": number(m.expected),
                        "absDiff": number(m.absDiff), "relDiff": number(m.relDiff),
                        "ulpDiff": m.ulpDiff.map(number) ?? .null,
                        "spread": number(m.spread),
                        "cancellation": number(m.cancellation),
                        "allowed": number(m.allowed),
                    ]))
            }
        }
        var disputes: [JSONValue] = []
        for c in r.comparisons {
            for d in c.disputes {
                var values: [String: JSONValue] = [:]
                for v in d.values { values[v.backend] = number(v.value) }
                disputes.append(
                    .object([
                        "tensor": .string(c.name), "index": .array(d.index.map { .int($0) }), "values": .object(values),
                        "oracle": d.oracle.map(number) ?? .null, "agreeing": .array(d.agreeing.map(JSONValue.string)),
                    ]))
            }
        }
        var offOracle: [JSONValue] = []
        for c in r.comparisons {
            for d in c.offOracleElements {
                var values: [String: JSONValue] = [:]
                for v in d.values { values[v.backend] = number(v.value) }
                offOracle.append(
                    .object([
                        "tensor": .string(c.name), "index": .array(d.index.map { .int($0) }), "values": .object(values),
                        "oracle": d.oracle.map(number) ?? .null,
                    ]))
            }
        }
        let backward = r.backward.map { part($0, r.backwardProblems, r.backwardComparisons, skipReason: r.backwardSkipReason.map(JSONValue.string) ?? .null) }
        return .object([
            "forward": part(r.forward, r.forwardProblems, r.forwardComparisons), "backward": backward ?? .null,
            "offOracle": .int(r.offOracle), "offOracleElements": .array(offOracle),
            "disputed": .int(r.disputed), "arbitrated": .int(r.arbitrated),
            "kerasBugCandidates": .array(r.kerasBugCandidates.map(JSONValue.string)),
            "disputes": .array(disputes),
            "id": .string(r.id), "backend": .string(r.backend), "layer": .string(r.layer),
            "origin": .string(r.origin), "file": .string(r.file),
            "status": .string(r.status.rawValue),
            "elements": .int(r.elements), "mismatched": .int(r.mismatched),
            "maxAbsDiff": number(r.maxAbsDiff), "maxRelDiff": number(r.maxRelDiff),
            "maxUlpDiff": r.maxUlpDiff.map(number) ?? .null,
            "spread": number(r.spread),
            "fractionOfAllowedUsed": number(r.fractionOfAllowedUsed),
            "message": .string(r.message),
            "warnings": .array(r.warnings.map(JSONValue.string)),
            "notes": .array(r.notes.map(JSONValue.string)),
            "seconds": number(r.seconds),
            "problems": problems(r.problems),
            "mismatches": .array(mismatches),
        ])
    }

    static func problems(_ list: [CaseProblem]) -> JSONValue {
        .array(
            list.map { p in
                .object([
                    "tensor": p.tensor.map(JSONValue.string) ?? .null, "kind": .string(p.kind.rawValue),
                    "details": .string(p.details),
                ])
            })
    }

    /// One part of a case (forward or backward): its verdict, problems, per tensor the figures, and
    /// `skipReason` when given (the backward part's, null unless skipped for want of a backward pass).
    static func part(
        _ status: CaseResult.Status, _ list: [CaseProblem], _ comparisons: [TensorComparison], skipReason: JSONValue? = nil
    ) -> JSONValue {
        var fields: [String: JSONValue] = [
            "status": .string(status.rawValue), "problems": problems(list),
            "comparisons": .array(
                comparisons.map { c in
                    .object([
                        "tensor": .string(c.name), "passed": .bool(c.passed), "elements": .int(c.elements),
                        "mismatched": .int(c.mismatched), "maxAbsDiff": number(c.maxAbsDiff),
                        "maxUlpDiff": c.maxUlpDiff.map(number) ?? .null, "spread": number(c.spread),
                        "disputed": .int(c.disputed), "offOracle": .int(c.offOracle),
                        "fractionOfAllowedUsed": number(c.fractionOfAllowedUsed),
                    ])
                }),
        ]
        if let skipReason { fields["skipReason"] = skipReason }
        return .object(fields)
    }

    static func counts(_ c: PartCounts) -> JSONValue {
        .object([
            "total": .int(c.total), "passed": .int(c.passed), "failed": .int(c.failed), "errors": .int(c.errors),
            "skipped": .int(c.skipped),
        ])
    }

    static func number(_ x: Double) -> JSONValue {
        if x.isNaN { return .string("NaN") }
        if x.isInfinite { return .string(x > 0 ? "Infinity" : "-Infinity") }
        if x == x.rounded(), abs(x) < 9e15 { return .int(Int(x)) }
        return .double(x)
    }
}
