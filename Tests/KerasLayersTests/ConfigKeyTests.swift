import KerasJSON
@testable import KerasLayers
import Testing

/// Issue 11, item 5: the keys a config has that no layer argument used are named, so a
/// misspelt argument never passes silently.
@Suite struct ConfigKeyTests {
    static func unread(_ className: String, _ json: String) throws -> [String] {
        try LayerRegistry.makeLayerReportingUnreadKeys(className: className, config: try JSONValue(parsing: json)).unreadKeys
    }

    @Test("a misspelt argument is named; Keras's own keys are not")
    func misspelt() throws {
        #expect(try Self.unread("MaxPooling2D", #"{"pool_size": 2, "stride": 1, "name": "p", "trainable": true, "dtype": "float32"}"#) == ["stride"])
        #expect(
            try Self.unread("LayerNormalization", #"{"axis": -1, "epsilon": 0.001, "gamma_regularizer": null, "beta_constraint": null, "centre": true}"#) == [
                "centre"
            ])
        #expect(try Self.unread("BatchNormalization", #"{"renorm": false, "renorm_clipping": {"rmax": 3}, "moving_mean_initializer": "zeros"}"#) == [])
        #expect(try Self.unread("GlobalAveragePooling1D", "{}") == [])
    }

    /// The keys `get_config()` of Keras 3.15.1 returns for each class (as stored in the golden files).
    static let kerasKeys: [String: [String]] = [
        "AdaptiveMaxPooling2D": ["data_format", "dtype", "name", "output_size", "trainable"],
        "AveragePooling3D": ["data_format", "dtype", "name", "padding", "pool_size", "strides", "trainable"],
        "BatchNormalization": [
            "axis", "beta_constraint", "beta_initializer", "beta_regularizer", "center", "dtype", "epsilon", "gamma_constraint", "gamma_initializer",
            "gamma_regularizer", "momentum", "moving_mean_initializer", "moving_variance_initializer", "name", "renorm", "renorm_clipping", "renorm_momentum",
            "scale", "synchronized", "trainable",
        ],
        "GlobalMaxPooling1D": ["data_format", "dtype", "keepdims", "name", "trainable"],
        "GroupNormalization": [
            "axis", "beta_constraint", "beta_initializer", "beta_regularizer", "center", "dtype", "epsilon", "gamma_constraint", "gamma_initializer",
            "gamma_regularizer", "groups", "name", "scale", "trainable",
        ],
        "LayerNormalization": [
            "axis", "beta_constraint", "beta_initializer", "beta_regularizer", "center", "dtype", "epsilon", "gamma_constraint", "gamma_initializer",
            "gamma_regularizer", "name", "rms_scaling", "scale", "trainable",
        ],
        "Normalization": ["axis", "dtype", "invert", "mean", "name", "trainable", "variance"],
        "RMSNormalization": ["axis", "dtype", "epsilon", "name", "trainable"],
        "UnitNormalization": ["axis", "dtype", "name", "trainable"],
    ]

    @Test("every key Keras 3.15.1 writes is used or known", arguments: kerasKeys.keys.sorted())
    func kerasConfigs(_ className: String) throws {
        var object: [String: JSONValue] = [:]
        for key in Self.kerasKeys[className]! { object[key] = .null }
        object["dtype"] = .string("float32")
        if className.hasPrefix("Adaptive") { object["output_size"] = .int(2) }
        if className.hasPrefix("AveragePooling") { object["pool_size"] = .int(2) }
        let built = try LayerRegistry.makeLayerReportingUnreadKeys(className: className, config: .object(object))
        #expect(built.unreadKeys == [])
    }
}
