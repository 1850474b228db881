import KerasJSON
import KerasLayers

/// One benchmark op: a Keras layer from its config, an input shape, a call mode. This table is
/// the only list of the ops: `bench plan` hands it to the Keras side.
struct BenchOp: Sendable, Equatable {
    var name: String
    /// The Keras class name.
    var layer: String
    /// The layer's config JSON (without the dtype policy).
    var config: String
    var shape: [Int]
    var training = false
    /// Forward and backward in one step, as training runs them: `y = call(x)` and the
    /// vector-Jacobian product at `dy` (dx and the trainable variables' gradients).
    var gradient = false
    /// Keras's dtype policy; the input is in its compute dtype, as a model deployed under it feeds the layer.
    var policy = "float32"

    static let all: [BenchOp] = forward + backward + mixedPrecision

    /// The nine forward ops of the performance issue.
    static let forward: [BenchOp] = [
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

    /// The backward ops of the gradients issue, on the forward ops' shapes.
    static let backward: [BenchOp] = ["maxpool2d_3x3_s2_same", "avgpool2d_2x2", "batchnorm_training", "layernorm_last", "groupnorm_32"].map {
        name in
        var op = forward.first { $0.name == name }!
        op.name += "_grad"
        op.gradient = true
        return op
    }

    /// The mixed-precision ops of the dtypes issue, as deployed: half-precision inputs and outputs.
    static let mixedPrecision: [BenchOp] = [
        BenchOp(name: "batchnorm_inference_f16", layer: "BatchNormalization", config: "{}", shape: [8, 56, 56, 256], policy: "mixed_float16"),
        BenchOp(name: "layernorm_last_bf16", layer: "LayerNormalization", config: "{}", shape: [64, 128, 768], policy: "mixed_bfloat16"),
    ]

    /// Bytes per element of the input and output: the compute dtype of the policy.
    var elementBytes: Int { policy == "float32" ? 4 : policy.hasSuffix("float64") ? 8 : 2 }

    /// The compute dtype of the policy, as numpy names it.
    var elementType: String {
        switch policy {
        case "mixed_float16", "float16": "float16"
        case "mixed_bfloat16", "bfloat16": "bfloat16"
        default: policy
        }
    }

    /// The config with the policy, as the layer is built on both sides.
    func configJSON() throws -> JSONValue {
        guard case .object(var members) = try JSONValue(parsing: config) else { throw BenchError("\(name): config is not a JSON object") }
        if policy != "float32" { members["dtype"] = .string(policy) }
        return .object(members)
    }

    /// The output shape for `shape` (from the layer's own shape rule, built without the policy,
    /// which does not change shapes).
    func outputShape(for shape: [Int]) throws -> [Int] {
        let layer = try LayerRegistry.makeLayer(className: layer, config: try JSONValue(parsing: config))
        return try layer.outputShape(forInputShape: shape)
    }

    /// Bytes read and written by one step on an input of `shape` (x, and dy for a backward op;
    /// y, and dx for a backward op).
    func traffic(for shape: [Int]) throws -> (read: Int, written: Int) {
        let input = shape.reduce(1, *) * elementBytes
        let output = try outputShape(for: shape).reduce(1, *) * elementBytes
        return gradient ? (input + output, output + input) : (input, output)
    }

    /// This op's shape scaled to read about `bytes` (x, and dy for a backward op): the batch axis
    /// first; below one example, one example and the next axis (kept even, at least 2, so every
    /// window still fits).
    func shape(forBytesRead bytes: Int) throws -> [Int] {
        var scaled = shape
        scaled[0] = 1
        let perExample = try traffic(for: scaled).read
        if bytes >= perExample {
            scaled[0] = bytes / perExample
        } else {
            scaled[1] = 2
            let perTwoRows = try traffic(for: scaled).read
            scaled[1] = max(2, bytes / perTwoRows * 2)
        }
        return scaled
    }
}

/// One point of a run: an op at one shape, cold (with its inputs in `rotation` copies) and
/// warm, or warm only (`rotation` 0, the scaling sweep).
struct BenchPoint: Sendable, Equatable {
    var id: String
    var op: BenchOp
    var shape: [Int]
    var rotation: Int
    var bytesRead: Int
    var bytesWritten: Int

    init(id: String, op: BenchOp, shape: [Int], rotation: Int, traffic: (read: Int, written: Int)) {
        self.id = id
        self.op = op
        self.shape = shape
        self.rotation = rotation
        self.bytesRead = traffic.read
        self.bytesWritten = traffic.written
    }

    /// What a worker on either side needs to build and run the point.
    var json: JSONValue {
        get throws {
            .object([
                "id": .string(id), "op": .string(op.name), "layer": .string(op.layer), "config": try op.configJSON(),
                "shape": .array(shape.map { .int($0) }), "training": .bool(op.training), "gradient": .bool(op.gradient),
                "policy": .string(op.policy), "dtype": .string(op.elementType), "rotation": .int(rotation),
                "bytes_read": .int(bytesRead), "bytes_written": .int(bytesWritten),
            ])
        }
    }

    init(json: JSONValue) throws {
        guard let name = json["op"]?.stringValue, let op = BenchOp.all.first(where: { $0.name == name }) else {
            throw BenchError("plan point \(json["id"]?.stringValue ?? "?"): unknown op '\(json["op"]?.stringValue ?? "")'")
        }
        guard let id = json["id"]?.stringValue, let shape = json["shape"]?.arrayValue?.compactMap(\.intValue),
            let rotation = json["rotation"]?.intValue, let read = json["bytes_read"]?.intValue, let written = json["bytes_written"]?.intValue
        else { throw BenchError("plan point of \(name): id, shape, rotation, bytes_read and bytes_written are required") }
        self.init(id: id, op: op, shape: shape, rotation: rotation, traffic: (read, written))
    }
}

/// The points of a run under a protocol: the main table (cold and warm) and the scaling sweep (warm).
struct BenchPlan: Sendable {
    var benchProtocol: BenchProtocol
    var main: [BenchPoint]
    /// Per op, its points of the scaling sweep (one op's sizes are set up together).
    var scaling: [[BenchPoint]]

    init(protocol benchProtocol: BenchProtocol, ops: [BenchOp] = BenchOp.all) throws {
        self.benchProtocol = benchProtocol
        main = try ops.map { op in
            let shape = benchProtocol.quick ? try op.shape(forBytesRead: BenchProtocol.quickBytesRead) : op.shape
            let traffic = try op.traffic(for: shape)
            return BenchPoint(
                id: op.name, op: op, shape: shape, rotation: benchProtocol.rotationCount(inputBytes: traffic.read), traffic: traffic)
        }
        scaling = try ops.map { op in
            var shapes: [[Int]] = []
            for bytes in benchProtocol.scalingBytesRead where try !shapes.contains(op.shape(forBytesRead: bytes)) {
                shapes.append(try op.shape(forBytesRead: bytes))
            }
            return try shapes.map { shape in
                BenchPoint(
                    id: "\(op.name)@" + shape.map(String.init).joined(separator: "x"), op: op, shape: shape, rotation: 0,
                    traffic: try op.traffic(for: shape))
            }
        }
    }

    var json: JSONValue {
        get throws {
            let p = benchProtocol
            return .object([
                "protocol": .object([
                    "rounds": .int(p.rounds), "warmup_rounds": .int(p.warmupRounds), "cold_factor": .int(p.coldFactor),
                    "l3_bytes": .int(p.l3Bytes), "scaling_bytes_read": .array(p.scalingBytesRead.map { .int($0) }),
                    "scaling_rounds": .int(p.scalingRounds), "scaling_warmup_rounds": .int(p.scalingWarmupRounds), "quick": .bool(p.quick),
                ]),
                "main": .array(try main.map { try $0.json }),
                "scaling": .array(try scaling.map { .array(try $0.map { try $0.json }) }),
            ])
        }
    }
}

/// A benchmark failure, with what and where.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
