import ArgumentParser
import Foundation

/// The root command: `run`, `list`, `show`, `report` (and the hidden `probe`) for the
/// implementation and name `ConformanceCLI.main` was given.
struct ConformanceCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: ConformanceCLI.setup.commandName,
            abstract:
                "Check a Swift implementation of Keras layers (\(ConformanceCLI.setup.implementation.name)) against golden outputs captured from real Keras.",
            discussion: """
                Golden files (HDF5, schema keras-golden/1) hold cases captured from Keras runs on one \
                backend each. Exit status: 0 when every case passed, 1 when any case failed or errored, \
                2 when a path cannot be read as a golden file or the arguments are wrong.
                """,
            subcommands: [Run.self, List.self, Show.self, Report.self] + ConformanceCLI.setup.extraCommands + [Probe.self],
            defaultSubcommand: Run.self
        )
    }

    /// Parses and runs, mapping every error to the documented exit status (never a crash).
    ///
    /// SIGPIPE is ignored, so a closed standard output is a write error (see `ConformanceCLI.write`)
    /// with a message and exit status 2 rather than a silent kill.
    static func runMain(_ arguments: [String]?) -> Never {
        signal(SIGPIPE, SIG_IGN)
        ConformanceCLI.standardOutputWasClosed = reopenIfClosed(STDOUT_FILENO)
        _ = reopenIfClosed(STDERR_FILENO)
        var status = ExitCode.success
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let exit as ExitCode {
            status = exit
        } catch let error as CLIError {
            printError("\(ConformanceCLI.setup.commandName): \(error.message)")
            status = ExitCode(2)
        } catch {
            if exitCode(for: error) == .success { Self.exit(withError: error) }
            printError(fullMessage(for: error))
            status = ExitCode(2)
        }
        Self.exit(withError: status == .success ? nil : status)
    }

    /// Puts /dev/null on `descriptor` when it is closed (so that pipes and files opened later,
    /// e.g. for the reader's child processes, never take its number); returns whether it was closed.
    static func reopenIfClosed(_ descriptor: Int32) -> Bool {
        guard fcntl(descriptor, F_GETFD) == -1 && errno == EBADF else { return false }
        let null = open("/dev/null", O_RDWR)
        if null >= 0 && null != descriptor {
            dup2(null, descriptor)
            close(null)
        }
        return true
    }

    /// One line on standard error; a failure to write it is ignored (there is nowhere left to say it).
    static func printError(_ message: String) {
        try? FileHandle.standardError.write(contentsOf: Data((message + "\n").utf8))
    }
}

/// An error that ends the command with exit status 2 and this message.
struct CLIError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
