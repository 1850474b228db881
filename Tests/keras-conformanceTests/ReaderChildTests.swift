import Foundation
import Testing
@testable import ConformanceCLI

/// The reader children: a deadline, their process group killed on timeout and with the CLI,
/// non-regular files refused, and every way a child can die told apart.
@Suite(.serialized) struct ReaderChildTests {
    let cli = CommandLineTests()

    /// A child and everything it started are killed at the deadline.
    @Test func aChildPastItsDeadlineIsKilledWithItsGroup() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "sleep 60 & echo $!; wait"], timeout: .milliseconds(500))
        #expect(outcome.ending == .timedOut)
        #expect(clock.now - start < .seconds(10))
        let grandchild = try #require(pid_t(String(decoding: outcome.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The background sleep was in the child's group: it is gone (or a zombie about to be reaped by init).
        var gone = false
        for _ in 0..<200 where !gone {
            gone = kill(grandchild, 0) != 0 || Self.state(of: grandchild) == "Z"
            if !gone { usleep(10_000) }
        }
        #expect(gone, "the grandchild \(grandchild) survived the timeout")
    }

    @Test func endingsAreReported() throws {
        #expect(try ChildProcess.run("/bin/sh", ["-c", "exit 3"], timeout: .seconds(30)).ending == .exited(3))
        #expect(try ChildProcess.run("/bin/sh", ["-c", "kill -SEGV $$"], timeout: .seconds(30)).ending == .signaled(SIGSEGV))
        let echo = try ChildProcess.run("/bin/sh", ["-c", "printf out; printf err >&2"], timeout: .seconds(30))
        #expect(echo.ending == .exited(0) && echo.stdout == Data("out".utf8) && echo.stderr == Data("err".utf8))
    }

    /// Signals blocked in the parent (worker threads block some) are unblocked in the child,
    /// and dispositions reset, so that SIGTERM ends it.
    @Test func theChildDoesNotInheritBlockedSignals() throws {
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "kill -TERM $$; sleep 30"], timeout: .seconds(20))
        #expect(outcome.ending == .signaled(SIGTERM))
    }

    typealias Outcome = ChildProcess.Outcome

    /// Each way a reader child ends has its own message.
    @Test func failuresAreToldApart() {
        func failure(_ ending: ChildProcess.Ending, _ stderr: String = "") -> String {
            IsolatedReader.failure(Outcome(ending: ending, stdout: Data(), stderr: Data(stderr.utf8)), timeout: .seconds(7)) ?? "nil"
        }
        #expect(failure(.exited(0)) == "nil")
        #expect(failure(.timedOut).hasPrefix("timed out reading: the reader was still at it after 7 s"))
        #expect(failure(.signaled(SIGKILL)).contains("out-of-memory killer"))
        #expect(failure(.signaled(SIGABRT), "fatal error: Could not allocate memory.\n").contains("ran out of memory"))
        let trap = failure(.signaled(SIGILL), "Swift/Array.swift:42: Fatal error: Index out of range\n")
        #expect(trap.contains("Swift runtime trap (SIGILL)") && trap.contains("Fatal error: Index out of range"), "\(trap)")
        #expect(failure(.signaled(SIGSEGV)) == "the file is damaged: libhdf5 crashed (signal 11, SIGSEGV) while reading it")
        #expect(failure(.exited(1), "first\nlast line\n") == "the reader exited with status 1: last line")
    }

    /// A FIFO named `*.h5` (it blocked the reader forever) is refused up front, given directly or
    /// found in a folder.
    @Test func aFIFOIsRefusedAndTheRunEnds() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kc-fifo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/pipe.h5", 0o600) == 0)
        for path in [folder + "/pipe.h5", folder] {
            let outcome = try cli.run(["list", path])
            #expect(outcome.status == 2)
            #expect(outcome.stderr.contains("\(folder)/pipe.h5: not a regular file (a FIFO)"), "\(outcome.stderr)")
        }
    }

    @Test func aReadPastTheDeadlineIsTimedOutReading() throws {
        let outcome = try cli.run(["list", "--read-timeout", "0.001", CommandLineTests.fixture("valid_small.h5")])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("\(CommandLineTests.fixture("valid_small.h5")): timed out reading"), "\(outcome.stderr)")
        for bad in ["0", "-1", "nan", "inf"] {
            #expect(try cli.run(["list", "--read-timeout=\(bad)", CommandLineTests.fixture("valid_small.h5")]).status == 2)
        }
    }

    /// A symlinked folder in a scan is not followed, and the CLI says so.
    @Test func aSkippedFolderIsReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kc-skip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: CommandLineTests.fixture("valid_small.h5"), toPath: folder + "/a.h5")
        try FileManager.default.createSymbolicLink(atPath: folder + "/elsewhere", withDestinationPath: CommandLineTests.fixture(""))
        let outcome = try cli.run(["list", folder])
        #expect(outcome.status == 0)
        #expect(
            outcome.stderr.contains("warning: skipped \(folder)/elsewhere: a symbolic link to a folder is not followed"),
            "\(outcome.stderr)")
    }

    /// A reader that hangs (stopped here with SIGSTOP) is killed at the deadline; and when the CLI
    /// itself is killed, its reader children do not outlive it.
    @Test func hangingReadersTimeOutAndDieWithTheCLI() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kc-hang-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for i in 0..<40 {
            try FileManager.default.copyItem(atPath: CommandLineTests.fixture("valid_small.h5"), toPath: folder + "/f\(i).h5")
        }
        for killTheCLI in [false, true] {
            let process = Process()
            process.executableURL = try #require(CommandLineTests.executable)
            process.arguments = ["list", "--read-timeout", killTheCLI ? "600" : "2", folder]
            process.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            process.standardError = err
            try process.run()
            // Stop the first reader child seen: it now hangs like a reader stuck in libhdf5.
            var stopped: pid_t?
            for _ in 0..<5000 where stopped == nil {
                // A child that already exited (a zombie) cannot hang: only one seen stopped counts.
                if let child = Self.children(of: process.processIdentifier).first(where: { kill($0, SIGSTOP) == 0 && Self.waitStopped($0) }) {
                    stopped = child
                } else {
                    usleep(1000)
                }
            }
            let child = try #require(stopped, "no reader child seen")
            if killTheCLI {
                usleep(100_000)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                var gone = false
                for _ in 0..<500 where !gone {
                    gone = kill(child, 0) != 0 || Self.state(of: child) == "Z"
                    if !gone { usleep(10_000) }
                }
                #expect(gone, "the reader child \(child) outlived the killed CLI")
                if !gone { kill(child, SIGKILL) }
            } else {
                let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(process.terminationStatus == 2)
                #expect(stderr.contains("timed out reading"), "\(stderr)")
            }
        }
    }

    /// Files the reader fuzz target found (Fuzz/regressions/reader) that crash libhdf5 or send it
    /// into an endless loop: each ends with exit status 2 naming the file and the cause, in bounded time.
    @Test(arguments: FuzzRegressionInputs.reader)
    func damagedFilesFoundByFuzzingEndInBoundedTime(_ path: String) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try cli.run(["list", "--read-timeout", "3", path])
        #expect(clock.now - start < .seconds(60))
        #expect(outcome.status == 2)
        #expect(
            outcome.stderr.contains("\(path): timed out reading") || outcome.stderr.contains("\(path): the file is damaged"),
            "\(outcome.stderr)")
    }

    /// The pids whose parent is `pid` (from /proc).
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && pid_t(fields[1]) == pid
        }
    }

    /// Whether `pid` reaches the stopped state (T) within a second after SIGSTOP.
    static func waitStopped(_ pid: pid_t) -> Bool {
        for _ in 0..<1000 {
            switch state(of: pid) {
            case "T"?, "t"?: return true
            case nil, "Z"?, "X"?: return false
            default: usleep(1000)
            }
        }
        return false
    }

    /// The one-letter state of `pid` (R, S, T, Z, ...), or nil when it is gone.
    static func state(of pid: pid_t) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
    }
}

enum FuzzRegressionInputs {
    static let reader: [String] = {
        let folder = CommandLineTests.repository.appendingPathComponent("Fuzz/regressions/reader")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            .map { folder.appendingPathComponent($0).path }
    }()
}
