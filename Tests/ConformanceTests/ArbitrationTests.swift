import Testing
import KerasJSON
import ReferenceData
@testable import Conformance

/// Where Keras's backends disagree with each other: disputed elements, the float64 oracle's
/// verdict, and what our value is judged against.
@Suite struct ArbitrationTests {
    let comparator = Comparator(reportLimit: 5)
    let tolerance = float32Tolerance

    func compare(
        ours: [Double], backend: String, expected: [Double], other: (String, [Double]),
        oracle: [Double]?
    ) -> TensorComparison {
        comparator.compare(
            name: "outputs/y", actual: tensor(ours), expected: tensor(expected), backend: backend,
            references: [Reference(backend: other.0, tensor: tensor(other.1))], oracle: oracle.map { tensor($0, .float64) },
            tolerance: tolerance)
    }

    @Test func backendsWithinTheElementTypesToleranceAreNotDisputed() {
        let c = compare(ours: [1, 2], backend: "tensorflow", expected: [1, 2], other: ("jax", [1 + 5e-6, 2]), oracle: nil)
        #expect(c.passed)
        #expect(c.disputed == 0)
    }

    /// JAX's adaptive pooling reads out of range and returns NaN where TensorFlow and the
    /// oracle have a number: on both backends' files our number is judged against TensorFlow's.
    @Test func theOracleSettlesNaNAgainstANumber() {
        let tf = [0.25, 1.5], jax = [0.25, Double.nan], oracle = [0.25, 1.5]
        for (backend, expected, other) in [("tensorflow", tf, ("jax", jax)), ("jax", jax, ("tensorflow", tf))] {
            let c = compare(ours: [0.25, 1.5], backend: backend, expected: expected, other: other, oracle: oracle)
            #expect(c.passed, "\(backend): \(String(describing: c.failure))")
            #expect(c.disputed == 1 && c.arbitrated == 1)
            #expect(c.kerasBugCandidates == ["jax"])
            #expect(c.disputes.first?.index == [1])
            #expect(c.disputes.first?.agreeing == ["tensorflow"])
        }
        // Copying JAX's NaN is wrong on either file.
        let copied = compare(ours: [0.25, .nan], backend: "jax", expected: jax, other: ("tensorflow", tf), oracle: oracle)
        #expect(copied.failure?.kind == .nonFinite)
    }

    /// JAX averages the wrong window: the envelope no longer spans its value once the
    /// oracle rules it out, so an implementation that copies the bug fails.
    @Test func aBackendTheOracleRulesOutNoLongerWidensTheEnvelope() {
        let tf = [2.0], jax = [2.5], oracle = [2.0]
        let right = compare(ours: [2.0], backend: "jax", expected: jax, other: ("tensorflow", tf), oracle: oracle)
        #expect(right.passed)
        #expect(right.spread == 0)
        let copied = compare(ours: [2.5], backend: "tensorflow", expected: tf, other: ("jax", jax), oracle: oracle)
        #expect(copied.failure?.kind == .values)
        #expect(copied.mismatches.first?.expected == 2.0)
        // Without an oracle the dispute is reported, unsettled, and the envelope spans both.
        let unsettled = compare(ours: [2.5], backend: "tensorflow", expected: tf, other: ("jax", jax), oracle: nil)
        #expect(unsettled.passed)
        #expect(unsettled.disputed == 1 && unsettled.arbitrated == 0 && unsettled.kerasBugCandidates.isEmpty)
    }

    /// Every backend lost accuracy (each its own way): the oracle joins the envelope, which spans
    /// from this backend's value to the farthest of the others and the oracle.
    @Test func whenNoBackendAgreesWithTheOracleItJoinsTheEnvelope() {
        let c = compare(ours: [3.0], backend: "jax", expected: [2.5], other: ("tensorflow", [2.0]), oracle: [3.0])
        #expect(c.passed)
        #expect(c.disputed == 1 && c.arbitrated == 0 && c.offOracle == 0)
        #expect(c.kerasBugCandidates == ["jax", "tensorflow"])
        #expect(c.spread == 0.5)
        #expect(c.worst.first?.expected == 2.5)
        #expect(!compare(ours: [3.0 + 1e-3], backend: "jax", expected: [2.5], other: ("tensorflow", [2.0]), oracle: [3.0]).passed)
        // Under --exact the oracle never joins: judged against this backend's value alone.
        let exact = comparator.compare(
            name: "outputs/y", actual: tensor([3.0]), expected: tensor([2.5]), backend: "jax",
            references: [Reference(backend: "tensorflow", tensor: tensor([2.0]))], oracle: tensor([3.0], .float64),
            tolerance: tolerance, oracleWidens: false)
        #expect(!exact.passed && exact.spread == 0)
    }

    @Test func disputesAreCountedInTheSummaryAndListedInEveryReport() throws {
        let c = compare(
            ours: [0.25, 1.5], backend: "jax", expected: [0.25, .nan], other: ("tensorflow", [0.25, 1.5]),
            oracle: [0.25, 1.5])
        let result = CaseResult(
            id: "AdaptiveAveragePooling1D.L7.o7", backend: "jax", layer: "AdaptiveAveragePooling1D",
            origin: "", file: "jax.h5", status: .passed, comparisons: [c])
        let report = RunReport(implementation: "Fake", files: [], cases: [result])
        #expect(report.summary.disputed == 1 && report.summary.disputedElements == 1 && report.summary.arbitratedElements == 1)
        #expect(report.summary.line == "1 cases: 1 passed, 0 failed, 0 errors; 1 disputed (1 elements, 1 settled by the oracle)")
        let line =
            "DISPUTED AdaptiveAveragePooling1D.L7.o7 [jax] outputs/y: 1 of 2 elements, 1 settled by the oracle, "
            + "Keras bug candidate: jax; first (1,): jax nan, tensorflow 1.5, oracle 1.5"
        #expect(TextReport.render(report).contains("\n" + line + "\n"))
        #expect(MarkdownReport.render(report).contains("- `" + line + "`"))
        #expect(MarkdownReport.renderLayerSummary(report).contains("- `" + line + "`"))
        #expect(JUnitReport.render(report).contains(line))
        #expect(JUnitReport.render(report).contains(#"<property name="disputed" value="1 case runs, 1 elements, 1 settled by the oracle"/>"#))
        let json = try JSONValue(parsing: JSONReport.render(report))
        #expect(json["summary"]?["disputed"] == .int(1))
        let only = try #require(json["cases"]?.arrayValue?.first)
        #expect(only["disputed"] == .int(1))
        #expect(only["kerasBugCandidates"] == .array([.string("jax")]))
        #expect(only["disputes"]?.arrayValue?.first?["values"] == .object(["jax": .string("NaN"), "tensorflow": .double(1.5)]))
    }
}
