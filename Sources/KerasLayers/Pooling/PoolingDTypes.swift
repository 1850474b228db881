/// What element type a pooling layer computes in, per Keras 3.15.1 (`Layer.__call__`'s
/// autocast and the backends' pooling ops):
///
/// - A floating input is cast to the policy's compute type (`DTypePolicy.convert_input`),
///   then pooled in that type: float16/bfloat16 sums round after every addition as
///   TensorFlow's kernels do (see `MeanPoolingReducer`), max is exact in any type.
/// - An integer input is not cast (Keras autocasts floating inputs only). Max pooling keeps
///   it: uint8 in, uint8 out, bit for bit, on both backends. TensorFlow has no integer average
///   pooling (`AveragePooling*` and `AdaptiveAveragePooling*` raise "Value for attr 'T' of
///   uint8 is not in the list of allowed values"), so this implementation refuses it too;
///   global average pooling (`ops.mean`) returns float32 for integers on both backends: the
///   input is cast to float32 first.
enum PoolingDTypes {
    static func autocast(_ input: AnyTensor, policy: DTypePolicy, mode: PoolingMode, layer: String) throws(KerasLayerError) -> AnyTensor {
        if input.dtype.isFloatingPoint || mode == .max { return input.autocast(to: policy) }
        throw .unsupported(
            layer: layer,
            message: "\(input.dtype.rawValue) input: TensorFlow has no integer average pooling (Keras raises there); cast the input to a floating type")
    }
}
