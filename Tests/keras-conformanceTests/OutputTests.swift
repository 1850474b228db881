import Foundation
import Testing

/// Where reports go: a full or closed standard output and an unwritable file are errors with a
/// message and exit status 2 (never a trap, never a silent 0); files are replaced atomically.
@Suite struct OutputTests {
    let cli = CommandLineTests()

    /// Runs the CLI through sh, so that standard output can be redirected or closed.
    func shell(_ redirection: String, _ arguments: [String]) throws -> CommandLineTests.Outcome {
        let executable = try #require(CommandLineTests.executable)
        let quoted = ([executable.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        return try cli.run(["-c", "exec \(quoted) \(redirection)"], executable: URL(fileURLWithPath: "/bin/sh"))
    }

    @Test(arguments: [["run", "--filter", "^doc-1"], ["list"], ["show", "doc-2.2-example"], ["run", "--filter", "^doc-1", "--format", "junit"]])
    func aFullStandardOutputIsAnError(_ arguments: [String]) throws {
        let outcome = try shell(">/dev/full", arguments)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("cannot write standard output"), "\(outcome.stderr)")
    }

    @Test(arguments: [["run", "--filter", "^doc-1"], ["list"], ["show", "doc-2.2-example"]])
    func aClosedStandardOutputIsAnError(_ arguments: [String]) throws {
        let outcome = try shell(">&-", arguments)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("cannot write standard output: it is closed"), "\(outcome.stderr)")
    }

    /// Progress and warnings on a full standard error are dropped; the command still completes.
    @Test func aFullStandardErrorIsNotATrap() throws {
        let outcome = try shell("2>/dev/full", ["bench", "--filter", "^$"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasPrefix("op "))
    }

    @Test func anUnwritableOutputFileIsAnErrorNamingIt() throws {
        let path = "/nonexistent-\(UUID().uuidString)/report.md"
        let outcome = try cli.run(["run", "--filter", "^doc-1", "--output", path])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("cannot write \(path)"), "\(outcome.stderr)")
    }

    /// The report replaces the file whole (written beside it, then renamed), leaving nothing else behind.
    @Test func aReportReplacesTheFileAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xml").path
        try String(repeating: "old report\n", count: 10_000).write(toFile: path, atomically: false, encoding: .utf8)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        let outcome = try cli.run(["run", "--filter", "^doc-1", "--format", "junit", "--output", path])
        #expect(outcome.status == 0)
        let after = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        #expect(before != after, "the report was written in place, not renamed over the old one")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("<?xml"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.xml"])
    }
}
