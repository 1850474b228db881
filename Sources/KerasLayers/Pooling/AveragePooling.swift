// Average pooling, Keras 3.15.1 `AveragePooling1D/2D/3D`
// (`keras/src/layers/pooling/average_pooling*.py`, `ops.average_pool`).
//
// Mathematics. With spatial input sizes n_k, pool sizes p_k and strides s_k (default p_k):
//
//     y[b, o₁…o_N, c] = (Σ_{i ∈ W(o)} x[b, i, c]) / |W(o)|      (channels_last;
//                                                              channels_first alike)
//     W(o) = ×_k W_k(o_k),  W_k(o) = [o·s_k − pad_k, o·s_k − pad_k + p_k) ∩ [0, n_k)
//
// - `valid`: pad_k = 0, out_k = ⌊(n_k − p_k) / s_k⌋ + 1 (out_k ≤ 0 is an error), |W| = Π p_k.
// - `same`: out_k = ⌈n_k / s_k⌉, pad_k = ⌊max((out_k − 1)·s_k + p_k − n_k, 0) / 2⌋ (the odd
//   padding element goes after, as in TF/XLA). The divisor |W(o)| counts only the real
//   (non-padded) elements of the window: padding neither adds to the sum nor to the count.
//   Both backends agree (TF's `avg_pool` excludes padding; Keras's JAX `average_pool`
//   divides the padded `reduce_window` sum by a second `reduce_window` over ones).
//
// Rounding: the float32 sum runs in row-major window order from 0 and is then divided by the
// count, as TensorFlow does — our averages equal Keras-on-TF bit for bit (checked on 1-D, 2-D
// and 3-D, valid and same, both layouts). XLA on CPU (Keras-on-JAX) adds in another order
// for 2-D/3-D windows (a 2×2 window as (x₀₀ + x₀₁) + (x₁₀ + x₁₁)), so JAX results can differ
// from ours (and from TF's) in the last bits. NaN or ±∞ in a window propagate through the sum as IEEE arithmetic says.

/// AveragePooling1D/2D/3D: the window mean; `pool_size` is required.
public protocol AveragePoolingLayer: WindowPoolingLayer {}

extension AveragePoolingLayer {
    public static var mode: PoolingMode { .average }
    public static var defaultPoolSize: Int? { nil }

    /// Keras's `AveragePoolingND(pool_size, strides=None, padding="valid", data_format=None, dtype=None)`.
    /// - Throws: `KerasLayerError.invalidConfig` when `poolSize` or `strides` does not have
    ///   `spatialRank` values or holds a value ≤ 0.
    public init(
        poolSize: [Int], strides: [Int]? = nil, padding: Padding = .valid,
        dataFormat: DataFormat = .channelsLast, name: String? = nil,
        dtype: DTypePolicy = .float32
    ) throws(KerasLayerError) {
        try self.init(validatingPoolSize: poolSize, strides: strides, padding: padding, dataFormat: dataFormat, name: name, dtype: dtype)
    }
}

/// `keras.layers.AveragePooling1D` (alias `AvgPool1D`): the mean over a sliding window of `poolSize`
/// moved by `strides` along the spatial axis (steps); see the file comment for the
/// mathematics. Input `(batch, steps, channels)` for channels_last or
/// `(batch, channels, steps)` for channels_first; the output has the same layout.
public struct AveragePooling1D: AveragePoolingLayer {
    public static let className = "AveragePooling1D"
    public static let spatialRank = 1
    public let core: WindowPooling<AveragePooling1D>
    public init(core: WindowPooling<AveragePooling1D>) { self.core = core }
}

/// `keras.layers.AveragePooling2D` (alias `AvgPool2D`): the mean over a sliding window of `poolSize`
/// moved by `strides` along the 2 spatial axes (rows, cols); see the file comment for the
/// mathematics. Input `(batch, rows, cols, channels)` for channels_last or
/// `(batch, channels, rows, cols)` for channels_first; the output has the same layout.
public struct AveragePooling2D: AveragePoolingLayer {
    public static let className = "AveragePooling2D"
    public static let spatialRank = 2
    public let core: WindowPooling<AveragePooling2D>
    public init(core: WindowPooling<AveragePooling2D>) { self.core = core }
}

/// `keras.layers.AveragePooling3D` (alias `AvgPool3D`): the mean over a sliding window of `poolSize`
/// moved by `strides` along the 3 spatial axes (dim1, dim2, dim3); see the file comment for the
/// mathematics. Input `(batch, dim1, dim2, dim3, channels)` for channels_last or
/// `(batch, channels, dim1, dim2, dim3)` for channels_first; the output has the same layout.
public struct AveragePooling3D: AveragePoolingLayer {
    public static let className = "AveragePooling3D"
    public static let spatialRank = 3
    public let core: WindowPooling<AveragePooling3D>
    public init(core: WindowPooling<AveragePooling3D>) { self.core = core }
}
