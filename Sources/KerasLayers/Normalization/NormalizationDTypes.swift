/// The casts Keras 3.15.1 makes around the normalization layers' arithmetic, per dtype policy
/// (`keras/src/layers/normalization/*.py`, `ops.layer_normalization`, `ops.rms_normalization`,
/// `ops.normalize`, `layers/preprocessing/normalization.py`). The input is first autocast
/// (`Layer.__call__`: a floating input to the policy's compute type; integers uncast), except
/// by LayerNormalization and GroupNormalization, which set `self.autocast = False` (a float32
/// input under `mixed_float16` is normalized from its float32 values), then:
///
/// | layer | computes in | output |
/// |---|---|---|
/// | BatchNormalization | float32 for half and integer inputs (`result_type(x, "float32")`) | cast to the compute type |
/// | LayerNormalization, GroupNormalization | float32 (same) | cast to the (autocast) input's type, then to the compute type |
/// | RMSNormalization | float32 (same) | cast to the input's type: an integer input gives integers, truncated toward zero |
/// | UnitNormalization | the input's type, each operation rounded (`UnitNormalization+DTypes.swift`) | the input's type; integers refused |
/// | Normalization | the compute type, each operation rounded (`Normalization+DTypes.swift`) | the compute type |
///
/// Under the float64 policy (a float64 input) everything is computed in float64, as Keras on
/// TensorFlow does (Keras on JAX computes some of it in float32: `result_type` maps float64 to
/// float32 there, tools/golden/DTYPES.md; the float64 oracle settles those elements).
/// Variables are stored in the policy's variable type (float32 under `mixed_*`) and read in the
/// compute type (exactly: half-precision values widen exactly); an updated variable is computed
/// in the compute type and rounded once to the variable type (`Variable.assign` casts).
enum NormalizationDTypes {
    /// Where the float32 result of a layer computing in float32 is cast (the table above).
    enum OutputCast {
        /// `ops.cast(outputs, self.compute_dtype)` (BatchNormalization).
        case computeType
        /// `cast(outputs, original_dtype)` then `ops.cast(outputs, self.compute_dtype)`
        /// (LayerNormalization, GroupNormalization).
        case inputThenComputeType
        /// `cast(outputs, original_dtype)` only (RMSNormalization).
        case inputType

        /// The output's type for an (autocast) input of type `input` under `policy`.
        func outputDType(input: DType, policy: DTypePolicy) -> DType {
            switch self {
            case .computeType, .inputThenComputeType: return policy.computeDType
            case .inputType: return input
            }
        }
    }

    /// Runs `layer`'s call on `input` with Keras's casts: the input autocast (`autocastInput`),
    /// computed in float64 when that gives a float64 tensor and in float32 otherwise
    /// (`result_type(x.dtype, "float32")`: half-precision and integer inputs are widened), the
    /// output cast as `output` says and the updated variables rounded to the variable type.
    ///
    /// A float16 or bfloat16 input whose output has its own type (every cast of `output` then
    /// rounds the float32 result once, to that type) is read and written by the kernels
    /// directly (`compute` on `Tensor<Float16>` or `Tensor<BFloat16>`): the same values
    /// without a float32 copy of the input or of the output.
    static func call<Layer: NormalizationComputing>(
        _ layer: Layer, _ input: AnyTensor, options: CallOptions, output cast: OutputCast
    ) throws(KerasLayerError) -> AnyLayerOutput {
        let policy = layer.dtypePolicy
        let autocast = layer.autocastInput(input)
        let keepsType = cast.outputDType(input: autocast.dtype, policy: policy) == autocast.dtype
        let result: AnyLayerOutput
        if let doubles = autocast.tensor(of: Double.self) {
            result = try layer.compute(doubles, options: options).erased
        } else if keepsType, let halves = autocast.tensor(of: Float16.self) {
            result = try layer.compute(halves, options: options).erased
        } else if keepsType, let halves = autocast.tensor(of: BFloat16.self) {
            result = try layer.compute(halves, options: options).erased
        } else {
            result = try layer.compute(try autocast.exactFloat32(layer: Layer.className, what: "the input"), options: options).erased
        }
        var output = result.output
        switch cast {
        case .computeType: output = output.cast(to: policy.computeDType)
        case .inputThenComputeType: output = output.cast(to: autocast.dtype).cast(to: policy.computeDType)
        case .inputType: output = output.cast(to: autocast.dtype)
        }
        return AnyLayerOutput(output: output, updatedWeights: result.updatedWeights.mapValues { $0.cast(to: policy.variableDType) })
    }
}

/// A normalization layer that computes in float32 or float64 whatever its input's storage.
protocol NormalizationComputing: KerasLayer {
    /// The call in `S.Compute` on input stored as `S`, variables read in `S.Compute`; the
    /// output stored as `S` (rounded once to it from `S.Compute`).
    func compute<S: FloatingTensorElement>(_ input: Tensor<S>, options: CallOptions) throws(KerasLayerError) -> NormResult<S>
}

/// A normalization layer that computes in a half-precision type itself (Keras does not upcast
/// there): float32 and float64 through its kernels (`compute`), float16 and bfloat16 through a
/// visitor of its own that rounds every operation to the type (UnitNormalization, Normalization).
protocol HalfRoundingNormalization: KerasLayer {
    func compute<T: ComputeScalar>(_ input: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> NormResult<T>
}

extension HalfRoundingNormalization {
    /// `input`, already in the type the layer computes in, through `compute` when that is float32
    /// or float64, else through `rounding`.
    func call<Rounding: AnyTensorVisitor>(
        computing input: AnyTensor, options: CallOptions, rounding: Rounding
    ) throws(KerasLayerError) -> AnyLayerOutput where Rounding.Result == AnyTensor, Rounding.Failure == KerasLayerError {
        if let floats = input.tensor(of: Float.self) { return try compute(floats, options: options).erased }
        if let doubles = input.tensor(of: Double.self) { return try compute(doubles, options: options).erased }
        return AnyLayerOutput(output: try input.visit(rounding))
    }
}

extension UnitNormalization: HalfRoundingNormalization {}
extension Normalization: HalfRoundingNormalization {}

extension BatchNormalization: NormalizationComputing {}
extension LayerNormalization: NormalizationComputing {}
extension GroupNormalization: NormalizationComputing {}
extension RMSNormalization: NormalizationComputing {}

extension BatchNormalization {
    /// Keras's call under `dtypePolicy`: float32 statistics and moving-statistic updates, the
    /// output cast to the compute type, updated variables to the variable type (`NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.call(self, input, options: options, output: .computeType)
    }
}

extension LayerNormalization {
    /// Keras's LayerNormalization sets `self.autocast = False`.
    public var autocastsInput: Bool { false }

    /// Keras's call under `dtypePolicy`: no input autocast, float32 arithmetic, the output cast
    /// to the input's type and then to the compute type (`NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.call(self, input, options: options, output: .inputThenComputeType)
    }
}

extension GroupNormalization {
    /// Keras's GroupNormalization sets `self.autocast = False`.
    public var autocastsInput: Bool { false }

    /// Keras's call under `dtypePolicy`: no input autocast, float32 arithmetic, the output cast
    /// to the input's type and then to the compute type (`NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.call(self, input, options: options, output: .inputThenComputeType)
    }
}

extension RMSNormalization {
    /// Keras's call under `dtypePolicy`: float32 arithmetic, the output cast to the input's type
    /// (integers stay integers, truncated; `NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.call(self, input, options: options, output: .inputType)
    }
}
