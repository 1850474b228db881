import Testing
@testable import ConformanceCLI
@testable import keras_conformance
import KerasLayersConformance

/// The help text people read: every command documents its arguments and options.
@Suite struct HelpTextTests {
    /// The commands as `keras-conformance`'s `main.swift` sets them up, installed once.
    static let configured: Void = ConformanceCLI.configure(
        KerasLayersImplementation(), commandName: "keras-conformance", extraCommands: [Bench.self])

    init() { Self.configured }

    @Test func rootHelpListsTheCommandsAndExitStatus() {
        let help = ConformanceCommand.helpMessage(columns: 2000)
        for command in ["run", "list", "show", "report", "bench"] {
            #expect(help.contains("  \(command)"), "root help lacks \(command)")
        }
        #expect(help.contains("Exit status: 0 when every case passed, 1 when any case failed or errored"))
    }

    @Test func runHelp() {
        let help = ConformanceCommand.helpMessage(for: ConformanceCommand.Run.self, columns: 2000)
        // With this many options ArgumentParser shortens the usage line; the OPTIONS list names each.
        #expect(help.contains("USAGE: keras-conformance run [<options>] [<paths> ...]"))
        for option in [
            "--filter <filter>", "--exclude <exclude>", "--layer <layer>", "--backend <backend>", "--read-timeout <read-timeout>", "--atol <atol>",
            "--rtol <rtol>", "--exact",
            "--memory-budget <bytes>", "--strict-config", "--format <format>", "--output <output>", "--limit <limit>", "--verbose",
        ] {
            #expect(help.contains(option))
        }
        #expect(help.contains("Report format: text, markdown, json or junit. (values: text, markdown, json, junit; default: text)"))
        #expect(help.contains("(default: golden)"))
        #expect(help.contains("Seconds each golden file may take to read (default 60)."))
    }

    @Test func listShowReportHelp() {
        #expect(
            ConformanceCommand.helpMessage(for: ConformanceCommand.List.self, columns: 2000).contains("List the golden cases: id, layer, backends and origin."))
        let show = ConformanceCommand.helpMessage(for: ConformanceCommand.Show.self, columns: 2000)
        #expect(show.contains("USAGE: keras-conformance show <id>"))
        #expect(show.contains("element-by-element diff"))
        let report = ConformanceCommand.helpMessage(for: ConformanceCommand.Report.self, columns: 2000)
        #expect(report.contains("golden/REPORT.md"))
        let bench = ConformanceCommand.helpMessage(for: Bench.self, columns: 2000)
        #expect(bench.contains("USAGE: keras-conformance bench <subcommand>"))
        #expect(bench.contains("roofline_fraction is that GB/s over the GB/s of a two-thread streaming copy of the same bytes"))
        for subcommand in ["run (default)", "plan", "serve", "summarize"] { #expect(bench.contains("  \(subcommand)"), "bench help lacks \(subcommand)") }
        let benchRun = ConformanceCommand.helpMessage(for: Bench.Run.self, columns: 2000)
        #expect(
            benchRun.contains("USAGE: keras-conformance bench run [--format <format>] [--output <output>] [--filter <filter>] [--rounds <rounds>] [--quick]"))
    }

    @Test(arguments: [["run", "--format", "yaml"], ["run", "--atol", "-1"], ["run", "--filter", "("], ["frobnicate", "--x"]])
    func badArgumentsAreRejected(_ arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try ConformanceCommand.parseAsRoot(arguments) }
    }

    @Test func runParsesItsOptions() throws {
        let command = try ConformanceCommand.parseAsRoot(["run", "a.h5", "dir", "--format", "junit", "--atol", "0.1", "--filter", "^max"])
        let run = try #require(command as? ConformanceCommand.Run)
        #expect(run.selection.paths == ["a.h5", "dir"])
        #expect(run.format == .junit)
        #expect(run.tolerance.atol == 0.1)
        #expect(run.selection.filter == "^max")
    }
}
