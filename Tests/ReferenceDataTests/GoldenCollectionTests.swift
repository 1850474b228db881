import Foundation
import Testing
@testable import ReferenceData

/// Folder scans and paths that are not plain golden files: an error naming them or a
/// reported skip, never a hang and never silence.
@Suite struct GoldenCollectionTests {
    /// A fresh temporary folder, removed by `cleanUp`.
    func makeFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kc-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    func cleanUp(_ folder: String) { try? FileManager.default.removeItem(atPath: folder) }

    func copyFixture(to path: String) throws {
        try FileManager.default.copyItem(atPath: GoldenFileTests.fixtures.appendingPathComponent("valid_small.h5").path, toPath: path)
    }

    func scanError(_ paths: [String]) -> GoldenError? {
        do { _ = try GoldenCollection(scanning: paths); return nil } catch { return error }
    }

    /// A FIFO named `*.h5` blocked the reader forever: given directly or met in a scan, it is
    /// refused before anything opens it; the reader itself refuses it too.
    @Test func aFIFOIsRefusedUpFront() throws {
        let folder = try makeFolder()
        defer { cleanUp(folder) }
        let fifo = folder + "/pipe.h5"
        #expect(mkfifo(fifo, 0o600) == 0)
        let direct = try #require(scanError([fifo]))
        #expect(direct.file == fifo && direct.message.contains("not a regular file (a FIFO)"), "\(direct)")
        let scanned = try #require(scanError([folder]))
        #expect(scanned.file == fifo && scanned.message.contains("not a regular file (a FIFO)"), "\(scanned)")
        #expect { try GoldenFile(contentsOf: fifo) } throws: { error in
            (error as? GoldenError)?.message.contains("not a regular file") == true
        }
    }

    /// A symbolic link to a folder inside a scan is not followed and is reported as skipped;
    /// the strict `filePaths` makes it an error; a link given directly is read.
    @Test func aSymlinkedFolderIsReportedAsSkipped() throws {
        let folder = try makeFolder(), other = try makeFolder()
        defer { cleanUp(folder); cleanUp(other) }
        try copyFixture(to: folder + "/a.h5")
        try copyFixture(to: other + "/b.h5")
        try FileManager.default.createSymbolicLink(atPath: folder + "/linked", withDestinationPath: other)
        try FileManager.default.createSymbolicLink(atPath: folder + "/loop", withDestinationPath: folder)
        let scan = try GoldenCollection(scanning: [folder])
        #expect(scan.files == [folder + "/a.h5"])
        #expect(scan.skipped.map(\.path).sorted() == [folder + "/linked", folder + "/loop"])
        #expect(scan.skipped.allSatisfy { $0.description.contains("symbolic link to a folder is not followed") })
        #expect(throws: GoldenError.self) { try GoldenCollection.filePaths([folder]) }
        #expect(try GoldenCollection(scanning: [folder + "/linked"]).files == [folder + "/linked/b.h5"])
    }

    /// A folder deeper than the system's path limit cannot be listed: an error naming it (the
    /// scan used to skip it without a word).
    @Test func aPathTooLongToListIsAnError() throws {
        let folder = try makeFolder()
        defer { _ = try? FileManager.default.removeItem(atPath: folder) }
        try copyFixture(to: folder + "/a.h5")
        // Build the deep chain with *at calls, each name 200 bytes, until the path exceeds PATH_MAX.
        let name = String(repeating: "d", count: 200)
        var fd = open(folder, O_RDONLY | O_DIRECTORY)
        var depth = 0
        while depth * 201 < Int(PATH_MAX) + 400 {
            #expect(mkdirat(fd, name, 0o700) == 0)
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
            depth += 1
        }
        close(fd)
        let error = try #require(scanError([folder]))
        #expect(error.message.contains("File name too long"), "\(error)")
        removeDeepChain(folder, name, depth)
    }

    /// Removes the chain from the bottom up, again with *at calls (the paths are too long).
    func removeDeepChain(_ folder: String, _ name: String, _ depth: Int) {
        var fds = [open(folder, O_RDONLY | O_DIRECTORY)]
        for _ in 0..<depth - 1 { fds.append(openat(fds.last!, name, O_RDONLY | O_DIRECTORY)) }
        for fd in fds.reversed() {
            unlinkat(fd, name, AT_REMOVEDIR)
            close(fd)
        }
    }
}
