/// The backward passes of global pooling over `[planes, S, channels]` (channels_last:
/// planes = batch, S the spatial positions; channels_first: planes = batch × channels,
/// channels = 1), on contiguous buffers of any floating-point storage type. Units of one
/// plane and one channel block (`PoolingWindowGradientKernels.units`) run in parallel.
enum PoolingReduceGradientKernels {
    /// The mean's vector-Jacobian product, dx[p, s, c] = dy[p, c] / S: the division
    /// `ops.mean`'s gradient does on both backends (`sum / S`, differentiated). `gradient`
    /// is overwritten.
    static func meanGradient<T: BinaryFloatingPoint>(
        upstream: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>, planes: Int, positions: Int, channels: Int
    ) {
        let divisor = T(positions)
        parallelChunks(count: planes, work: planes * positions * channels) { range in
            for p in range {
                let dy = upstream + p * channels
                var dx = gradient + p * positions * channels
                for _ in 0..<positions {
                    for c in 0..<channels { dx[c] = dy[c] / divisor }
                    dx += channels
                }
            }
        }
    }

    /// The maximum's vector-Jacobian product as Keras's `ops.max` has it on both backends
    /// (JAX's reduce-max rule, TF's `_MinOrMaxGrad`): the upstream value is shared equally by
    /// every position equal to the maximum m (computed as the forward pass does, NaN
    /// propagating),
    ///
    ///     dx[p, s, c] = (dy[p, c] / n[p, c]) · [x[p, s, c] = m[p, c]],   n = #{s : x[p, s, c] = m[p, c]},
    ///
    /// so a channel whose maximum is NaN (n = 0) gets (dy / 0) · 0 = NaN, as on JAX.
    /// `gradient` is overwritten.
    static func maxGradient<T: BinaryFloatingPoint>(
        input: UnsafePointer<T>, upstream: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>,
        planes: Int, positions: Int, channels: Int
    ) {
        let (unitCount, block) = PoolingWindowGradientKernels.units(planes: planes, channels: channels)
        let blocks = unitCount / Swift.max(planes, 1)
        parallelChunks(count: unitCount, work: 3 * planes * positions * channels, chunksPerThread: 4) { range in
            var maximum = [T](repeating: 0, count: block)
            var share = [T](repeating: 0, count: block)
            maximum.withUnsafeMutableBufferPointer { maximum in
                share.withUnsafeMutableBufferPointer { share in
                    for unit in range {
                        let p = unit / blocks
                        let c0 = (unit % blocks) * block
                        let width = Swift.min(channels, c0 + block) - c0
                        let x = input + p * positions * channels + c0
                        let dx = gradient + p * positions * channels + c0
                        let dy = upstream + p * channels + c0
                        for c in 0..<width {
                            maximum[c] = -.infinity
                            share[c] = 0
                        }
                        for s in 0..<positions {
                            let row = x + s * channels
                            for c in 0..<width where row[c] > maximum[c] || row[c] != row[c] { maximum[c] = row[c] }
                        }
                        for s in 0..<positions {
                            let row = x + s * channels
                            for c in 0..<width where row[c] == maximum[c] { share[c] += 1 }
                        }
                        for c in 0..<width { share[c] = dy[c] / share[c] }
                        for s in 0..<positions {
                            let row = x + s * channels
                            let out = dx + s * channels
                            for c in 0..<width { out[c] = share[c] * (row[c] == maximum[c] ? 1 : 0) }
                        }
                    }
                }
            }
        }
    }

    /// GlobalAveragePooling1D's masked vector-Jacobian product. Keras computes
    /// `sum(where(m, x, 0), steps) / divisor`, whose gradient is `where(m, dy / divisor, 0)`:
    ///
    ///     dx[b, t, c] = keep(b, t) ? dy[b, c] / divisors[b] : 0
    ///
    /// (a fully masked row has no kept step, so its 0 / 0 forward NaN sends back zeros).
    /// Layout `[batch, steps, channels]` with `stepStride` = channels and `channelStride` = 1
    /// (channels_last), or `[batch, channels, steps]` with 1 and steps (channels_first).
    /// `gradient` is overwritten.
    static func maskedMeanGradient<T: BinaryFloatingPoint>(
        upstream: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>,
        batch: Int, steps: Int, channels: Int, stepStride: Int, channelStride: Int,
        keep: (Int, Int) -> Bool, divisors: UnsafeBufferPointer<T>
    ) {
        for b in 0..<batch {
            let dy = upstream + b * channels
            let dx = gradient + b * steps * channels
            for t in 0..<steps {
                let kept = keep(b, t)
                for c in 0..<channels { dx[t * stepStride + c * channelStride] = kept ? dy[c] / divisors[b] : 0 }
            }
        }
    }
}
