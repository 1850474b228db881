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
/// across neighbouring rows keep most of their reuse.
@inlinable
func parallelChunks(
    count: Int,
    work: Int,
    minimumWorkPerThread: Int = 1 << 16,
    chunksPerThread: Int = 1,
    _ body: (Range<Int>) -> Void
) {
    guard count > 0 else { return }
    let cores = ProcessInfoCores.activeCount
    let threads = max(1, min(cores, count, work / minimumWorkPerThread))
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
            let start = t * chunk
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
}

#if canImport(Glibc)
    import Glibc
#endif
