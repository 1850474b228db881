import Testing
import KerasJSON
@testable import KerasLayers

struct PoolingGlobalCase: Sendable, CustomTestStringConvertible {
    var isMax: Bool
    var rank: Int
    var format: DataFormat
    var keepdims: Bool

    var className: String { "Global\(isMax ? "Max" : "Average")Pooling\(rank)D" }
    var testDescription: String { "\(className)(data_format=\(format.rawValue), keepdims=\(keepdims))" }

    func layer() throws(KerasLayerError) -> any KerasLayer {
        try poolingLayer(className, #"{"name": "g", "data_format": "\#(format.rawValue)", "keepdims": \#(keepdims)}"#)
    }

    static let all: [PoolingGlobalCase] = [true, false].flatMap { isMax in
        [1, 2, 3].flatMap { rank in
            [DataFormat.channelsLast, .channelsFirst].flatMap { format in
                [false, true].map { PoolingGlobalCase(isMax: isMax, rank: rank, format: format, keepdims: $0) }
            }
        }
    }
}

@Suite("Pooling: global pooling")
struct PoolingGlobalTests {
    @Test("shape (keepdims) and equality with pooling over the whole map", arguments: PoolingGlobalCase.all)
    func wholeMap(_ c: PoolingGlobalCase) throws {
        let spatial = Array([5, 4, 3].prefix(c.rank))
        for channels in [1, 7, 40, 300] {
            let channelsLast = poolingRandomTensor([3] + spatial + [channels], seed: UInt64(channels * 10 + c.rank))
            let x = c.format == .channelsLast ? channelsLast : poolingToChannelsFirst(channelsLast)
            let layer = try c.layer()
            let y = try layer(x)
            let ones = [Int](repeating: 1, count: c.rank)
            let expectedShape =
                c.keepdims
                ? (c.format == .channelsLast ? [3] + ones + [channels] : [3, channels] + ones)
                : [3, channels]
            #expect(y.shape == expectedShape, "output shape with \(channels) channels")
            // The whole-map pooling, computed naively on the channels_last data: (3, 1…1, C).
            let whole = poolingReference(channelsLast, pool: spatial, strides: spatial, same: false, max: c.isMax)
            let flat = try y.reshaped([3, channels])
            let wholeFlat = try whole.reshaped([3, channels])
            if c.isMax {
                #expect(poolingIdentical(flat, wholeFlat), "max over the map, \(channels) channels")
            } else {
                let bad = poolingFirstMismatch(flat, wholeFlat)
                #expect(bad == nil, "mean over the map, \(channels) channels, index \(bad ?? 0)")
            }
            // And equal to the layer's own window pooling with pool_size = the map.
            let poolLayer = try poolingLayer(
                "\(c.isMax ? "Max" : "Average")Pooling\(c.rank)D",
                #"{"pool_size": \#(poolingJSONList(spatial)), "data_format": "\#(c.format.rawValue)"}"#)
            let pooled = try poolLayer(x).reshaped([3, channels])
            if c.isMax || c.format == .channelsLast {
                // Same summation order (spatial positions in order) for channels_last means.
                #expect(poolingIdentical(flat, pooled), "global vs window pooling over the whole map")
            } else {
                #expect(poolingFirstMismatch(flat, pooled) == nil, "global vs window pooling over the whole map")
            }
        }
    }

    @Test("typed initializers: defaults and properties")
    func typed() throws {
        let g = GlobalAveragePooling2D()
        #expect(g.dataFormat == .channelsLast && !g.keepdims && g.name == "global_average_pooling2d")
        let k = GlobalMaxPooling3D(dataFormat: .channelsFirst, keepdims: true)
        #expect(try k(Tensor(repeating: 2, shape: [2, 3, 4, 5, 6])).shape == [2, 3, 1, 1, 1])
        #expect(try k.outputShape(forInputShape: [2, 3, 4, 5, 6]) == [2, 3, 1, 1, 1])
        #expect(try GlobalMaxPooling1D().outputShape(forInputShape: [2, 9, 4]) == [2, 4])
        let alias = try poolingLayer("GlobalAvgPool1D", "{}")
        #expect(alias is GlobalAveragePooling1D)
    }

    @Test("NaN: global max and mean both give NaN for a map holding NaN")
    func nan() throws {
        var x = poolingRandomTensor([2, 4, 4, 3], seed: 1)
        x[flat: 5] = .nan  // batch 0, channel 2
        let m = try GlobalMaxPooling2D()(x)
        let a = try GlobalAveragePooling2D()(x)
        #expect(m.scalars[2].isNaN && a.scalars[2].isNaN)
        #expect(!m.scalars[0].isNaN && !m.scalars[3].isNaN && !a.scalars[4].isNaN)
        let cf = try GlobalMaxPooling2D(dataFormat: .channelsFirst)(poolingToChannelsFirst(x))
        #expect(poolingIdentical(cf, m))
        let inf = try GlobalMaxPooling1D()(Tensor(repeating: -.infinity, shape: [1, 3, 2]))
        #expect(inf.scalars == [-.infinity, -.infinity])
    }

    @Test("zero spatial positions: the mean is NaN (0/0), the max is an error")
    func emptyMap() throws {
        let mean = try GlobalAveragePooling1D()(Tensor(repeating: 0, shape: [2, 0, 3]))
        let allNaN = mean.scalars.allSatisfy { $0.isNaN }
        #expect(mean.shape == [2, 3] && allNaN)
        let error = poolingError { _ = try GlobalMaxPooling1D()(Tensor(repeating: 0, shape: [2, 0, 3])) }
        #expect(poolingInputErrorMessage(error) != nil)
    }
}

@Suite("Pooling: GlobalAveragePooling1D masks")
struct PoolingMaskTests {
    static let mask = try! Tensor<UInt8>(
        shape: [3, 6],
        scalars: [
            1, 1, 0, 1, 0, 0,
            0, 0, 0, 0, 0, 0,
            1, 1, 1, 1, 1, 1,
        ])

    /// Keras 3.15.1's formula in Double: `sum(where(m, x, 0), steps) / sum(m, steps)`, the
    /// numerator over the mask broadcast to the steps, the divisor over the mask as it is.
    static func expected(_ x: Tensor<Float>, mask: Tensor<UInt8>) -> [Float] {
        let (batch, steps, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let (maskBatch, maskSteps) = (mask.shape[0], mask.shape[1])
        func m(_ b: Int, _ s: Int) -> Bool { mask.scalars[(maskBatch == 1 ? 0 : b) * maskSteps + (maskSteps == 1 ? 0 : s)] != 0 }
        var result: [Float] = []
        for b in 0..<batch {
            let divisor = Double((0..<maskSteps).filter { m(b, $0) }.count)
            for c in 0..<channels {
                var sum = 0.0
                for s in 0..<steps where m(b, s) { sum += Double(x.scalars[(b * steps + s) * channels + c]) }
                result.append(Float(sum / divisor))
            }
        }
        return result
    }

    @Test("mean over unmasked steps; a fully masked row is NaN", arguments: [1, 5, 8, 19])
    func maskedMean(channels: Int) throws {
        let x = poolingRandomTensor([3, 6, channels], seed: UInt64(channels))
        let y = try GlobalAveragePooling1D()(x, mask: Self.mask)
        let expected = try Tensor(shape: [3, channels], scalars: Self.expected(x, mask: Self.mask))
        #expect(y.shape == [3, channels])
        #expect(poolingFirstMismatch(y, expected) == nil)
        let maskedRowNaN = y.scalars[channels..<(2 * channels)].allSatisfy { $0.isNaN }
        #expect(maskedRowNaN, "the all-masked row must be NaN (0/0)")
        #expect(!y.scalars[0].isNaN && !y.scalars[2 * channels].isNaN)
        // An all-ones mask is the plain mean.
        let ones = try Tensor<UInt8>(repeating: 1, shape: [3, 6])
        #expect(poolingFirstMismatch(try GlobalAveragePooling1D()(x, mask: ones), try GlobalAveragePooling1D()(x)) == nil)
    }

    @Test("channels_first: the mask runs along the steps axis (axis 2)")
    func channelsFirst() throws {
        let x = poolingRandomTensor([3, 6, 4], seed: 3)
        let expected = try GlobalAveragePooling1D()(x, mask: Self.mask)
        let y = try GlobalAveragePooling1D(dataFormat: .channelsFirst)(poolingToChannelsFirst(x), mask: Self.mask)
        #expect(y.shape == [3, 4])
        #expect(poolingFirstMismatch(y, expected) == nil)
        let keep = try GlobalAveragePooling1D(dataFormat: .channelsFirst, keepdims: true)(poolingToChannelsFirst(x), mask: Self.mask)
        #expect(keep.shape == [3, 4, 1])
    }

    @Test("NaN at masked steps does not leak into the mean; keepdims; nonzero bytes mean keep")
    func maskedNaN() throws {
        var x = poolingRandomTensor([3, 6, 2], seed: 4)
        x[flat: 2 * 2] = .nan  // batch 0, step 2 (masked)
        x[flat: (1 * 6 + 3) * 2] = .nan  // batch 1, step 3 (masked)
        var mask = Self.mask
        mask[flat: 0] = 7
        let y = try GlobalAveragePooling1D(keepdims: true)(x, mask: mask)
        #expect(y.shape == [3, 1, 2])
        #expect(!y.scalars[0].isNaN && !y.scalars[1].isNaN)
        let expected = try Tensor(shape: [3, 1, 2], scalars: Self.expected(x, mask: Self.mask))
        #expect(poolingFirstMismatch(y, expected) == nil)
    }

    @Test("a (1, steps) mask broadcasts over the batch, as in Keras")
    func broadcast() throws {
        let x = poolingRandomTensor([3, 6, 5], seed: 8)
        let row = try Tensor<UInt8>(shape: [1, 6], scalars: [0, 1, 1, 0, 1, 0])
        let y = try GlobalAveragePooling1D()(x, mask: row)
        let expected = try Tensor(shape: [3, 5], scalars: Self.expected(x, mask: row))
        #expect(poolingFirstMismatch(y, expected) == nil)
    }

    /// Keras 3.15.1 on TensorFlow 2.21.0 and on JAX 0.10.2 (identical), `GlobalAveragePooling1D()(x, mask=m)`
    /// for x = arange(24).reshape(2, 4, 3) (channels_first: the same x transposed to (2, 3, 4)).
    static let kerasBroadcastResults: [(mask: [[UInt8]], output: [[Float]])] = [
        ([[1], [0]], [[18, 22, 26], [.nan, .nan, .nan]]),
        ([[1, 1, 0, 1]], [[4, 5, 6], [16, 17, 18]]),
        ([[1]], [[18, 22, 26], [66, 70, 74]]),
    ]

    @Test(
        "a mask broadcast along the steps divides by the unbroadcast mask's sum, as Keras does (issue 10, finding 2)",
        arguments: [DataFormat.channelsLast, .channelsFirst])
    func broadcastSteps(_ format: DataFormat) throws {
        let x = try Tensor(shape: [2, 4, 3], scalars: (0..<24).map(Float.init))
        let input = format == .channelsLast ? x : poolingToChannelsFirst(x)
        for (bits, output) in Self.kerasBroadcastResults {
            let mask = try Tensor(shape: [bits.count, bits[0].count], scalars: bits.flatMap { $0 })
            let y = try GlobalAveragePooling1D(dataFormat: format)(input, mask: mask)
            let expected = try Tensor(shape: [2, 3], scalars: output.flatMap { $0 })
            #expect(poolingFirstMismatch(y, expected) == nil, "mask \(bits): \(y.scalars), Keras gives \(expected.scalars)")
            #expect(poolingFirstMismatch(y, try Tensor(shape: [2, 3], scalars: Self.expected(x, mask: mask))) == nil)
        }
        // A random (batch, 1) mask on random data against Keras's formula.
        let r = poolingRandomTensor([3, 6, 5], seed: 12)
        let column = try Tensor<UInt8>(shape: [3, 1], scalars: [1, 0, 1])
        let y = try GlobalAveragePooling1D(dataFormat: format)(format == .channelsLast ? r : poolingToChannelsFirst(r), mask: column)
        #expect(poolingFirstMismatch(y, try Tensor(shape: [3, 5], scalars: Self.expected(r, mask: column))) == nil)
    }

    @Test("layers whose Keras call takes no mask ignore it")
    func ignoredMasks() throws {
        let x = poolingRandomTensor([3, 6, 4], seed: 9)
        #expect(poolingIdentical(try GlobalMaxPooling1D()(x, mask: Self.mask), try GlobalMaxPooling1D()(x)))
        #expect(poolingIdentical(try MaxPooling1D()(x, mask: Self.mask), try MaxPooling1D()(x)))
        #expect(poolingIdentical(try AveragePooling1D(poolSize: 2)(x, mask: Self.mask), try AveragePooling1D(poolSize: 2)(x)))
    }

    @Test(
        "a mask of the wrong shape is an error naming the mask",
        arguments: [[3, 5], [2, 6], [3, 6, 1], [18]])
    func wrongShape(_ shape: [Int]) throws {
        let x = poolingRandomTensor([3, 6, 4], seed: 2)
        let mask = try Tensor<UInt8>(repeating: 1, shape: shape)
        let error = poolingError { _ = try GlobalAveragePooling1D()(x, mask: mask) }
        let message = poolingInputErrorMessage(error)
        #expect(message?.contains("`mask`") == true, "\(String(describing: error))")
        // channels_first: (batch, steps) = (3, 4) for input (3, 6, 4).
        let cfError = poolingError { _ = try GlobalAveragePooling1D(dataFormat: .channelsFirst)(x, mask: Self.mask) }
        #expect(poolingInputErrorMessage(cfError)?.contains("`mask`") == true)
    }
}

@Suite("Pooling: adaptive pooling")
struct PoolingAdaptiveTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var spatial: [Int]
        var output: [Int]
        var channels: Int
        var testDescription: String { "spatial \(spatial) → \(output), \(channels) channels" }
    }

    static let cases: [Case] = [
        Case(spatial: [10], output: [4], channels: 3), Case(spatial: [5], output: [3], channels: 1),
        Case(spatial: [3], output: [5], channels: 17), Case(spatial: [7], output: [7], channels: 2),
        Case(spatial: [9], output: [1], channels: 4), Case(spatial: [1], output: [3], channels: 40),
        Case(spatial: [9, 7], output: [4, 5], channels: 3), Case(spatial: [5, 5], output: [7, 7], channels: 8),
        Case(spatial: [13, 17], output: [5, 3], channels: 70), Case(spatial: [4, 6], output: [6, 4], channels: 33),
        Case(spatial: [5, 6], output: [1, 1], channels: 3), Case(spatial: [5, 6], output: [5, 6], channels: 3),
        Case(spatial: [6, 5, 7], output: [3, 2, 4], channels: 4), Case(spatial: [3, 4, 5], output: [4, 7, 3], channels: 9),
    ]

    @Test("values against a naive reference; channels_first = transpose", arguments: cases)
    func reference(_ c: Case) throws {
        let rank = c.spatial.count
        let x = poolingRandomTensor([2] + c.spatial + [c.channels], seed: UInt64(c.spatial.reduce(1, *) + c.channels))
        for isMax in [true, false] {
            let name = "Adaptive\(isMax ? "Max" : "Average")Pooling\(rank)D"
            let layer = try poolingLayer(name, #"{"output_size": \#(poolingJSONList(c.output)), "data_format": "channels_last"}"#)
            let y = try layer(x)
            #expect(y.shape == [2] + c.output + [c.channels], "\(name) shape")
            let reference = poolingAdaptiveReference(x, outputSize: c.output, max: isMax)
            if isMax {
                #expect(poolingIdentical(y, reference), "\(name)")
            } else {
                let bad = poolingFirstMismatch(y, reference)
                #expect(bad == nil, "\(name) differs at \(bad ?? 0)")
            }
            let first = try poolingLayer(name, #"{"output_size": \#(poolingJSONList(c.output)), "data_format": "channels_first"}"#)
            let yFirst = try first(poolingToChannelsFirst(x))
            #expect(yFirst.shape == [2, c.channels] + c.output, "\(name) channels_first shape")
            #expect(poolingFirstMismatch(poolingToChannelsLast(yFirst), y, rtol: 0, atol: 0) == nil, "\(name) channels_first")
        }
    }

    @Test("Keras's windows: [⌊i·n/out⌋, ⌈(i+1)·n/out⌉) of length ⌈n/out⌉ or ⌈n/out⌉+1, covering the axis")
    func windows() {
        for n in 1...40 {
            for out in 1...40 {
                let small = (n + out - 1) / out
                var previousStart = 0
                for i in 0..<out {
                    let (start, end) = PoolingGeometry.adaptiveWindow(i, inputSize: n, outputSize: out)
                    let reference = poolingAdaptiveRange(i, n: n, out: out)
                    #expect(start == reference.lowerBound && end == reference.upperBound, "n=\(n) out=\(out) i=\(i)")
                    #expect(end - start == small || end - start == small + 1, "n=\(n) out=\(out) i=\(i): length \(end - start)")
                    #expect(start >= previousStart && end <= n)
                    if i == 0 { #expect(start == 0) }
                    if i == out - 1 { #expect(end == n) }
                    previousStart = start
                }
            }
        }
    }

    @Test("average is computed one axis at a time, as Keras does (mean of means)")
    func separableMean() throws {
        // 3 → 2 on each axis: windows [0, 2) and [1, 3); every output is the mean of a 2×2 box.
        let x = try Tensor<Float>(shape: [1, 3, 3, 1], scalars: [1, 2, 4, 8, 16, 32, 64, 128, 256])
        let y = try AdaptiveAveragePooling2D(outputSize: 2)(x)
        let expected: [Float] = [27.0 / 4, 54.0 / 4, 216.0 / 4, 432.0 / 4]  // means of the four 2×2 boxes
        #expect(y.scalars == expected)
        let m = try AdaptiveMaxPooling2D(outputSize: [2, 1])(x)
        #expect(m.scalars == [Float(32), 256])
    }

    @Test("typed initializers and config forms (int or list)")
    func typed() throws {
        let a = try AdaptiveAveragePooling3D(outputSize: 2)
        #expect(a.outputSize == [2, 2, 2] && a.dataFormat == .channelsLast && a.name == "adaptive_average_pooling3d")
        let b = try AdaptiveMaxPooling2D(config: LayerConfig(layer: "AdaptiveMaxPooling2D", json: #"{"output_size": [3, 1], "data_format": "channels_first"}"#))
        #expect(b.outputSize == [3, 1] && b.dataFormat == .channelsFirst)
        let c = try AdaptiveMaxPooling1D(config: LayerConfig(layer: "AdaptiveMaxPooling1D", json: #"{"output_size": 4, "data_format": ""}"#))
        #expect(c.outputSize == [4] && c.dataFormat == .channelsLast)
        #expect(try b.outputShape(forInputShape: [2, 5, 9, 9]) == [2, 5, 3, 1])
    }

    @Test("NaN propagates through adaptive max")
    func nan() throws {
        var x = poolingRandomTensor([1, 8, 9, 3], seed: 12)
        x[flat: 3 * 9 * 3 + 4 * 3 + 1] = .nan
        let y = try AdaptiveMaxPooling2D(outputSize: 3)(x)
        #expect(poolingIdentical(y, poolingAdaptiveReference(x, outputSize: [3, 3], max: true)))
        #expect(y.scalars.contains { $0.isNaN })
    }
}
