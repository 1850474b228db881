import Testing

@testable import KerasLayers

/// The normalization layers that compute in float32 read float16 and bfloat16 inputs and write
/// their outputs in the kernels (`compute` on `Tensor<Float16>` / `Tensor<BFloat16>`). The
/// reference is the float32 path they replace, built from the element-by-element conversions:
/// every input element widened (`widened`), the layer's float32 `compute`, every output element
/// rounded (`init(rounding:)`), the updated variables cast to the variable type. The two must
/// agree to the bit, NaN payloads included, on inputs with NaNs (quiet and signalling, both
/// signs), infinities, subnormals, the largest finite values, rows whose length is not a
/// multiple of 8 (unaligned rows, lane tails) and tensors large enough to be split across cores.
@Suite("Normalization: half-precision storage read and written by the kernels")
struct NormalizationHalfStorageTests {
    struct Case {
        var className: String
        var arguments: String
        var shape: [Int]
        var weights: [String: [Int]]
        var training = false
        var mask: [Int]? = nil
    }

    static let cases: [Case] = [
        Case(
            className: "BatchNormalization", arguments: "", shape: [3, 5, 37],
            weights: ["gamma": [37], "beta": [37], "moving_mean": [37], "moving_variance": [37]]),
        Case(
            className: "BatchNormalization", arguments: #""axis": 1"#, shape: [2, 6, 3, 11],
            weights: ["gamma": [6], "beta": [6], "moving_mean": [6], "moving_variance": [6]]),
        Case(
            className: "BatchNormalization", arguments: #""momentum": 0.9"#, shape: [4, 7, 21],
            weights: ["gamma": [21], "beta": [21], "moving_mean": [21], "moving_variance": [21]], training: true),
        Case(
            className: "BatchNormalization", arguments: #""momentum": 0.9, "center": false"#, shape: [4, 7, 21],
            weights: ["gamma": [21], "moving_mean": [21], "moving_variance": [21]], training: true, mask: [4, 7]),
        Case(
            className: "BatchNormalization", arguments: "", shape: [64, 2100],
            weights: ["gamma": [2100], "beta": [2100], "moving_mean": [2100], "moving_variance": [2100]], training: true),
        Case(className: "LayerNormalization", arguments: "", shape: [4, 6, 37], weights: ["gamma": [37], "beta": [37]]),
        Case(className: "LayerNormalization", arguments: "", shape: [96, 1500], weights: ["gamma": [1500], "beta": [1500]]),
        Case(className: "LayerNormalization", arguments: #""axis": [1, 2]"#, shape: [3, 5, 9], weights: ["gamma": [5, 9], "beta": [5, 9]]),
        Case(className: "LayerNormalization", arguments: #""axis": 1"#, shape: [3, 10, 7], weights: ["gamma": [10], "beta": [10]]),
        Case(className: "LayerNormalization", arguments: #""center": false"#, shape: [5, 19], weights: ["gamma": [19]]),
        Case(className: "LayerNormalization", arguments: #""scale": false"#, shape: [5, 19], weights: ["beta": [19]]),
        Case(className: "LayerNormalization", arguments: #""scale": false, "center": false"#, shape: [5, 19], weights: [:]),
        Case(className: "LayerNormalization", arguments: #""rms_scaling": true"#, shape: [5, 19], weights: ["gamma": [19]]),
        Case(className: "LayerNormalization", arguments: #""axis": 1, "rms_scaling": true"#, shape: [3, 10, 7], weights: ["gamma": [10]]),
        Case(className: "RMSNormalization", arguments: "", shape: [4, 6, 37], weights: ["scale": [37]]),
        Case(className: "RMSNormalization", arguments: "", shape: [96, 1500], weights: ["scale": [1500]]),
        Case(className: "RMSNormalization", arguments: #""axis": 1"#, shape: [3, 9, 9], weights: ["scale": [9]]),
        Case(className: "GroupNormalization", arguments: #""groups": 4"#, shape: [3, 5, 7, 12], weights: ["gamma": [12], "beta": [12]]),
        Case(className: "GroupNormalization", arguments: #""groups": -1, "axis": 1"#, shape: [2, 6, 23], weights: ["gamma": [6], "beta": [6]]),
        Case(className: "GroupNormalization", arguments: #""groups": 2"#, shape: [4, 56, 56, 16], weights: ["gamma": [16], "beta": [16]]),
    ]

    static let policies: [DTypePolicy] = [.mixedFloat16, .mixedBFloat16, .float16, .bfloat16]

    @Test("bit-identical to widening the input to float32, computing, and rounding the output", arguments: [false, true])
    func bitIdentical(specials: Bool) throws {
        var rng = TestRNG(seed: specials ? 31 : 30)
        for testCase in Self.cases {
            for policy in Self.policies {
                let separator = testCase.arguments.isEmpty ? "" : ", "
                var layer = try normMakeLayer(
                    testCase.className,
                    #"{\#(testCase.arguments)\#(separator)"dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "\#(policy.name)"}}}"#)
                var weights: [String: AnyTensor] = [:]
                for (name, shape) in testCase.weights {
                    let low = name == "moving_variance" ? 0.25 : -1.5
                    let values = (0..<shape.reduce(1, *)).map { _ in Float(rng.uniform(low, 2)) }
                    weights[name] = .float32(try Tensor(shape: shape, scalars: values))
                }
                try layer.setWeights(any: weights)
                var options = CallOptions(training: testCase.training)
                if let maskShape = testCase.mask {
                    options.mask = try Tensor(shape: maskShape, scalars: (0..<maskShape.reduce(1, *)).map { _ in UInt8(rng.next() % 4 == 0 ? 0 : 1) })
                }
                let context = "\(testCase.className) {\(testCase.arguments)} \(testCase.shape) \(policy.name) specials: \(specials)"
                switch policy.computeDType {
                case .float16:
                    let x = Self.input(Float16.self, testCase.shape, specials: specials, rng: &rng)
                    try Self.expectIdentical(layer, x, options: options, policy: policy, context)
                default:
                    let x = Self.input(BFloat16.self, testCase.shape, specials: specials, rng: &rng)
                    try Self.expectIdentical(layer, x, options: options, policy: policy, context)
                }
            }
        }
    }

    /// `call` on the half input against the float32 reference, bit by bit.
    static func expectIdentical<Half: FloatingTensorElement>(
        _ layer: any KerasLayer, _ x: Tensor<Half>, options: CallOptions, policy: DTypePolicy, _ context: String
    ) throws where Half.Compute == Float {
        let result = try layer.call(AnyTensor(x), options: options)
        let computing = try #require(layer as? any NormalizationComputing, "\(context)")
        let wide = try Tensor(shape: x.shape, scalars: x.scalars.map(\.widened))
        let reference = try floatReference(computing, wide, options: options)
        let output = try #require(result.output.tensor(of: Half.self), "\(context): output \(result.output.dtype)")
        let expected = reference.output.scalars.map(Half.init(rounding:))
        let differing = output.scalars.indices.filter { bits(output.scalars[$0]) != bits(expected[$0]) }
        #expect(
            differing.isEmpty,
            "\(context): \(differing.count) outputs differ, first at \(differing.prefix(3).map { "\($0): \(bits(output.scalars[$0])) vs \(bits(expected[$0]))" })"
        )
        #expect(Set(result.updatedWeights.keys) == Set(reference.updatedWeights.keys), "\(context)")
        for (name, weight) in reference.updatedWeights {
            let expected = AnyTensor.float32(weight).cast(to: policy.variableDType)
            #expect(result.updatedWeights[name].map(bits) == bits(expected), "\(context): \(name)")
        }
    }

    static func floatReference<Layer: NormalizationComputing>(_ layer: Layer, _ x: Tensor<Float>, options: CallOptions) throws -> NormResult<Float> {
        try layer.compute(x, options: options)
    }

    /// The elements' bit patterns (variables: float32 or a half type).
    static func bits(_ tensor: AnyTensor) -> [UInt32] {
        switch tensor {
        case .float32(let t): return t.scalars.map(\.bitPattern)
        case .float16(let t): return t.scalars.map { UInt32($0.bitPattern) }
        case .bfloat16(let t): return t.scalars.map { UInt32($0.bitPattern) }
        default:
            Issue.record("a variable of type \(tensor.dtype) under a half-precision policy")
            return []
        }
    }

    static func bits<Half: FloatingTensorElement>(_ value: Half) -> UInt16 {
        withUnsafeBytes(of: value) { $0.load(as: UInt16.self) }
    }

    /// Standard-normal values rounded to `Half`, with one row of subnormals, one of values near
    /// the largest finite, and (with `specials`) about 2 % of the elements replaced by NaNs of
    /// either sign and kind, infinities, signed zeros, subnormals and extreme finite values.
    static func input<Half: FloatingTensorElement>(_: Half.Type, _ shape: [Int], specials: Bool, rng: inout TestRNG) -> Tensor<Half>
    where Half.Compute == Float {
        let count = shape.reduce(1, *)
        let row = shape.last!
        let float16 = Half.self == Float16.self
        // Quiet NaN, signalling NaNs, NaN with all payload bits, ±∞, the smallest and largest
        // subnormals, the largest finite value, ±0.
        let special: [UInt16] =
            float16
            ? [0x7E00, 0x7C01, 0xFE01, 0x7FFF, 0x7C00, 0xFC00, 0x0001, 0x8001, 0x03FF, 0x7BFF, 0xFBFF, 0x0000, 0x8000]
            : [0x7FC0, 0x7F81, 0xFF81, 0x7FFF, 0x7F80, 0xFF80, 0x0001, 0x8001, 0x007F, 0x7F7F, 0xFF7F, 0x0000, 0x8000]
        let subnormalMask: UInt16 = float16 ? 0x03FF : 0x007F
        let largest: Float = float16 ? 60000 : 3e38
        var scalars: [Half] = []
        scalars.reserveCapacity(count)
        for i in 0..<count {
            let r = i / row
            var value: Half
            if r == 1 {
                value = fromBits(UInt16(truncatingIfNeeded: rng.next()) & (0x8000 | subnormalMask))
            } else if r == 2 {
                value = Half(rounding: largest * Float(rng.uniform(-1, 1)))
            } else {
                value = Half(rounding: Float(rng.normal() * 1.5 + 0.25))
            }
            if specials, rng.next() % 50 == 0 {
                value = fromBits(special[Int(rng.next() % UInt64(special.count))])
            }
            scalars.append(value)
        }
        return try! Tensor(shape: shape, scalars: scalars)
    }

    static func fromBits<Half>(_ bits: UInt16) -> Half {
        withUnsafeBytes(of: bits) { $0.load(as: Half.self) }
    }
}
