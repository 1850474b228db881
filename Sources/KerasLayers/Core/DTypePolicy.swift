/// Keras's `DTypePolicy`: the element type a layer computes in and the one its variables
/// are stored in (`keras/src/dtype_policies/dtype_policy.py`).
///
/// | policy | compute | variables |
/// |---|---|---|
/// | `float32` (default), `float16`, `bfloat16`, `float64` | that type | that type |
/// | `mixed_float16` | float16 | float32 |
/// | `mixed_bfloat16` | bfloat16 | float32 |
///
/// What a layer does with them is Keras's `Layer.__call__`: a floating input is cast to the
/// compute type (unless the layer turns `autocast` off), integer inputs pass uncast, the
/// variables keep their own type, and each layer casts further where its Keras source does.
public struct DTypePolicy: Sendable, Equatable, CustomStringConvertible {
    /// Keras's policy name, e.g. `mixed_float16`.
    public let name: String
    public let computeDType: DType
    public let variableDType: DType

    /// The policies this library implements, by name.
    public static let supported: [DTypePolicy] = [
        DTypePolicy(name: "float32", compute: .float32, variable: .float32),
        DTypePolicy(name: "float16", compute: .float16, variable: .float16),
        DTypePolicy(name: "bfloat16", compute: .bfloat16, variable: .bfloat16),
        DTypePolicy(name: "float64", compute: .float64, variable: .float64),
        DTypePolicy(name: "mixed_float16", compute: .float16, variable: .float32),
        DTypePolicy(name: "mixed_bfloat16", compute: .bfloat16, variable: .float32),
    ]

    public static let float32 = supported[0]
    public static let float16 = supported[1]
    public static let bfloat16 = supported[2]
    public static let float64 = supported[3]
    public static let mixedFloat16 = supported[4]
    public static let mixedBFloat16 = supported[5]

    private init(name: String, compute: DType, variable: DType) {
        self.name = name
        self.computeDType = compute
        self.variableDType = variable
    }

    /// Keras's spellings that `standardize_dtype` maps to a policy name here.
    static let aliases = ["float": "float32", "double": "float64", "half": "float16"]

    /// The policy named `name` (Keras's aliases `float`, `double`, `half` accepted), or nil
    /// when this library does not implement it.
    public init?(name: String) {
        let canonical = DTypePolicy.aliases[name] ?? name
        guard let policy = DTypePolicy.supported.first(where: { $0.name == canonical }) else { return nil }
        self = policy
    }

    /// Whether compute and variable types differ (`mixed_*`).
    public var isMixed: Bool { computeDType != variableDType }

    public var description: String { name }
}
