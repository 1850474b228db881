import Testing
@testable import KerasJSON

@Suite struct JSONValueTests {
    @Test func parsesAKerasConfig() throws {
        let text =
            #"{"name": "max_pooling2d", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "pool_size": [2, 2], "padding": "valid", "epsilon": 0.001}"#
        let value = try JSONValue(parsing: text)
        #expect(value["pool_size"] == .array([.int(2), .int(2)]))
        #expect(value["epsilon"] == .double(0.001))
        #expect(value["dtype"]?["config"]?["name"] == .string("float32"))
        #expect(value["dtype"]?["registered_name"] == .null)
        #expect(value["trainable"]?.boolValue == true)
    }

    @Test func keepsIntAndRealApartButReadsWholeRealsAsInts() throws {
        #expect(try JSONValue(parsing: "2") == .int(2))
        #expect(try JSONValue(parsing: "2.0") == .double(2.0))
        #expect(try JSONValue(parsing: "2.0").intValue == 2)
        #expect(try JSONValue(parsing: "2.5").intValue == nil)
    }

    @Test func readsPythonNonFiniteTokens() throws {
        #expect(try JSONValue(parsing: "[NaN, Infinity, -Infinity]").arrayValue?.count == 3)
        #expect(try JSONValue(parsing: "-Infinity") == .double(-.infinity))
    }

    @Test func decodesEscapes() throws {
        #expect(try JSONValue(parsing: #""a\"b\\c\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c\né😀"))
    }

    @Test(arguments: ["{not json", "", "[1, 2", "{\"a\": }", "[1] x", "tru", "\"abc"])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func roundTripsThroughJSONText() throws {
        let value = JSONValue.object(["b": .array([.int(1), .double(0.5), .null]), "a": .string("x\"y")])
        #expect(try JSONValue(parsing: value.jsonText) == value)
    }
}
