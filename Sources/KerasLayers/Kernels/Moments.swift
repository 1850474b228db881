/// Mean and variance of floating data over an arbitrary set of axes — the one implementation
/// behind every normalization layer's statistics (`keras.ops.moments`). The data are stored as
/// `S` (float32, float64, or float16/bfloat16 widened exactly on load) and the statistics
/// returned in its compute type `T = S.Compute`.
///
/// Keras computes `mean = mean(x)` and then `variance = mean((x - mean)²)` (two passes, in
/// float32: `tf.nn.moments`, `jnp.var`). These kernels read the input once and accumulate in
/// Double: each row (or block of rows) is summarized while it is in cache — its sum, then the
/// squared deviations from its own mean — and the summaries are combined with Chan's
/// pairwise formula (`Plan.moments`). There is no `E[x²] − E[x]²` cancellation, so the
/// statistics are the rounding to `T` of (very nearly) the exact mean and biased variance,
/// which for data with a large offset and a small spread is closer to the truth than either
/// backend's float32 reductions (for float64 data, Double accumulation is as accurate as
/// TensorFlow's float64 reductions; Keras centres on its float32 mean, which adds
/// `(mean − mean_f32)²`, negligible unless the spread is near float32's resolution of the mean).
///
/// Layouts: the reduced and kept axes may interleave in any order. The traversal runs over
/// rows of the innermost merged axis (`NormWalk`): a reduced innermost block is summarized to
/// one accumulator per row (LayerNorm-like, channels_first BatchNorm), a kept innermost
/// block goes element-wise into a vector of accumulators (channels_last BatchNorm, SIMD
/// across channels, blocks of rows). A short (≤ 64) reduced innermost block under a kept axis
/// (GroupNorm's `channels / groups` in channels_last) is first accumulated per element
/// ("fine" statistics) and then combined, so that rows stay long. Rows are cut into pieces
/// taken by the cores as they finish, each piece with its own accumulators, combined in
/// order at the end.
enum Moments {
    /// A 0/1 mask broadcast over the input: `strides[d]` is its stride along input axis `d`
    /// (0 where it broadcasts). Any strides work: when the traversal's innermost axis is one
    /// the mask varies along (BatchNormalization's mask is constant along the input's last
    /// axis, but a last axis of size 1 is dropped from the traversal), elements are masked
    /// one by one instead of row by row.
    struct Mask {
        var values: UnsafeBufferPointer<UInt8>
        var strides: [Int]
    }

    /// Mean and biased variance over the axes where `reduced[d]` is true, one value per
    /// index of the kept axes (row-major over the kept axes in their order in `shape`).
    ///
    /// Without a mask, `mean = Σx / n` and `variance = Σ(x − mean)² / n`. With a mask only
    /// positions whose mask byte is non-zero count, and the divisor is
    /// `count + maskEpsilon` computed in `T` (BatchNormalization's `_moments` divides by
    /// `sum_of_weights + backend.epsilon()`): with `m = Σx / divisor` and the exact mean
    /// `x̄ = Σx / count`, `Σ(x − m)² = M2 + count·(x̄ − m)²`.
    ///
    /// One read of `x` (`Plan.moments`): the count, `Σx` and `M2 = Σ(x − x̄)²` of each
    /// statistic, all in Double.
    static func meanAndVariance<S: FloatingTensorElement>(
        _ x: UnsafeBufferPointer<S>, shape: [Int], reduced: [Bool],
        mask: Mask? = nil, maskEpsilon: S.Compute = 0
    ) -> (mean: [S.Compute], variance: [S.Compute]) {
        typealias T = S.Compute
        let plan = Plan(shape: shape, reduced: reduced, mask: mask)
        guard let base = x.baseAddress, x.count > 0 else {
            return (Array(repeating: .nan, count: plan.keptCount), Array(repeating: .nan, count: plan.keptCount))
        }
        let stats = plan.moments(base, mask: mask?.values.baseAddress)
        var mean = [T](repeating: 0, count: plan.keptCount)
        var variance = [T](repeating: 0, count: plan.keptCount)
        for k in 0..<plan.keptCount {
            let count = stats[3 * k], sum = stats[3 * k + 1]
            var squares = stats[3 * k + 2]
            var divisor = Double(plan.reducedCount)
            if mask != nil {
                divisor = Double(T(count) + maskEpsilon)
                if count > 0 {
                    let offset = sum / count - sum / divisor
                    squares += count * offset * offset
                }
            }
            mean[k] = T(sum / divisor)
            variance[k] = T(squares / divisor)
        }
        return (mean, variance)
    }

    /// An upper bound on the Double elements `meanAndVariance`, `sumOfSquares` or
    /// `meanOfSquares` allocate for this reduction (per-piece partial accumulators, the
    /// combined statistics, the results), or `Int.max` when it is more than can be
    /// counted: what a layer reserves in its `MemoryBudget` before reducing.
    static func scratchDoubles(shape: [Int], reduced: [Bool], masked: Bool) -> Int {
        let kept = MemoryBudget.saturatingProduct(shape.indices.filter { !reduced[$0] }.map { shape[$0] })
        // A larger count cannot fit any budget; the plan's own arithmetic stays far from overflow.
        guard kept <= Int(Int32.max) * 64 else { return Int.max }
        let plan = Plan(
            shape: shape, reduced: reduced,
            mask: masked ? Mask(values: UnsafeBufferPointer(start: nil, count: 0), strides: Array(repeating: 0, count: shape.count)) : nil)
        return 3 * plan.pieces * plan.fineCount + 5 * plan.keptCount
    }

    /// `Σ x²` over the reduced axes (UnitNormalization), per kept index, rounded to `T`.
    static func sumOfSquares<S: FloatingTensorElement>(_ x: UnsafeBufferPointer<S>, shape: [Int], reduced: [Bool]) -> [S.Compute] {
        typealias T = S.Compute
        let plan = Plan(shape: shape, reduced: reduced, mask: nil)
        guard let base = x.baseAddress, x.count > 0 else { return Array(repeating: 0, count: plan.keptCount) }
        let squares = plan.sumsOfSquares(base)
        return squares.map { T($0) }
    }

    /// `Σ x² / n` over the reduced axes (RMSNormalization), per kept index, rounded to `T`.
    static func meanOfSquares<S: FloatingTensorElement>(_ x: UnsafeBufferPointer<S>, shape: [Int], reduced: [Bool]) -> [S.Compute] {
        typealias T = S.Compute
        let plan = Plan(shape: shape, reduced: reduced, mask: nil)
        guard let base = x.baseAddress, x.count > 0 else { return Array(repeating: .nan, count: plan.keptCount) }
        let squares = plan.sumsOfSquares(base)
        let n = Double(plan.reducedCount)
        return squares.map { T($0 / n) }
    }

    // MARK: - Contiguous rows (the fused LayerNorm / RMSNorm / UnitNorm kernels)

    /// `Σ p[0..<n]` in Double.
    @inline(__always)
    static func rowSum<S: FloatingTensorElement>(_ p: UnsafePointer<S>, _ n: Int) -> Double {
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>()
        var j = 0
        while j &+ 16 <= n {
            a0 += S.loadWidened(p + j)
            a1 += S.loadWidened(p + (j &+ 8))
            j &+= 16
        }
        var s = (a0 + a1).sum()
        while j < n {
            s += Double(p[j].widened)
            j &+= 1
        }
        return s
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

    /// Mean and biased variance of one contiguous row, as `meanAndVariance` computes them
    /// (two passes in Double, rounded to `T`).
    @inline(__always)
    static func rowMeanVariance<S: FloatingTensorElement>(_ p: UnsafePointer<S>, _ n: Int) -> (mean: S.Compute, variance: S.Compute) {
        let mean = rowSum(p, n) / Double(n)
        let variance = rowSquaredDeviations(p, n, from: mean) / Double(n)
        return (S.Compute(mean), S.Compute(variance))
    }

    // MARK: - The general traversal

    /// The traversal of one reduction: which accumulator each element goes to.
    struct Plan {
        let walk: NormWalk
        /// Number of kept indices (the statistics' element count).
        let keptCount: Int
        /// Elements per statistic.
        let reducedCount: Int
        /// Accumulators: `keptCount * fineFactor`; accumulator `f` belongs to statistic `f / fineFactor`.
        let fineCount: Int
        let fineFactor: Int
        /// Contiguous runs of rows, each with its own partial accumulators, combined in order at
        /// the end. The count depends on the shape only, not on the cores or on which core took
        /// which piece, so the statistics are the same on every run and every machine.
        let pieces: Int

        init(shape: [Int], reduced: [Bool], mask: Mask?) {
            let rank = shape.count
            // Saturating: with a zero-size axis the others may be huge (nothing is walked then).
            keptCount = MemoryBudget.saturatingProduct(shape.indices.filter { !reduced[$0] }.map { shape[$0] })
            reducedCount = MemoryBudget.saturatingProduct(shape.indices.filter { reduced[$0] }.map { shape[$0] })
            // Fine statistics: promote a short trailing run of reduced axes (below a kept axis)
            // to accumulator axes, so that rows span the kept axis too.
            var kept = reduced.map { !$0 }
            var factor = 1
            if mask == nil {
                var d = rank - 1
                var run = 1
                while d >= 0, reduced[d] {
                    run *= shape[d]
                    d -= 1
                }
                let keptBelow = d >= 0 && shape[0...d].contains { $0 > 1 }
                if d < rank - 1, run > 1, run <= 64, keptBelow {
                    for a in (d + 1)..<rank { kept[a] = true }
                    factor = run
                }
            }
            fineFactor = factor
            fineCount = keptCount * factor
            let xStrides = NormWalk.contiguousStrides(shape)
            let accStrides = NormWalk.keptStrides(shape, kept: kept)
            let maskStrides = mask?.strides ?? Array(repeating: 0, count: rank)
            walk = NormWalk(shape: shape, strides: NormWalk.lanes(xStrides, accStrides, maskStrides))
            // Pieces of at least 32 Ki elements, at most 32 of them (finer than the cores, so a
            // core slowed by another process takes fewer).
            let total = walk.rowCount &* walk.rowLength
            pieces = max(1, min(32, walk.rowCount, total / (1 << 15)))
        }

        /// Runs `body(rows, piece)` for every piece, across cores.
        func forEachPiece(_ body: (Range<Int>, Int) -> Void) {
            let walk = self.walk, pieces = self.pieces
            let rowsPerPiece = (walk.rowCount + pieces - 1) / pieces
            parallelChunks(count: pieces, work: walk.rowCount &* walk.rowLength, chunksPerThread: pieces) { range in
                for c in range {
                    body((c * rowsPerPiece)..<min(walk.rowCount, (c + 1) * rowsPerPiece), c)
                }
            }
        }

        /// One read of `x`: per statistic `k`, `[3k]` the number of (unmasked) elements, `[3k + 1]`
        /// their sum and `[3k + 2]` `M2 = Σ(x − x̄)²` about their mean `x̄`, in Double.
        ///
        /// Each piece keeps `(count, Σx, M2)` per accumulator. Rows (or blocks of rows) are
        /// summarized exactly while in cache — the block's mean, then the squared deviations
        /// from it — and merged into the accumulator with Chan's formula:
        /// `M2 = M2ₐ + M2_b + δ²·nₐ·n_b / (nₐ + n_b)`, `δ = x̄_b − x̄ₐ`. No
        /// `E[x²] − E[x]²` cancellation: as accurate as two passes over the whole input.
        func moments<S: FloatingTensorElement>(_ x: UnsafePointer<S>, mask: UnsafePointer<UInt8>?) -> [Double] {
            let walk = self.walk
            let width = fineCount
            var partial = [Double](repeating: 0, count: pieces * 3 * width)
            partial.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                forEachPiece { rows, c in
                    let acc = Accumulators(base: base + c * 3 * width, width: width)
                    if let mask, walk.innerStrides[2] != 0 {
                        Moments.elementMoments(x, walk: walk, rows: rows, acc: acc, mask: mask)
                    } else if walk.innerStrides[1] == 0 {
                        Moments.rowMoments(x, walk: walk, rows: rows, acc: acc, mask: mask)
                    } else {
                        Moments.blockMoments(x, walk: walk, rows: rows, acc: acc, mask: mask)
                    }
                }
            }
            // Combine the pieces in order, then the fine accumulators of each statistic.
            var stats = [Double](repeating: 0, count: 3 * keptCount)
            stats.withUnsafeMutableBufferPointer { out in
                partial.withUnsafeMutableBufferPointer { buffer in
                    for c in 0..<pieces {
                        let acc = Accumulators(base: buffer.baseAddress! + c * 3 * width, width: width)
                        for f in 0..<width {
                            let k = f / fineFactor
                            Moments.merge(
                                count: &out[3 * k], sum: &out[3 * k + 1], m2: &out[3 * k + 2],
                                acc.count[f], acc.sum[f], acc.m2[f])
                        }
                    }
                }
            }
            return stats
        }

        /// `Σ x²` per statistic, in Double.
        func sumsOfSquares<S: FloatingTensorElement>(_ x: UnsafePointer<S>) -> [Double] {
            let walk = self.walk
            let width = fineCount
            var partial = [Double](repeating: 0, count: pieces * width)
            partial.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                forEachPiece { rows, c in
                    Moments.accumulateSquares(x, walk: walk, rows: rows, acc: base + c * width)
                }
            }
            var sums = [Double](repeating: 0, count: keptCount)
            for c in 0..<pieces {
                for f in 0..<width { sums[f / fineFactor] += partial[c * width + f] }
            }
            return sums
        }
    }

    /// One piece's accumulators: `count`, `sum` and `m2` arrays of `width` Doubles each.
    struct Accumulators {
        let count: UnsafeMutablePointer<Double>
        let sum: UnsafeMutablePointer<Double>
        let m2: UnsafeMutablePointer<Double>

        init(base: UnsafeMutablePointer<Double>, width: Int) {
            (count, sum, m2) = (base, base + width, base + 2 * width)
        }
    }

    /// Chan's merge of `(nb, sb, qb)` (count, sum, M2 of a block) into `(count, sum, m2)`.
    @inline(__always)
    static func merge(count: inout Double, sum: inout Double, m2: inout Double, _ nb: Double, _ sb: Double, _ qb: Double) {
        guard nb > 0 else { return }
        if count > 0 {
            let delta = sb / nb - sum / count
            m2 += qb + delta * delta * (count * nb / (count + nb))
        } else {
            m2 = qb
        }
        count += nb
        sum += sb
    }

    /// Rows that each belong to one statistic (`acc` index `offsets[1]`), skipped where the
    /// mask (constant along the row) is 0. Segments of at most 4096 elements (in L1) are
    /// summarized with two passes and merged.
    static func rowMoments<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, walk: NormWalk, rows: Range<Int>, acc: Accumulators, mask: UnsafePointer<UInt8>?
    ) {
        let n = walk.rowLength
        walk.forEachRow(in: rows) { o in
            if let mask, mask[o[2]] == 0 { return }
            var j = 0
            while j < n {
                let length = min(4096, n &- j)
                let p = x + (o[0] &+ j)
                let s = rowSum(p, length)
                let q = rowSquaredDeviations(p, length, from: s / Double(length))
                merge(count: &acc.count[o[1]], sum: &acc.sum[o[1]], m2: &acc.m2[o[1]], Double(length), s, q)
                j &+= length
            }
        }
    }

    /// Rows with one accumulator per element (stride 1 from `acc` index `offsets[1]`):
    /// consecutive rows with the same accumulators form blocks of up to 32 rows; each block is
    /// summarized eight columns at a time (the block's column sums, then the squared
    /// deviations from its column means, while those 32 × 8 elements are in L1) and merged.
    static func blockMoments<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, walk: NormWalk, rows: Range<Int>, acc: Accumulators, mask: UnsafePointer<UInt8>?
    ) {
        let n = walk.rowLength
        let capacity = 32
        withUnsafeTemporaryAllocation(of: UnsafePointer<S>.self, capacity: capacity) { block in
            let block = block.baseAddress!
            var filled = 0
            var accOffset = 0
            walk.forEachRow(in: rows) { o in
                if let mask, mask[o[2]] == 0 { return }
                if filled == capacity || (filled > 0 && o[1] != accOffset) {
                    mergeBlock(block, filled, n, acc: acc, at: accOffset)
                    filled = 0
                }
                accOffset = o[1]
                block[filled] = x + o[0]
                filled &+= 1
            }
            if filled > 0 { mergeBlock(block, filled, n, acc: acc, at: accOffset) }
        }
    }

    /// Summarizes the `m` rows `block[0..<m]` (each `n` long) column by column and merges
    /// them into the accumulators `offset..<offset + n`. Not inlined: inlined into the generic
    /// `blockMoments` closure it costs ~7 % more instructions for float32 (callgrind).
    @inline(never)
    static func mergeBlock<S: FloatingTensorElement>(_ block: UnsafePointer<UnsafePointer<S>>, _ m: Int, _ n: Int, acc: Accumulators, at offset: Int) {
        let nb = Double(m)
        let nbv = SIMD8<Double>(repeating: nb)
        var j = 0
        while j &+ 8 <= n {
            var s0 = SIMD8<Double>(), s1 = SIMD8<Double>()
            var r = 0
            while r &+ 2 <= m {
                s0 += load8(block[r], j)
                s1 += load8(block[r &+ 1], j)
                r &+= 2
            }
            if r < m { s0 += load8(block[r], j) }
            let sb = s0 + s1
            let mean = sb / nbv
            var q0 = SIMD8<Double>(), q1 = SIMD8<Double>()
            r = 0
            while r &+ 2 <= m {
                let d0 = load8(block[r], j) - mean
                let d1 = load8(block[r &+ 1], j) - mean
                q0 += d0 * d0
                q1 += d1 * d1
                r &+= 2
            }
            if r < m {
                let d = load8(block[r], j) - mean
                q0 += d * d
            }
            let k = offset &+ j
            let na = UnsafeRawPointer(acc.count + k).loadUnaligned(as: SIMD8<Double>.self)
            let sa = UnsafeRawPointer(acc.sum + k).loadUnaligned(as: SIMD8<Double>.self)
            let qa = UnsafeRawPointer(acc.m2 + k).loadUnaligned(as: SIMD8<Double>.self)
            let total = na + nbv
            let delta = mean - sa / na
            var correction = delta * delta * (na * nbv / total)
            correction.replace(with: 0, where: na .== 0)
            UnsafeMutableRawPointer(acc.count + k).storeBytes(of: total, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(acc.sum + k).storeBytes(of: sa + sb, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(acc.m2 + k).storeBytes(of: qa + (q0 + q1) + correction, as: SIMD8<Double>.self)
            j &+= 8
        }
        while j < n {
            var s = 0.0
            for r in 0..<m { s += Double(block[r][j].widened) }
            let mean = s / nb
            var q = 0.0
            for r in 0..<m {
                let d = Double(block[r][j].widened) - mean
                q += d * d
            }
            let k = offset &+ j
            merge(count: &acc.count[k], sum: &acc.sum[k], m2: &acc.m2[k], nb, s, q)
            j &+= 1
        }
    }

    /// The general case for a mask that varies along the row: x is contiguous along the row
    /// (stride 1), the accumulator and the mask advance by their own inner strides; each
    /// unmasked element is merged on its own (Welford's update).
    static func elementMoments<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, walk: NormWalk, rows: Range<Int>, acc: Accumulators, mask: UnsafePointer<UInt8>
    ) {
        let n = walk.rowLength
        let accStride = walk.innerStrides[1], maskStride = walk.innerStrides[2]
        walk.forEachRow(in: rows) { o in
            let xp = x + o[0], mp = mask + o[2]
            for j in 0..<n where mp[j &* maskStride] != 0 {
                let k = o[1] &+ j &* accStride
                merge(count: &acc.count[k], sum: &acc.sum[k], m2: &acc.m2[k], 1, Double(xp[j].widened), 0)
            }
        }
    }

    /// Accumulates `Σ x²` of `rows` into `acc`.
    @inline(__always)
    static func accumulateSquares<S: FloatingTensorElement>(_ x: UnsafePointer<S>, walk: NormWalk, rows: Range<Int>, acc: UnsafeMutablePointer<Double>) {
        let n = walk.rowLength
        if walk.innerStrides[1] == 0 {
            // Each row belongs to one statistic.
            walk.forEachRow(in: rows) { o in acc[o[1]] += rowSquaredDeviations(x + o[0], n, from: 0) }
            return
        }
        // One accumulator per element of the row (stride 1).
        walk.forEachRow(in: rows) { o in
            let p = x + o[0], a = acc + o[1]
            var j = 0
            while j &+ 8 <= n {
                let v = load8(p, j)
                let s = UnsafeMutableRawPointer(a + j).loadUnaligned(as: SIMD8<Double>.self) + v * v
                UnsafeMutableRawPointer(a + j).storeBytes(of: s, as: SIMD8<Double>.self)
                j &+= 8
            }
            while j < n {
                let v = Double(p[j].widened)
                a[j] += v * v
                j &+= 1
            }
        }
    }

    @inline(__always)
    static func load8<S: FloatingTensorElement>(_ p: UnsafePointer<S>, _ j: Int) -> SIMD8<Double> {
        S.loadWidened(p + j)
    }
}
