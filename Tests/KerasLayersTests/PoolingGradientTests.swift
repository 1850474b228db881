import Testing
import KerasJSON
@testable import KerasLayers

/// Channels_last `(batch, spatial…, channels)` as the layer's data format wants it.
private func poolingShape(batch: Int, spatial: [Int], channels: Int, format: DataFormat) -> [Int] {
    format == .channelsLast ? [batch] + spatial + [channels] : [batch, channels] + spatial
}

private let formats: [DataFormat] = [.channelsLast, .channelsFirst]

extension PoolingGradientCase {
    /// MaxPooling / AveragePooling 1-3D: valid and same, pool sizes and strides (equal,
    /// smaller, larger than the pool, different per axis), both data formats.
    static let window: [PoolingGradientCase] = {
        let spatialSizes = [[7], [5, 6], [3, 4, 5]]
        let windows: [(pool: [Int], strides: [Int]?)] = [([2], nil), ([3], [1]), ([3], [2]), ([2], [3]), ([1], [1]), ([3, 1, 2], [2, 1, 1])]
        var cases: [PoolingGradientCase] = []
        for rank in 1...3 {
            for kind in ["Max", "Average"] {
                for padding in ["valid", "same"] {
                    for format in formats {
                        for (pool, strides) in windows {
                            let poolSize = pool.count == 1 ? [Int](repeating: pool[0], count: rank) : Array(pool.prefix(rank))
                            let stride = strides.map { $0.count == 1 ? [Int](repeating: $0[0], count: rank) : Array($0.prefix(rank)) }
                            let strideJSON = stride.map(poolingJSONList) ?? "null"
                            cases.append(
                                PoolingGradientCase(
                                    className: "\(kind)Pooling\(rank)D",
                                    config:
                                        #"{"pool_size": \#(poolingJSONList(poolSize)), "strides": \#(strideJSON), "padding": "\#(padding)", "data_format": "\#(format.rawValue)"}"#,
                                    inputShape: poolingShape(batch: 2, spatial: spatialSizes[rank - 1], channels: 2, format: format)))
                        }
                    }
                }
            }
        }
        return cases
    }()

    /// GlobalMaxPooling / GlobalAveragePooling 1-3D with and without keepdims, both data formats.
    static let global: [PoolingGradientCase] = [1, 2, 3].flatMap { rank in
        ["Max", "Average"].flatMap { kind in
            formats.flatMap { format in
                [false, true].map { keepdims in
                    PoolingGradientCase(
                        className: "Global\(kind)Pooling\(rank)D",
                        config: #"{"data_format": "\#(format.rawValue)", "keepdims": \#(keepdims)}"#,
                        inputShape: poolingShape(batch: 2, spatial: Array([4, 3, 2].prefix(rank)), channels: 3, format: format))
                }
            }
        }
    }

    /// GlobalAveragePooling1D with masks that match and that broadcast (Keras's divisor quirk).
    static let masked: [PoolingGradientCase] = [[3, 5], [3, 1], [1, 5], [1, 1]].flatMap { maskShape in
        formats.flatMap { format in
            [false, true].map { keepdims in
                PoolingGradientCase(
                    className: "GlobalAveragePooling1D",
                    config: #"{"data_format": "\#(format.rawValue)", "keepdims": \#(keepdims)}"#,
                    inputShape: poolingShape(batch: 3, spatial: [5], channels: 2, format: format), maskShape: maskShape)
            }
        }
    }

    /// AdaptiveMaxPooling / AdaptiveAveragePooling 1-3D: output sizes smaller than, equal to
    /// and larger than the input (overlapping and repeated windows), both data formats.
    static let adaptive: [PoolingGradientCase] = {
        let spatialSizes = [[7], [5, 6], [3, 4, 5]]
        let outputs = [[[3], [7], [10], [1]], [[2, 4], [5, 6], [7, 3]], [[2, 3, 2], [3, 4, 5], [4, 2, 7]]]
        var cases: [PoolingGradientCase] = []
        for rank in 1...3 {
            for kind in ["Max", "Average"] {
                for format in formats {
                    for output in outputs[rank - 1] {
                        cases.append(
                            PoolingGradientCase(
                                className: "Adaptive\(kind)Pooling\(rank)D",
                                config: #"{"output_size": \#(poolingJSONList(output)), "data_format": "\#(format.rawValue)"}"#,
                                inputShape: poolingShape(batch: 2, spatial: spatialSizes[rank - 1], channels: 2, format: format)))
                    }
                }
            }
        }
        return cases
    }()
}

@Suite("Pooling: gradients (vector-Jacobian products)")
struct PoolingGradientTests {
    @Test("window pooling: dx equals the forward layer's directional derivatives", arguments: PoolingGradientCase.window)
    func window(_ c: PoolingGradientCase) throws {
        try poolingCheckGradient(c, seed: 11)
    }

    @Test("global pooling: dx equals the forward layer's directional derivatives", arguments: PoolingGradientCase.global)
    func global(_ c: PoolingGradientCase) throws {
        try poolingCheckGradient(c, seed: 12)
    }

    @Test("GlobalAveragePooling1D with a mask: dx equals the directional derivatives", arguments: PoolingGradientCase.masked)
    func masked(_ c: PoolingGradientCase) throws {
        for seed: UInt64 in 1...4 { try poolingCheckGradient(c, seed: seed) }
    }

    @Test("adaptive pooling: dx equals the forward layer's directional derivatives", arguments: PoolingGradientCase.adaptive)
    func adaptive(_ c: PoolingGradientCase) throws {
        try poolingCheckGradient(c, seed: 13)
    }

    /// Many channels (several kernel channel blocks) and a larger map, by the adjoint identity
    /// Σ dy·(J·v) = Σ (Jᵀ·dy)·v for random directions v (checked per element above on small maps).
    @Test("the adjoint identity on many channels", arguments: ["MaxPooling2D", "AveragePooling2D", "AdaptiveMaxPooling2D", "GlobalMaxPooling2D"])
    func adjoint(_ className: String) throws {
        let config =
            className.hasPrefix("Adaptive")
            ? #"{"output_size": [3, 4]}"# : className.hasPrefix("Global") ? "{}" : #"{"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}"#
        let c = PoolingGradientCase(className: className, config: config, inputShape: [2, 7, 6, 150])
        let layer = try c.layer()
        let x = poolingDistinctTensor(c.inputShape, seed: 5)
        let y = try layer(x)
        var rng = TestRNG(seed: 6)
        let dy = rng.tensor(y.shape)
        let dx = try layer.gradient(of: x, upstream: dy, options: CallOptions()).input
        for trial in 0..<3 {
            // v in multiples of 1/8 within [−1, 1], ε = 1/8: x + ε·v stays exact and tie-free.
            let v = try Tensor<Float>(shape: x.shape, scalars: (0..<x.count).map { _ in Float(Int(rng.next() % 17) - 8) / 8 })
            let epsilon: Float = 0.125
            let jv: [Float]
            if c.isLinear {
                jv = try layer(v).scalars
            } else {
                let moved = try Tensor<Float>(shape: x.shape, scalars: zip(x.scalars, v.scalars).map { $0 + epsilon * $1 })
                jv = zip(try layer(moved).scalars, y.scalars).map { ($0 - $1) / epsilon }
            }
            let left = zip(dy.scalars, jv).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let right = zip(dx.scalars, v.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let scale = zip(dx.scalars, v.scalars).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            #expect(abs(left - right) <= 1e-5 * scale + 1e-6, "\(c.testDescription), direction \(trial): Σ dy·Jv = \(left), Σ dx·v = \(right)")
        }
    }

    /// Inputs with many equal values: max pooling routes dy to the first maximum of each
    /// window in row-major order, adaptive max to the maximum with the smallest last spatial
    /// index (its separable passes), global max shares dy equally (see the layer files for the
    /// Keras runs these rules were reproduced from).
    @Test("ties: max pooling, adaptive max and global max follow their backends' rules", arguments: [1, 2, 3])
    func ties(rank: Int) throws {
        let spatial = Array([5, 4, 6].prefix(rank))
        var rng = TestRNG(seed: UInt64(rank))
        // 11 channels: one 8-channel chunk of the float32 fast path and a scalar remainder.
        let channels = 11
        let x = try Tensor<Float>(
            shape: [2] + spatial + [channels], scalars: (0..<(2 * channels * spatial.reduce(1, *))).map { _ in Float(rng.next() % 3) })
        let ones = [Int](repeating: 1, count: rank)
        let cases: [(name: String, config: String, split: Bool, lastAxisFirst: Bool, box: (Int, Int) -> Range<Int>, out: (Int) -> Int)] = [
            (
                "MaxPooling\(rank)D", #"{"pool_size": \#(poolingJSONList(ones.map { $0 * 3 })), "strides": \#(poolingJSONList(ones))}"#,
                false, false, { o, _ in o..<(o + 3) }, { $0 - 2 }
            ),
            (
                "AdaptiveMaxPooling\(rank)D", #"{"output_size": \#(poolingJSONList(ones.map { $0 * 2 }))}"#, false, true,
                { o, n in
                    let w = PoolingGeometry.adaptiveWindow(o, inputSize: n, outputSize: 2); return w.start..<w.end
                }, { _ in 2 }
            ),
            ("GlobalMaxPooling\(rank)D", #"{"keepdims": true}"#, true, false, { _, n in 0..<n }, { _ in 1 }),
        ]
        for c in cases {
            guard let layer = try poolingLayer(c.name, c.config) as? any DifferentiableLayer else {
                Issue.record("\(c.name) is not differentiable")
                continue
            }
            let y = try layer(x)
            let dy = rng.tensor(y.shape)
            let dx = try layer.gradient(of: x, upstream: dy, options: CallOptions()).input
            let outSpatial = spatial.map(c.out)
            let expected = poolingTieReference(
                x, outputShape: [2] + outSpatial + [channels],
                box: { out in (0..<rank).map { k in c.box(out[k + 1], spatial[k]) } }, dy: dy, split: c.split, lastAxisFirst: c.lastAxisFirst)
            if let bad = (0..<x.count).first(where: { abs(Double(dx.scalars[$0]) - expected[$0]) > 1e-6 * max(1, abs(expected[$0])) }) {
                Issue.record(
                    "\(c.name) \(c.config) ties: dx\(PythonLiteral.tuple(poolingMultiIndex(bad, x.shape))) = \(dx.scalars[bad]), the rule gives \(expected[bad])"
                )
            }
        }
    }

    @Test("every pooling layer is differentiable")
    func allDifferentiable() {
        for type in poolingLayers {
            #expect(type is any DifferentiableLayer.Type, "\(type.className) has no gradient")
        }
    }

    @Test("an upstream gradient of the wrong shape is refused, naming the layer and both shapes")
    func upstreamShape() throws {
        let layers: [any DifferentiableLayer] = [
            try MaxPooling2D(poolSize: 2), try AveragePooling1D(poolSize: [2]), GlobalAveragePooling1D(),
            try AdaptiveMaxPooling3D(outputSize: 2),
        ]
        for layer in layers {
            let rank = type(of: layer).className.contains("3D") ? 5 : type(of: layer).className.contains("2D") ? 4 : 3
            let x = poolingRandomTensor([2] + [Int](repeating: 4, count: rank - 2) + [3], seed: 1)
            let outShape = try layer.outputShape(forInputShape: x.shape)
            let wrong = try Tensor<Float>(repeating: 1, shape: outShape.map { $0 + 1 })
            let message = poolingInputErrorMessage(poolingError { _ = try layer.gradient(of: x, upstream: wrong, options: CallOptions()) })
            #expect(message?.contains(type(of: layer).className) == true, "\(type(of: layer).className): \(message ?? "no error")")
            #expect(message?.contains(PythonLiteral.tuple(outShape)) == true, "names the output shape: \(message ?? "")")
            #expect(message?.contains(PythonLiteral.tuple(wrong.shape)) == true, "names dy's shape: \(message ?? "")")
        }
    }

    @Test("the gradient's buffers count against the memory budget")
    func budget() throws {
        let x = poolingRandomTensor([2, 16, 16, 8], seed: 3)
        let layers: [any DifferentiableLayer] = [try MaxPooling2D(poolSize: 2), GlobalMaxPooling2D(), try AdaptiveAveragePooling2D(outputSize: 3)]
        for layer in layers {
            let dy = try Tensor<Float>(repeating: 1, shape: try layer.outputShape(forInputShape: x.shape))
            let error = poolingError {
                _ = try layer.gradient(of: x, upstream: dy, options: CallOptions(memoryBudget: MemoryBudget(bytes: 4 * x.count - 1)))
            }
            guard case .memoryBudgetExceeded(_, let what, _, _, _)? = error else {
                Issue.record("\(type(of: layer).className): expected memoryBudgetExceeded, got \(String(describing: error))")
                continue
            }
            #expect(what.contains("gradient") || what.contains("kernel"), "\(type(of: layer).className): \(what)")
        }
    }

    @Test("empty inputs give empty gradients; the forward pass's errors still apply")
    func empty() throws {
        let pool = try MaxPooling1D(poolSize: [2])
        let x = try Tensor<Float>(repeating: 0, shape: [0, 4, 3])
        let dy = try Tensor<Float>(repeating: 0, shape: [0, 2, 3])
        #expect(try pool.gradient(of: x, upstream: dy, options: CallOptions()).input.shape == [0, 4, 3])
        let globalMax = GlobalMaxPooling1D()
        let noSteps = try Tensor<Float>(repeating: 0, shape: [2, 0, 3])
        let error = poolingError { _ = try globalMax.gradient(of: noSteps, upstream: try Tensor(repeating: 0, shape: [2, 3]), options: CallOptions()) }
        #expect(poolingInputErrorMessage(error)?.contains("zero spatial positions") == true, "\(String(describing: error))")
    }
}
