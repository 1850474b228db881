import CChildProcess
import Foundation

/// A child process run to completion or to its deadline (see `CChildProcess`): its own
/// process group, killed as a group at the deadline, and killed by the kernel when the thread
/// that started it (so the CLI) dies.
struct ChildProcess {
    /// How the child ended.
    enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Killed (with its process group) because the deadline passed.
        case timedOut
    }

    struct Outcome {
        var ending: Ending
        var stdout: Data
        /// The last `stderrLimit` bytes the child wrote to standard error.
        var stderr: Data
    }

    static let stderrLimit = 16 * 1024

    /// Runs `executable` with `arguments` (and `environment` added to this process's), waiting at
    /// most `timeout` for it to end. Throws only when the child cannot be started.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration
    ) throws(CLIError) -> Outcome {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard cchild_pipe(&out) == 0 else { throw CLIError("cannot make a pipe: \(String(cString: strerror(errno)))") }
        guard cchild_pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw CLIError("cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        let pid = withCStrings([executable] + arguments) { argv in
            withCStrings(env.map { "\($0.key)=\($0.value)" }) { envp in
                cchild_spawn(executable, argv, envp, out[1], err[1])
            }
        }
        close(out[1]); close(err[1])
        guard pid > 0 else {
            close(out[0]); close(err[0])
            throw CLIError("cannot start \(executable): \(String(cString: strerror(-pid)))")
        }
        let deadline = ContinuousClock.now + timeout
        var stdout = Data(), stderr = Data()
        let finished = drain(out[0], into: &stdout, err[0], into: &stderr, until: deadline)
        close(out[0]); close(err[0])
        let ending = finished ? waitForExit(pid, until: deadline) : nil
        // The group goes in any case (grandchildren included), before the leader is reaped, so that
        // its id cannot have been reused.
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Outcome(ending: ending ?? .timedOut, stdout: stdout, stderr: stderr)
    }

    /// Reads both pipes until both are closed (true) or the deadline passes (false).
    private static func drain(
        _ outFD: Int32, into stdout: inout Data, _ errFD: Int32, into stderr: inout Data, until deadline: ContinuousClock.Instant
    ) -> Bool {
        var open: Set<Int32> = [outFD, errFD]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty {
            let left = deadline - .now
            guard left > .zero else { return false }
            var fds = open.sorted().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: Self.milliseconds(left)))
            if ready < 0 && errno != EINTR { return false }
            for p in fds where p.revents != 0 {
                let n = read(p.fd, &buffer, buffer.count)
                if n > 0 {
                    if p.fd == outFD {
                        stdout.append(contentsOf: buffer[0..<n])
                    } else {
                        stderr.append(contentsOf: buffer[0..<n])
                        if stderr.count > stderrLimit { stderr = stderr.suffix(stderrLimit) }
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    open.remove(p.fd)
                }
            }
        }
        return true
    }

    /// How the child ended, without reaping it; nil when it is still running at the deadline.
    private static func waitForExit(_ pid: pid_t, until deadline: ContinuousClock.Instant) -> Ending? {
        while true {
            var info = siginfo_t()
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid {
                let code = info._sifields._sigchld.si_status
                return info.si_code == CLD_EXITED ? .exited(code) : .signaled(code)
            }
            guard ContinuousClock.now < deadline else { return nil }
            usleep(5_000)
        }
    }

    private static func milliseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
    }

    /// Calls `body` with `strings` as a NULL-terminated array of C strings.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
