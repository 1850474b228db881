import ConformanceCLI
import Foundation
import KerasJSON
import KerasLayers

/// `keras-conformance bench`: this package's own command beside the shared ones.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the layers on the benchmark ops against copying the same tensor (use a release build).",
        discussion: """
            Each op runs on float32 standard-normal input, after warm-up, as the median of repeated runs. \
            GB/s counts each input byte read once and each output byte written once; copy_fraction is that \
            GB/s over the GB/s of copying the input tensor into another buffer, measured in the same process.
            """)

    @Option(help: "Output format: text or json.")
    var format: BenchFormat = .text

    @Option(help: "Write the result to this file instead of standard output.")
    var output: String?

    @Option(help: "Run only ops whose name matches this regular expression.")
    var filter: String?

    @Option(help: "Timed runs per op (after warm-up).")
    var repeats: Int = 15

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be >= 1") }
        if let filter, (try? Regex(filter)) == nil { throw ValidationError("--filter is not a valid regular expression") }
    }

    func run() throws {
        #if DEBUG
            try? FileHandle.standardError.write(
                contentsOf: Data("bench: this is a debug build; time a release build (swift run -c release keras-conformance bench)\n".utf8))
        #endif
        let regex = try filter.map { try Regex($0) }
        var results: [BenchResult] = []
        for op in BenchOp.all where try regex.map({ try $0.firstMatch(in: op.name) != nil }) ?? true {
            results.append(try op.measure(repeats: repeats))
            try? FileHandle.standardError.write(contentsOf: Data("bench: \(op.name) done\n".utf8))
        }
        switch format {
        case .json:
            let array = JSONValue.array(results.map(\.json))
            try ConformanceCLI.write(array.prettyText + "\n", to: output)
        case .text:
            try ConformanceCLI.write(BenchResult.table(results), to: output)
        }
    }
}

enum BenchFormat: String, ExpressibleByArgument { case text, json }

/// One benchmark op: a layer from its Keras config, an input shape, a call mode.
struct BenchOp {
    var name: String
    var layer: String
    var config: String
    var shape: [Int]
    var training = false

    /// The fixed op table of the performance issue.
    static let all: [BenchOp] = [
        BenchOp(
            name: "maxpool2d_3x3_s2_same", layer: "MaxPooling2D",
            config: #"{"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}"#, shape: [8, 112, 112, 64]),
        BenchOp(name: "avgpool2d_2x2", layer: "AveragePooling2D", config: #"{"pool_size": [2, 2]}"#, shape: [8, 56, 56, 256]),
        BenchOp(name: "maxpool3d_2", layer: "MaxPooling3D", config: #"{"pool_size": [2, 2, 2]}"#, shape: [4, 32, 32, 32, 32]),
        BenchOp(name: "global_avgpool2d", layer: "GlobalAveragePooling2D", config: "{}", shape: [32, 7, 7, 2048]),
        BenchOp(name: "batchnorm_inference", layer: "BatchNormalization", config: "{}", shape: [8, 56, 56, 256]),
        BenchOp(name: "batchnorm_training", layer: "BatchNormalization", config: "{}", shape: [8, 56, 56, 256], training: true),
        BenchOp(name: "layernorm_last", layer: "LayerNormalization", config: "{}", shape: [64, 128, 768]),
        BenchOp(name: "rmsnorm_last", layer: "RMSNormalization", config: "{}", shape: [64, 128, 768]),
        BenchOp(name: "groupnorm_32", layer: "GroupNormalization", config: #"{"groups": 32}"#, shape: [8, 56, 56, 256]),
    ]

    func measure(repeats: Int) throws -> BenchResult {
        let layer = try LayerRegistry.makeLayer(className: layer, config: try JSONValue(parsing: config))
        let input = try Tensor(shape: shape, scalars: StandardNormal.sample(count: shape.reduce(1, *), seed: 42))
        let options = CallOptions(training: training)
        var outputCount = 0
        let opTime = try Self.median(repeats: repeats) {
            let result = try layer.call(input, options: options)
            outputCount = result.output.count
        }
        // The copy baseline: the same bytes read and written by a plain buffer copy.
        var destination = [Float](repeating: 0, count: input.count)
        let copyTime = try Self.median(repeats: repeats) {
            destination.withUnsafeMutableBufferPointer { d in
                input.scalars.withUnsafeBufferPointer { s in
                    d.baseAddress!.update(from: s.baseAddress!, count: s.count)
                }
            }
        }
        let bytes = Double((input.count + outputCount) * MemoryLayout<Float>.size)
        let copyBytes = Double(2 * input.count * MemoryLayout<Float>.size)
        let gbPerSecond = bytes / opTime / 1e9
        let copyGBPerSecond = copyBytes / copyTime / 1e9
        return BenchResult(
            op: name, shape: shape, medianSeconds: opTime, gbPerSecond: gbPerSecond,
            copyFraction: gbPerSecond / copyGBPerSecond)
    }

    /// The median wall time of `repeats` runs after two warm-up runs.
    static func median(repeats: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        try body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }
}

struct BenchResult {
    var op: String
    var shape: [Int]
    var medianSeconds: Double
    var gbPerSecond: Double
    var copyFraction: Double

    var json: JSONValue {
        .object([
            "op": .string(op), "shape": .array(shape.map { .int($0) }),
            "median_s": .double(medianSeconds), "gb_per_s": .double(gbPerSecond), "copy_fraction": .double(copyFraction),
        ])
    }

    static func table(_ results: [BenchResult]) -> String {
        var text = "op                      shape                   median ms   GB/s   copy_fraction\n"
        for r in results {
            let shape = "(" + r.shape.map(String.init).joined(separator: ", ") + ")"
            text +=
                r.op.padding(toLength: 24, withPad: " ", startingAt: 0)
                + shape.padding(toLength: 24, withPad: " ", startingAt: 0)
                + String(format: "%9.3f  %6.2f  %8.2f\n", r.medianSeconds * 1e3, r.gbPerSecond, r.copyFraction)
        }
        return text
    }
}

/// Standard-normal float32 samples from a fixed seed (xorshift64* and Box–Muller).
enum StandardNormal {
    static func sample(count: Int, seed: UInt64) -> [Float] {
        var state = seed | 1
        func next() -> Double {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Double((state &* 2_685_821_657_736_338_717) >> 11) * 0x1p-53
        }
        var values = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let u1 = max(next(), 0x1p-53)
            let u2 = next()
            let r = (-2 * Foundation.log(u1)).squareRoot()
            values[i] = Float(r * cos(2 * Double.pi * u2))
            if i + 1 < count { values[i + 1] = Float(r * sin(2 * Double.pi * u2)) }
            i += 2
        }
        return values
    }
}
