import Plot

extension Node {
    /// Text from the run (ids, messages, configs), escaped completely: Plot keeps anything
    /// that looks like an entity (`&amp;`) as it is, so `&` is escaped first.
    static func escapedText(_ text: String) -> Node {
        .text(text.replacingOccurrences(of: "&", with: "&amp;"))
    }

    /// An attribute whose value comes from the run; Plot writes attribute values as they are.
    static func escapedAttribute(_ name: String, _ value: String) -> Node {
        .attribute(named: name, value: HTMLEscaping.attribute(value))
    }
}

/// Escaping and anchor names for what the page takes from the run.
enum HTMLEscaping {
    /// `&`, `<`, `>` and `"` as entities: safe inside a double-quoted attribute.
    static func attribute(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// An anchor name made of `[A-Za-z0-9_.-]` only (`_` as `__`, every other character as
    /// `_xHH_`), so distinct texts stay distinct and the name needs no escaping in `id` or `href`.
    static func anchor(_ text: String) -> String {
        text.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-": return String(scalar)
            case "_": return "__"
            default: return "_x" + String(scalar.value, radix: 16) + "_"
            }
        }.joined()
    }
}
