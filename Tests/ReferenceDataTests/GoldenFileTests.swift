import Foundation
import Testing
@testable import ReferenceData

/// The reader on the doctored fixtures of `Tests/Fixtures/` (made by tools/golden/make_fixtures.py):
/// each defect gives its documented error naming the file (and the case), never a crash, and a bad
/// case never hides the good ones.
@Suite struct GoldenFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    func path(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    func fileError(_ name: String) -> GoldenError? {
        do {
            _ = try GoldenFile(contentsOf: path(name))
            return nil
        } catch {
            return error
        }
    }

    @Test func readsAValidFile() throws {
        let file = try GoldenFile(contentsOf: path("valid_small.h5"))
        #expect(file.info.schema == "keras-golden/1")
        #expect(!file.info.kerasVersion.isEmpty && !file.info.backend.isEmpty && !file.info.generator.isEmpty)
        #expect(file.errors.isEmpty, "\(file.errors)")
        #expect(file.cases.count >= 2)
        for c in file.cases {
            #expect(!c.layer.isEmpty)
            #expect(c.config.objectValue != nil)
            #expect(c.call.objectValue != nil)
            #expect(c.input.count == c.input.shape.reduce(1, *))
            #expect(c.output.count == c.output.shape.reduce(1, *))
            #expect(c.file == path("valid_small.h5"))
        }
    }

    @Test func readsEveryAcceptedElementTypeLosslessly() throws {
        let file = try GoldenFile(contentsOf: path("valid_small.h5"))
        var types = Set<ElementType>()
        for c in file.cases {
            types.insert(c.input.elementType)
            types.insert(c.output.elementType)
            if let mask = c.mask { types.insert(mask.elementType) }
            c.weights.values.forEach { types.insert($0.elementType) }
            if let mask = c.mask { #expect(mask.values.allSatisfy { $0 == 0 || $0 == 1 }) }
            // A float32 dataset's values are float32 values exactly.
            for t in [c.input, c.output] + Array(c.weights.values) where t.elementType == .float32 {
                #expect(t.values.allSatisfy { Double(Float($0)) == $0 || $0.isNaN })
            }
        }
        #expect(types.isSuperset(of: [.float32, .float64, .float16, .uint8]), "\(types)")
    }

    @Test func notHDF5IsAnErrorNamingTheFile() throws {
        let error = try #require(fileError("not_hdf5.h5"))
        #expect(error.kind == .unreadableFile)
        #expect(error.file == path("not_hdf5.h5"))
        #expect(error.description.hasPrefix(path("not_hdf5.h5") + ": not an HDF5 file"))
    }

    @Test func truncatedFileIsAnErrorNamingTheFile() throws {
        let error = try #require(fileError("truncated.h5"))
        #expect(error.kind == .unreadableFile)
        #expect(error.description.hasPrefix(path("truncated.h5") + ": "))
    }

    @Test func anotherSchemaIsRefused() throws {
        let error = try #require(fileError("wrong_schema.h5"))
        #expect(error.kind == .unsupportedSchema)
        #expect(error.message.contains("keras-golden/2"))
    }

    @Test func aFileWithoutSchemaIsRefused() throws {
        let error = try #require(fileError("missing_schema.h5"))
        #expect(error.kind == .unsupportedSchema)
    }

    /// Each doctored case is an error naming file and case, and the good case beside it still reads.
    @Test(arguments: [
        ("missing_dataset.h5", GoldenError.Kind.missingDataset, "outputs/y"),
        ("bad_config.h5", .invalidJSON, "config"),
        ("wrong_dtype.h5", .unreadableDataset, "inputs/x"),
        ("missing_attribute.h5", .missingAttribute, "layer"),
    ])
    func aBrokenCaseIsAnErrorAndTheOthersStillRead(file name: String, kind: GoldenError.Kind, mentions: String) throws {
        let file = try GoldenFile(contentsOf: path(name))
        let errors = file.errors
        #expect(!errors.isEmpty, "\(name) read without error")
        #expect(errors.contains { $0.kind == kind && $0.message.contains(mentions) }, "\(errors)")
        for error in errors {
            #expect(error.file == path(name))
            #expect(error.caseID != nil)
            #expect(error.description.hasPrefix("\(path(name)): case '\(error.caseID!)': "))
        }
        if name != "missing_attribute.h5" {
            #expect(!file.cases.isEmpty, "the good case in \(name) was lost")
        }
    }

    @Test func aStringDatasetIsAnUnreadableDataset() throws {
        let file = try GoldenFile(contentsOf: path("wrong_dtype.h5"))
        #expect(file.errors.contains { $0.kind == .unreadableDataset && $0.message.contains("string") }, "\(file.errors)")
    }

    @Test func aMissingPathIsAnError() {
        #expect(throws: GoldenError.self) { try GoldenCollection.filePaths([path("no_such_file.h5")]) }
    }

    @Test func foldersAreSearchedForH5Files() throws {
        let paths = try GoldenCollection.filePaths([Self.fixtures.path])
        #expect(paths.contains(path("valid_small.h5")))
        #expect(paths == paths.sorted())
        #expect(paths.allSatisfy { $0.hasSuffix(".h5") })
    }

    @Test func aFolderWithoutGoldenFilesIsAnError() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("kc-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: GoldenError(.unreadableFile, file: empty.path, "no golden files (*.h5) in this folder")) {
            try GoldenCollection.filePaths([empty.path])
        }
    }

    @Test func readsConcurrentlyBehindTheLock() async throws {
        let p = path("valid_small.h5")
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 { group.addTask { try GoldenFile(contentsOf: p).cases.count } }
            var counts: [Int] = []
            for try await count in group { counts.append(count) }
            #expect(Set(counts).count == 1)
        }
    }
}
