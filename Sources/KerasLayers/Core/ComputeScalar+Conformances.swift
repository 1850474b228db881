import CStreamingStores

extension Float: ComputeScalar {
    @inline(__always)
    public static func lanesMaxPropagatingNaN(_ accumulator: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        accumulator.replacing(with: x, where: (x .> accumulator) .| (x .!= x))
    }

    @inline(__always)
    public static func lanesMaxPropagatingNaN(_ accumulator: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
        accumulator.replacing(with: x, where: (x .> accumulator) .| (x .!= x))
    }

    @inline(__always)
    public static func lanesMax(_ accumulator: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        accumulator.replacing(with: x, where: x .> accumulator)
    }

    @inline(__always)
    public static func lanesMax(_ accumulator: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
        accumulator.replacing(with: x, where: x .> accumulator)
    }

    @inline(__always)
    public static func lanesAdd(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }

    @inline(__always)
    public static func lanesAdd(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a + b }

    @inline(__always)
    public static func lanesDivide(_ a: SIMD8<Float>, by divisor: Float) -> SIMD8<Float> { a / SIMD8(repeating: divisor) }

    @inline(__always)
    public static func lanesDivide(_ a: SIMD16<Float>, by divisor: Float) -> SIMD16<Float> { a / SIMD16(repeating: divisor) }

    @inline(__always)
    public static func lanesHaveNaN(_ a: SIMD16<Float>) -> Bool { any(a .!= a) }

    @inline(__always)
    public static func lanesMultiply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a * b }

    @inline(__always)
    public static func lanesSubtract(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a - b }

    @inline(__always)
    public static func widenedLanes(_ a: SIMD8<Float>) -> SIMD8<Double> { float_lanes_widen8(a) }

    @inline(__always)
    public static func loadWidened(_ pointer: UnsafePointer<Float>) -> SIMD8<Double> { widenedLanes(loadLanes(pointer)) }

    @inline(__always)
    public static func storeNarrowed(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: SIMD8<Float>(value), as: SIMD8<Float>.self)
    }

    @inline(__always)
    public static func storeStreaming(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>) {
        streaming_store8(pointer, value)
    }

    @inline(__always)
    public static func storeStreamingGroup(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>) {
        streaming_store4(pointer, value.lowHalf)
    }

    /// Aligned chunks go out with streaming stores that skip the caches (`parallelChunks`
    /// fences them); unaligned ones are stored normally.
    @inline(__always)
    public static func storeFinal(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>) {
        if Int(bitPattern: pointer) & 15 == 0 {
            streaming_store4(pointer, value.lowHalf)
            streaming_store4(pointer + 4, value.highHalf)
        } else {
            UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
        }
    }
}

extension Double: ComputeScalar {
    @inline(__always)
    public static func lanesMaxPropagatingNaN(_ accumulator: SIMD8<Double>, _ x: SIMD8<Double>) -> SIMD8<Double> {
        accumulator.replacing(with: x, where: (x .> accumulator) .| (x .!= x))
    }

    @inline(__always)
    public static func lanesMaxPropagatingNaN(_ accumulator: SIMD16<Double>, _ x: SIMD16<Double>) -> SIMD16<Double> {
        accumulator.replacing(with: x, where: (x .> accumulator) .| (x .!= x))
    }

    @inline(__always)
    public static func lanesMax(_ accumulator: SIMD8<Double>, _ x: SIMD8<Double>) -> SIMD8<Double> {
        accumulator.replacing(with: x, where: x .> accumulator)
    }

    @inline(__always)
    public static func lanesMax(_ accumulator: SIMD16<Double>, _ x: SIMD16<Double>) -> SIMD16<Double> {
        accumulator.replacing(with: x, where: x .> accumulator)
    }

    @inline(__always)
    public static func lanesAdd(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> { a + b }

    @inline(__always)
    public static func lanesAdd(_ a: SIMD16<Double>, _ b: SIMD16<Double>) -> SIMD16<Double> { a + b }

    @inline(__always)
    public static func lanesDivide(_ a: SIMD8<Double>, by divisor: Double) -> SIMD8<Double> { a / SIMD8(repeating: divisor) }

    @inline(__always)
    public static func lanesDivide(_ a: SIMD16<Double>, by divisor: Double) -> SIMD16<Double> { a / SIMD16(repeating: divisor) }

    @inline(__always)
    public static func lanesHaveNaN(_ a: SIMD16<Double>) -> Bool { any(a .!= a) }

    @inline(__always)
    public static func lanesMultiply(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> { a * b }

    @inline(__always)
    public static func lanesSubtract(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> { a - b }

    @inline(__always)
    public static func widenedLanes(_ a: SIMD8<Double>) -> SIMD8<Double> { a }

    @inline(__always)
    public static func loadWidened(_ pointer: UnsafePointer<Double>) -> SIMD8<Double> { loadLanes(pointer) }

    @inline(__always)
    public static func storeNarrowed(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Double>) {
        storeLanes(value, to: pointer)
    }

    @inline(__always)
    public static func storeStreaming(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Double>.self)
    }

    @inline(__always)
    public static func storeStreamingGroup(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value.lowHalf.lowHalf, as: SIMD2<Double>.self)
    }

    @inline(__always)
    public static func storeFinal(_ value: SIMD8<Double>, to pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Double>.self)
    }
}
