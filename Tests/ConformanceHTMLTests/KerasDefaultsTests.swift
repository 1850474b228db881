import KerasJSON
import Testing
@testable import ConformanceHTML

/// The defaults table the HTML report folds configs with, and the escaping of what it takes from the run.
@Suite struct KerasDefaultsTests {
    @Test func everyClassInTheTableParsesBeyondTheCommonKeys() {
        #expect(KerasDefaults.classes.count == 24)
        for layer in KerasDefaults.classes {
            let defaults = KerasDefaults.defaults(for: layer)
            #expect(defaults["trainable"] == .bool(true), "\(layer)")
            #expect(defaults["dtype"]?["config"]?["name"] == .string("float32"), "\(layer)")
            #expect(defaults.count > 2, "\(layer): its own defaults did not parse")
        }
    }

    @Test func foldsKerasDefaultsAndStridesEqualToPoolSize() throws {
        let config = try #require(
            try JSONValue(
                parsing: """
                    {"name": "m", "pool_size": [3, 3], "strides": [3, 3], "padding": "same", "data_format": "channels_last",
                     "trainable": true}
                    """
            ).objectValue)
        #expect(KerasDefaults.isDefault("strides", in: config, layer: "MaxPooling2D"))
        #expect(KerasDefaults.isDefault("data_format", in: config, layer: "MaxPooling2D"))
        #expect(KerasDefaults.isDefault("trainable", in: config, layer: "MaxPooling2D"))
        #expect(!KerasDefaults.isDefault("padding", in: config, layer: "MaxPooling2D"))
        #expect(!KerasDefaults.isDefault("pool_size", in: config, layer: "MaxPooling2D"))
        var other = config
        other["strides"] = .array([.int(1), .int(1)])
        #expect(!KerasDefaults.isDefault("strides", in: other, layer: "MaxPooling2D"))
        let epsilon = try #require(try JSONValue(parsing: #"{"epsilon": 0.001}"#).objectValue)
        #expect(KerasDefaults.isDefault("epsilon", in: epsilon, layer: "LayerNormalization"))
        #expect(!KerasDefaults.isDefault("epsilon", in: epsilon, layer: "RMSNormalization"))
    }

    @Test func anchorsAndAttributesNeedNoFurtherEscaping() {
        #expect(HTMLEscaping.anchor("doc-1.1_ex1") == "doc-1.1__ex1")
        #expect(HTMLEscaping.anchor("a b") != HTMLEscaping.anchor("a_b"))
        #expect(HTMLEscaping.anchor("a\"<b>") == "a_x22__x3c_b_x3e_")
        #expect(HTMLEscaping.attribute("x\"<&>") == "x&quot;&lt;&amp;&gt;")
    }
}
