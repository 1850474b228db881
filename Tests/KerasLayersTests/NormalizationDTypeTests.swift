import KerasJSON
import Testing

@testable import KerasLayers

/// The normalization layers under the dtype policies and with integer inputs: the element
/// types Keras returns, and the float32 computation as the reference for the layers that
/// upcast (Keras's result is the float32 result cast; no expected value is written by hand).
/// The values themselves are checked against Keras by the dtype goldens.
@Suite("Normalization: dtype policies and integer inputs")
struct NormalizationDTypeTests {
    /// Every normalization class with a small config and the call it gets.
    static let configs: [(className: String, arguments: String, training: Bool)] = [
        ("BatchNormalization", #""momentum": 0.9"#, true), ("BatchNormalization", "", false),
        ("LayerNormalization", "", false), ("GroupNormalization", #""groups": 2"#, false),
        ("RMSNormalization", "", false), ("UnitNormalization", "", false),
        ("Normalization", #""mean": [0.5, -1.0, 2.0, 0.25], "variance": [2.0, 0.5, 3.0, 1.0]"#, false),
    ]

    /// The classes that compute in float32 under the half-precision policies (Keras's `result_type(x, "float32")`).
    static let upcasting: Set<String> = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization"]

    static func layer(_ className: String, _ arguments: String, policy: String) throws -> any KerasLayer {
        let separator = arguments.isEmpty ? "" : ", "
        let json = #"{\#(arguments)\#(separator)"dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "\#(policy)"}}}"#
        return try LayerRegistry.makeLayer(className: className, config: try JSONValue(parsing: json))
    }

    static let input: Tensor<Float> = {
        var rng = TestRNG(seed: 12)
        return rng.tensor([3, 5, 4], mean: 0.5, std: 2)
    }()

    @Test("half policies: the compute type out, variables updated in the variable type, the upcasting layers equal to float32 rounded once")
    func halfPolicies() throws {
        for (className, arguments, training) in Self.configs {
            let reference = try Self.layer(className, arguments, policy: "float32")
            let options = CallOptions(training: training)
            for policy in [DTypePolicy.float16, .bfloat16, .mixedFloat16, .mixedBFloat16] {
                let layer = try Self.layer(className, arguments, policy: policy.name)
                #expect(layer.dtypePolicy == policy, "\(className) \(policy)")
                let x = AnyTensor.float32(Self.input).cast(to: policy.computeDType)
                let result = try layer.call(x, options: options)
                #expect(result.output.dtype == policy.computeDType, "\(className) \(policy): output \(result.output.dtype)")
                for (name, weight) in result.updatedWeights {
                    #expect(weight.dtype == policy.variableDType, "\(className) \(policy): \(name) is \(weight.dtype)")
                }
                #expect(result.updatedWeights.isEmpty == !training, "\(className) \(policy)")
                guard Self.upcasting.contains(className) else { continue }
                let wide = try reference.call(try x.exactFloat32(layer: className, what: "x"), options: options)
                #expect(result.output == AnyTensor.float32(wide.output).cast(to: policy.computeDType), "\(className) \(policy)")
                for (name, weight) in wide.updatedWeights {
                    #expect(result.updatedWeights[name] == AnyTensor.float32(weight).cast(to: policy.variableDType), "\(className) \(policy): \(name)")
                }
            }
        }
    }

    @Test("a float32 input under a mixed policy: autocast to the compute type, except by LayerNormalization and GroupNormalization")
    func mixedFloat32Input() throws {
        for (className, arguments, training) in Self.configs {
            let options = CallOptions(training: training)
            let layer = try Self.layer(className, arguments, policy: "mixed_float16")
            let fromFloat = try layer.call(.float32(Self.input), options: options).output
            #expect(fromFloat.dtype == .float16, "\(className)")
            let fromHalf = try layer.call(AnyTensor.float32(Self.input).cast(to: .float16), options: options).output
            if layer.autocastsInput {
                #expect(fromFloat == fromHalf, "\(className): a float32 input is not autocast")
            } else {
                let reference = try Self.layer(className, arguments, policy: "float32")
                let wide = try reference.call(Self.input, options: options).output
                #expect(fromFloat == AnyTensor.float32(wide).cast(to: .float16), "\(className): not computed from the float32 input")
            }
        }
        #expect(try !Self.layer("LayerNormalization", "", policy: "float32").autocastsInput)
        #expect(try !Self.layer("GroupNormalization", #""groups": 2"#, policy: "float32").autocastsInput)
    }

    @Test("float64: computed in Double, variables updated in float64, close to the float32 result on float32-exact data")
    func float64() throws {
        for (className, arguments, training) in Self.configs {
            let options = CallOptions(training: training)
            let layer = try Self.layer(className, arguments, policy: "float64")
            let result = try layer.call(AnyTensor.float32(Self.input).cast(to: .float64), options: options)
            #expect(result.output.dtype == .float64, "\(className)")
            #expect(result.updatedWeights.values.allSatisfy { $0.dtype == .float64 }, "\(className)")
            let reference = try Self.layer(className, arguments, policy: "float32").call(.float32(Self.input), options: options)
            let wide = reference.output.doubleValues, exact = result.output.doubleValues
            let worst = zip(wide, exact).map { abs($0 - $1) / (1e-6 + abs($1)) }.max() ?? 0
            #expect(worst < 1e-5, "\(className): float32 and float64 results differ by \(worst) relative")
        }
    }

    @Test("uint8 input: float32 out of BatchNormalization and Normalization, uint8 out of RMSNormalization (truncated), UnitNormalization refuses")
    func integerInputs() throws {
        var rng = TestRNG(seed: 3)
        let bytes = Tensor<UInt8>(uncheckedShape: [3, 4], scalars: (0..<12).map { _ in UInt8(rng.next() % 256) })
        let x = AnyTensor(bytes)
        let wide = try x.exactFloat32(layer: "test", what: "x")
        for (className, arguments, training) in Self.configs {
            let layer = try Self.layer(className, arguments, policy: "float32")
            let options = CallOptions(training: training)
            switch className {
            case "UnitNormalization":
                let error = normError { try layer.call(x, options: options) }
                guard case .unsupported(let name, let message) = error else {
                    Issue.record("UnitNormalization: expected an unsupported error, got \(String(describing: error))")
                    continue
                }
                #expect(name == className && message.contains("uint8"), "\(message)")
            case "RMSNormalization":
                let y = try layer.call(x, options: options).output
                let expected = AnyTensor.float32(try layer.call(wide, options: options).output).cast(to: .uint8)
                #expect(y == expected)
            case "BatchNormalization", "Normalization":
                let y = try layer.call(x, options: options).output
                #expect(y == .float32(try layer.call(wide, options: options).output), "\(className)")
            default:
                continue
            }
        }
    }

    @Test("gradients: ∂L/∂x in the input's type, variable gradients in the variable type (float64 under float64)")
    func gradients() throws {
        for (className, arguments, training) in Self.configs {
            let options = CallOptions(training: training)
            for policy in [DTypePolicy.float16, .mixedBFloat16, .float64] {
                guard let layer = try Self.layer(className, arguments, policy: policy.name) as? any DifferentiableLayer else { continue }
                let x = AnyTensor.float32(Self.input).cast(to: policy.computeDType)
                let dy = AnyTensor.float32(Self.input).cast(to: policy.computeDType)
                guard let g = try layer.gradient(of: x, upstream: dy, options: options) else {
                    Issue.record("\(className) \(policy): no gradient")
                    continue
                }
                #expect(g.input.dtype == policy.computeDType && g.input.shape == Self.input.shape, "\(className) \(policy)")
                for (name, weight) in g.weights {
                    #expect(weight.dtype == policy.variableDType, "\(className) \(policy): \(name)")
                }
            }
        }
    }
}
