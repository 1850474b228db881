import KerasJSON

/// Keras's `GlobalAveragePooling1D`: the mean over the steps axis.
///
/// For input `x` of shape (batch, steps, features) (`channels_last`; `channels_first` is
/// (batch, features, steps)) and an optional mask `m` of shape (batch, steps):
/// `y[b, f] = Σ_t m[b, t]·x[b, t, f] / Σ_t m[b, t]` (with `m = 1` when there is no mask),
/// so an all-masked row is 0/0 = NaN, as in Keras. A mask of shape (batch, 1) broadcasts over
/// the steps, and Keras then divides by the *unbroadcast* mask's sum, `m[b]`: a kept row gives
/// `Σ_t x[b, t, f]`, a masked row NaN (Keras 3.15.1's quirk, mirrored). `keepdims` keeps the
/// steps axis with size 1.
struct GlobalAveragePooling1D {
    var channelsFirst: Bool
    var keepdims: Bool

    init(config: JSONValue) throws {
        switch config["data_format"] {
        case nil, .null?, .string("channels_last")?: channelsFirst = false
        case .string("channels_first")?: channelsFirst = true
        case let other?: throw ExampleLayerError("GlobalAveragePooling1D: data_format \(other.jsonText) is not channels_last or channels_first")
        }
        switch config["keepdims"] {
        case nil: keepdims = false
        case let value?:
            guard let flag = value.boolValue else { throw ExampleLayerError("GlobalAveragePooling1D: keepdims \(value.jsonText) is not a boolean") }
            keepdims = flag
        }
    }

    func call(_ x: [Float], shape: [Int], mask: [Bool]?) throws -> (shape: [Int], values: [Float]) {
        guard shape.count == 3 else { throw ExampleLayerError("GlobalAveragePooling1D: input rank \(shape.count) is not 3") }
        let batch = shape[0]
        let (steps, features) = channelsFirst ? (shape[2], shape[1]) : (shape[1], shape[2])
        let broadcast = mask?.count == batch && steps != 1
        if let mask, mask.count != batch * steps, !broadcast {
            throw ExampleLayerError("GlobalAveragePooling1D: mask has \(mask.count) elements, expected (batch, steps) = \(batch * steps) or (batch, 1)")
        }
        var y = [Float](repeating: 0, count: batch * features)
        for b in 0..<batch {
            for f in 0..<features {
                var sum = 0.0, count = 0.0
                for t in 0..<steps where mask?[broadcast ? b : b * steps + t] ?? true {
                    sum += Double(x[channelsFirst ? (b * features + f) * steps + t : (b * steps + t) * features + f])
                    count += 1
                }
                if broadcast, let mask { count = mask[b] ? 1 : 0 }
                y[b * features + f] = Float(sum / count)
            }
        }
        let outputShape = keepdims ? (channelsFirst ? [batch, features, 1] : [batch, 1, features]) : [batch, features]
        return (outputShape, y)
    }
}
