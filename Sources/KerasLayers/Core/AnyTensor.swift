/// A tensor of any element type `TensorElement` has: what a dtype-polymorphic caller (a
/// model runner, the conformance adapter) hands a layer when the element type is data, not
/// a type parameter. Typed code uses `Tensor<Scalar>` directly.
public enum AnyTensor: Sendable, Equatable {
    case float16(Tensor<Float16>)
    case bfloat16(Tensor<BFloat16>)
    case float32(Tensor<Float>)
    case float64(Tensor<Double>)
    case uint8(Tensor<UInt8>)
    case int8(Tensor<Int8>)
    case int16(Tensor<Int16>)
    case int32(Tensor<Int32>)
    case int64(Tensor<Int64>)

    public init<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) {
        self = Scalar.erase(tensor)
    }

    public var dtype: DType { visit(DTypeVisitor()) }

    public var shape: [Int] { visit(ShapeVisitor()) }

    /// Calls `visitor` with the typed tensor inside: the one switch over element types that
    /// generic code (`Tensor<Scalar>`) is reached through.
    public func visit<Visitor: AnyTensorVisitor>(_ visitor: Visitor) throws(Visitor.Failure) -> Visitor.Result {
        switch self {
        case .float16(let t): return try visitor.visit(t)
        case .bfloat16(let t): return try visitor.visit(t)
        case .float32(let t): return try visitor.visit(t)
        case .float64(let t): return try visitor.visit(t)
        case .uint8(let t): return try visitor.visit(t)
        case .int8(let t): return try visitor.visit(t)
        case .int16(let t): return try visitor.visit(t)
        case .int32(let t): return try visitor.visit(t)
        case .int64(let t): return try visitor.visit(t)
        }
    }

    /// The typed tensor when this holds `Scalar` elements, else nil.
    public func tensor<Scalar: TensorElement>(of _: Scalar.Type = Scalar.self) -> Tensor<Scalar>? {
        Scalar.unwrap(self)
    }

    /// Every element as a Double, exactly, in row-major order.
    public var doubleValues: [Double] { visit(DoubleValuesVisitor()) }

    /// Keras's `ops.cast` to `dtype` (see `TensorElement.init(casting:)`); the same tensor when
    /// it already has that type.
    public func cast(to dtype: DType) -> AnyTensor {
        if dtype == self.dtype { return self }
        if let floats = visit(Float32WideningVisitor(narrowingTo: dtype)) { return floats }
        let shape = self.shape
        let values = doubleValues
        func make<Scalar: TensorElement>(_: Scalar.Type) -> AnyTensor {
            .init(Tensor<Scalar>(uncheckedShape: shape, scalars: values.map(Scalar.init(casting:))))
        }
        return make(dtype.elementType)
    }
}

/// A generic operation on a `Tensor` of any element type, applied with `AnyTensor.visit`.
public protocol AnyTensorVisitor {
    associatedtype Result
    /// `Never` for operations that cannot fail.
    associatedtype Failure: Error = Never
    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) throws(Failure) -> Result
}

private struct ShapeVisitor: AnyTensorVisitor {
    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) -> [Int] { tensor.shape }
}

private struct DTypeVisitor: AnyTensorVisitor {
    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) -> DType { Scalar.dtype }
}

private struct DoubleValuesVisitor: AnyTensorVisitor {
    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) -> [Double] { tensor.scalars.map(\.doubleValue) }
}

/// The direct conversions between float32 and the half-precision types (whose `Compute` is
/// `Float`), without going through Double: widening a half to float32 is exact, and narrowing
/// float32 to a half type rounds once to nearest even, as `init(casting:)` does from the same
/// (exactly widened) value. nil for every other pair of types.
private struct Float32WideningVisitor: AnyTensorVisitor {
    let target: DType

    init(narrowingTo target: DType) { self.target = target }

    // The type checks compare metatypes once; the arrays are then reinterpreted, never cast
    // element by element (`as? [Float]` on a generic array casts every element dynamically).
    func visit<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) -> AnyTensor? {
        guard Scalar.dtype.isFloatingPoint, target.isFloatingPoint, Scalar.Compute.self == Float.self else { return nil }
        if target == .float32 {
            let floats = unsafeBitCast(Scalar.widen(tensor.scalars), to: [Float].self)
            return .float32(Tensor(uncheckedShape: tensor.shape, scalars: floats))
        }
        guard Scalar.self == Float.self else { return nil }
        func narrow<Half: TensorElement>(_: Half.Type) -> AnyTensor? {
            guard Half.Compute.self == Float.self else { return nil }
            let values = unsafeBitCast(tensor.scalars, to: [Half.Compute].self)
            return AnyTensor(Tensor<Half>(uncheckedShape: tensor.shape, scalars: Half.narrow(values)))
        }
        return narrow(target.elementType)
    }
}
