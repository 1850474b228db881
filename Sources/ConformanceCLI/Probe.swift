import ArgumentParser
import Foundation
import ReferenceData

extension ConformanceCommand {
    /// Reads one golden file and writes it to standard output in `GoldenFile`'s transfer form.
    /// The CLI reads every golden file through this command in a child process (see `IsolatedReader`).
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read one golden file and write its transfer form (used to isolate libhdf5).",
            shouldDisplay: false)

        @Argument var path: String

        func run() throws {
            FileHandle.standardOutput.write(GoldenFile.transferData(readingFileAt: path))
        }
    }
}

/// Reads golden files with libhdf5 in child processes, never in this one.
///
/// libhdf5 1.10 (Debian 12) can read out of bounds, and crash, on a deliberately damaged file,
/// and a crash inside C cannot be caught. So each file is read by `keras-conformance probe` in
/// a child, which hands the result over as bytes; a child that dies names its file in an error
/// instead of taking the whole run down.
enum IsolatedReader {
    static func read(_ paths: [String]) throws -> [GoldenFile] {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            // No /proc (not Linux): read in-process, as the library does.
            return try paths.map { path in
                do throws(GoldenError) { return try GoldenFile(contentsOf: path) } catch { throw CLIError(error.description) }
            }
        }
        // Two readers at a time keep both cores busy; each result lands in its own slot.
        let results = ResultSlots(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            results.set(i, Result { () throws(CLIError) in try readInChild(paths[i], executable: executable) })
        }
        return try results.values.map { try $0!.get() }
    }

    private static func readInChild(_ path: String, executable: String) throws(CLIError) -> GoldenFile {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["probe", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw CLIError("\(path): cannot start the reader process: \(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            throw CLIError("\(path): the file is damaged: libhdf5 crashed (signal \(process.terminationStatus)) while reading it")
        }
        do throws(GoldenError) {
            return try GoldenFile(transferData: data, path: path)
        } catch {
            throw CLIError(error.description)
        }
    }
}

/// One slot per file, filled from concurrent readers.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<GoldenFile, CLIError>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<GoldenFile, CLIError>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}
