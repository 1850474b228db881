import CStreamingStores

// The half-precision types' conversions to and from float32, eight lanes at a time (the
// `FloatingTensorElement` lane requirements the normalization kernels read and write through),
// and the whole-array conversions built on them: the same values as `widened` and
// `init(rounding:)` element by element (float16 through the hardware conversion where the
// target CPU has one, F16C on x86-64; bfloat16 with the integer rounding of
// `BFloat16.init(_: Float)` in clang vector code, `bfloat16_lanes.h`).

extension Float16 {
    @inline(__always)
    public static func loadLanes(_ pointer: UnsafePointer<Float16>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float16>.self))
    }

    @inline(__always)
    public static func loadWidened(_ pointer: UnsafePointer<Float16>) -> SIMD8<Double> {
        SIMD8<Double>(loadLanes(pointer))
    }

    @inline(__always)
    public static func storeLanes(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float16>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: SIMD8<Float16>(value), as: SIMD8<Float16>.self)
    }

    @inline(__always)
    public static func storeStreaming(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float16>) {
        streaming_store_halves8(
            UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt16.self), unsafeBitCast(SIMD8<Float16>(value), to: SIMD8<UInt16>.self))
    }

    /// Eight values are the 16 bytes of a group: `storeStreaming`.
    @inline(__always)
    public static func storeStreamingGroup(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float16>) {
        storeStreaming(value, to: pointer)
    }

    public static func widen(_ scalars: [Float16]) -> [Float] { widenArray(scalars) }

    public static func narrow(_ values: [Float]) -> [Float16] { narrowArray(values) }
}

extension BFloat16 {
    /// The upper 16 bits of each float32 (exact).
    @inline(__always)
    public static func loadLanes(_ pointer: UnsafePointer<BFloat16>) -> SIMD8<Float> {
        bfloat16_widen8(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt16.self))
    }

    @inline(__always)
    public static func loadWidened(_ pointer: UnsafePointer<BFloat16>) -> SIMD8<Double> {
        SIMD8<Double>(loadLanes(pointer))
    }

    /// Rounds to nearest, ties to even, NaN to the quiet NaN of its sign (`BFloat16.init(_: Float)`).
    @inline(__always)
    public static func storeLanes(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<BFloat16>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: bfloat16_round8(value), as: SIMD8<UInt16>.self)
    }

    @inline(__always)
    public static func storeStreaming(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<BFloat16>) {
        streaming_store_halves8(UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt16.self), bfloat16_round8(value))
    }

    /// Eight values are the 16 bytes of a group: `storeStreaming`.
    @inline(__always)
    public static func storeStreamingGroup(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<BFloat16>) {
        storeStreaming(value, to: pointer)
    }

    public static func widen(_ scalars: [BFloat16]) -> [Float] { widenArray(scalars) }

    public static func narrow(_ values: [Float]) -> [BFloat16] { narrowArray(values) }
}

/// Every element widened: blocks of eight by `loadLanes`, the tail by `widened`.
@inline(__always)
private func widenArray<Half: FloatingTensorElement>(_ scalars: [Half]) -> [Half.Compute] {
    [Half.Compute](unsafeUninitializedCapacity: scalars.count) { out, initialized in
        scalars.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress, let to = out.baseAddress else { return }
            var i = 0
            while i &+ 8 <= source.count {
                UnsafeMutableRawPointer(to + i).storeBytes(of: Half.loadLanes(from + i), as: SIMD8<Half.Compute>.self)
                i &+= 8
            }
            while i < source.count {
                (to + i).initialize(to: from[i].widened)
                i &+= 1
            }
        }
        initialized = scalars.count
    }
}

/// Every value narrowed: blocks of eight by `storeLanes`, the tail by `init(rounding:)`.
@inline(__always)
private func narrowArray<Half: FloatingTensorElement>(_ values: [Half.Compute]) -> [Half] {
    [Half](unsafeUninitializedCapacity: values.count) { out, initialized in
        values.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress, let to = out.baseAddress else { return }
            var i = 0
            while i &+ 8 <= source.count {
                Half.storeLanes(UnsafeRawPointer(from + i).loadUnaligned(as: SIMD8<Half.Compute>.self), to: to + i)
                i &+= 8
            }
            while i < source.count {
                (to + i).initialize(to: Half(rounding: from[i]))
                i &+= 1
            }
        }
        initialized = values.count
    }
}
