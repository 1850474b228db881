import Testing
import KerasJSON
@testable import KerasLayers

/// One MaxPooling / AveragePooling configuration and input size.
struct PoolingWindowCase: Sendable, CustomTestStringConvertible {
    var isMax: Bool
    var spatial: [Int]
    var pool: [Int]
    var strides: [Int]?
    var same: Bool
    var channels: Int
    var batch = 2

    var rank: Int { pool.count }
    var className: String { "\(isMax ? "Max" : "Average")Pooling\(rank)D" }
    var effectiveStrides: [Int] { strides ?? pool }
    var padding: String { same ? "same" : "valid" }

    var testDescription: String {
        "\(className)(pool_size=\(pool), strides=\(strides.map { "\($0)" } ?? "None"), padding=\(padding)) on spatial \(spatial) × \(channels) channels"
    }

    func config(dataFormat: String, paddingText: String? = nil) -> String {
        let strideText = strides.map(poolingJSONList) ?? "null"
        return """
            {"name": "pool", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, \
            "pool_size": \(poolingJSONList(pool)), "padding": "\(paddingText ?? padding)", "strides": \(strideText), "data_format": "\(dataFormat)"}
            """
    }

    var expectedSpatial: [Int] {
        (0..<rank).map { poolingExpectedSize(spatial[$0], pool: pool[$0], stride: effectiveStrides[$0], same: same)! }
    }

    /// The same layer through the typed Swift initializer.
    func typedLayer(_ format: DataFormat) throws(KerasLayerError) -> any KerasLayer {
        let padding: Padding = same ? .same : .valid
        switch (isMax, rank) {
        case (true, 1): return try MaxPooling1D(poolSize: pool, strides: strides, padding: padding, dataFormat: format)
        case (true, 2): return try MaxPooling2D(poolSize: pool, strides: strides, padding: padding, dataFormat: format)
        case (true, _): return try MaxPooling3D(poolSize: pool, strides: strides, padding: padding, dataFormat: format)
        case (false, 1): return try AveragePooling1D(poolSize: pool, strides: strides, padding: padding, dataFormat: format)
        case (false, 2): return try AveragePooling2D(poolSize: pool, strides: strides, padding: padding, dataFormat: format)
        case (false, _): return try AveragePooling3D(poolSize: pool, strides: strides, padding: padding, dataFormat: format)
        }
    }

    /// The sweep: every rank, both paddings, strides equal to / smaller than / larger than the
    /// pool, odd and even sizes, channel counts that exercise every vector path (1, 3, 8, 17,
    /// 33, 70 and 130 channels: scalar tails, 8- and 16-wide vectors, register and streaming
    /// kernels).
    static let sweep: [PoolingWindowCase] = {
        let channelCycle = [1, 3, 8, 17, 33, 70, 130, 5]
        var cases: [PoolingWindowCase] = []
        var n = 0
        func add(_ spatial: [Int], _ pool: [Int], _ strides: [Int]?, _ same: Bool, _ isMax: Bool) {
            let channels = channelCycle[n % channelCycle.count]
            n += 1
            cases.append(PoolingWindowCase(isMax: isMax, spatial: spatial, pool: pool, strides: strides, same: same, channels: channels))
        }
        for isMax in [true, false] {
            for same in [false, true] {
                for spatial in [[9], [10]] {
                    for pool in [[2], [3], [4]] {
                        for strides in [nil, [1], [2], [3]] as [[Int]?] { add(spatial, pool, strides, same, isMax) }
                    }
                }
                for spatial in [[7, 8], [5, 6]] {
                    for pool in [[2, 2], [3, 2], [1, 3]] {
                        for strides in [nil, [1, 1], [2, 1], [3, 2]] as [[Int]?] { add(spatial, pool, strides, same, isMax) }
                    }
                }
                for pool in [[2, 2, 2], [3, 1, 2]] {
                    for strides in [nil, [1, 2, 1], [2, 2, 3]] as [[Int]?] { add([4, 5, 6], pool, strides, same, isMax) }
                }
            }
        }
        return cases
    }()
}

@Suite("Pooling: MaxPooling / AveragePooling")
struct PoolingWindowTests {
    @Test(
        "output shape, values against a naive reference, channels_first = transpose of channels_last",
        arguments: PoolingWindowCase.sweep)
    func sweep(_ c: PoolingWindowCase) throws {
        let inputShape = [c.batch] + c.spatial + [c.channels]
        let x = poolingRandomTensor(inputShape, seed: UInt64(inputShape.reduce(7, *)) &+ UInt64(c.pool.reduce(0, +)))
        let expectedShape = [c.batch] + c.expectedSpatial + [c.channels]

        let layer = try poolingLayer(c.className, c.config(dataFormat: "channels_last"))
        let typed = try c.typedLayer(.channelsLast)
        let y = try layer(x)
        #expect(y.shape == expectedShape, "output shape")
        let yTyped = try typed(x)
        #expect(poolingIdentical(yTyped, y), "typed initializer and config give different results")

        let reference = poolingReference(x, pool: c.pool, strides: c.effectiveStrides, same: c.same, max: c.isMax)
        if c.isMax {
            #expect(poolingIdentical(y, reference), "max pooling must equal the naive window max exactly")
        } else {
            let bad = poolingFirstMismatch(y, reference)
            #expect(bad == nil, "average differs from the naive mean at flat index \(bad ?? 0)")
        }

        // channels_first: same numbers, transposed (bit for bit: same summation order).
        let firstLayer = try poolingLayer(c.className, c.config(dataFormat: "channels_first"))
        let xFirst = poolingToChannelsFirst(x)
        let yFirst = try firstLayer(xFirst)
        #expect(yFirst.shape == [c.batch, c.channels] + c.expectedSpatial, "channels_first output shape")
        #expect(poolingIdentical(poolingToChannelsLast(yFirst), y), "channels_first result is not the transpose of channels_last")
    }

    @Test("compute_output_shape agrees with the call and with Keras's formulas", arguments: PoolingWindowCase.sweep.prefix(40))
    func outputShape(_ c: PoolingWindowCase) throws {
        for format in [DataFormat.channelsLast, .channelsFirst] {
            let layer = try c.typedLayer(format)
            let shape = format == .channelsLast ? [c.batch] + c.spatial + [c.channels] : [c.batch, c.channels] + c.spatial
            let expected =
                format == .channelsLast
                ? [c.batch] + c.expectedSpatial + [c.channels] : [c.batch, c.channels] + c.expectedSpatial
            let declared: [Int]
            switch layer {
            case let l as MaxPooling1D: declared = try l.outputShape(forInputShape: shape)
            case let l as MaxPooling2D: declared = try l.outputShape(forInputShape: shape)
            case let l as MaxPooling3D: declared = try l.outputShape(forInputShape: shape)
            case let l as AveragePooling1D: declared = try l.outputShape(forInputShape: shape)
            case let l as AveragePooling2D: declared = try l.outputShape(forInputShape: shape)
            case let l as AveragePooling3D: declared = try l.outputShape(forInputShape: shape)
            default: Issue.record("unexpected layer type"); return
            }
            #expect(declared == expected, "\(format.rawValue)")
            #expect(try layer(Tensor(repeating: 0, shape: shape)).shape == expected, "\(format.rawValue) call")
        }
    }

    @Test("pool 1, stride 1 is the identity", arguments: [1, 2, 3], [false, true])
    func identity(rank: Int, same: Bool) throws {
        for isMax in [true, false] {
            for format in [DataFormat.channelsLast, .channelsFirst] {
                let c = PoolingWindowCase(
                    isMax: isMax, spatial: [Int](repeating: 5, count: rank),
                    pool: [Int](repeating: 1, count: rank), strides: nil, same: same, channels: 19)
                let x = poolingRandomTensor([2] + c.spatial + [19], seed: 11)
                let layer = try c.typedLayer(format)
                let y = try layer(x)
                #expect(poolingIdentical(x, y), "\(c.className) \(format.rawValue) padding=\(c.padding)")
            }
        }
    }

    /// If `same` padding counted padded zeros, border windows would average below the constant.
    @Test(
        "average of a constant is the constant, including same-padding borders",
        arguments: [1, 2, 3], [2, 3, 4, 5])
    func constantAverage(rank: Int, pool: Int) throws {
        for stride in 1...3 {
            for same in [true, false] {
                for format in [DataFormat.channelsLast, .channelsFirst] {
                    let c = PoolingWindowCase(
                        isMax: false, spatial: [Int](repeating: 7, count: rank),
                        pool: [Int](repeating: pool, count: rank),
                        strides: [Int](repeating: stride, count: rank), same: same, channels: 18)
                    let shape = format == .channelsLast ? [2] + c.spatial + [18] : [2, 18] + c.spatial
                    let layer = try c.typedLayer(format)
                    let y = try layer(Tensor(repeating: 3.75, shape: shape))
                    #expect(y.scalars.allSatisfy { $0 == 3.75 }, "\(c.testDescription) \(format.rawValue)")
                }
            }
        }
    }

    @Test("same padding puts the odd padding element after (TF/XLA split)")
    func samePaddingSplit() throws {
        // n = 4, k = 2, s = 1: out 4, pad_total 1 → 0 before, 1 after; window o = [o, o+2).
        let x = try Tensor<Float>(shape: [1, 4, 1], scalars: [1, 5, 2, 8])
        let y = try MaxPooling1D(poolSize: 2, strides: 1, padding: .same)(x)
        #expect(y.scalars == [5, 5, 8, 8])
        // n = 5, k = 4, s = 1: pad_total 3 → 1 before, 2 after; window o = [o−1, o+3) ∩ [0, 5):
        // means of (1,2,3), (1,2,3,4), (2,3,4,5), (3,4,5), (4,5). (2 before / 1 after would give
        // 2.5, 3, 3.5, 4, 4.5 instead.)
        let x2 = try Tensor<Float>(shape: [1, 5, 1], scalars: [1, 2, 3, 4, 5])
        let avg = try AveragePooling1D(poolSize: 4, strides: 1, padding: .same)(x2)
        #expect(avg.scalars == [2, 2.5, 3.5, 4, 4.5])
    }

    @Test("config decoding: defaults, null strides, case-insensitive padding, aliases, int pool_size")
    func configDecoding() throws {
        let m = try MaxPooling2D(
            config: LayerConfig(layer: "MaxPooling2D", json: #"{"pool_size": [3, 2], "strides": null, "padding": "SAME", "data_format": null}"#))
        #expect(m.poolSize == [3, 2])
        #expect(m.strides == [3, 2])
        #expect(m.padding == .same)
        #expect(m.dataFormat == .channelsLast)
        let d = try MaxPooling3D(config: LayerConfig(layer: "MaxPooling3D", json: "{}"))
        #expect(d.poolSize == [2, 2, 2] && d.strides == [2, 2, 2] && d.padding == .valid)
        let a = try AveragePooling1D(config: LayerConfig(layer: "AveragePooling1D", json: #"{"pool_size": 3, "strides": 2, "data_format": "Channels_First"}"#))
        #expect(a.poolSize == [3] && a.strides == [2] && a.dataFormat == .channelsFirst)
        let alias = try poolingLayer("MaxPool2D", #"{"pool_size": [2, 2]}"#)
        #expect(alias is MaxPooling2D)
        let avgAlias = try poolingLayer("AvgPool3D", #"{"pool_size": [2, 2, 2]}"#)
        #expect(avgAlias is AveragePooling3D)
        #expect(MaxPooling2D.className == "MaxPooling2D")
        #expect(try MaxPooling2D().name == "max_pooling2d")
        #expect(try AveragePooling3D(poolSize: 2).name == "average_pooling3d")
        let typed = try MaxPooling2D(poolSize: 3, strides: 2, padding: .same)
        #expect(typed.poolSize == [3, 3] && typed.strides == [2, 2])
    }

    @Test("every registered pooling class builds from its class name")
    func registry() throws {
        let names = [
            "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
            "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
            "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
            "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
            "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
        ]
        for name in names {
            let rank = Int(String(name.dropLast().last!))!
            let json = name.hasPrefix("Adaptive") ? #"{"output_size": 2}"# : #"{"pool_size": 2}"#
            let layer = try poolingLayer(name, json)
            #expect(type(of: layer).className == name)
            let y = try layer(Tensor(repeating: 1, shape: [1] + [Int](repeating: 4, count: rank) + [3]))
            #expect(y.scalars.allSatisfy { $0 == 1 }, "\(name)")
        }
    }

    @Test("max pooling with NaN and ±∞: NaN propagates, a window of −∞ stays −∞ (the JAX behaviour)")
    func nanAndInfinity() throws {
        let x = try Tensor<Float>(shape: [1, 8, 1], scalars: [1, .nan, 3, 4, .nan, -.infinity, 2, 5])
        #expect(poolingIdentical(try MaxPooling1D(poolSize: 2)(x), try Tensor<Float>(shape: [1, 4, 1], scalars: [.nan, 4, .nan, 5])))
        let slid = try MaxPooling1D(poolSize: 2, strides: 1)(x)
        #expect(poolingIdentical(slid, try Tensor<Float>(shape: [1, 7, 1], scalars: [.nan, .nan, 4, .nan, .nan, 2, 5])))
        let allInf = try MaxPooling1D(poolSize: 3, strides: 1, padding: .same)(Tensor<Float>(repeating: -.infinity, shape: [1, 4, 1]))
        #expect(allInf.scalars.allSatisfy { $0 == -.infinity })
        let avg = try AveragePooling1D(poolSize: 2)(x)
        #expect(avg.scalars[0].isNaN && avg.scalars[1] == 3.5 && avg.scalars[2].isNaN && avg.scalars[3] == 3.5)
        // +∞ and −∞ in the same rows (the NaN check's false alarm) must still give exact maxima.
        let mixed = try Tensor<Float>(shape: [1, 2, 2, 1], scalars: [.infinity, -.infinity, 1, 2])
        let mixedMax = try MaxPooling2D(poolSize: [1, 2])(mixed)
        #expect(mixedMax.scalars == [Float.infinity, 2])
    }

    @Test(
        "NaN in wide channels_last rows (vector paths) and channels_first",
        arguments: [3, 20, 64, 70, 130])
    func nanSweep(channels: Int) throws {
        var x = poolingRandomTensor([2, 6, 7, channels], seed: UInt64(channels))
        for i in stride(from: 5, to: x.count, by: 97) { x[flat: i] = .nan }
        x[flat: 1] = -.infinity
        for same in [false, true] {
            let padding: Padding = same ? .same : .valid
            let y = try MaxPooling2D(poolSize: [3, 2], strides: [2, 1], padding: padding)(x)
            let reference = poolingReference(x, pool: [3, 2], strides: [2, 1], same: same, max: true)
            #expect(poolingIdentical(y, reference), "channels_last padding=\(padding)")
            let yFirst = try MaxPooling2D(poolSize: [3, 2], strides: [2, 1], padding: padding, dataFormat: .channelsFirst)(poolingToChannelsFirst(x))
            #expect(poolingIdentical(poolingToChannelsLast(yFirst), reference), "channels_first padding=\(padding)")
        }
    }

    @Test("larger tensors: multi-threaded results equal the naive reference")
    func largeTensors() throws {
        let x = poolingRandomTensor([3, 23, 21, 40], seed: 99)
        let m = try MaxPooling2D(poolSize: 3, strides: 2, padding: .same)(x)
        #expect(poolingIdentical(m, poolingReference(x, pool: [3, 3], strides: [2, 2], same: true, max: true)))
        let a = try AveragePooling2D(poolSize: 2)(x)
        #expect(poolingFirstMismatch(a, poolingReference(x, pool: [2, 2], strides: [2, 2], same: false, max: false)) == nil)
        let x3 = poolingRandomTensor([2, 8, 9, 10, 12], seed: 5)
        let m3 = try MaxPooling3D(poolSize: 2, padding: .same)(x3)
        #expect(poolingIdentical(m3, poolingReference(x3, pool: [2, 2, 2], strides: [2, 2, 2], same: true, max: true)))
    }

    @Test("empty batch and zero channels give empty outputs")
    func emptyTensors() throws {
        #expect(try MaxPooling2D()(Tensor(repeating: 0, shape: [0, 4, 4, 3])).shape == [0, 2, 2, 3])
        #expect(try AveragePooling2D(poolSize: 2, dataFormat: .channelsFirst)(Tensor(repeating: 0, shape: [2, 0, 4, 4])).shape == [2, 0, 2, 2])
        #expect(try MaxPooling1D(padding: .same)(Tensor(repeating: 0, shape: [2, 0, 3])).shape == [2, 0, 3])
    }
}
