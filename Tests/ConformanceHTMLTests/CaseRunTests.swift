import Conformance
import ReferenceData
import Testing
@testable import ConformanceHTML

/// How a case run is split into the matrix's forward and backward columns.
@Suite struct CaseRunTests {
    let x = ReferenceTensor(shape: [2], elementType: .float32, values: [1, 2])
    let off = ReferenceTensor(shape: [2], elementType: .float32, values: [1, 3])

    func run(_ tensors: [(String, ReferenceTensor)], status: CaseResult.Status) -> CaseRun {
        let comparisons = tensors.map { Comparator().compare(name: $0.0, actual: $0.1, expected: x, tolerance: .defaults(for: .float32)) }
        return CaseRun(result: CaseResult(id: "c", backend: "jax", layer: "L", origin: "", file: "f", status: status, comparisons: comparisons))
    }

    @Test func aFailingGradientFailsOnlyTheBackwardColumn() {
        let r = run([("outputs/y", x), ("grads/x", off)], status: .failed)
        #expect(r.verdict(.forward) == "passed")
        #expect(r.verdict(.backward) == "failed")
    }

    @Test func aFailingOutputFailsForwardAndAPassingGradientPassesBackward() {
        let r = run([("outputs/y", off), ("grads/x", x)], status: .failed)
        #expect(r.verdict(.forward) == "failed")
        #expect(r.verdict(.backward) == "passed")
    }

    @Test func withoutGradientsThereIsNoBackwardVerdict() {
        let r = run([("outputs/y", x)], status: .passed)
        #expect(r.verdict(.forward) == "passed")
        #expect(r.verdict(.backward) == nil)
        #expect(run([], status: .skipped).verdict(.forward) == "skipped")
    }

    @Test func aFailureWithoutAFailingTensorIsForward() {
        // e.g. Keras updated a variable the implementation did not return: a problem, not a comparison.
        #expect(run([("outputs/y", x), ("grads/x", x)], status: .failed).verdict(.forward) == "failed")
    }
}
