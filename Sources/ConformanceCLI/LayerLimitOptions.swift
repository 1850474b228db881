import ArgumentParser
import Conformance

/// What an implementation may do with a case: how much memory it may allocate and whether an
/// unknown config key is an error. Passed to every `LayerInvocation`.
struct LayerLimitOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Bytes a layer may allocate per case, intermediates included (e.g. 4GiB, 512MiB, 1000000); default: the implementation's (KerasLayers: 1GiB).",
            valueName: "bytes"))
    var memoryBudget: ByteCount?

    @Flag(help: "Make a config key the implementation does not use an error instead of a warning.")
    var strictConfig = false

    /// `runner` with these limits.
    func apply(to runner: ConformanceRunner) -> ConformanceRunner {
        var runner = runner
        runner.memoryBudget = memoryBudget?.bytes
        runner.strictConfig = strictConfig
        return runner
    }
}

/// A number of bytes: an integer, optionally followed by KiB, MiB or GiB (powers of 1024).
struct ByteCount: ExpressibleByArgument {
    var bytes: Int

    init?(argument: String) {
        let units: [(suffix: String, factor: Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("", 1)]
        guard let unit = units.first(where: { argument.hasSuffix($0.suffix) }),
            let value = Int(argument.dropLast(unit.suffix.count)), value > 0
        else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit.factor)
        guard !overflow else { return nil }
        self.bytes = bytes
    }
}
