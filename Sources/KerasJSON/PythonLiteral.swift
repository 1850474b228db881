/// How Python prints literals, for messages that quote Keras's own.
public enum PythonLiteral {
    /// A tuple of ints as Python prints it: `(4, 28, 28, 3)`, `(5,)`, `()`. Shapes and
    /// multi-indices are written this way everywhere in the project.
    public static func tuple(_ values: [Int]) -> String {
        values.count == 1 ? "(\(values[0]),)" : "(" + values.map(String.init).joined(separator: ", ") + ")"
    }
}
