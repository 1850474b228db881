import ArgumentParser
import Conformance

extension ConformanceCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every golden case through the implementation and report the differences.",
            discussion: """
                Each case is built from its Keras class name and get_config() JSON, given its weights, \
                called on its input, and its output (and updated variables) compared element by element; \
                a case with gradients (inputs/dy, grads/*) also has its backward pass compared, gradient by \
                gradient, and is reported forward and backward. \
                A value passes when |actual - expected| <= atol + rtol*|expected| + spread + cancellation, where \
                spread is how far the other backends' Keras results for the same case are from this one and \
                cancellation the rounding Keras's own formula loses there; where no Keras value agrees with \
                the case's float64 oracle, the oracle joins the envelope. --exact drops all three. Every \
                report says which allowances applied.
                """
        )

        @OptionGroup var selection: CaseSelection
        @OptionGroup var tolerance: ToleranceOptions
        @OptionGroup var limits: LayerLimitOptions

        @Option(help: "Report format: text, markdown, json or junit.")
        var format: ReportFormat = .text

        @Option(help: "Write the report to this file instead of standard output.")
        var output: String?

        @Option(help: "Mismatches listed per tensor.")
        var limit: Int = 10

        @Flag(help: "List passing cases too (text format).")
        var verbose = false

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be >= 0") }
        }

        func run() throws {
            let report = try selection.run(
                limits.apply(to: selection.runner(tolerance: tolerance.override, reportLimit: limit)), files: selection.readFiles())
            try ConformanceCLI.write(format.render(report, verbose: verbose), to: output)
            if output != nil {
                let s = report.summary
                try ConformanceCLI.write(s.line + "\n", to: nil)
            }
            if !report.allPassed { throw ExitCode(1) }
        }
    }
}
