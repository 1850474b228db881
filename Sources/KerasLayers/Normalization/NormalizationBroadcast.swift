import KerasJSON

// NumPy broadcasting of the normalization layers' parameters and masks over the input.

/// NumPy broadcasting of a parameter of shape `param` against an input of shape `shape`
/// (trailing axes aligned): the parameter's element stride along each input axis, 0 where
/// it broadcasts. Throws when the shapes are incompatible or the parameter would enlarge
/// the output.
func normBroadcastStrides(
    _ param: [Int], to shape: [Int], layer: String, name: String
) throws(KerasLayerError) -> [Int] {
    guard param.count <= shape.count,
        let strides = normBroadcastStrides(of: param, over: shape, alignedAt: shape.count - param.count)
    else {
        throw .invalidWeights(
            layer: layer,
            message: "Incompatible shapes for broadcasting: shapes=[\(PythonLiteral.tuple(shape)), \(PythonLiteral.tuple(param))] ('\(name)' against the input)"
        )
    }
    return strides
}

/// The element strides of an operand of shape `operand` broadcast over `shape`, its axes
/// standing at `shape`'s axes `offset`, `offset + 1`, ...: its own contiguous stride where the
/// sizes match, 0 where it has size 1 or no axis. nil when a size differs and is not 1.
func normBroadcastStrides(of operand: [Int], over shape: [Int], alignedAt offset: Int) -> [Int]? {
    let own = NormWalk.contiguousStrides(operand)
    var strides = Array(repeating: 0, count: shape.count)
    for i in operand.indices {
        let d = offset + i
        if operand[i] == shape[d] {
            strides[d] = operand[i] == 1 ? 0 : own[i]
        } else if operand[i] != 1 {
            return nil
        }
    }
    return strides
}
