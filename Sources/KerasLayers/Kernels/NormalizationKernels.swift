import CStreamingStores

/// The element-wise halves of the normalization layers: given the statistics (from
/// `Moments`), write the normalized output. Every formula keeps Keras's operation order, in
/// the compute type `T` throughout (float32, or float64 under the float64 policy), so that results agree with Keras to the last bits wherever the
/// statistics do (Keras's `rsqrt` is a backend approximation within 2 ulp; here it is the
/// correctly rounded `1/√v`).
enum NormalizationKernels {
    /// `rsqrt(v)` computed in Double and rounded to `T`: for float32 the float32 closest to
    /// `1/√v`; for float64 within one ulp (NaN for negative `v`, +∞ for 0).
    @inline(__always)
    static func rsqrt<T: ComputeScalar>(_ v: T) -> T {
        T(1 / Double(v).squareRoot())
    }

    /// Rows of `n` elements, split across cores in pieces of at least 32 Ki elements that the
    /// cores take as they finish (a core slowed by another process takes fewer).
    @inline(__always)
    static func parallelRows(_ rows: Int, _ n: Int, _ body: (Range<Int>) -> Void) {
        parallelChunks(count: rows, work: rows &* n, chunksPerThread: max(1, min(16, rows &* n / (1 << 16))), body)
    }

    @inline(__always)
    static func load8<T: ComputeScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    /// Starts loading the `n` elements at `p` into the cache (the next row, while this one is
    /// computed from L1: a row-at-a-time kernel otherwise waits for memory at every row start).
    @inline(__always)
    static func prefetch<T: ComputeScalar>(_ p: UnsafePointer<T>, _ n: Int) {
        var j = 0
        while j < n {
            streaming_prefetch(p + j)
            j &+= 64 / MemoryLayout<T>.stride
        }
    }

    /// Writes `y[j] = element(j)` for `j` in `0..<n`. From the first 32-byte aligned element of
    /// `y` on, eight lanes at a time with streaming stores (the output is not read back soon,
    /// so it skips the caches); `lanes(j)` must compute `element(j)...element(j + 7)` with the
    /// same float operations, so the values are identical either way. `parallelChunks` fences
    /// the streaming stores.
    @inline(__always)
    static func writeRow<T: ComputeScalar>(
        _ y: UnsafeMutablePointer<T>, _ n: Int, lanes: (Int) -> SIMD8<T>, element: (Int) -> T
    ) {
        var j = 0
        let head = min(n, ((32 &- Int(bitPattern: y) & 31) & 31) / MemoryLayout<T>.stride)
        while j < head {
            y[j] = element(j)
            j &+= 1
        }
        while j &+ 8 <= n {
            T.storeStreaming(lanes(j), to: y + j)
            j &+= 8
        }
        while j < n {
            y[j] = element(j)
            j &+= 1
        }
    }

    // MARK: - y = x * a[p] + b[p]  (BatchNormalization, GroupNormalization)

    /// `y = x * scale[p] + shift[p]`, where `p` is operand lane 1 of `walk` (lane 0: x and y,
    /// contiguous). This is `ops.batch_normalization` once its per-channel
    /// `inv = rsqrt(variance + epsilon) * gamma` and `beta - mean * inv` are known.
    static func affine<T: ComputeScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, walk: NormWalk,
        scale: UnsafePointer<T>, shift: UnsafePointer<T>
    ) {
        let n = walk.rowLength
        let ps = walk.innerStrides[1]
        parallelRows(walk.rowCount, n) { rows in
            walk.forEachRow(in: rows) { o in
                let xp = x + o[0], yp = y + o[0]
                if ps == 0 {
                    let a = scale[o[1]], b = shift[o[1]]
                    for j in 0..<n { yp[j] = xp[j] * a + b }
                } else if ps == 1 {
                    let ap = scale + o[1], bp = shift + o[1]
                    writeRow(
                        yp, n, lanes: { j in T.lanesAdd(T.lanesMultiply(load8(xp + j), load8(ap + j)), load8(bp + j)) },
                        element: { j in xp[j] * ap[j] + bp[j] })
                } else {
                    for j in 0..<n { yp[j] = xp[j] * scale[o[1] &+ j &* ps] + shift[o[1] &+ j &* ps] }
                }
            }
        }
    }

    // MARK: - Layer normalization

    /// Fused layer normalization of `rows` contiguous rows of `n` elements (normalized axes
    /// trailing), `gamma`/`beta` indexed along the row (nil: absent):
    ///
    ///     mean, variance = moments(row)
    ///     inv = rsqrt(variance + epsilon) * gamma
    ///     y   = x * inv + (-mean * inv + beta)
    ///
    /// or with the deprecated `rms_scaling`: `y = (x * rsqrt(variance + epsilon)) * gamma`.
    static func layerNormRows<T: ComputeScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, rows: Int, length n: Int,
        gamma: UnsafePointer<T>?, beta: UnsafePointer<T>?, epsilon: T, rmsScaling: Bool
    ) {
        guard n > 0 else { return }
        parallelRows(rows, n) { range in
            for r in range {
                let xp = x + r &* n, yp = y + r &* n
                if r &+ 1 < range.upperBound { prefetch(xp + n, n) }
                let (mean, variance) = Moments.rowMeanVariance(xp, n)
                let rinv = rsqrt(variance + epsilon)
                if rmsScaling {
                    if let gamma {
                        for j in 0..<n { yp[j] = (xp[j] * rinv) * gamma[j] }
                    } else {
                        for j in 0..<n { yp[j] = xp[j] * rinv }
                    }
                    continue
                }
                let negMean = -mean
                switch (gamma, beta) {
                case let (g?, b?):
                    writeRow(
                        yp, n,
                        lanes: { j in
                            let inv = T.lanesMultiply(SIMD8(repeating: rinv), load8(g + j))
                            return T.lanesAdd(T.lanesMultiply(load8(xp + j), inv), T.lanesAdd(T.lanesMultiply(SIMD8(repeating: negMean), inv), load8(b + j)))
                        },
                        element: { j in
                            let inv = rinv * g[j]
                            return xp[j] * inv + (negMean * inv + b[j])
                        })
                case let (g?, nil):
                    for j in 0..<n {
                        let inv = rinv * g[j]
                        yp[j] = xp[j] * inv + negMean * inv
                    }
                case let (nil, b?):
                    let res = negMean * rinv
                    for j in 0..<n { yp[j] = xp[j] * rinv + (res + b[j]) }
                case (nil, nil):
                    let res = negMean * rinv
                    for j in 0..<n { yp[j] = xp[j] * rinv + res }
                }
            }
        }
    }

    /// Layer normalization in any layout: statistics indexed by lane 1 of `walk`, parameters
    /// by lane 2 (lane 0: x and y). `rinv[k] = rsqrt(variance[k] + epsilon)`. Same formulas
    /// as `layerNormRows`; `gamma`/`beta` nil when absent.
    static func layerNormGeneral<T: ComputeScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, walk: NormWalk,
        mean: UnsafePointer<T>, rinv: UnsafePointer<T>,
        gamma: UnsafePointer<T>?, beta: UnsafePointer<T>?, rmsScaling: Bool
    ) {
        let n = walk.rowLength
        let ks = walk.innerStrides[1], js = walk.innerStrides[2]
        parallelRows(walk.rowCount, n) { rows in
            walk.forEachRow(in: rows) { o in
                let xp = x + o[0], yp = y + o[0]
                let rp = rinv + o[1], mp = mean + o[1]
                if rmsScaling {
                    if let g = gamma.map({ $0 + o[2] }) {
                        for j in 0..<n { yp[j] = (xp[j] * rp[j &* ks]) * g[j &* js] }
                    } else {
                        for j in 0..<n { yp[j] = xp[j] * rp[j &* ks] }
                    }
                    return
                }
                switch (gamma.map { $0 + o[2] }, beta.map { $0 + o[2] }) {
                case let (g?, b?):
                    for j in 0..<n {
                        let inv = rp[j &* ks] * g[j &* js]
                        yp[j] = xp[j] * inv + (-mp[j &* ks] * inv + b[j &* js])
                    }
                case let (g?, nil):
                    for j in 0..<n {
                        let inv = rp[j &* ks] * g[j &* js]
                        yp[j] = xp[j] * inv + -mp[j &* ks] * inv
                    }
                case let (nil, b?):
                    for j in 0..<n {
                        let inv = rp[j &* ks]
                        yp[j] = xp[j] * inv + (-mp[j &* ks] * inv + b[j &* js])
                    }
                case (nil, nil):
                    for j in 0..<n {
                        let inv = rp[j &* ks]
                        yp[j] = xp[j] * inv + -mp[j &* ks] * inv
                    }
                }
            }
        }
    }

    // MARK: - y = (x * r[k]) * s[p]  (RMSNormalization, UnitNormalization)

    /// Fused per-row scaling of `rows` contiguous rows of `n` elements:
    /// `y = (x * factor(row)) * s[j]` (`s` nil: `y = x * factor(row)`).
    @inline(__always)
    static func scaleRows<T: ComputeScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, rows: Int, length n: Int,
        scale s: UnsafePointer<T>?, factor: (UnsafePointer<T>, Int) -> T
    ) {
        guard n > 0 else { return }
        parallelRows(rows, n) { range in
            for r in range {
                let xp = x + r &* n, yp = y + r &* n
                if r &+ 1 < range.upperBound { prefetch(xp + n, n) }
                let f = factor(xp, n)
                if let s {
                    writeRow(
                        yp, n, lanes: { j in T.lanesMultiply(T.lanesMultiply(load8(xp + j), SIMD8(repeating: f)), load8(s + j)) },
                        element: { j in (xp[j] * f) * s[j] })
                } else {
                    for j in 0..<n { yp[j] = xp[j] * f }
                }
            }
        }
    }

    /// `y = (x * factor[k]) * s[p]` in any layout: `k` is lane 1 of `walk`, `p` lane 2
    /// (`s` nil: `y = x * factor[k]`).
    static func scaleGeneral<T: ComputeScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, walk: NormWalk,
        factor: UnsafePointer<T>, scale s: UnsafePointer<T>?
    ) {
        let n = walk.rowLength
        let ks = walk.innerStrides[1], js = walk.innerStrides[2]
        parallelRows(walk.rowCount, n) { rows in
            walk.forEachRow(in: rows) { o in
                let xp = x + o[0], yp = y + o[0]
                if let s {
                    for j in 0..<n { yp[j] = (xp[j] * factor[o[1] &+ j &* ks]) * s[o[2] &+ j &* js] }
                } else {
                    for j in 0..<n { yp[j] = xp[j] * factor[o[1] &+ j &* ks] }
                }
            }
        }
    }

    // MARK: - Preprocessing Normalization

    /// `y = (x - mean[p]) / denominator[p]`, or with `invert` `y = mean[p] + x * denominator[p]`,
    /// `p` lane 1 of `walk`; `denominator = max(sqrt(variance), 1e-7)`.
    static func standardize<T: ComputeScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, walk: NormWalk,
        mean: UnsafePointer<T>, denominator: UnsafePointer<T>, invert: Bool
    ) {
        let n = walk.rowLength
        let ps = walk.innerStrides[1]
        parallelRows(walk.rowCount, n) { rows in
            walk.forEachRow(in: rows) { o in
                let xp = x + o[0], yp = y + o[0]
                let mp = mean + o[1], dp = denominator + o[1]
                if invert {
                    for j in 0..<n { yp[j] = mp[j &* ps] + xp[j] * dp[j &* ps] }
                } else {
                    for j in 0..<n { yp[j] = (xp[j] - mp[j &* ps]) / dp[j &* ps] }
                }
            }
        }
    }
}
