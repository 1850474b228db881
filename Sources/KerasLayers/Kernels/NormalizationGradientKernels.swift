/// The backward pass of the normalization layers, for the loss `L = Σ y · dy`.
///
/// Every normalization layer computes, per element `e` with statistic `k` and parameter `p`,
///
///     y[e] = (x[e] − c[k]) · f[k] · γ[p] + β[p]
///
/// with per-statistic centre `c` and factor `f` that are either constants (inference,
/// the preprocessing layer) or functions of the input (batch statistics, per-sample
/// statistics). With `u = dy · γ[p]`, the layers' vector-Jacobian products all take the form
///
///     dx[e] = f[k] · (u[e] − w[e] · (a[k] + (x[e] − c'[k]) · b[k]))
///
/// where `w` is the mask weight (0/1; 1 without a mask) and `a`, `b`, `c'` come from the
/// per-statistic sums of the first pass (`a = b = 0` when the statistics are constants):
///
///     s0[k] = Σ u                       s1[k] = Σ u · (x − c[k])
///     dγ[p] = Σ dy · (x − c[k]) · f[k]  dβ[p] = Σ dy                 count[k] = Σ w
///
/// For mean/variance statistics (`c = μ`, `f = 1/√(σ² + ε)`, `x̂ = (x − μ)·f`) this is the
/// stable form `dx = f·(u − (Σu + x̂·Σu·x̂)/N)`: the sums are of `u` and `u·x̂` with `x̂`
/// from the same statistics, never a difference of large sums. Every sum accumulates in
/// Double; `dx` is rounded once to the storage type.
///
/// Operand lanes of the `NormWalk`: 0 the element (x, dy, dx, contiguous), 1 the statistic
/// `k`, 2 the parameter `p`, 3 the mask byte.
enum NormalizationGradientKernels {
    /// The sums of the first pass, in Double.
    struct Sums: Sendable {
        /// `Σ u` per statistic.
        var upstream: [Double]
        /// `Σ u · (x − c)` per statistic.
        var moment: [Double]
        /// `Σ dy · (x − c) · f` per parameter (the gradient of γ).
        var scale: [Double]
        /// `Σ dy` per parameter (the gradient of β).
        var offset: [Double]
        /// `Σ w` per statistic (empty without a mask).
        var count: [Double]
    }

    /// The per-statistic coefficients of the second pass: `dx = f·(u − w·(a + (x − c')·b))`.
    struct Coefficients: Sendable {
        var a: [Double]
        var b: [Double]
        var centre: [Double]
    }

    /// The number of chunks the first pass splits the rows into (each with its own accumulators).
    static func chunkCount(_ walk: NormWalk) -> Int {
        Swift.max(1, Swift.min(ProcessInfoCores.activeCount, walk.rowCount, walk.rowCount &* walk.rowLength / (1 << 16)))
    }

    /// An upper bound on the Double elements the two passes allocate for `statistics` and
    /// `parameters` values (per-chunk accumulators and results), or `Int.max` when it is more
    /// than can be counted: what a layer reserves in its `MemoryBudget`.
    static func scratchDoubles(statistics: Int, parameters: Int, masked: Bool) -> Int {
        let width = MemoryBudget.saturatingProduct([statistics, masked ? 3 : 2])
        let (perChunk, overflow) = width.addingReportingOverflow(MemoryBudget.saturatingProduct([parameters, 2]))
        guard !overflow else { return Int.max }
        return MemoryBudget.saturatingProduct([perChunk, ProcessInfoCores.activeCount + 1])
    }

    /// The first pass: the sums over every element (masked or not: the output at a masked
    /// position still depends on the statistics). `parameters` 0 skips `dγ`, `dβ`.
    static func reduce<T: ComputeScalar>(
        x: UnsafePointer<T>, dy: UnsafePointer<T>, walk: NormWalk, statistics: Int, parameters: Int,
        centre: UnsafePointer<Double>, factor: UnsafePointer<Double>, gamma: UnsafePointer<Double>?,
        mask: UnsafePointer<UInt8>?
    ) -> Sums {
        let chunks = chunkCount(walk)
        let counted = mask != nil
        // Per chunk: s0 (K), s1 (K), count (K, with a mask), dγ (P), dβ (P).
        let statWidth = statistics * (counted ? 3 : 2)
        let width = statWidth + 2 * parameters
        var partial = [Double](repeating: 0, count: chunks * width)
        let n = walk.rowLength
        let ks = walk.innerStrides[1], ps = walk.innerStrides[2], ms = walk.innerStrides[3]
        let rowsPerChunk = (walk.rowCount + chunks - 1) / chunks
        let fast = NormGradientRows<T>(walk, masked: counted, usesParameters: gamma != nil || parameters > 0)
        partial.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            parallelChunks(count: chunks, work: walk.rowCount &* n) { range in
                for chunk in range {
                    let s0 = base + chunk * width, s1 = s0 + statistics, count = s1 + statistics
                    let dg = s0 + statWidth, db = dg + parameters
                    let rows = (chunk * rowsPerChunk)..<Swift.min(walk.rowCount, (chunk + 1) * rowsPerChunk)
                    walk.forEachRow(in: rows) { o in
                        if let fast {
                            fast.reduce(
                                x: x + o[0], dy: dy + o[0], n: n, centre: centre + o[1], factor: factor + o[1],
                                gamma: gamma.map { $0 + o[2] }, parameters: parameters > 0, s0: s0 + o[1], s1: s1 + o[1],
                                dg: dg + o[2], db: db + o[2])
                            return
                        }
                        let xp = x + o[0], gp = dy + o[0]
                        for j in 0..<n {
                            let k = o[1] &+ j &* ks, p = o[2] &+ j &* ps
                            let d = Double(gp[j])
                            let xc = Double(xp[j]) - centre[k]
                            let u = gamma.map { d * $0[p] } ?? d
                            s0[k] += u
                            s1[k] += u * xc
                            if parameters > 0 {
                                dg[p] += d * xc * factor[k]
                                db[p] += d
                            }
                            if let mask, mask[o[3] &+ j &* ms] != 0 { count[k] += 1 }
                        }
                    }
                }
            }
        }
        var sums = Sums(
            upstream: Array(partial[0..<statistics]), moment: Array(partial[statistics..<(2 * statistics)]),
            scale: Array(partial[statWidth..<(statWidth + parameters)]), offset: Array(partial[(statWidth + parameters)..<width]),
            count: counted ? Array(partial[(2 * statistics)..<statWidth]) : [])
        for chunk in 1..<chunks {
            let c = chunk * width
            for k in 0..<statistics {
                sums.upstream[k] += partial[c + k]
                sums.moment[k] += partial[c + statistics + k]
                if counted { sums.count[k] += partial[c + 2 * statistics + k] }
            }
            for p in 0..<parameters {
                sums.scale[p] += partial[c + statWidth + p]
                sums.offset[p] += partial[c + statWidth + parameters + p]
            }
        }
        return sums
    }

    /// `Σ w·(x − c[k])` per statistic (`w` the mask weight, 1 without a mask) and, with a
    /// mask, `Σ w`: what a centre `c` rounded to `T` misses of the exact mean (a pass before the
    /// first when the mean's rounding matters).
    static func deviationSums<T: ComputeScalar>(
        x: UnsafePointer<T>, walk: NormWalk, statistics: Int, centre: UnsafePointer<Double>, mask: UnsafePointer<UInt8>?
    ) -> (deviation: [Double], count: [Double]) {
        let chunks = chunkCount(walk)
        let width = 2 * statistics
        var partial = [Double](repeating: 0, count: chunks * width)
        let n = walk.rowLength
        let ks = walk.innerStrides[1], ms = walk.innerStrides[3]
        let rowsPerChunk = (walk.rowCount + chunks - 1) / chunks
        let fast = NormGradientRows<T>(walk, masked: mask != nil, usesParameters: false)
        partial.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            parallelChunks(count: chunks, work: walk.rowCount &* n) { range in
                for chunk in range {
                    let deviation = base + chunk * width, count = deviation + statistics
                    let rows = (chunk * rowsPerChunk)..<Swift.min(walk.rowCount, (chunk + 1) * rowsPerChunk)
                    walk.forEachRow(in: rows) { o in
                        if let fast {
                            fast.deviation(x: x + o[0], n: n, centre: centre + o[1], deviation: deviation + o[1])
                            return
                        }
                        let xp = x + o[0]
                        for j in 0..<n {
                            let k = o[1] &+ j &* ks
                            if let mask {
                                guard mask[o[3] &+ j &* ms] != 0 else { continue }
                                count[k] += 1
                            }
                            deviation[k] += Double(xp[j]) - centre[k]
                        }
                    }
                }
            }
        }
        var deviation = Array(partial[0..<statistics]), count = Array(partial[statistics..<width])
        for chunk in 1..<chunks {
            for k in 0..<statistics {
                deviation[k] += partial[chunk * width + k]
                count[k] += partial[chunk * width + statistics + k]
            }
        }
        return (deviation, count)
    }

    /// The second pass: `dx = f·(u − w·(a + (x − c')·b))`, or `dx = f·u` without coefficients
    /// (constant statistics), rounded once to `T`.
    static func inputGradient<T: ComputeScalar>(
        x: UnsafePointer<T>, dy: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, walk: NormWalk,
        factor: UnsafePointer<Double>, gamma: UnsafePointer<Double>?, mask: UnsafePointer<UInt8>?,
        a: UnsafePointer<Double>?, b: UnsafePointer<Double>?, centre: UnsafePointer<Double>?
    ) {
        let n = walk.rowLength
        let ks = walk.innerStrides[1], ps = walk.innerStrides[2], ms = walk.innerStrides[3]
        let fast = NormGradientRows<T>(walk, masked: mask != nil, usesParameters: gamma != nil)
        parallelChunks(count: walk.rowCount, work: walk.rowCount &* n) { rows in
            walk.forEachRow(in: rows) { o in
                if let fast {
                    fast.inputGradient(
                        x: x + o[0], dy: dy + o[0], dx: dx + o[0],
                        n: n, factor: factor + o[1], gamma: gamma.map { $0 + o[2] }, a: a.map { $0 + o[1] }, b: b.map { $0 + o[1] },
                        centre: centre.map { $0 + o[1] })
                    return
                }
                let xp = x + o[0], gp = dy + o[0], out = dx + o[0]
                for j in 0..<n {
                    let k = o[1] &+ j &* ks
                    let d = Double(gp[j])
                    var v = gamma.map { d * $0[o[2] &+ j &* ps] } ?? d
                    if let a, let b, let centre {
                        let w: Double = mask.map { $0[o[3] &+ j &* ms] != 0 ? 1 : 0 } ?? 1
                        v -= w * (a[k] + (Double(xp[j]) - centre[k]) * b[k])
                    }
                    out[j] = T(factor[k] * v)
                }
            }
        }
    }
}
