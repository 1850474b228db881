/// The layer types this library implements; `LayerRegistry` builds them by class name.
let implementedLayers: [any KerasLayer.Type] = poolingLayers + normalizationLayers
