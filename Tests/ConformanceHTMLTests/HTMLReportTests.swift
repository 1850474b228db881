import Conformance
import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import KerasJSON
import ReferenceData
import Testing
@testable import ConformanceHTML

/// The page for a run with a pass, a failure and a skip: cell counts and colours, open details, the rows beyond the bound.
@Suite struct HTMLReportTests {
    /// Returns the input, off by `offset` for the layer `Off`; has no layer `Missing`.
    struct Fake: LayerImplementation {
        var name: String { "Fake" }
        func implements(layer: String) -> Bool { layer != "Missing" }
        func run(_ invocation: LayerInvocation) throws -> LayerResult {
            var output = invocation.input
            if invocation.layer == "Off" { output.values = output.values.map { $0 + 0.5 } }
            return LayerResult(output: output)
        }
    }

    /// Every element's attributes, and whether each `details` is open, in document order.
    final class Elements: NSObject, XMLParserDelegate {
        var all: [(name: String, attributes: [String: String])] = []
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            all.append((name, attributes))
        }
    }

    func page() throws -> (html: String, elements: Elements) {
        let x = ReferenceTensor(shape: [2, 2], elementType: .float32, values: [1, -2, 3, 0])
        let cases = ["Identity", "Off", "Missing"].map { layer in
            GoldenCase(
                id: "case-\(layer)", file: "f.h5", backend: "tensorflow", layer: layer,
                config: .object(["name": .string("n"), "trainable": .bool(true), "axis": .int(2)]), input: x, output: x)
        }
        let runner = ConformanceRunner(implementation: Fake())
        let report = RunReport(implementation: "Fake", files: [], cases: cases.map { runner.run($0) })
        let html = HTMLReport.render(report, goldenCases: cases)
        let parser = XMLParser(data: Data(html.utf8))
        let elements = Elements()
        parser.delegate = elements
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        return (html, elements)
    }

    @Test func cellsCountAndColourEachVerdict() throws {
        let cells = try page().elements.all.filter { $0.name == "td" && ($0.attributes["class"] ?? "").hasPrefix("cell") }
        func cell(_ layer: String, _ direction: String) -> [String: String]? {
            cells.first { $0.attributes["data-layer"] == layer && $0.attributes["data-direction"] == direction }?.attributes
        }
        #expect(cell("Identity", "forward")?["data-passed"] == "1")
        #expect(cell("Identity", "forward")?["class"] == "cell passed")
        #expect(cell("Off", "forward")?["data-failed"] == "1")
        #expect(cell("Off", "forward")?["class"] == "cell failed")
        #expect(cell("Missing", "forward")?["data-skipped"] == "1")
        #expect(cell("Missing", "forward")?["class"] == "cell skipped")
        #expect(cell("Off", "backward")?["class"] == "cell empty")
    }

    @Test func failingCasesOpenWithTheirElementsBeyondTheBound() throws {
        let (html, elements) = try page()
        let details = elements.all.filter { $0.name == "details" && $0.attributes["class"] == "case" }
        #expect(details.count == 3)
        #expect(details.filter { $0.attributes["open"] != nil }.map { $0.attributes["id"] } == ["case-case-Missing", "case-case-Off"])
        let rows = elements.all.filter { $0.name == "tr" && $0.attributes["class"] == "over" }
        #expect(rows.count == 4)
        // A class the defaults table does not know folds only the common keys: axis shows, name and trainable fold.
        #expect(html.contains("<th>axis</th>"))
        #expect(!html.contains("<th>trainable</th>"))
    }
}
