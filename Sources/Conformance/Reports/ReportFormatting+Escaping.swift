extension ReportFormatting {
    /// `text` on one line with every control character visible: `\n`, `\r`, `\t`, and
    /// escapes `\u{1B}` for the other C0/C1 controls and DEL, and for the line separators and
    /// bidirectional overrides that would let a case id or message rewrite or reorder a
    /// terminal line or a Markdown table. Everything else is kept as is.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if needsEscape(scalar.value) {
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func needsEscape(_ v: UInt32) -> Bool {
        v < 0x20 || (0x7F...0x9F).contains(v)
            || v == 0x2028 || v == 0x2029  // line and paragraph separators
            || (0x202A...0x202E).contains(v)  // bidirectional embeddings and overrides
            || (0x2066...0x2069).contains(v)  // bidirectional isolates
    }
}
