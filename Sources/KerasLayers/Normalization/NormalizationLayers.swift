let normalizationLayers: [any KerasLayer.Type] = []
