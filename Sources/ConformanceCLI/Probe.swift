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
/// libhdf5 1.10 (Debian 12) can read out of bounds, and crash, or loop forever, on a deliberately
/// damaged file, and neither can be stopped in-process. So each file is read by
/// `keras-conformance probe` in a child (`ChildProcess`: own process group, killed with the CLI),
/// which hands the result over as bytes. A child that does not end by the deadline is killed with
/// its group, and one that dies names its file and the cause in an error instead of taking the
/// whole run down.
enum IsolatedReader {
    /// The default for `--read-timeout`: a golden file of the sizes the reader accepts reads in
    /// well under a second; a minute leaves room for a slow, loaded machine.
    static let defaultTimeout = 60.0

    static func read(_ paths: [String], timeout: Duration) throws -> [GoldenFile] {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            // No /proc (not Linux): read in-process, as the library does.
            return try paths.map { path in
                do throws(GoldenError) { return try GoldenFile(contentsOf: path) } catch { throw CLIError(error.description) }
            }
        }
        // Two readers at a time keep both cores busy; each result lands in its own slot.
        let results = ResultSlots(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            results.set(i, Result { () throws(CLIError) in try readInChild(paths[i], executable: executable, timeout: timeout) })
        }
        return try results.values.map { try $0!.get() }
    }

    private static func readInChild(_ path: String, executable: String, timeout: Duration) throws(CLIError) -> GoldenFile {
        // No backtrace printing in the child: it would take time and bury the one-line reason.
        let outcome = try ChildProcess.run(
            executable, ["probe", path], environment: ["SWIFT_BACKTRACE": "enable=no"], timeout: timeout)
        if let failure = failure(outcome, timeout: timeout) { throw CLIError("\(path): \(failure)") }
        do throws(GoldenError) {
            return try GoldenFile(transferData: outcome.stdout, path: path)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Why the reader child gave no result, telling apart a timeout, an out-of-memory kill, a
    /// Swift runtime trap (a bug in the reader) and a crash in libhdf5 (a damaged file); nil when
    /// it exited normally.
    static func failure(_ outcome: ChildProcess.Outcome, timeout: Duration) -> String? {
        let stderr = String(decoding: outcome.stderr, as: UTF8.self)
        let fatal = stderr.split(separator: "\n").first { $0.contains("Fatal error") }.map(String.init)
        switch outcome.ending {
        case .exited(0):
            return nil
        case .timedOut:
            return "timed out reading: the reader was still at it after \(seconds(timeout)) s "
                + "and was killed (--read-timeout sets the limit)"
        case _ where stderr.contains("Could not allocate memory") || stderr.contains("std::bad_alloc"):
            return "ran out of memory reading the file (the reader could not allocate memory)"
        case .signaled(SIGKILL):
            return "the reader was killed (SIGKILL) while reading the file, most likely by the kernel's "
                + "out-of-memory killer"
        case .signaled(let signal) where fatal != nil || signal == SIGILL || signal == SIGTRAP:
            return "the reader stopped on a Swift runtime trap (\(signalName(signal))) while reading the file, "
                + "a bug in the reader: \(fatal ?? "no message")"
        case .signaled(let signal):
            return "the file is damaged: libhdf5 crashed (signal \(signal), \(signalName(signal))) while reading it"
        case .exited(let status):
            let last = stderr.split(separator: "\n").last.map { ": \($0)" } ?? ""
            return "the reader exited with status \(status)\(last)"
        }
    }

    private static func seconds(_ d: Duration) -> String {
        String(format: "%g", Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGABRT: "SIGABRT", SIGILL: "SIGILL",
            SIGTRAP: "SIGTRAP", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGSYS: "SIGSYS",
        ]
        return names[signal] ?? "signal \(signal)"
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
