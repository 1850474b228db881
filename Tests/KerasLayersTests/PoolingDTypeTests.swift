import KerasJSON
import Testing

@testable import KerasLayers

/// Pooling under every dtype policy and with integer inputs: the element type Keras returns,
/// exactness of max in every type, and the float32 path as the reference for what cannot
/// round differently (no expected value is written by hand).
@Suite("Pooling: dtype policies and integer inputs")
struct PoolingDTypeTests {
    /// Every pooling class with a small config, built through the registry as a Keras config would be.
    static let configs: [(String, String)] = [
        ("MaxPooling1D", #""pool_size": 2"#), ("MaxPooling2D", #""pool_size": 2, "padding": "same""#),
        ("MaxPooling3D", #""pool_size": 2"#), ("AveragePooling1D", #""pool_size": 3, "strides": 1"#),
        ("AveragePooling2D", #""pool_size": 3, "strides": 2, "padding": "same""#), ("AveragePooling3D", #""pool_size": 2"#),
        ("GlobalMaxPooling1D", ""), ("GlobalMaxPooling2D", ""), ("GlobalMaxPooling3D", ""),
        ("GlobalAveragePooling1D", ""), ("GlobalAveragePooling2D", ""), ("GlobalAveragePooling3D", ""),
        ("AdaptiveMaxPooling1D", #""output_size": 3"#), ("AdaptiveMaxPooling2D", #""output_size": 3"#),
        ("AdaptiveMaxPooling3D", #""output_size": 3"#), ("AdaptiveAveragePooling1D", #""output_size": 3"#),
        ("AdaptiveAveragePooling2D", #""output_size": 3"#), ("AdaptiveAveragePooling3D", #""output_size": 3"#),
    ]

    static func layer(_ className: String, _ arguments: String, policy: String) throws -> any KerasLayer {
        let separator = arguments.isEmpty ? "" : ", "
        let json = #"{\#(arguments)\#(separator)"dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "\#(policy)"}}}"#
        return try LayerRegistry.makeLayer(className: className, config: try JSONValue(parsing: json))
    }

    static func input(for className: String) -> Tensor<Float> {
        let rank = Int(String(className.dropLast().last!))!
        return poolingRandomTensor([2] + [Int](repeating: 5, count: rank) + [3], seed: UInt64(rank))
    }

    @Test("the output has the policy's compute type; max equals the float32 max of the cast input exactly")
    func everyPolicyEveryLayer() throws {
        for (className, arguments) in Self.configs {
            let x = Self.input(for: className)
            let reference = try Self.layer(className, arguments, policy: "float32")
            for policy in DTypePolicy.supported {
                let layer = try Self.layer(className, arguments, policy: policy.name)
                #expect(layer.dtypePolicy == policy, "\(className) \(policy)")
                let cast = AnyTensor.float32(x).cast(to: policy.computeDType)
                let y = try layer.call(cast, options: CallOptions()).output
                #expect(y.dtype == policy.computeDType, "\(className) \(policy): output \(y.dtype)")
                // A float32 input is autocast to the compute type first (Keras's convert_input).
                let fromFloat = try layer.call(.float32(x), options: CallOptions()).output
                #expect(fromFloat == y, "\(className) \(policy): float32 input is not autocast")
                guard className.contains("Max") else { continue }
                let wide = try cast.exactFloat32(layer: className, what: "input")
                let expected = AnyTensor.float32(try reference.call(wide, options: CallOptions()).output).cast(to: policy.computeDType)
                #expect(y == expected, "\(className) \(policy): max is not exact")
            }
        }
    }

    @Test("uint8 and other integers: max keeps the type bit for bit; global average gives float32; average refuses")
    func integerInputs() throws {
        var rng = TestRNG(seed: 8)
        for (className, arguments) in Self.configs {
            let shape = Self.input(for: className).shape
            let bytes = (0..<shape.reduce(1, *)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let x = try Tensor(shape: shape, scalars: bytes)
            let layer = try Self.layer(className, arguments, policy: "mixed_float16")
            let floats = try Tensor(shape: shape, scalars: bytes.map(Float.init))
            let float32Layer = try Self.layer(className, arguments, policy: "float32")
            if className.contains("Max") {
                let y: Tensor<UInt8> = try layer(x)
                let expected = try float32Layer(floats)
                #expect(y.scalars.map(Float.init) == expected.scalars, "\(className) uint8")
                let wide = try layer.call(AnyTensor(try Tensor(shape: shape, scalars: bytes.map { Int32($0) - 128 })), options: CallOptions())
                #expect(wide.output.dtype == .int32, "\(className) int32")
            } else if className.hasPrefix("Global") {
                let y = try layer.call(AnyTensor(x), options: CallOptions()).output
                #expect(y == .float32(try float32Layer(floats)), "\(className) uint8 mean")
            } else {
                #expect(throws: KerasLayerError.self, "\(className) uint8") { try layer.call(AnyTensor(x), options: CallOptions()) }
            }
        }
    }

    @Test("float64 averages agree with float32 averages to float32 rounding")
    func float64Averages() throws {
        for (className, arguments) in Self.configs where className.contains("Average") {
            let x = Self.input(for: className)
            let y64 = try Self.layer(className, arguments, policy: "float64").call(.float32(x), options: CallOptions()).output
            let y32 = try Self.layer(className, arguments, policy: "float32").call(.float32(x), options: CallOptions()).output
            #expect(y64.dtype == .float64, "\(className)")
            for (a, b) in zip(y64.doubleValues, y32.doubleValues) {
                #expect(abs(a - b) <= 4e-7 * max(1, abs(a)), "\(className): float64 \(a), float32 \(b)")
            }
        }
    }

    @Test("a typed call returns the compute type, and refuses another element type clearly")
    func typedCalls() throws {
        let x = poolingRandomTensor([1, 4, 4, 2], seed: 3)
        let layer = try AveragePooling2D(poolSize: [2, 2], dtype: .mixedBFloat16)
        let xb = try Tensor(shape: x.shape, scalars: x.scalars.map { BFloat16($0) })
        let y: Tensor<BFloat16> = try layer(xb)
        #expect(y.shape == [1, 2, 2, 2])
        #expect(throws: KerasLayerError.self) { try layer(x) }
    }
}
