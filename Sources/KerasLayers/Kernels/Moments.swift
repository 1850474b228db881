/// Mean and variance of floating data over an arbitrary set of axes — the one implementation
/// behind every normalization layer's statistics (`keras.ops.moments`). The data are stored as
/// `S` (float32, float64, or float16/bfloat16 widened exactly on load) and the statistics
/// returned in its compute type `T = S.Compute`.
///
/// Keras computes `mean = mean(x)` and then `variance = mean((x - mean)²)` (two passes, in
/// float32: `tf.nn.moments`, `jnp.var`). These kernels read the input once: each row segment
/// (or block of rows) is summarized while it is in cache — a pivot near its mean, then the
/// deviations from the pivot and their squares, short runs in the compute type and the rest
/// in Double (`Moments+Summaries.swift`) — and the summaries are combined in Double with
/// Chan's pairwise formula (`Plan.moments`). There is no `E[x²] − E[x]²` cancellation and no
/// error that grows with the data's offset: the statistics are the rounding to `T` of the exact
/// mean and biased variance up to a few float32 roundings of the data's spread (for float32
/// data; of Double for float64 data), which for data with a large offset and a small spread is
/// closer to the truth than either backend's float32 reductions (for float64 data as accurate
/// as TensorFlow's float64 reductions; Keras centres on its float32 mean, which adds
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
        return meanAndVariance(stats, plan: plan, masked: mask != nil, maskEpsilon: maskEpsilon)
    }

    /// Mean and biased variance rounded to `T` from `Plan.moments`' statistics (see
    /// `meanAndVariance(_:shape:reduced:mask:maskEpsilon:)`).
    static func meanAndVariance<T: ComputeScalar>(
        _ stats: [Double], plan: Plan, masked: Bool = false, maskEpsilon: T = 0
    ) -> (mean: [T], variance: [T]) {
        var mean = [T](repeating: 0, count: plan.keptCount)
        var variance = [T](repeating: 0, count: plan.keptCount)
        for k in 0..<plan.keptCount {
            let count = stats[3 * k], sum = stats[3 * k + 1]
            var squares = stats[3 * k + 2]
            var divisor = Double(plan.reducedCount)
            if masked {
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

        /// The rows of piece `c`.
        func rows(ofPiece c: Int) -> Range<Int> { Self.piece(c, of: pieces, rowCount: walk.rowCount) }

        /// Piece `c` of `rowCount` rows cut into `pieces` contiguous pieces of equal size (the
        /// last one shorter, or empty).
        static func piece(_ c: Int, of pieces: Int, rowCount: Int) -> Range<Int> {
            let rowsPerPiece = (rowCount + pieces - 1) / pieces
            return min(rowCount, c * rowsPerPiece)..<min(rowCount, (c + 1) * rowsPerPiece)
        }

        /// Runs `body(rows, piece)` for every piece, across cores.
        func forEachPiece(_ body: (Range<Int>, Int) -> Void) {
            let plan = self
            parallelChunks(count: pieces, work: walk.rowCount &* walk.rowLength, chunksPerThread: pieces) { range in
                for c in range { body(plan.rows(ofPiece: c), c) }
            }
        }

        /// Doubles of the partial accumulators of all pieces (`accumulate`'s `partial`).
        var partialCount: Int { pieces * 3 * fineCount }

        /// One read of `x`: per statistic `k`, `[3k]` the number of (unmasked) elements, `[3k + 1]`
        /// their sum and `[3k + 2]` `M2 = Σ(x − x̄)²` about their mean `x̄`, in Double
        /// (`accumulate` for every piece, across cores, then `combine`).
        func moments<S: FloatingTensorElement>(_ x: UnsafePointer<S>, mask: UnsafePointer<UInt8>?) -> [Double] {
            var partial = [Double](repeating: 0, count: partialCount)
            partial.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                forEachPiece { _, c in accumulate(x, mask: mask, piece: c, into: base) }
            }
            return partial.withUnsafeBufferPointer { combine($0.baseAddress!) }
        }

        /// Reads the rows of piece `c` into that piece's accumulators in `partial`
        /// (`partialCount` Doubles, zero before the first piece).
        ///
        /// Each piece keeps `(count, Σx, M2)` per accumulator. Rows (or blocks of rows) are
        /// summarized exactly while in cache — the block's mean, then the squared deviations
        /// from it — and merged into the accumulator with Chan's formula:
        /// `M2 = M2ₐ + M2_b + δ²·nₐ·n_b / (nₐ + n_b)`, `δ = x̄_b − x̄ₐ`. No
        /// `E[x²] − E[x]²` cancellation: as accurate as two passes over the whole input.
        func accumulate<S: FloatingTensorElement>(
            _ x: UnsafePointer<S>, mask: UnsafePointer<UInt8>?, piece c: Int, into partial: UnsafeMutablePointer<Double>
        ) {
            let rows = rows(ofPiece: c)
            let acc = Accumulators(base: partial + c * 3 * fineCount, width: fineCount)
            if let mask, walk.innerStrides[2] != 0 {
                Moments.elementMoments(x, walk: walk, rows: rows, acc: acc, mask: mask)
            } else if walk.innerStrides[1] == 0 {
                Moments.rowMoments(x, walk: walk, rows: rows, acc: acc, mask: mask)
            } else {
                Moments.blockMoments(x, walk: walk, rows: rows, acc: acc, mask: mask)
            }
        }

        /// The pieces' accumulators combined in order, then the fine accumulators of each
        /// statistic: `moments`' result.
        func combine(_ partial: UnsafePointer<Double>) -> [Double] {
            let width = fineCount
            var stats = [Double](repeating: 0, count: 3 * keptCount)
            stats.withUnsafeMutableBufferPointer { out in
                for c in 0..<pieces {
                    let acc = Accumulators(base: UnsafeMutablePointer(mutating: partial) + c * 3 * width, width: width)
                    for f in 0..<width {
                        let k = f / fineFactor
                        Moments.merge(
                            count: &out[3 * k], sum: &out[3 * k + 1], m2: &out[3 * k + 2],
                            acc.count[f], acc.sum[f], acc.m2[f])
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
    /// summarized (`rowSummary`) and merged.
    static func rowMoments<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, walk: NormWalk, rows: Range<Int>, acc: Accumulators, mask: UnsafePointer<UInt8>?
    ) {
        let n = walk.rowLength
        walk.forEachRow(in: rows) { o in
            if let mask, mask[o[2]] == 0 { return }
            var j = 0
            while j < n {
                let length = min(4096, n &- j)
                let (s, q) = rowSummary(x + (o[0] &+ j), length)
                merge(count: &acc.count[o[1]], sum: &acc.sum[o[1]], m2: &acc.m2[o[1]], Double(length), s, q)
                j &+= length
            }
        }
    }

    /// Rows with one accumulator per element (stride 1 from `acc` index `offsets[1]`):
    /// consecutive rows with the same accumulators form blocks of up to 32 rows; each block is
    /// summarized (`mergeBlock`, while its columns are in L1) and merged.
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
                let v = S.loadWidened(p + j)
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
}
