import Foundation
import ReferenceData

extension Comparator {
    /// Row-major strides of `shape`, in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The multi-index of flat position `flat` under row-major `strides`.
    public static func multiIndex(_ flat: Int, _ strides: [Int]) -> [Int] {
        var rest = flat
        return strides.map { stride in
            defer { rest %= stride }
            return rest / stride
        }
    }

    /// The number of representable values of `type` between `a` and `b` (0 when equal).
    public static func ulpDistance(_ a: Double, _ b: Double, _ type: ElementType) -> Double? {
        switch type {
        case .float32:
            return Double(orderedDistance(Int64(orderedBits(Float(a))), Int64(orderedBits(Float(b)))))
        case .float64:
            return Double(orderedDistance(orderedBits(a), orderedBits(b)))
        case .float16:
            return Double(orderedDistance(Int64(orderedHalfBits(a)), Int64(orderedHalfBits(b))))
        case .bfloat16:
            // A bfloat16 is a float32 whose low 16 bits are zero: its steps are 2^16 float32 steps.
            return Double(orderedDistance(Int64(orderedBits(Float(a))), Int64(orderedBits(Float(b))))) / 65536
        default:
            return nil
        }
    }

    /// Maps a float's bits to integers that order like the values (−0 and +0 both to 0).
    private static func orderedBits(_ x: Float) -> Int32 {
        let bits = Int32(bitPattern: x.bitPattern)
        return bits < 0 ? -(bits & Int32.max) : bits
    }

    private static func orderedBits(_ x: Double) -> Int64 {
        let bits = Int64(bitPattern: x.bitPattern)
        return bits < 0 ? -(bits & Int64.max) : bits
    }

    /// IEEE half precision: a float16 value is exactly a Float, so rebuild its 16 bits from that.
    private static func orderedHalfBits(_ x: Double) -> Int32 {
        let f = Float(x)
        let sign: Int32 = f.sign == .minus ? -1 : 1
        let magnitude = abs(f)
        // Halves are spaced 2^-24 below 2^-14 (subnormal), then 2^(e-10) in binade e.
        let code: Int32
        if magnitude < 0x1p-14 {
            code = Int32((magnitude / 0x1p-24).rounded())
        } else {
            let exponent = Int32(magnitude.exponent)
            let significand = Int32(((magnitude.significand - 1) * 1024).rounded())
            code = (exponent + 15) << 10 | significand
        }
        return sign * code
    }

    private static func orderedDistance(_ a: Int64, _ b: Int64) -> UInt64 {
        a >= b ? UInt64(bitPattern: a &- b) : UInt64(bitPattern: b &- a)
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }
}

import Foundation
