import Foundation

/// A JSON value, exactly as it came out of `json.dumps(layer.get_config())`.
///
/// Numbers keep the distinction JSON text makes between an integer literal (`2`)
/// and a real literal (`2.0`), because Keras configs mix them (`pool_size: [2, 2]`
/// but `epsilon: 0.001`) and a decoder may want to reject `2.5` where an int is due.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension JSONValue {
    /// Parses JSON text (including the `NaN`/`Infinity` tokens Python's `json.dumps` may write).
    public init(parsing text: String) throws {
        var parser = JSONTextParser(Array(text.utf8))
        self = try parser.parseDocument()
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// The value as an integer: an int literal, or a real literal with no fractional part.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int(d)
        default: return nil
        }
    }

    /// The value as a real number (int or real literal).
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Compact JSON text, keys sorted, for reports and round trips. Written into one buffer:
    /// linear in the size of the text.
    public var jsonText: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .double(let d):
            if d.isNaN {
                out += "NaN".utf8
            } else if d.isInfinite {
                out += (d > 0 ? "Infinity" : "-Infinity").utf8
            } else {
                out += "\(d)".utf8
            }
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out += ", ".utf8 }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out += ", ".utf8 }
                JSONValue.quote(key, into: &out)
                out += ": ".utf8
                o[key]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        quote(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` as a JSON string: `"` and `\\` escaped, control characters as `\n`, `\r`,
    /// `\t` or `\u00XX`, everything else as its UTF-8 bytes.
    private static func quote(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            case ..<0x20: out += #"\u00"#.utf8; out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { jsonText }
}

/// A small recursive-descent parser: Foundation's JSONSerialization loses the
/// int/real distinction and rejects Python's `NaN`/`Infinity` tokens.
struct JSONTextParser {
    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected text after the JSON value") }
        return value
    }

    private func error(_ message: String) -> JSONParseError {
        JSONParseError(description: "invalid JSON at byte \(position): \(message)")
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func consume(_ literal: String) -> Bool {
        let l = Array(literal.utf8)
        guard position + l.count <= bytes.count, Array(bytes[position..<position + l.count]) == l else { return false }
        position += l.count
        return true
    }

    private mutating func parseValue() throws -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of text") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): if consume("true") { return .bool(true) }
        case UInt8(ascii: "f"): if consume("false") { return .bool(false) }
        case UInt8(ascii: "n"): if consume("null") { return .null }
        case UInt8(ascii: "N"): if consume("NaN") { return .double(.nan) }
        case UInt8(ascii: "I"): if consume("Infinity") { return .double(.infinity) }
        default: return try parseNumber()
        }
        throw error("unknown literal")
    }

    private mutating func enter() throws {
        depth += 1
        if depth > 512 { throw error("nesting deeper than 512") }
    }

    private mutating func parseObject() throws -> JSONValue {
        try enter(); defer { depth -= 1 }
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            members[key] = try parseValue()
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        try enter(); defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw error("expected ',' or ']'")
        }
    }

    /// A string's UTF-8 bytes, escapes decoded as they come: linear in the length of the string.
    private mutating func parseString() throws -> String {
        position += 1
        var utf8: [UInt8] = []
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            if b == UInt8(ascii: "\"") { return String(decoding: utf8, as: UTF8.self) }
            if b != UInt8(ascii: "\\") { utf8.append(b); continue }
            guard position < bytes.count else { break }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"): Self.appendUTF8(try parseUnicodeEscape(), to: &utf8)
            default: throw error("bad escape")
            }
        }
        throw error("unterminated string")
    }

    /// Appends the UTF-8 encoding of `scalar` (1 to 4 bytes).
    private static func appendUTF8(_ scalar: Unicode.Scalar, to utf8: inout [UInt8]) {
        let v = scalar.value
        switch v {
        case ..<0x80: utf8.append(UInt8(v))
        case ..<0x800: utf8.append(0xC0 | UInt8(v >> 6)); utf8.append(0x80 | UInt8(v & 0x3F))
        case ..<0x10000:
            utf8.append(0xE0 | UInt8(v >> 12)); utf8.append(0x80 | UInt8((v >> 6) & 0x3F)); utf8.append(0x80 | UInt8(v & 0x3F))
        default:
            utf8.append(0xF0 | UInt8(v >> 18)); utf8.append(0x80 | UInt8((v >> 12) & 0x3F))
            utf8.append(0x80 | UInt8((v >> 6) & 0x3F)); utf8.append(0x80 | UInt8(v & 0x3F))
        }
    }

    /// The scalar of a `\uXXXX` escape (the `\u` consumed), or of a surrogate pair
    /// `\uD8XX\uDCXX`. A lone or reversed surrogate is an error: no string can hold it.
    private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        let code = try parseHex4()
        if let scalar = Unicode.Scalar(code) { return scalar }
        guard code < 0xDC00, consume("\\u") else { throw error("unpaired UTF-16 surrogate \\u\(String(code, radix: 16))") }
        let low = try parseHex4()
        guard (0xDC00..<0xE000).contains(low) else {
            throw error("UTF-16 high surrogate \\u\(String(code, radix: 16)) not followed by a low surrogate")
        }
        guard let scalar = Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)) else {
            throw error("bad UTF-16 surrogate pair")
        }
        return scalar
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("bad \\u escape") }
        var value: UInt32 = 0
        for b in bytes[position..<position + 4] {
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error("bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        if consume("-Infinity") { return .double(-.infinity) }
        var isReal = false
        while position < bytes.count {
            let b = bytes[position]
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
                position += 1
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                isReal = true
                position += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if text.isEmpty { throw error("unexpected character") }
        if !isReal, let i = Int(text) { return .int(i) }
        guard let d = Double(text) else { throw error("bad number '\(text)'") }
        return .double(d)
    }
}

extension JSONValue {
    /// Indented JSON text with sorted keys (two spaces per level), for files people read.
    public var prettyText: String { pretty(indent: "") }

    private func pretty(indent: String) -> String {
        let inner = indent + "  "
        switch self {
        case .array(let a) where !a.isEmpty:
            if a.allSatisfy({ $0.isScalar }) { return jsonText }
            return "[\n" + a.map { inner + $0.pretty(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let o) where !o.isEmpty:
            return "{\n"
                + o.keys.sorted().map { inner + JSONValue.quote($0) + ": " + o[$0]!.pretty(indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return jsonText
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }
}
