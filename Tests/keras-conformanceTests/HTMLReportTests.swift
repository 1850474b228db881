import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import KerasJSON
import Testing
@testable import ConformanceCLI

/// `report --format html`, read back with an XML parser and checked against `run --format json` of the same cases.
extension CommandLineTests {
    /// The matrix cells and case links of the page, as an XML parser sees them.
    final class PageReader: NSObject, XMLParserDelegate {
        var cells: [[String: String]] = []
        var links: [(attributes: [String: String], text: String)] = []
        var openLink: [String: String]?
        var linkText = ""
        var scripts = 0
        var external: [String] = []

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let classes = (attributes["class"] ?? "").split(separator: " ")
            if name == "td", classes.contains("cell") { cells.append(attributes) }
            if name == "a", classes.contains("caselink") {
                openLink = attributes
                linkText = ""
            }
            if name == "script" { scripts += 1 }
            for key in ["src", "href"] {
                if let value = attributes[key], !value.hasPrefix("#") { external.append(value) }
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if openLink != nil { linkText += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "a", let attributes = openLink {
                links.append((attributes, linkText))
                openLink = nil
            }
        }
    }

    @Test func htmlReportMatrixAgreesWithTheJSONReport() throws {
        let selection = ["golden"]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let html = try run(["report"] + selection + ["--format", "html", "--output", path])
        #expect(html.status == 0, "\(html.stderr)")
        let json = try run(["run"] + selection + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let cases = try #require(try JSONValue(parsing: json.stdout)["cases"]?.arrayValue)
        #expect(!cases.isEmpty)

        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: path)))
        let page = PageReader()
        parser.delegate = page
        #expect(parser.parse(), "the page is not well-formed: \(String(describing: parser.parserError))")
        #expect(page.scripts == 0 && page.external.isEmpty, "the page must be self-contained: \(page.external)")

        // Forward cells, summed over element types, count exactly the JSON report's statuses per layer and backend.
        var fromJSON: [String: Int] = [:]
        for c in cases {
            let key = [c["layer"]?.stringValue, c["backend"]?.stringValue, c["status"]?.stringValue].map { $0 ?? "?" }
            fromJSON[key.joined(separator: " "), default: 0] += 1
        }
        var fromHTML: [String: Int] = [:]
        for cell in page.cells {
            #expect(["forward", "backward"].contains(cell["data-direction"]))
            guard cell["data-direction"] == "forward" else { continue }
            for status in ["passed", "failed", "error", "skipped"] {
                let count = try #require(Int(cell["data-\(status)"] ?? ""), "cell without data-\(status): \(cell)")
                if count > 0 {
                    fromHTML[[cell["data-layer"] ?? "?", cell["data-backend"] ?? "?", status].joined(separator: " "), default: 0] += count
                }
            }
        }
        #expect(fromHTML == fromJSON)

        // Every case run is linked from its forward cell with its verdict.
        let linked = Set(
            page.links.filter { $0.attributes["data-direction"] == "forward" }.map {
                "\($0.text) \($0.attributes["data-backend"] ?? "?") \($0.attributes["title"] ?? "?")"
            })
        let runs = Set(
            cases.map { c in
                [c["id"]?.stringValue, c["backend"]?.stringValue, c["status"]?.stringValue].map { $0 ?? "?" }.joined(separator: " ")
            })
        #expect(linked == runs)
        #expect(page.links.count >= cases.count)
    }

    @Test func reportFormatMarkdownByDefaultHTMLNeedsAnOutput() throws {
        let markdown = try #require(try ConformanceCommand.parseAsRoot(["report"]) as? ConformanceCommand.Report)
        #expect(markdown.format == .markdown && markdown.output == nil)
        let html = try #require(try ConformanceCommand.parseAsRoot(["report", "--format", "html", "--output", "r.html"]) as? ConformanceCommand.Report)
        #expect(html.format == .html && html.output == "r.html")
        #expect(throws: (any Error).self) { _ = try ConformanceCommand.parseAsRoot(["report", "--format", "html"]) }
        #expect(throws: (any Error).self) { _ = try ConformanceCommand.parseAsRoot(["report", "--format", "pdf"]) }
    }
}
