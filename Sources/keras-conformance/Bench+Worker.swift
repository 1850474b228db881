import KerasJSON
import KerasLayers

/// The Swift side of a run: builds the points' layers and inputs, and takes their samples.
///
/// Sides are named as in the results: `swift` (the layers) and `roofline` (`StreamingCopy` of
/// each point's bytes). A point whose layer cannot run (no backward pass yet, a dtype policy not
/// implemented) is "n/a" with the reason, not an error of the run.
final class BenchWorker {
    let benchProtocol: BenchProtocol
    /// Every point, with its prepared op when the op runs here (nil: "n/a", only the roofline runs).
    private var points: [(point: BenchPoint, op: PreparedPoint?)] = []
    private(set) var notAvailable: [String: String] = [:]
    private var copy: StreamingCopy?
    private var ring = CopyRing(capacity: 0)

    init(protocol benchProtocol: BenchProtocol) { self.benchProtocol = benchProtocol }

    /// Builds every point's layer and inputs (and runs each once, which also pages everything in),
    /// and the roofline's buffers for the largest of them. Replaces what an earlier `setUp` built.
    func setUp(_ points: [BenchPoint]) {
        self.points = []
        notAvailable = [:]
        copy = nil
        for point in points {
            do {
                self.points.append((point, try PreparedPoint(point)))
            } catch {
                self.points.append((point, nil))
                notAvailable[point.id] = "\(error)"
            }
        }
        let largestRead = points.map(\.bytesRead).max() ?? 0
        let capacity = CopyRing.capacity(reuseBytes: benchProtocol.coldFactor * benchProtocol.l3Bytes, largest: largestRead)
        ring = CopyRing(capacity: capacity)
        // The warm copies read from just past the ring, so the cold copies never meet them in a cache.
        copy = StreamingCopy(sourceBytes: capacity + CopyRing.round64(largestRead), destinationBytes: points.map(\.bytesWritten).max() ?? 0)
    }

    /// One round, starting at point `first` (modulo their count) and going round the points in
    /// order (`BenchProtocol`, "Rounds"): per point, a cold sample (when the point rotates inputs)
    /// and a warm sample of the op, and a cold and a warm sample of the roofline copy (also for an
    /// op that is "n/a" here: the other sides' results use it). Returns side → point id →
    /// protocol → seconds.
    func round(first: Int) throws -> [String: [String: [String: Double]]] {
        guard let copy else { return [:] }
        var swift: [String: [String: Double]] = [:]
        var roofline: [String: [String: Double]] = [:]
        for (spec, prepared) in Self.roundOrder(points, first: first) {
            var op: [String: Double] = [:]
            var limit: [String: Double] = [:]
            if spec.rotation > 0, let prepared { op["cold"] = try prepared.coldSample() }
            let offset = ring.next(bytes: spec.bytesRead)
            limit["cold"] = BenchClock.time { copy.run(sourceOffset: offset, readBytes: spec.bytesRead, writeBytes: spec.bytesWritten) }
            if let prepared {
                op["warm"] = try prepared.warmSample()
                swift[spec.id] = op
            }
            copy.run(sourceOffset: ring.capacity, readBytes: spec.bytesRead, writeBytes: spec.bytesWritten)
            limit["warm"] = BenchClock.time { copy.run(sourceOffset: ring.capacity, readBytes: spec.bytesRead, writeBytes: spec.bytesWritten) }
            roofline[spec.id] = limit
        }
        return ["swift": swift, "roofline": roofline]
    }

    /// `items` from index `first` (modulo their count, taken non-negative) round to the one before
    /// it: the order in which round `first` takes the points.
    static func roundOrder<Item>(_ items: [Item], first: Int) -> [Item] {
        guard !items.isEmpty else { return [] }
        let start = (first % items.count + items.count) % items.count
        return Array(items[start...] + items[..<start])
    }

    /// Frees the points and the roofline's buffers.
    func release() {
        points = []
        copy = nil
    }
}

/// A point ready to run: its layer, the rotated cold inputs and the warm input.
private final class PreparedPoint {
    let point: BenchPoint
    /// One step on each rotated copy of the inputs, and on the warm copy.
    let cold: [() throws -> Void]
    let warm: () throws -> Void
    private var next = 0

    /// Builds the layer and the steps: `call` on float32 input; under a mixed policy `call` on
    /// input in the compute dtype (float16, bfloat16), as a deployed model feeds it; for a backward
    /// op `call` and `gradient(of:upstream:options:)`.
    init(_ point: BenchPoint) throws {
        self.point = point
        let op = point.op
        let layer = try LayerRegistry.makeLayer(className: op.layer, config: try op.configJSON())
        let options = CallOptions(training: op.training)
        let outputShape = try layer.outputShape(forInputShape: point.shape)
        let x = StandardNormal.sample(count: point.shape.reduce(1, *), seed: 42)
        let dy = StandardNormal.sample(count: op.gradient ? outputShape.reduce(1, *) : 0, seed: 43)
        // Each step gets inputs in buffers of its own, with the same values: caches hold
        // addresses, so each copy is cold in turn.
        let makeStep: () throws -> (() throws -> Void)
        if op.gradient {
            guard let differentiable = layer as? any DifferentiableLayer else {
                throw BenchError("\(op.layer) has no backward pass yet (DifferentiableLayer)")
            }
            makeStep = {
                let input = try Tensor(shape: point.shape, scalars: Self.distinctCopy(x))
                let upstream = try Tensor(shape: outputShape, scalars: Self.distinctCopy(dy))
                return {
                    _ = try differentiable.call(input, options: options)
                    _ = try differentiable.gradient(of: input, upstream: upstream, options: options)
                }
            }
        } else if op.policy == "float32" {
            makeStep = {
                let input = try Tensor(shape: point.shape, scalars: Self.distinctCopy(x))
                return { _ = try layer.call(input, options: options) }
            }
        } else {
            guard let dtype = DType(rawValue: op.elementType) else { throw BenchError("\(op.name): unknown element type \(op.elementType)") }
            makeStep = {
                let input = AnyTensor(try Tensor(shape: point.shape, scalars: x)).cast(to: dtype)
                return { _ = try layer.call(input, options: options) }
            }
        }
        cold = try (0..<point.rotation).map { _ in try makeStep() }
        warm = try makeStep()
        try warm()
    }

    /// A copy of `scalars` in storage of its own (not shared copy-on-write).
    static func distinctCopy(_ scalars: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: scalars.count) { buffer, count in
            _ = scalars.withUnsafeBufferPointer { buffer.initialize(from: $0) }
            count = scalars.count
        }
    }

    /// One timed run on the next rotated input.
    func coldSample() throws -> Double {
        let step = cold[next]
        next = (next + 1) % cold.count
        return try BenchClock.time(step)
    }

    /// An untimed run and a timed run on the same input.
    func warmSample() throws -> Double {
        try warm()
        return try BenchClock.time(warm)
    }
}
