import KerasJSON
import ReferenceData

/// Where Keras's own float32 formula cancels, the digits it loses, element by element.
///
/// BatchNormalization, LayerNormalization and GroupNormalization evaluate, in float32,
///
///     inv = gamma · rsqrt(var + epsilon)
///     y   = x · inv + (beta − mean · inv)
///
/// On inputs with a large offset next to their spread (values near 1e4, spread 10) the two
/// products are ~1e3 while y is ~1: the sum cancels and y carries the products' rounding.
/// Two correct float32 evaluations that differ only in rounding (a last-bit different mean,
/// variance or rsqrt, exactly what separates Keras's own backends) can then disagree by a few
/// units in the last place of the products. With u = 2⁻²⁴, float32's unit roundoff, each
/// evaluation is within 2u·(|x·inv| + |mean·inv|) of exact arithmetic on its own statistics,
/// so two of them agree within
///
///     bound(i) = 4u · (|x(i)·inv(i)| + |mean(i)·inv(i)|)
///
/// at element i. The comparator allows this bound on top of atol + rtol·|expected|; for
/// well-conditioned data it is far below the default atol and changes nothing. It is a
/// property of Keras's formula and the case's data (input, weights, config), not of any
/// implementation, so it applies the same to every golden file, ours or anyone's.
public enum CancellationBound {
    /// float32's unit roundoff, 2⁻²⁴.
    public static let unitRoundoff = 0x1p-24

    /// The per-element bound for a case's output, or nil when the layer's formula has no such
    /// cancellation (every other layer, `rms_scaling`, non-float32 output, shapes that do not fit).
    public static func bound(for c: GoldenCase) -> [Double]? {
        guard c.output.elementType == .float32, c.output.shape == c.input.shape, !c.input.shape.isEmpty else { return nil }
        let x = c.input
        let rank = x.shape.count
        func axis(_ value: Int?) -> Int? {
            guard let value, value >= -rank, value < rank else { return nil }
            return value < 0 ? value + rank : value
        }
        let epsilon = c.config["epsilon"]?.doubleValue ?? 1e-3
        let statistics: Statistics
        var gamma = c.weights["gamma"]
        switch c.layer {
        case "BatchNormalization":
            guard let a = axis(c.config["axis"]?.intValue ?? -1) else { return nil }
            let trainable = c.config["trainable"]?.boolValue ?? true
            if c.training && trainable {
                statistics = Statistics(x, reducing: Set(0..<rank).subtracting([a]), mask: c.mask)
            } else {
                guard let mean = c.weights["moving_mean"], let variance = c.weights["moving_variance"],
                      mean.count == x.shape[a], variance.count == x.shape[a] else { return nil }
                statistics = Statistics(perChannel: x.shape, axis: a, mean: mean.values, variance: variance.values)
            }
            if let g = gamma, g.count != x.shape[a] { gamma = nil }
            return elementBound(x, statistics, epsilon: epsilon, gamma: gamma.map { ($0.values, a) }, fallbackGamma: 1)
        case "LayerNormalization":
            guard c.config["rms_scaling"]?.boolValue != true else { return nil }
            let axes: [Int?]
            if let list = c.config["axis"]?.arrayValue { axes = list.map { axis($0.intValue) } }
            else { axes = [axis(c.config["axis"]?.intValue ?? -1)] }
            guard !axes.isEmpty, axes.allSatisfy({ $0 != nil }) else { return nil }
            statistics = Statistics(x, reducing: Set(axes.map { $0! }), mask: nil)
            return elementBound(x, statistics, epsilon: epsilon, gamma: nil, fallbackGamma: maxMagnitude(gamma))
        case "GroupNormalization":
            guard let a = axis(c.config["axis"]?.intValue ?? -1), a != 0 else { return nil }
            let channels = x.shape[a]
            var groups = c.config["groups"]?.intValue ?? 32
            if groups == -1 { groups = channels }
            guard groups > 0, channels % groups == 0 else { return nil }
            statistics = Statistics(groupsOf: x, axis: a, groups: groups)
            return elementBound(x, statistics, epsilon: epsilon, gamma: nil, fallbackGamma: maxMagnitude(gamma))
        default:
            return nil
        }
    }

    private static func maxMagnitude(_ t: ReferenceTensor?) -> Double {
        t?.values.map(abs).max() ?? 1
    }

    /// 4u·(|x·inv| + |mean·inv|) with inv = |gamma|/sqrt(var + epsilon); gamma per channel when given.
    private static func elementBound(
        _ x: ReferenceTensor, _ s: Statistics, epsilon: Double, gamma: ([Double], Int)?, fallbackGamma: Double
    ) -> [Double] {
        let strides = Comparator.strides(x.shape)
        return x.values.indices.map { i in
            var g = fallbackGamma
            if let (values, axis) = gamma { g = abs(values[(i / strides[axis]) % x.shape[axis]]) }
            let inv = g / (s.variance[i] + epsilon).squareRoot()
            let bound = 4 * unitRoundoff * (abs(x.values[i] * inv) + abs(s.mean[i] * inv))
            return bound.isFinite ? bound : 0
        }
    }
}

/// Mean and (biased) variance broadcast back to every element of the input.
private struct Statistics {
    var mean: [Double]
    var variance: [Double]

    /// Over `reduced` axes; with a mask of rank − 1, Keras's masked moments (missing axis at −1).
    init(_ x: ReferenceTensor, reducing reduced: Set<Int>, mask: ReferenceTensor?) {
        let shape = x.shape
        let strides = Comparator.strides(shape)
        // The kept-axes key of each element: its index with reduced axes zeroed.
        func key(_ i: Int) -> Int {
            var k = 0
            for axis in shape.indices where !reduced.contains(axis) { k += ((i / strides[axis]) % shape[axis]) * strides[axis] }
            return k
        }
        let keys = x.values.indices.map(key)
        var weight = [Double](repeating: 1, count: x.count)
        if let mask, mask.shape == Array(shape.dropLast()) {
            let last = shape.last!
            weight = x.values.indices.map { mask.values[$0 / last] != 0 ? 1 : 0 }
        }
        var sum: [Int: Double] = [:], count: [Int: Double] = [:]
        for i in x.values.indices { sum[keys[i], default: 0] += x.values[i] * weight[i]; count[keys[i], default: 0] += weight[i] }
        // Keras's masked moments divide by (count + 1e-7); unmasked ones by the count.
        let guardTerm = mask == nil ? 0 : 1e-7
        var means: [Int: Double] = [:]
        for (k, s) in sum { means[k] = s / (count[k]! + guardTerm) }
        var squares: [Int: Double] = [:]
        for i in x.values.indices {
            let d = x.values[i] - means[keys[i]]!
            squares[keys[i], default: 0] += d * d * weight[i]
        }
        mean = keys.map { means[$0]! }
        variance = keys.map { squares[$0]! / (count[$0]! + guardTerm) }
    }

    /// Given per-channel statistics (BatchNormalization's moving mean and variance).
    init(perChannel shape: [Int], axis: Int, mean: [Double], variance: [Double]) {
        let stride = shape[(axis + 1)...].reduce(1, *)
        let count = shape.reduce(1, *)
        self.mean = (0..<count).map { mean[($0 / stride) % shape[axis]] }
        self.variance = (0..<count).map { variance[($0 / stride) % shape[axis]] }
    }

    /// GroupNormalization: per batch element and group of channels, over the other axes.
    init(groupsOf x: ReferenceTensor, axis: Int, groups: Int) {
        let shape = x.shape
        let channelStride = shape[(axis + 1)...].reduce(1, *)
        let perGroup = shape[axis] / groups
        let batchStride = shape.dropFirst().reduce(1, *)
        let keys = x.values.indices.map { i in (i / batchStride) * groups + ((i / channelStride) % shape[axis]) / perGroup }
        var sum = [Double](repeating: 0, count: shape[0] * groups), n = sum, squares = sum
        for i in x.values.indices { sum[keys[i]] += x.values[i]; n[keys[i]] += 1 }
        let means = zip(sum, n).map { $0 / $1 }
        for i in x.values.indices { let d = x.values[i] - means[keys[i]]; squares[keys[i]] += d * d }
        mean = keys.map { means[$0] }
        variance = keys.map { squares[$0] / n[$0] }
    }
}
