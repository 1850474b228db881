import Testing
import Conformance
import KerasLayersConformance
import ReferenceData

/// Every committed golden case through the Swift layers, one test per case id (all its
/// backends), so a failure names the case and prints the comparator's report: the forward
/// part, and the backward part (every gradient) of a case with gradients, which the layers
/// must not skip. Strict about config keys: every key Keras wrote into a committed case is
/// one the layers use. Where Keras refuses a call on one backend only, the layers are judged on
/// the backend that answered as they do and skipped on the other (`ConformanceRunner`), so such a
/// case passes on exactly one backend.
@Suite struct GoldenConformanceTests {
    static let runner = ConformanceRunner(implementation: KerasLayersImplementation(), strictConfig: true)

    @Test("golden case", arguments: GoldenCorpus.caseIDs)
    func goldenCase(_ id: String) {
        let cases = GoldenCorpus.cases(withID: id)
        #expect(cases.count == GoldenCorpus.backends.count, "case \(id) is readable on \(cases.map(\.backend))")
        let splitRefusal = cases.contains { $0.error != nil } && cases.contains { $0.error == nil }
        var judged = 0
        for goldenCase in cases {
            let result = Self.runner.run(goldenCase, references: cases.filter { $0.backend != goldenCase.backend })
            if splitRefusal, result.status == .skipped,
                result.problems.map(\.kind) == [.kerasRefused] || result.problems.map(\.kind) == [.refusedAsOtherBackend]
            {
                continue
            }
            judged += 1
            #expect(result.status == .passed, "\(TextReport.describe(result).joined(separator: "\n"))")
            if goldenCase.dy != nil && !goldenCase.grads.isEmpty {
                #expect(result.backward == .passed, "\(goldenCase.id) [\(goldenCase.backend)]: backward \(String(describing: result.backward))")
                #expect(result.backwardComparisons.count == goldenCase.grads.count)
            }
        }
        #expect(judged == (splitRefusal ? 1 : cases.count), "case \(id) was judged on \(judged) of \(cases.count) backends")
    }

    @Test func thereAreGoldenCases() {
        #expect(GoldenCorpus.caseIDs.count >= 300)
    }
}
