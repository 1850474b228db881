import Foundation
import Testing
import KerasJSON

/// The built `keras-conformance` executable, run as a person or CI runs it: exit status,
/// messages naming the file, and the report contracts.
@Suite struct CommandLineTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> String {
        repository.appendingPathComponent("Tests/Fixtures/\(name)").path
    }

    /// The executable `swift test` built beside the test bundle.
    static let executable: URL? = {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(repository.appendingPathComponent(".build/debug"))
        return candidates.map { $0.appendingPathComponent("keras-conformance") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` (default: keras-conformance) in the repository with `arguments`.
    func run(_ arguments: [String], executable: URL? = nil) throws -> Outcome {
        let executable = try #require(executable ?? Self.executable, "keras-conformance was not built beside the tests")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test(arguments: ["not_hdf5.h5", "truncated.h5", "wrong_schema.h5", "missing_schema.h5", "no_such_file.h5"])
    func aFileThatIsNotAGoldenFileExitsTwoNamingIt(_ name: String) throws {
        let outcome = try run(["run", Self.fixture(name)])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(Self.fixture(name)), "\(outcome.stderr)")
    }

    /// libhdf5 crashes reading this file; the CLI reads files in child processes and reports it.
    @Test func aFileThatCrashesLibHDF5IsReportedNotFatal() throws {
        let outcome = try run(["run", Self.fixture("crashes_libhdf5.h5")])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("\(Self.fixture("crashes_libhdf5.h5")): the file is damaged: libhdf5 crashed"), "\(outcome.stderr)")
        // Other files in the same run are not lost when they are given separately.
        #expect(try run(["run", Self.fixture("valid_small.h5")]).status == 0)
    }

    @Test func badArgumentsExitTwo() throws {
        #expect(try run(["run", "--format", "yaml"]).status == 2)
        #expect(try run(["run", "--filter", "("]).status == 2)
    }

    @Test(arguments: ["bad_config.h5", "missing_dataset.h5", "wrong_dtype.h5", "missing_attribute.h5"])
    func brokenCasesAreErrorsAndTheRestRuns(_ name: String) throws {
        let outcome = try run(["run", Self.fixture(name), "--format", "json"])
        #expect(outcome.status == 1)
        let json = try JSONValue(parsing: outcome.stdout)
        let cases = try #require(json["cases"]?.arrayValue)
        #expect(cases.contains { $0["id"] == .string("good") && $0["status"] == .string("passed") }, "\(outcome.stdout)")
        #expect(cases.contains { $0["status"] == .string("error") })
    }

    @Test func jsonAndJUnitOnTheCommittedGoldens() throws {
        let json = try run(["run", "golden", "--filter", "^doc-1\\.1", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONValue(parsing: json.stdout)
        let cases = try #require(report["cases"]?.arrayValue)
        #expect(cases.count == 6)  // 3 cases × 2 backends
        #expect(
            report["summary"]
                == .object([
                    "total": .int(6), "passed": .int(6), "failed": .int(0), "errors": .int(0), "skipped": .int(0),
                    "disputed": .int(0), "disputedElements": .int(0), "arbitratedElements": .int(0),
                    "offOracleElements": .int(0),
                    "forward": .object([
                        "total": .int(6), "passed": .int(6), "failed": .int(0), "errors": .int(0), "skipped": .int(0),
                    ]),
                    "backward": .object([
                        "total": .int(6), "passed": .int(6), "failed": .int(0), "errors": .int(0), "skipped": .int(0),
                    ]),
                ]))
        #expect(Set(cases.compactMap { $0["backend"]?.stringValue }) == ["jax", "tensorflow"])
        #expect(cases.allSatisfy { $0["forward"]?["status"] == .string("passed") && $0["backward"]?["status"] == .string("passed") })

        let junit = try run(["run", "golden", "--filter", "^doc-1\\.1", "--format", "junit"])
        #expect(junit.stdout.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"#))
        // A test case per forward part and one per backward part (every doc-1.1 case has gradients).
        #expect(junit.stdout.contains(#"<testsuites name="keras-conformance" tests="12" failures="0" errors="0" skipped="0">"#))
        #expect(junit.stdout.components(separatedBy: "<testcase ").count - 1 == 12)
        #expect(junit.stdout.components(separatedBy: #" [jax] backward""#).count - 1 == 3)
    }

    @Test func toleranceOverridesReachTheComparator() throws {
        let defaults = try run(["show", "doc-2.2-example", "--limit", "1"])
        #expect(defaults.stdout.contains("tolerance atol 1e-05 rtol 1.3e-06"))
        let overridden = try run(["show", "doc-2.2-example", "--limit", "1", "--atol", "0", "--rtol", "0.5"])
        #expect(overridden.stdout.contains("tolerance atol 0 rtol 0.5"), "\(overridden.stdout)")
    }

    @Test func outputFileAndSummaryLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString).md").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try run(["run", "golden", "--filter", "^doc-1\\.3", "--format", "markdown", "--output", path])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "2 cases: 2 passed, 0 failed, 0 errors; forward: 2 passed, 0 failed, 0 errors; backward 2: 2 passed, 0 failed, 0 errors\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("Every case passed."))
    }

    @Test func listAndShow() throws {
        let list = try run(["list", "--filter", "^doc-2\\.2"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("doc-2.2-example"))
        #expect(list.stdout.contains("jax,tensorflow") || list.stdout.contains("tensorflow,jax"))
        let show = try run(["show", "doc-2.2-example"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("== doc-2.2-example [tensorflow]"))
        #expect(show.stdout.contains("keras (jax)"))
        #expect(try run(["show", "no-such-case"]).status == 2)
    }

    /// Control characters in what `list` and `show` print (an origin holding a terminal escape,
    /// a line break and a bidirectional override) come out escaped, never raw.
    @Test func listAndShowEscapeControlCharacters() throws {
        let path = Self.fixture("control_characters.h5")
        for arguments in [["list", path], ["show", "control_characters", "--path", path]] {
            let outcome = try run(arguments)
            #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
            #expect(!outcome.stdout.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" }, "\(arguments)")
            #expect(outcome.stdout.contains("\\u{1B}[2J a terminal escape,\\na line break"), "\(arguments)")
        }
    }

    /// `--exact` drops the envelope and the cancellation bound: the large-offset case that passes
    /// only thanks to them fails, and the report says so.
    @Test func exactTurnsOffTheWideningTerms() throws {
        let filter = ["run", "golden", "--filter", "^LayerNormalization\\.offset$"]
        let widened = try run(filter)
        #expect(widened.status == 0, "\(widened.stdout)")
        #expect(widened.stdout.contains("reference envelope: on"))
        let exact = try run(filter + ["--exact"])
        #expect(exact.status == 1, "\(exact.stdout)")
        #expect(exact.stdout.contains("reference envelope: off (--exact)"))
        #expect(exact.stdout.contains("cancellation bound: off (--exact)"))
        #expect(exact.stdout.contains("FAILED LayerNormalization.offset ["))
    }

    @Test func memoryBudgetAndStrictConfigOptions() throws {
        let tiny = try run(["run", "golden/tensorflow/seed.h5", "--filter", "^doc-1\\.1-ex1$", "--memory-budget", "64"])
        #expect(tiny.status == 1)
        #expect(tiny.stdout.contains("memory budget"), "\(tiny.stdout)")
        #expect(try run(["run", "golden/tensorflow/seed.h5", "--filter", "^doc-1\\.1-ex1$", "--memory-budget", "2GiB", "--strict-config"]).status == 0)
        for bad in ["0", "-1", "1.5GiB", "lots", "99999999999GiB"] {
            #expect(try run(["run", "--memory-budget", bad]).status == 2, "--memory-budget \(bad)")
        }
    }
}

/// Error cases (a call Keras refused) through the CLI, on the fixtures of both backends.
@Suite struct ErrorCaseCommandLineTests {
    let cli = CommandLineTests()

    @Test func refusedCasesPassSkipOrError() throws {
        let files = [CommandLineTests.fixture("error_cases_tensorflow.h5"), CommandLineTests.fixture("error_cases_jax.h5")]
        let outcome = try cli.run(["run"] + files + ["--format", "json"])
        #expect(outcome.status == 1, "the malformed case is an error")
        let json = try JSONValue(parsing: outcome.stdout)
        let cases = try #require(json["cases"]?.arrayValue)
        let status = Dictionary(
            uniqueKeysWithValues: cases.map { ("\($0["id"]?.stringValue ?? "") [\($0["backend"]?.stringValue ?? "")]", $0["status"]?.stringValue) })
        #expect(
            status == [
                "refused_everywhere [tensorflow]": "passed", "refused_everywhere [jax]": "passed",
                "tensorflow_lacks_kernel [tensorflow]": "skipped", "tensorflow_lacks_kernel [jax]": "passed",
                "error_with_outputs [tensorflow]": "error",
            ])
        let text = try cli.run(["run"] + files).stdout
        #expect(text.contains("the implementation refused it too: MaxPooling1D: invalid `data_format`"), "\(text)")
        #expect(text.contains("SKIPPED tensorflow_lacks_kernel [tensorflow] Keras on tensorflow refused the call (NotFoundError:"), "\(text)")
        #expect(!text.contains("Skipped (layers"))
    }
}
