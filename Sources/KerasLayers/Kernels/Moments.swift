/// Mean and variance of float32 data over an arbitrary set of axes — the one implementation
/// behind every normalization layer's statistics (`keras.ops.moments`).
///
/// Keras computes `mean = mean(x)` and then `variance = mean((x - mean)²)` (two passes, in
/// float32: `tf.nn.moments`, `jnp.var`). These kernels do the same two passes, so there is
/// no `E[x²] − E[x]²` cancellation, but accumulate in Double: the statistics are the
/// float32 rounding of (very nearly) the exact values, which for data with a large offset
/// and a small spread is closer to the truth than either backend's float32 reductions.
/// The second pass is centred on the Double mean (Keras centres on its float32 mean, which
/// adds `(mean − mean_f32)²`, negligible unless the spread is near float32's resolution of
/// the mean), so the variance is the float32 rounding of the exact biased variance.
///
/// Layouts: the reduced and kept axes may interleave in any order. The traversal runs over
/// rows of the innermost merged axis (`NormWalk`): a reduced innermost block is summed to
/// one accumulator per row (LayerNorm-like, channels_first BatchNorm), a kept innermost
/// block is added element-wise into a vector of accumulators (channels_last BatchNorm,
/// SIMD across channels). A short (≤ 64) reduced innermost block under a kept axis (GroupNorm's
/// `channels / groups` in channels_last) is first accumulated per element ("fine"
/// statistics) and then combined, so that rows stay long. Rows are split across cores,
/// each core with its own accumulators, combined at the end.
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
    /// `count + maskEpsilon` computed in float32 (BatchNormalization's `_moments` divides by
    /// `sum_of_weights + backend.epsilon()`).
    static func meanAndVariance(
        _ x: UnsafeBufferPointer<Float>, shape: [Int], reduced: [Bool],
        mask: Mask? = nil, maskEpsilon: Float = 0
    ) -> (mean: [Float], variance: [Float]) {
        let plan = Plan(shape: shape, reduced: reduced, mask: mask)
        guard let base = x.baseAddress, x.count > 0 else {
            return (Array(repeating: .nan, count: plan.keptCount), Array(repeating: .nan, count: plan.keptCount))
        }
        let maskBase = mask?.values.baseAddress
        // Pass 1: sums (and counts with a mask).
        let (sums, counts) = plan.accumulate(base, mask: maskBase, centre: nil, wantCounts: mask != nil)
        var mean = [Double](repeating: 0, count: plan.keptCount)
        var divisors = [Double](repeating: Double(plan.reducedCount), count: plan.keptCount)
        if let counts {
            for k in 0..<plan.keptCount { divisors[k] = Double(Float(counts[k]) + maskEpsilon) }
        }
        for k in 0..<plan.keptCount { mean[k] = sums[k] / divisors[k] }
        // Pass 2: squared deviations from the mean.
        let fineCentre = plan.expandToFine(mean)
        let (squares, _) = fineCentre.withUnsafeBufferPointer { centre in
            plan.accumulate(base, mask: maskBase, centre: centre.baseAddress!, wantCounts: false)
        }
        var variance = [Float](repeating: 0, count: plan.keptCount)
        for k in 0..<plan.keptCount { variance[k] = Float(squares[k] / divisors[k]) }
        return (mean.map { Float($0) }, variance)
    }

    /// An upper bound on the Double elements `meanAndVariance`, `sumOfSquares` or
    /// `meanOfSquares` allocate for this reduction (per-core partial accumulators, pass
    /// results, the centre, the float32 results), or `Int.max` when it is more than can be
    /// counted: what a layer reserves in its `MemoryBudget` before reducing.
    static func scratchDoubles(shape: [Int], reduced: [Bool], masked: Bool) -> Int {
        let kept = MemoryBudget.saturatingProduct(shape.indices.filter { !reduced[$0] }.map { shape[$0] })
        // A larger count cannot fit any budget; the plan's own arithmetic stays far from overflow.
        guard kept <= Int(Int32.max) * 64 else { return Int.max }
        let plan = Plan(
            shape: shape, reduced: reduced,
            mask: masked ? Mask(values: UnsafeBufferPointer(start: nil, count: 0), strides: Array(repeating: 0, count: shape.count)) : nil)
        let chunks = ProcessInfoCores.activeCount
        return (2 * chunks + 1) * plan.fineCount * (masked ? 2 : 1) + plan.fineCount + 7 * plan.keptCount
    }

    /// `Σ x²` over the reduced axes (UnitNormalization), per kept index, rounded to float32.
    static func sumOfSquares(_ x: UnsafeBufferPointer<Float>, shape: [Int], reduced: [Bool]) -> [Float] {
        let plan = Plan(shape: shape, reduced: reduced, mask: nil)
        guard let base = x.baseAddress, x.count > 0 else { return Array(repeating: 0, count: plan.keptCount) }
        let zeros = [Double](repeating: 0, count: plan.fineCount)
        let (squares, _) = zeros.withUnsafeBufferPointer { plan.accumulate(base, mask: nil, centre: $0.baseAddress!, wantCounts: false) }
        return squares.map { Float($0) }
    }

    /// `Σ x² / n` over the reduced axes (RMSNormalization), per kept index, rounded to float32.
    static func meanOfSquares(_ x: UnsafeBufferPointer<Float>, shape: [Int], reduced: [Bool]) -> [Float] {
        let plan = Plan(shape: shape, reduced: reduced, mask: nil)
        guard let base = x.baseAddress, x.count > 0 else { return Array(repeating: .nan, count: plan.keptCount) }
        let zeros = [Double](repeating: 0, count: plan.fineCount)
        let (squares, _) = zeros.withUnsafeBufferPointer { plan.accumulate(base, mask: nil, centre: $0.baseAddress!, wantCounts: false) }
        let n = Double(plan.reducedCount)
        return squares.map { Float($0 / n) }
    }

    // MARK: - Contiguous rows (the fused LayerNorm / RMSNorm / UnitNorm kernels)

    /// `Σ p[0..<n]` in Double.
    @inline(__always)
    static func rowSum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>()
        var j = 0
        while j &+ 16 <= n {
            a0 += SIMD8<Double>(UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self))
            a1 += SIMD8<Double>(UnsafeRawPointer(p + (j &+ 8)).loadUnaligned(as: SIMD8<Float>.self))
            j &+= 16
        }
        var s = (a0 + a1).sum()
        while j < n {
            s += Double(p[j])
            j &+= 1
        }
        return s
    }

    /// `Σ (p[j] − c)²` over `0..<n` in Double.
    @inline(__always)
    static func rowSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, from c: Double) -> Double {
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>()
        let cv = SIMD8<Double>(repeating: c)
        var j = 0
        while j &+ 16 <= n {
            let d0 = SIMD8<Double>(UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self)) - cv
            let d1 = SIMD8<Double>(UnsafeRawPointer(p + (j &+ 8)).loadUnaligned(as: SIMD8<Float>.self)) - cv
            a0 += d0 * d0
            a1 += d1 * d1
            j &+= 16
        }
        var s = (a0 + a1).sum()
        while j < n {
            let d = Double(p[j]) - c
            s += d * d
            j &+= 1
        }
        return s
    }

    /// Mean and biased variance of one contiguous row, as `meanAndVariance` computes them
    /// (two passes in Double, rounded to float32).
    @inline(__always)
    static func rowMeanVariance(_ p: UnsafePointer<Float>, _ n: Int) -> (mean: Float, variance: Float) {
        let mean = rowSum(p, n) / Double(n)
        let variance = rowSquaredDeviations(p, n, from: mean) / Double(n)
        return (Float(mean), Float(variance))
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
        }

        /// Per-accumulator copy of per-statistic values.
        func expandToFine(_ values: [Double]) -> [Double] {
            if fineFactor == 1 { return values }
            var out = [Double](repeating: 0, count: fineCount)
            for f in 0..<fineCount { out[f] = values[f / fineFactor] }
            return out
        }

        /// One pass: `Σ x` (centre nil) or `Σ (x − centre)²` per statistic, optionally with
        /// the number of unmasked elements.
        func accumulate(
            _ x: UnsafePointer<Float>, mask: UnsafePointer<UInt8>?, centre: UnsafePointer<Double>?, wantCounts: Bool
        ) -> ([Double], [Double]?) {
            let walk = self.walk
            let cores = ProcessInfoCores.activeCount
            let total = walk.rowCount &* walk.rowLength
            let chunks = max(1, min(cores, walk.rowCount, total / (1 << 16)))
            let width = fineCount
            var partial = [Double](repeating: 0, count: chunks * width)
            var partialCounts = [Double](repeating: 0, count: wantCounts ? chunks * width : 0)
            partial.withUnsafeMutableBufferPointer { accBuffer in
                partialCounts.withUnsafeMutableBufferPointer { countBuffer in
                    let accBase = accBuffer.baseAddress!
                    // (An empty array's buffer may still have a base address: the shared empty storage.)
                    let countBase = wantCounts ? countBuffer.baseAddress : nil
                    let rowsPerChunk = (walk.rowCount + chunks - 1) / chunks
                    parallelChunks(count: chunks, work: total) { range in
                        for c in range {
                            let rows = (c * rowsPerChunk)..<min(walk.rowCount, (c + 1) * rowsPerChunk)
                            Moments.accumulateRows(
                                x, walk: walk, rows: rows, acc: accBase + c * width,
                                counts: countBase.map { $0 + c * width }, mask: mask, centre: centre)
                        }
                    }
                }
            }
            // Combine the chunks, then the fine accumulators of each statistic.
            var sums = [Double](repeating: 0, count: keptCount)
            var counts: [Double]? = wantCounts ? [Double](repeating: 0, count: keptCount) : nil
            for c in 0..<chunks {
                for f in 0..<width {
                    sums[f / fineFactor] += partial[c * width + f]
                    if wantCounts { counts![f / fineFactor] += partialCounts[c * width + f] }
                }
            }
            return (sums, counts)
        }
    }

    /// Accumulates `rows` of the traversal into `acc` (and `counts`): plain sums when
    /// `centre` is nil, squared deviations from `centre[accumulator]` otherwise.
    @inline(__always)
    static func accumulateRows(
        _ x: UnsafePointer<Float>, walk: NormWalk, rows: Range<Int>,
        acc: UnsafeMutablePointer<Double>, counts: UnsafeMutablePointer<Double>?,
        mask: UnsafePointer<UInt8>?, centre: UnsafePointer<Double>?
    ) {
        let n = walk.rowLength
        if let mask, walk.innerStrides[2] != 0 {
            // The mask varies along the row: the traversal dropped the input's trailing size-1
            // axes (the mask is constant only along the input's last axis), so a mask axis is
            // innermost. Element by element, each with its own mask byte and accumulator.
            accumulateMaskedElements(x, walk: walk, rows: rows, acc: acc, counts: counts, mask: mask, centre: centre)
            return
        }
        if walk.innerStrides[1] == 0 {
            // Each row belongs to one statistic.
            walk.forEachRow(in: rows) { offsets in
                if let mask, mask[offsets[2]] == 0 { return }
                let xp = x + offsets[0]
                if let centre {
                    acc[offsets[1]] += rowSquaredDeviations(xp, n, from: centre[offsets[1]])
                } else {
                    acc[offsets[1]] += rowSum(xp, n)
                }
                if let counts { counts[offsets[1]] += Double(n) }
            }
            return
        }
        // One accumulator per element of the row (stride 1).
        walk.forEachRow(in: rows) { offsets in
            if let mask, mask[offsets[2]] == 0 { return }
            let xp = x + offsets[0]
            let a = acc + offsets[1]
            if let centre {
                addSquaredDeviations(xp, n, into: a, centre: centre + offsets[1])
            } else {
                addValues(xp, n, into: a)
            }
            if let counts {
                let cp = counts + offsets[1]
                for j in 0..<n { cp[j] += 1 }
            }
        }
    }

    /// `accumulateRows` for a mask that varies along the row: x is contiguous along the row
    /// (stride 1), the accumulator and the mask advance by their own inner strides.
    static func accumulateMaskedElements(
        _ x: UnsafePointer<Float>, walk: NormWalk, rows: Range<Int>,
        acc: UnsafeMutablePointer<Double>, counts: UnsafeMutablePointer<Double>?,
        mask: UnsafePointer<UInt8>, centre: UnsafePointer<Double>?
    ) {
        let n = walk.rowLength
        let accStride = walk.innerStrides[1], maskStride = walk.innerStrides[2]
        walk.forEachRow(in: rows) { offsets in
            let xp = x + offsets[0], mp = mask + offsets[2]
            for j in 0..<n where mp[j &* maskStride] != 0 {
                let k = offsets[1] &+ j &* accStride
                if let centre {
                    let d = Double(xp[j]) - centre[k]
                    acc[k] += d * d
                } else {
                    acc[k] += Double(xp[j])
                }
                if let counts { counts[k] += 1 }
            }
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>, _ j: Int) -> SIMD8<Double> {
        SIMD8<Double>(UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self))
    }

    /// `a[j] += p[j]` for `j` in `0..<n`, in Double.
    @inline(__always)
    static func addValues(_ p: UnsafePointer<Float>, _ n: Int, into a: UnsafeMutablePointer<Double>) {
        var j = 0
        while j &+ 8 <= n {
            let s = UnsafeMutableRawPointer(a + j).loadUnaligned(as: SIMD8<Double>.self) + load8(p, j)
            UnsafeMutableRawPointer(a + j).storeBytes(of: s, as: SIMD8<Double>.self)
            j &+= 8
        }
        while j < n {
            a[j] += Double(p[j])
            j &+= 1
        }
    }

    /// `a[j] += (p[j] − c[j])²` for `j` in `0..<n`, in Double.
    @inline(__always)
    static func addSquaredDeviations(
        _ p: UnsafePointer<Float>, _ n: Int, into a: UnsafeMutablePointer<Double>, centre c: UnsafePointer<Double>
    ) {
        var j = 0
        while j &+ 8 <= n {
            let d = load8(p, j) - UnsafeRawPointer(c + j).loadUnaligned(as: SIMD8<Double>.self)
            let s = UnsafeMutableRawPointer(a + j).loadUnaligned(as: SIMD8<Double>.self) + d * d
            UnsafeMutableRawPointer(a + j).storeBytes(of: s, as: SIMD8<Double>.self)
            j &+= 8
        }
        while j < n {
            let d = Double(p[j]) - c[j]
            a[j] += d * d
            j &+= 1
        }
    }
}
