import ArgumentParser
import Conformance
import ReferenceData

extension ConformanceCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the golden cases: id, layer, backends and origin.")

        @OptionGroup var selection: CaseSelection

        func run() throws {
            let files = try selection.readFiles()
            let filter = try selection.runner().caseFilter()
            var rows: [String: (layer: String, origin: String, backends: [String])] = [:]
            for file in files {
                for entry in file.entries
                where filter.selects(entry.id, layer: try? entry.result.get().layer, backend: file.info.backend) {
                    let id = entry.id
                    if rows[id] == nil { rows[id] = ("?", "", []) }
                    rows[id]!.backends.append(file.info.backend)
                    if case .success(let c) = entry.result {
                        rows[id]!.layer = c.layer
                        rows[id]!.origin = c.origin
                    } else {
                        rows[id]!.origin = "(unreadable in \(file.path))"
                    }
                }
            }
            // Ids, classes and origins are shown with their control characters escaped.
            let selected = rows.keys.sorted()
            let lines = selected.map { id in
                let row = rows[id]!
                return (
                    id: ReportFormatting.escaped(id), layer: ReportFormatting.escaped(row.layer),
                    rest: row.backends.joined(separator: ",") + "  " + ReportFormatting.escaped(row.origin)
                )
            }
            let idWidth = lines.map(\.id.count).max() ?? 0
            let layerWidth = lines.map(\.layer.count).max() ?? 0
            var text = ""
            for line in lines {
                text +=
                    line.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                    + line.layer.padding(toLength: layerWidth, withPad: " ", startingAt: 0) + "  " + line.rest + "\n"
            }
            text += "\(selected.count) cases in \(files.count) files\n"
            try ConformanceCLI.write(text, to: nil)
        }
    }
}
