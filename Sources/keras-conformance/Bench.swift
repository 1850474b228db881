import ArgumentParser

extension KerasConformance {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the layers on the benchmark shapes (use a release build).")

        func run() throws {
            throw CLIError("bench is not implemented yet")
        }
    }
}
