import Foundation

extension ConformanceCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one case on every backend: config, shapes, and the element-by-element diff.",
            discussion: """
                The element table has run's columns (index, actual, expected, abs diff, rel diff, ULP, spread, \
                cancel, allowed) for the first elements in C order, matching or not, then each other backend's \
                Keras value. Exit status: 0 when the case passed on every backend, 1 when it failed or errored \
                on any, 2 when there is no such case, its layer is not implemented, or a file cannot be read.
                """)

        @Argument(help: "The case id.")
        var id: String

        @Option(name: .customLong("path"), help: "Golden files or folders (default: golden).")
        var paths: [String] = ["golden"]

        @OptionGroup var tolerance: ToleranceOptions
        @OptionGroup var limits: LayerLimitOptions

        @Option(help: "Elements listed per tensor.")
        var limit: Int = 20

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be >= 0") }
        }

        func run() throws {
            let selection = try CaseSelection.parse(paths)
            let files = try selection.readFiles()
            let entries = files.flatMap { file in file.entries.filter { $0.id == id }.map { (file, $0.result) } }
            guard !entries.isEmpty else { throw CLIError("no case '\(id)' in \(paths.joined(separator: ", "))") }
            let cases = entries.compactMap { try? $0.1.get() }
            let runner = limits.apply(to: selection.runner(tolerance: tolerance.override, reportLimit: limit, listsEveryElement: true))
            var lines: [String] = []
            var allPassed = true
            var checkedAny = false
            for (file, result) in entries {
                lines.append("== \(id) [\(file.info.backend)] \(file.path)")
                switch result {
                case .failure(let error):
                    lines.append("unreadable: \(error)")
                    allPassed = false
                case .success(let c):
                    let others = cases.filter { $0.backend != c.backend }
                    let outcome = runner.run(c, references: others)
                    allPassed = allPassed && (outcome.status == .passed || outcome.status == .skipped)
                    checkedAny = checkedAny || outcome.status != .skipped
                    lines += Self.header(c) + TextReport.describe(outcome).prefix(1)
                    lines += elementLines(c, outcome: outcome, others: others)
                }
            }
            // Every line is one line on the terminal: ids, origins and messages cannot rewrite it.
            try ConformanceCLI.write(lines.map(ReportFormatting.escaped).joined(separator: "\n") + "\n", to: nil)
            if !allPassed { throw ExitCode(1) }
            if !checkedAny {
                throw CLIError("nothing to check: \(ConformanceCLI.setup.implementation.name) does not implement the layer of '\(id)'")
            }
        }

        /// What the case is: class, origin, config, call arguments, and the tensors' shapes and types.
        static func header(_ c: GoldenCase) -> [String] {
            var lines = [
                "layer:  \(c.layer)", "origin: \(c.origin)", "config: \(c.config.jsonText)", "call:   \(c.call.jsonText)",
                "input:  \(c.input.shapeDescription) \(c.input.elementType.rawValue)",
            ]
            if let mask = c.mask { lines.append("mask:   \(mask.shapeDescription) \(mask.elementType.rawValue)") }
            for (name, w) in c.weights.sorted(by: { $0.key < $1.key }) {
                lines.append("weight \(name): \(w.shapeDescription) \(w.elementType.rawValue)")
            }
            if let error = c.error {
                lines.append("output: none, Keras refused the call: \(error)")
            } else {
                lines.append("output: \(c.output.shapeDescription) \(c.output.elementType.rawValue)")
            }
            if let dy = c.dy { lines.append("dy:     \(dy.shapeDescription) \(dy.elementType.rawValue)") }
            for (name, g) in c.grads.sorted(by: { $0.key < $1.key }) {
                lines.append("grad \(name): \(g.shapeDescription) \(g.elementType.rawValue)")
            }
            return lines
        }

        /// Each compared tensor: its summary, then its first elements (up to --limit) in run's
        /// columns, each other backend's Keras value beside them.
        private func elementLines(_ c: GoldenCase, outcome: CaseResult, others: [GoldenCase]) -> [String] {
            var lines: [String] = []
            for comparison in outcome.comparisons {
                lines += TextReport.summary(comparison).map { "  " + $0 }
                // Shapes or element types differ: there are no elements side by side to list.
                guard comparison.listed.count == min(limit, comparison.elements) else { continue }
                // The golden path is the name up to its first space (`grads/gamma (3,)`, `updated/v (unchanged in Keras)`).
                let otherTensors = others.map { other in other.tensor(at: String(comparison.name.prefix { $0 != " " })) }
                var rows = [TextReport.elementColumns + others.map { "keras (\($0.backend))" } + ["fails"]]
                // The listed elements are the first ones in C order: element k is flat position k.
                for (flat, element) in comparison.listed.enumerated() {
                    let otherValues = otherTensors.map { tensor in
                        tensor.map { $0.count == comparison.elements ? ReportFormatting.value($0.values[flat]) : "-" } ?? "-"
                    }
                    rows.append(TextReport.elementCells(element) + otherValues + [element.exceedsAllowed ? "yes" : ""])
                }
                if !comparison.listed.isEmpty { lines += TextTable.lines(rows).map { "  " + $0 } }
                if comparison.elements > comparison.listed.count {
                    lines.append("  ... \(comparison.elements - comparison.listed.count) more elements (--limit)")
                }
            }
            return lines
        }
    }
}
