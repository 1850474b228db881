import ConformanceCLI
import Foundation
import KerasJSON

/// `keras-conformance bench`: this package's own command beside the shared ones. The protocol is
/// `BenchProtocol`'s; `tools/benchmark` runs it on both sides (`plan`, `serve`, `summarize`).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the layers on the benchmark ops, cold and warm, against the roofline copy (use a release build).",
        discussion: """
            Each op runs in rounds (one sample of every op per round): cold on inputs rotated over copies \
            totalling at least 3 x L3, and warm on one input run twice; median and p10/p90 of the samples. \
            GB/s counts each input byte read once and each output byte written once; roofline_fraction is that \
            GB/s over the GB/s of a two-thread streaming copy of the same bytes, timed cold in the same rounds. \
            tools/benchmark runs the same protocol on Keras (TensorFlow, TensorFlow with XLA, JAX) in alternating rounds.
            """,
        subcommands: [Run.self, Plan.self, Serve.self, Summarize.self], defaultSubcommand: Run.self)

    enum Format: String, ExpressibleByArgument { case text, json }

    /// The Swift side alone: the main ops under the standard (or quick) protocol.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the Swift side alone and print its table or the JSON contract.")

        @Option(help: "Output format: text or json (an array with one object per op).")
        var format: Format = .text

        @Option(help: "Write the result to this file instead of standard output.")
        var output: String?

        @Option(help: "Run only ops whose name matches this regular expression.")
        var filter: String?

        @Option(help: "Timed rounds (default: 25, or 3 with --quick).")
        var rounds: Int?

        @Flag(help: "Small inputs and few rounds: a smoke test, not a measurement.")
        var quick = false

        func validate() throws {
            if let rounds, rounds < 1 { throw ValidationError("--rounds must be >= 1") }
            if let filter, (try? Regex(filter)) == nil { throw ValidationError("--filter is not a valid regular expression") }
        }

        func run() throws {
            #if DEBUG
                try? FileHandle.standardError.write(
                    contentsOf: Data("bench: this is a debug build; time a release build (swift run -c release keras-conformance bench)\n".utf8))
            #endif
            var benchProtocol = quick ? BenchProtocol.quick() : BenchProtocol.standard()
            if let rounds { benchProtocol.rounds = rounds }
            let regex = try filter.map { try Regex($0) }
            let ops = try BenchOp.all.filter { op in try regex.map { try $0.firstMatch(in: op.name) != nil } ?? true }
            let points = try BenchPlan(protocol: benchProtocol, ops: ops).main
            let worker = BenchWorker(protocol: benchProtocol)
            worker.setUp(points)
            var samples = BenchSamples()
            samples.notAvailable["swift"] = worker.notAvailable
            for round in 0..<(benchProtocol.warmupRounds + benchProtocol.rounds) {
                let taken = try worker.round(first: round)
                if round >= benchProtocol.warmupRounds { samples.add(taken) }
            }
            let results = samples.results(side: "swift", points: points)
            switch format {
            case .json: try ConformanceCLI.write(JSONValue.array(results.map(\.json)).prettyText + "\n", to: output)
            case .text: try ConformanceCLI.write(BenchResult.table(results), to: output)
            }
        }
    }

    /// The points of a run, for the driver and the Keras side.
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the run's protocol and points (ops, shapes, rotations, bytes) as JSON.")

        @Flag(help: "The smoke-test protocol.")
        var quick = false

        func run() throws {
            let plan = try BenchPlan(protocol: quick ? .quick() : .standard())
            try ConformanceCLI.write(try plan.json.prettyText + "\n", to: nil)
        }
    }

    /// The Swift side as a worker of `tools/bench/driver.py`: one JSON command per line on standard
    /// input, one JSON reply per line on standard output.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the driver: setup / round / release commands as JSON lines on standard input.")

        func run() throws {
            var worker: BenchWorker?
            while let line = readLine() {
                let reply: JSONValue
                do {
                    reply = try Self.handle(try JSONValue(parsing: line), worker: &worker)
                } catch {
                    reply = .object(["error": .string("\(error)")])
                }
                FileHandle.standardOutput.write(Data((reply.jsonText + "\n").utf8))
            }
        }

        /// `{"cmd": "setup", "protocol": {...}, "points": [...]}` → `{"na": {"swift": {id: reason}}}`;
        /// `{"cmd": "round", "first": k}` (the round starts at point k) → `{"samples": {side: {id:
        /// {"cold": s, "warm": s}}}}`; `{"cmd": "release"}` → `{"ok": true}`.
        static func handle(_ command: JSONValue, worker: inout BenchWorker?) throws -> JSONValue {
            switch command["cmd"]?.stringValue {
            case "setup":
                let benchProtocol = try BenchProtocol(json: command["protocol"] ?? .null)
                let points = try (command["points"]?.arrayValue ?? []).map(BenchPoint.init(json:))
                let newWorker = BenchWorker(protocol: benchProtocol)
                worker = nil
                newWorker.setUp(points)
                worker = newWorker
                return .object(["na": .object(["swift": .object(newWorker.notAvailable.mapValues { .string($0) })])])
            case "round":
                guard let worker else { throw BenchError("round before setup") }
                let round = try worker.round(first: command["first"]?.intValue ?? 0)
                return .object([
                    "samples": .object(round.mapValues { .object($0.mapValues { .object($0.mapValues { .double($0) }) }) })
                ])
            case "release":
                worker?.release()
                worker = nil
                return .object(["ok": .bool(true)])
            default:
                throw BenchError("unknown command \(command["cmd"]?.jsonText ?? "(none)"); expected setup, round or release")
            }
        }
    }

    /// Every side's samples → the contract objects, computed once, here.
    struct Summarize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn the driver's raw samples into the results JSON (one contract object per side and point).")

        @Argument(help: "The driver's raw file: plan, samples and n/a reasons.")
        var raw: String

        @Option(help: "Write the results to this file instead of standard output.")
        var output: String?

        func run() throws {
            let json = try JSONValue(parsing: String(contentsOfFile: raw, encoding: .utf8))
            try ConformanceCLI.write(try BenchRun(raw: json).json.prettyText + "\n", to: output)
        }
    }
}

/// A whole run's results: every side on the main points and on the scaling points.
struct BenchRun {
    var plan: JSONValue
    var main: [String: [BenchResult]] = [:]
    var scaling: [String: [BenchResult]] = [:]

    /// The sides of the results (the roofline is a field of each, not a side). Any other side in
    /// the samples (`swift_baseline`, another build timed by `tools/benchmark --baseline`) gets
    /// results on the main points.
    static let sides = ["swift", "tensorflow", "tensorflow_xla", "jax"]

    init(raw: JSONValue) throws {
        guard let plan = raw["plan"] else { throw BenchError("raw file: no plan") }
        self.plan = plan
        let samples = try BenchSamples(json: raw)
        let mainPoints = try (plan["main"]?.arrayValue ?? []).map(BenchPoint.init(json:))
        let scalingPoints = try (plan["scaling"]?.arrayValue ?? []).flatMap { try ($0.arrayValue ?? []).map(BenchPoint.init(json:)) }
        for side in Self.sides {
            main[side] = samples.results(side: side, points: mainPoints)
            scaling[side] = samples.results(side: side, points: scalingPoints)
        }
        let others = Set(samples.samples.keys).union(samples.notAvailable.keys).subtracting(Self.sides + ["roofline"])
        for side in others { main[side] = samples.results(side: side, points: mainPoints) }
    }

    var json: JSONValue {
        .object([
            "protocol": plan["protocol"] ?? .null,
            "main": .object(main.mapValues { .array($0.map(\.json)) }),
            "scaling": .object(scaling.mapValues { .array($0.map(\.json)) }),
        ])
    }
}

extension BenchProtocol {
    /// The `protocol` object of `BenchPlan.json`.
    init(json: JSONValue) throws {
        guard let rounds = json["rounds"]?.intValue, let warmupRounds = json["warmup_rounds"]?.intValue,
            let coldFactor = json["cold_factor"]?.intValue, let l3Bytes = json["l3_bytes"]?.intValue,
            let scaling = json["scaling_bytes_read"]?.arrayValue?.compactMap(\.intValue), let scalingRounds = json["scaling_rounds"]?.intValue,
            let scalingWarmupRounds = json["scaling_warmup_rounds"]?.intValue, let quick = json["quick"]?.boolValue
        else { throw BenchError("protocol: rounds, warmup_rounds, cold_factor, l3_bytes, scaling_* and quick are required") }
        self.init(
            rounds: rounds, warmupRounds: warmupRounds, coldFactor: coldFactor, l3Bytes: l3Bytes, scalingBytesRead: scaling,
            scalingRounds: scalingRounds, scalingWarmupRounds: scalingWarmupRounds, quick: quick)
    }
}
