import Conformance
import ReferenceData
import Testing
@testable import ConformanceHTML

/// How a case run is split into the matrix's forward and backward columns: by the run's
/// forward and backward verdicts.
@Suite struct CaseRunTests {
    func run(forward: CaseResult.Status, backward: CaseResult.Status?) -> CaseRun {
        var result = CaseResult(id: "c", backend: "jax", layer: "L", origin: "", file: "f", status: forward)
        result.backward = backward
        return CaseRun(result: result)
    }

    @Test func aFailingGradientFailsOnlyTheBackwardColumn() {
        let r = run(forward: .passed, backward: .failed)
        #expect(r.verdict(.forward) == "passed")
        #expect(r.verdict(.backward) == "failed")
        #expect(r.result.status == .failed)
    }

    @Test func aFailingOutputFailsForwardAndAPassingGradientPassesBackward() {
        let r = run(forward: .failed, backward: .passed)
        #expect(r.verdict(.forward) == "failed")
        #expect(r.verdict(.backward) == "passed")
    }

    @Test func withoutGradientsThereIsNoBackwardVerdict() {
        let r = run(forward: .passed, backward: nil)
        #expect(r.verdict(.forward) == "passed")
        #expect(r.verdict(.backward) == nil)
        #expect(run(forward: .skipped, backward: nil).verdict(.forward) == "skipped")
    }

    @Test func aSkippedBackwardPartLeavesThePassedCasePassed() {
        let r = run(forward: .passed, backward: .skipped)
        #expect(r.verdict(.backward) == "skipped")
        #expect(r.result.status == .passed)
    }
}
