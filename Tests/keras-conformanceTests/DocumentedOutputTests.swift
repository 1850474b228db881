import Foundation
import Testing

/// The examples the documentation shows are what the commands print.
@Suite struct DocumentedOutputTests {
    let cli = CommandLineTests()

    /// CI.md's "Reading a failure": the `$ keras-conformance ...` line is run, and after the list
    /// of files read its output must be the indented block below it, line for line. When the
    /// report format or the layers change, paste the command's new output into CI.md.
    @Test func ciReadingAFailureIsWhatTheCommandPrints() throws {
        let text = try String(contentsOf: CommandLineTests.repository.appendingPathComponent("CI.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Reading a failure").dropFirst().first)
        let lines = section.components(separatedBy: "\n")
        let commandLine = try #require(lines.firstIndex { $0.hasPrefix("    $ keras-conformance ") })
        var block = lines[(commandLine + 1)...].prefix { $0.isEmpty || $0.hasPrefix("    ") }.map { String($0.dropFirst(4)) }
        while block.last?.isEmpty == true { block.removeLast() }
        #expect(block.count > 3)

        let arguments = lines[commandLine].dropFirst("    $ keras-conformance ".count).split(separator: " ").map {
            $0.hasPrefix("'") && $0.hasSuffix("'") ? String($0.dropFirst().dropLast()) : String($0)
        }
        let outcome = try cli.run(arguments)
        #expect(outcome.status == 1, "the documented example is a failure")
        var printed = outcome.stdout.components(separatedBy: "\n")
        while printed.last?.isEmpty == true { printed.removeLast() }
        let start = try #require(printed.firstIndex(of: block[0]), "the output has no line '\(block[0])':\n\(outcome.stdout)")
        #expect(Array(printed[start...]) == block, "CI.md shows:\n\(block.joined(separator: "\n"))\nthe command prints:\n\(outcome.stdout)")
    }
}
