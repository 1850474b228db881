import Conformance
import KerasJSON
import Plot
import ReferenceData

extension HTMLReport {
    /// One case id: config, shapes, and per backend its verdict and the elements closest to their bound.
    /// Open when any backend did not pass.
    static func caseDetails(_ runs: [CaseRun], _ model: ReportModel) -> Node<HTML.BodyContext> {
        guard let first = runs.first else { return .empty }
        let allPassed = runs.allSatisfy { $0.result.status == .passed }
        let worst = runs.flatMap(\.result.comparisons).map(\.fractionOfAllowedUsed).max() ?? 0
        let summary: Node<HTML.BodyContext> = .element(
            named: "summary",
            nodes: [
                .code(.escapedText(first.result.id)),
                .forEach(runs) { run in
                    .span(.class("badge \(run.result.status.rawValue)"), .escapedText("\(run.result.backend) \(verdicts(run.result))"))
                },
                runs.contains { $0.result.disputed > 0 } ? .span(.class("badge disputed"), .text("Keras disputed")) : .empty,
                runs.contains { $0.result.offOracle > 0 } ? .span(.class("badge disputed"), .text("Keras off the oracle")) : .empty,
                .span(.class("used"), .text("max u \(ReportFormatting.diff(worst))")),
            ])
        let origin: Node<HTML.BodyContext> =
            first.result.origin.isEmpty
            ? .empty : .p(.class("origin"), .escapedText("origin: \(first.result.origin)"))
        let golden: Node<HTML.BodyContext> = runs.lazy.compactMap(\.golden).first.map { .group(configTable($0), shapes($0)) } ?? .empty
        // Plot's typed <details> takes no body helpers; the element by name keeps one node type.
        return .element(
            named: "details",
            nodes: [
                .id(caseAnchor(first.result.id)),
                .class("case"),
                allPassed ? .empty : .attribute(named: "open", value: "open"),
                summary,
                origin,
                golden,
                .forEach(runs) { run in backendResult(run, model) },
            ])
    }

    /// The config: keys the case set, then one dimmed line with the keys at Keras's defaults (and the layer name).
    static func configTable(_ golden: GoldenCase) -> Node<HTML.BodyContext> {
        let config = golden.config.objectValue ?? [:]
        let keys = config.keys.sorted()
        let folded = keys.filter { $0 == "name" || KerasDefaults.isDefault($0, in: config, layer: golden.layer) }
        let set = keys.filter { !folded.contains($0) }
        let call = golden.call.objectValue ?? [:]
        return .table(
            .class("config"),
            .forEach(set) { key in
                .tr(.th(.escapedText(key)), .td(.code(.escapedText(brief(config[key])))))
            },
            .forEach(call.keys.sorted()) { key in
                .tr(.th(.escapedText("call: \(key)")), .td(.code(.escapedText(call[key]?.jsonText ?? ""))))
            },
            folded.isEmpty
                ? .empty
                : .tr(
                    .class("defaults"),
                    .th("Keras defaults"),
                    .td(.escapedText(folded.map { "\($0)=\(brief(config[$0]))" }.joined(separator: ", ")))
                )
        )
    }

    /// A config value in a few characters: a serialized Keras object (dtype policy, initializer)
    /// by its `config.name` or, with an empty config, its class name; anything else as JSON.
    static func brief(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if let className = value["class_name"]?.stringValue {
            if let name = value["config"]?["name"]?.stringValue { return name }
            if value["config"]?.objectValue?.isEmpty == true { return className }
        }
        return value.jsonText
    }

    /// Input, mask, weights, output and updated variables with shape and element type.
    static func shapes(_ golden: GoldenCase) -> Node<HTML.BodyContext> {
        var rows: [(String, ReferenceTensor)] = [("input", golden.input)]
        if let mask = golden.mask { rows.append(("mask", mask)) }
        rows += golden.weights.sorted { $0.key < $1.key }.map { ("weight \($0.key)", $0.value) }
        rows.append(("output", golden.output))
        rows += golden.updated.sorted { $0.key < $1.key }.map { ("updated \($0.key)", $0.value) }
        return .p(
            .class("shapes"),
            .forEach(rows) { row in
                .span(
                    .class("shape"),
                    .escapedText("\(row.0) \(PythonLiteral.tuple(row.1.shape)) \(row.1.elementType.rawValue)")
                )
            }
        )
    }

    /// `passed`, or for a case with gradients `forward passed, backward failed`.
    static func verdicts(_ result: CaseResult) -> String {
        guard let backward = result.backward else { return result.forward.rawValue }
        return "forward \(result.forward.rawValue), backward \(backward.rawValue)"
    }

    /// The golden path a comparison mirrors (`grads/gamma` for `grads/gamma (3,)`), which keys the oracle.
    static func path(of comparison: TensorComparison) -> String {
        String(comparison.name.prefix { $0 != " " })
    }

    /// One backend's run of the case: its verdict and message, then each compared tensor.
    static func backendResult(_ run: CaseRun, _ model: ReportModel) -> Node<HTML.BodyContext> {
        let others = model.others(of: run)
        return .div(
            .class("backend \(run.result.status.rawValue)"),
            .h4(.escapedText("\(run.result.backend): \(verdicts(run.result))")),
            run.result.backwardSkipReason.map { .p(.class("note"), .escapedText("backward skipped: " + $0)) } ?? .empty,
            run.result.message.isEmpty ? .empty : .p(.class("message"), .escapedText(run.result.message)),
            .forEach(run.result.warnings) { .p(.class("warning"), .escapedText("warning: " + $0)) },
            .forEach(run.result.notes) { .p(.class("note"), .escapedText("note: " + $0)) },
            .forEach(run.result.comparisons) { comparison in tensorResult(comparison, others, oracle: run.golden?.oracle[Self.path(of: comparison)]) }
        )
    }

    /// A compared tensor: its tolerance and extremes, then the elements closest to their bound
    /// (and any non-finite mismatches) with the other backends' Keras values at the same index,
    /// and the case's float64 oracle value there when the golden file has one.
    static func tensorResult(_ c: TensorComparison, _ others: [GoldenCase], oracle: ReferenceTensor?) -> Node<HTML.BodyContext> {
        let rows = c.mismatches.filter { !$0.absDiff.isFinite } + c.worst
        let otherTensors =
            others.map { ("Keras \($0.backend)", CaseRun.tensor(named: c.name, in: $0)) }
            + (oracle.map { [("oracle (float64)", $0)] } ?? [])
        let tolerance = "atol \(ReportFormatting.diff(c.tolerance.atol)) rtol \(ReportFormatting.diff(c.tolerance.rtol))"
        let extremes = "max |diff| \(ReportFormatting.diff(c.maxAbsDiff)), max ULP \(ReportFormatting.ulp(c.maxUlpDiff))"
        let figures: String =
            " · \(tolerance) · \(c.mismatched) of \(c.elements) mismatched · \(extremes)"
            + " · max u \(ReportFormatting.diff(c.fractionOfAllowedUsed)) · backend spread \(ReportFormatting.diff(c.spread))"
        let headers =
            ["index", "actual", "expected", "|diff|", "rel", "ULP", "spread", "cancel", "allowed", "u"]
            + otherTensors.map(\.0)
        return .div(
            .class("tensor"),
            .p(
                .code(.escapedText(c.name)), .text(": "),
                .escapedText(c.failure?.details ?? "within tolerance"),
                .escapedText(figures)
            ),
            c.disputed == 0
                ? .empty
                : .p(
                    .class("disputed"),
                    .escapedText(
                        "Keras's backends disagree beyond the element type's tolerance at \(c.disputed) elements"
                            + (c.hasOracle ? " (\(c.arbitrated) settled by the float64 oracle)" : "")
                            + (c.kerasBugCandidates.isEmpty ? "" : "; Keras bug candidates: " + c.kerasBugCandidates.joined(separator: ", ")))
                ),
            c.offOracle == 0
                ? .empty
                : .p(
                    .class("disputed"),
                    .escapedText(
                        "Keras off the float64 oracle at \(c.offOracle) elements (the backends agree; the oracle joined the envelope)")
                ),
            rows.isEmpty
                ? .p(.class("note"), .text(c.passed ? "every element bit-exact" : "no element to show"))
                : .table(
                    .class("elements"),
                    .tr(.forEach(headers) { .th(.escapedText($0)) }),
                    .forEach(rows) { m in
                        .tr(
                            .class(m.absDiff > m.allowed ? "over" : "within"),
                            .td(.escapedText(PythonLiteral.tuple(m.index))),
                            .td(.escapedText(ReportFormatting.value(m.actual))),
                            .td(.escapedText(ReportFormatting.value(m.expected))),
                            .td(.escapedText(ReportFormatting.diff(m.absDiff))),
                            .td(.escapedText(ReportFormatting.diff(m.relDiff))),
                            .td(.escapedText(ReportFormatting.ulp(m.ulpDiff))),
                            .td(.escapedText(ReportFormatting.diff(m.spread))),
                            .td(.escapedText(ReportFormatting.diff(m.cancellation))),
                            .td(.escapedText(ReportFormatting.diff(m.allowed))),
                            .td(.escapedText(ReportFormatting.diff(m.fractionOfAllowedUsed))),
                            .forEach(otherTensors) { other in
                                .td(.escapedText(other.1.flatMap { value(in: $0, at: m.index) }.map(ReportFormatting.value) ?? "–"))
                            }
                        )
                    }
                )
        )
    }

    /// The element of `tensor` at a multi-index, or nil when the index is outside it.
    static func value(in tensor: ReferenceTensor, at index: [Int]) -> Double? {
        guard index.count == tensor.shape.count, zip(index, tensor.shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else { return nil }
        let flat = zip(index, Comparator.strides(tensor.shape)).reduce(0) { $0 + $1.0 * $1.1 }
        return tensor.values[flat]
    }
}
