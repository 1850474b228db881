import ArgumentParser
import Conformance

extension ConformanceCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Regenerate the committed Markdown conformance report (golden/REPORT.md).",
            discussion: "Per layer: the cases, how many passed, the largest fraction of the allowed error used and Keras's own cross-backend spread.")

        @OptionGroup var selection: CaseSelection
        @OptionGroup var limits: LayerLimitOptions

        @Option(help: "Where to write the report.")
        var output: String = "golden/REPORT.md"

        func run() throws {
            let files = try selection.readFiles()
            let report = try limits.apply(to: selection.runner()).run(files: files)
            try ConformanceCLI.write(MarkdownReport.renderLayerSummary(report), to: output)
            let s = report.summary
            try ConformanceCLI.write("wrote \(output): \(s.line)\n", to: nil)
            if !report.allPassed { throw ExitCode(1) }
        }
    }
}
