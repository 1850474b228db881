let poolingLayers: [any KerasLayer.Type] = []
