extension NormalizationKernels {
    /// `y = x · scale + shift` where each sample (the first axis) has statistics of its own
    /// (GroupNormalization): for every sample `b`, its statistics (`plan.moments` of its
    /// `sampleCount` elements alone), then `coefficients(statistics, scale, shift)` fills its
    /// `parameterCount` scales and shifts, then its output is written (`affineRows` over `walk`,
    /// one sample's output with the parameters as lane 1).
    ///
    /// The second read of a sample comes from the cache its statistics pass filled, and with
    /// enough samples (at least four per core) the cores take contiguous runs of samples and
    /// pipeline them: while sample `b`'s output is written, sample `b + 1`'s statistics are read,
    /// a piece of each in turn, so that the reads from memory overlap the streaming writes
    /// (which, not the reads, bound the output pass: a streaming write of the output alone
    /// takes as long as reading and writing it). With fewer samples each sample's two passes
    /// are split across the cores instead. Either way a sample's statistics are `plan.moments`
    /// of that sample, pieces combined in order, so the result does not depend on the path or
    /// the cores.
    static func perSampleAffine<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, samples: Int, sampleCount: Int,
        plan: Moments.Plan, walk: NormWalk, parameterCount: Int,
        coefficients: ([Double], UnsafeMutablePointer<S.Compute>, UnsafeMutablePointer<S.Compute>) -> Void
    ) {
        guard samples >= 4 * ProcessInfoCores.activeCount else {
            let parameters = UnsafeMutablePointer<S.Compute>.allocate(capacity: 2 * parameterCount)
            defer { parameters.deallocate() }
            for b in 0..<samples {
                let xb = x + b &* sampleCount
                coefficients(plan.moments(xb, mask: nil), parameters, parameters + parameterCount)
                affine(xb, y + b &* sampleCount, walk: walk, scale: parameters, shift: parameters + parameterCount)
            }
            return
        }
        parallelChunks(count: samples, work: samples &* sampleCount) { run in
            pipelineSamples(
                x, y, run: run, sampleCount: sampleCount, plan: plan, walk: walk, parameterCount: parameterCount,
                coefficients: coefficients)
        }
    }

    /// The samples `run` on this thread, each one's output written while the next one's
    /// statistics are read (see `perSampleAffine`).
    static func pipelineSamples<S: FloatingTensorElement>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, run: Range<Int>, sampleCount: Int,
        plan: Moments.Plan, walk: NormWalk, parameterCount: Int,
        coefficients: ([Double], UnsafeMutablePointer<S.Compute>, UnsafeMutablePointer<S.Compute>) -> Void
    ) {
        let partialCount = plan.partialCount
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: 2 * partialCount)
        let parameters = UnsafeMutablePointer<S.Compute>.allocate(capacity: 2 * parameterCount)
        defer {
            partials.deallocate()
            parameters.deallocate()
        }
        let pieces = plan.pieces
        var current = partials, next = partials + partialCount
        current.initialize(repeating: 0, count: partialCount)
        for c in 0..<pieces { plan.accumulate(x + run.lowerBound &* sampleCount, mask: nil, piece: c, into: current) }
        for b in run {
            coefficients(plan.combine(current), parameters, parameters + parameterCount)
            let xb = x + b &* sampleCount, yb = y + b &* sampleCount
            let readsNext = b &+ 1 < run.upperBound
            if readsNext { next.initialize(repeating: 0, count: partialCount) }
            for c in 0..<pieces {
                if readsNext { plan.accumulate(xb + sampleCount, mask: nil, piece: c, into: next) }
                affineRows(
                    xb, yb, walk: walk, rows: Moments.Plan.piece(c, of: pieces, rowCount: walk.rowCount),
                    scale: parameters, shift: parameters + parameterCount)
            }
            swap(&current, &next)
        }
    }
}
