// The element types. Floating narrowing (`init(rounding:)`) rounds to nearest, ties to even
// (Swift's conversions, and `BFloat16.init(_: Float)`), as Keras's `ops.cast` does.

extension Float: FloatingTensorElement {
    public typealias Compute = Float
    public static var dtype: DType { .float32 }
    @inline(__always) public var widened: Float { self }
    @inline(__always) public init(rounding value: Float) { self = value }
    public var doubleValue: Double { Double(self) }
    public init(casting value: Double) { self = Float(value) }
    public static func erase(_ tensor: Tensor<Float>) -> AnyTensor { .float32(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<Float>? {
        if case .float32(let t) = tensor { return t }
        return nil
    }
}

extension Double: FloatingTensorElement {
    public typealias Compute = Double
    public static var dtype: DType { .float64 }
    @inline(__always) public var widened: Double { self }
    @inline(__always) public init(rounding value: Double) { self = value }
    public var doubleValue: Double { self }
    public init(casting value: Double) { self = value }
    public static func erase(_ tensor: Tensor<Double>) -> AnyTensor { .float64(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<Double>? {
        if case .float64(let t) = tensor { return t }
        return nil
    }
}

extension Float16: FloatingTensorElement {
    public typealias Compute = Float
    public static var dtype: DType { .float16 }
    @inline(__always) public var widened: Float { Float(self) }
    @inline(__always) public init(rounding value: Float) { self = Float16(value) }
    public var doubleValue: Double { Double(self) }
    public init(casting value: Double) { self = Float16(value) }
    public static func erase(_ tensor: Tensor<Float16>) -> AnyTensor { .float16(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<Float16>? {
        if case .float16(let t) = tensor { return t }
        return nil
    }
}

extension BFloat16: FloatingTensorElement {
    public typealias Compute = Float
    public static var dtype: DType { .bfloat16 }
    @inline(__always) public var widened: Float { floatValue }
    @inline(__always) public init(rounding value: Float) { self.init(value) }
    public var doubleValue: Double { Double(floatValue) }
    public init(casting value: Double) { self.init(value) }
    public static func erase(_ tensor: Tensor<BFloat16>) -> AnyTensor { .bfloat16(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<BFloat16>? {
        if case .bfloat16(let t) = tensor { return t }
        return nil
    }
}

/// Integers: `init(rounding:)` keeps an exact integer value, rounds toward zero otherwise and
/// saturates at the type's bounds (NaN gives 0); only max-like results, which are input
/// elements, reach it from the kernels.
extension BinaryInteger where Self: FixedWidthInteger {
    static func castingTowardZero<C: BinaryFloatingPoint>(_ value: C) -> Self {
        if value.isNaN { return 0 }
        if value <= C(Self.min) { return Self.min }
        if value >= C(Self.max) { return Self.max }
        return Self(value.rounded(.towardZero))
    }
}

extension UInt8: TensorElement {
    public typealias Compute = Float
    public static var dtype: DType { .uint8 }
    @inline(__always) public var widened: Float { Float(self) }
    public init(rounding value: Float) { self = .castingTowardZero(value) }
    public var doubleValue: Double { Double(self) }
    public init(casting value: Double) { self = .castingTowardZero(value) }
    public static func erase(_ tensor: Tensor<UInt8>) -> AnyTensor { .uint8(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<UInt8>? {
        if case .uint8(let t) = tensor { return t }
        return nil
    }
}

extension Int8: TensorElement {
    public typealias Compute = Float
    public static var dtype: DType { .int8 }
    @inline(__always) public var widened: Float { Float(self) }
    public init(rounding value: Float) { self = .castingTowardZero(value) }
    public var doubleValue: Double { Double(self) }
    public init(casting value: Double) { self = .castingTowardZero(value) }
    public static func erase(_ tensor: Tensor<Int8>) -> AnyTensor { .int8(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<Int8>? {
        if case .int8(let t) = tensor { return t }
        return nil
    }
}

extension Int16: TensorElement {
    public typealias Compute = Float
    public static var dtype: DType { .int16 }
    @inline(__always) public var widened: Float { Float(self) }
    public init(rounding value: Float) { self = .castingTowardZero(value) }
    public var doubleValue: Double { Double(self) }
    public init(casting value: Double) { self = .castingTowardZero(value) }
    public static func erase(_ tensor: Tensor<Int16>) -> AnyTensor { .int16(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<Int16>? {
        if case .int16(let t) = tensor { return t }
        return nil
    }
}

extension Int32: TensorElement {
    public typealias Compute = Double
    public static var dtype: DType { .int32 }
    @inline(__always) public var widened: Double { Double(self) }
    public init(rounding value: Double) { self = .castingTowardZero(value) }
    public var doubleValue: Double { Double(self) }
    public init(casting value: Double) { self = .castingTowardZero(value) }
    public static func erase(_ tensor: Tensor<Int32>) -> AnyTensor { .int32(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<Int32>? {
        if case .int32(let t) = tensor { return t }
        return nil
    }
}

/// int64 computes in Double: exact within ±2⁵³, the range the golden reader accepts (max pooling
/// only moves elements, so a pooled value is one of the input's).
extension Int64: TensorElement {
    public typealias Compute = Double
    public static var dtype: DType { .int64 }
    @inline(__always) public var widened: Double { Double(self) }
    public init(rounding value: Double) { self = .castingTowardZero(value) }
    public var doubleValue: Double { Double(self) }
    public init(casting value: Double) { self = .castingTowardZero(value) }
    public static func erase(_ tensor: Tensor<Int64>) -> AnyTensor { .int64(tensor) }
    public static func unwrap(_ tensor: AnyTensor) -> Tensor<Int64>? {
        if case .int64(let t) = tensor { return t }
        return nil
    }
}
