import Testing
import KerasJSON
import ReferenceData
@testable import Conformance

/// A stand-in implementation: `Scale` multiplies the input by its config's `factor` and,
/// with `training`, returns `counter` + 1 as an update; `Broken` throws.
struct FakeImplementation: LayerImplementation {
    struct Failure: Error, CustomStringConvertible { var description: String { "the fake layer broke" } }

    var name: String { "Fake" }

    func implements(layer: String) -> Bool { layer == "Scale" || layer == "Broken" }

    func run(_ invocation: LayerInvocation) throws -> LayerResult {
        guard invocation.layer == "Scale" else { throw Failure() }
        let factor = invocation.config["factor"]?.doubleValue ?? 1
        var updated: [String: ReferenceTensor] = [:]
        if invocation.call["training"]?.boolValue == true, let counter = invocation.weights["counter"] {
            updated["counter"] = ReferenceTensor(shape: counter.shape, elementType: .float32, values: counter.values.map { $0 + 1 })
        }
        let x = invocation.input
        return LayerResult(
            output: ReferenceTensor(shape: x.shape, elementType: .float32, values: x.values.map { Double(Float($0 * factor)) }),
            updated: updated)
    }
}

@Suite struct RunnerTests {
    let runner = ConformanceRunner(implementation: FakeImplementation())

    func tensor(_ values: [Double], _ shape: [Int]) -> ReferenceTensor {
        ReferenceTensor(shape: shape, elementType: .float32, values: values)
    }

    func scaleCase(id: String = "scale", backend: String = "tensorflow", output: [Double]? = nil, layer: String = "Scale") -> GoldenCase {
        let x = (0..<24).map { Double($0) - 7.5 }
        return GoldenCase(
            id: id, file: "\(backend).h5", backend: backend, layer: layer, config: .object(["factor": .int(2)]),
            input: tensor(x, [2, 3, 4]), output: tensor(output ?? x.map { $0 * 2 }, [2, 3, 4]))
    }

    @Test func aCorrectImplementationPasses() {
        let result = runner.run(scaleCase())
        #expect(result.status == .passed, "\(result.message)")
        #expect(result.elements == 24)
        #expect(result.fractionOfAllowedUsed == 0)
    }

    @Test(arguments: [0, 5, 23])
    func onePerturbedElementIsOneMismatchAtExactlyThatIndex(_ flat: Int) {
        var expected = (0..<24).map { (Double($0) - 7.5) * 2 }
        expected[flat] += 0.25
        let result = runner.run(scaleCase(output: expected))
        #expect(result.status == .failed)
        #expect(result.mismatched == 1)
        let index = [flat / 12, (flat / 4) % 3, flat % 4]
        #expect(result.comparisons[0].mismatches.map(\.index) == [index])
        #expect(TextReport.describe(result).joined().contains("(\(index[0]), \(index[1]), \(index[2]))"))
    }

    @Test func aLayerThatIsNotImplementedIsReportedAsSuch() {
        let result = runner.run(scaleCase(layer: "Conv2D"))
        #expect(result.status == .error)
        #expect(result.problems == [CaseProblem(kind: .notImplemented, details: "layer Conv2D is not implemented by Fake")])
    }

    @Test func aLayerThatThrowsIsAnError() {
        let result = runner.run(scaleCase(layer: "Broken"))
        #expect(result.status == .error)
        #expect(result.message.contains("the fake layer broke"))
    }

    @Test func updatedVariablesAreCompared() {
        var c = scaleCase()
        c.call = .object(["training": .bool(true)])
        c.weights = ["counter": tensor([1, 2], [2])]
        c.updated = ["counter": tensor([2, 3], [2])]
        #expect(runner.run(c).status == .passed)
        c.updated = ["counter": tensor([2, 4], [2])]
        let result = runner.run(c)
        #expect(result.status == .failed)
        #expect(result.problems.map(\.tensor) == ["updated/counter"])
        #expect(result.problems.map(\.kind) == [.values])
    }

    @Test func anUpdateKerasDidNotMakeMustLeaveTheVariableUnchanged() {
        var c = scaleCase()
        c.call = .object(["training": .bool(true)])
        c.weights = ["counter": tensor([1, 2], [2])]
        let result = runner.run(c)
        #expect(result.status == .failed)
        #expect(result.message.contains("unchanged in Keras"))
    }

    @Test func anUpdateKerasMadeButTheImplementationDidNotIsAFailure() {
        var c = scaleCase()
        c.updated = ["counter": tensor([2, 3], [2])]
        let result = runner.run(c)
        #expect(result.status == .failed)
        #expect(result.problems.map(\.kind) == [.missingUpdate])
        #expect(result.message == "updated/counter: Keras updated 'counter' but the implementation returned no update for it")
    }

    @Test func otherBackendsWidenTheEnvelope() {
        // jax disagrees with tensorflow at element 3 by 1e-3; our result sits between them.
        var tfOut = (0..<24).map { (Double($0) - 7.5) * 2 }
        var jaxOut = tfOut
        tfOut[3] -= 5e-4
        jaxOut[3] += 5e-4
        let tf = scaleCase(backend: "tensorflow", output: tfOut)
        let jax = scaleCase(backend: "jax", output: jaxOut)
        #expect(runner.run(tf).status == .failed)
        let widened = runner.run(tf, references: [jax])
        #expect(widened.status == .passed)
        #expect(abs(widened.spread - 1e-3) < 1e-9)
    }

    @Test func filtersSelectCaseIDs() throws {
        let f = try ConformanceRunner(implementation: FakeImplementation(), include: "^max", exclude: "3d").caseFilter()
        #expect(f.selects("maxpool2d.a"))
        #expect(!f.selects("maxpool3d.a"))
        #expect(!f.selects("avgpool2d.a"))
        #expect(throws: (any Error).self) { try CaseFilter(include: "(") }
    }

    @Test func reportsFollowTheirContracts() throws {
        var bad = (0..<24).map { (Double($0) - 7.5) * 2 }
        bad[1] = .nan
        let report = RunReport(implementation: "Fake", files: [], cases: [
            runner.run(scaleCase(id: "good")), runner.run(scaleCase(id: "bad", output: bad)),
            runner.run(scaleCase(id: "broken", layer: "Broken")),
        ])
        let json = try JSONValue(parsing: JSONReport.render(report))
        #expect(json["summary"] == .object(["total": .int(3), "passed": .int(1), "failed": .int(1), "errors": .int(1)]))
        let cases = try #require(json["cases"]?.arrayValue)
        #expect(cases.count == 3)
        for c in cases {
            for key in ["id", "backend", "layer", "status", "elements", "mismatched", "maxAbsDiff", "maxRelDiff",
                        "maxUlpDiff", "spread", "message", "mismatches"] {
                #expect(c[key] != nil, "JSON case lacks \(key)")
            }
        }
        #expect(cases.map { $0["status"]?.stringValue } == ["passed", "failed", "error"])
        let mismatch = try #require(cases[1]["mismatches"]?.arrayValue?.first)
        #expect(mismatch["index"] == .array([.int(0), .int(0), .int(1)]))
        #expect(mismatch["expected"] == .string("NaN"))
        for key in ["index", "actual", "expected", "absDiff", "relDiff", "ulpDiff"] { #expect(mismatch[key] != nil) }
        #expect(cases[1]["problems"] == .array([.object([
            "tensor": .string("outputs/y"), "kind": .string("nonFinite"),
            "details": .string("NaN/±Inf positions differ at 1 of 24 elements"),
        ])]))
        #expect(cases[2]["problems"]?.arrayValue?.first?["tensor"] == .null)
        // `headroom` is the one-release alias of `fractionOfAllowedUsed`.
        #expect(cases[0]["fractionOfAllowedUsed"] == .int(0))
        #expect(cases[0]["headroom"] == cases[0]["fractionOfAllowedUsed"])

        let xml = JUnitReport.render(report)
        #expect(xml.contains(#"<testsuites name="keras-conformance" tests="3" failures="1" errors="1">"#))
        #expect(xml.contains(#"<testcase classname="tensorflow.Scale" name="good [tensorflow]" time=""#))
        #expect(xml.contains(#"<testsuite name="tensorflow" tests="3" failures="1" errors="1" skipped="0" time=""#))
        #expect(xml.contains(#"<failure message="outputs/y: NaN/±Inf positions differ at 1 of 24 elements">"#))
        #expect(xml.contains("<error message="))

        let text = TextReport.render(report)
        #expect(text.contains("FAIL  bad [tensorflow] Scale"))
        #expect(text.hasSuffix("3 cases: 1 passed, 1 failed, 1 errors\n"))
        let md = MarkdownReport.render(report)
        #expect(md.contains("### `bad` (tensorflow)"))
        #expect(md.contains("| Scale | 2 | 1 | 1 | 0 | 0 | 0 | 0 | 0 |"))
        #expect(md.contains("| Broken | 1 | 0 | 0 | 1 | 0 | 0 | - | 0 |"))
        #expect(md.hasSuffix("""
            ## Failures and errors

            - `FAILED bad [tensorflow] outputs/y: NaN/±Inf positions differ at 1 of 24 elements; worst (0, 0, 1): actual -13, expected nan`
            - `ERROR  broken [tensorflow] the layer threw: the fake layer broke`

            """))
    }

    @Test func textOutputEndsWithTheLayerTableAndWhatBroke() {
        var off = (0..<24).map { (Double($0) - 7.5) * 2 }
        off[5] += 0.5
        off[7] += 0.25
        let report = RunReport(implementation: "Fake", files: [], cases: [
            runner.run(scaleCase(id: "good")), runner.run(scaleCase(id: "off", backend: "jax", output: off)),
        ])
        let text = TextReport.render(report)
        #expect(text.hasSuffix("""
            Per layer:
              layer  case runs  passed  failed  errors  max used of allowed  max abs diff  max ULP  max backend spread
              Scale  2          1       1       0       3.15e+04             0.5           4194304  0

            Failures and errors:
            FAILED off [jax] outputs/y: values differ at 2 of 24 elements (8.33%); worst (0, 1, 1): actual -5, expected -4.5, |diff| 0.5, allowed 1.58e-05

            2 cases: 1 passed, 1 failed, 0 errors

            """))
    }

    @Test func controlCharactersInIDsAndMessagesAreEscaped() {
        let hostile = "a\u{1B}[2J\nFAIL|b\u{202E}c"
        let report = RunReport(implementation: "Fake", files: [], cases: [
            runner.run(scaleCase(id: hostile, layer: "Broken\r")),
        ])
        let escaped = "a\\u{1B}[2J\\nFAIL|b\\u{202E}c"
        let text = TextReport.render(report)
        #expect(text.contains("ERROR \(escaped) [tensorflow] Broken\\r: layer Broken\\r is not implemented by Fake"))
        let md = MarkdownReport.render(report)
        for output in [text, md] {
            #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E || $0 == "\r" })
        }
        #expect(md.contains("- `ERROR  a\\u{1B}[2J\\nFAIL|b\\u{202E}c [tensorflow]"))
        #expect(md.contains("| Broken\\r | 1 | 0 | 0 | 1 |"))
    }
}
