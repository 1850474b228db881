import KerasJSON

/// dL/dx and dL/d(variable) of one call, for the loss L = sum(y * dy), in the compute type
/// `Scalar` (float32, or float64 under the float64 policy).
///
/// With y = f(x, θ) the layer's output for input x and variables θ, and dy the upstream
/// gradient (shape of y), L = Σ_j y_j · dy_j, so
///
///     input[i]      = ∂L/∂x_i = Σ_j dy_j · ∂y_j/∂x_i        (dxᵀ = dyᵀ · J_x, the vector-Jacobian product)
///     weights[v][k] = ∂L/∂θ_vk = Σ_j dy_j · ∂y_j/∂θ_vk
///
/// evaluated in the mode the call names (`training`, `mask`), as Keras's `GradientTape` and
/// `jax.vjp` evaluate it.
public struct LayerGradients<Scalar: ComputeScalar>: Sendable {
    /// ∂L/∂x, shape of the input.
    public var input: Tensor<Scalar>
    /// ∂L/∂θ of the trainable variables only, by Keras name (`gamma`, `beta`, `scale`), each of its variable's shape.
    public var weights: [String: Tensor<Scalar>]

    public init(input: Tensor<Scalar>, weights: [String: Tensor<Scalar>] = [:]) {
        self.input = input
        self.weights = weights
    }
}

/// A layer with a backward pass: the vector-Jacobian product of its call.
///
/// A conforming type implements the two typed requirements with one generic method,
/// `gradient<T: ComputeScalar>(of: Tensor<T>, upstream: Tensor<T>, options:)`, which
/// witnesses both (each witness is that method specialized to its type).
public protocol DifferentiableLayer: KerasLayer {
    /// The vector-Jacobian product of `call(input, options:)` at `upstream` (= dy, shape of the output):
    /// ∂L/∂x and ∂L/∂θ for L = sum(call(input, options:).output * upstream), computed in float32
    /// (sums in Double, each result rounded once to float32). Variables are those set with
    /// `setWeights`, as for `call`.
    /// - Throws: `KerasLayerError.invalidInput` when `upstream` does not have the output's shape
    ///   (`checkUpstreamShape`), and whatever `call` throws for this input and options.
    func gradient(of input: Tensor<Float>, upstream: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<Float>

    /// The same computed in float64, the variables read in float64: the backward pass of the
    /// layer's float64 call (the float64 policy, or a float64 input a layer does not autocast).
    /// - Throws: as the float32 requirement.
    func gradient(of input: Tensor<Double>, upstream: Tensor<Double>, options: CallOptions) throws(KerasLayerError) -> LayerGradients<Double>

    /// The backward pass for an input of any element type, under `dtypePolicy`, in the types
    /// Keras's autodiff gives: ∂L/∂x in the input's type, ∂L/∂θ in the variable type. nil when
    /// the layer has no backward pass for this input type (see the default).
    func gradient(of input: AnyTensor, upstream: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerGradients?
}

/// `LayerGradients` for any element type: ∂L/∂x in the input's type, ∂L/∂θ in each variable's type.
public struct AnyLayerGradients: Sendable {
    public var input: AnyTensor
    public var weights: [String: AnyTensor]

    public init(input: AnyTensor, weights: [String: AnyTensor] = [:]) {
        self.input = input
        self.weights = weights
    }
}

extension DifferentiableLayer {
    /// The backward pass in the type the call computes in, with the casts around it that
    /// autodiff makes (the gradient of a cast is the cast back):
    ///
    /// - The autocast input (`autocastInput`) is float64 (the float64 policy, or a float64 input
    ///   LayerNormalization and GroupNormalization do not autocast): the float64 backward pass,
    ///   `dy` widened to float64 exactly (it is the output's type, float64 or narrower), ∂L/∂x
    ///   cast to the input's type and ∂L/∂θ to the variable type.
    /// - Otherwise the float32 backward pass (every layer under `float32`; BatchNormalization,
    ///   LayerNormalization, GroupNormalization and RMSNormalization under the half-precision
    ///   policies, which upcast): the autocast input widened to float32 exactly, `dy` widened
    ///   exactly, then ∂L/∂x rounded to the autocast type and cast to the input's type and ∂L/∂θ
    ///   rounded to the variable type. For a layer that computes in the half type itself
    ///   (average pooling's sums, UnitNormalization), this is the gradient of the exact
    ///   computation rounded once, not Keras's half-precision sums.
    ///
    /// nil for integer inputs (Keras has no gradient for them) and for a float64 policy whose
    /// call computes in float32 (a float32 input to LayerNormalization or GroupNormalization,
    /// which do not autocast: no such backward pass).
    /// - Throws: `KerasLayerError.unsupported` when the float32 pass gets a `dy` holding a value
    ///   float32 cannot represent, and whatever `gradient(of:upstream:options:)` throws.
    public func gradient(of input: AnyTensor, upstream: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerGradients? {
        let policy = dtypePolicy
        guard input.dtype.isFloatingPoint else { return nil }
        let autocast = autocastInput(input)
        if let x = autocast.tensor(of: Double.self) {
            guard let dy = upstream.cast(to: .float64).tensor(of: Double.self) else { preconditionFailure("cast(to: .float64) gives float64") }
            let produced = try gradient(of: x, upstream: dy, options: options)
            return AnyLayerGradients(
                input: AnyTensor.float64(produced.input).cast(to: input.dtype),
                weights: produced.weights.mapValues { AnyTensor.float64($0).cast(to: policy.variableDType) })
        }
        guard policy.computeDType != .float64, policy.variableDType != .float64 else { return nil }
        let x = try autocast.exactFloat32(layer: Self.className, what: "the input")
        let dy = try upstream.exactFloat32(layer: Self.className, what: "dy")
        let produced = try gradient(of: x, upstream: dy, options: options)
        return AnyLayerGradients(
            input: AnyTensor.float32(produced.input).cast(to: autocast.dtype).cast(to: input.dtype),
            weights: produced.weights.mapValues { AnyTensor.float32($0).cast(to: policy.variableDType) })
    }
}

extension DifferentiableLayer {
    /// Checks that `upstream` has the shape `call` returns for `input` (`outputShape(forInputShape:)`),
    /// the one shape rule of every `gradient(of:upstream:options:)`.
    /// - Throws: `KerasLayerError.invalidInput` naming the layer and both shapes.
    public func checkUpstreamShape<T: ComputeScalar>(input: Tensor<T>, upstream: Tensor<T>) throws(KerasLayerError) {
        let output = try outputShape(forInputShape: input.shape)
        guard upstream.shape == output else {
            throw .invalidInput(
                "\(Self.className): the upstream gradient dy has shape \(PythonLiteral.tuple(upstream.shape)), but the output for an input of shape \(PythonLiteral.tuple(input.shape)) has shape \(PythonLiteral.tuple(output))"
            )
        }
    }
}
