import Foundation
import ReferenceData

/// The committed golden files under `golden/`, read once for every test in this target.
enum GoldenCorpus {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("golden")

    static let backends = ["tensorflow", "jax"]

    /// Every golden file, or the error that kept it from being read.
    static let files: [(path: String, result: Result<GoldenFile, GoldenError>)] = {
        let paths = (try? GoldenCollection.filePaths([root.path])) ?? []
        return paths.map { path in (path, Result { () throws(GoldenError) in try GoldenFile(contentsOf: path) }) }
    }()

    static var readableFiles: [GoldenFile] { files.compactMap { try? $0.result.get() } }

    /// One key per case id (sorted): what the parameterised conformance test runs.
    static let caseIDs: [String] = Array(Set(readableFiles.flatMap(\.caseIDs))).sorted()

    /// Every readable case, grouped by id (one per backend), built once.
    private static let casesByID: [String: [GoldenCase]] = Dictionary(grouping: readableFiles.flatMap(\.cases), by: \.id)

    /// Every readable case with this id, one per backend.
    static func cases(withID id: String) -> [GoldenCase] { casesByID[id] ?? [] }

    /// The declared cases: the generator's `golden/MANIFEST.json` and, when present, the fuzzer's
    /// `golden/regressions/MANIFEST.json` (shrunk and coverage cases, written by `tools/fuzz capture`).
    static func manifest() throws -> [(id: String, layer: String, origin: String)] {
        var entries: [(id: String, layer: String, origin: String)] = []
        for path in ["MANIFEST.json", "regressions/MANIFEST.json"] {
            let url = root.appendingPathComponent(path)
            if path != "MANIFEST.json", !FileManager.default.fileExists(atPath: url.path) { continue }
            let data = try Data(contentsOf: url)
            guard let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { continue }
            entries += array.map { ($0["id"] as? String ?? "", $0["layer"] as? String ?? "", $0["origin"] as? String ?? "") }
        }
        return entries
    }
}
