/// The pooling layer types, registered in `LayerRegistry` by their Keras class names.
let poolingLayers: [any KerasLayer.Type] = [
    MaxPooling1D.self, MaxPooling2D.self, MaxPooling3D.self,
    AveragePooling1D.self, AveragePooling2D.self, AveragePooling3D.self,
    GlobalMaxPooling1D.self, GlobalMaxPooling2D.self, GlobalMaxPooling3D.self,
    GlobalAveragePooling1D.self, GlobalAveragePooling2D.self, GlobalAveragePooling3D.self,
    AdaptiveMaxPooling1D.self, AdaptiveMaxPooling2D.self, AdaptiveMaxPooling3D.self,
    AdaptiveAveragePooling1D.self, AdaptiveAveragePooling2D.self, AdaptiveAveragePooling3D.self,
]

/// How a pooling layer reduces each window (or the whole spatial extent): by its maximum or by its mean.
public enum PoolingMode: Sendable, Equatable { case max, average }

/// A pooling layer over 1, 2 or 3 spatial axes: the window, global and adaptive families refine it.
public protocol PoolingLayer: KerasLayer {
    /// The number of spatial axes: 1, 2 or 3.
    static var spatialRank: Int { get }
    /// How values are reduced.
    static var mode: PoolingMode { get }
}
