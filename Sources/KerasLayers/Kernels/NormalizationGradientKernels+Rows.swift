/// The passes of `NormalizationGradientKernels` on one row of elements of the compute type `T`
/// (float32 or float64) without a mask, eight elements at a time: each operand is widened to
/// Double exactly (`loadWidened`) and the same products and sums are formed in Double as in
/// the element-by-element loops; only the order of the additions within a row differs (eight
/// running partial sums per accumulator, added together at the end of the row for a statistic
/// that is constant along it).
///
/// A row qualifies when the statistic lane is constant along it (stride 0: LayerNormalization,
/// GroupNormalization) or contiguous (stride 1: BatchNormalization over the last axis), and the
/// parameter lane is too (or unused: no γ and no parameter gradients).
struct NormGradientRows<T: ComputeScalar>: Sendable {
    /// Whether the statistic index advances with the element (stride 1) or stays (stride 0).
    let statisticContiguous: Bool
    /// Whether the parameter index advances with the element (stride 1) or stays (stride 0).
    let parameterContiguous: Bool

    /// The row layout of `walk` without a mask, or nil when a row's statistic or parameter
    /// lane has another stride (the element-by-element loops serve).
    init?(_ walk: NormWalk, masked: Bool, usesParameters: Bool) {
        let ks = walk.innerStrides[1], ps = walk.innerStrides[2]
        guard !masked, ks == 0 || ks == 1 else { return nil }
        guard !usesParameters || ps == 0 || ps == 1 else { return nil }
        statisticContiguous = ks == 1
        parameterContiguous = usesParameters && ps == 1
    }

    /// Eight values at `p + j`, widened.
    @inline(__always)
    private static func load8(_ p: UnsafePointer<T>, _ j: Int) -> SIMD8<Double> {
        T.loadWidened(p + j)
    }

    /// Eight Double values at `p + j`, or `value` in every lane when `p` is constant along the row.
    @inline(__always)
    private static func lanes(_ p: UnsafePointer<Double>, _ j: Int, contiguous: Bool) -> SIMD8<Double> {
        contiguous ? UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Double>.self) : SIMD8<Double>(repeating: p[0])
    }

    /// Adds `value` to the eight accumulators at `p + j`.
    @inline(__always)
    private static func add8(_ p: UnsafeMutablePointer<Double>, _ j: Int, _ value: SIMD8<Double>) {
        let sum = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Double>.self) + value
        UnsafeMutableRawPointer(p + j).storeBytes(of: sum, as: SIMD8<Double>.self)
    }

    /// The first pass on one row of `n` elements: `s0 += Σu`, `s1 += Σu·(x − c)`, and with
    /// `parameters`, `dγ += Σdy·(x − c)·f`, `dβ += Σdy` (`u = dy·γ`, γ = 1 without `gamma`).
    /// Pointers are at the row's first element, statistic and parameter.
    @inline(__always)
    func reduce(
        x: UnsafePointer<T>, dy: UnsafePointer<T>, n: Int, centre: UnsafePointer<Double>,
        factor: UnsafePointer<Double>, gamma: UnsafePointer<Double>?, parameters: Bool,
        s0: UnsafeMutablePointer<Double>, s1: UnsafeMutablePointer<Double>,
        dg: UnsafeMutablePointer<Double>, db: UnsafeMutablePointer<Double>
    ) {
        let sc = statisticContiguous, pc = parameterContiguous
        var u0 = SIMD8<Double>(), u1 = SIMD8<Double>(), g0 = SIMD8<Double>(), b0 = SIMD8<Double>()
        var j = 0
        while j &+ 8 <= n {
            let d = Self.load8(dy, j)
            let xc = Self.load8(x, j) - Self.lanes(centre, j, contiguous: sc)
            let u = gamma.map { d * Self.lanes($0, j, contiguous: pc) } ?? d
            if sc {
                Self.add8(s0, j, u)
                Self.add8(s1, j, u * xc)
            } else {
                u0 += u
                u1 += u * xc
            }
            if parameters {
                let scaled = d * xc * Self.lanes(factor, j, contiguous: sc)
                if pc {
                    Self.add8(dg, j, scaled)
                    Self.add8(db, j, d)
                } else {
                    g0 += scaled
                    b0 += d
                }
            }
            j &+= 8
        }
        while j < n {
            let k = sc ? j : 0, p = pc ? j : 0
            let d = Double(dy[j])
            let xc = Double(x[j]) - centre[k]
            let u = gamma.map { d * $0[p] } ?? d
            if sc {
                s0[k] += u
                s1[k] += u * xc
            } else {
                u0[0] += u
                u1[0] += u * xc
            }
            if parameters {
                if pc {
                    dg[p] += d * xc * factor[k]
                    db[p] += d
                } else {
                    g0[0] += d * xc * factor[k]
                    b0[0] += d
                }
            }
            j &+= 1
        }
        if !sc {
            s0[0] += u0.sum()
            s1[0] += u1.sum()
        }
        if parameters && !pc {
            dg[0] += g0.sum()
            db[0] += b0.sum()
        }
    }

    /// `Σ(x − c)` of one row into `deviation` (per element when the statistic is contiguous).
    @inline(__always)
    func deviation(x: UnsafePointer<T>, n: Int, centre: UnsafePointer<Double>, deviation: UnsafeMutablePointer<Double>) {
        let sc = statisticContiguous
        var total = SIMD8<Double>()
        var j = 0
        while j &+ 8 <= n {
            let xc = Self.load8(x, j) - Self.lanes(centre, j, contiguous: sc)
            if sc { Self.add8(deviation, j, xc) } else { total += xc }
            j &+= 8
        }
        while j < n {
            let xc = Double(x[j]) - centre[sc ? j : 0]
            if sc { deviation[j] += xc } else { total[0] += xc }
            j &+= 1
        }
        if !sc { deviation[0] += total.sum() }
    }

    /// The second pass on one row: `dx = f·(u − (a + (x − c')·b))`, or `dx = f·u` without
    /// coefficients, rounded once to `T`.
    @inline(__always)
    func inputGradient(
        x: UnsafePointer<T>, dy: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, n: Int,
        factor: UnsafePointer<Double>, gamma: UnsafePointer<Double>?,
        a: UnsafePointer<Double>?, b: UnsafePointer<Double>?, centre: UnsafePointer<Double>?
    ) {
        let sc = statisticContiguous, pc = parameterContiguous
        var j = 0
        while j &+ 8 <= n {
            let d = Self.load8(dy, j)
            var v = gamma.map { d * Self.lanes($0, j, contiguous: pc) } ?? d
            if let a, let b, let centre {
                v -= Self.lanes(a, j, contiguous: sc) + (Self.load8(x, j) - Self.lanes(centre, j, contiguous: sc)) * Self.lanes(b, j, contiguous: sc)
            }
            T.storeNarrowed(Self.lanes(factor, j, contiguous: sc) * v, to: dx + j)
            j &+= 8
        }
        while j < n {
            let k = sc ? j : 0
            let d = Double(dy[j])
            var v = gamma.map { d * $0[pc ? j : 0] } ?? d
            if let a, let b, let centre { v -= a[k] + (Double(x[j]) - centre[k]) * b[k] }
            dx[j] = T(factor[k] * v)
            j &+= 1
        }
    }
}
