import Testing
import KerasJSON
import ReferenceData
@testable import Conformance

/// `y = factor·x + bias` with its backward pass: dL/dx = factor·dy, dL/dbias = Σ dy over all but
/// the last axis. `mode` (config) makes it return no backward pass, throw, leave a gradient
/// out, add one Keras has no record of, or change one element of dL/dx.
struct AffineImplementation: LayerImplementation {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "the fake backward pass broke" }
    }

    var name: String { "Affine" }

    func implements(layer: String) -> Bool { layer == "Affine" }

    func run(_ invocation: LayerInvocation) throws -> LayerResult {
        let factor = invocation.config["factor"]?.doubleValue ?? 1
        let bias = invocation.weights["bias"]?.values ?? [0]
        let x = invocation.input
        let values = x.values.indices.map { Double(Float(x.values[$0] * factor + bias[$0 % bias.count])) }
        return LayerResult(output: ReferenceTensor(shape: x.shape, elementType: .float32, values: values))
    }

    func gradients(_ invocation: LayerInvocation, upstream: ReferenceTensor) throws -> [String: ReferenceTensor]? {
        let mode = invocation.config["mode"]?.stringValue ?? ""
        if mode == "none" { return nil }
        if mode == "throw" { throw Failure() }
        let factor = invocation.config["factor"]?.doubleValue ?? 1
        var dx = ReferenceTensor(shape: upstream.shape, elementType: .float32, values: upstream.values.map { $0 * factor })
        if mode == "perturb" { dx.values[4] += 0.5 }
        var result = ["x": dx]
        if let bias = invocation.weights["bias"], mode != "missing" {
            var sums = [Double](repeating: 0, count: bias.count)
            for (i, d) in upstream.values.enumerated() { sums[i % bias.count] += d }
            result["bias"] = ReferenceTensor(shape: bias.shape, elementType: .float32, values: sums)
        }
        if mode == "extra" { result["scale"] = ReferenceTensor(shape: [1], elementType: .float32, values: [0]) }
        return result
    }
}

@Suite struct GradientRunnerTests {
    let runner = ConformanceRunner(implementation: AffineImplementation())

    func tensor(_ values: [Double], _ shape: [Int]) -> ReferenceTensor {
        ReferenceTensor(shape: shape, elementType: .float32, values: values)
    }

    /// Affine with factor 3 and bias (0.5, -1, 2) on a (2, 2, 3) input, with Keras's exact gradients.
    func affineCase(mode: String = "", backend: String = "tensorflow") -> GoldenCase {
        let x = (0..<12).map { Double($0) - 5.5 }
        let dy = (0..<12).map { Double($0 % 5) - 2 }
        let bias = [0.5, -1, 2]
        var dbias = [0.0, 0, 0]
        for (i, d) in dy.enumerated() { dbias[i % 3] += d }
        return GoldenCase(
            id: "affine", file: "\(backend).h5", backend: backend, layer: "Affine",
            config: .object(["factor": .int(3), "mode": .string(mode)]),
            input: tensor(x, [2, 2, 3]), weights: ["bias": tensor(bias, [3])],
            output: tensor(x.indices.map { x[$0] * 3 + bias[$0 % 3] }, [2, 2, 3]),
            dy: tensor(dy, [2, 2, 3]), grads: ["x": tensor(dy.map { $0 * 3 }, [2, 2, 3]), "bias": tensor(dbias, [3])])
    }

    @Test func correctGradientsPassTheBackwardPart() {
        let result = runner.run(affineCase())
        #expect(result.status == .passed, "\(result.message)")
        #expect(result.forward == .passed && result.backward == .passed)
        #expect(result.backwardComparisons.map(\.name) == ["grads/bias (3,)", "grads/x (2, 2, 3)"])
        #expect(result.forwardComparisons.map(\.name) == ["outputs/y"])
    }

    @Test func aForwardOnlyCaseHasNoBackwardPart() {
        var c = affineCase()
        c.dy = nil
        c.grads = [:]
        let result = runner.run(c)
        #expect(result.backward == nil && result.status == .passed)
    }

    @Test func anImplementationWithoutABackwardPassIsSkippedNotFailed() {
        let result = runner.run(affineCase(mode: "none"))
        #expect(result.forward == .passed && result.backward == .skipped)
        #expect(result.status == .passed)
        #expect(result.backwardSkipReason == "Affine has no backward pass for Affine")
        #expect(result.problems.isEmpty)
        #expect(RunSummary([result]).backward == PartCounts(passed: 0, failed: 0, errors: 0, skipped: 1))
    }

    @Test func aThrowingBackwardPassIsABackwardError() {
        let result = runner.run(affineCase(mode: "throw"))
        #expect(result.forward == .passed && result.backward == .error && result.status == .error)
        #expect(result.backwardProblems.map(\.kind) == [.gradientsThrew])
        #expect(result.message.contains("the fake backward pass broke"))
    }

    @Test func aMissingOrUnknownGradientIsAProblemNamingIt() {
        let missing = runner.run(affineCase(mode: "missing"))
        #expect(missing.backward == .failed)
        #expect(missing.problems.map(\.kind) == [.missingGradient])
        #expect(missing.problems.first?.tensor == "grads/bias (3,)")
        let extra = runner.run(affineCase(mode: "extra"))
        #expect(extra.backward == .failed)
        #expect(extra.problems.map(\.kind) == [.unexpectedGradient])
        #expect(extra.problems.first?.tensor == "grads/scale (1,)")
    }

    @Test func oneWrongGradientElementFailsExactlyThere() {
        let result = runner.run(affineCase(mode: "perturb"))
        #expect(result.forward == .passed && result.backward == .failed && result.status == .failed)
        let failing = result.comparisons.filter { !$0.passed }
        #expect(failing.map(\.name) == ["grads/x (2, 2, 3)"])
        #expect(failing.first?.mismatches.map(\.index) == [[0, 1, 1]])
        #expect(result.message == "grads/x (2, 2, 3): values differ at 1 of 12 elements (8.33%)")
        #expect(TextReport.describe(result).contains("      forward passed, backward failed"))
    }

    @Test func gradientsUseTheOtherBackendsEnvelopeAndTheOracle() {
        // Keras's backends disagree at dL/dx (0, 1, 1) by 2e-3; the implementation's exact value is within their envelope.
        var tf = affineCase(), jax = affineCase(backend: "jax")
        tf.grads["x"]!.values[4] -= 1e-3
        jax.grads["x"]!.values[4] += 1e-3
        #expect(runner.run(tf, references: [jax]).backward == .passed)
        #expect(runner.run(tf).backward == .failed)
        // Only TensorFlow is off, and the oracle (the exact value) says so: it is judged against JAX's.
        jax = affineCase(backend: "jax")
        tf.oracle["grads/x"] = ReferenceTensor(shape: [2, 2, 3], elementType: .float64, values: jax.grads["x"]!.values)
        let arbitrated = runner.run(tf, references: [jax])
        #expect(arbitrated.backward == .passed)
        #expect(arbitrated.disputed == 1 && arbitrated.arbitrated == 1 && arbitrated.kerasBugCandidates == ["tensorflow"])
    }
}
