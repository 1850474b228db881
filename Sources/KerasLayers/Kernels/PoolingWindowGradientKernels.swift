/// One spatial axis of a pooling, seen by the backward kernels: output `o` reads the input
/// positions `box(o)`, either a sliding window clipped to the input (`PoolingAxis.window`) or
/// adaptive pooling's window (`PoolingGeometry.adaptiveWindow`). The geometry is the forward
/// pass's; this type only lets one kernel walk both.
struct PoolingBoxAxis: Sendable, Equatable {
    enum Rule: Sendable, Equatable {
        case sliding(PoolingAxis)
        case adaptive
    }

    let inputSize: Int
    let outputSize: Int
    let rule: Rule

    static func sliding(_ axis: PoolingAxis) -> PoolingBoxAxis {
        PoolingBoxAxis(inputSize: axis.inputSize, outputSize: axis.outputSize, rule: .sliding(axis))
    }

    static func adaptive(inputSize: Int, outputSize: Int) -> PoolingBoxAxis {
        PoolingBoxAxis(inputSize: inputSize, outputSize: outputSize, rule: .adaptive)
    }

    /// A size-1 axis that fills the unused leading axes of 1-D and 2-D pooling.
    static let trivial = PoolingBoxAxis.sliding(.trivial)

    /// Whether the boxes cut the input into consecutive disjoint pieces that cover it (e.g. a
    /// window equal to its stride that divides the size, without padding): then every input
    /// position is in exactly one box.
    var partitionsInput: Bool {
        var next = 0
        for o in 0..<outputSize {
            let (lower, upper) = box(o)
            guard lower == next, upper > lower else { return false }
            next = upper
        }
        return next == inputSize
    }

    /// The input positions `lower..<upper` output `o` reads.
    @inline(__always)
    func box(_ o: Int) -> (lower: Int, upper: Int) {
        switch rule {
        case .sliding(let axis): return axis.window(o)
        case .adaptive:
            let window = PoolingGeometry.adaptiveWindow(o, inputSize: inputSize, outputSize: outputSize)
            return (window.start, window.end)
        }
    }
}

/// Which element of a box takes the gradient of a maximum when several hold it.
enum PoolingArgmaxOrder: Sendable, Equatable {
    /// The first in row-major box order (d, then h, then w): `MaxPooling` on both backends
    /// (TF's `MaxPoolGrad`, XLA's `select_and_scatter_add` with `ge`).
    case rowMajor
    /// The smallest w, then h, then d: adaptive max pooling, which Keras runs as one
    /// stride-1 max pool per axis (depth, height, width); each backward pass routes to the
    /// first maximum along its axis, the width pass first.
    case lastAxisFirst
}

/// The backward passes of window and adaptive pooling over `[planes, D, H, W, channels]`
/// (channels_last: planes = batch; channels_first: planes = batch × channels, channels = 1),
/// on contiguous buffers of any floating-point storage type.
///
/// Work is split into units of one plane and one block of at most `channelBlock` channels;
/// units write disjoint gradient elements, so they run in parallel without locks. Within a
/// unit, outputs are visited in row-major order and add into the gradient in that order.
///
/// The kernels are inlined into their callers (`@inline(__always)`), which pass constants
/// such as `order`: left as calls from the layers' generic backward passes, the per-output
/// setup took up to 0.7% more instructions than inlined (callgrind, float32).
enum PoolingWindowGradientKernels {
    static let channelBlock = 64

    /// The number of units and the channels per unit block: at most `channelBlock`
    /// channels, and blocks of down to 8 channels when there are too few planes to give every
    /// core two units.
    static func units(planes: Int, channels: Int) -> (count: Int, block: Int) {
        var block = Swift.min(channels, channelBlock)
        let wanted = 2 * ProcessInfoCores.activeCount
        if planes < wanted {
            let split = (wanted + planes - 1) / Swift.max(planes, 1)
            block = Swift.min(block, Swift.max(Swift.min(8, channels), ((channels + split - 1) / split + 7) / 8 * 8))
        }
        block = Swift.max(1, block)
        let blocks = (channels + block - 1) / block
        return (planes * blocks, block)
    }

    /// Scratch elements (one value and one position per channel of a block, per parallel
    /// piece) the kernels allocate: an upper bound for `MemoryBudget`.
    static func scratchCount(planes: Int, channels: Int) -> Int {
        let (count, block) = units(planes: planes, channels: channels)
        return Swift.min(count, 4 * ProcessInfoCores.activeCount) * block
    }

    /// Max pooling's vector-Jacobian product: every output's upstream value goes to the
    /// element of its box holding the maximum,
    ///
    ///     dx[p, i, c] = Σ_{o : i = argmax_{j ∈ box(o)} x[p, j, c]} dy[p, o, c],
    ///
    /// the argmax chosen as the forward max reducer folds (`MaxPoolingReducer`): a later
    /// element replaces the running maximum when it is larger or NaN, so among equal maxima
    /// the first in `order` wins. `gradient` (planes × D × H × W × channels elements) is
    /// overwritten.
    @inline(__always)
    static func maxGradient<T: BinaryFloatingPoint>(
        input: UnsafePointer<T>, upstream: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>,
        planes: Int, channels: Int, d: PoolingBoxAxis, h: PoolingBoxAxis, w: PoolingBoxAxis, order: PoolingArgmaxOrder
    ) {
        // Positions within a plane, 32-bit when they fit (the select then runs at the float's width).
        if d.inputSize * h.inputSize * w.inputSize <= Int(Int32.max) {
            maxGradient(
                Int32.self, input: input, upstream: upstream, gradient: gradient, planes: planes, channels: channels, d: d, h: h, w: w,
                order: order)
        } else {
            maxGradient(
                Int.self, input: input, upstream: upstream, gradient: gradient, planes: planes, channels: channels, d: d, h: h, w: w,
                order: order)
        }
    }

    @inline(__always)
    private static func maxGradient<T: BinaryFloatingPoint, Position: FixedWidthInteger>(
        _: Position.Type,
        input: UnsafePointer<T>, upstream: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>,
        planes: Int, channels: Int, d: PoolingBoxAxis, h: PoolingBoxAxis, w: PoolingBoxAxis, order: PoolingArgmaxOrder
    ) {
        let pixels = d.inputSize * h.inputSize * w.inputSize
        let outPixels = d.outputSize * h.outputSize * w.outputSize
        gradient.update(repeating: 0, count: planes * pixels * channels)
        let (unitCount, block) = units(planes: planes, channels: channels)
        let blocks = unitCount / Swift.max(planes, 1)
        // Pixel strides of the box axes, outermost first, in the scan `order`.
        let strideD = h.inputSize * w.inputSize, strideH = w.inputSize
        parallelChunks(count: unitCount, work: planes * outPixels * channels * 4, chunksPerThread: 4) { range in
            var best = [T](repeating: 0, count: block)
            var position = [Position](repeating: 0, count: block)
            best.withUnsafeMutableBufferPointer { bestBuffer in
                position.withUnsafeMutableBufferPointer { positionBuffer in
                    let best = bestBuffer.baseAddress!, position = positionBuffer.baseAddress!
                    for unit in range {
                        let p = unit / blocks
                        let c0 = (unit % blocks) * block
                        let width = Swift.min(channels, c0 + block) - c0
                        let x = input + p * pixels * channels + c0
                        let dx = gradient + p * pixels * channels + c0
                        var dy = upstream + p * outPixels * channels + c0
                        for od in 0..<d.outputSize {
                            let (d0, d1) = d.box(od)
                            for oh in 0..<h.outputSize {
                                let (h0, h1) = h.box(oh)
                                for ow in 0..<w.outputSize {
                                    let (w0, w1) = w.box(ow)
                                    let first = d0 * strideD + h0 * strideH + w0
                                    let outer, middle, inner: (count: Int, stride: Int)
                                    switch order {
                                    case .rowMajor: (outer, middle, inner) = ((d1 - d0, strideD), (h1 - h0, strideH), (w1 - w0, 1))
                                    case .lastAxisFirst: (outer, middle, inner) = ((w1 - w0, 1), (h1 - h0, strideH), (d1 - d0, strideD))
                                    }
                                    let box = PoolingScan(first: first, outer: outer, middle: middle, inner: inner)
                                    var start = 0
                                    if T.self == Float.self, Position.self == Int32.self {
                                        start = routeFloatChunks(
                                            input: UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                                            upstream: UnsafeRawPointer(dy).assumingMemoryBound(to: Float.self),
                                            gradient: UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Float.self),
                                            channels: channels, width: width, box: box)
                                    }
                                    guard start < width else {
                                        dy += channels
                                        continue
                                    }
                                    for c in start..<width {
                                        best[c] = x[first * channels + c]
                                        position[c] = Position(first)
                                    }
                                    box.forEachPixel { pixel in
                                        let row = x + pixel * channels
                                        let here = Position(truncatingIfNeeded: pixel)
                                        for c in start..<width {
                                            let v = row[c], m = best[c]
                                            let take = v > m || v != v
                                            best[c] = take ? v : m
                                            position[c] = take ? here : position[c]
                                        }
                                    }
                                    for c in start..<width { dx[Int(position[c]) * channels + c] += dy[c] }
                                    dy += channels
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The float32 fast path of `maxGradient` for one output: the channels in chunks of 8,
    /// each folding the whole box in registers (running maximum and its pixel, selected as
    /// there), then adding dy at the chosen pixels. Returns the first channel it left to the
    /// scalar path (fewer than 8 remain). Positions must fit in 32 bits (checked by the caller).
    @inline(__always)
    private static func routeFloatChunks(
        input x: UnsafePointer<Float>, upstream dy: UnsafePointer<Float>, gradient dx: UnsafeMutablePointer<Float>,
        channels: Int, width: Int, box: PoolingScan
    ) -> Int {
        var c = 0
        while c + 8 <= width {
            var best = poolingLoad8(x + box.first * channels + c)
            var position = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: box.first))
            box.forEachPixel { pixel in
                let v = poolingLoad8(x + pixel * channels + c)
                let take = (v .> best) .| (v .!= v)
                best.replace(with: v, where: take)
                position.replace(with: SIMD8(repeating: Int32(truncatingIfNeeded: pixel)), where: take)
            }
            for lane in 0..<8 { dx[Int(position[lane]) * channels + c + lane] += dy[c + lane] }
            c += 8
        }
        return c
    }

    /// Average pooling's vector-Jacobian product: every output's upstream value, divided by
    /// the number of elements its box holds (the forward divisor: real elements only, padding
    /// excluded), is added to each of them,
    ///
    ///     dx[p, i, c] = Σ_{o : i ∈ box(o)} dy[p, o, c] / |box(o)|,
    ///
    /// in float arithmetic as the backends do it (one division per output, then the sums).
    /// For adaptive pooling |box(o)| = Π_k |W_k(o_k)|, the divisor of the separable means.
    /// `gradient` is overwritten. When the boxes partition the input along every axis, each
    /// element receives exactly one share, which is stored, not added to a zeroed buffer
    /// (one write of the gradient instead of a fill, a read and a write).
    @inline(__always)
    static func averageGradient<T: ComputeScalar>(
        upstream: UnsafePointer<T>, gradient: UnsafeMutablePointer<T>,
        planes: Int, channels: Int, d: PoolingBoxAxis, h: PoolingBoxAxis, w: PoolingBoxAxis
    ) {
        let pixels = d.inputSize * h.inputSize * w.inputSize
        let outPixels = d.outputSize * h.outputSize * w.outputSize
        let partition = d.partitionsInput && h.partitionsInput && w.partitionsInput
        if !partition { gradient.update(repeating: 0, count: planes * pixels * channels) }
        let (unitCount, block) = units(planes: planes, channels: channels)
        let blocks = unitCount / Swift.max(planes, 1)
        parallelChunks(count: unitCount, work: planes * outPixels * channels * 4, chunksPerThread: 4) { range in
            var share = [T](repeating: 0, count: block)
            share.withUnsafeMutableBufferPointer { share in
                for unit in range {
                    let p = unit / blocks
                    let c0 = (unit % blocks) * block
                    let width = Swift.min(channels, c0 + block) - c0
                    let dx = gradient + p * pixels * channels + c0
                    var dy = upstream + p * outPixels * channels + c0
                    for od in 0..<d.outputSize {
                        let (d0, d1) = d.box(od)
                        for oh in 0..<h.outputSize {
                            let (h0, h1) = h.box(oh)
                            for ow in 0..<w.outputSize {
                                let (w0, w1) = w.box(ow)
                                let count = T((d1 - d0) * (h1 - h0) * (w1 - w0))
                                for c in 0..<width { share[c] = dy[c] / count }
                                for dd in d0..<d1 {
                                    for hh in h0..<h1 {
                                        var row = dx + ((dd * h.inputSize + hh) * w.inputSize + w0) * channels
                                        for _ in w0..<w1 {
                                            if partition {
                                                storeShares(share.baseAddress!, width, to: row)
                                            } else {
                                                for c in 0..<width { row[c] += share[c] }
                                            }
                                            row += channels
                                        }
                                    }
                                }
                                dy += channels
                            }
                        }
                    }
                }
            }
        }
    }
}

extension PoolingWindowGradientKernels {
    /// `row[0..<width] = share[0..<width]`: a gradient element written once and not read
    /// again soon, so it goes out eight lanes at a time with `storeFinal` (float32: streaming
    /// stores where 16-byte aligned, fenced by `parallelChunks`), which skips the read for
    /// ownership of every gradient line (the average pooling backward pass of
    /// `avgpool2d_2x2_grad` wrote its 25.7 MB gradient with plain stores, reading it first).
    @inline(__always)
    static func storeShares<T: ComputeScalar>(_ share: UnsafeMutablePointer<T>, _ width: Int, to row: UnsafeMutablePointer<T>) {
        var c = 0
        while c + 8 <= width {
            T.storeFinal(UnsafeRawPointer(share + c).loadUnaligned(as: SIMD8<T>.self), to: row + c)
            c += 8
        }
        while c < width {
            row[c] = share[c]
            c += 1
        }
    }
}

/// The pixels of one pooling box in a scan order: `first`, then three nested axes (outermost
/// first) of `count` steps of `stride` pixels.
struct PoolingScan {
    var first: Int
    var outer: (count: Int, stride: Int)
    var middle: (count: Int, stride: Int)
    var inner: (count: Int, stride: Int)

    /// Calls `body` with every pixel of the box, in scan order.
    @inline(__always)
    func forEachPixel(_ body: (Int) -> Void) {
        for a in 0..<outer.count {
            for b in 0..<middle.count {
                var pixel = first + a * outer.stride + b * middle.stride
                for _ in 0..<inner.count {
                    body(pixel)
                    pixel += inner.stride
                }
            }
        }
    }
}
