import Foundation
import Testing
@testable import ReferenceData

/// The transfer form carries exactly what reading the file in-process gives.
@Suite struct TransferTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let golden = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("golden")

    static let readable = [
        "valid_small.h5", "bad_config.h5", "missing_dataset.h5", "wrong_dtype.h5", "missing_attribute.h5",
        "extensions.h5", "bad_extensions.h5", "hostile_values.h5",
    ]

    /// Bit-for-bit equality (NaN inputs compare equal to themselves here).
    func same(_ a: ReferenceTensor?, _ b: ReferenceTensor?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.shape == b.shape && a.elementType == b.elementType && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }

    func same(_ a: [String: ReferenceTensor], _ b: [String: ReferenceTensor]) -> Bool {
        a.keys.sorted() == b.keys.sorted() && a.keys.allSatisfy { same(a[$0], b[$0]) }
    }

    func expectSame(_ a: GoldenFile, _ b: GoldenFile) {
        #expect(a.path == b.path)
        #expect(a.info == b.info)
        #expect(a.caseIDs == b.caseIDs)
        for (x, y) in zip(a.entries, b.entries) {
            switch (x.result, y.result) {
            case (.success(let p), .success(let q)):
                #expect(p.layer == q.layer && p.config == q.config && p.configText == q.configText && p.call == q.call)
                #expect(p.origin == q.origin && p.atol == q.atol && p.rtol == q.rtol && p.backend == q.backend)
                #expect(same(p.input, q.input) && same(p.mask, q.mask) && same(p.output, q.output), "\(x.id)")
                #expect(same(p.weights, q.weights) && same(p.updated, q.updated), "\(x.id)")
                #expect(same(p.dy, q.dy) && same(p.grads, q.grads), "\(x.id)")
                #expect(same(p.oracle, q.oracle) && same(p.cancellation, q.cancellation), "\(x.id)")
            case (.failure(let e), .failure(let f)):
                #expect(e == f)
            default:
                Issue.record("\(x.id): one side read, the other did not")
            }
        }
    }

    @Test(arguments: readable)
    func fixtureRoundTrip(_ name: String) throws {
        let path = Self.fixtures.appendingPathComponent(name).path
        let direct = try GoldenFile(contentsOf: path)
        let transferred = try GoldenFile(transferData: GoldenFile.transferData(readingFileAt: path), path: path)
        expectSame(direct, transferred)
    }

    @Test func goldenRoundTrip() throws {
        for path in try GoldenCollection.filePaths([Self.golden.path]) {
            let direct = try GoldenFile(contentsOf: path)
            expectSame(direct, try GoldenFile(transferData: GoldenFile.transferData(readingFileAt: path), path: path))
        }
    }

    @Test(arguments: ["wrong_schema.h5", "not_hdf5.h5", "truncated.h5"])
    func fileErrorsTravelToo(_ name: String) throws {
        let path = Self.fixtures.appendingPathComponent(name).path
        var direct: GoldenError?
        do { _ = try GoldenFile(contentsOf: path) } catch { direct = error }
        var transferred: GoldenError?
        do { _ = try GoldenFile(transferData: GoldenFile.transferData(readingFileAt: path), path: path) } catch { transferred = error }
        #expect(direct != nil)
        #expect(direct == transferred)
    }

    @Test(arguments: [Data(), Data("KGT1".utf8), Data("not transfer data at all".utf8)])
    func damagedTransferDataIsAnError(_ data: Data) {
        #expect(throws: GoldenError.self) { try GoldenFile(transferData: data, path: "x.h5") }
    }
}
