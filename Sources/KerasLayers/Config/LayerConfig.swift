import KerasJSON

/// Keras's `data_format`: where the channel axis is.
public enum DataFormat: String, Sendable {
    case channelsLast = "channels_last"
    case channelsFirst = "channels_first"
}

/// Keras's `padding` for pooling: `valid` keeps only full windows, `same` pads so that
/// the output size is ceil(n / stride).
public enum Padding: String, Sendable {
    case valid
    case same
}

/// A layer's `get_config()` JSON object with typed, validated accessors.
///
/// Each accessor reads one argument, applies Keras's default when the key is absent
/// (or `null` where Keras treats `None` as the default), and reports a bad value with
/// the rule Keras enforces (`standardize_tuple`, `standardize_padding`, ...).
/// Keys a layer does not read (`name`, `trainable`, `dtype`, initializers, ...) are ignored.
public struct LayerConfig: Sendable {
    public let layer: String
    public let values: [String: JSONValue]

    public init(layer: String, values: [String: JSONValue]) {
        self.layer = layer
        self.values = values
    }

    /// Parses `json.dumps(layer.get_config())` text.
    public init(layer: String, json: String) throws(KerasLayerError) {
        let parsed: JSONValue
        do { parsed = try JSONValue(parsing: json) } catch {
            throw .invalidConfig(layer: layer, argument: "config", message: "\(error)")
        }
        try self.init(layer: layer, json: parsed)
    }

    public init(layer: String, json: JSONValue) throws(KerasLayerError) {
        guard let object = json.objectValue else {
            throw .invalidConfig(layer: layer, argument: "config", message: "expected a JSON object, got \(json.jsonText)")
        }
        self.init(layer: layer, values: object)
    }

    public func error(_ argument: String, _ message: String) -> KerasLayerError {
        .invalidConfig(layer: layer, argument: argument, message: message)
    }

    /// The value, or nil when the key is absent or `null`.
    public func value(_ key: String) -> JSONValue? {
        guard let v = values[key], !v.isNull else { return nil }
        return v
    }

    public func bool(_ key: String, default defaultValue: Bool) throws(KerasLayerError) -> Bool {
        guard let v = value(key) else { return defaultValue }
        guard let b = v.boolValue else { throw error(key, "expected a boolean, got \(v.jsonText)") }
        return b
    }

    public func double(_ key: String, default defaultValue: Double) throws(KerasLayerError) -> Double {
        guard let v = value(key) else { return defaultValue }
        guard let d = v.doubleValue else { throw error(key, "expected a number, got \(v.jsonText)") }
        return d
    }

    public func int(_ key: String, default defaultValue: Int) throws(KerasLayerError) -> Int {
        guard let v = value(key) else { return defaultValue }
        guard let i = v.intValue else { throw error(key, "expected an integer, got \(v.jsonText)") }
        return i
    }

    public func optionalInt(_ key: String) throws(KerasLayerError) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue else { throw error(key, "expected an integer, got \(v.jsonText)") }
        return i
    }

    public func string(_ key: String, default defaultValue: String) throws(KerasLayerError) -> String {
        guard let v = value(key) else { return defaultValue }
        guard let s = v.stringValue else { throw error(key, "expected a string, got \(v.jsonText)") }
        return s
    }

    /// An int or a list of ints (Keras's "axis" arguments); `nil` when absent or `null`.
    public func axes(_ key: String) throws(KerasLayerError) -> [Int]? {
        guard let v = value(key) else { return nil }
        if let i = v.intValue { return [i] }
        guard let list = v.arrayValue else { throw error(key, "expected an integer or a list of integers, got \(v.jsonText)") }
        var result: [Int] = []
        for element in list {
            guard let i = element.intValue else { throw error(key, "expected integers, got \(v.jsonText)") }
            result.append(i)
        }
        return result
    }

    /// Keras's `standardize_tuple(value, n, name, allow_zero)`: an int repeated `n` times,
    /// or a list of exactly `n` ints, every one > 0 (>= 0 with `allowZero`).
    public func intTuple(_ key: String, count n: Int, allowZero: Bool = false) throws(KerasLayerError) -> [Int]? {
        guard let v = value(key) else { return nil }
        let message = "The `\(key)` argument must be a tuple of \(n) integers. Received \(key)=\(v.jsonText)"
        var tuple: [Int]
        if let i = v.intValue {
            tuple = Array(repeating: i, count: n)
        } else if let list = v.arrayValue, list.count == n {
            tuple = []
            for element in list {
                guard let i = element.intValue else { throw error(key, message) }
                tuple.append(i)
            }
        } else {
            throw error(key, message)
        }
        let bad = tuple.filter { allowZero ? $0 < 0 : $0 <= 0 }
        if !bad.isEmpty {
            throw error(key, message + ", including values \(bad) that do not satisfy `value \(allowZero ? ">= 0" : "> 0")`")
        }
        // Keras takes any int, then fails (or runs out of memory) when it computes; a bound keeps
        // every size computation here far from integer overflow.
        if let huge = tuple.first(where: { $0 > Int(Int32.max) }) {
            throw error(key, message + ", including \(huge), larger than the largest supported size \(Int32.max)")
        }
        return tuple
    }

    /// Keras's `standardize_data_format`: `null` means the default image data format, `channels_last`.
    public func dataFormat(_ key: String = "data_format") throws(KerasLayerError) -> DataFormat {
        guard let v = value(key) else { return .channelsLast }
        guard let s = v.stringValue, let format = DataFormat(rawValue: s.lowercased()) else {
            throw error(key, "The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=\(v.jsonText)")
        }
        return format
    }

    /// Keras's `standardize_padding` without `causal`: case-insensitive `valid` or `same`.
    public func padding(_ key: String = "padding", default defaultValue: Padding = .valid) throws(KerasLayerError) -> Padding {
        guard let v = value(key) else { return defaultValue }
        guard let s = v.stringValue, let padding = Padding(rawValue: s.lowercased()) else {
            throw error(key, "The `padding` argument must be a list/tuple or one of {'valid', 'same'}. Received: \(v.jsonText)")
        }
        return padding
    }

    /// The name of the layer's dtype policy (`float32` unless the config says otherwise).
    public var dtypePolicyName: String {
        guard let dtype = values["dtype"] else { return "float32" }
        if let name = dtype.stringValue { return name }
        if let name = dtype["config"]?["name"]?.stringValue { return name }
        return "float32"
    }
}
