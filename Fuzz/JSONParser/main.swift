// libFuzzer target: KerasJSON's parser and writer (built by tools/fuzz-reader).
//
// Any input: parsing ends with a value or a JSONParseError, never a trap; a parsed value
// written back (compact and indented) parses again to the same text.
import KerasJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let value = try? JSONValue(parsing: text) else { return 0 }
    let compact = value.jsonText
    guard let again = try? JSONValue(parsing: compact), again.jsonText == compact else {
        fatalError("the written text does not parse back to itself: \(compact)")
    }
    guard let pretty = try? JSONValue(parsing: value.prettyText), pretty.jsonText == compact else {
        fatalError("the indented text does not parse back to the value: \(value.prettyText)")
    }
    return 0
}
