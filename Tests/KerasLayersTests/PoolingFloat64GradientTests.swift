import Testing

@testable import KerasLayers

/// The pooling layers' float64 backward passes against central differences of their float64
/// forward passes (`f64CheckGradient`; max pooling on tie-free inputs).
@Suite("Pooling: float64 gradients")
struct PoolingFloat64GradientTests {
    static let cases: [Float64GradientCase] = [
        Float64GradientCase(className: "AveragePooling1D", arguments: #""pool_size": 3, "strides": 2, "padding": "same""#, inputShape: [2, 7, 3]),
        Float64GradientCase(className: "AveragePooling2D", arguments: #""pool_size": 2"#, inputShape: [2, 4, 6, 3]),
        Float64GradientCase(
            className: "AveragePooling2D", arguments: #""pool_size": 3, "strides": 1, "padding": "same", "data_format": "channels_first""#,
            inputShape: [1, 2, 4, 5]),
        Float64GradientCase(className: "AveragePooling3D", arguments: #""pool_size": 2, "strides": 1"#, inputShape: [1, 3, 3, 4, 2]),
        Float64GradientCase(className: "MaxPooling1D", arguments: #""pool_size": 3, "strides": 1"#, inputShape: [2, 6, 3], distinct: true),
        Float64GradientCase(
            className: "MaxPooling2D", arguments: #""pool_size": 3, "strides": 2, "padding": "same""#, inputShape: [2, 5, 5, 9], distinct: true),
        Float64GradientCase(className: "MaxPooling3D", arguments: #""pool_size": 2"#, inputShape: [1, 4, 2, 4, 2], distinct: true),
        Float64GradientCase(className: "GlobalAveragePooling1D", inputShape: [3, 5, 4], maskShape: [3, 5]),
        Float64GradientCase(className: "GlobalAveragePooling2D", arguments: #""keepdims": true"#, inputShape: [2, 3, 4, 3]),
        Float64GradientCase(className: "GlobalMaxPooling2D", inputShape: [2, 3, 4, 3], distinct: true),
        Float64GradientCase(className: "GlobalMaxPooling3D", arguments: #""data_format": "channels_first""#, inputShape: [2, 3, 2, 2, 3], distinct: true),
        Float64GradientCase(className: "AdaptiveAveragePooling1D", arguments: #""output_size": 3"#, inputShape: [2, 7, 3]),
        Float64GradientCase(className: "AdaptiveAveragePooling2D", arguments: #""output_size": [2, 3]"#, inputShape: [1, 5, 7, 2]),
        Float64GradientCase(className: "AdaptiveMaxPooling2D", arguments: #""output_size": 2"#, inputShape: [2, 5, 5, 3], distinct: true),
        Float64GradientCase(className: "AdaptiveMaxPooling3D", arguments: #""output_size": 2"#, inputShape: [1, 3, 4, 3, 2], distinct: true),
    ]

    @Test("∂L/∂x in float64 equals central differences of the float64 call", arguments: cases)
    func centralDifferences(_ c: Float64GradientCase) throws {
        try f64CheckGradient(c, seed: 9)
    }
}
