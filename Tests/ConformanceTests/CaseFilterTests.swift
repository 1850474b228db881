import Conformance
import Testing

/// Selection by Keras class (whole name) and backend, on top of the id patterns.
@Suite struct CaseFilterTests {
    @Test func layerMatchesTheWholeClassName() throws {
        let f = try CaseFilter(layer: "MaxPooling2D")
        #expect(f.selects("a", layer: "MaxPooling2D", backend: "jax"))
        #expect(!f.selects("a", layer: "GlobalMaxPooling2D", backend: "jax"))
        #expect(!f.selects("a", layer: "MaxPooling2DX", backend: "jax"))
        let any2D = try CaseFilter(layer: ".*Pooling2D")
        #expect(any2D.selects("a", layer: "GlobalMaxPooling2D", backend: "jax"))
        #expect(throws: (any Error).self) { try CaseFilter(layer: "(") }
    }

    /// An unreadable case has no class to match: it stays in, so its error is reported.
    @Test func anUnreadableCaseIsNeverDroppedByLayer() throws {
        #expect(try CaseFilter(layer: "MaxPooling2D").selects("a", layer: nil, backend: "jax"))
    }

    @Test func backendsAndIDPatternsCombine() throws {
        let f = try CaseFilter(include: "^max", backends: ["tensorflow"])
        #expect(f.selects("max.a", layer: "MaxPooling1D", backend: "tensorflow"))
        #expect(!f.selects("max.a", layer: "MaxPooling1D", backend: "jax"))
        #expect(!f.selects("avg.a", layer: "AveragePooling1D", backend: "tensorflow"))
        #expect(!(try CaseFilter(backends: ["tensorflow"]).selects("a", layer: nil, backend: "jax")))
    }
}
