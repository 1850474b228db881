import Foundation
import KerasJSON
import Testing

@testable import keras_conformance

/// The benchmark's logic (protocol, roofline copy, statistics, JSON contract); nothing here is timed.
@Suite struct BenchTests {
    static let l3 = 32 << 20

    @Test(arguments: [1 << 10, 256 << 10, 1 << 20, 6_422_528, 25_690_112, 32 << 20, 51_380_224, 100 << 20, 256 << 20, 1 << 30])
    func coldRotationReadsSeveralL3BetweenReuses(inputBytes: Int) {
        let benchProtocol = BenchProtocol.standard(l3Bytes: Self.l3)
        let count = benchProtocol.rotationCount(inputBytes: inputBytes)
        // Between two uses of one copy the op reads the other count - 1 copies.
        #expect((count - 1) * inputBytes >= 3 * Self.l3)
        #expect(count >= 2)
    }

    @Test func everyMainPointRotatesOverMoreThanThreeL3() throws {
        let plan = try BenchPlan(protocol: .standard(l3Bytes: Self.l3))
        #expect(plan.main.map(\.op.name) == BenchOp.all.map(\.name))
        for point in plan.main {
            #expect((point.rotation - 1) * point.bytesRead >= 3 * Self.l3, "\(point.id)")
            #expect(point.shape == point.op.shape)
        }
    }

    @Test func theOpTableHasTheIssuesOps() {
        let names = Set(BenchOp.all.map(\.name))
        for name in [
            "maxpool2d_3x3_s2_same", "avgpool2d_2x2", "maxpool3d_2", "global_avgpool2d", "batchnorm_inference", "batchnorm_training",
            "layernorm_last", "rmsnorm_last", "groupnorm_32", "maxpool2d_3x3_s2_same_grad", "avgpool2d_2x2_grad", "batchnorm_training_grad",
            "layernorm_last_grad", "groupnorm_32_grad", "batchnorm_inference_f16", "layernorm_last_bf16",
        ] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(names.count == BenchOp.all.count)
    }

    @Test func backwardOpsCountXAndDyReadAndYAndDxWritten() throws {
        let grad = try #require(BenchOp.all.first { $0.name == "avgpool2d_2x2_grad" })
        let traffic = try grad.traffic(for: [8, 56, 56, 256])
        let x = 8 * 56 * 56 * 256 * 4
        let y = 8 * 28 * 28 * 256 * 4
        #expect(traffic.read == x + y && traffic.written == y + x)
        let half = try #require(BenchOp.all.first { $0.name == "batchnorm_inference_f16" })
        #expect(try half.traffic(for: [2, 3]).read == 12)
        #expect(try half.configJSON()["dtype"] == .string("mixed_float16"))
    }

    @Test func scalingRunsFromInsideL2ToEightL3() throws {
        let plan = try BenchPlan(protocol: .standard(l3Bytes: Self.l3))
        #expect(plan.scaling.count == BenchOp.all.count)
        for points in plan.scaling {
            let reads = points.map(\.bytesRead)
            #expect(reads.min()! <= 512 << 10, "\(points[0].op.name): smallest \(reads.min()!)")
            #expect(reads.max()! >= 8 * Self.l3 * 9 / 10, "\(points[0].op.name): largest \(reads.max()!)")
            #expect(Set(points.map(\.id)).count == points.count)
            for point in points { #expect(point.rotation == 0) }
        }
    }

    @Test func quantilesInterpolateLinearly() throws {
        #expect(SampleStatistics.quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(abs(try #require(SampleStatistics.quantile([1, 2, 3, 4], 0.1)) - 1.3) < 1e-12)
        #expect(SampleStatistics.quantile([7], 0.9) == 7)
        #expect(SampleStatistics.quantile([], 0.5) == nil)
    }

    @Test func cacheSizesParse() {
        #expect(BenchProtocol.parseCacheSize("16384K") == 16 << 20)
        #expect(BenchProtocol.parseCacheSize("2M") == 2 << 20)
        #expect(BenchProtocol.parseCacheSize("512") == 512)
        #expect(BenchProtocol.parseCacheSize("big") == nil)
        #expect(BenchProtocol.detectedL3Bytes >= 32 << 20)
    }

    @Test func copyRingRereadsOnlyAfterTheReuseDistance() {
        let reuse = 3 * 1000 * 64
        let sizes = [64 * 500, 64 * 37 + 12, 64 * 900, 64, 64 * 1000]
        var ring = CopyRing(capacity: CopyRing.capacity(reuseBytes: reuse, largest: sizes.max()!))
        var reads: [(range: Range<Int>, before: Int)] = []
        var total = 0
        for i in 0..<400 {
            let bytes = sizes[i % sizes.count]
            let offset = ring.next(bytes: bytes)
            #expect(offset % 64 == 0 && offset + bytes <= ring.capacity)
            let range = offset..<(offset + bytes)
            if let last = reads.last(where: { $0.range.overlaps(range) }) {
                #expect(total - last.before - last.range.count >= reuse, "read \(i) rereads bytes too soon")
            }
            reads.append((range, total))
            total += bytes
        }
    }

    @Test(arguments: [(1000, 1000), (4099, 333), (64, 4099), (0, 17), (17, 0), (100_003, 100_003)])
    func streamingCopyMovesExactlyTheBytesAskedFor(readCount: Int, writeCount: Int) {
        let copy = StreamingCopy(sourceBytes: 4 * readCount + 64, destinationBytes: 4 * writeCount + 64)
        let source = copy.source.bindMemory(to: Float.self)
        for i in 0..<(readCount + 16) { source[i] = Float(i % 251) }
        let destination = copy.destination.bindMemory(to: Float.self)
        for i in 0..<(writeCount + 16) { destination[i] = -1 }
        let sum = copy.run(sourceOffset: 0, readBytes: 4 * readCount, writeBytes: 4 * writeCount)
        // Each thread copies the common prefix of its own halves, then only reads (summing) or
        // only writes (zeros) the rest of them.
        var wrong = 0
        var expected: Float = 0
        for t in 0..<copy.threads {
            let reads = StreamingCopy.share(readCount, thread: t, of: copy.threads)
            let writes = StreamingCopy.share(writeCount, thread: t, of: copy.threads)
            let common = min(reads.count, writes.count)
            for i in 0..<writes.count where destination[writes.lowerBound + i] != (i < common ? source[reads.lowerBound + i] : 0) { wrong += 1 }
            var tail: Float = 0
            for i in (reads.lowerBound + common)..<reads.upperBound { tail += source[i] }
            expected += tail
        }
        #expect(wrong == 0)
        #expect(destination[writeCount] == -1, "wrote past the end")
        #expect(abs(sum - expected) <= 1e-3 * max(1, abs(expected)))
    }

    @Test func threadSharesCoverTheRangeAlignedTo64Bytes() {
        for count in [0, 1, 15, 16, 17, 1000, 100_003] {
            let shares = (0..<2).map { StreamingCopy.share(count, thread: $0, of: 2) }
            #expect(shares[0].lowerBound == 0 && shares[0].upperBound == shares[1].lowerBound && shares[1].upperBound == count)
            #expect(shares[1].isEmpty || shares[1].lowerBound % 16 == 0)
        }
    }

    static func point(_ name: String = "batchnorm_inference", shape: [Int] = [2, 4, 4, 8], rotation: Int = 3) throws -> BenchPoint {
        let op = BenchOp.all.first { $0.name == name }!
        return BenchPoint(id: name, op: op, shape: shape, rotation: rotation, traffic: try op.traffic(for: shape))
    }

    @Test func resultsCarryTheContractAndComputeTheRooflineFraction() throws {
        let point = try Self.point()
        var samples = BenchSamples()
        for seconds in [0.004, 0.002, 0.003] {
            samples.add(["swift": [point.id: ["cold": seconds, "warm": seconds / 2]], "roofline": [point.id: ["cold": seconds / 4, "warm": 0.0001]]])
        }
        let result = try #require(samples.results(side: "swift", points: [point]).first)
        let json = result.json
        for field in BenchResult.contractFields { #expect(json[field] != nil, "\(field) missing") }
        let bytes = Double(point.bytesRead + point.bytesWritten)
        #expect(json["median_s"] == .double(0.003))
        #expect(json["cold_median_s"] == .double(0.003))
        #expect(json["warm_median_s"] == .double(0.0015))
        #expect(json["gb_per_s"]?.doubleValue == bytes / 0.003 / 1e9)
        #expect(json["roofline_gb_per_s"]?.doubleValue == bytes / 0.00075 / 1e9)
        #expect(abs(try #require(json["roofline_fraction"]?.doubleValue) - 0.25) < 1e-12)
        #expect(json["status"] == .string("ok"))
        #expect(json["samples"] == .int(3))
    }

    @Test func sidesWithoutSamplesAreNotAvailableWithTheReason() throws {
        let point = try Self.point("layernorm_last_grad", shape: [2, 3, 8])
        let raw = try JSONValue(
            parsing: """
                {"plan": {"protocol": null, "main": [\(try point.json.jsonText)], "scaling": []},
                 "samples": {"roofline": {"layernorm_last_grad": {"cold": [0.1], "warm": [0.1]}}},
                 "na": {"swift": {"layernorm_last_grad": "LayerNormalization has no backward pass yet"}}}
                """)
        let run = try BenchRun(raw: raw)
        let swift = try #require(run.main["swift"]?.first?.json)
        #expect(swift["status"] == .string("n/a"))
        #expect(swift["reason"] == .string("LayerNormalization has no backward pass yet"))
        #expect(swift["median_s"] == .null)
        for field in BenchResult.contractFields { #expect(swift[field] != nil, "\(field) missing") }
        #expect(run.main["jax"]?.first?.json["reason"] == .string("no samples"))
        #expect(Set(run.main.keys) == Set(BenchRun.sides))
    }

    /// `tools/benchmark --baseline`: another build's samples, under their own side, get results on the
    /// main points (measured against the same roofline), none on the scaling points.
    @Test func aBaselineSideGetsMainResults() throws {
        let point = try Self.point("layernorm_last", shape: [2, 3, 8])
        let raw = try JSONValue(
            parsing: """
                {"plan": {"protocol": null, "main": [\(try point.json.jsonText)], "scaling": [[\(try point.json.jsonText)]]},
                 "samples": {"roofline": {"layernorm_last": {"cold": [0.001], "warm": [0.001]}},
                             "swift_baseline": {"layernorm_last": {"cold": [0.004], "warm": [0.002]}}},
                 "na": {}}
                """)
        let run = try BenchRun(raw: raw)
        let baseline = try #require(run.main["swift_baseline"]?.first?.json)
        #expect(baseline["status"] == .string("ok"))
        #expect(baseline["cold_median_s"]?.doubleValue == 0.004)
        #expect(abs(try #require(baseline["roofline_fraction"]?.doubleValue) - 0.25) < 1e-12)
        #expect(run.scaling["swift_baseline"] == nil)
    }

    @Test func pointsRoundTripThroughThePlanJSON() throws {
        let plan = try BenchPlan(protocol: .quick(l3Bytes: Self.l3))
        for point in plan.main + plan.scaling.joined() { #expect(try BenchPoint(json: try point.json) == point) }
        #expect(try BenchProtocol(json: try #require(plan.json["protocol"])) == plan.benchProtocol)
        #expect(throws: BenchError.self) { _ = try BenchPoint(json: .object(["op": .string("frobnicate")])) }
    }

    @Test func serveAnswersSetupRoundAndRelease() throws {
        var worker: BenchWorker?
        let benchProtocol = BenchProtocol.quick(l3Bytes: 1 << 20)
        let point = try Self.point()
        let setup = try Bench.Serve.handle(
            .object(["cmd": .string("setup"), "protocol": try BenchPlan(protocol: benchProtocol).json["protocol"]!, "points": .array([try point.json])]),
            worker: &worker)
        #expect(setup["na"]?["swift"] == .object([:]))
        let round = try Bench.Serve.handle(.object(["cmd": .string("round"), "first": .int(1)]), worker: &worker)
        for side in ["swift", "roofline"] {
            for name in ["cold", "warm"] { #expect(round["samples"]?[side]?[point.id]?[name]?.doubleValue != nil, "\(side) \(name)") }
        }
        #expect(try Bench.Serve.handle(.object(["cmd": .string("release")]), worker: &worker)["ok"] == .bool(true))
        #expect(throws: BenchError.self) { _ = try Bench.Serve.handle(.object(["cmd": .string("round")]), worker: &worker) }
        #expect(throws: BenchError.self) { _ = try Bench.Serve.handle(.object(["cmd": .string("frobnicate")]), worker: &worker) }
    }

    /// Round r starts at point r modulo the points, so no op is always the first of a round.
    @Test func roundsRotateTheirFirstPoint() {
        #expect(BenchWorker.roundOrder(["a", "b", "c"], first: 0) == ["a", "b", "c"])
        #expect(BenchWorker.roundOrder(["a", "b", "c"], first: 4) == ["b", "c", "a"])
        #expect(BenchWorker.roundOrder(["a", "b", "c"], first: 2) == ["c", "a", "b"])
        #expect(BenchWorker.roundOrder(["a", "b", "c"], first: -1) == ["c", "a", "b"])
        #expect(BenchWorker.roundOrder([String](), first: 3).isEmpty)
    }

    @Test func anOpThatCannotRunHereStillGetsItsRoofline() throws {
        let op = BenchOp(name: "missing", layer: "NoSuchLayer", config: "{}", shape: [4, 16])
        let point = BenchPoint(id: "missing", op: op, shape: op.shape, rotation: 2, traffic: (256, 256))
        let worker = BenchWorker(protocol: .quick(l3Bytes: 1 << 20))
        worker.setUp([point])
        #expect(worker.notAvailable["missing"]?.contains("NoSuchLayer") == true)
        let round = try worker.round(first: 0)
        #expect(round["swift"]?["missing"] == nil)
        #expect(round["roofline"]?["missing"]?["cold"] != nil && round["roofline"]?["missing"]?["warm"] != nil)
    }

    @Test func aMixedPolicyOpRunsOnHalfPrecisionInput() throws {
        let op = BenchOp(name: "half", layer: "AveragePooling2D", config: #"{"pool_size": [2, 2]}"#, shape: [1, 4, 4, 8], policy: "mixed_float16")
        let point = BenchPoint(id: "half", op: op, shape: op.shape, rotation: 2, traffic: try op.traffic(for: op.shape))
        #expect(point.bytesRead == 4 * 4 * 8 * 2)
        let worker = BenchWorker(protocol: .quick(l3Bytes: 1 << 20))
        worker.setUp([point])
        #expect(worker.notAvailable.isEmpty, "\(worker.notAvailable)")
        let round = try worker.round(first: 0)
        #expect(round["swift"]?["half"]?["cold"] != nil && round["swift"]?["half"]?["warm"] != nil)
    }
}
