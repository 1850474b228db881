import ArgumentParser
import Conformance
import Foundation
import ReferenceData

/// The golden files to read and which cases of them to take: shared by every command.
struct CaseSelection: ParsableArguments {
    @Argument(help: "Golden files, or folders searched recursively for *.h5.")
    var paths: [String] = ["golden"]

    @Option(help: "Run only cases whose id matches this regular expression.")
    var filter: String?

    @Option(help: "Skip cases whose id matches this regular expression.")
    var exclude: String?

    func validate() throws {
        for (name, pattern) in [("--filter", filter), ("--exclude", exclude)] {
            if let pattern, (try? Regex(pattern)) == nil {
                throw ValidationError("\(name) '\(pattern)' is not a valid regular expression")
            }
        }
    }

    /// Reads every golden file; a path that is not a golden file is exit status 2.
    /// Reads every golden file, each in a child process (`IsolatedReader`): a file that is not a
    /// golden file, or that crashes libhdf5, is an error naming it (exit status 2).
    func readFiles() throws -> [GoldenFile] {
        let files: [String]
        do { files = try GoldenCollection.filePaths(paths) } catch { throw CLIError(error.description) }
        return try IsolatedReader.read(files)
    }

    func runner(tolerance: ToleranceOverride = .init(), reportLimit: Int = 10) -> ConformanceRunner {
        ConformanceRunner(
            implementation: ConformanceCLI.setup.implementation, toleranceOverride: tolerance,
            comparator: Comparator(reportLimit: reportLimit), include: filter, exclude: exclude)
    }
}

/// Tolerance overrides for a run.
struct ToleranceOptions: ParsableArguments {
    @Option(help: "Absolute tolerance for every case, overriding the dtype default and the case's own.")
    var atol: Double?

    @Option(help: "Relative tolerance for every case, overriding the dtype default and the case's own.")
    var rtol: Double?

    @Flag(help: """
        Plain atol + rtol*|expected|: no reference envelope and no cancellation bound \
        (with --atol 0 --rtol 0, bit-exact).
        """)
    var exact = false

    func validate() throws {
        for (name, value) in [("--atol", atol), ("--rtol", rtol)] {
            if let value, !(value >= 0 && value.isFinite) {
                throw ValidationError("\(name) must be a finite number >= 0")
            }
        }
    }

    var override: ToleranceOverride { ToleranceOverride(atol: atol, rtol: rtol, exact: exact) }
}

extension ReportFormat: ExpressibleByArgument {}
