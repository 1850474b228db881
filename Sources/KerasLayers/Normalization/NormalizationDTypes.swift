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
/// Variables are stored in the policy's variable type (float32 under `mixed_*`) and read in
/// float32 (exactly: half-precision values widen exactly); an updated variable is computed in
/// float32 and rounded once to the variable type (`Variable.assign` casts). The float64 policy
/// needs float64 statistics, which these layers do not compute yet: it is refused, except by
/// UnitNormalization, which computes in any floating type.
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
    }

    /// Refuses the float64 policy for a layer whose statistics are float32 only.
    static func checkFloat32Statistics(_ policy: DTypePolicy, layer: String) throws(KerasLayerError) {
        if policy.computeDType == .float64 || policy.variableDType == .float64 {
            throw .unsupported(
                layer: layer, message: "dtype policy '\(policy.name)': this layer computes its statistics in float32 only (float64 is not implemented)")
        }
    }

    /// Runs `layer`'s float32 call on `input` with Keras's casts for a layer that computes in
    /// float32 (`result_type(x.dtype, "float32")` for half and integer inputs), its output cast
    /// as `output` says and its updated variables rounded to the policy's variable type.
    static func callInFloat32<Layer: KerasLayer>(
        _ layer: Layer, _ input: AnyTensor, options: CallOptions, output cast: OutputCast
    ) throws(KerasLayerError) -> AnyLayerOutput {
        let policy = layer.dtypePolicy
        try checkFloat32Statistics(policy, layer: Layer.className)
        let autocast = layer.autocastInput(input)
        let floats = try autocast.exactFloat32(layer: Layer.className, what: "the input")
        let result = try layer.call(floats, options: options)
        var output = AnyTensor.float32(result.output)
        switch cast {
        case .computeType: output = output.cast(to: policy.computeDType)
        case .inputThenComputeType: output = output.cast(to: autocast.dtype).cast(to: policy.computeDType)
        case .inputType: output = output.cast(to: autocast.dtype)
        }
        return AnyLayerOutput(output: output, updatedWeights: result.updatedWeights.mapValues { AnyTensor.float32($0).cast(to: policy.variableDType) })
    }
}

extension BatchNormalization {
    /// Keras's call under `dtypePolicy`: float32 statistics and moving-statistic updates, the
    /// output cast to the compute type, updated variables to the variable type (`NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.callInFloat32(self, input, options: options, output: .computeType)
    }
}

extension LayerNormalization {
    /// Keras's LayerNormalization sets `self.autocast = False`.
    public var autocastsInput: Bool { false }

    /// Keras's call under `dtypePolicy`: no input autocast, float32 arithmetic, the output cast
    /// to the input's type and then to the compute type (`NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.callInFloat32(self, input, options: options, output: .inputThenComputeType)
    }
}

extension GroupNormalization {
    /// Keras's GroupNormalization sets `self.autocast = False`.
    public var autocastsInput: Bool { false }

    /// Keras's call under `dtypePolicy`: no input autocast, float32 arithmetic, the output cast
    /// to the input's type and then to the compute type (`NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.callInFloat32(self, input, options: options, output: .inputThenComputeType)
    }
}

extension RMSNormalization {
    /// Keras's call under `dtypePolicy`: float32 arithmetic, the output cast to the input's type
    /// (integers stay integers, truncated; `NormalizationDTypes`).
    public func call(_ input: AnyTensor, options: CallOptions) throws(KerasLayerError) -> AnyLayerOutput {
        try NormalizationDTypes.callInFloat32(self, input, options: options, output: .inputType)
    }
}
