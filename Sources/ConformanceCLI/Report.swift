import ArgumentParser
import Conformance
import ConformanceHTML

extension ConformanceCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Regenerate the committed Markdown conformance report (golden/REPORT.md), or write the HTML report.",
            discussion: """
                markdown (the default): per layer, the cases, how many passed, the largest fraction of the allowed \
                error used and Keras's own cross-backend spread. html: one self-contained page with the matrix of \
                layer x (backend, element type, forward/backward), a histogram per layer of the fraction of the \
                allowed error each element used, and every case's config, shapes and worst elements.
                """)

        /// The formats of the report command.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case markdown, html
        }

        @OptionGroup var selection: CaseSelection
        @OptionGroup var limits: LayerLimitOptions

        @Option(help: "Report format: markdown or html.")
        var format: Format = .markdown

        @Option(help: "Where to write the report (default golden/REPORT.md for markdown; required for html).")
        var output: String?

        func validate() throws {
            if format == .html && output == nil { throw ValidationError("--format html needs --output FILE") }
        }

        func run() throws {
            let files = try selection.readFiles()
            let report = try selection.run(limits.apply(to: selection.runner()), files: files)
            let path = output ?? "golden/REPORT.md"
            switch format {
            case .markdown: try ConformanceCLI.write(MarkdownReport.renderLayerSummary(report), to: path)
            case .html: try ConformanceCLI.write(HTMLReport.render(report, goldenCases: files.flatMap(\.cases)), to: path)
            }
            let s = report.summary
            try ConformanceCLI.write("wrote \(path): \(s.line)\n", to: nil)
            if !report.allPassed { throw ExitCode(1) }
        }
    }
}
