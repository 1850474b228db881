import CStreamingStores

/// The element-wise halves of the normalization layers: given the statistics (from
/// `Moments`), write the normalized output. Every formula keeps Keras's operation order, in
/// the compute type `T` throughout (float32, or float64 under the float64 policy), so that results agree with Keras to the last bits wherever the
/// statistics do (Keras's `rsqrt` is a backend approximation within 2 ulp; here it is the
/// correctly rounded `1/√v`).
///
/// x and y are stored as `S` (`FloatingTensorElement`, computed in `T = S.Compute`): float32 or
/// float64 as they are, float16 and bfloat16 widened exactly on load and rounded once on store
/// (`init(rounding:)`), which is Keras's float32 computation cast back to the half type.
enum NormalizationKernels {
    /// `rsqrt(v)` computed in Double and rounded to `T`: for float32 the float32 closest to
    /// `1/√v`; for float64 within one ulp (NaN for negative `v`, +∞ for 0).
    @inline(__always)
    static func rsqrt<T: ComputeScalar>(_ v: T) -> T {
        T(1 / Double(v).squareRoot())
    }

    /// Rows of `n` elements, split across cores in pieces of at least 32 Ki elements that the
    /// cores take as they finish (a core slowed by another process takes fewer); with
    /// `lastPieceFirst`, from the last piece back (`parallelChunks`).
    @inline(__always)
    static func parallelRows(_ rows: Int, _ n: Int, lastPieceFirst: Bool = false, _ body: (Range<Int>) -> Void) {
        parallelChunks(
            count: rows, work: rows &* n, chunksPerThread: max(1, min(16, rows &* n / (1 << 16))), lastChunkFirst: lastPieceFirst, body)
    }

    @inline(__always)
    static func load8<S: FloatingTensorElement>(_ p: UnsafePointer<S>) -> SIMD8<S.Compute> {
        S.loadLanes(p)
    }

    /// Starts loading the `n` elements at `p` into the cache at once (the first rows of a
    /// row-at-a-time kernel, which otherwise waits for memory at every row start).
    @inline(__always)
    static func prefetch<S>(_ p: UnsafePointer<S>, _ n: Int) {
        var j = 0
        while j < n {
            streaming_prefetch(p + j)
            j &+= 64 / MemoryLayout<S>.stride
        }
    }

    /// The row-at-a-time kernels' reads ahead: rows `r + 1` (at the start of a range) and
    /// `r + 2` of the `rows` rows of `n` elements at `x`, or nil past the range. Row `r + 2`
    /// is loaded while row `r`'s output is written (`writeRow(..., prefetching:)`), a line per
    /// eight-lane step, so that the reads overlap the streaming stores instead of a burst of
    /// prefetches stalling the row start (perf: the burst and the first loads of each row were
    /// a quarter of `layerNormRows`' samples).
    @inline(__always)
    static func rowAhead<S>(_ x: UnsafePointer<S>, row r: Int, of range: Range<Int>, length n: Int) -> UnsafePointer<S>? {
        if r == range.lowerBound, r &+ 1 < range.upperBound { prefetch(x + (r &+ 1) &* n, n) }
        return r &+ 2 < range.upperBound ? x + (r &+ 2) &* n : nil
    }

    /// Writes `y[j] = formula.element(j)` (rounded to `S`) for `j` in `0..<n`. From the first
    /// element of `y` aligned to `S.streamingAlignment` on, eight lanes at a time
    /// (`formula.lanes(j)`, the same float operations, the same rounding) with streaming stores
    /// (the output is not read back soon, so it skips the caches). `parallelChunks` fences the
    /// streaming stores. With `ahead` (`rowAhead`), the first `aheadCount` elements there (all `n`
    /// by default) start loading meanwhile, one prefetch per 64 bytes of the eight-lane part. With
    /// `alongside`, one of its runs is taken every four eight-lane steps (while the streaming
    /// stores drain).
    ///
    /// The elements before and after the eight-lane part go out as streaming 16-byte groups
    /// (`S.storeStreamingGroup`) wherever they are 16-byte aligned (in a Swift array, whose
    /// storage is, every float32 row of a length divisible by four): a cache line written partly
    /// by streaming and partly by cached stores is read for ownership and written out in pieces.
    /// A float32 row of 256 elements that starts 16 bytes past a 32-byte boundary (a fresh array
    /// from glibc's `mmap`: 16 bytes of chunk header and 32 of array header) took three times as
    /// long with four plain stores at each end (BatchNormalization's `y = x * a + b`, 25.7 MB:
    /// ~5 ms against 1.5-1.8 ms).
    @inline(__always)
    static func writeRow<Formula: RowFormula>(
        _ y: UnsafeMutablePointer<Formula.S>, _ n: Int, _ formula: Formula, prefetching ahead: UnsafePointer<Formula.S>? = nil,
        count aheadCount: Int? = nil, alongside side: UnsafeMutablePointer<RowDeviations<Formula.S>>? = nil
    ) {
        typealias S = Formula.S
        let stride = MemoryLayout<S>.stride
        let group = S.streamingGroup
        var j = min(n, ((16 &- Int(bitPattern: y) & 15) & 15) / stride)
        for k in 0..<j { y[k] = S(rounding: formula.element(k)) }
        let laneMask = S.streamingAlignment &- 1
        while j &+ group <= n, Int(bitPattern: y + j) & laneMask != 0 {
            storeGroup(y, at: j, formula)
            j &+= group
        }
        let line = 64 / stride &- 1
        let aheadEnd = aheadCount ?? n
        var steps = 0
        while j &+ 8 <= n {
            if let ahead, j & line < 8, j < aheadEnd { streaming_prefetch(ahead + j) }
            S.storeStreaming(formula.lanes(j), to: y + j)
            if let side, steps & 3 == 3, side.pointee.hasRun { side.pointee.takeRun() }
            steps &+= 1
            j &+= 8
        }
        while j &+ group <= n {
            storeGroup(y, at: j, formula)
            j &+= group
        }
        while j < n {
            y[j] = S(rounding: formula.element(j))
            j &+= 1
        }
    }

    /// `y[j ..< j + S.streamingGroup] = formula.element(...)`, one streaming 16-byte store
    /// (`y + j` 16-byte aligned), each element computed as the scalar path computes it.
    @inline(__always)
    private static func storeGroup<Formula: RowFormula>(_ y: UnsafeMutablePointer<Formula.S>, at j: Int, _ formula: Formula) {
        var values = SIMD8<Formula.S.Compute>()
        for i in 0..<Formula.S.streamingGroup { values[i] = formula.element(j &+ i) }
        Formula.S.storeStreamingGroup(values, to: y + j)
    }

    // MARK: - y = x * a[p] + b[p]  (BatchNormalization, GroupNormalization)

    /// `y = x * scale[p] + shift[p]`, where `p` is operand lane 1 of `walk` (lane 0: x and y,
    /// contiguous). This is `ops.batch_normalization` once its per-channel
    /// `inv = rsqrt(variance + epsilon) * gamma` and `beta - mean * inv` are known. The pieces
    /// go from the last back: in training the statistics pass has just read `x` in order, and
    /// what it read last is still in the L3.
    static func affine<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, walk: NormWalk,
        scale: UnsafePointer<S.Compute>, shift: UnsafePointer<S.Compute>
    ) {
        parallelRows(walk.rowCount, walk.rowLength, lastPieceFirst: true) { rows in
            affineRows(x, y, walk: walk, rows: rows, scale: scale, shift: shift)
        }
    }

    /// `affine` of the walk's `rows`, on this thread (the caller fences the streaming stores).
    @inline(__always)
    static func affineRows<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, walk: NormWalk, rows: Range<Int>,
        scale: UnsafePointer<S.Compute>, shift: UnsafePointer<S.Compute>
    ) {
        let n = walk.rowLength
        let ps = walk.innerStrides[1]
        walk.forEachRow(in: rows) { o in
            let xp = x + o[0], yp = y + o[0]
            if ps == 0 {
                let a = scale[o[1]], b = shift[o[1]]
                for j in 0..<n { yp[j] = S(rounding: xp[j].widened * a + b) }
            } else if ps == 1 {
                writeRow(yp, n, AffineRow(x: xp, scale: scale + o[1], shift: shift + o[1]))
            } else {
                for j in 0..<n { yp[j] = S(rounding: xp[j].widened * scale[o[1] &+ j &* ps] + shift[o[1] &+ j &* ps]) }
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
    static func layerNormRows<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, rows: Int, length n: Int,
        gamma: UnsafePointer<S.Compute>?, beta: UnsafePointer<S.Compute>?, epsilon: S.Compute, rmsScaling: Bool
    ) {
        guard n > 0 else { return }
        parallelRows(rows, n) { range in
            // float32 and float64 rows with gamma and beta: the first pass of the next row's
            // statistics is taken while this row is written (`writeRow(alongside:)`), so that
            // the statistics, which read a row already in cache, overlap the streaming stores
            // instead of leaving memory idle (perf: they were 30 % of the function's samples;
            // `layernorm_last` 1.56 → 1.46 ms, median of six alternating runs). Not for the half
            // types, whose conversions keep the cores busy (`layernorm_last_bf16` 2.09 → 2.33 ms
            // fused): their rows take the first pass on their own, starting on row r + 2 meanwhile
            // (a line per run), and the output loop prefetches the rest of it.
            let fuse = S.self == S.Compute.self
            var following: RowDeviations<S>? = nil
            for r in range {
                let xp = x + r &* n, yp = y + r &* n
                let ahead = rowAhead(x, row: r, of: range, length: n)
                var firstPass = following ?? RowDeviations(xp, n)
                following = nil
                var prefetched = 0
                if let ahead {
                    while firstPass.hasRun {
                        streaming_prefetch(ahead + prefetched)
                        prefetched &+= 64 / MemoryLayout<S>.stride
                        firstPass.takeRun()
                    }
                }
                let rest = ahead.map { $0 + prefetched }
                let (mean, variance) = Moments.rowMeanVariance(completing: &firstPass)
                let rinv = rsqrt(variance + epsilon)
                // The streaming output (gamma and beta) prefetches the rest of row r + 2 as it
                // goes; the other paths prefetch it here, at once.
                let streams = !rmsScaling && gamma != nil && beta != nil
                if !streams, let rest { prefetch(rest, n &- prefetched) }
                if rmsScaling {
                    if let gamma {
                        for j in 0..<n { yp[j] = S(rounding: (xp[j].widened * rinv) * gamma[j]) }
                    } else {
                        for j in 0..<n { yp[j] = S(rounding: xp[j].widened * rinv) }
                    }
                    continue
                }
                let negMean = -mean
                switch (gamma, beta) {
                case let (g?, b?):
                    let formula = LayerNormRow(x: xp, gamma: g, beta: b, rinv: rinv, negMean: negMean)
                    guard fuse, r &+ 1 < range.upperBound else {
                        writeRow(yp, n, formula, prefetching: rest, count: n &- prefetched)
                        break
                    }
                    var next = RowDeviations(xp + n, n)
                    writeRow(yp, n, formula, prefetching: rest, count: n &- prefetched, alongside: &next)
                    following = next
                case let (g?, nil):
                    for j in 0..<n {
                        let inv = rinv * g[j]
                        yp[j] = S(rounding: xp[j].widened * inv + negMean * inv)
                    }
                case let (nil, b?):
                    let res = negMean * rinv
                    for j in 0..<n { yp[j] = S(rounding: xp[j].widened * rinv + (res + b[j])) }
                case (nil, nil):
                    let res = negMean * rinv
                    for j in 0..<n { yp[j] = S(rounding: xp[j].widened * rinv + res) }
                }
            }
        }
    }

    /// Layer normalization in any layout: statistics indexed by lane 1 of `walk`, parameters
    /// by lane 2 (lane 0: x and y). `rinv[k] = rsqrt(variance[k] + epsilon)`. Same formulas
    /// as `layerNormRows`; `gamma`/`beta` nil when absent.
    static func layerNormGeneral<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, walk: NormWalk,
        mean: UnsafePointer<S.Compute>, rinv: UnsafePointer<S.Compute>,
        gamma: UnsafePointer<S.Compute>?, beta: UnsafePointer<S.Compute>?, rmsScaling: Bool
    ) {
        let n = walk.rowLength
        let ks = walk.innerStrides[1], js = walk.innerStrides[2]
        parallelRows(walk.rowCount, n) { rows in
            walk.forEachRow(in: rows) { o in
                let xp = x + o[0], yp = y + o[0]
                let rp = rinv + o[1], mp = mean + o[1]
                if rmsScaling {
                    if let g = gamma.map({ $0 + o[2] }) {
                        for j in 0..<n { yp[j] = S(rounding: (xp[j].widened * rp[j &* ks]) * g[j &* js]) }
                    } else {
                        for j in 0..<n { yp[j] = S(rounding: xp[j].widened * rp[j &* ks]) }
                    }
                    return
                }
                switch (gamma.map { $0 + o[2] }, beta.map { $0 + o[2] }) {
                case let (g?, b?):
                    for j in 0..<n {
                        let inv = rp[j &* ks] * g[j &* js]
                        yp[j] = S(rounding: xp[j].widened * inv + (-mp[j &* ks] * inv + b[j &* js]))
                    }
                case let (g?, nil):
                    for j in 0..<n {
                        let inv = rp[j &* ks] * g[j &* js]
                        yp[j] = S(rounding: xp[j].widened * inv + -mp[j &* ks] * inv)
                    }
                case let (nil, b?):
                    for j in 0..<n {
                        let inv = rp[j &* ks]
                        yp[j] = S(rounding: xp[j].widened * inv + (-mp[j &* ks] * inv + b[j &* js]))
                    }
                case (nil, nil):
                    for j in 0..<n {
                        let inv = rp[j &* ks]
                        yp[j] = S(rounding: xp[j].widened * inv + -mp[j &* ks] * inv)
                    }
                }
            }
        }
    }

    // MARK: - y = (x * r[k]) * s[p]  (RMSNormalization, UnitNormalization)

    /// Fused per-row scaling of `rows` contiguous rows of `n` elements:
    /// `y = (x * factor(row)) * s[j]` (`s` nil: `y = x * factor(row)`).
    @inline(__always)
    static func scaleRows<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, rows: Int, length n: Int,
        scale s: UnsafePointer<S.Compute>?, factor: (UnsafePointer<S>, Int) -> S.Compute
    ) {
        guard n > 0 else { return }
        parallelRows(rows, n) { range in
            for r in range {
                let xp = x + r &* n, yp = y + r &* n
                let ahead = rowAhead(x, row: r, of: range, length: n)
                let f = factor(xp, n)
                if let s {
                    writeRow(yp, n, ScaledRow(x: xp, scale: s, factor: f), prefetching: ahead)
                } else {
                    if let ahead { prefetch(ahead, n) }
                    for j in 0..<n { yp[j] = S(rounding: xp[j].widened * f) }
                }
            }
        }
    }

    /// `y = (x * factor[k]) * s[p]` in any layout: `k` is lane 1 of `walk`, `p` lane 2
    /// (`s` nil: `y = x * factor[k]`).
    static func scaleGeneral<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, walk: NormWalk,
        factor: UnsafePointer<S.Compute>, scale s: UnsafePointer<S.Compute>?
    ) {
        let n = walk.rowLength
        let ks = walk.innerStrides[1], js = walk.innerStrides[2]
        parallelRows(walk.rowCount, n) { rows in
            walk.forEachRow(in: rows) { o in
                let xp = x + o[0], yp = y + o[0]
                if let s {
                    for j in 0..<n { yp[j] = S(rounding: (xp[j].widened * factor[o[1] &+ j &* ks]) * s[o[2] &+ j &* js]) }
                } else {
                    for j in 0..<n { yp[j] = S(rounding: xp[j].widened * factor[o[1] &+ j &* ks]) }
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

/// One row's element-wise formula for `NormalizationKernels.writeRow`: `element(j)` and
/// `lanes(j)` (elements `j ..< j + 8`) with the same float operations in the same order, so the
/// values are identical either way, in the compute type of the row's storage `S`. Structs rather
/// than closures, so that the specialised kernels inline them (a closure is specialised into a
/// call per eight elements).
protocol RowFormula {
    associatedtype S: FloatingTensorElement
    func lanes(_ j: Int) -> SIMD8<S.Compute>
    func element(_ j: Int) -> S.Compute
}

/// `y = x * scale + shift`, both contiguous along the row (`ops.batch_normalization`).
struct AffineRow<S: FloatingTensorElement>: RowFormula {
    typealias T = S.Compute
    let x: UnsafePointer<S>, scale: UnsafePointer<T>, shift: UnsafePointer<T>

    @inline(__always)
    func lanes(_ j: Int) -> SIMD8<T> {
        T.lanesAdd(T.lanesMultiply(NormalizationKernels.load8(x + j), NormalizationKernels.load8(scale + j)), NormalizationKernels.load8(shift + j))
    }

    @inline(__always)
    func element(_ j: Int) -> T { x[j].widened * scale[j] + shift[j] }
}

/// `inv = rinv * gamma; y = x * inv + (negMean * inv + beta)` (`ops.layer_normalization`).
struct LayerNormRow<S: FloatingTensorElement>: RowFormula {
    typealias T = S.Compute
    let x: UnsafePointer<S>, gamma: UnsafePointer<T>, beta: UnsafePointer<T>
    let rinv: T, negMean: T

    @inline(__always)
    func lanes(_ j: Int) -> SIMD8<T> {
        let inv = T.lanesMultiply(SIMD8(repeating: rinv), NormalizationKernels.load8(gamma + j))
        return T.lanesAdd(
            T.lanesMultiply(NormalizationKernels.load8(x + j), inv),
            T.lanesAdd(T.lanesMultiply(SIMD8(repeating: negMean), inv), NormalizationKernels.load8(beta + j)))
    }

    @inline(__always)
    func element(_ j: Int) -> T {
        let inv = rinv * gamma[j]
        return x[j].widened * inv + (negMean * inv + beta[j])
    }
}

/// `y = (x * factor) * scale` (RMSNormalization, UnitNormalization).
struct ScaledRow<S: FloatingTensorElement>: RowFormula {
    typealias T = S.Compute
    let x: UnsafePointer<S>, scale: UnsafePointer<T>
    let factor: T

    @inline(__always)
    func lanes(_ j: Int) -> SIMD8<T> {
        T.lanesMultiply(T.lanesMultiply(NormalizationKernels.load8(x + j), SIMD8(repeating: factor)), NormalizationKernels.load8(scale + j))
    }

    @inline(__always)
    func element(_ j: Int) -> T { (x[j].widened * factor) * scale[j] }
}
