@_exported import ArgumentParser
@_exported import Conformance
@_exported import KerasJSON
@_exported import ReferenceData

/// The `run`, `list`, `show` and `report` commands for any `LayerImplementation`.
///
/// Another package gets the whole command line by conforming to `LayerImplementation`
/// and writing a three-line `main.swift`:
///
/// ```swift
/// import ConformanceCLI
/// import MyLayers
/// ConformanceCLI.main(MyLayersImplementation())
/// ```
///
/// Golden files are read in child processes running this same executable's hidden `probe`
/// command, so the executable that calls `main` must be the one that is run.
public enum ConformanceCLI {
    /// What `main` was given: the implementation every command runs, the name help text uses,
    /// and the implementation's own extra commands.
    struct Setup {
        var implementation: any LayerImplementation
        var commandName: String
        var extraCommands: [any ParsableCommand.Type]
    }

    /// Set once by `main` before any command is parsed; read by the commands.
    nonisolated(unsafe) static var setup = Setup(
        implementation: NoImplementation(), commandName: "keras-conformance", extraCommands: [])

    /// Parses the command line, runs the command and exits with the documented status:
    /// 0 when every case passed, 1 when a case failed or errored, 2 for unreadable input or bad arguments.
    ///
    /// - Parameters:
    ///   - implementation: the layers every case is run through.
    ///   - commandName: the name help and error messages use (default: the executable's file name).
    ///   - extraCommands: further subcommands of the implementation's own (e.g. a benchmark).
    ///   - arguments: the arguments to parse (default: the process's own).
    public static func main(
        _ implementation: some LayerImplementation, commandName: String? = nil,
        extraCommands: [any ParsableCommand.Type] = [], arguments: [String]? = nil
    ) -> Never {
        configure(implementation, commandName: commandName, extraCommands: extraCommands)
        ConformanceCommand.runMain(arguments)
    }

    /// Whether the process started with standard output closed (it then points at /dev/null,
    /// and writing a report there is an error, not a silent success).
    nonisolated(unsafe) static var standardOutputWasClosed = false

    /// Installs the implementation and name without running anything (for `main` and tests).
    static func configure(
        _ implementation: some LayerImplementation, commandName: String? = nil,
        extraCommands: [any ParsableCommand.Type] = []
    ) {
        let executableName = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") }
        setup = Setup(
            implementation: implementation,
            commandName: commandName ?? executableName ?? "keras-conformance",
            extraCommands: extraCommands)
    }
}

/// The implementation before `main` installs one: implements nothing.
private struct NoImplementation: LayerImplementation {
    var name: String { "none" }
    func implements(layer: String) -> Bool { false }
    func run(_ invocation: LayerInvocation) throws -> LayerResult {
        throw CLIError("no layer implementation was given to ConformanceCLI.main")
    }
}
