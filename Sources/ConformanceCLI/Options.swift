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

    @Option(help: "Run only cases whose Keras class name matches this regular expression as a whole (e.g. 'MaxPooling2D', '.*Normalization').")
    var layer: String?

    @Option(name: .customLong("backend"), help: "Run only cases captured on this backend (e.g. tensorflow, jax); repeat for several.")
    var backends: [String] = []

    @Option(
        help: ArgumentHelp(
            "Seconds each golden file may take to read (default \(Int(IsolatedReader.defaultTimeout))).",
            discussion: "Files are read in child processes; one still reading after this long is killed and "
                + "its file reported as timed out reading (exit status 2)."))
    var readTimeout: Double = IsolatedReader.defaultTimeout

    func validate() throws {
        guard readTimeout > 0, readTimeout.isFinite, readTimeout <= 86_400 else {
            throw ValidationError("--read-timeout must be a number of seconds > 0 and at most 86400")
        }
        for (name, pattern) in [("--filter", filter), ("--exclude", exclude), ("--layer", layer)] {
            if let pattern, (try? Regex(pattern)) == nil {
                throw ValidationError("\(name) '\(pattern)' is not a valid regular expression")
            }
        }
    }

    /// Reads every golden file, each in a child process (`IsolatedReader`) with `readTimeout`: a
    /// file that is not a golden file, crashes libhdf5 or times out is an error naming it (exit
    /// status 2). What a folder scan skipped (symlinked folders) is reported on standard error.
    func readFiles() throws -> [GoldenFile] {
        let collection: GoldenCollection
        do { collection = try GoldenCollection(scanning: paths) } catch { throw CLIError(error.description) }
        for skipped in collection.skipped {
            ConformanceCommand.printError("\(ConformanceCLI.setup.commandName): warning: \(skipped)")
        }
        return try IsolatedReader.read(collection.files, timeout: .seconds(readTimeout))
    }

    func runner(tolerance: ToleranceOverride = .init(), reportLimit: Int = 10, listsEveryElement: Bool = false) -> ConformanceRunner {
        ConformanceRunner(
            implementation: ConformanceCLI.setup.implementation, toleranceOverride: tolerance,
            comparator: Comparator(reportLimit: reportLimit, listsEveryElement: listsEveryElement),
            include: filter, exclude: exclude,
            layer: layer, backends: backends.isEmpty ? nil : backends)
    }

    /// Runs the selected cases of `files` (from `readFiles()`) through `runner` (from
    /// `runner(...)`). A selection that checks nothing (the filters match no case, or every case
    /// it matches is skipped) is an error with exit status 2, as an empty folder is: a run never
    /// reports success for something it did not check.
    func run(_ runner: ConformanceRunner, files: [GoldenFile]) throws -> RunReport {
        let report = try runner.run(files: files)
        guard !report.cases.isEmpty else {
            throw CLIError("nothing to check: no case in \(paths.joined(separator: ", ")) matches \(description)")
        }
        guard report.cases.contains(where: { $0.status != .skipped }) else {
            throw CLIError(
                "nothing to check: all \(report.cases.count) selected cases are of layers "
                    + "\(ConformanceCLI.setup.implementation.name) does not implement")
        }
        return report
    }

    /// The selection options as given, for messages: `--layer 'X' --backend jax`.
    var description: String {
        let options =
            [("--filter", filter), ("--exclude", exclude), ("--layer", layer)]
            .compactMap { name, value in value.map { "\(name) '\($0)'" } } + backends.map { "--backend \($0)" }
        return options.isEmpty ? "the selection" : options.joined(separator: " ")
    }
}

/// Tolerance overrides for a run.
struct ToleranceOptions: ParsableArguments {
    @Option(help: "Absolute tolerance for every case, overriding the dtype default and the case's own.")
    var atol: Double?

    @Option(help: "Relative tolerance for every case, overriding the dtype default and the case's own.")
    var rtol: Double?

    @Flag(
        help: """
            Plain atol + rtol*|expected|: no reference envelope, no cancellation bound and no \
            float64 oracle in the envelope (with --atol 0 --rtol 0, bit-exact).
            """)
    var exact = false

    func validate() throws {
        for (name, value) in [("--atol", atol), ("--rtol", rtol)] {
            if let value, !ToleranceRule.isValid(value) {
                throw ValidationError("\(name): \(ToleranceRule.requirement)")
            }
        }
    }

    var override: ToleranceOverride { ToleranceOverride(atol: atol, rtol: rtol, exact: exact) }
}

extension ReportFormat: ExpressibleByArgument {}
