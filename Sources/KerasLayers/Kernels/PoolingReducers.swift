/// The two reductions pooling uses, written once for scalars and for SIMD vectors so the
/// kernels can be generic over them (specialised away in release builds). A reducer carries
/// the scalar type it computes in (`Float` or `Double`); the vector operations are
/// `ComputeScalar` requirements with concrete witnesses, since inside a generic the `SIMD`
/// protocol's own operators are per-lane loops that do not vectorise.
protocol PoolingReducer {
    associatedtype Scalar: ComputeScalar
    /// The value an empty reduction starts from: −∞ for max, 0 for sum.
    static var identity: Scalar { get }
    /// Folds one more element into the accumulator.
    static func combine(_ accumulator: Scalar, _ x: Scalar) -> Scalar
    static func combine(_ accumulator: SIMD8<Scalar>, _ x: SIMD8<Scalar>) -> SIMD8<Scalar>
    static func combine(_ accumulator: SIMD16<Scalar>, _ x: SIMD16<Scalar>) -> SIMD16<Scalar>
    /// Whether `finish` changes the accumulator (false for max).
    static var needsFinish: Bool { get }
    /// Turns the accumulator of `count` elements into the pooled value.
    static func finish(_ accumulator: Scalar, count: Int) -> Scalar
    static func finish(_ accumulator: SIMD8<Scalar>, count: Int) -> SIMD8<Scalar>
    static func finish(_ accumulator: SIMD16<Scalar>, count: Int) -> SIMD16<Scalar>
}

/// Max-like reducers need no finishing: the accumulator is the pooled value.
extension PoolingReducer {
    static var needsFinish: Bool { false }

    @inline(__always)
    static func finish(_ accumulator: Scalar, count: Int) -> Scalar { accumulator }

    @inline(__always)
    static func finish(_ accumulator: SIMD8<Scalar>, count: Int) -> SIMD8<Scalar> { accumulator }

    @inline(__always)
    static func finish(_ accumulator: SIMD16<Scalar>, count: Int) -> SIMD16<Scalar> { accumulator }
}

/// Max with NaN propagation: max(a, x) is NaN when either is NaN, so a window holding a NaN
/// pools to NaN (JAX/XLA's `lax.max`; TensorFlow's kernels instead skip NaN, see `MaxPooling2D`).
/// Starting from −∞ means a window of −∞ pools to −∞. Max never rounds, so it is exact in the
/// compute type for every element type that widens to it.
enum MaxPoolingReducer<Scalar: ComputeScalar>: PoolingReducer {
    static var identity: Scalar { -.infinity }

    @inline(__always)
    static func combine(_ accumulator: Scalar, _ x: Scalar) -> Scalar {
        (x > accumulator || x != x) ? x : accumulator
    }

    @inline(__always)
    static func combine(_ accumulator: SIMD8<Scalar>, _ x: SIMD8<Scalar>) -> SIMD8<Scalar> {
        Scalar.lanesMaxPropagatingNaN(accumulator, x)
    }

    @inline(__always)
    static func combine(_ accumulator: SIMD16<Scalar>, _ x: SIMD16<Scalar>) -> SIMD16<Scalar> {
        Scalar.lanesMaxPropagatingNaN(accumulator, x)
    }
}

/// Max for data known to hold no NaN: `x > m ? x : m`, a single `maxps` per vector, about
/// three times cheaper than `MaxPoolingReducer`'s NaN-propagating select. Equal to
/// `MaxPoolingReducer` whenever no NaN is involved; callers check: the kernels sum what they
/// fold (`noting:`), and a NaN sum — a NaN read, or opposite infinities, a false alarm — sends
/// the row to `MaxPoolingReducer`.
enum UncheckedMaxReducer<Scalar: ComputeScalar>: PoolingReducer {
    static var identity: Scalar { -.infinity }

    @inline(__always)
    static func combine(_ accumulator: Scalar, _ x: Scalar) -> Scalar { x > accumulator ? x : accumulator }

    @inline(__always)
    static func combine(_ accumulator: SIMD8<Scalar>, _ x: SIMD8<Scalar>) -> SIMD8<Scalar> { Scalar.lanesMax(accumulator, x) }

    @inline(__always)
    static func combine(_ accumulator: SIMD16<Scalar>, _ x: SIMD16<Scalar>) -> SIMD16<Scalar> { Scalar.lanesMax(accumulator, x) }
}

/// Mean in `Element`'s arithmetic: a sum (0 + x₀ + x₁ + … in the order the kernel feeds it)
/// divided — not multiplied by a reciprocal — by the number of elements summed, as Keras's
/// `average_pool` does on both backends (TF's exclude-padding average; `pooled / window_counts`
/// on JAX). Every addition and the division round to `Element` (`TensorElement.roundTrip`: a
/// no-op for float32 and float64), which is what TensorFlow's float16/bfloat16 kernels do —
/// measured bit for bit on float16 (the sum accumulates in float16, row-major).
enum MeanPoolingReducer<Element: TensorElement>: PoolingReducer {
    typealias Scalar = Element.Compute
    static var identity: Scalar { 0 }
    static var needsFinish: Bool { true }

    @inline(__always)
    static func combine(_ accumulator: Scalar, _ x: Scalar) -> Scalar { Element.roundTrip(accumulator + x) }

    @inline(__always)
    static func combine(_ accumulator: SIMD8<Scalar>, _ x: SIMD8<Scalar>) -> SIMD8<Scalar> {
        Element.roundTrip(Scalar.lanesAdd(accumulator, x))
    }

    @inline(__always)
    static func combine(_ accumulator: SIMD16<Scalar>, _ x: SIMD16<Scalar>) -> SIMD16<Scalar> {
        Element.roundTrip(Scalar.lanesAdd(accumulator, x))
    }

    @inline(__always)
    static func finish(_ accumulator: Scalar, count: Int) -> Scalar { Element.roundTrip(accumulator / Scalar(count)) }

    @inline(__always)
    static func finish(_ accumulator: SIMD8<Scalar>, count: Int) -> SIMD8<Scalar> {
        Element.roundTrip(Scalar.lanesDivide(accumulator, by: Scalar(count)))
    }

    @inline(__always)
    static func finish(_ accumulator: SIMD16<Scalar>, count: Int) -> SIMD16<Scalar> {
        Element.roundTrip(Scalar.lanesDivide(accumulator, by: Scalar(count)))
    }
}

@inline(__always)
func poolingLoad8<C: ComputeScalar>(_ pointer: UnsafePointer<C>) -> SIMD8<C> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<C>.self)
}

@inline(__always)
func poolingLoad16<C: ComputeScalar>(_ pointer: UnsafePointer<C>) -> SIMD16<C> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<C>.self)
}

/// Stores a chunk that kernels may read back (a running sum or maximum).
@inline(__always)
func poolingStore<C: ComputeScalar>(_ value: SIMD8<C>, to pointer: UnsafeMutablePointer<C>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<C>.self)
}

@inline(__always)
func poolingStore<C: ComputeScalar>(_ value: SIMD16<C>, to pointer: UnsafeMutablePointer<C>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<C>.self)
}

/// Stores a finished output chunk. Pooling outputs are written once and not read back
/// soon, so float32 chunks go out with streaming stores that skip the caches when aligned
/// (`ComputeScalar.storeFinal`; `parallelChunks` fences them). Never for a chunk the kernel
/// reads again: a streamed line is evicted, and reading it back is slow.
@inline(__always)
func poolingStoreFinal<C: ComputeScalar>(_ value: SIMD8<C>, to pointer: UnsafeMutablePointer<C>) {
    C.storeFinal(value, to: pointer)
}

@inline(__always)
func poolingStoreFinal<C: ComputeScalar>(_ value: SIMD16<C>, to pointer: UnsafeMutablePointer<C>) {
    C.storeFinal(value.lowHalf, to: pointer)
    C.storeFinal(value.highHalf, to: pointer + 8)
}

/// Reduces a box of input "pixels" to one output pixel, vectorised across the `pixelStride`
/// contiguous floats of every pixel (the channels in channels_last layout), one 32-channel
/// register chunk at a time (each chunk folds the whole box).
///
/// The box is `d0..<d1` × `h0..<h1` × `w0..<w1`; pixel (d, h, w) starts at
/// `base + d·strideD + h·strideH + w·pixelStride`. Elements are combined in row-major window
/// order (d, then h, then w) starting from `R.identity` — TensorFlow's order for average
/// pooling, so its results are reproduced bit for bit. With `seen`, every element read is also
/// added to it (a NaN among them makes it NaN: `UncheckedMaxReducer`'s check).
@inline(__always)
func poolingReduceBox<R: PoolingReducer>(
    _: R.Type,
    base: UnsafePointer<R.Scalar>, pixelStride: Int,
    d0: Int, d1: Int, strideD: Int,
    h0: Int, h1: Int, strideH: Int,
    w0: Int, w1: Int,
    count: Int,
    into out: UnsafeMutablePointer<R.Scalar>,
    noting seen: UnsafeMutablePointer<SIMD8<R.Scalar>>? = nil
) {
    typealias C = R.Scalar
    let width = pixelStride
    let notes = seen != nil
    var sum = SIMD8<C>()
    defer { if let seen { seen.pointee = C.lanesAdd(seen.pointee, sum) } }
    var c = 0
    while c + 32 <= width {
        var a0 = SIMD16<R.Scalar>(repeating: R.identity)
        var a1 = a0
        for d in d0..<d1 {
            for h in h0..<h1 {
                var p = base + d * strideD + h * strideH + w0 * pixelStride + c
                for _ in w0..<w1 {
                    let x0 = poolingLoad16(p), x1 = poolingLoad16(p + 16)
                    a0 = R.combine(a0, x0)
                    a1 = R.combine(a1, x1)
                    if notes { sum = C.lanesAdd(sum, C.lanesAdd(C.lanesAdd(x0.lowHalf, x0.highHalf), C.lanesAdd(x1.lowHalf, x1.highHalf))) }
                    p += pixelStride
                }
            }
        }
        poolingStoreFinal(R.finish(a0, count: count), to: out + c)
        poolingStoreFinal(R.finish(a1, count: count), to: out + c + 16)
        c += 32
    }
    while c + 8 <= width {
        var a = SIMD8<R.Scalar>(repeating: R.identity)
        for d in d0..<d1 {
            for h in h0..<h1 {
                var p = base + d * strideD + h * strideH + w0 * pixelStride + c
                for _ in w0..<w1 {
                    let x = poolingLoad8(p)
                    a = R.combine(a, x)
                    if notes { sum = C.lanesAdd(sum, x) }
                    p += pixelStride
                }
            }
        }
        poolingStoreFinal(R.finish(a, count: count), to: out + c)
        c += 8
    }
    while c < width {
        var a = R.identity
        for d in d0..<d1 {
            for h in h0..<h1 {
                var p = base + d * strideD + h * strideH + w0 * pixelStride + c
                for _ in w0..<w1 {
                    a = R.combine(a, p.pointee)
                    if notes { sum[0] += p.pointee }
                    p += pixelStride
                }
            }
        }
        out[c] = R.finish(a, count: count)
        c += 1
    }
}

/// Reduces a box of input pixels to one output pixel like `poolingReduceBox`, but walks each
/// input pixel's `pixelStride` floats contiguously, accumulating in the output pixel (which
/// stays in L1). Reading whole pixels in order streams better than revisiting the box once
/// per register-sized channel chunk when pixels are wide. Same element order per channel:
/// row-major over the box, starting from `R.identity`. With `seen`, as `poolingReduceBox`.
@inline(__always)
func poolingStreamBox<R: PoolingReducer>(
    _: R.Type,
    base: UnsafePointer<R.Scalar>, pixelStride: Int,
    d0: Int, d1: Int, strideD: Int,
    h0: Int, h1: Int, strideH: Int,
    w0: Int, w1: Int,
    count: Int,
    into out: UnsafeMutablePointer<R.Scalar>,
    noting seen: UnsafeMutablePointer<SIMD8<R.Scalar>>? = nil
) {
    typealias C = R.Scalar
    let width = pixelStride
    let notes = seen != nil
    var sum = SIMD8<C>()
    defer { if let seen { seen.pointee = C.lanesAdd(seen.pointee, sum) } }
    var first = true
    for d in d0..<d1 {
        for h in h0..<h1 {
            var p = base + d * strideD + h * strideH + w0 * pixelStride
            for _ in w0..<w1 {
                var c = 0
                if first {
                    while c + 16 <= width {
                        let x = poolingLoad16(p + c)
                        poolingStore(R.combine(SIMD16<R.Scalar>(repeating: R.identity), x), to: out + c)
                        if notes { sum = C.lanesAdd(sum, C.lanesAdd(x.lowHalf, x.highHalf)) }
                        c += 16
                    }
                    while c < width {
                        out[c] = R.combine(R.identity, p[c])
                        if notes { sum[0] += p[c] }
                        c += 1
                    }
                    first = false
                } else {
                    while c + 16 <= width {
                        let x = poolingLoad16(p + c)
                        poolingStore(R.combine(poolingLoad16(out + c), x), to: out + c)
                        if notes { sum = C.lanesAdd(sum, C.lanesAdd(x.lowHalf, x.highHalf)) }
                        c += 16
                    }
                    while c < width {
                        out[c] = R.combine(out[c], p[c])
                        if notes { sum[0] += p[c] }
                        c += 1
                    }
                }
                p += pixelStride
            }
        }
    }
    if first {
        // An empty box (not produced by Keras's geometry): the identity, finished.
        for c in 0..<width { out[c] = R.finish(R.identity, count: count) }
        return
    }
    if R.needsFinish {
        var c = 0
        while c + 16 <= width {
            poolingStore(R.finish(poolingLoad16(out + c), count: count), to: out + c)
            c += 16
        }
        while c < width {
            out[c] = R.finish(out[c], count: count)
            c += 1
        }
    }
}

/// Folds `rows` rows of `width` floats (row r at `base + r·rowStride`) into `out` in row
/// order — out[c] = finish(((identity ⊕ row₀[c]) ⊕ row₁[c]) ⊕ …) — four rows per pass over
/// `out`, so the accumulator is loaded and stored once per four rows. `rows` must be > 0.
@inline(__always)
func poolingStreamRows<R: PoolingReducer>(
    _: R.Type,
    base: UnsafePointer<R.Scalar>, rowStride: Int, rows: Int, width: Int,
    into out: UnsafeMutablePointer<R.Scalar>
) {
    var r = 0
    while r < rows {
        let n = min(4, rows - r)
        let last = r + n == rows
        let p0 = base + r * rowStride
        var c = 0
        if n == 4 {
            let p1 = p0 + rowStride, p2 = p1 + rowStride, p3 = p2 + rowStride
            while c + 16 <= width {
                var v = r == 0 ? SIMD16<R.Scalar>(repeating: R.identity) : poolingLoad16(out + c)
                v = R.combine(v, poolingLoad16(p0 + c))
                v = R.combine(v, poolingLoad16(p1 + c))
                v = R.combine(v, poolingLoad16(p2 + c))
                v = R.combine(v, poolingLoad16(p3 + c))
                if last { v = R.finish(v, count: rows) }
                poolingStore(v, to: out + c)
                c += 16
            }
            while c < width {
                var v = r == 0 ? R.identity : out[c]
                v = R.combine(v, p0[c])
                v = R.combine(v, p1[c])
                v = R.combine(v, p2[c])
                v = R.combine(v, p3[c])
                out[c] = last ? R.finish(v, count: rows) : v
                c += 1
            }
        } else {
            while c + 16 <= width {
                var v = r == 0 ? SIMD16<R.Scalar>(repeating: R.identity) : poolingLoad16(out + c)
                var p = p0 + c
                for _ in 0..<n {
                    v = R.combine(v, poolingLoad16(p))
                    p += rowStride
                }
                if last { v = R.finish(v, count: rows) }
                poolingStore(v, to: out + c)
                c += 16
            }
            while c < width {
                var v = r == 0 ? R.identity : out[c]
                var p = p0 + c
                for _ in 0..<n {
                    v = R.combine(v, p.pointee)
                    p += rowStride
                }
                out[c] = last ? R.finish(v, count: rows) : v
                c += 1
            }
        }
        r += n
    }
}
