import KerasJSON
/// The element type a golden dataset was stored with.
///
/// `bfloat16` has no HDF5 type: the schema stores it as `uint16` bit patterns with the dataset
/// attribute `dtype = "bfloat16"` (the upper 16 bits of the float32 with the same value).
public enum ElementType: String, Sendable, CaseIterable {
    case float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64

    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }
}

/// A tensor read from a golden file: its shape, the element type it was stored with,
/// and its elements in C order widened to `Double`.
///
/// Every accepted element type (float16, bfloat16, float32/64, 8- to 32-bit integers, int64
/// within ±2^53) converts to `Double` exactly, so nothing is lost and `elementType` says how to
/// narrow back.
public struct ReferenceTensor: Sendable, Equatable {
    public var shape: [Int]
    public var elementType: ElementType
    public var values: [Double]

    public init(shape: [Int], elementType: ElementType, values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.elementType = elementType
        self.values = values
    }

    public var count: Int { values.count }

    /// The empty float32 tensor of shape (0,): the `output` of a case Keras refused, which has none.
    public static let absent = ReferenceTensor(shape: [0], elementType: .float32, values: [])

    /// The elements as float32 (exact for float16/float32 data).
    public var floatValues: [Float] { values.map { Float($0) } }

    /// Shapes written like Python tuples: `(4, 28, 28, 3)`, `(5,)`, `()`.
    public var shapeDescription: String { PythonLiteral.tuple(shape) }
}
