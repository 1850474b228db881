import Foundation
import KerasJSON
import Testing

/// `--layer` and `--backend` select cases by Keras class and backend; a selection that checks
/// nothing exits 2, as an empty folder does.
@Suite struct CaseSelectionTests {
    let cli = CommandLineTests()

    func cases(_ arguments: [String]) throws -> [JSONValue] {
        let outcome = try cli.run(["run"] + arguments + ["--format", "json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return try #require(try JSONValue(parsing: outcome.stdout)["cases"]?.arrayValue)
    }

    @Test func layerSelectsByTheWholeClassName() throws {
        let unit = try cases(["--layer", "UnitNormalization"])
        #expect(!unit.isEmpty)
        #expect(unit.allSatisfy { $0["layer"] == .string("UnitNormalization") })
        // A whole-name match: MaxPooling2D does not select GlobalMaxPooling2D.
        let max2D = try cases(["--layer", "MaxPooling2D"])
        #expect(!max2D.isEmpty)
        #expect(max2D.allSatisfy { $0["layer"] == .string("MaxPooling2D") })
        let pooling2D = try cases(["--layer", ".*Pooling2D"])
        let classes = Set(pooling2D.compactMap { $0["layer"]?.stringValue })
        #expect(classes.isSuperset(of: ["MaxPooling2D", "GlobalMaxPooling2D"]))
    }

    @Test func backendSelectsByBackend() throws {
        let both = try cases(["--layer", "UnitNormalization"])
        let jax = try cases(["--layer", "UnitNormalization", "--backend", "jax"])
        #expect(jax.allSatisfy { $0["backend"] == .string("jax") })
        #expect(jax.count * 2 == both.count)
        let again = try cases(["--layer", "UnitNormalization", "--backend", "jax", "--backend", "tensorflow"])
        #expect(again.count == both.count)
    }

    @Test func listHonoursTheSelection() throws {
        let list = try cli.run(["list", "--layer", "UnitNormalization", "--backend", "tensorflow"])
        #expect(list.status == 0)
        let rows = list.stdout.split(separator: "\n").dropLast()
        #expect(!rows.isEmpty)
        #expect(rows.allSatisfy { $0.contains("  UnitNormalization  tensorflow  ") }, "\(list.stdout)")
    }

    @Test(arguments: [
        ["run", "--layer", "NoSuchLayer"], ["run", "--backend", "torch"], ["run", "--filter", "^no-such-case$"],
        ["run", "--layer", "UnitNormalization", "--exclude", "."], ["report", "--backend", "torch"],
    ])
    func aSelectionThatChecksNothingExitsTwo(_ arguments: [String]) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString).md").path
        let outcome = try cli.run(arguments + (arguments[0] == "report" ? ["--output", output] : []))
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("nothing to check: no case in golden matches"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func anInvalidLayerPatternIsRejected() throws {
        let outcome = try cli.run(["run", "--layer", "("])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("--layer '(' is not a valid regular expression"))
    }
}
