import ArgumentParser
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
            let selected = rows.keys.sorted()
            let idWidth = selected.map(\.count).max() ?? 0
            let layerWidth = selected.compactMap { rows[$0]?.layer.count }.max() ?? 0
            var text = ""
            for id in selected {
                let row = rows[id]!
                text +=
                    (id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                        + row.layer.padding(toLength: layerWidth, withPad: " ", startingAt: 0) + "  "
                        + row.backends.joined(separator: ",") + "  " + row.origin + "\n")
            }
            text += "\(selected.count) cases in \(files.count) files\n"
            try ConformanceCLI.write(text, to: nil)
        }
    }
}
