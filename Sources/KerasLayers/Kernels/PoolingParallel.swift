import Dispatch

/// `parallelChunks` with finer chunks: the same rule for how many cores to use, but the range
/// is cut into up to `chunksPerThread` pieces per thread that the cores take as they finish,
/// so a core slowed by another process (or by a slower part of the tensor) does not hold the
/// whole call back. Each piece is still a contiguous range, so kernels that carry state across
/// neighbouring rows (the NaN row checks) keep most of their reuse.
@inlinable
func poolingParallelChunks(
    count: Int,
    work: Int,
    minimumWorkPerThread: Int = 1 << 16,
    chunksPerThread: Int = 4,
    _ body: (Range<Int>) -> Void
) {
    guard count > 0 else { return }
    let cores = ProcessInfoCores.activeCount
    let threads = max(1, min(cores, count, work / minimumWorkPerThread))
    if threads == 1 {
        body(0..<count)
        return
    }
    let pieces = min(count, threads * chunksPerThread)
    let chunk = (count + pieces - 1) / pieces
    // The pieces are disjoint, so the body may write through shared pointers;
    // concurrentPerform returns only when every piece is done.
    withoutActuallyEscaping(body) { escapable in
        nonisolated(unsafe) let run = escapable
        DispatchQueue.concurrentPerform(iterations: pieces) { t in
            let start = t * chunk
            let end = min(count, start + chunk)
            if start < end { run(start..<end) }
        }
    }
}
