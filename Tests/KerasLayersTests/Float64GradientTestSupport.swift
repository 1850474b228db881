import KerasJSON
import Testing

@testable import KerasLayers

// The float64 backward passes checked against the layers' own float64 forward passes, through
// `gradient(of: AnyTensor, ...)` and `call(_: AnyTensor, ...)` under the float64 policy. For the
// loss L = Σ y·dy with a random float64 dy, every element v of ∂L/∂x and of each trainable
// variable's gradient is compared with the five-point central difference of L along v,
//
//     ∂L/∂v ≈ (−L(v + 2h) + 8·L(v + h) − 8·L(v − h) + L(v − 2h)) / (12·h),    h = 2⁻¹⁰,
//
// whose truncation error is h⁴/30·|∂⁵L/∂v⁵| (about 3e-14 times it) and whose rounding error is
// about ε·|L|/h (ε = 2⁻⁵², about 2e-13·|L|): both far below the tolerance, 1e-9 of the largest
// gradient element (at least 1), which a float32 computation (relative error ~6e-8) misses.
// Max pooling is piecewise linear: on inputs of distinct multiples of 1/16 no step of 2h moves
// an argmax.

/// One layer under the float64 policy and the call to differentiate.
struct Float64GradientCase: Sendable, CustomTestStringConvertible {
    var className: String
    /// The config's arguments (JSON members without braces), without `dtype`.
    var arguments: String = ""
    var inputShape: [Int]
    /// Every variable of the layer by name and shape, set to seeded values (positive for
    /// variances and standard deviations).
    var weights: [String: [Int]] = [:]
    /// The variables that have gradients (trainable).
    var trainable: [String] = []
    var training = false
    var maskShape: [Int]? = nil
    /// A tie-free input of distinct multiples of 1/16 (max pooling), instead of normal values.
    var distinct = false

    var testDescription: String {
        "\(className) {\(arguments)} on \(PythonLiteral.tuple(inputShape))" + (training ? " training" : "")
            + (maskShape.map { " with a mask of shape \(PythonLiteral.tuple($0))" } ?? "")
    }

    /// The layer, its variables set to `weightValues`.
    func layer() throws -> any DifferentiableLayer {
        let separator = arguments.isEmpty ? "" : ", "
        let json = #"{\#(arguments)\#(separator)"dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"}}}"#
        let layer = try LayerRegistry.makeLayer(className: className, config: try JSONValue(parsing: json))
        guard var differentiable = layer as? any DifferentiableLayer else { throw Float64GradientTestError.notDifferentiable(className) }
        if !weights.isEmpty { try differentiable.setWeights(any: weightValues().mapValues { .float64($0) }) }
        return differentiable
    }

    /// Seeded values of every variable, in name order: normal, or 0.5 + |normal| for variances
    /// and standard deviations.
    func weightValues() -> [String: Tensor<Double>] {
        var rng = TestRNG(seed: 31)
        var values: [String: Tensor<Double>] = [:]
        for name in weights.keys.sorted() {
            let normal = f64Tensor(weights[name]!, rng: &rng)
            let positive = name.contains("variance") || name.contains("stddev")
            values[name] = positive ? Tensor(uncheckedShape: normal.shape, scalars: normal.scalars.map { 0.5 + abs($0) }) : normal
        }
        return values
    }

    /// The input: normal values around 0.5 (std 1.5), or distinct multiples of 1/16 in a seeded
    /// order (steps of 2h move no maximum; small values keep L's rounding small).
    func input(seed: UInt64) -> Tensor<Double> {
        var rng = TestRNG(seed: seed)
        guard distinct else { return f64Tensor(inputShape, rng: &rng, mean: 0.5, std: 1.5) }
        let n = inputShape.reduce(1, *)
        var values = (0..<n).map { Double($0 - n / 2) / 16 }
        for i in stride(from: n - 1, to: 0, by: -1) { values.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return Tensor(uncheckedShape: inputShape, scalars: values)
    }

    /// The mask: seeded 0/1 values with at least one 1 in every row of the last axis (a fully
    /// masked GlobalAveragePooling1D row outputs 0 / 0, with no derivative).
    func mask(seed: UInt64) -> Tensor<UInt8>? {
        guard let maskShape else { return nil }
        var rng = TestRNG(seed: seed)
        var values = (0..<maskShape.reduce(1, *)).map { _ -> UInt8 in rng.next() % 3 == 0 ? 0 : 1 }
        let row = maskShape.last ?? 1
        for start in stride(from: 0, to: values.count, by: row) { values[start] = 1 }
        return Tensor(uncheckedShape: maskShape, scalars: values)
    }
}

enum Float64GradientTestError: Error {
    case notDifferentiable(String)
    case notFloat64(String)
}

/// Seeded normal values (full float64 precision, not float32 values widened).
func f64Tensor(_ shape: [Int], rng: inout TestRNG, mean: Double = 0, std: Double = 1) -> Tensor<Double> {
    Tensor(uncheckedShape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in mean + std * rng.normal() })
}

/// Checks the case's float64 backward pass against central differences of its float64 forward
/// pass (see the file comment): the types (float64 ∂L/∂x and variable gradients, exactly the
/// trainable ones) and every element. Records one issue per tensor, at its worst element.
func f64CheckGradient(_ c: Float64GradientCase, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let layer = try c.layer()
    let x = c.input(seed: seed)
    let options = CallOptions(training: c.training, mask: c.mask(seed: seed &+ 7))
    func forward(_ layer: any DifferentiableLayer, _ x: [Double]) throws -> [Double] {
        let output = try layer.call(.float64(Tensor(uncheckedShape: c.inputShape, scalars: x)), options: options).output
        guard let y = output.tensor(of: Double.self) else { throw Float64GradientTestError.notFloat64("\(c.testDescription): output \(output.dtype)") }
        return y.scalars
    }
    let y = try forward(layer, x.scalars)
    var rng = TestRNG(seed: seed &+ 13)
    let dy = f64Tensor(try layer.outputShape(forInputShape: c.inputShape), rng: &rng)
    guard let gradients = try layer.gradient(of: .float64(x), upstream: .float64(dy), options: options) else {
        Issue.record("\(c.testDescription): no float64 backward pass", sourceLocation: sourceLocation)
        return
    }
    #expect(y.count == dy.count, "\(c.testDescription): output of \(y.count) elements", sourceLocation: sourceLocation)
    #expect(
        Set(gradients.weights.keys) == Set(c.trainable),
        "\(c.testDescription): gradients of \(gradients.weights.keys.sorted()), expected \(c.trainable.sorted())", sourceLocation: sourceLocation)

    func loss(_ layer: any DifferentiableLayer, _ x: [Double]) throws -> Double {
        zip(try forward(layer, x), dy.scalars).reduce(0) { $0 + $1.0 * $1.1 }
    }
    /// The five-point central difference of `evaluate` along each element of `values`.
    func numeric(_ values: [Double], _ evaluate: ([Double]) throws -> Double) throws -> [Double] {
        let h = 0x1p-10
        var probe = values
        return try values.indices.map { i in
            func at(_ steps: Double) throws -> Double {
                probe[i] = values[i] + steps * h
                defer { probe[i] = values[i] }
                return try evaluate(probe)
            }
            return (try at(-2) - 8 * at(-1) + 8 * at(1) - at(2)) / (12 * h)
        }
    }
    func compare(_ analytic: AnyTensor?, _ expected: [Double], shape: [Int], name: String) {
        guard let analytic, let values = analytic.tensor(of: Double.self), values.shape == shape else {
            Issue.record(
                "\(c.testDescription): \(name) is \(analytic.map { "\($0.dtype) of shape \($0.shape)" } ?? "missing"), expected float64 of shape \(shape)",
                sourceLocation: sourceLocation)
            return
        }
        let tolerance = 1e-9 * Swift.max(1, expected.map(abs).max() ?? 0)
        guard let worst = expected.indices.max(by: { abs(values.scalars[$0] - expected[$0]) < abs(values.scalars[$1] - expected[$1]) }) else { return }
        let error = abs(values.scalars[worst] - expected[worst])
        #expect(
            error <= tolerance,
            "\(c.testDescription): \(name)[\(worst)] = \(values.scalars[worst]), central difference \(expected[worst]) (error \(error), tolerance \(tolerance))",
            sourceLocation: sourceLocation)
    }
    compare(gradients.input, try numeric(x.scalars) { try loss(layer, $0) }, shape: c.inputShape, name: "dx")
    for name in c.trainable {
        let weights = c.weightValues()
        guard let value = weights[name] else {
            Issue.record("\(c.testDescription): trainable '\(name)' is not among the case's weights", sourceLocation: sourceLocation)
            continue
        }
        let expected = try numeric(value.scalars) { v in
            var probe = layer
            var moved = weights
            moved[name] = Tensor(uncheckedShape: value.shape, scalars: v)
            try probe.setWeights(any: moved.mapValues { .float64($0) })
            return try loss(probe, x.scalars)
        }
        compare(gradients.weights[name], expected, shape: value.shape, name: "d\(name)")
    }
}
