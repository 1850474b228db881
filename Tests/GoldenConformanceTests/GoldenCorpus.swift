import Foundation
import ReferenceData

/// The committed golden files under `golden/`, read once for every test in this target.
enum GoldenCorpus {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("golden")

    static let backends = ["tensorflow", "jax"]

    /// The real-model corpus (`golden/models/<backend>/`), captured by `tools/regenerate-models`.
    static let modelsRoot: URL = root.appendingPathComponent("models")

    /// The generated corpus (`golden/<backend>/`, `golden/regressions/<backend>/`) or the real-model corpus (`golden/models/<backend>/`).
    enum Part: CaseIterable { case generated, models }

    /// The readable files of one part of the corpus.
    static func readableFiles(in part: Part) -> [GoldenFile] {
        let models = modelsRoot.standardizedFileURL.path
        return files.compactMap { path, result in
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent()
            return (parent.standardizedFileURL.path == models) == (part == .models) ? try? result.get() : nil
        }
    }

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

    /// The declared cases. Generated: the generator's `golden/MANIFEST.json` and, when present, the
    /// fuzzer's `golden/regressions/MANIFEST.json` (shrunk and coverage cases, written by `tools/fuzz
    /// capture`) and the dtype generator's `golden/dtypes/MANIFEST.json` (`tools/golden/dtype_generate.py`). Models: `golden/models/MANIFEST.json` (written by `tools/regenerate-models`).
    static func manifest(_ part: Part = .generated) throws -> [(id: String, layer: String, origin: String)] {
        var entries: [(id: String, layer: String, origin: String)] = []
        let paths = part == .generated ? ["MANIFEST.json", "regressions/MANIFEST.json", "dtypes/MANIFEST.json"] : ["models/MANIFEST.json"]
        for path in paths {
            let url = root.appendingPathComponent(path)
            if path != paths[0], !FileManager.default.fileExists(atPath: url.path) { continue }
            let data = try Data(contentsOf: url)
            guard let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { continue }
            entries += array.map { ($0["id"] as? String ?? "", $0["layer"] as? String ?? "", $0["origin"] as? String ?? "") }
        }
        return entries
    }
}
