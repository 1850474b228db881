/// The schema's rules tying a case's optional tensors to the ones they belong to.
extension GoldenCase {
    /// What breaks the schema's rules between the tensors of this case, or nil:
    /// - `inputs/dy` is present when any `grads/` dataset is, with the shape of `outputs/y`;
    /// - `grads/x` has the shape of `inputs/x`, `grads/<name>` that of `weights/<name>`;
    /// - `oracle/<path>` and `cancellation/<path>` mirror an existing tensor at `<path>`
    ///   (`outputs/y`, `updated/<name>`, `grads/<name>`), are float64, and have its shape;
    /// - a case with `error` has none of `outputs/`, `updated/`, `grads/`, `oracle/`, `cancellation/`,
    ///   and its `error` is not empty.
    public var inconsistency: String? {
        if let error {
            guard !error.isEmpty else { return "attribute 'error' is empty; it must name the exception Keras raised" }
            guard output == .absent, updated.isEmpty, grads.isEmpty, oracle.isEmpty, cancellation.isEmpty else {
                return "the case has attribute 'error' (Keras refused the call) but also results of the call"
            }
            return nil
        }
        if let dy, dy.shape != output.shape {
            return "'inputs/dy' has shape \(dy.shapeDescription), not that of 'outputs/y' \(output.shapeDescription)"
        }
        if dy == nil, let name = grads.keys.min() {
            return "'grads/\(name)' is present but 'inputs/dy' is not"
        }
        for (name, gradient) in grads.sorted(by: { $0.key < $1.key }) {
            let variable = name == "x" ? input : weights[name]
            guard let variable else { return "'grads/\(name)' has no 'weights/\(name)'" }
            guard gradient.shape == variable.shape else {
                return "'grads/\(name)' has shape \(gradient.shapeDescription), not \(variable.shapeDescription)"
            }
        }
        for (group, tensors) in [("oracle", oracle), ("cancellation", cancellation)] {
            for (path, t) in tensors.sorted(by: { $0.key < $1.key }) {
                guard let mirrored = tensor(at: path) else { return "'\(group)/\(path)' mirrors no tensor of the case" }
                guard t.elementType == .float64 else { return "'\(group)/\(path)' is \(t.elementType.rawValue), not float64" }
                guard t.shape == mirrored.shape else {
                    return "'\(group)/\(path)' has shape \(t.shapeDescription), not that of '\(path)' \(mirrored.shapeDescription)"
                }
            }
        }
        return nil
    }
}
