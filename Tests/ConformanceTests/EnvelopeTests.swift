import Foundation
import Testing
import KerasJSON
import ReferenceData
@testable import Conformance

/// Which Keras results may widen the tolerance: only the same case on other, distinct
/// backends, called identically.
@Suite struct EnvelopeTests {
    let runner = ConformanceRunner(implementation: FakeImplementation())

    func tensor(_ values: [Double], _ shape: [Int]) -> ReferenceTensor {
        ReferenceTensor(shape: shape, elementType: .float32, values: values)
    }

    /// tensorflow and jax disagree at element 3 by 1e-3 and our result sits between them.
    func pair() -> (GoldenCase, GoldenCase) {
        let x = (0..<24).map { Double($0) - 7.5 }
        var tfOut = x.map { $0 * 2 }, jaxOut = tfOut
        tfOut[3] -= 5e-4
        jaxOut[3] += 5e-4
        func make(_ backend: String, _ out: [Double]) -> GoldenCase {
            GoldenCase(
                id: "scale", file: "\(backend).h5", backend: backend, layer: "Scale",
                config: .object(["factor": .int(2)]), input: tensor(x, [2, 3, 4]), output: tensor(out, [2, 3, 4]))
        }
        return (make("tensorflow", tfOut), make("jax", jaxOut))
    }

    @Test func identicallyCalledBackendsSpanTheEnvelope() {
        let (tf, jax) = pair()
        let result = runner.run(tf, references: [jax])
        #expect(result.status == .passed)
        #expect(result.notes.isEmpty)
    }

    /// A counter stored as int64 by TensorFlow and int32 by JAX holds the same values.
    @Test func integerWidthsMayDifferBetweenBackends() {
        var (tf, jax) = pair()
        tf.weights = ["count": ReferenceTensor(shape: [1], elementType: .int64, values: [0])]
        jax.weights = ["count": ReferenceTensor(shape: [1], elementType: .int32, values: [0])]
        #expect(runner.run(tf, references: [jax]).notes.isEmpty)
        jax.weights = ["count": ReferenceTensor(shape: [1], elementType: .float32, values: [0])]
        #expect(runner.run(tf, references: [jax]).notes == ["no reference envelope from jax (jax.h5): weights/count differs"])
    }

    @Test(arguments: ["input", "mask", "weights", "call", "backend"])
    func aReferenceCalledDifferentlyIsLeftOutAndSaidSo(_ what: String) {
        var (tf, jax) = pair()
        switch what {
        case "input": jax.input.values[0] += 1
        case "mask": jax.mask = ReferenceTensor(shape: [2, 3], elementType: .uint8, values: Array(repeating: 1, count: 6))
        case "weights": jax.weights = ["counter": tensor([1], [1])]
        case "call": jax.call = .object(["training": .bool(true)])
        default: jax.backend = "tensorflow"
        }
        let result = runner.run(tf, references: [jax])
        #expect(result.status == .failed, "an envelope from a differently called case must not absorb the error")
        #expect(result.spread == 0)
        #expect(result.notes.count == 1)
        #expect(result.notes.first?.hasPrefix("no reference envelope from ") == true, "\(result.notes)")
        let text = TextReport.render(RunReport(implementation: "Fake", files: [], cases: [result]))
        #expect(text.contains("      note: no reference envelope from "))
    }

    /// The same golden file twice (two folders): every (id, backend) is in two places, so
    /// each is an error naming both, never two backends of one envelope.
    @Test func theSameCaseOnTheSameBackendTwiceIsAnError() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = repository.appendingPathComponent("golden/tensorflow/seed.h5")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duplicates-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for name in ["a", "b"] {
            let dir = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: dir.appendingPathComponent("seed.h5"))
            paths.append(dir.appendingPathComponent("seed.h5").path)
        }
        let report = try runner.run(paths: paths)
        #expect(!report.cases.isEmpty)
        #expect(report.cases.allSatisfy { $0.status == .error && $0.problems.map(\.kind) == [.duplicate] })
        #expect(!report.allPassed)
        let first = try #require(report.cases.first)
        #expect(first.message.contains(paths[0]) && first.message.contains(paths[1]), "\(first.message)")
    }
}
