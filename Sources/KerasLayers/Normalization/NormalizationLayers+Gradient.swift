// The normalization layers' backward pass on tensors of their compute type (float32 or
// float64): the budget and the two passes of `NormalizationGradientKernels`, which the layers
// parameterize with their statistics.

/// Reserves what `normBackward` allocates for an input of `count` elements of `T`: the input
/// gradient and the passes' Double accumulators for `statistics` and `parameters` values.
func normReserveBackward<T: ComputeScalar>(
    _ budget: inout MemoryBudget, _: T.Type, count: Int, statistics: Int, parameters: Int, masked: Bool, layer: String
) throws(KerasLayerError) {
    try budget.reserve(count, of: T.self, for: "the input gradient", layer: layer)
    try budget.reserve(
        NormalizationGradientKernels.scratchDoubles(statistics: statistics, parameters: parameters, masked: masked), of: Double.self,
        for: "the gradient sums of \(statistics) statistics and \(parameters) parameters", layer: layer)
}

/// The vector-Jacobian product of `y = (x − c[k])·f[k]·γ[p] + β[p]` (see
/// `NormalizationGradientKernels`): lanes 1, 2, 3 of `walk` index the statistic, the parameter
/// and `mask`. `coefficients` turns the first pass's sums into the second pass's coefficients
/// when the statistics depend on the input (nil: constants, `dx = f·γ·dy`). The first pass
/// runs when there are coefficients to compute or `parameters` gradients to return.
func normBackward<T: ComputeScalar>(
    _ input: Tensor<T>, upstream: Tensor<T>, walk: NormWalk, statistics: Int, parameters: Int,
    centre: [Double], factor: [Double], gamma: [Double]?, mask: Tensor<UInt8>?,
    coefficients: ((NormalizationGradientKernels.Sums) -> NormalizationGradientKernels.Coefficients)?
) -> (input: Tensor<T>, sums: NormalizationGradientKernels.Sums?) {
    input.scalars.withUnsafeBufferPointer { xb in
        upstream.scalars.withUnsafeBufferPointer { gb in
            centre.withUnsafeBufferPointer { cb in
                factor.withUnsafeBufferPointer { fb in
                    normWithOptional(gamma) { g in
                        normWithOptionalMask(mask) { m in
                            guard let x = xb.baseAddress, let dy = gb.baseAddress, input.count > 0 else {
                                // No element: every sum is empty, so zero.
                                let k = [Double](repeating: 0, count: statistics), p = [Double](repeating: 0, count: parameters)
                                let zeros = NormalizationGradientKernels.Sums(upstream: k, moment: k, scale: p, offset: p, count: mask == nil ? [] : k)
                                return (Tensor(uncheckedShape: input.shape, scalars: []), zeros)
                            }
                            var sums: NormalizationGradientKernels.Sums?
                            if coefficients != nil || parameters > 0 {
                                sums = NormalizationGradientKernels.reduce(
                                    x: x, dy: dy, walk: walk, statistics: statistics, parameters: parameters,
                                    centre: cb.baseAddress!, factor: fb.baseAddress!, gamma: g, mask: m)
                            }
                            let second = sums.flatMap { s in coefficients?(s) }
                            let dx = normMakeOutput(shape: input.shape) { out in
                                normWithOptional(second?.a) { a in
                                    normWithOptional(second?.b) { b in
                                        normWithOptional(second?.centre) { c in
                                            NormalizationGradientKernels.inputGradient(
                                                x: x, dy: dy, dx: out, walk: walk, factor: fb.baseAddress!, gamma: g, mask: m,
                                                a: a, b: b, centre: c)
                                        }
                                    }
                                }
                            }
                            return (dx, sums)
                        }
                    }
                }
            }
        }
    }
}

/// Calls `body` with a pointer to the elements of `values`, or nil.
func normWithOptional<Element, R>(_ values: [Element]?, _ body: (UnsafePointer<Element>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Calls `body` with a pointer to the mask bytes, or nil.
func normWithOptionalMask<R>(_ mask: Tensor<UInt8>?, _ body: (UnsafePointer<UInt8>?) -> R) -> R {
    guard let mask else { return body(nil) }
    return mask.scalars.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// A gradient of the variable of `shape`, rounded to `T` from its Double sums.
func normVariableGradient<T: ComputeScalar>(_ values: [Double], shape: [Int]) -> Tensor<T> {
    Tensor(uncheckedShape: shape, scalars: values.map { T($0) })
}

/// The coefficients of mean/variance statistics over `count` elements each (`c = μ`,
/// `f = r = 1/√(σ² + ε)`): `a = Σu/N`, `b = r²·Σu·(x − c)/N`, `c' = μ`; without the mean
/// term (`centred` false: LayerNormalization's `rms_scaling`, whose output is not centred),
/// `a = 0`.
func normMomentCoefficients(
    _ sums: NormalizationGradientKernels.Sums, factor: [Double], mean: [Double], count: Double, centred: Bool = true
) -> NormalizationGradientKernels.Coefficients {
    var a = [Double](repeating: 0, count: factor.count), b = a
    for k in factor.indices {
        if centred { a[k] = sums.upstream[k] / count }
        b[k] = factor[k] * factor[k] * sums.moment[k] / count
    }
    return .init(a: a, b: b, centre: mean)
}

/// The means behind the means `mean` computed in `T` (statistic lane 1 of `walk`, mask lane 3),
/// in Double. A mean rounded to `T` is off by up to half its ulp, an error in every centred
/// value `x − μ` that for data with a large offset and a small spread is far above `T`'s
/// resolution of the gradients (the float64 oracle differentiates the exact statistics; under
/// float64 the float64 gradients resolve 2⁻⁵³). When every mean's ulp is below half an ulp
/// of one in `T` (2⁻²⁴ for float32, 2⁻⁵³ for float64) of its standard deviation
/// (`1/factor`), the means serve as they are; otherwise one pass corrects them:
///
///     μ = μ_T + (Σ w·(x − μ_T) − μ_T·(W − Σw)) / W
///
/// with `W` the forward pass's divisor: `count`, or with a mask `Σw + maskEpsilon` in `T`.
func normExactMeans<T: ComputeScalar>(
    _ input: Tensor<T>, walk: NormWalk, mean: [T], factor: [Double], count: Double, mask: Tensor<UInt8>?, maskEpsilon: T
) -> [Double] {
    let rounded = mean.map(Double.init)
    let resolution = Double(T.ulpOfOne) / 2
    guard mean.indices.contains(where: { Double(mean[$0].ulp) * factor[$0] > resolution }), input.count > 0 else { return rounded }
    let centre = rounded
    let sums = input.scalars.withUnsafeBufferPointer { x in
        centre.withUnsafeBufferPointer { c in
            normWithOptionalMask(mask) { m in
                NormalizationGradientKernels.deviationSums(x: x.baseAddress!, walk: walk, statistics: mean.count, centre: c.baseAddress!, mask: m)
            }
        }
    }
    return mean.indices.map { k in
        let weights = mask == nil ? count : sums.count[k]
        let divisor = mask == nil ? count : normMaskDivisor(weights, maskEpsilon: maskEpsilon)
        return rounded[k] + (sums.deviation[k] - rounded[k] * (divisor - weights)) / divisor
    }
}

/// The masked statistics' divisor `W = Σw + maskEpsilon`, the addition rounded to `T` as
/// Keras's `_moments` does it in the compute type.
func normMaskDivisor<T: ComputeScalar>(_ weights: Double, maskEpsilon: T) -> Double {
    Double(T(weights) + maskEpsilon)
}
