import CStreamingStores

/// The summaries `Moments` merges: the element count, `Σx` and `M2 = Σ(x − x̄)²` of one
/// contiguous row segment or one block of rows, computed while the data are in cache.
///
/// Each summary sums, over data in L1, the deviations `d = x − c` from a pivot `c` near the mean
/// (in the compute type `T = S.Compute`) and their squares. A row segment's pivot is the mean of
/// its first eight elements, kept when the sums show it within a standard deviation of the
/// segment's mean (`e²/n ≤ q/2`, so less than a bit cancels below), else the segment's mean from
/// a first pass; a block column's pivot is its first row plus the mean of the other rows'
/// differences from it (a first pass over the block). The arithmetic on elements is in `T`
/// lanes, and short runs of it are widened to Double and added there:
///
/// - along a row a lane adds at most 8 values (pairwise) before its partial goes to Double; down
///   a block column, one value per row of at most 32 rows;
/// - with `e = Σd` and `q = Σd²`, the summary is `Σx = n·c + e` and `M2 = q − e²/n`: exact
///   for any pivot, and with `c` near the mean the deviations are of the data's spread, not its
///   offset (`x − c` is exact when `x` and `c` are within a factor 2 of each other), so the error
///   is a few float32 roundings of the spread — of `d` and `d²` — however large the offset;
/// - where the `T` arithmetic overflows (deviations beyond `√T.greatestFiniteMagnitude`, sums
///   beyond its range) or the data hold an infinity or NaN, the summary is computed again in
///   Double throughout, exactly.
///
/// Summing in Double instead (as `rowSquaredDeviations` still does, for RMSNormalization,
/// UnitNormalization and the fallback) costs a conversion per four float32 lanes, which made BatchNormalization's statistics
/// compute-bound; the errors above stay below float32's resolution of the rounded mean and
/// variance except for a mean far below the spread (mean 1e-4 of data with spread 1 is then off
/// by about 1e-9: 2⁻²⁴ of the spread, not of the mean). For float64 data `T` is Double.
extension Moments {
    // MARK: - Contiguous rows

    /// `Σ p[0..<n]`: runs of 64 elements summed pairwise in eight `T` lanes, the runs in Double.
    @inline(__always)
    static func rowSum<S: FloatingTensorElement>(_ p: UnsafePointer<S>, _ n: Int) -> Double {
        typealias T = S.Compute
        var total = SIMD8<Double>()
        var j = 0
        while j &+ 64 <= n {
            let a0 = T.lanesAdd(S.loadLanes(p + j), S.loadLanes(p + (j &+ 8)))
            let a1 = T.lanesAdd(S.loadLanes(p + (j &+ 16)), S.loadLanes(p + (j &+ 24)))
            let a2 = T.lanesAdd(S.loadLanes(p + (j &+ 32)), S.loadLanes(p + (j &+ 40)))
            let a3 = T.lanesAdd(S.loadLanes(p + (j &+ 48)), S.loadLanes(p + (j &+ 56)))
            total += T.widenedLanes(T.lanesAdd(T.lanesAdd(a0, a1), T.lanesAdd(a2, a3)))
            j &+= 64
        }
        while j &+ 8 <= n {
            total += S.loadWidened(p + j)
            j &+= 8
        }
        var s = total.sum()
        while j < n {
            s += Double(p[j].widened)
            j &+= 1
        }
        return s
    }

    /// `(Σd, Σd²)` over `0..<n`, `d = p[j] − c` in `T`: runs of 32 elements in eight `T` lanes,
    /// the runs in Double (`RowDeviations`, all at once).
    @inline(__always)
    static func rowDeviations<S: FloatingTensorElement>(_ p: UnsafePointer<S>, _ n: Int, from c: S.Compute) -> (sum: Double, squares: Double) {
        var pass = RowDeviations(p, n, pivot: c)
        return pass.finish()
    }

    /// `(Σx, M2)` of the contiguous segment `p[0..<n]` (`n > 0`): usually one pass (see the
    /// pivot above), two when the head's mean is a poor pivot.
    @inline(__always)
    static func rowSummary<S: FloatingTensorElement>(_ p: UnsafePointer<S>, _ n: Int) -> (sum: Double, m2: Double) {
        var firstPass = RowDeviations(p, n)
        return rowSummary(completing: &firstPass)
    }

    /// `rowSummary` of the segment whose first pass (`RowDeviations(_:_:)`, about the mean of its
    /// head) is `firstPass`, any of its runs already taken.
    @inline(__always)
    static func rowSummary<S: FloatingTensorElement>(completing firstPass: inout RowDeviations<S>) -> (sum: Double, m2: Double) {
        let p = firstPass.p, n = firstPass.n
        let count = Double(n)
        // The first pass is about the mean of the first (up to) eight elements, kept when that
        // pivot is within a standard deviation of the mean (e²/n ≤ q/2, so M2 = q − e²/n keeps
        // at least half of q: less than a bit of cancellation); otherwise about the row's own mean.
        var pivot = firstPass.pivot
        var (e, q) = firstPass.finish()
        if !(e * e / count <= q / 2) {
            pivot = S.Compute(rowSum(p, n) / count)
            (e, q) = rowDeviations(p, n, from: pivot)
        }
        let sum = count * Double(pivot) + e
        let m2 = q - e * e / count
        if sum.isFinite, m2.isFinite { return (sum, max(0, m2)) }
        // Overflow in T, or an infinity or NaN in the data: Double throughout.
        var s = 0.0
        for j in 0..<n { s += Double(p[j].widened) }
        return (s, rowSquaredDeviations(p, n, from: s / count))
    }

    /// `Σ (p[j] − c)²` over `0..<n` in Double.
    @inline(__always)
    static func rowSquaredDeviations<S: FloatingTensorElement>(_ p: UnsafePointer<S>, _ n: Int, from c: Double) -> Double {
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>()
        let cv = SIMD8<Double>(repeating: c)
        var j = 0
        while j &+ 16 <= n {
            let d0 = S.loadWidened(p + j) - cv
            let d1 = S.loadWidened(p + (j &+ 8)) - cv
            a0 += d0 * d0
            a1 += d1 * d1
            j &+= 16
        }
        var s = (a0 + a1).sum()
        while j < n {
            let d = Double(p[j].widened) - c
            s += d * d
            j &+= 1
        }
        return s
    }

    /// Mean and biased variance, as `meanAndVariance` computes them and rounded to `T`, of the
    /// contiguous row (`n > 0`) whose first pass is `firstPass` (`rowSummary(completing:)`).
    @inline(__always)
    static func rowMeanVariance<S: FloatingTensorElement>(completing firstPass: inout RowDeviations<S>) -> (mean: S.Compute, variance: S.Compute) {
        let (sum, m2) = rowSummary(completing: &firstPass)
        let n = Double(firstPass.n)
        return (S.Compute(sum / n), S.Compute(m2 / n))
    }

    // MARK: - Blocks of rows, one accumulator per column

    /// Summarizes the `m` rows `block[0..<m]` (each `n` long) column by column and merges them
    /// into the accumulators `offset..<offset + n`.
    ///
    /// Stripes of 32 columns (four registers of eight `T` lanes; then 8 at a time) run down the
    /// block twice with their sums in registers: the pivot of column `j` is its first row's value
    /// plus the mean of the other rows' differences from it, then the deviations from the pivot
    /// are summed. The block (at most 32 rows) stays in L1 across the stripes; meanwhile the
    /// rows after the block are prefetched into L2, one line per row of a stripe in either pass,
    /// so that memory keeps delivering while the block is worked on (a guess that the
    /// next block follows this one, as it does for channels-last BatchNormalization and
    /// GroupNormalization; a prefetch elsewhere costs a wasted line, never a fault). Not inlined:
    /// inlined into the generic `blockMoments` closure it costs more instructions (callgrind).
    @inline(never)
    static func mergeBlock<S: FloatingTensorElement>(
        _ block: UnsafePointer<UnsafePointer<S>>, _ m: Int, _ n: Int, acc: Accumulators, at offset: Int
    ) {
        typealias T = S.Compute
        let count = T(m)
        let stride = MemoryLayout<S>.stride
        // The bytes after the block's last row, as many as the block holds (m rows of n).
        let ahead = UnsafeRawPointer(block[m &- 1] + n)
        let aheadBytes = m &* n &* stride
        var prefetched = 0
        var j = 0
        while j &+ 32 <= n {
            let f0 = S.loadLanes(block[0] + j), f1 = S.loadLanes(block[0] + (j &+ 8))
            let f2 = S.loadLanes(block[0] + (j &+ 16)), f3 = S.loadLanes(block[0] + (j &+ 24))
            var s0 = SIMD8<T>(), s1 = SIMD8<T>(), s2 = SIMD8<T>(), s3 = SIMD8<T>()
            for r in 1..<m {
                let row = block[r] + j
                prefetchLine(ahead, &prefetched, limit: aheadBytes)
                addDifference(&s0, row, f0)
                addDifference(&s1, row + 8, f1)
                addDifference(&s2, row + 16, f2)
                addDifference(&s3, row + 24, f3)
            }
            let c0 = T.lanesAdd(f0, T.lanesDivide(s0, by: count)), c1 = T.lanesAdd(f1, T.lanesDivide(s1, by: count))
            let c2 = T.lanesAdd(f2, T.lanesDivide(s2, by: count)), c3 = T.lanesAdd(f3, T.lanesDivide(s3, by: count))
            var e0 = SIMD8<T>(), e1 = SIMD8<T>(), e2 = SIMD8<T>(), e3 = SIMD8<T>()
            var q0 = SIMD8<T>(), q1 = SIMD8<T>(), q2 = SIMD8<T>(), q3 = SIMD8<T>()
            for r in 0..<m {
                let row = block[r] + j
                prefetchLine(ahead, &prefetched, limit: aheadBytes)
                addDeviation(&e0, &q0, row, c0)
                addDeviation(&e1, &q1, row + 8, c1)
                addDeviation(&e2, &q2, row + 16, c2)
                addDeviation(&e3, &q3, row + 24, c3)
            }
            mergeSummary(block, m, column: j, pivot: c0, deviations: e0, squares: q0, acc: acc, at: offset &+ j)
            mergeSummary(block, m, column: j &+ 8, pivot: c1, deviations: e1, squares: q1, acc: acc, at: offset &+ j &+ 8)
            mergeSummary(block, m, column: j &+ 16, pivot: c2, deviations: e2, squares: q2, acc: acc, at: offset &+ j &+ 16)
            mergeSummary(block, m, column: j &+ 24, pivot: c3, deviations: e3, squares: q3, acc: acc, at: offset &+ j &+ 24)
            j &+= 32
        }
        while j &+ 8 <= n {
            let f = S.loadLanes(block[0] + j)
            var s = SIMD8<T>()
            for r in 1..<m { addDifference(&s, block[r] + j, f) }
            let c = T.lanesAdd(f, T.lanesDivide(s, by: count))
            var e = SIMD8<T>(), q = SIMD8<T>()
            for r in 0..<m { addDeviation(&e, &q, block[r] + j, c) }
            mergeSummary(block, m, column: j, pivot: c, deviations: e, squares: q, acc: acc, at: offset &+ j)
            j &+= 8
        }
        while j < n {
            var s = 0.0
            for r in 0..<m { s += Double(block[r][j].widened) }
            var q = 0.0
            for r in 0..<m {
                let d = Double(block[r][j].widened) - s / Double(m)
                q += d * d
            }
            let k = offset &+ j
            merge(count: &acc.count[k], sum: &acc.sum[k], m2: &acc.m2[k], Double(m), s, q)
            j &+= 1
        }
    }

    /// Prefetches the next 64-byte line of the `limit` bytes at `base` into L2, `done` bytes
    /// having been prefetched already.
    @inline(__always)
    static func prefetchLine(_ base: UnsafeRawPointer, _ done: inout Int, limit: Int) {
        guard done < limit else { return }
        streaming_prefetch_outer(base + done)
        done &+= 64
    }

    /// `sum += p[0..<8] − pivot`.
    @inline(__always)
    static func addDifference<S: FloatingTensorElement>(_ sum: inout SIMD8<S.Compute>, _ p: UnsafePointer<S>, _ pivot: SIMD8<S.Compute>) {
        sum = S.Compute.lanesAdd(sum, S.Compute.lanesSubtract(S.loadLanes(p), pivot))
    }

    /// `d = p[0..<8] − pivot`; `sum += d`, `squares += d²`.
    @inline(__always)
    static func addDeviation<S: FloatingTensorElement>(
        _ sum: inout SIMD8<S.Compute>, _ squares: inout SIMD8<S.Compute>, _ p: UnsafePointer<S>, _ pivot: SIMD8<S.Compute>
    ) {
        typealias T = S.Compute
        let d = T.lanesSubtract(S.loadLanes(p), pivot)
        sum = T.lanesAdd(sum, d)
        squares = T.lanesAdd(squares, T.lanesMultiply(d, d))
    }

    /// Merges the summary of eight columns of the block — `Σx = m·c + e`, `M2 = q − e²/m` from
    /// the pivot `c` and the deviations' sum `e` and sum of squares `q` — into the accumulators
    /// `k..<k + 8`; where the `T` arithmetic overflowed or met an infinity or NaN, the columns
    /// are summarized again in Double (`mergeColumnsInDouble`).
    @inline(__always)
    static func mergeSummary<S: FloatingTensorElement>(
        _ block: UnsafePointer<UnsafePointer<S>>, _ m: Int, column j: Int,
        pivot: SIMD8<S.Compute>, deviations: SIMD8<S.Compute>, squares: SIMD8<S.Compute>, acc: Accumulators, at k: Int
    ) {
        typealias T = S.Compute
        let nb = SIMD8<Double>(repeating: Double(m))
        let e = T.widenedLanes(deviations)
        let sb = nb * T.widenedLanes(pivot) + e
        let qb = T.widenedLanes(squares) - e * e / nb
        if all(((sb - sb) .== 0) .& ((qb - qb) .== 0)) {
            mergeLanes(acc, at: k, count: nb, sum: sb, m2: qb.replacing(with: 0, where: qb .< 0))
        } else {
            mergeColumnsInDouble(block, m, column: j, acc: acc, at: k)
        }
    }

    /// Columns `column..<column + 8` of the block summarized in Double throughout (the block's
    /// column sums, then the squared deviations from its column means) and merged at `k`.
    static func mergeColumnsInDouble<S: FloatingTensorElement>(
        _ block: UnsafePointer<UnsafePointer<S>>, _ m: Int, column j: Int, acc: Accumulators, at k: Int
    ) {
        let nb = SIMD8<Double>(repeating: Double(m))
        var sb = SIMD8<Double>()
        for r in 0..<m { sb += S.loadWidened(block[r] + j) }
        let mean = sb / nb
        var qb = SIMD8<Double>()
        for r in 0..<m {
            let d = S.loadWidened(block[r] + j) - mean
            qb += d * d
        }
        mergeLanes(acc, at: k, count: nb, sum: sb, m2: qb)
    }

    /// Chan's merge of eight column summaries `(count, sum, m2)` into the accumulators `k..<k + 8`.
    @inline(__always)
    static func mergeLanes(_ acc: Accumulators, at k: Int, count nb: SIMD8<Double>, sum sb: SIMD8<Double>, m2 qb: SIMD8<Double>) {
        let na = UnsafeRawPointer(acc.count + k).loadUnaligned(as: SIMD8<Double>.self)
        let sa = UnsafeRawPointer(acc.sum + k).loadUnaligned(as: SIMD8<Double>.self)
        let qa = UnsafeRawPointer(acc.m2 + k).loadUnaligned(as: SIMD8<Double>.self)
        let total = na + nb
        let delta = sb / nb - sa / na
        var correction = delta * delta * (na * nb / total)
        correction.replace(with: 0, where: na .== 0)
        UnsafeMutableRawPointer(acc.count + k).storeBytes(of: total, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(acc.sum + k).storeBytes(of: sa + sb, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(acc.m2 + k).storeBytes(of: qa + qb + correction, as: SIMD8<Double>.self)
    }
}

/// The first pass of a contiguous segment's statistics (`Moments.rowDeviations`), taken a run
/// at a time so that a kernel can interleave it with other work: `(Σd, Σd²)` over `0..<n`,
/// `d = p[j] − pivot` in `T = S.Compute`, runs of 32 elements summed in eight `T` lanes and
/// added to Double accumulators; after the runs, blocks of eight and single elements in Double.
/// However the runs are interleaved, the arithmetic and its order are the same.
struct RowDeviations<S: FloatingTensorElement> {
    typealias T = S.Compute
    let p: UnsafePointer<S>
    let n: Int
    let pivot: T
    private let pivotLanes: SIMD8<T>
    private var e = SIMD8<Double>(), q = SIMD8<Double>()
    /// The first element no run has taken.
    private var j = 0

    @inline(__always)
    init(_ p: UnsafePointer<S>, _ n: Int, pivot: T) {
        self.p = p
        self.n = n
        self.pivot = pivot
        pivotLanes = SIMD8(repeating: pivot)
    }

    /// The first pass of a row's statistics (`Moments.rowSummary`): about the mean of its first
    /// (up to) eight elements.
    @inline(__always)
    init(_ p: UnsafePointer<S>, _ n: Int) {
        let head = min(n, 8)
        var headSum = 0.0
        for j in 0..<head { headSum += Double(p[j].widened) }
        self.init(p, n, pivot: T(headSum / Double(head)))
    }

    /// Whether a run of 32 elements is left.
    @inline(__always)
    var hasRun: Bool { j &+ 32 <= n }

    /// Takes the next run of 32 elements (`hasRun` must hold).
    @inline(__always)
    mutating func takeRun() {
        let d0 = T.lanesSubtract(S.loadLanes(p + j), pivotLanes)
        let d1 = T.lanesSubtract(S.loadLanes(p + (j &+ 8)), pivotLanes)
        let d2 = T.lanesSubtract(S.loadLanes(p + (j &+ 16)), pivotLanes)
        let d3 = T.lanesSubtract(S.loadLanes(p + (j &+ 24)), pivotLanes)
        e += T.widenedLanes(T.lanesAdd(T.lanesAdd(d0, d1), T.lanesAdd(d2, d3)))
        let q01 = T.lanesAdd(T.lanesMultiply(d0, d0), T.lanesMultiply(d1, d1))
        let q23 = T.lanesAdd(T.lanesMultiply(d2, d2), T.lanesMultiply(d3, d3))
        q += T.widenedLanes(T.lanesAdd(q01, q23))
        j &+= 32
    }

    /// Takes the runs left, then the rest: `(Σd, Σd²)`.
    @inline(__always)
    mutating func finish() -> (sum: Double, squares: Double) {
        while hasRun { takeRun() }
        let cd = SIMD8<Double>(repeating: Double(pivot))
        var k = j
        var e = self.e, q = self.q
        while k &+ 8 <= n {
            let d = S.loadWidened(p + k) - cd
            e += d
            q += d * d
            k &+= 8
        }
        var sum = e.sum(), squares = q.sum()
        while k < n {
            let d = Double(p[k].widened) - Double(pivot)
            sum += d
            squares += d * d
            k &+= 1
        }
        return (sum, squares)
    }
}
