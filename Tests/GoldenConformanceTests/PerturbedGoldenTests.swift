import Testing
import Conformance
import KerasLayersConformance
import ReferenceData

/// The harness catches a wrong answer: a real golden case with one element of Keras's
/// output perturbed is reported as exactly one mismatch, at exactly that element.
@Suite struct PerturbedGoldenTests {
    static let runner = ConformanceRunner(implementation: KerasLayersImplementation())

    /// A handful of passing float32 cases of different layers and ranks (the perturbation is sized
    /// for float32's tolerance; a half-precision tolerance would absorb it).
    static let sampleIDs: [String] = {
        var seenLayers = Set<String>()
        var ids: [String] = []
        for id in GoldenCorpus.caseIDs {
            guard let c = GoldenCorpus.cases(withID: id).first, c.input.elementType == .float32,
                c.output.elementType == .float32, c.output.count > 3,
                c.output.values.allSatisfy(\.isFinite), !seenLayers.contains(c.layer)
            else { continue }
            seenLayers.insert(c.layer)
            ids.append(id)
        }
        return ids
    }()

    @Test(arguments: sampleIDs)
    func onePerturbedElementIsOneMismatchAtThatIndex(_ id: String) throws {
        let original = try #require(GoldenCorpus.cases(withID: id).first)
        try #require(Self.runner.run(original).status == .passed, "the unperturbed case \(id) must pass first")
        var perturbed = original
        let flat = perturbed.output.count * 2 / 3
        let delta = 0.01 + abs(perturbed.output.values[flat]) * 1e-3
        perturbed.output.values[flat] += delta
        // The whole golden says another value: with the oracle alone unperturbed, Keras would be off
        // it there and the oracle would join the envelope (the comparator's rule for Keras-inaccurate elements).
        perturbed.oracle["outputs/y"]?.values[flat] += delta
        let result = Self.runner.run(perturbed)
        #expect(result.status == .failed)
        #expect(result.mismatched == 1)
        var rest = flat
        let index = perturbed.output.shape.indices.map { axis -> Int in
            let stride = perturbed.output.shape[(axis + 1)...].reduce(1, *)
            defer { rest %= stride }
            return rest / stride
        }
        #expect(result.comparisons.first?.mismatches.map(\.index) == [index])
    }
}
