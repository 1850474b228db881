/// The normalization layers, by Keras class name.
let normalizationLayers: [any KerasLayer.Type] = [
    BatchNormalization.self,
    LayerNormalization.self,
    GroupNormalization.self,
    RMSNormalization.self,
    UnitNormalization.self,
    Normalization.self,
]
