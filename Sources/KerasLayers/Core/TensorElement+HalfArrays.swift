// Whole-array conversions between float32 and the half-precision types, eight elements at a
// time: the same values as `widened` and `init(rounding:)` element by element (float16 through
// the hardware conversion where the target CPU has one, F16C on x86-64; bfloat16 with the
// integer rounding of `BFloat16.init(_: Float)` in plain loops the compiler vectorises).

extension Float16 {
    public static func widen(_ scalars: [Float16]) -> [Float] {
        convertEightAtATime(scalars, from: SIMD8<Float16>.self, to: SIMD8<Float>.self, { SIMD8<Float>($0) }, { Float($0) })
    }

    public static func narrow(_ values: [Float]) -> [Float16] {
        convertEightAtATime(values, from: SIMD8<Float>.self, to: SIMD8<Float16>.self, { SIMD8<Float16>($0) }, { Float16($0) })
    }
}

extension BFloat16 {
    public static func widen(_ scalars: [BFloat16]) -> [Float] {
        [Float](unsafeUninitializedCapacity: scalars.count) { out, initialized in
            scalars.withUnsafeBufferPointer { source in
                guard let from = source.baseAddress, let to = out.baseAddress else { return }
                let bits = UnsafeRawPointer(from).assumingMemoryBound(to: UInt16.self)
                let words = UnsafeMutableRawPointer(to).assumingMemoryBound(to: UInt32.self)
                for i in 0..<source.count { words[i] = UInt32(bits[i]) &<< 16 }
            }
            initialized = scalars.count
        }
    }

    /// Rounds to nearest, ties to even, NaN to the quiet NaN of its sign (`BFloat16.init(_: Float)`),
    /// branch-free so that the loop vectorises.
    public static func narrow(_ values: [Float]) -> [BFloat16] {
        [BFloat16](unsafeUninitializedCapacity: values.count) { out, initialized in
            values.withUnsafeBufferPointer { source in
                guard let from = source.baseAddress, let to = out.baseAddress else { return }
                let words = UnsafeRawPointer(from).assumingMemoryBound(to: UInt32.self)
                let bits = UnsafeMutableRawPointer(to).assumingMemoryBound(to: UInt16.self)
                for i in 0..<source.count {
                    let b = words[i]
                    let rounded = (b &+ 0x7FFF &+ ((b &>> 16) & 1)) &>> 16
                    let quiet = 0x7FC0 | ((b &>> 16) & 0x8000)
                    bits[i] = UInt16(truncatingIfNeeded: (b & 0x7FFF_FFFF) > 0x7F80_0000 ? quiet : rounded)
                }
            }
            initialized = values.count
        }
    }
}

/// `values` converted to `Target` elements: blocks of eight reinterpreted as `Chunk` and
/// converted by `convert8` into `TargetChunk` (whose bytes are eight `Target`s), the tail by
/// `convert1`. `Chunk` and `TargetChunk` must have exactly the layout of eight `Source` and
/// eight `Target` elements.
@inline(__always)
private func convertEightAtATime<Source, Target, Chunk, TargetChunk>(
    _ values: [Source], from _: Chunk.Type, to _: TargetChunk.Type,
    _ convert8: (Chunk) -> TargetChunk, _ convert1: (Source) -> Target
) -> [Target] {
    [Target](unsafeUninitializedCapacity: values.count) { out, initialized in
        values.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress, let to = out.baseAddress else { return }
            var i = 0
            while i &+ 8 <= source.count {
                let chunk = UnsafeRawPointer(from + i).loadUnaligned(as: Chunk.self)
                UnsafeMutableRawPointer(to + i).storeBytes(of: convert8(chunk), as: TargetChunk.self)
                i &+= 8
            }
            while i < source.count {
                (to + i).initialize(to: convert1(from[i]))
                i &+= 1
            }
        }
        initialized = values.count
    }
}
