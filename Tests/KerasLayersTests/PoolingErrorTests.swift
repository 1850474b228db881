import Testing
import KerasJSON
@testable import KerasLayers

/// A config Keras (or every Keras backend) rejects, and the argument the error must name.
struct PoolingBadConfig: Sendable, CustomTestStringConvertible {
    var className: String
    var json: String
    var argument: String
    var testDescription: String { "\(className) \(json) → `\(argument)`" }
}

@Suite("Pooling: errors")
struct PoolingErrorTests {
    static let badConfigs: [PoolingBadConfig] = [
        // pool_size: standardize_tuple(..., allow_zero=False)
        PoolingBadConfig(className: "MaxPooling2D", json: #"{"pool_size": 0}"#, argument: "pool_size"),
        PoolingBadConfig(className: "MaxPooling2D", json: #"{"pool_size": [2, -1]}"#, argument: "pool_size"),
        PoolingBadConfig(className: "MaxPooling1D", json: #"{"pool_size": [2, 2]}"#, argument: "pool_size"),
        PoolingBadConfig(className: "AveragePooling3D", json: #"{"pool_size": [2, 2]}"#, argument: "pool_size"),
        PoolingBadConfig(className: "AveragePooling2D", json: #"{"pool_size": "2"}"#, argument: "pool_size"),
        PoolingBadConfig(className: "AveragePooling2D", json: #"{"padding": "same"}"#, argument: "pool_size"),
        // strides: negative (standardize_tuple) or zero (every backend rejects it)
        PoolingBadConfig(className: "MaxPooling2D", json: #"{"pool_size": 2, "strides": -1}"#, argument: "strides"),
        PoolingBadConfig(className: "MaxPooling2D", json: #"{"pool_size": 2, "strides": [1, 0]}"#, argument: "strides"),
        PoolingBadConfig(className: "AveragePooling1D", json: #"{"pool_size": 2, "strides": 0}"#, argument: "strides"),
        PoolingBadConfig(className: "MaxPooling3D", json: #"{"strides": [1, 1]}"#, argument: "strides"),
        // padding / data_format
        PoolingBadConfig(className: "MaxPooling1D", json: #"{"padding": "causal"}"#, argument: "padding"),
        PoolingBadConfig(className: "AveragePooling2D", json: #"{"pool_size": 2, "padding": "full"}"#, argument: "padding"),
        PoolingBadConfig(className: "MaxPooling2D", json: #"{"data_format": "channels_middle"}"#, argument: "data_format"),
        PoolingBadConfig(className: "GlobalMaxPooling2D", json: #"{"data_format": "NHWC"}"#, argument: "data_format"),
        PoolingBadConfig(className: "GlobalAveragePooling1D", json: #"{"keepdims": "yes"}"#, argument: "keepdims"),
        // adaptive: output_size and Keras's case-sensitive data_format check
        PoolingBadConfig(className: "AdaptiveMaxPooling2D", json: #"{"output_size": 0}"#, argument: "output_size"),
        PoolingBadConfig(className: "AdaptiveAveragePooling2D", json: #"{"output_size": [0, 2]}"#, argument: "output_size"),
        PoolingBadConfig(className: "AdaptiveAveragePooling1D", json: #"{"output_size": -1}"#, argument: "output_size"),
        PoolingBadConfig(className: "AdaptiveMaxPooling1D", json: #"{"output_size": [2, 3]}"#, argument: "output_size"),
        PoolingBadConfig(className: "AdaptiveMaxPooling3D", json: #"{"output_size": [2, 3]}"#, argument: "output_size"),
        PoolingBadConfig(className: "AdaptiveMaxPooling2D", json: #"{"output_size": "2"}"#, argument: "output_size"),
        PoolingBadConfig(className: "AdaptiveMaxPooling2D", json: "{}", argument: "output_size"),
        PoolingBadConfig(className: "AdaptiveMaxPooling2D", json: #"{"output_size": 2, "data_format": "CHANNELS_FIRST"}"#, argument: "data_format"),
        PoolingBadConfig(className: "AdaptiveAveragePooling3D", json: #"{"output_size": 2, "data_format": "nchw"}"#, argument: "data_format"),
    ]

    @Test("configs Keras rejects give invalidConfig naming the argument", arguments: badConfigs)
    func badConfig(_ c: PoolingBadConfig) {
        let error = poolingError { _ = try poolingLayer(c.className, c.json) }
        #expect(poolingErrorArgument(error) == c.argument, "got \(String(describing: error))")
    }

    @Test("Keras's standardize_tuple message for pool_size and strides")
    func tupleMessages() {
        let error = poolingError { _ = try MaxPooling2D(poolSize: [2, 0]) }
        #expect(
            error?.description.contains(
                "The `pool_size` argument must be a tuple of 2 integers. Received pool_size=(2, 0), including values {0} that do not satisfy `value > 0`")
                == true,
            "\(String(describing: error))")
        let strides = poolingError { _ = try poolingLayer("MaxPooling2D", #"{"pool_size": 2, "strides": -1}"#) }
        #expect(strides?.description.contains("that do not satisfy `value >= 0`") == true, "\(String(describing: strides))")
    }

    @Test("typed initializers reject bad values with the argument's name")
    func typedErrors() {
        let cases: [(String, () throws -> Void)] = [
            ("pool_size", { _ = try MaxPooling1D(poolSize: 0) }),
            ("pool_size", { _ = try MaxPooling2D(poolSize: [2]) }),
            ("pool_size", { _ = try AveragePooling3D(poolSize: [2, 2, -2]) }),
            ("strides", { _ = try MaxPooling2D(poolSize: 2, strides: 0) }),
            ("strides", { _ = try AveragePooling2D(poolSize: [2, 2], strides: [1, -1]) }),
            ("strides", { _ = try MaxPooling3D(poolSize: [2, 2, 2], strides: [1, 1]) }),
            ("output_size", { _ = try AdaptiveMaxPooling1D(outputSize: 0) }),
            ("output_size", { _ = try AdaptiveAveragePooling2D(outputSize: [3]) }),
            ("output_size", { _ = try AdaptiveAveragePooling3D(outputSize: [3, 3, -3]) }),
        ]
        for (index, (argument, body)) in cases.enumerated() {
            let error = poolingError(body)
            #expect(poolingErrorArgument(error) == argument, "case \(index): got \(String(describing: error))")
        }
    }

    @Test("input of the wrong rank: Keras's InputSpec message (adaptive layers too)")
    func wrongRank() throws {
        let x = try Tensor<Float>(repeating: 1, shape: [5, 5, 3])
        let layers: [any KerasLayer] = [
            try MaxPooling2D(), try AveragePooling3D(poolSize: 2), try MaxPooling1D(poolSize: 2),
            GlobalAveragePooling2D(), GlobalMaxPooling3D(),
            try AdaptiveAveragePooling2D(outputSize: 2), try AdaptiveMaxPooling3D(outputSize: 2),
        ]
        for layer in layers {
            let rank = Int(String(type(of: layer).className.dropLast().last!))! + 2
            let input = rank == 3 ? try Tensor<Float>(repeating: 1, shape: [5, 5]) : x
            let error = poolingError { _ = try layer(input) }
            let message = poolingInputErrorMessage(error) ?? ""
            #expect(
                message.contains("is incompatible with the layer: expected ndim=\(rank), found ndim=\(input.rank)"),
                "\(type(of: layer).className): \(String(describing: error))")
            #expect(message.contains("Full shape received: \(PythonLiteral.tuple(input.shape))"))
        }
        let namedLayer = try poolingLayer("MaxPooling2D", #"{"name": "pool_a"}"#)
        let named = poolingError { _ = try namedLayer(x) }
        #expect(poolingInputErrorMessage(named)?.contains("layer 'pool_a'") == true)
    }

    @Test(
        "a valid pool larger than the input: Keras's 'Computed output size would be zero or negative'",
        arguments: [false, true])
    func poolLargerThanInput(channelsFirst: Bool) throws {
        let format: DataFormat = channelsFirst ? .channelsFirst : .channelsLast
        let x = try Tensor<Float>(repeating: 1, shape: channelsFirst ? [2, 3, 5, 5] : [2, 5, 5, 3])
        for layer in [
            try MaxPooling2D(poolSize: 6, dataFormat: format) as any KerasLayer,
            try AveragePooling2D(poolSize: [2, 6], dataFormat: format),
        ] {
            let error = poolingError { _ = try layer(x) }
            #expect(
                poolingInputErrorMessage(error)?.contains("Computed output size would be zero or negative") == true,
                "\(String(describing: error))")
        }
        // `same` padding always fits: ⌈5/6⌉ = 1.
        #expect(try MaxPooling2D(poolSize: 6, padding: .same, dataFormat: format)(x).scalars == [Float](repeating: 1, count: 6))
        let shapeError = poolingError { _ = try MaxPooling2D(poolSize: 6).outputShape(forInputShape: [2, 5, 5, 3]) }
        #expect(poolingInputErrorMessage(shapeError) != nil)
    }

    @Test("adaptive pooling of an empty spatial axis to a nonempty output is an error, not a trap")
    func adaptiveEmptyInput() {
        let error = poolingError { _ = try AdaptiveMaxPooling1D(outputSize: 2)(Tensor(repeating: 0, shape: [1, 0, 3])) }
        #expect(poolingInputErrorMessage(error) != nil)
    }
}
