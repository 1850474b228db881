import Foundation
import Testing
@testable import ReferenceData

/// Inputs the fuzz targets (Fuzz/, tools/fuzz-reader) found or were seeded with, kept as tests.
@Suite struct FuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func files(_ folder: String) -> [String] {
        let url = fuzz.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
            .map { url.appendingPathComponent($0).path }
    }

    /// Damaged transfer data that trapped the decoder (an element count or offset that overflows,
    /// a huge shape with a zero dimension) is an error naming the file.
    @Test(arguments: files("regressions/transfer"))
    func damagedTransferDataIsAnError(_ path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect { try GoldenFile(transferData: data, path: "x.h5") } throws: { error in
            (error as? GoldenError)?.message.contains("transfer data is damaged") == true
        }
    }

    /// The transfer seeds are the current format's output (regenerate them when it changes).
    @Test(arguments: files("corpus/transfer").filter { !$0.hasSuffix("not_hdf5") })
    func transferSeedsDecode(_ path: String) throws {
        let file = try GoldenFile(transferData: try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        #expect(!file.entries.isEmpty)
    }

    @Test func thereAreRegressionInputs() {
        #expect(Self.files("regressions/transfer").count >= 3)
        #expect(Self.files("regressions/reader").count >= 3)
    }
}
