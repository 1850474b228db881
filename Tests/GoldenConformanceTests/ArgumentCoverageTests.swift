import Foundation
import Testing

/// `docs/argument-coverage.md` (written by `tools/argument-coverage` from the golden files) is
/// current: it counts as many case ids as are committed, and no argument value class is at zero.
/// The classes themselves are computed only by the script (`tools/argument-coverage --check`
/// recomputes every row); this test catches a table left behind when cases are added or removed.
@Suite struct ArgumentCoverageTests {
    static let table: String? = {
        let url = GoldenCorpus.root.deletingLastPathComponent().appendingPathComponent("docs/argument-coverage.md")
        return try? String(contentsOf: url, encoding: .utf8)
    }()

    @Test func tableCountsEveryCommittedCase() throws {
        let text = try #require(Self.table, "docs/argument-coverage.md is missing: run tools/argument-coverage")
        let line = text.split(separator: "\n").first { $0.contains("distinct case ids") }
        let stated = line.flatMap { Int($0.split(separator: " ").first ?? "") }
        #expect(
            stated == GoldenCorpus.caseIDs.count,
            "docs/argument-coverage.md counts \(stated.map(String.init) ?? "no") case ids, golden/ holds \(GoldenCorpus.caseIDs.count): run tools/argument-coverage"
        )
    }

    @Test func noArgumentValueClassIsAtZero() throws {
        let text = try #require(Self.table, "docs/argument-coverage.md is missing: run tools/argument-coverage")
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| layer") }
        #expect(rows.count > 300, "docs/argument-coverage.md has only \(rows.count) rows")
        let zero = rows.filter { $0.hasSuffix("| 0 |") }
        #expect(zero.isEmpty, "no committed golden case exercises: \(zero.joined(separator: "; "))")
    }
}
