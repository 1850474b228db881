/// Whole-axis reductions for global pooling, the masked mean of GlobalAveragePooling1D,
/// and the one-axis passes adaptive pooling is built from.
enum PoolingReduceKernels {
    /// `[batch, S, C]` → `[batch, C]`: reduces the S spatial positions of every channel,
    /// in order s = 0, 1, …, vectorised across the contiguous channels.
    ///
    /// Each task streams whole rows of C channels (four positions per pass over its output
    /// row, which stays in L1); with few batches the channels are split into blocks so every
    /// core gets work.
    static func globalChannelsLast<R: PoolingReducer>(
        _ reducer: R.Type,
        input: UnsafePointer<R.Scalar>, output: UnsafeMutablePointer<R.Scalar>,
        batch: Int, spatial: Int, channels: Int
    ) {
        let cores = ProcessInfoCores.activeCount
        let blocksPerBatch = batch >= 2 * cores ? 1 : max(1, min(4 * cores, channels / 256))
        let block = (channels + blocksPerBatch - 1) / blocksPerBatch
        let units = batch * blocksPerBatch
        parallelChunks(count: units, work: batch * spatial * channels, chunksPerThread: 4) { range in
            for unit in range {
                let b = unit / blocksPerBatch
                let c0 = (unit % blocksPerBatch) * block
                let c1 = min(channels, c0 + block)
                guard c0 < c1 else { continue }
                poolingStreamRows(
                    R.self, base: input + b * spatial * channels + c0, rowStride: channels, rows: spatial,
                    width: c1 - c0, into: output + b * channels + c0)
            }
        }
    }

    /// `[rows, S]` → `[rows]`: reduces each contiguous row (channels_first global pooling).
    ///
    /// The row is folded into 16 lane accumulators (element i into lane i mod 16), then the
    /// lanes are combined pairwise and the remainder added in order. For the mean this is not
    /// the order of TF's or XLA's reductions (neither is sequential), so sums agree with Keras
    /// to a few ulps rather than bit for bit; for max the result is exact whatever the order.
    static func globalRows<R: PoolingReducer>(
        _ reducer: R.Type,
        input: UnsafePointer<R.Scalar>, output: UnsafeMutablePointer<R.Scalar>,
        rows: Int, length: Int
    ) {
        parallelChunks(count: rows, work: rows * length, chunksPerThread: 4) { range in
            for row in range {
                let p = input + row * length
                var i = 0
                var total = R.identity
                if length >= 16 {
                    var lanes = SIMD16<R.Scalar>(repeating: R.identity)
                    while i + 16 <= length {
                        lanes = R.combine(lanes, poolingLoad16(p + i))
                        i += 16
                    }
                    let l8 = R.combine(lanes.lowHalf, lanes.highHalf)
                    let l4 = (R.combine(l8[0], l8[4]), R.combine(l8[1], l8[5]), R.combine(l8[2], l8[6]), R.combine(l8[3], l8[7]))
                    total = R.combine(R.combine(l4.0, l4.2), R.combine(l4.1, l4.3))
                }
                while i < length {
                    total = R.combine(total, p[i])
                    i += 1
                }
                output[row] = R.finish(total, count: length)
            }
        }
    }

    /// GlobalAveragePooling1D with a mask, channels_last `[batch, S, C]`: for each batch and
    /// channel, Σ_{s: mask[b,s] ≠ 0} x[b,s,c] / divisors[b] (Keras's divisor, the kept count
    /// of the unbroadcast mask row; 0 / 0 = NaN when nothing is kept).
    /// `mask(b, s)` reads the (possibly broadcast) mask.
    static func maskedMeanChannelsLast<C: ComputeScalar>(
        input: UnsafePointer<C>, output: UnsafeMutablePointer<C>,
        batch: Int, steps: Int, channels: Int, mask: (Int, Int) -> Bool, divisors: [C]
    ) {
        for b in 0..<batch {
            let out = output + b * channels
            for c in 0..<channels { out[c] = 0 }
            for s in 0..<steps where mask(b, s) {
                let row = input + (b * steps + s) * channels
                var c = 0
                while c + 8 <= channels {
                    poolingStore(C.lanesAdd(poolingLoad8(out + c), poolingLoad8(row + c)), to: out + c)
                    c += 8
                }
                while c < channels {
                    out[c] += row[c]
                    c += 1
                }
            }
            let divisor = divisors[b]
            for c in 0..<channels { out[c] /= divisor }
        }
    }

    /// GlobalAveragePooling1D with a mask, channels_first `[batch, C, S]`: the mask runs
    /// along the last (steps) axis of every channel row; the divisors as there.
    static func maskedMeanChannelsFirst<C: ComputeScalar>(
        input: UnsafePointer<C>, output: UnsafeMutablePointer<C>,
        batch: Int, channels: Int, steps: Int, mask: (Int, Int) -> Bool, divisors: [C]
    ) {
        for b in 0..<batch {
            let divisor = divisors[b]
            for c in 0..<channels {
                let row = input + (b * channels + c) * steps
                var sum: C = 0
                for s in 0..<steps where mask(b, s) { sum += row[s] }
                output[b * channels + c] = sum / divisor
            }
        }
    }

    /// One adaptive pass: `[outer, L, inner]` → `[outer, out, inner]`, output i reducing
    /// input positions ⌊i·L/out⌋ ..< ⌈(i+1)·L/out⌉ (and, for the mean, dividing by their count).
    static func adaptiveAxis<R: PoolingReducer>(
        _ reducer: R.Type,
        input: UnsafePointer<R.Scalar>, output: UnsafeMutablePointer<R.Scalar>,
        outer: Int, length: Int, outLength: Int, inner: Int
    ) {
        let rows = outer * outLength
        let work = rows * inner * max(1, (length + outLength - 1) / outLength + 1)
        parallelChunks(count: rows, work: work, chunksPerThread: 4) { range in
            for row in range {
                let i = row % outLength
                let o = row / outLength
                let (start, end) = PoolingGeometry.adaptiveWindow(i, inputSize: length, outputSize: outLength)
                poolingStreamRows(
                    R.self, base: input + (o * length + start) * inner, rowStride: inner, rows: end - start,
                    width: inner, into: output + row * inner)
            }
        }
    }
}
