import CStreamingStores
import Dispatch

/// Splits `0..<count` into contiguous chunks and runs `body(range)` on each, across the
/// machine's cores when there is enough work to pay for the threads.
///
/// `work` is the total number of elements touched; below `minimumWorkPerThread` per extra
/// thread the loop runs inline (thread start-up costs more than small tensors take).
/// With `chunksPerThread` > 1 the range is cut finer and the cores take pieces as they
/// finish (`concurrentPerform` hands out iterations from an atomic counter, and the calling
/// thread takes part), so a core slowed by another process takes fewer pieces instead of
/// holding the whole call back; each piece is still contiguous, so kernels that carry state
/// across neighbouring rows keep most of their reuse. Finer pieces do not help when another
/// process keeps a core busy: the scheduler then preempts one of the two threads for a time
/// slice as long as the whole call, and the call waits for the piece it holds (measured: the
/// two-thread normalization kernels 1.2-1.3x slower than one thread). So the split only uses
/// the cores that are idle when the call starts (`ProcessInfoCores.idle`).
///
/// With `lastChunkFirst` the chunks are handed out from the end of the range: a pass over data
/// that the previous pass read in order starts with what that pass read last, which the caches
/// still hold.
@inlinable
func parallelChunks(
    count: Int,
    work: Int,
    minimumWorkPerThread: Int = 1 << 16,
    chunksPerThread: Int = 1,
    lastChunkFirst: Bool = false,
    _ body: (Range<Int>) -> Void
) {
    guard count > 0 else { return }
    let wanted = min(ProcessInfoCores.activeCount, count, work / minimumWorkPerThread)
    let threads = wanted > 1 ? min(wanted, ProcessInfoCores.idle()) : 1
    if threads == 1 {
        body(0..<count)
        streaming_fence()
        return
    }
    let pieces = min(count, threads * max(1, chunksPerThread))
    let chunk = (count + pieces - 1) / pieces
    // The chunks are disjoint, so the body may write through shared pointers;
    // concurrentPerform returns only when every chunk is done.
    withoutActuallyEscaping(body) { escapable in
        nonisolated(unsafe) let run = escapable
        DispatchQueue.concurrentPerform(iterations: pieces) { t in
            let start = (lastChunkFirst ? pieces - 1 - t : t) * chunk
            let end = min(count, start + chunk)
            if start < end { run(start..<end) }
            // Kernels may write with streaming stores; make them visible before returning.
            streaming_fence()
        }
    }
}

/// How many threads the kernels split work across: the online cores, or fewer when the
/// environment variable `KERAS_CONFORMANCE_THREADS` holds a positive integer (e.g. `1` to keep a
/// process on one core beside other work, or to time the one-thread kernels). Read once.
@usableFromInline
enum ProcessInfoCores {
    @usableFromInline
    static let activeCount: Int = {
        #if canImport(Glibc)
            let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
            guard let text = getenv("KERAS_CONFORMANCE_THREADS").map({ String(cString: $0) }),
                let wanted = Int(text), wanted > 0
            else { return online }
            return min(online, wanted)
        #else
            return 1
        #endif
    }()

    /// The cores not running another thread now, this one's own core counted as idle (at
    /// least 1, at most `activeCount`): `activeCount` minus the other runnable threads that
    /// Linux reports in `/proc/loadavg` (its fourth field, `runnable/total`, counts this thread
    /// too). `activeCount` where that file cannot be read. A core that looks busy is looked at
    /// once more 50 µs later, and counted busy only if it still is: a thread runnable for a
    /// moment (the one that just handed this call its work and goes back to wait, measured:
    /// the first op of a benchmark round ran on one thread in half of its samples) holds no core.
    @usableFromInline
    static func idle() -> Int {
        let now = idleNow()
        guard now < activeCount else { return now }
        #if canImport(Glibc)
            usleep(50)
        #endif
        return max(now, idleNow())
    }

    /// One reading of `/proc/loadavg` (see `idle()`).
    @usableFromInline
    static func idleNow() -> Int {
        #if canImport(Glibc)
            let fd = open("/proc/loadavg", O_RDONLY)
            guard fd >= 0 else { return activeCount }
            defer { close(fd) }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer in
                let n = read(fd, buffer.baseAddress, buffer.count)
                guard n > 0 else { return activeCount }
                // "0.50 0.40 0.30 3/345 12345": the number before the '/'.
                var spaces = 0, runnable = 0, i = 0
                while i < n, spaces < 3 {
                    if buffer[i] == UInt8(ascii: " ") { spaces += 1 }
                    i += 1
                }
                while i < n, buffer[i] >= UInt8(ascii: "0"), buffer[i] <= UInt8(ascii: "9") {
                    runnable = runnable &* 10 &+ Int(buffer[i] &- UInt8(ascii: "0"))
                    i += 1
                }
                guard i < n, buffer[i] == UInt8(ascii: "/"), runnable >= 1 else { return activeCount }
                return max(1, min(activeCount, activeCount - (runnable - 1)))
            }
        #else
            return 1
        #endif
    }
}

#if canImport(Glibc)
    import Glibc
#endif
