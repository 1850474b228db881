import Testing
import Conformance
import KerasLayersConformance
import ReferenceData

/// The harness catches a wrong gradient: the Swift layers' backward pass with ONE element of
/// one gradient changed fails the case's backward part at exactly that element, the message
/// naming the tensor with its shape (`grads/gamma (3,)`), every other element passing.
@Suite struct PerturbedGradientTests {
    /// KerasLayers with one element of one gradient moved by 0.01 + 1e-3·|value|.
    struct PerturbedGradient: LayerImplementation {
        let base = KerasLayersImplementation()
        var gradient: String
        var flat: Int

        var name: String { base.name }
        func implements(layer: String) -> Bool { base.implements(layer: layer) }
        func run(_ invocation: LayerInvocation) throws -> LayerResult { try base.run(invocation) }
        func gradients(_ invocation: LayerInvocation, upstream: ReferenceTensor) throws -> [String: ReferenceTensor]? {
            guard var gradients = try base.gradients(invocation, upstream: upstream) else { return nil }
            if let value = gradients[gradient]?.values[flat] { gradients[gradient]?.values[flat] = value + 0.01 + abs(value) * 1e-3 }
            return gradients
        }
    }

    /// Per layer class with gradients, its first float32 case: the gradient of x and of each variable
    /// (the perturbation is sized for float32's tolerance).
    static let samples: [Sample] = {
        var seen = Set<String>()
        var samples: [Sample] = []
        for id in GoldenCorpus.caseIDs {
            guard let c = GoldenCorpus.cases(withID: id).first, c.dy != nil, !c.grads.isEmpty, !seen.contains(c.layer),
                c.grads.values.allSatisfy({ $0.elementType == .float32 }),
                c.grads.values.allSatisfy({ $0.count > 0 && $0.values.allSatisfy(\.isFinite) })
            else { continue }
            seen.insert(c.layer)
            samples.append(Sample(id: id, gradient: "x"))
            samples += c.grads.keys.filter { $0 != "x" }.sorted().map { Sample(id: id, gradient: $0) }
        }
        return samples
    }()

    struct Sample: Sendable, CustomTestStringConvertible {
        var id: String
        var gradient: String
        var testDescription: String { "\(id) grads/\(gradient)" }
    }

    @Test func thereAreSamplesOfBothKinds() {
        #expect(Self.samples.count >= 10)
        #expect(Self.samples.contains { $0.gradient == "gamma" })
    }

    @Test(arguments: samples)
    func oneWrongGradientElementFailsExactlyThere(_ sample: Sample) throws {
        let cases = GoldenCorpus.cases(withID: sample.id)
        let golden = try #require(cases.first)
        let references = cases.filter { $0.backend != golden.backend }
        let expected = try #require(golden.grads[sample.gradient])
        let flat = expected.count * 2 / 3
        let runner = ConformanceRunner(implementation: PerturbedGradient(gradient: sample.gradient, flat: flat))
        let result = runner.run(golden, references: references)
        #expect(result.forward == .passed)
        #expect(result.backward == .failed)
        let label = "grads/\(sample.gradient) \(expected.shapeDescription)"
        let failing = result.backwardComparisons.filter { !$0.passed }
        #expect(failing.map(\.name) == [label])
        #expect(failing.first?.mismatched == 1)
        let index = Comparator.multiIndex(flat, Comparator.strides(expected.shape))
        #expect(failing.first?.mismatches.map(\.index) == [index])
        #expect(result.message.hasPrefix("\(label): values differ at 1 of \(expected.count) elements"), "\(result.message)")
        // Unperturbed, the same case passes both parts.
        let clean = ConformanceRunner(implementation: KerasLayersImplementation()).run(golden, references: references)
        #expect(clean.forward == .passed && clean.backward == .passed)
    }
}
