import Testing

@testable import KerasLayers

/// The normalization layers' float64 backward passes against central differences of their
/// float64 forward passes (`f64CheckGradient`). Batch renormalization's training gradient is
/// not among them: Keras stops the gradient at its corrections `r`, `d`, which a difference
/// of the forward pass does not; the goldens check it.
@Suite("Normalization: float64 gradients")
struct NormalizationFloat64GradientTests {
    static let cases: [Float64GradientCase] = [
        Float64GradientCase(
            className: "BatchNormalization", inputShape: [4, 3, 5],
            weights: ["gamma": [5], "beta": [5], "moving_mean": [5], "moving_variance": [5]], trainable: ["gamma", "beta"]),
        Float64GradientCase(
            className: "BatchNormalization", inputShape: [6, 5],
            weights: ["gamma": [5], "beta": [5], "moving_mean": [5], "moving_variance": [5]], trainable: ["gamma", "beta"], training: true),
        Float64GradientCase(
            className: "BatchNormalization", arguments: #""axis": 1"#, inputShape: [3, 4, 2, 2],
            weights: ["gamma": [4], "beta": [4], "moving_mean": [4], "moving_variance": [4]], trainable: ["gamma", "beta"], training: true),
        Float64GradientCase(
            className: "BatchNormalization", inputShape: [4, 6, 3],
            weights: ["gamma": [3], "beta": [3], "moving_mean": [3], "moving_variance": [3]], trainable: ["gamma", "beta"], training: true,
            maskShape: [4, 6]),
        Float64GradientCase(
            className: "BatchNormalization", arguments: #""center": false, "scale": false"#, inputShape: [5, 3],
            weights: ["moving_mean": [3], "moving_variance": [3]], training: true),
        Float64GradientCase(className: "LayerNormalization", inputShape: [4, 6], weights: ["gamma": [6], "beta": [6]], trainable: ["gamma", "beta"]),
        Float64GradientCase(
            className: "LayerNormalization", arguments: #""axis": [1, 2]"#, inputShape: [3, 4, 5],
            weights: ["gamma": [4, 5], "beta": [4, 5]], trainable: ["gamma", "beta"]),
        Float64GradientCase(
            className: "LayerNormalization", arguments: #""rms_scaling": true"#, inputShape: [3, 6], weights: ["gamma": [6]], trainable: ["gamma"]),
        Float64GradientCase(
            className: "GroupNormalization", arguments: #""groups": 2"#, inputShape: [2, 5, 4],
            weights: ["gamma": [4], "beta": [4]], trainable: ["gamma", "beta"]),
        Float64GradientCase(
            className: "GroupNormalization", arguments: #""groups": 3, "axis": 1"#, inputShape: [2, 6, 3, 2],
            weights: ["gamma": [6], "beta": [6]], trainable: ["gamma", "beta"]),
        Float64GradientCase(className: "RMSNormalization", inputShape: [3, 6], weights: ["scale": [6]], trainable: ["scale"]),
        // Rows of 8 elements and more: the eight-wide row passes (`NormGradientRows`) with a tail.
        Float64GradientCase(className: "LayerNormalization", inputShape: [2, 19], weights: ["gamma": [19], "beta": [19]], trainable: ["gamma", "beta"]),
        Float64GradientCase(
            className: "BatchNormalization", inputShape: [5, 11],
            weights: ["gamma": [11], "beta": [11], "moving_mean": [11], "moving_variance": [11]], trainable: ["gamma", "beta"], training: true),
        Float64GradientCase(
            className: "GroupNormalization", arguments: #""groups": 3"#, inputShape: [2, 4, 12],
            weights: ["gamma": [12], "beta": [12]], trainable: ["gamma", "beta"]),
        Float64GradientCase(className: "RMSNormalization", inputShape: [2, 17], weights: ["scale": [17]], trainable: ["scale"]),
        Float64GradientCase(className: "UnitNormalization", inputShape: [3, 6]),
        Float64GradientCase(className: "UnitNormalization", arguments: #""axis": [1, 2]"#, inputShape: [2, 3, 4]),
        Float64GradientCase(
            className: "Normalization", arguments: #""mean": [0.5, -1.0, 2.0, 0.25], "variance": [2.0, 0.5, 3.0, 1.0]"#, inputShape: [3, 4]),
        Float64GradientCase(
            className: "Normalization", arguments: #""mean": [0.5, -1.0, 2.0, 0.25], "variance": [2.0, 0.5, 3.0, 1.0], "invert": true"#,
            inputShape: [3, 4]),
    ]

    @Test("∂L/∂x and the variables' gradients in float64 equal central differences of the float64 call", arguments: cases)
    func centralDifferences(_ c: Float64GradientCase) throws {
        try f64CheckGradient(c, seed: 5)
    }
}
