/// Brain floating point (bfloat16): the upper 16 bits of an IEEE binary32 — 1 sign bit, 8
/// exponent bits (float32's range), 7 stored fraction bits (8 significant bits; ulp(1) = 2⁻⁷).
///
/// Conversions follow Eigen's `bfloat16`, which TensorFlow, XLA and numpy's `ml_dtypes` share:
///
/// - bfloat16 → float32 is exact: the bits shifted left by 16 (NaN payloads kept).
/// - float32 → bfloat16 rounds to nearest, ties to even:
///   `bits(x) + 0x7FFF + ((bits(x) >> 16) & 1)`, then the upper 16 bits. Overflow rounds to ±∞
///   as IEEE says; every NaN becomes the quiet NaN `0x7FC0` (`0xFFC0` when its sign bit is
///   set), so a NaN whose payload sits in the low bits never turns into an infinity.
/// - float64 → bfloat16 goes through float32 (`Eigen::bfloat16(double)` does the same), which
///   can round twice; TensorFlow's and numpy's casts do exactly that.
///
/// Comparison is IEEE's: NaN is unequal to everything, +0 equals −0.
public struct BFloat16: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 16 stored bits: sign, exponent, fraction.
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) {
        self.bitPattern = bitPattern
    }

    /// `value` rounded to the nearest bfloat16, ties to even (see the type's comment).
    @inline(__always)
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = bits & 0x8000_0000 != 0 ? 0xFFC0 : 0x7FC0
        } else {
            // No overflow: the largest finite float32 plus the bias is below 2³², and ties to
            // even carry into the exponent exactly as IEEE rounding does (up to ±∞).
            let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
            bitPattern = UInt16(truncatingIfNeeded: rounded >> 16)
        }
    }

    /// `value` rounded to float32, then to bfloat16 (Eigen's, TensorFlow's and numpy's cast).
    public init(_ value: Double) {
        self.init(Float(value))
    }

    /// The exact float32 value.
    @inline(__always)
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    public var isNaN: Bool { floatValue.isNaN }

    public static func == (lhs: BFloat16, rhs: BFloat16) -> Bool { lhs.floatValue == rhs.floatValue }

    public static func < (lhs: BFloat16, rhs: BFloat16) -> Bool { lhs.floatValue < rhs.floatValue }

    /// Hashes the value, so that +0 and −0 (equal) hash alike; NaNs are unequal anyway.
    public func hash(into hasher: inout Hasher) { hasher.combine(floatValue == 0 ? 0 : floatValue) }

    public var description: String { floatValue.description }
}

extension Float {
    /// The exact value of a bfloat16.
    @inline(__always)
    public init(_ value: BFloat16) { self = value.floatValue }
}

extension Double {
    /// The exact value of a bfloat16.
    public init(_ value: BFloat16) { self = Double(value.floatValue) }
}
