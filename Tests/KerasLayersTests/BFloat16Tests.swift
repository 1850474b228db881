import Testing
@testable import KerasLayers

/// bfloat16 conversions, checked against an independent rule: the nearest of the two
/// bfloat16 values that bracket a float32 (ties to the even one), found by comparing
/// distances in Double, never by the bit trick `BFloat16.init` uses.
@Suite struct BFloat16Tests {
    /// The nearest bfloat16 by distance (ties to even), for a finite float32 or ±∞.
    static func nearestByDistance(_ x: Float) -> UInt16 {
        let truncated = UInt16(truncatingIfNeeded: x.bitPattern >> 16)
        if x.isInfinite || x.bitPattern & 0xFFFF == 0 { return truncated }
        let low = BFloat16(bitPattern: truncated).floatValue  // toward zero
        let high = truncated &+ 1  // away from zero (may be ±∞)
        // Above the largest finite value the next step is 2¹²⁸, as if the exponent went on
        // (IEEE's overflow rule); rounding there gives ∞.
        let highFloat = Float(bitPattern: UInt32(high) << 16)
        let highValue = highFloat.isInfinite ? Double(highFloat.sign == .minus ? -1 : 1) * 0x1p128 : Double(highFloat)
        let dLow = abs(Double(x) - Double(low)), dHigh = abs(highValue - Double(x))
        if dLow < dHigh { return truncated }
        if dHigh < dLow { return high }
        return truncated & 1 == 0 ? truncated : high
    }

    @Test func everyBitPatternRoundTripsThroughFloat32() {
        var failures: [String] = []
        for bits in 0...UInt32(UInt16.max) {
            let b = BFloat16(bitPattern: UInt16(bits))
            let f = b.floatValue
            #expect(f.bitPattern == bits << 16)
            let back = BFloat16(f)
            if f.isNaN {
                if !back.isNaN || (back.bitPattern & 0x8000) != (b.bitPattern & 0x8000) || back.bitPattern & 0x0040 == 0 {
                    failures.append(String(bits, radix: 16))
                }
            } else if back.bitPattern != b.bitPattern {
                failures.append(String(bits, radix: 16))
            }
        }
        #expect(failures.isEmpty, "bit patterns that do not round-trip: \(failures.prefix(10))")
    }

    @Test func float32RoundsToNearestEven() {
        var rng = TestRNG(seed: 16)
        var failures: [String] = []
        // Random bit patterns (every exponent), plus the halfway points and their neighbours
        // around every bfloat16 near 1, at the top of the range and among subnormals.
        var samples = (0..<200_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        for upper in [0x3F80, 0x7F7F, 0x7F7E, 0x0001, 0x0080, 0xBF80, 0xFF7F] as [UInt32] {
            for low in [0x7FFF, 0x8000, 0x8001, 0x0000, 0xFFFF] as [UInt32] {
                samples.append(Float(bitPattern: upper << 16 | low))
            }
        }
        for x in samples where !x.isNaN {
            let expected = Self.nearestByDistance(x)
            if BFloat16(x).bitPattern != expected {
                failures.append("\(x) (0x\(String(x.bitPattern, radix: 16)))")
            }
        }
        #expect(failures.isEmpty, "float32 values rounded wrongly: \(failures.prefix(10))")
    }

    @Test func nanBecomesTheQuietNaNWithItsSign() {
        for bits: UInt32 in [0x7F80_0001, 0x7FC0_0000, 0x7FFF_FFFF, 0xFF80_0001, 0xFFFF_0000] {
            let b = BFloat16(Float(bitPattern: bits))
            #expect(b.bitPattern == (bits >> 31 == 1 ? 0xFFC0 : 0x7FC0), "0x\(String(bits, radix: 16))")
        }
    }

    @Test func comparisonIsIEEE() {
        let nan = BFloat16(Float.nan)
        #expect(nan != nan)
        #expect(BFloat16(Float(0)) == BFloat16(-Float(0)))
        #expect(BFloat16(Float(1)) < BFloat16(Float(2)))
        #expect(Set([BFloat16(Float(0)), BFloat16(-Float(0))]).count == 1)
    }
}
