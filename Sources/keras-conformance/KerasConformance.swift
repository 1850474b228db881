import ArgumentParser
import Foundation

/// `keras-conformance`: runs golden cases captured from real Keras through the Swift layers.
@main
struct KerasConformance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keras-conformance",
        abstract: "Check Swift Keras layers against golden outputs captured from real Keras.",
        discussion: """
            Golden files (HDF5, schema keras-golden/1) hold cases captured from Keras runs on one \
            backend each. Exit status: 0 when every case passed, 1 when any case failed or errored, \
            2 when a path cannot be read as a golden file or the arguments are wrong.
            """,
        subcommands: [Run.self, List.self, Show.self, Report.self, Bench.self, Probe.self],
        defaultSubcommand: Run.self
    )

    /// Parses and runs, mapping every error to the documented exit status (never a crash).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Self.exit(withError: exit)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("keras-conformance: \(error.message)\n".utf8))
            Self.exit(withError: ExitCode(2))
        } catch {
            if exitCode(for: error) == .success { Self.exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Self.exit(withError: ExitCode(2))
        }
    }
}

/// An error that ends the command with exit status 2 and this message.
struct CLIError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
