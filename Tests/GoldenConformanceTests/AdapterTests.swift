import Conformance
import KerasJSON
import KerasLayers
import KerasLayersConformance
import ReferenceData
import Testing

/// The adapter's checks before a layer runs: unknown config keys (issue 11), the expected
/// output shape and the memory budget (issue 9).
@Suite struct AdapterTests {
    static let input = ReferenceTensor(shape: [2, 4, 3], elementType: .float32, values: (0..<24).map(Double.init))

    static func invocation(_ config: String, strict: Bool = false, budget: Int? = nil, expected: [Int]? = nil) throws -> LayerInvocation {
        LayerInvocation(
            layer: "MaxPooling1D", config: try JSONValue(parsing: config), call: .object([:]), input: input,
            strictConfig: strict, memoryBudget: budget, expectedOutputShape: expected)
    }

    @Test("an unknown config key is a warning, and an error naming it under --strict-config")
    func unknownKeys() throws {
        let implementation = KerasLayersImplementation()
        let result = try implementation.run(try Self.invocation(#"{"pool_size": 2, "pool_szie": 3}"#))
        #expect(result.output.shape == [2, 2, 3])
        #expect(result.warnings.count == 1 && result.warnings[0].contains("'pool_szie'"), "\(result.warnings)")
        #expect(try implementation.run(try Self.invocation(#"{"pool_size": 2, "name": "m"}"#)).warnings == [])
        do {
            _ = try implementation.run(try Self.invocation(#"{"pool_size": 2, "pool_szie": 3}"#, strict: true))
            Issue.record("--strict-config accepted an unknown key")
        } catch let error as KerasLayerError {
            guard case .invalidConfig(_, let argument, _) = error else { Issue.record("\(error)"); return }
            #expect(argument == "pool_szie")
        }
    }

    @Test("a wrong expected output shape fails before the layer allocates, whatever the output would cost")
    func expectedShape() throws {
        let implementation = KerasLayersImplementation()
        #expect(throws: KerasLayerError.outputShapeMismatch(layer: "MaxPooling1D", computed: [2, 2, 3], expected: [2, 3, 3])) {
            try implementation.run(try Self.invocation(#"{"pool_size": 2}"#, expected: [2, 3, 3]))
        }
        // An adaptive layer asked for 10^12 outputs: the shape disagrees, so nothing is attempted.
        var huge = try Self.invocation(#"{"output_size": 1000000000000}"#, expected: [2, 5, 3])
        huge.layer = "AdaptiveMaxPooling1D"
        #expect(throws: KerasLayerError.self) { try implementation.run(huge) }
        #expect(try implementation.run(try Self.invocation(#"{"pool_size": 2}"#, expected: [2, 2, 3])).output.shape == [2, 2, 3])
    }

    @Test("the memory budget applies to the adapter's copies and the layer's buffers")
    func budget() throws {
        let implementation = KerasLayersImplementation()
        #expect(throws: KerasLayerError.self) { try implementation.run(try Self.invocation(#"{"pool_size": 2}"#, budget: 64)) }
        #expect(try implementation.run(try Self.invocation(#"{"pool_size": 2}"#, budget: 4096)).output.shape == [2, 2, 3])
    }
}
