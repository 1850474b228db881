import KerasJSON

extension LayerConfig {
    /// The layer's dtype policy from the config's `dtype`: absent or null means `float32`
    /// (Keras's global default); a policy name; or a serialized `DTypePolicy`
    /// (`{"class_name": "DTypePolicy", "config": {"name": ...}}`, what Keras 3's `get_config()`
    /// writes).
    /// - Throws: `KerasLayerError.invalidConfig` naming the policy when it is not one Keras
    ///   accepts or this library implements (quantized policies, per-layer policy maps, integer
    ///   compute types).
    public func dtypePolicy() throws(KerasLayerError) -> DTypePolicy {
        guard let dtype = value("dtype") else { return .float32 }
        let name: String
        if let string = dtype.stringValue {
            name = string
        } else if let object = dtype.objectValue {
            let className = object["class_name"]?.stringValue ?? "DTypePolicy"
            guard ["DTypePolicy", "FloatDTypePolicy"].contains(className) else {
                throw error("dtype", "dtype policy class '\(className)' (\(dtype.jsonText)) is not supported; supported policies: \(Self.policyNames)")
            }
            guard let string = object["config"]?["name"]?.stringValue else {
                throw error("dtype", "a serialized DTypePolicy needs a string `config.name`, got \(dtype.jsonText)")
            }
            name = string
        } else {
            throw error("dtype", "expected a dtype policy name or a serialized DTypePolicy, got \(dtype.jsonText)")
        }
        guard let policy = DTypePolicy(name: name) else {
            throw error("dtype", "unknown or unsupported dtype policy '\(name)'; supported policies: \(Self.policyNames)")
        }
        return policy
    }

    static var policyNames: String { DTypePolicy.supported.map(\.name).joined(separator: ", ") }
}
