import Testing
import KerasJSON
import ReferenceData
@testable import Conformance

/// Cases Keras refused (schema "Error cases"): refused on every backend, the implementation must
/// refuse too; refused on one backend only, the implementation is judged on the backend that
/// answered as it did (computed, or refused) and skipped on the other.
@Suite struct ErrorCaseRunnerTests {
    let runner = ConformanceRunner(implementation: FakeImplementation())
    let refusal = "ValueError: the fake layer refuses this"

    func x() -> ReferenceTensor { ReferenceTensor(shape: [2, 3], elementType: .float32, values: (0..<6).map(Double.init)) }

    /// `Broken` always throws, `Scale` returns 2x.
    func refused(layer: String, backend: String) -> GoldenCase {
        GoldenCase(
            id: "refused", file: "\(backend).h5", backend: backend, layer: layer, config: .object(["factor": .int(2)]),
            input: x(), output: .absent, error: refusal)
    }

    func computed(layer: String = "Scale", backend: String) -> GoldenCase {
        GoldenCase(
            id: "refused", file: "\(backend).h5", backend: backend, layer: layer, config: .object(["factor": .int(2)]),
            input: x(), output: ReferenceTensor(shape: [2, 3], elementType: .float32, values: (0..<6).map { Double($0) * 2 }))
    }

    @Test func refusedEverywhereAndRefusedByTheImplementationPasses() {
        let tf = refused(layer: "Broken", backend: "tensorflow"), jax = refused(layer: "Broken", backend: "jax")
        let result = runner.run(tf, references: [jax])
        #expect(result.status == .passed, "\(result.message)")
        #expect(result.backward == nil)
        let note = result.notes.joined()
        #expect(note.contains("tensorflow: \(refusal)") && note.contains("jax: \(refusal)") && note.contains("the fake layer broke"), "\(note)")
    }

    @Test func refusedEverywhereButComputedByTheImplementationFails() {
        let result = runner.run(refused(layer: "Scale", backend: "tensorflow"), references: [refused(layer: "Scale", backend: "jax")])
        #expect(result.status == .failed)
        #expect(result.problems.map(\.kind) == [.notRefused])
        #expect(result.message.contains(refusal) && result.message.contains("returned a value of shape (2, 3)"), "\(result.message)")
    }

    @Test func aSingleFileErrorCaseMustBeRefused() {
        #expect(runner.run(refused(layer: "Broken", backend: "jax")).status == .passed)
        #expect(runner.run(refused(layer: "Scale", backend: "jax")).status == .failed)
    }

    @Test func refusedOnOneBackendIsSkippedThereAndJudgedOnTheOther() {
        let tf = refused(layer: "Scale", backend: "tensorflow"), jax = computed(backend: "jax")
        let skipped = runner.run(tf, references: [jax])
        #expect(skipped.status == .skipped)
        #expect(skipped.problems.map(\.kind) == [.kerasRefused])
        #expect(skipped.message.contains(refusal) && skipped.message.contains("jax computed it"), "\(skipped.message)")
        let judged = runner.run(jax, references: [tf])
        #expect(judged.status == .passed, "\(judged.message)")
        #expect(judged.notes.contains { $0.contains("no reference envelope from tensorflow") && $0.contains(refusal) }, "\(judged.notes)")
        // The computing backend still judges: a wrong answer fails there.
        var wrong = jax
        wrong.output.values[4] += 1
        #expect(runner.run(wrong, references: [tf]).status == .failed)
    }

    @Test func refusedOnOneBackendAndByTheImplementationIsJudgedOnTheRefusingBackend() {
        let tf = refused(layer: "Broken", backend: "tensorflow"), jax = computed(layer: "Broken", backend: "jax")
        let judged = runner.run(tf, references: [jax])
        #expect(judged.status == .passed, "\(judged.message)")
        #expect(judged.notes.joined().contains("jax computed it"), "\(judged.notes)")
        let skipped = runner.run(jax, references: [tf])
        #expect(skipped.status == .skipped)
        #expect(skipped.backward == nil)
        #expect(skipped.problems.map(\.kind) == [.refusedAsOtherBackend])
        #expect(skipped.message.contains("as Keras on tensorflow does (\(refusal))"), "\(skipped.message)")
        // Without a refusing backend, the same throw is an error.
        #expect(runner.run(jax).status == .error)
    }
}
