import Foundation

/// Standard-normal float32 samples from a fixed seed (xorshift64* and Box–Muller).
enum StandardNormal {
    static func sample(count: Int, seed: UInt64) -> [Float] {
        var state = seed | 1
        func next() -> Double {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Double((state &* 2_685_821_657_736_338_717) >> 11) * 0x1p-53
        }
        var values = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let u1 = max(next(), 0x1p-53)
            let u2 = next()
            let r = (-2 * Foundation.log(u1)).squareRoot()
            values[i] = Float(r * cos(2 * Double.pi * u2))
            if i + 1 < count { values[i + 1] = Float(r * sin(2 * Double.pi * u2)) }
            i += 2
        }
        return values
    }
}
