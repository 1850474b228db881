import ArgumentParser
import Conformance
import ReferenceData

extension ConformanceCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one case on every backend: config, shapes, and the element-by-element diff.")

        @Argument(help: "The case id.")
        var id: String

        @Option(name: .customLong("path"), help: "Golden files or folders (default: golden).")
        var paths: [String] = ["golden"]

        @OptionGroup var tolerance: ToleranceOptions
        @OptionGroup var limits: LayerLimitOptions

        @Option(help: "Elements listed per tensor.")
        var limit: Int = 20

        func run() throws {
            let selection = try CaseSelection.parse(paths)
            let files = try selection.readFiles()
            let entries = files.flatMap { file in file.entries.filter { $0.id == id }.map { (file, $0.result) } }
            guard !entries.isEmpty else { throw CLIError("no case '\(id)' in \(paths.joined(separator: ", "))") }
            let cases = entries.compactMap { try? $0.1.get() }
            let runner = limits.apply(to: selection.runner(tolerance: tolerance.override, reportLimit: Int.max))
            for (file, result) in entries {
                print("== \(id) [\(file.info.backend)] \(file.path)")
                switch result {
                case .failure(let error):
                    print("unreadable: \(error)")
                case .success(let c):
                    print("layer:  \(c.layer)")
                    print("origin: \(c.origin)")
                    print("config: \(c.config.jsonText)")
                    print("call:   \(c.call.jsonText)")
                    print("input:  \(c.input.shapeDescription) \(c.input.elementType.rawValue)")
                    if let mask = c.mask { print("mask:   \(mask.shapeDescription) \(mask.elementType.rawValue)") }
                    for (name, w) in c.weights.sorted(by: { $0.key < $1.key }) {
                        print("weight \(name): \(w.shapeDescription) \(w.elementType.rawValue)")
                    }
                    print("output: \(c.output.shapeDescription) \(c.output.elementType.rawValue)")
                    let outcome = runner.run(c, references: cases.filter { $0.backend != c.backend })
                    print(TextReport.describe(outcome).first ?? "")
                    printElements(c, outcome: outcome, others: cases.filter { $0.backend != c.backend })
                }
            }
        }

        /// Every element (up to --limit) of each compared tensor: ours, Keras's, the difference.
        private func printElements(_ c: GoldenCase, outcome: CaseResult, others: [GoldenCase]) {
            guard let produced = outcome.produced else { return }
            var pairs: [(String, ReferenceTensor, ReferenceTensor)] = [("outputs/y", produced.output, c.output)]
            for (name, expected) in c.updated.sorted(by: { $0.key < $1.key }) {
                if let actual = produced.updated[name] { pairs.append(("updated/\(name)", actual, expected)) }
            }
            for (name, actual, expected) in pairs {
                let comparison = outcome.comparisons.first { $0.name == name }
                if let comparison { TextReport.describe(comparison).forEach { print("  " + $0) } }
                guard actual.shape == expected.shape else { continue }
                var rows = [["index", "ours", "keras (\(c.backend))", "abs diff", "ULP"] + others.map { "keras (\($0.backend))" }]
                let strides = Comparator.strides(expected.shape)
                for i in 0..<min(limit, expected.count) {
                    let index = Comparator.multiIndex(i, strides)
                    let a = actual.values[i], e = expected.values[i]
                    let ulp = Comparator.ulpDistance(a, e, expected.elementType).map { String(format: "%.0f", $0) } ?? "-"
                    let otherValues = others.map { other -> String in
                        let tensor = name == "outputs/y" ? other.output : other.updated[String(name.dropFirst("updated/".count))]
                        guard let tensor, tensor.shape == expected.shape else { return "-" }
                        return fmt(tensor.values[i])
                    }
                    rows.append([PythonLiteral.tuple(index), fmt(a), fmt(e), fmt(abs(a - e)), ulp] + otherValues)
                }
                TextTable.lines(rows).forEach { print("  " + $0) }
                if expected.count > limit { print("  ... \(expected.count - limit) more elements (--limit)") }
            }
        }

        private func fmt(_ x: Double) -> String { x.isNaN ? "nan" : String(format: "%.9g", x) }

    }
}

import Foundation
import KerasJSON
