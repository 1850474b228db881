import KerasJSON
import Synchronization

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
///
/// The config remembers which keys were read (`accept` marks keys Keras takes whose values
/// cannot change a call, such as regularizers), so that after a layer is built `unreadKeys`
/// names the keys nothing used: a misspelt or unsupported argument (see `LayerRegistry`).
public struct LayerConfig: Sendable {
    public let layer: String
    private let values: [String: JSONValue]
    private let readKeys = ReadKeys()

    public init(layer: String, values: [String: JSONValue]) {
        self.layer = layer
        self.values = values
    }

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
        readKeys.insert(key)
        guard let v = values[key], !v.isNull else { return nil }
        return v
    }

    /// Whether the key is present (even as `null`).
    public func contains(_ key: String) -> Bool {
        readKeys.insert(key)
        return values[key] != nil
    }

    /// Marks keys Keras accepts but whose values cannot change what a call computes
    /// (regularizers, constraints, the base layer's `name`), so they are not reported as unread.
    public func accept(_ keys: [String]) {
        for key in keys { readKeys.insert(key) }
    }

    /// The keys of the config no accessor read and `accept` did not mark, sorted.
    public var unreadKeys: [String] {
        let read = readKeys.snapshot
        return values.keys.filter { !read.contains($0) }.sorted()
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

    /// Keras's `standardize_tuple(value, n, name, allow_zero)` on a config value: an int
    /// repeated `n` times, or a list of exactly `n` ints, checked by `LayerConfig.standardizeTuple`.
    public func intTuple(_ key: String, count n: Int, allowZero: Bool = false) throws(KerasLayerError) -> [Int]? {
        guard let v = value(key) else { return nil }
        var tuple: [Int]
        if let i = v.intValue {
            tuple = Array(repeating: i, count: n)
        } else if let list = v.arrayValue {
            tuple = []
            for element in list {
                guard let i = element.intValue else {
                    throw error(key, LayerConfig.tupleMessage(key, count: n, received: v.jsonText))
                }
                tuple.append(i)
            }
        } else {
            throw error(key, LayerConfig.tupleMessage(key, count: n, received: v.jsonText))
        }
        return try LayerConfig.standardizeTuple(tuple, count: n, name: key, received: v.jsonText, allowZero: allowZero, layer: layer)
    }

    /// Keras's `standardize_tuple` rule, for config values and typed Swift arguments alike:
    /// exactly `n` values, each > 0 (>= 0 with `allowZero`), with Keras's message. Keras takes
    /// any int, then fails (or runs out of memory) when it computes; values above `Int32.max`
    /// are refused here too, which keeps every size computation far from integer overflow.
    static func standardizeTuple(
        _ values: [Int], count n: Int, name: String, received: String, allowZero: Bool, layer: String
    ) throws(KerasLayerError) -> [Int] {
        var message = tupleMessage(name, count: n, received: received)
        guard values.count == n else { throw .invalidConfig(layer: layer, argument: name, message: message) }
        let bad = Set(values.filter { allowZero ? $0 < 0 : $0 <= 0 }).sorted()
        if !bad.isEmpty {
            message += ", including values {\(bad.map(String.init).joined(separator: ", "))} that do not satisfy `value \(allowZero ? ">= 0" : "> 0")`"
            throw .invalidConfig(layer: layer, argument: name, message: message)
        }
        if let huge = values.first(where: { $0 > Int(Int32.max) }) {
            message += ", including \(huge), larger than the largest supported size \(Int32.max)"
            throw .invalidConfig(layer: layer, argument: name, message: message)
        }
        return values
    }

    static func tupleMessage(_ name: String, count n: Int, received: String) -> String {
        "The `\(name)` argument must be a tuple of \(n) integers. Received \(name)=\(received)"
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
}

/// The keys a `LayerConfig` has read, shared by its copies.
private final class ReadKeys: Sendable {
    private let keys = Mutex<Set<String>>([])

    func insert(_ key: String) { keys.withLock { _ = $0.insert(key) } }

    var snapshot: Set<String> { keys.withLock { $0 } }
}
