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

    /// Arguments of Keras's base `Layer` that cannot change what a call computes here: the
    /// name, `trainable` (BatchNormalization reads it itself), the activity regularizer (a
    /// loss), and the legacy input-shape keywords. `dtype` (the policy) is read by `makeLayer` and the layer.
    public static let baseLayerKeys = [
        "name", "trainable", "activity_regularizer", "autocast",
        "input_shape", "batch_input_shape", "batch_size", "input_dim",
    ]

    /// Builds a layer from its class name (or alias) and config JSON; keys the layer does
    /// not use are ignored (`makeLayerReportingUnreadKeys` names them).
    public static func makeLayer(className: String, config: JSONValue) throws(KerasLayerError) -> any KerasLayer {
        try makeLayerReportingUnreadKeys(className: className, config: config).layer
    }

    /// Builds a layer and names the config keys neither it nor `baseLayerKeys` used: Keras
    /// would reject them as unknown arguments, or this implementation does not support them.
    public static func makeLayerReportingUnreadKeys(
        className: String, config: JSONValue
    ) throws(KerasLayerError) -> (layer: any KerasLayer, unreadKeys: [String]) {
        let name = canonicalName(className)
        guard let type = layerTypes[name] else { throw .unknownLayer(className) }
        let layerConfig = try LayerConfig(layer: name, json: config)
        let policy = try layerConfig.dtypePolicy()
        layerConfig.accept(baseLayerKeys)
        let layer = try type.init(config: layerConfig)
        // A layer type that does not read `dtype` stays float32: refuse rather than compute in the wrong type.
        guard layer.dtypePolicy == policy else {
            throw .unsupported(layer: name, message: "dtype policy '\(policy.name)': this layer computes in \(layer.dtypePolicy.name) only")
        }
        return (layer, layerConfig.unreadKeys)
    }
}
