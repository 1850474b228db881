// Max pooling, Keras 3.15.1 `MaxPooling1D/2D/3D` (`keras/src/layers/pooling/max_pooling*.py`,
// `ops.max_pool`).
//
// Mathematics. With spatial input sizes n_k, pool sizes p_k and strides s_k (default p_k):
//
//     y[b, o₁…o_N, c] = max { x[b, i₁…i_N, c] : i_k ∈ W_k(o_k) }   (channels_last;
//                                                                  channels_first alike)
//     W_k(o) = [o·s_k − pad_k, o·s_k − pad_k + p_k) ∩ [0, n_k)
//
// - `valid`: pad_k = 0, out_k = ⌊(n_k − p_k) / s_k⌋ + 1 (out_k ≤ 0 is an error).
// - `same`: out_k = ⌈n_k / s_k⌉, pad_k = ⌊max((out_k − 1)·s_k + p_k − n_k, 0) / 2⌋ (the odd
//   padding element goes after, as in TF/XLA). Padded positions never take part: every window
//   holds at least one real element, so padding behaves as −∞.
//
// Special values (checked with Keras 3.15.1 on both backends; they disagree):
// - JAX (`lax.reduce_window` with `lax.max`, initial −∞): a window containing NaN gives NaN;
//   a window of only −∞ gives −∞.
// - TensorFlow (oneDNN/Eigen max-pool kernels): NaN elements are skipped (a window holding NaN
//   gives the max of its other elements) and the running max starts at the lowest finite
//   float, so a window of only NaN and/or −∞ gives −3.4028235e38.
// We implement the JAX behaviour (IEEE-style NaN propagation, −∞ preserved), which is also
// what Keras's GlobalMaxPooling (`ops.max`) does on both backends.
//
// The result is bit-exact: max involves no rounding.

/// MaxPooling1D/2D/3D: the window maximum; `pool_size` defaults to 2 on every axis.
public protocol MaxPoolingLayer: WindowPoolingLayer {}

extension MaxPoolingLayer {
    public static var mode: PoolingMode { .max }
    public static var defaultPoolSize: Int? { 2 }

    /// Keras's `MaxPoolingND(pool_size=2, strides=None, padding="valid", data_format=None, dtype=None)`.
    /// - Throws: `KerasLayerError.invalidConfig` when `poolSize` or `strides` does not have
    ///   `spatialRank` values or holds a value ≤ 0.
    public init(
        poolSize: [Int] = [Int](repeating: 2, count: Self.spatialRank), strides: [Int]? = nil,
        padding: Padding = .valid, dataFormat: DataFormat = .channelsLast, name: String? = nil,
        dtype: DTypePolicy = .float32
    ) throws(KerasLayerError) {
        try self.init(validatingPoolSize: poolSize, strides: strides, padding: padding, dataFormat: dataFormat, name: name, dtype: dtype)
    }
}

/// `keras.layers.MaxPooling1D` (alias `MaxPool1D`): the maximum over a sliding window of `poolSize`
/// moved by `strides` along the spatial axis (steps); see the file comment for the
/// mathematics. Input `(batch, steps, channels)` for channels_last or
/// `(batch, channels, steps)` for channels_first; the output has the same layout.
public struct MaxPooling1D: MaxPoolingLayer {
    public static let className = "MaxPooling1D"
    public static let spatialRank = 1
    public let core: WindowPooling<MaxPooling1D>
    public init(core: WindowPooling<MaxPooling1D>) { self.core = core }
}

/// `keras.layers.MaxPooling2D` (alias `MaxPool2D`): the maximum over a sliding window of `poolSize`
/// moved by `strides` along the 2 spatial axes (rows, cols); see the file comment for the
/// mathematics. Input `(batch, rows, cols, channels)` for channels_last or
/// `(batch, channels, rows, cols)` for channels_first; the output has the same layout.
public struct MaxPooling2D: MaxPoolingLayer {
    public static let className = "MaxPooling2D"
    public static let spatialRank = 2
    public let core: WindowPooling<MaxPooling2D>
    public init(core: WindowPooling<MaxPooling2D>) { self.core = core }
}

/// `keras.layers.MaxPooling3D` (alias `MaxPool3D`): the maximum over a sliding window of `poolSize`
/// moved by `strides` along the 3 spatial axes (dim1, dim2, dim3); see the file comment for the
/// mathematics. Input `(batch, dim1, dim2, dim3, channels)` for channels_last or
/// `(batch, channels, dim1, dim2, dim3)` for channels_first; the output has the same layout.
public struct MaxPooling3D: MaxPoolingLayer {
    public static let className = "MaxPooling3D"
    public static let spatialRank = 3
    public let core: WindowPooling<MaxPooling3D>
    public init(core: WindowPooling<MaxPooling3D>) { self.core = core }
}
