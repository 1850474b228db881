import Testing
import KerasJSON
@testable import KerasLayers

/// Config decoding with Keras's own validation rules (standardize_tuple, standardize_padding,
/// standardize_data_format), independent of any one layer.
@Suite struct LayerConfigTests {
    func config(_ json: String) throws -> LayerConfig {
        try LayerConfig(layer: "TestLayer", json: json)
    }

    @Test func intTupleAcceptsAnIntOrAListOfExactlyN() throws {
        let c = try config(#"{"a": 2, "b": [3, 4], "c": [1, 2, 3], "d": null}"#)
        #expect(try c.intTuple("a", count: 3) == [2, 2, 2])
        #expect(try c.intTuple("b", count: 2) == [3, 4])
        #expect(try c.intTuple("d", count: 2) == nil)
        #expect(try c.intTuple("missing", count: 2) == nil)
        #expect(
            throws: KerasLayerError.invalidConfig(
                layer: "TestLayer", argument: "c",
                message: "The `c` argument must be a tuple of 2 integers. Received c=[1, 2, 3]")
        ) {
            try c.intTuple("c", count: 2)
        }
    }

    @Test(arguments: [#"{"pool_size": 0}"#, #"{"pool_size": [2, -1]}"#, #"{"pool_size": [2, 2.5]}"#, #"{"pool_size": "2"}"#])
    func intTupleRejectsWhatKerasRejects(_ json: String) throws {
        let c = try config(json)
        #expect(throws: KerasLayerError.self) { try c.intTuple("pool_size", count: 2) }
    }

    @Test func zeroIsAllowedOnlyWhenAsked() throws {
        let c = try config(#"{"p": [0, 1]}"#)
        #expect(try c.intTuple("p", count: 2, allowZero: true) == [0, 1])
        do {
            _ = try c.intTuple("p", count: 2)
            Issue.record("zero accepted")
        } catch {
            #expect(error.description.contains("that do not satisfy `value > 0`"))
        }
    }

    @Test func dataFormatNullMeansChannelsLast() throws {
        #expect(try config(#"{"data_format": null}"#).dataFormat() == .channelsLast)
        #expect(try config("{}").dataFormat() == .channelsLast)
        #expect(try config(#"{"data_format": "Channels_First"}"#).dataFormat() == .channelsFirst)
        #expect(throws: KerasLayerError.self) { try config(#"{"data_format": "nhwc"}"#).dataFormat() }
    }

    @Test func paddingIsCaseInsensitiveValidOrSame() throws {
        #expect(try config(#"{"padding": "SAME"}"#).padding() == .same)
        #expect(try config("{}").padding() == .valid)
        #expect(throws: KerasLayerError.self) { try config(#"{"padding": "causal"}"#).padding() }
        #expect(throws: KerasLayerError.self) { try config(#"{"padding": "full"}"#).padding() }
    }

    @Test func scalarsAndAxes() throws {
        let c = try config(#"{"e": 0.001, "i": 3, "b": true, "axis": [-1, 1], "one": -2, "bad": "x"}"#)
        #expect(try c.double("e", default: 0) == 0.001)
        #expect(try c.double("i", default: 0) == 3)
        #expect(try c.int("i", default: 0) == 3)
        #expect(try c.bool("b", default: false))
        #expect(try c.axes("axis") == [-1, 1])
        #expect(try c.axes("one") == [-2])
        #expect(try c.axes("none") == nil)
        #expect(throws: KerasLayerError.self) { try c.int("e", default: 0) }
        #expect(throws: KerasLayerError.self) { try c.bool("bad", default: false) }
        #expect(throws: KerasLayerError.self) { try c.axes("bad") }
    }

    @Test func dtypePolicyFromAStringOrASerializedPolicy() throws {
        let keras = #"{"dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"}, "registered_name": null}}"#
        #expect(try config(keras).dtypePolicy() == .float64)
        #expect(try config(#"{"dtype": "mixed_bfloat16"}"#).dtypePolicy() == .mixedBFloat16)
        #expect(try config(#"{"dtype": "double"}"#).dtypePolicy() == .float64)
        #expect(try config("{}").dtypePolicy() == .float32)
        #expect(try config(#"{"dtype": null}"#).dtypePolicy() == .float32)
    }

    @Test(arguments: [
        #"{"dtype": "float8"}"#, #"{"dtype": "int8_from_float32"}"#, #"{"dtype": 3}"#,
        #"{"dtype": {"class_name": "QuantizedDTypePolicy", "config": {"name": "int8_from_float32"}}}"#,
        #"{"dtype": {"class_name": "DTypePolicy", "config": {}}}"#,
    ])
    func unknownDTypePolicyIsAConfigErrorNamingIt(json: String) throws {
        let error = #expect(throws: KerasLayerError.self, "\(json)") { try config(json).dtypePolicy() }
        guard case .invalidConfig(_, let argument, let message)? = error else {
            Issue.record("\(json): \(String(describing: error))")
            return
        }
        #expect(argument == "dtype", "\(json)")
        #expect(["float8", "int8_from_float32", "3", "config.name"].contains { message.contains($0) }, "\(json): \(message)")
    }

    @Test func everyPolicyKerasNamesHasItsComputeAndVariableType() {
        for policy in DTypePolicy.supported {
            #expect(DTypePolicy(name: policy.name) == policy)
            let expectedCompute = policy.name.replacingOccurrences(of: "mixed_", with: "")
            #expect(policy.computeDType.rawValue == expectedCompute, "\(policy)")
            #expect(policy.variableDType.rawValue == (policy.isMixed ? "float32" : expectedCompute), "\(policy)")
        }
    }

    @Test func configMustBeAJSONObject() {
        #expect(throws: KerasLayerError.self) { try LayerConfig(layer: "X", json: "[1, 2]") }
        #expect(throws: KerasLayerError.self) { try LayerConfig(layer: "X", json: "{not json") }
    }

    @Test func registryResolvesAliasesAndRejectsUnknownClasses() throws {
        #expect(LayerRegistry.canonicalName("MaxPool2D") == "MaxPooling2D")
        #expect(LayerRegistry.canonicalName("GlobalAvgPool3D") == "GlobalAveragePooling3D")
        #expect(throws: KerasLayerError.unknownLayer("Conv2D")) {
            try LayerRegistry.makeLayer(className: "Conv2D", config: .object([:]))
        }
    }
}
