import KerasJSON

/// `keras.layers.UnitNormalization`: divides each sample by its L2 norm over `axis`:
///
///     y = x · min(rsqrt(Σ x²), 1e12)
///
/// (`ops.normalize(x, order=2, epsilon=1e-12)`), so a zero vector stays zero and a vector
/// with norm below 1e-12 is multiplied by 1e12. No variables.
public struct UnitNormalization: ShapePreservingLayer {
    public static let className = "UnitNormalization"

    /// The normalized axes as given (an int is a one-element list).
    public let axis: [Int]
    /// The dtype policy (the config's `dtype`; see `NormalizationDTypes` for what each policy computes in).
    public var dtypePolicy: DTypePolicy = .float32

    /// Keras's arguments and defaults (`axis: -1`).
    public init(axis: [Int] = [-1]) throws(KerasLayerError) {
        guard !axis.isEmpty else {
            throw .invalidConfig(
                layer: Self.className, argument: "axis",
                message: "Invalid value for `axis` argument: expected an int or a non-empty list/tuple of ints. Received: axis=[]")
        }
        self.axis = axis
    }

    /// A single normalized axis.
    public init(axis: Int) throws(KerasLayerError) {
        try self.init(axis: [axis])
    }

    public init(config: LayerConfig) throws(KerasLayerError) {
        try self.init(axis: try config.normAxes(default: [-1]))
        dtypePolicy = try config.dtypePolicy()
    }

    /// `1 / epsilon` with Keras's epsilon 1e-12 (rounded to the compute type where used).
    static let maximumFactor = 1.0 / 1e-12

    public func call(_ input: Tensor<Float>, options: CallOptions) throws(KerasLayerError) -> LayerOutput {
        try compute(input, options: options).float32
    }

    /// The call in the compute type `T`: float32, or float64 under the float64 policy.
    func compute<T: ComputeScalar>(_ input: Tensor<T>, options: CallOptions) throws(KerasLayerError) -> NormResult<T> {
        let shape = input.shape
        let normalized = try normNormalizedAxes(axis, shape: shape, layer: Self.className)
        // Before anything is allocated: the output and the sums of squares (with their scratch).
        var budget = options.memoryBudget
        try budget.reserve(input.count, of: T.self, for: "the output", layer: Self.className)
        try budget.reserve(
            Moments.scratchDoubles(shape: shape, reduced: normalized, masked: false), of: Double.self,
            for: "the sums of squares", layer: Self.className)
        let output: Tensor<T>
        if let rows = normTrailingRows(shape, normalized: normalized) {
            output = input.scalars.withUnsafeBufferPointer { x in
                normMakeOutput(shape: shape) { y in
                    NormalizationKernels.scaleRows(x.baseAddress!, y, rows: rows.count, length: rows.length, scale: nil) { p, n in
                        let squareSum = T(Moments.rowSquaredDeviations(p, n, from: 0))
                        return Swift.min(NormalizationKernels.rsqrt(squareSum), T(Self.maximumFactor))
                    }
                }
            }
        } else {
            let sums = input.scalars.withUnsafeBufferPointer { x in
                Moments.sumOfSquares(x, shape: shape, reduced: normalized)
            }
            let factor = sums.map { Swift.min(NormalizationKernels.rsqrt($0), T(Self.maximumFactor)) }
            let walk = NormWalk(
                shape: shape,
                strides: NormWalk.lanes(NormWalk.contiguousStrides(shape), NormWalk.keptStrides(shape, kept: normalized.map { !$0 })))
            output = input.scalars.withUnsafeBufferPointer { x in
                factor.withUnsafeBufferPointer { f in
                    normMakeOutput(shape: shape) { y in
                        NormalizationKernels.scaleGeneral(x.baseAddress!, y, walk: walk, factor: f.baseAddress!, scale: nil)
                    }
                }
            }
        }
        return NormResult(output: output)
    }
}
