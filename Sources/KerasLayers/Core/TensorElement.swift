/// Keras's element types (`backend.standardize_dtype` names) this library computes with.
public enum DType: String, Sendable, CaseIterable {
    case float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64

    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// The Swift element type.
    public var elementType: any TensorElement.Type {
        switch self {
        case .float16: return Float16.self
        case .bfloat16: return BFloat16.self
        case .float32: return Float.self
        case .float64: return Double.self
        case .uint8: return UInt8.self
        case .int8: return Int8.self
        case .int16: return Int16.self
        case .int32: return Int32.self
        case .int64: return Int64.self
        }
    }
}

/// A scalar the kernels compute in: `Float` or `Double`.
///
/// The vector operations the kernels need are requirements, written once per concrete type,
/// so that generic kernels specialise to the same `maxps`/`addps`/`divps` as hand-written
/// float32 code (inside a generic, the `SIMD` protocol's own operators are per-lane loops that
/// do not vectorise). `Codable` is implied by `FloatingTensorElement`'s `SIMD8<Compute>`
/// lanes with `Compute == Self`, and stated.
public protocol ComputeScalar: BinaryFloatingPoint, SIMDScalar, FloatingTensorElement, Codable
where SIMD8Storage: Sendable, SIMD16Storage: Sendable, Compute == Self {
    /// a > b lanewise, else a (NaN in `b` propagates): the max of two accumulators.
    static func lanesMaxPropagatingNaN(_ accumulator: SIMD8<Self>, _ x: SIMD8<Self>) -> SIMD8<Self>
    static func lanesMaxPropagatingNaN(_ accumulator: SIMD16<Self>, _ x: SIMD16<Self>) -> SIMD16<Self>
    /// x > a ? x : a lanewise, for data without NaN (one `max` instruction).
    static func lanesMax(_ accumulator: SIMD8<Self>, _ x: SIMD8<Self>) -> SIMD8<Self>
    static func lanesMax(_ accumulator: SIMD16<Self>, _ x: SIMD16<Self>) -> SIMD16<Self>
    static func lanesAdd(_ a: SIMD8<Self>, _ b: SIMD8<Self>) -> SIMD8<Self>
    static func lanesAdd(_ a: SIMD16<Self>, _ b: SIMD16<Self>) -> SIMD16<Self>
    static func lanesDivide(_ a: SIMD8<Self>, by divisor: Self) -> SIMD8<Self>
    static func lanesDivide(_ a: SIMD16<Self>, by divisor: Self) -> SIMD16<Self>
    /// Whether any lane is NaN.
    static func lanesHaveNaN(_ a: SIMD16<Self>) -> Bool
    /// Stores a finished output chunk (Float: streaming stores when aligned, see `poolingStoreFinal`).
    static func storeFinal(_ value: SIMD8<Self>, to pointer: UnsafeMutablePointer<Self>)
    static func lanesMultiply(_ a: SIMD8<Self>, _ b: SIMD8<Self>) -> SIMD8<Self>
    static func lanesSubtract(_ a: SIMD8<Self>, _ b: SIMD8<Self>) -> SIMD8<Self>
    /// The eight lanes widened exactly to Double.
    static func widenedLanes(_ a: SIMD8<Self>) -> SIMD8<Double>
    /// Eight elements at `pointer` (any alignment), widened exactly to Double.
    static func loadWidened(_ pointer: UnsafePointer<Self>) -> SIMD8<Double>
    /// Stores eight output elements at a 32-byte aligned `pointer`, bypassing the caches where
    /// the type allows (Float: `streaming_store8`; the caller fences, as `parallelChunks` does).
    static func storeStreaming(_ value: SIMD8<Self>, to pointer: UnsafeMutablePointer<Self>)
    /// Eight Double values rounded to this type (nearest, ties to even), stored at `pointer`
    /// (any alignment): `loadWidened`'s inverse.
    static func storeNarrowed(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Self>)
}

/// An element type of a `Tensor` that layers accept: the floating types Keras's dtype policies
/// name and the integer types Keras passes through uncast (e.g. `uint8` images into pooling).
///
/// Each element widens exactly to its `Compute` type (float16, bfloat16 and float32 to
/// `Float`; float64 to `Double`; 8- and 16-bit integers to `Float`, 32- and 64-bit to
/// `Double`, int64 exactly within ±2⁵³), and a computed value narrows back with `init(rounding:)`: round to nearest,
/// ties to even, for floating types (Keras's cast); integers take values that are exactly
/// integers (a max-pooled element), rounding toward zero otherwise, like Keras's cast.
public protocol TensorElement: Sendable, Equatable {
    /// The type kernels compute in; widening to it is exact.
    associatedtype Compute: ComputeScalar
    static var dtype: DType { get }
    /// The value, exactly.
    var widened: Compute { get }
    /// `value` rounded to this type (see the protocol comment).
    init(rounding value: Compute)
    /// The value as a Double, exactly.
    var doubleValue: Double { get }
    /// Keras's cast from a Double-held value: nearest, ties to even, for floats (bfloat16
    /// through float32, as Eigen does); toward zero for integers, saturating at the bounds.
    init(casting value: Double)
    /// Wraps a tensor of this element type.
    static func erase(_ tensor: Tensor<Self>) -> AnyTensor
    /// The tensor, when `tensor` holds this element type.
    static func unwrap(_ tensor: AnyTensor) -> Tensor<Self>?

    /// Every element widened exactly, in order (the same array when `Compute` is `Self`).
    static func widen(_ scalars: [Self]) -> [Compute]
    /// Every value narrowed (see `init(rounding:)`), in order (the same array when `Compute` is `Self`).
    static func narrow(_ values: [Compute]) -> [Self]
    /// `value` rounded to this type and widened back: the result of one arithmetic operation
    /// carried out in this type, given its exact result in `Compute` (exact for float16 and
    /// bfloat16, whose precision is under half of float32's). The identity for float32 and float64.
    static func roundTrip(_ value: Compute) -> Compute
    static func roundTrip(_ value: SIMD8<Compute>) -> SIMD8<Compute>
    static func roundTrip(_ value: SIMD16<Compute>) -> SIMD16<Compute>
}

/// Element types narrower than their `Compute` type: conversion element by element.
extension TensorElement {
    public static func widen(_ scalars: [Self]) -> [Compute] { scalars.map(\.widened) }
    public static func narrow(_ values: [Compute]) -> [Self] { values.map(Self.init(rounding:)) }

    @inline(__always)
    public static func roundTrip(_ value: Compute) -> Compute { Self(rounding: value).widened }

    @inline(__always)
    public static func roundTrip(_ value: SIMD8<Compute>) -> SIMD8<Compute> {
        var result = value
        for i in result.indices { result[i] = roundTrip(value[i]) }
        return result
    }

    @inline(__always)
    public static func roundTrip(_ value: SIMD16<Compute>) -> SIMD16<Compute> {
        var result = value
        for i in result.indices { result[i] = roundTrip(value[i]) }
        return result
    }
}

/// Element types that are their own `Compute` type (float32, float64): no conversion, no rounding.
extension TensorElement where Compute == Self {
    @inline(__always) public static func widen(_ scalars: [Self]) -> [Self] { scalars }
    @inline(__always) public static func narrow(_ values: [Self]) -> [Self] { values }
    @inline(__always) public static func roundTrip(_ value: Self) -> Self { value }
    @inline(__always) public static func roundTrip(_ value: SIMD8<Self>) -> SIMD8<Self> { value }
    @inline(__always) public static func roundTrip(_ value: SIMD16<Self>) -> SIMD16<Self> { value }
}

/// A floating element type: a dtype policy's compute or variable type, and the storage the
/// normalization kernels read and write directly (float16 and bfloat16 rows widened to float32
/// in registers, computed there, and narrowed on store; no widened copy of the tensor).
///
/// The lane conversions are exactly the element conversions: `loadLanes` gives `widened` of
/// each element, the stores `init(rounding:)` of each value (round to nearest, ties to even;
/// float16 through the hardware conversion where the target CPU has one, F16C on x86-64).
public protocol FloatingTensorElement: TensorElement {
    /// Eight elements at `pointer` (any alignment), each `widened` (exact).
    static func loadLanes(_ pointer: UnsafePointer<Self>) -> SIMD8<Compute>
    /// Eight elements at `pointer` (any alignment), widened exactly to Double.
    static func loadWidened(_ pointer: UnsafePointer<Self>) -> SIMD8<Double>
    /// Stores eight values at `pointer` (any alignment), each rounded as `init(rounding:)` does.
    static func storeLanes(_ value: SIMD8<Compute>, to pointer: UnsafeMutablePointer<Self>)
    /// Stores eight values, rounded as `storeLanes` does, at a `pointer` aligned to
    /// `streamingAlignment` bytes, bypassing the caches where the type allows (float32 and the
    /// half types: streaming stores, which the caller fences, as `parallelChunks` does).
    static func storeStreaming(_ value: SIMD8<Compute>, to pointer: UnsafeMutablePointer<Self>)
    /// Stores the first `streamingGroup` values (16 bytes), rounded as `storeLanes` does, at a
    /// 16-byte-aligned `pointer`, the way `storeStreaming` stores: the part of a row before and
    /// after its `streamingAlignment`-aligned lanes, so that no cache line is written both by
    /// streaming and by cached stores.
    static func storeStreamingGroup(_ value: SIMD8<Compute>, to pointer: UnsafeMutablePointer<Self>)
}

extension FloatingTensorElement {
    /// The alignment `storeStreaming` needs: eight elements' bytes, at most 32.
    @inline(__always)
    public static var streamingAlignment: Int { min(32, 8 * MemoryLayout<Self>.stride) }

    /// The number of elements `storeStreamingGroup` stores: 16 bytes' worth.
    @inline(__always)
    public static var streamingGroup: Int { 16 / MemoryLayout<Self>.stride }
}

/// float32 and float64 lanes: plain loads and stores (`storeStreaming` and `loadWidened` are
/// the `ComputeScalar` conformances').
extension FloatingTensorElement where Compute == Self {
    @inline(__always)
    public static func loadLanes(_ pointer: UnsafePointer<Self>) -> SIMD8<Self> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Self>.self)
    }

    @inline(__always)
    public static func storeLanes(_ value: SIMD8<Self>, to pointer: UnsafeMutablePointer<Self>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Self>.self)
    }
}
