import KerasJSON

/// Builds layers from a Keras class name and its `get_config()` JSON.
public enum LayerRegistry {
    /// Every implemented class, by `type(layer).__name__`.
    public static let layerTypes: [String: any KerasLayer.Type] = {
        var table: [String: any KerasLayer.Type] = [:]
        for type in implementedLayers { table[type.className] = type }
        return table
    }()

    /// Keras's exported aliases (`keras.layers.MaxPool2D is MaxPooling2D`), mapped to class names.
    public static let aliases: [String: String] = [
        "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
        "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
        "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
        "GlobalMaxPool3D": "GlobalMaxPooling3D",
        "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
        "GlobalAvgPool3D": "GlobalAveragePooling3D",
    ]

    /// The class name an alias stands for, or the name itself.
    public static func canonicalName(_ name: String) -> String { aliases[name] ?? name }

    /// Builds a layer from its class name (or alias) and config JSON.
    public static func makeLayer(className: String, config: JSONValue) throws(KerasLayerError) -> any KerasLayer {
        let name = canonicalName(className)
        guard let type = layerTypes[name] else { throw .unknownLayer(className) }
        let layerConfig = try LayerConfig(layer: name, json: config)
        let policy = layerConfig.dtypePolicyName
        guard policy == "float32" else {
            throw .unsupported(layer: name, message: "dtype policy '\(policy)': this implementation computes in float32")
        }
        return try type.init(config: layerConfig)
    }
}
