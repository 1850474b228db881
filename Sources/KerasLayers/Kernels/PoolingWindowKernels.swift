import CStreamingStores

/// Sliding-window max / average pooling over up to three spatial axes (1-D and 2-D pooling
/// run with trivial leading axes), on contiguous float32 or float64 buffers.
enum PoolingWindowKernels {
    /// Above this many channels a channels_last pixel is walked whole (`poolingStreamBox`);
    /// at or below it the window is folded per 32-channel register chunk (`poolingReduceBox`).
    /// Measured: 3×3/2 max on 64 channels is ~15% faster chunked; 2×2 on 256 channels is ~2×
    /// faster streamed (a chunked walk zig-zags inside each memory stream and defeats the
    /// prefetchers); 128 channels is even.
    static let streamThreshold = 64

    /// Pools a channels_last tensor `[batch, D, H, W, C]` into `[batch, OD, OH, OW, C]`.
    ///
    /// Each output pixel folds its (clipped) window in row-major order, vectorised across the
    /// C contiguous channels (register chunks up to `streamThreshold` channels, whole pixels
    /// above); the output rows (batch × OD × OH) are split across cores. Max folds each output
    /// row with a plain `maxps` (`UncheckedMaxReducer`), summing every element it reads on the
    /// side; when that sum is NaN (a NaN read, or opposite infinities: a false alarm) the row is
    /// pooled again with the NaN-propagating select. (A separate pass over each input row to
    /// check it first waited for memory with nothing to overlap: without it 3×3/2 on 64
    /// channels took ~20 % less time.)
    ///
    /// Max with windows that do not overlap along the height (window ≤ stride): while an output
    /// row is pooled, the input rows the next output row adds start loading, a slice per output
    /// pixel (`prefetchSlice`; 2×2×2 on 32 channels: median of eight alternating two-thread runs
    /// 0.82 → 0.79 ms). Not where the windows overlap: there the prefetched rows evict the rows
    /// the current output row still reads (3×3/2 on 64 channels: 1.35 ms without, 1.53 ms with),
    /// nor for average pooling, which reads each row once as it folds it (2×2 on 256 channels
    /// was ~40 % slower with the prefetches).
    static func channelsLast<R: PoolingReducer>(
        _ reducer: R.Type,
        input: UnsafePointer<R.Scalar>, output: UnsafeMutablePointer<R.Scalar>,
        batch: Int, channels: Int, d: PoolingAxis, h: PoolingAxis, w: PoolingAxis
    ) {
        let c = channels
        let inStrideW = c, inStrideH = w.inputSize * c, inStrideD = h.inputSize * inStrideH
        let inStrideB = d.inputSize * inStrideD
        let rows = batch * d.outputSize * h.outputSize
        // Windows clipped to the input: the work estimate only picks the thread count.
        let windowVolume = min(d.window, d.inputSize) * min(h.window, h.inputSize) * min(w.window, w.inputSize)
        let work = rows * w.outputSize * c * max(windowVolume, 1)
        let isMax = R.self == MaxPoolingReducer<R.Scalar>.self
        let stream = c > streamThreshold
        let prefetchRows = h.window <= h.stride
        parallelChunks(count: rows, work: work, chunksPerThread: 4) { range in
            for row in range {
                let (b, oh, (d0, d1), (h0, h1)) = outputRowWindows(row, d: d, h: h)
                let box = OutputRow(
                    base: input + b * inStrideB, pixelStride: inStrideW, d0: d0, d1: d1, strideD: inStrideD,
                    h0: h0, h1: h1, strideH: inStrideH, w: w, stream: stream)
                let out = output + row * w.outputSize * c
                guard isMax else {
                    poolOutputRow(R.self, box, into: out)
                    continue
                }
                // The next output row's input rows (same batch and depth window; the windows do
                // not overlap, so all of them are new): rows next h0..<next h1 of each depth
                // slice, contiguous within it.
                var ahead: (first: Int, span: Int)? = nil
                if prefetchRows, row + 1 < range.upperBound, oh + 1 < h.outputSize {
                    let (n0, n1) = h.window(oh + 1)
                    if n1 > n0 { ahead = (n0, (n1 - n0) * inStrideH) }
                }
                var seen = SIMD8<R.Scalar>()
                poolOutputRow(UncheckedMaxReducer<R.Scalar>.self, box, into: out, noting: &seen, prefetching: ahead)
                if seen.sum().isNaN {
                    poolOutputRow(R.self, box, into: out)
                }
            }
        }
    }

    /// The input box of one channels_last output row: batch `base`, depth and height windows;
    /// the width windows come from `w`.
    struct OutputRow<C: ComputeScalar> {
        var base: UnsafePointer<C>
        var pixelStride: Int
        var d0: Int, d1: Int, strideD: Int
        var h0: Int, h1: Int, strideH: Int
        var w: PoolingAxis
        /// Whole pixels walked in turn (`poolingStreamBox`), or register chunks (`poolingReduceBox`).
        var stream: Bool
    }

    /// Pools the `w.outputSize` pixels of one output row into `out` with `Q`; with `seen`, adds
    /// every element read to it; with `ahead`, prefetches depth slice rows
    /// `first..<first + span / strideH` (as elements from `first · strideH`), a slice per pixel.
    @inline(__always)
    static func poolOutputRow<Q: PoolingReducer>(
        _: Q.Type, _ box: OutputRow<Q.Scalar>, into out: UnsafeMutablePointer<Q.Scalar>,
        noting seen: UnsafeMutablePointer<SIMD8<Q.Scalar>>? = nil, prefetching ahead: (first: Int, span: Int)? = nil
    ) {
        let c = box.pixelStride
        let dh = (box.d1 - box.d0) * (box.h1 - box.h0)
        for ow in 0..<box.w.outputSize {
            if let ahead {
                for dd in box.d0..<box.d1 {
                    prefetchSlice(
                        box.base + dd * box.strideD + ahead.first * box.strideH, span: ahead.span, part: ow, of: box.w.outputSize)
                }
            }
            let (w0, w1) = box.w.window(ow)
            if box.stream {
                poolingStreamBox(
                    Q.self, base: box.base, pixelStride: c, d0: box.d0, d1: box.d1, strideD: box.strideD,
                    h0: box.h0, h1: box.h1, strideH: box.strideH, w0: w0, w1: w1, count: dh * (w1 - w0),
                    into: out + ow * c, noting: seen)
            } else {
                poolingReduceBox(
                    Q.self, base: box.base, pixelStride: c, d0: box.d0, d1: box.d1, strideD: box.strideD,
                    h0: box.h0, h1: box.h1, strideH: box.strideH, w0: w0, w1: w1, count: dh * (w1 - w0),
                    into: out + ow * c, noting: seen)
            }
        }
    }

    /// Starts loading part `part` of `parts` equal parts of the `span` elements at `p`, a
    /// prefetch per 64-byte line (the line holding the part's first element included).
    @inline(__always)
    static func prefetchSlice<S>(_ p: UnsafePointer<S>, span: Int, part: Int, of parts: Int) {
        let perLine = 64 / MemoryLayout<S>.stride
        var j = part * span / parts
        let end = (part + 1) * span / parts
        while j < end {
            streaming_prefetch(p + j)
            j += perLine
        }
    }

    /// Pools a channels_first tensor `[planes, D, H, W]` (planes = batch × channels) into
    /// `[planes, OD, OH, OW]`.
    ///
    /// For each output row the window's input rows are folded in one at a time, the innermost
    /// loop running along the contiguous width (elementwise over the output row, vectorised
    /// for strides 1 and 2); per output element the order is still row-major over the window.
    /// Max folds with `maxps`, noting the sum of what it reads, and pools the row again with
    /// the NaN-propagating select when that sum is NaN, as in `channelsLast`.
    static func channelsFirst<R: PoolingReducer>(
        _ reducer: R.Type,
        input: UnsafePointer<R.Scalar>, output: UnsafeMutablePointer<R.Scalar>,
        planes: Int, d: PoolingAxis, h: PoolingAxis, w: PoolingAxis
    ) {
        let inStrideH = w.inputSize, inStrideD = h.inputSize * inStrideH
        let inStrideP = d.inputSize * inStrideD
        let rows = planes * d.outputSize * h.outputSize
        let ow = w.outputSize
        // Windows clipped to the input: the work estimate only picks the thread count.
        let windowVolume = min(d.window, d.inputSize) * min(h.window, h.inputSize) * min(w.window, w.inputSize)
        let work = rows * ow * max(windowVolume, 1)
        // For each offset j inside the width window that reaches the row (`usedOffsets`, so
        // a huge padded window costs nothing), the outputs whose input column o·s + j − pad
        // lies inside the row: o in lower[j − first]..<upper[j − first].
        let offsets = w.usedOffsets
        var lower = [Int](repeating: 0, count: offsets.count)
        var upper = [Int](repeating: 0, count: offsets.count)
        for j in offsets {
            let shift = j - w.padBefore  // column = o·s + shift
            // smallest o with o·s + shift >= 0
            let lo = shift >= 0 ? 0 : (-shift + w.stride - 1) / w.stride
            // largest o with o·s + shift <= W − 1, plus one
            let limit = w.inputSize - 1 - shift
            let hi = limit < 0 ? 0 : limit / w.stride + 1
            lower[j - offsets.lowerBound] = min(lo, ow)
            upper[j - offsets.lowerBound] = max(min(hi, ow), lower[j - offsets.lowerBound])
        }
        // Elements per output column along the width (clipped window length).
        var widthCount = [Int](repeating: 0, count: ow)
        for o in 0..<ow {
            let (w0, w1) = w.window(o)
            widthCount[o] = w1 - w0
        }
        let isMax = R.self == MaxPoolingReducer<R.Scalar>.self
        lower.withUnsafeBufferPointer { lower in
            upper.withUnsafeBufferPointer { upper in
                widthCount.withUnsafeBufferPointer { widthCount in
                    parallelChunks(count: rows, work: work, chunksPerThread: 4) { range in
                        for row in range {
                            let (p, _, (d0, d1), (h0, h1)) = outputRowWindows(row, d: d, h: h)
                            let rowWindow = RowWindow(
                                plane: input + p * inStrideP, d0: d0, d1: d1, h0: h0, h1: h1,
                                strideD: inStrideD, strideH: inStrideH, rowLength: w.inputSize)
                            let out = output + row * ow
                            guard isMax else {
                                poolRow(R.self, rowWindow, w: w, lower: lower, upper: upper, widthCount: widthCount, into: out)
                                continue
                            }
                            var seen = SIMD8<R.Scalar>()
                            poolRow(
                                UncheckedMaxReducer<R.Scalar>.self, rowWindow, w: w, lower: lower, upper: upper,
                                widthCount: widthCount, into: out, noting: &seen)
                            if seen.sum().isNaN {
                                poolRow(R.self, rowWindow, w: w, lower: lower, upper: upper, widthCount: widthCount, into: out)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output row `row` of the rows `planes × OD × OH`: its plane (batch, or batch × channel),
    /// its height index, and its depth and height windows.
    @inline(__always)
    static func outputRowWindows(
        _ row: Int, d: PoolingAxis, h: PoolingAxis
    ) -> (plane: Int, oh: Int, d: (Int, Int), h: (Int, Int)) {
        let oh = row % h.outputSize
        let od = (row / h.outputSize) % d.outputSize
        return (row / (h.outputSize * d.outputSize), oh, d.window(od), h.window(oh))
    }

    /// The input rows one channels_first output row pools: plane rows (d, h) in the box.
    struct RowWindow<C: ComputeScalar> {
        var plane: UnsafePointer<C>
        var d0: Int, d1: Int, h0: Int, h1: Int
        var strideD: Int, strideH: Int, rowLength: Int
    }

    /// One channels_first output row: out[o] = fold over rows (d, h), then offsets j, of
    /// row[o·s + j − pad] — row-major window order for every output element. With `seen`,
    /// every element folded is also added to it.
    @inline(__always)
    static func poolRow<Q: PoolingReducer>(
        _: Q.Type, _ window: RowWindow<Q.Scalar>, w: PoolingAxis,
        lower: UnsafeBufferPointer<Int>, upper: UnsafeBufferPointer<Int>,
        widthCount: UnsafeBufferPointer<Int>, into out: UnsafeMutablePointer<Q.Scalar>,
        noting seen: UnsafeMutablePointer<SIMD8<Q.Scalar>>? = nil
    ) {
        typealias C = Q.Scalar
        let notes = seen != nil
        var sum = SIMD8<C>()
        defer { if let seen { seen.pointee = C.lanesAdd(seen.pointee, sum) } }
        let ow = w.outputSize
        let s = w.stride
        for o in 0..<ow { out[o] = Q.identity }
        for dd in window.d0..<window.d1 {
            for hh in window.h0..<window.h1 {
                let source = window.plane + dd * window.strideD + hh * window.strideH
                let offsets = w.usedOffsets
                for j in offsets {
                    let shift = j - w.padBefore
                    var o = lower[j - offsets.lowerBound]
                    let end = upper[j - offsets.lowerBound]
                    if s == 1 {
                        let src = source + shift
                        while o + 8 <= end {
                            let x = poolingLoad8(src + o)
                            poolingStore(Q.combine(poolingLoad8(out + o), x), to: out + o)
                            if notes { sum = C.lanesAdd(sum, x) }
                            o += 8
                        }
                    } else if s == 2 {
                        // Outputs o..<o+8 read columns 2o+shift … 2o+shift+14: one 16-wide load
                        // (its last column must still lie inside the row) and the even lanes.
                        while o + 8 <= end && 2 * o + shift + 16 <= window.rowLength {
                            let x = poolingLoad16(source + 2 * o + shift).evenHalf
                            poolingStore(Q.combine(poolingLoad8(out + o), x), to: out + o)
                            if notes { sum = C.lanesAdd(sum, x) }
                            o += 8
                        }
                    }
                    while o < end {
                        out[o] = Q.combine(out[o], source[o * s + shift])
                        if notes { sum[0] += source[o * s + shift] }
                        o += 1
                    }
                }
            }
        }
        if Q.needsFinish {
            let dh = (window.d1 - window.d0) * (window.h1 - window.h0)
            for o in 0..<ow { out[o] = Q.finish(out[o], count: dh * widthCount[o]) }
        }
    }
}
