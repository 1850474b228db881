import Testing
import KerasJSON
import ReferenceData
@testable import Conformance

/// A stand-in implementation: `Scale` multiplies the input by its config's `factor` and,
/// with `training`, returns `counter` + 1 as an update, and warns about other config keys;
/// `Broken` throws (with its config's `reason`, when it has one).
struct FakeImplementation: LayerImplementation {
    struct Failure: Error, CustomStringConvertible {
        var reason: String?
        var description: String { "the fake layer broke" + (reason.map { ": " + $0 } ?? "") }
    }

    var name: String { "Fake" }

    func implements(layer: String) -> Bool { layer == "Scale" || layer == "Broken" }

    func run(_ invocation: LayerInvocation) throws -> LayerResult {
        guard invocation.layer == "Scale" else { throw Failure(reason: invocation.config["reason"]?.stringValue) }
        let factor = invocation.config["factor"]?.doubleValue ?? 1
        var updated: [String: ReferenceTensor] = [:]
        if invocation.call["training"]?.boolValue == true, let counter = invocation.weights["counter"] {
            updated["counter"] = ReferenceTensor(shape: counter.shape, elementType: .float32, values: counter.values.map { $0 + 1 })
        }
        let x = invocation.input
        let unknown = invocation.config.objectValue?.keys.filter { $0 != "factor" }.sorted() ?? []
        return LayerResult(
            output: ReferenceTensor(shape: x.shape, elementType: .float32, values: x.values.map { Double(Float($0 * factor)) }),
            updated: updated, warnings: unknown.map { "unknown config key '\($0)'" })
    }
}

@Suite struct RunnerTests {
    let runner = ConformanceRunner(implementation: FakeImplementation())

    func tensor(_ values: [Double], _ shape: [Int]) -> ReferenceTensor {
        ReferenceTensor(shape: shape, elementType: .float32, values: values)
    }

    /// The scale case on two backends that disagree at element 3 by 1e-3 (tensorflow 5e-4 below,
    /// jax 5e-4 above the fake implementation's exact result).
    func disagreeingBackends() -> (tensorflow: GoldenCase, jax: GoldenCase) {
        var tfOut = (0..<24).map { (Double($0) - 7.5) * 2 }
        var jaxOut = tfOut
        tfOut[3] -= 5e-4
        jaxOut[3] += 5e-4
        return (scaleCase(backend: "tensorflow", output: tfOut), scaleCase(backend: "jax", output: jaxOut))
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

    @Test func aLayerThatIsNotImplementedIsSkipped() {
        let result = runner.run(scaleCase(layer: "Conv2D"))
        #expect(result.status == .skipped)
        #expect(result.problems == [CaseProblem(kind: .notImplemented, details: "layer Conv2D is not implemented by Fake")])
    }

    /// An implementation that declines a call (here: a factor it does not have) is skipped with its
    /// reason, whatever Keras's output; the calls it takes are judged as before.
    @Test func aDeclinedCallIsSkippedWithTheReason() {
        struct IntegerFactorsOnly: LayerImplementation {
            var name: String { "IntegerFactorsOnly" }
            func implements(layer: String) -> Bool { FakeImplementation().implements(layer: layer) }
            func declines(_ invocation: LayerInvocation) -> String? {
                invocation.config["factor"]?.intValue == nil ? "a factor that is not an integer" : nil
            }
            func run(_ invocation: LayerInvocation) throws -> LayerResult { try FakeImplementation().run(invocation) }
        }
        let runner = ConformanceRunner(implementation: IntegerFactorsOnly())
        var c = scaleCase(output: (0..<24).map { Double($0) })
        c.config = .object(["factor": .double(2.5)])
        let result = runner.run(c)
        #expect(result.status == .skipped)
        #expect(result.problems == [CaseProblem(kind: .declined, details: "IntegerFactorsOnly declines this call: a factor that is not an integer")])
        #expect(runner.run(scaleCase()).status == .passed)
        #expect(runner.run(scaleCase(output: (0..<24).map { Double($0) })).status == .failed)
        let text = TextReport.render(RunReport(implementation: "IntegerFactorsOnly", files: [], cases: [result]))
        #expect(text.contains("Skipped (calls IntegerFactorsOnly declines): Scale (1)"), "\(text)")
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
        let (tf, jax) = disagreeingBackends()
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
        let report = RunReport(
            implementation: "Fake", files: [],
            cases: [
                runner.run(scaleCase(id: "good")), runner.run(scaleCase(id: "bad", output: bad)),
                runner.run(scaleCase(id: "broken", layer: "Broken")),
            ])
        let json = try JSONValue(parsing: JSONReport.render(report))
        #expect(
            json["summary"]
                == .object([
                    "total": .int(3), "passed": .int(1), "failed": .int(1), "errors": .int(1), "skipped": .int(0),
                    "disputed": .int(0), "disputedElements": .int(0), "arbitratedElements": .int(0),
                    "offOracleElements": .int(0),
                    "forward": .object([
                        "total": .int(3), "passed": .int(1), "failed": .int(1), "errors": .int(1), "skipped": .int(0),
                    ]),
                    "backward": .object([
                        "total": .int(0), "passed": .int(0), "failed": .int(0), "errors": .int(0), "skipped": .int(0),
                    ]),
                ]))
        let cases = try #require(json["cases"]?.arrayValue)
        #expect(cases.count == 3)
        for c in cases {
            for key in [
                "id", "backend", "layer", "status", "elements", "mismatched", "maxAbsDiff", "maxRelDiff",
                "maxUlpDiff", "spread", "message", "mismatches",
            ] {
                #expect(c[key] != nil, "JSON case lacks \(key)")
            }
        }
        #expect(cases.map { $0["status"]?.stringValue } == ["passed", "failed", "error"])
        let mismatch = try #require(cases[1]["mismatches"]?.arrayValue?.first)
        #expect(mismatch["index"] == .array([.int(0), .int(0), .int(1)]))
        #expect(mismatch["expected"] == .string("NaN"))
        for key in ["index", "actual", "expected", "absDiff", "relDiff", "ulpDiff"] { #expect(mismatch[key] != nil) }
        #expect(
            cases[1]["problems"]
                == .array([
                    .object([
                        "tensor": .string("outputs/y"), "kind": .string("nonFinite"),
                        "details": .string("NaN/±Inf positions differ at 1 of 24 elements"),
                    ])
                ]))
        #expect(cases[2]["problems"]?.arrayValue?.first?["tensor"] == .null)
        #expect(cases[0]["fractionOfAllowedUsed"] == .int(0))
        // The one-release alias `headroom` of `fractionOfAllowedUsed` is gone.
        #expect(cases[0]["headroom"] == nil)

        let xml = JUnitReport.render(report)
        #expect(xml.contains(#"<testsuites name="keras-conformance" tests="3" failures="1" errors="1" skipped="0">"#))
        #expect(xml.contains(#"<testcase classname="tensorflow.Scale" name="good [tensorflow]" time=""#))
        #expect(xml.contains(#"<testsuite name="tensorflow" tests="3" failures="1" errors="1" skipped="0" time=""#))
        #expect(xml.contains(#"<failure message="outputs/y: NaN/±Inf positions differ at 1 of 24 elements">"#))
        #expect(xml.contains("<error message="))

        let text = TextReport.render(report)
        #expect(text.contains("FAIL  bad [tensorflow] Scale"))
        #expect(text.hasSuffix("3 cases: 1 passed, 1 failed, 1 errors\n"))
        let md = MarkdownReport.render(report)
        #expect(md.contains("### `bad` (tensorflow)"))
        #expect(md.contains("| Scale | 2 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"))
        #expect(md.contains("| Broken | 1 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | - | 0 |"))
        #expect(
            md.hasSuffix(
                """
                ## Failures and errors

                - `FAILED bad [tensorflow] outputs/y: NaN/±Inf positions differ at 1 of 24 elements; worst (0, 0, 1): actual -13, expected nan`
                - `ERROR  broken [tensorflow] the layer threw: the fake layer broke`

                """))
    }

    @Test func textOutputEndsWithTheLayerTableAndWhatBroke() {
        var off = (0..<24).map { (Double($0) - 7.5) * 2 }
        off[5] += 0.5
        off[7] += 0.25
        let report = RunReport(
            implementation: "Fake", files: [],
            cases: [
                runner.run(scaleCase(id: "good")), runner.run(scaleCase(id: "off", backend: "jax", output: off)),
            ])
        let text = TextReport.render(report)
        #expect(
            text.hasSuffix(
                """
                Per layer:
                  layer  case runs  passed  failed  errors  skipped  backward  bw passed  bw failed  bw errors  bw skipped  disputed  off oracle  max used of allowed  max abs diff  max ULP  max backend spread
                  Scale  2          1       1       0       0        0         0          0          0          0           0         0           3.15e+04             0.5           4194304  0

                Failures and errors:
                FAILED off [jax] outputs/y: values differ at 2 of 24 elements (8.33%); worst (0, 1, 1): actual -5, expected -4.5, |diff| 0.5, allowed 1.58e-05

                2 cases: 1 passed, 1 failed, 0 errors

                """))
    }

    @Test func controlCharactersInIDsAndMessagesAreEscaped() {
        let hostile = "a\u{1B}[2J\nFAIL|b\u{202E}c"
        var c = scaleCase(id: hostile, layer: "Broken")
        c.config = .object(["reason": .string("x\ry\u{7}")])
        let report = RunReport(implementation: "Fake", files: [], cases: [runner.run(c)])
        let escaped = "a\\u{1B}[2J\\nFAIL|b\\u{202E}c"
        let text = TextReport.render(report)
        #expect(text.contains("ERROR \(escaped) [tensorflow] Broken: the layer threw: the fake layer broke: x\\ry\\u{7}"))
        let md = MarkdownReport.render(report)
        for output in [text, md] {
            #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E || $0 == "\r" || $0.value == 7 })
        }
        #expect(md.contains("- `ERROR  a\\u{1B}[2J\\nFAIL|b\\u{202E}c [tensorflow] the layer threw: the fake layer broke: x\\ry\\u{7}`"))
        #expect(MarkdownReport.renderLayerSummary(report).contains("| error | error | - | `a\\u{1B}[2J\\nFAIL\\|b\\u{202E}c` | tensorflow | Broken |"))
    }

    @Test func skippedCasesAreCountedAndShownButNeitherFailuresNorErrors() throws {
        let report = RunReport(
            implementation: "Fake", files: [],
            cases: [
                runner.run(scaleCase(id: "good")), runner.run(scaleCase(id: "conv", layer: "Conv2D")),
            ])
        #expect(report.allPassed)
        #expect(report.summary.line == "2 cases: 1 passed, 0 failed, 0 errors, 1 skipped")
        let text = TextReport.render(report)
        #expect(text.contains("Skipped (layers Fake does not have): Conv2D (1)"))
        #expect(!text.contains("Failures and errors:"))
        #expect(text.contains("  Conv2D  1          0       0       0       1        0"))
        let xml = JUnitReport.render(report)
        #expect(xml.contains(#"<testsuites name="keras-conformance" tests="2" failures="0" errors="0" skipped="1">"#))
        #expect(xml.contains(#"<skipped message="layer Conv2D is not implemented by Fake"/>"#))
        let json = try JSONValue(parsing: JSONReport.render(report))
        #expect(json["summary"]?["skipped"] == .int(1))
        #expect(json["cases"]?.arrayValue?.map { $0["status"] } == [.string("passed"), .string("skipped")])
        #expect(MarkdownReport.render(report).contains("**2 cases: 1 passed, 0 failed, 0 errors, 1 skipped**"))
    }

    @Test func exactTurnsOffTheEnvelope() {
        let (tf, jax) = disagreeingBackends()
        let exact = ConformanceRunner(implementation: FakeImplementation(), toleranceOverride: .init(exact: true))
        let result = exact.run(tf, references: [jax])
        #expect(result.status == .failed)
        #expect(result.spread == 0)
        // Bit-exact: atol 0, rtol 0 and no widening fails a one-ULP difference...
        var oneULP = (0..<24).map { (Double($0) - 7.5) * 2 }
        oneULP[0] = Double(Float(oneULP[0]).nextUp)
        let bitExact = ConformanceRunner(implementation: FakeImplementation(), toleranceOverride: .init(atol: 0, rtol: 0, exact: true))
        #expect(bitExact.run(scaleCase(output: oneULP)).mismatched == 1)
        // ...and passes identical values.
        #expect(bitExact.run(scaleCase()).status == .passed)
    }

    @Test func everyReportSaysWhichAllowancesApplied() throws {
        for (tolerance, expected) in [
            (
                ToleranceOverride(),
                ["reference envelope: on", "cancellation bound: on", "float64 oracle in the envelope: on", "per element type (float32 atol 1e-05 rtol 1.3e-06"]
            ),
            (
                ToleranceOverride(atol: 0, rtol: 0, exact: true),
                [
                    "tolerance: atol 0 rtol 0 for every case", "reference envelope: off (--exact)", "cancellation bound: off (--exact)",
                    "float64 oracle in the envelope: off (--exact)",
                ]
            ),
        ] {
            let report = RunReport(implementation: "Fake", files: [], cases: [runner.run(scaleCase())], tolerance: tolerance)
            let json = try JSONValue(parsing: JSONReport.render(report))
            #expect(json["allowances"]?["exact"] == .bool(tolerance.exact))
            for output in [
                TextReport.render(report), MarkdownReport.render(report), MarkdownReport.renderLayerSummary(report),
                JUnitReport.render(report), json["allowances"]?["description"]?.jsonText ?? "",
            ] {
                for phrase in expected { #expect(output.contains(phrase), "\(output)") }
            }
        }
    }

    @Test func implementationWarningsAreShownInEveryReport() throws {
        var c = scaleCase(id: "typo")
        c.config = .object(["factor": .int(2), "pool_sise": .int(2)])
        let result = runner.run(c)
        #expect(result.status == .passed)
        #expect(result.warnings == ["unknown config key 'pool_sise'"])
        let report = RunReport(implementation: "Fake", files: [], cases: [result])
        #expect(TextReport.render(report).contains("      warning: unknown config key 'pool_sise'"))
        #expect(MarkdownReport.render(report).contains("- `typo` (tensorflow): unknown config key 'pool_sise'"))
        #expect(MarkdownReport.renderLayerSummary(report).contains("unknown config key 'pool_sise'"))
        #expect(JUnitReport.render(report).contains("<system-out>warning: unknown config key &apos;pool_sise&apos;</system-out>"))
        let json = try JSONValue(parsing: JSONReport.render(report))
        #expect(json["cases"]?.arrayValue?.first?["warnings"] == .array([.string("unknown config key 'pool_sise'")]))
    }

    /// The golden file's `cancellation/outputs/y` is added per element; `exact` drops it; one of
    /// another shape is not used, and the result says so.
    @Test func theCancellationBoundIsReadFromTheGoldenFile() {
        var expected = (0..<24).map { (Double($0) - 7.5) * 2 }
        expected[2] += 1e-3
        var c = scaleCase(output: expected)
        #expect(runner.run(c).status == .failed)
        var bound = Array(repeating: 0.0, count: 24)
        bound[2] = 2e-3
        c.cancellation = ["outputs/y": ReferenceTensor(shape: [2, 3, 4], elementType: .float64, values: bound)]
        let widened = runner.run(c)
        #expect(widened.status == .passed)
        #expect(abs(widened.fractionOfAllowedUsed - 1e-3 / (2e-3 + 1e-5 + 1.3e-6 * 10.999)) < 1e-9)
        let exact = ConformanceRunner(implementation: FakeImplementation(), toleranceOverride: .init(exact: true))
        #expect(exact.run(c).status == .failed)
        c.cancellation = ["outputs/y": ReferenceTensor(shape: [24], elementType: .float64, values: bound)]
        let misshapen = runner.run(c)
        #expect(misshapen.status == .failed)
        #expect(misshapen.notes == ["cancellation/outputs/y has shape (24,), not (2, 3, 4); not used"])
    }

    /// The runner hands the case's `oracle/outputs/y` and the other backend to the comparator.
    @Test func theOracleFromTheGoldenFileArbitrates() {
        let right = (0..<24).map { (Double($0) - 7.5) * 2 }
        var wrong = right
        wrong[4] = .nan
        let oracle = ["outputs/y": ReferenceTensor(shape: [2, 3, 4], elementType: .float64, values: right)]
        var jax = scaleCase(backend: "jax", output: wrong)
        jax.oracle = oracle
        var tf = scaleCase(backend: "tensorflow", output: right)
        tf.oracle = oracle
        let onJAX = runner.run(jax, references: [tf])
        #expect(onJAX.status == .passed)
        #expect(onJAX.disputed == 1 && onJAX.arbitrated == 1 && onJAX.kerasBugCandidates == ["jax"])
        let onTF = runner.run(tf, references: [jax])
        #expect(onTF.status == .passed && onTF.disputed == 1 && onTF.kerasBugCandidates == ["jax"])
    }
}
