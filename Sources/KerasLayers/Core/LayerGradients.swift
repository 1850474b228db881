import KerasJSON

/// dL/dx and dL/d(variable) of one call, for the loss L = sum(y * dy).
///
/// With y = f(x, θ) the layer's output for input x and variables θ, and dy the upstream
/// gradient (shape of y), L = Σ_j y_j · dy_j, so
///
///     input[i]      = ∂L/∂x_i = Σ_j dy_j · ∂y_j/∂x_i        (dxᵀ = dyᵀ · J_x, the vector-Jacobian product)
///     weights[v][k] = ∂L/∂θ_vk = Σ_j dy_j · ∂y_j/∂θ_vk
///
/// evaluated in the mode the call names (`training`, `mask`), as Keras's `GradientTape` and
/// `jax.vjp` evaluate it.
public struct LayerGradients: Sendable {
    /// ∂L/∂x, shape of the input.
    public var input: Tensor<Float>
    /// ∂L/∂θ of the trainable variables only, by Keras name (`gamma`, `beta`, `scale`), each of its variable's shape.
    public var weights: [String: Tensor<Float>]

    public init(input: Tensor<Float>, weights: [String: Tensor<Float>] = [:]) {
        self.input = input
        self.weights = weights
    }
}

/// A layer with a backward pass: the vector-Jacobian product of its call.
public protocol DifferentiableLayer: KerasLayer {
    /// The vector-Jacobian product of `call(input, options:)` at `upstream` (= dy, shape of the output):
    /// ∂L/∂x and ∂L/∂θ for L = sum(call(input, options:).output * upstream). Variables are those
    /// set with `setWeights`, as for `call`.
    /// - Throws: `KerasLayerError.invalidInput` when `upstream` does not have the output's shape
    ///   (`checkUpstreamShape`), and whatever `call` throws for this input and options.
    func gradient(of input: Tensor<Float>, upstream: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerGradients
}

extension DifferentiableLayer {
    /// Checks that `upstream` has the shape `call` returns for `input` (`outputShape(forInputShape:)`),
    /// the one shape rule of every `gradient(of:upstream:options:)`.
    /// - Throws: `KerasLayerError.invalidInput` naming the layer and both shapes.
    public func checkUpstreamShape(input: Tensor<Float>, upstream: Tensor<Float>) throws(KerasLayerError) {
        let output = try outputShape(forInputShape: input.shape)
        guard upstream.shape == output else {
            throw .invalidInput(
                "\(Self.className): the upstream gradient dy has shape \(PythonLiteral.tuple(upstream.shape)), but the output for an input of shape \(PythonLiteral.tuple(input.shape)) has shape \(PythonLiteral.tuple(output))"
            )
        }
    }
}
