import KerasJSON

/// A layer's result for any element type: the output in the policy's compute type (or the
/// input's integer type where Keras keeps it), updated variables in their variable type.
public struct AnyLayerOutput: Sendable {
    public var output: AnyTensor
    public var updatedWeights: [String: AnyTensor]

    public init(output: AnyTensor, updatedWeights: [String: AnyTensor] = [:]) {
        self.output = output
        self.updatedWeights = updatedWeights
    }

    /// A float32 result.
    public init(_ result: LayerOutput) {
        self.init(output: .float32(result.output), updatedWeights: result.updatedWeights.mapValues { .float32($0) })
    }
}

/// The defaults for layers that compute in float32 only: policy `float32`, variables taken
/// when float32 holds them exactly, and Keras's autocast of the input to float32.
extension KerasLayer {
    public var dtypePolicy: DTypePolicy { .float32 }

    public var autocastsInput: Bool { true }

    /// The input as the call sees it: autocast to `dtypePolicy`'s compute type when
    /// `autocastsInput` (floating inputs only), else unchanged.
    public func autocastInput(_ input: AnyTensor) -> AnyTensor {
        autocastsInput ? input.autocast(to: dtypePolicy) : input
    }

    public mutating func setWeights(any weights: [String: AnyTensor]) throws(KerasLayerError) {
        var floats: [String: Tensor<Float>] = [:]
        for (name, weight) in weights {
            floats[name] = try weight.exactFloat32(layer: Self.className, what: "weight '\(name)'")
        }
        try setWeights(floats)
    }

    /// The input cast to float32 (Keras's autocast for floating inputs; integers are cast too,
    /// as the float32 layers' Keras code does first), then the float32 `call`.
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try checkPolicyImplemented()
        guard let floats = input.cast(to: .float32).tensor(of: Float.self) else { preconditionFailure("cast(to: .float32) gives float32") }
        return AnyLayerOutput(try call(floats, options: options))
    }

    /// Refuses a policy this layer type does not implement (a layer built from a config whose
    /// `dtype` it does not read keeps `float32`, and `LayerRegistry` compares).
    func checkPolicyImplemented() throws(KerasLayerError) {
        guard dtypePolicy == .float32 else {
            throw .unsupported(layer: Self.className, message: "dtype policy '\(dtypePolicy.name)': this layer computes in float32 only")
        }
    }

    /// `layer(input)` for float32 (the overload an untyped literal such as `Tensor(repeating: 0, ...)` picks).
    public func callAsFunction(_ input: Tensor<Float>, training: Bool = false, mask: Tensor<UInt8>? = nil) throws(KerasLayerError) -> Tensor<Float> {
        try typedCall(input, options: CallOptions(training: training, mask: mask))
    }

    /// `layer(input)` in Keras, typed: the output has the input's element type, which must be
    /// the type Keras's call returns under `dtypePolicy` (the compute type for floating inputs,
    /// e.g. `Tensor<Float16>` under `mixed_float16`; the input's own type where Keras keeps
    /// integers, as max pooling does).
    /// - Throws: `KerasLayerError.invalidInput` when Keras would return another element type
    ///   (call `call(_: AnyTensor, options:)` to get it), besides the layer's own errors.
    ///   Disfavoured, so that an untyped literal such as `Tensor(repeating: 0.5, ...)` stays float32.
    @_disfavoredOverload
    public func callAsFunction<Scalar: TensorElement>(
        _ input: Tensor<Scalar>, training: Bool = false, mask: Tensor<UInt8>? = nil
    ) throws(KerasLayerError) -> Tensor<Scalar> {
        try typedCall(input, options: CallOptions(training: training, mask: mask))
    }

    func typedCall<Scalar: TensorElement>(_ input: Tensor<Scalar>, options: CallOptions) throws(KerasLayerError) -> Tensor<Scalar> {
        let result = try call(AnyTensor(input), options: options)
        guard let output = result.output.tensor(of: Scalar.self) else {
            throw .invalidInput(
                "\(Self.className) returns \(result.output.dtype.rawValue) for a \(Scalar.dtype.rawValue) input under dtype policy '\(dtypePolicy.name)'; call it with that element type, or through call(_: AnyTensor, options:)"
            )
        }
        return output
    }
}

extension AnyTensor {
    /// Keras's autocast (`DTypePolicy.convert_input`): a floating tensor cast to the policy's
    /// compute type; an integer tensor unchanged.
    public func autocast(to policy: DTypePolicy) -> AnyTensor {
        dtype.isFloatingPoint ? cast(to: policy.computeDType) : self
    }

    /// The tensor as float32 when every value is exactly a float32 (float16, bfloat16 and
    /// small integers always are), so nothing is rounded silently.
    /// - Throws: `KerasLayerError.unsupported` naming `what` and the first value float32 cannot hold.
    public func exactFloat32(layer: String, what: String) throws(KerasLayerError) -> Tensor<Float> {
        if let floats = tensor(of: Float.self) { return floats }
        if dtype == .float16 || dtype == .bfloat16, let floats = cast(to: .float32).tensor(of: Float.self) { return floats }
        let values = doubleValues
        for value in values where Double(Float(value)) != value && !value.isNaN {
            throw .unsupported(
                layer: layer, message: "\(what) is \(dtype.rawValue) and holds \(value), which float32 cannot represent; this layer computes in float32")
        }
        return Tensor(uncheckedShape: shape, scalars: values.map { Float($0) })
    }
}
