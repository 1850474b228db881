import Foundation
import Testing
@testable import KerasJSON

/// Hostile JSON text: bounded time, and an error (never a trap) for what is not valid.
@Suite struct JSONHostileTests {
    /// Parsing is linear in the escapes of a string: a megabyte of `\u0001` and of `\\` (a config
    /// an attacker controls, and the same config written once more into the reader's hand-over
    /// data) parses in milliseconds in a release build and well under the bound here in a debug
    /// build under load. The quadratic parser this replaces took over 8 s (release) for it.
    @Test(arguments: [#"\u0001"#, #"\\u0001"#])
    func aMegabyteOfEscapesParsesInBoundedTime(_ escape: String) throws {
        let count = (1 << 20) / escape.utf8.count
        let text = #"{"name": ""# + String(repeating: escape, count: count) + #""}"#
        let clock = ContinuousClock()
        var value: JSONValue?
        let elapsed = clock.measure { value = try? JSONValue(parsing: text) }
        #expect(value?["name"]?.stringValue?.unicodeScalars.count == count * (escape.hasPrefix(#"\\"#) ? 6 : 1))
        #expect(elapsed < Self.bound, "\(elapsed)")
    }

    /// A debug build on a loaded two-core machine takes about 0.5 s for a megabyte; the quadratic
    /// parser took over 30 s there.
    static let bound = Duration.seconds(4)

    /// UTF-16 escapes that are not a valid surrogate pair are an error, never a trap and never
    /// a silent replacement character.
    @Test(arguments: [
        #""\ud800\u0041""#, #""\ud800""#, #""\ud800x""#, #""\udc00""#, #""\udbff\udbff""#,
        #""\ud800\u""#, #""\ud800\uzzzz""#,
    ])
    func invalidSurrogatesAreAnError(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func validSurrogatePairsDecode() throws {
        #expect(try JSONValue(parsing: #""\ud800\udc00\udbff\udfff""#) == .string("\u{10000}\u{10FFFF}"))
    }
}

/// JSON inputs kept from the fuzz target (Fuzz/regressions/json): each is an error, not a trap.
@Suite struct JSONFuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions/json")

    static let inputs = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()

    @Test(arguments: inputs)
    func regressionInputIsAnError(_ name: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func thereAreRegressionInputs() { #expect(Self.inputs.count >= 2) }
}
