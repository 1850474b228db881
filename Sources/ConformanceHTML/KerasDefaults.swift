import KerasJSON

/// The values Keras 3.15.1's `get_config()` holds for a layer built with only its required
/// arguments (as `keras.layers.X(...).get_config()` printed them), so the report can fold
/// away what a case did not set. A key missing here is always shown.
enum KerasDefaults {
    /// Whether `config[key]` is Keras's default for `layer`. Pooling `strides` default to
    /// `pool_size` (Keras: "If None, it will default to pool_size").
    static func isDefault(_ key: String, in config: [String: JSONValue], layer: String) -> Bool {
        guard let value = config[key] else { return false }
        if key == "strides", windowPooling.contains(layer) { return value == config["pool_size"] }
        return defaults(for: layer)[key] == value
    }

    /// Keys every layer has: `trainable` and the float32 dtype policy.
    private static let common = """
        {"trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy",
         "config": {"name": "float32"}, "registered_name": null}}
        """

    private static let windowPooling: Set<String> = [
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    ]

    private static let initializers = """
        "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
        "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null},
        "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null
        """

    /// Per class, beyond `common`, as JSON.
    private static let perClass: [String: String] = {
        var table: [String: String] = [:]
        for name in windowPooling { table[name] = #"{"data_format": "channels_last", "padding": "valid"}"# }
        for kind in ["Max", "Average"] {
            for rank in 1...3 {
                table["Global\(kind)Pooling\(rank)D"] = #"{"data_format": "channels_last", "keepdims": false}"#
                table["Adaptive\(kind)Pooling\(rank)D"] = #"{"data_format": "channels_last"}"#
            }
        }
        table["BatchNormalization"] = """
            {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true, \(initializers),
             "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
             "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null},
             "synchronized": false, "renorm": false, "renorm_clipping": null, "renorm_momentum": 0.99}
            """
        table["GroupNormalization"] = """
            {"groups": 32, "axis": -1, "epsilon": 0.001, "center": true, "scale": true, \(initializers)}
            """
        table["LayerNormalization"] = """
            {"axis": -1, "epsilon": 0.001, "center": true, "scale": true, "rms_scaling": false, \(initializers)}
            """
        table["Normalization"] = #"{"axis": [-1], "invert": false, "mean": null, "variance": null}"#
        table["RMSNormalization"] = #"{"axis": -1, "epsilon": 1e-06}"#
        table["UnitNormalization"] = #"{"axis": -1}"#
        return table
    }()

    /// The defaults of `layer` (only `common` for a class not in the table).
    static func defaults(for layer: String) -> [String: JSONValue] {
        parsed[layer] ?? parsedCommon
    }

    /// Every class known to the table.
    static var classes: [String] { perClass.keys.sorted() }

    private static let parsedCommon = parse(common)

    private static let parsed: [String: [String: JSONValue]] = perClass.mapValues { text in
        parsedCommon.merging(parse(text)) { $1 }
    }

    /// The table is constant text; the tests check every entry parses (a typo would fold nothing).
    private static func parse(_ text: String) -> [String: JSONValue] {
        (try? JSONValue(parsing: text))?.objectValue ?? [:]
    }
}
