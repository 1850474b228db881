/// Keras's `BasePooling` for any number of spatial axes: the shared implementation behind
/// MaxPooling1D/2D/3D and AveragePooling1D/2D/3D.
struct WindowPooling: Sendable, Equatable {
    enum Mode: Sendable, Equatable { case max, average }

    let className: String
    let name: String
    let mode: Mode
    let poolSize: [Int]
    let strides: [Int]
    let padding: Padding
    let dataFormat: DataFormat

    var spatialRank: Int { poolSize.count }

    /// The typed Swift initializer's path: Keras's argument checks on Swift values.
    init(
        className: String, rank: Int, mode: Mode,
        poolSize: [Int], strides: [Int]?, padding: Padding, dataFormat: DataFormat, name: String?
    ) throws(KerasLayerError) {
        self.className = className
        self.name = name ?? PoolingGeometry.defaultName(className)
        self.mode = mode
        self.poolSize = try PoolingGeometry.standardizeTuple(poolSize, count: rank, name: "pool_size", layer: className)
        let strides = try PoolingGeometry.standardizeTuple(
            strides ?? poolSize, count: rank, name: "strides", allowZero: true, layer: className)
        try PoolingGeometry.rejectZeroStrides(strides, layer: className)
        self.strides = strides
        self.padding = padding
        self.dataFormat = dataFormat
    }

    /// The `get_config()` path: `pool_size` (int or list; `defaultPoolSize` when absent,
    /// required when nil), `strides` (null → pool_size), `padding`, `data_format`.
    init(className: String, rank: Int, mode: Mode, defaultPoolSize: Int?, config: LayerConfig) throws(KerasLayerError) {
        self.className = className
        self.name = PoolingGeometry.layerName(config, className: className)
        self.mode = mode
        guard let poolSize = try config.intTuple("pool_size", count: rank)
            ?? defaultPoolSize.map({ [Int](repeating: $0, count: rank) })
        else {
            throw config.error("pool_size", "\(className).__init__() missing 1 required positional argument: 'pool_size'")
        }
        self.poolSize = poolSize
        let strides = try config.intTuple("strides", count: rank, allowZero: true) ?? poolSize
        try PoolingGeometry.rejectZeroStrides(strides, layer: className)
        self.strides = strides
        self.padding = try config.padding()
        self.dataFormat = try config.dataFormat()
    }

    /// The input's layout and the geometry of every spatial axis, after Keras's checks.
    func geometry(forInputShape shape: [Int]) throws(KerasLayerError) -> (SpatialLayout, [PoolingAxis]) {
        try PoolingGeometry.checkRank(shape, expected: spatialRank + 2, layerName: name)
        let layout = SpatialLayout(shape: shape, dataFormat: dataFormat)
        var axes: [PoolingAxis] = []
        for i in 0..<spatialRank {
            guard let axis = PoolingGeometry.axis(
                inputSize: layout.spatial[i], window: poolSize[i], stride: strides[i], padding: padding)
            else {
                throw .invalidInput(
                    "\(className) '\(name)': Computed output size would be zero or negative. Received: `inputs.shape=\(Tensor<Float>.describe(shape))`, `pool_size=\(PoolingGeometry.pythonTuple(poolSize))`, `strides=\(PoolingGeometry.pythonTuple(strides))`, `padding=\(padding.rawValue)`.")
            }
            axes.append(axis)
        }
        return (layout, axes)
    }

    /// Keras's `compute_output_shape`.
    func outputShape(forInputShape shape: [Int]) throws(KerasLayerError) -> [Int] {
        let (layout, axes) = try geometry(forInputShape: shape)
        return layout.shape(spatial: axes.map(\.outputSize))
    }

    func call(_ input: Tensor<Float>) throws(KerasLayerError) -> Tensor<Float> {
        let (layout, axes) = try geometry(forInputShape: input.shape)
        let outShape = layout.shape(spatial: axes.map(\.outputSize))
        let count = outShape.reduce(1, *)
        let padded = [PoolingAxis](repeating: .trivial, count: 3 - axes.count) + axes
        let (d, h, w) = (padded[0], padded[1], padded[2])
        let scalars = input.scalars.withUnsafeBufferPointer { source in
            poolingMakeArray(count: count) { out in
                guard let x = source.baseAddress else { return }
                switch (mode, dataFormat) {
                case (.max, .channelsLast):
                    PoolingWindowKernels.channelsLast(
                        MaxPoolingReducer.self, input: x, output: out,
                        batch: layout.batch, channels: layout.channels, d: d, h: h, w: w)
                case (.average, .channelsLast):
                    PoolingWindowKernels.channelsLast(
                        MeanPoolingReducer.self, input: x, output: out,
                        batch: layout.batch, channels: layout.channels, d: d, h: h, w: w)
                case (.max, .channelsFirst):
                    PoolingWindowKernels.channelsFirst(
                        MaxPoolingReducer.self, input: x, output: out,
                        planes: layout.batch * layout.channels, d: d, h: h, w: w)
                case (.average, .channelsFirst):
                    PoolingWindowKernels.channelsFirst(
                        MeanPoolingReducer.self, input: x, output: out,
                        planes: layout.batch * layout.channels, d: d, h: h, w: w)
                }
            }
        }
        return Tensor(uncheckedShape: outShape, scalars: scalars)
    }
}
