import Testing
import ReferenceData
@testable import Conformance

/// The comparator's rule for elements where Keras's backends agree but every one of them is off
/// the float64 oracle (Keras's own float32 formula lost accuracy): the oracle joins the trusted
/// values, the element is counted as off the oracle, and nothing changes without an oracle or
/// under `--exact`.
@Suite struct OffOracleTests {
    let comparator = Comparator(reportLimit: 5)
    let tolerance = float32Tolerance

    /// Element 1: TensorFlow 0.5 and JAX 0.5 + 1e-6 agree; the exact value is 0.5 + 3e-3.
    func compare(ours: [Double], oracle: [Double]?, oracleWidens: Bool = true) -> TensorComparison {
        comparator.compare(
            name: "grads/gamma (2,)", actual: tensor(ours), expected: tensor([1, 0.5]), backend: "tensorflow",
            references: [Reference(backend: "jax", tensor: tensor([1, 0.5 + 1e-6]))], oracle: oracle.map { tensor($0, .float64) },
            tolerance: tolerance, oracleWidens: oracleWidens)
    }

    @Test func theOracleValueItselfPassesWhereBothBackendsAreOffIt() {
        let c = compare(ours: [1, 0.503], oracle: [1, 0.503])
        #expect(c.passed, "\(String(describing: c.failure))")
        #expect(c.offOracle == 1 && c.disputed == 0)
        #expect(c.offOracleElements.first?.index == [1])
        #expect(c.offOracleElements.first?.oracle == 0.503)
        #expect(c.offOracleElements.first?.values.map(\.backend) == ["tensorflow", "jax"])
        // The envelope spans from Keras's value to the oracle's; c stays Keras's value.
        #expect(c.spread == abs(0.503 - 0.5))
        // Keras's own value still passes.
        #expect(compare(ours: [1, 0.5], oracle: [1, 0.503]).passed)
    }

    @Test func outsideTheHullByMoreThanTheToleranceFails() {
        let beyond = 0.503 + 2e-5 + 1e-6
        let c = compare(ours: [1, beyond], oracle: [1, 0.503])
        #expect(!c.passed)
        #expect(c.mismatches.map(\.index) == [[1]])
        // The envelope is Keras's value ± the spread (as for disputes), so the far side fails beyond that.
        #expect(compare(ours: [1, 0.5 - 0.003], oracle: [1, 0.503]).passed)
        #expect(!compare(ours: [1, 0.5 - 0.003 - 2e-5], oracle: [1, 0.503]).passed)
    }

    @Test func withoutAnOracleOrUnderExactNothingChanges() {
        let plain = compare(ours: [1, 0.503], oracle: nil)
        #expect(!plain.passed && plain.offOracle == 0)
        let exact = compare(ours: [1, 0.503], oracle: [1, 0.503], oracleWidens: false)
        #expect(!exact.passed && exact.offOracle == 0)
    }

    /// An integer result is Keras's cast (RMSNormalization of uint8 truncates 0.64 to 0): the
    /// oracle's uncast 0.64 is no reference for it, and 1 stays wrong.
    @Test func anIntegerTensorIgnoresTheOracle() {
        let c = comparator.compare(
            name: "outputs/y", actual: tensor([1], .uint8), expected: tensor([0], .uint8), backend: "tensorflow",
            references: [Reference(backend: "jax", tensor: tensor([0], .uint8))], oracle: tensor([0.644], .float64),
            tolerance: Tolerance.defaults(for: .uint8))
        #expect(!c.passed && c.offOracle == 0 && !c.hasOracle)
    }

    @Test func whereKerasAgreesWithTheOracleNothingChanges() {
        let c = compare(ours: [1, 0.503], oracle: [1, 0.5])
        #expect(!c.passed && c.offOracle == 0)
    }

    @Test func theRunSummaryAndReportsCountOffOracleElements() {
        var result = CaseResult(id: "c", backend: "tensorflow", layer: "L", origin: "", file: "f", status: .passed)
        result.backward = .passed
        result.comparisons = [compare(ours: [1, 0.503], oracle: [1, 0.503])]
        let report = RunReport(implementation: "X", files: [], cases: [result])
        #expect(report.summary.offOracleElements == 1)
        #expect(report.summary.line.hasSuffix("; Keras off the float64 oracle at 1 elements"))
        let text = TextReport.render(report)
        #expect(text.contains("OFF-ORACLE c [tensorflow] grads/gamma (2,): 1 of 2 elements; first (1,): tensorflow 0.5, jax 0.500001, oracle 0.503"), "\(text)")
        #expect(MarkdownReport.render(report).contains("OFF-ORACLE c [tensorflow]"))
        #expect(MarkdownReport.renderLayerSummary(report).contains("OFF-ORACLE c [tensorflow]"))
        let junit = JUnitReport.render(report)
        #expect(junit.contains(#"name="c [tensorflow] backward""#) && junit.contains("OFF-ORACLE c [tensorflow]"), "\(junit)")
        #expect(junit.contains(#"<property name="off oracle" value="1 elements"#))
        #expect(JSONReport.render(report).contains("\"offOracleElements\" : 1") || JSONReport.render(report).contains("\"offOracleElements\": 1"))
    }
}
