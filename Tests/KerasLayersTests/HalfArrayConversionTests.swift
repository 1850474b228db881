import Testing
@testable import KerasLayers

/// The whole-array conversions (`widen`, `narrow`: eight lanes at a time, and the tail) give
/// exactly what the element-by-element conversions give, which BFloat16Tests and
/// BFloat16TableTests check against independent rules and ml_dtypes.
@Suite struct HalfArrayConversionTests {
    /// Every bit pattern of a 16-bit type, in an order whose length is not a multiple of 8.
    static let everyPattern: [UInt16] = (0...UInt32(UInt16.max)).map { UInt16($0) } + [0x7FC1, 0xFFFF, 0x0001]

    /// float32 values around every bfloat16 and float16 rounding boundary: each 16-bit pattern
    /// shifted into the upper half, plus the tie, just below and just above it, and NaNs with
    /// low payload bits (which must not become infinities).
    static let floats: [Float] = {
        var values: [Float] = []
        for bits in stride(from: UInt32(0), through: 0xFFFF, by: 7) {
            let base = bits << 16
            values += [base, base | 0x8000, base | 0x7FFF, base | 0x8001].map { Float(bitPattern: $0) }
        }
        values += [Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFF80_0001), .infinity, -.infinity, 65504, 65520, 1e-8, -0.0]
        return values
    }()

    @Test func bfloat16ArraysMatchElementByElement() {
        let halves = Self.everyPattern.map(BFloat16.init(bitPattern:))
        let widened = BFloat16.widen(halves)
        #expect(widened.map(\.bitPattern) == halves.map { $0.floatValue.bitPattern })
        let narrowed = BFloat16.narrow(Self.floats)
        let expected = Self.floats.map { BFloat16($0) }
        let wrong = Self.floats.indices.filter { narrowed[$0].bitPattern != expected[$0].bitPattern }
        #expect(wrong.isEmpty, "first differing float32 inputs: \(wrong.prefix(5).map { String(Self.floats[$0].bitPattern, radix: 16) })")
    }

    @Test func float16ArraysMatchElementByElement() {
        let halves = Self.everyPattern.map(Float16.init(bitPattern:))
        let widened = Float16.widen(halves)
        let expectedWide = halves.map { Float($0) }
        #expect(widened.indices.allSatisfy { widened[$0].bitPattern == expectedWide[$0].bitPattern || (widened[$0].isNaN && expectedWide[$0].isNaN) })
        let narrowed = Float16.narrow(Self.floats)
        let expected = Self.floats.map { Float16($0) }
        let wrong = Self.floats.indices.filter { narrowed[$0].bitPattern != expected[$0].bitPattern && !(narrowed[$0].isNaN && expected[$0].isNaN) }
        #expect(wrong.isEmpty, "first differing float32 inputs: \(wrong.prefix(5).map { String(Self.floats[$0].bitPattern, radix: 16) })")
    }
}
