import CStreamingStores
import Dispatch

/// The roofline: the fastest this machine moves an op's bytes, measured next to the op.
///
/// Two threads (the machine's two cores) each take half of the source and half of the
/// destination. Where both have bytes, a thread copies: 32-byte loads, and 32-byte non-temporal
/// stores (`streaming_store8`, the same clang builtin the layers' kernels use), which skip the
/// read-for-ownership of each destination line, so the memory traffic is exactly one read of the
/// source and one write of the destination. When an op reads more than it writes (a global
/// pooling), the rest of the source is only read (summed into four registers of eight lanes); when it writes more, the
/// rest of the destination is only written. So the roofline moves the op's own bytes read and
/// written, no more: GB/s = (bytes read + bytes written) / time.
final class StreamingCopy {
    /// The source, at least the largest `readBytes` asked for (a `CopyRing` of them for cold copies).
    let source: UnsafeMutableRawBufferPointer
    let destination: UnsafeMutableRawBufferPointer
    let threads: Int

    /// Allocates (and touches, so no page fault is timed) `sourceBytes` and `destinationBytes`.
    init(sourceBytes: Int, destinationBytes: Int, threads: Int = 2) {
        source = .allocate(byteCount: max(64, sourceBytes), alignment: 64)
        destination = .allocate(byteCount: max(64, destinationBytes), alignment: 64)
        source.withMemoryRebound(to: Float.self) { $0.initialize(repeating: 1) }
        destination.withMemoryRebound(to: Float.self) { $0.initialize(repeating: 0) }
        self.threads = threads
    }

    deinit {
        source.deallocate()
        destination.deallocate()
    }

    /// Reads `readBytes` from `source` at `sourceOffset` and writes `writeBytes` to the destination.
    /// Returns the sum of what was only read (so that those loads are not dropped).
    @discardableResult
    func run(sourceOffset: Int, readBytes: Int, writeBytes: Int) -> Float {
        precondition(sourceOffset % 64 == 0 && sourceOffset + readBytes <= source.count && writeBytes <= destination.count)
        let from = (source.baseAddress! + sourceOffset).assumingMemoryBound(to: Float.self)
        let to = destination.baseAddress!.assumingMemoryBound(to: Float.self)
        let readCount = readBytes / 4
        let writeCount = writeBytes / 4
        let threads = self.threads
        let partial = UnsafeMutableBufferPointer<Float>.allocate(capacity: threads * 16)
        defer { partial.deallocate() }
        nonisolated(unsafe) let shared = (from, to, partial)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let (from, to, partial) = shared
            let reads = Self.share(readCount, thread: t, of: threads)
            let writes = Self.share(writeCount, thread: t, of: threads)
            partial[t * 16] = Self.stream(
                from: from + reads.lowerBound, readCount: reads.count, to: to + writes.lowerBound, writeCount: writes.count)
            streaming_fence()
        }
        return (0..<threads).reduce(0) { $0 + partial[$1 * 16] }
    }

    /// Thread `t`'s part of `count` floats: contiguous, starting at a multiple of 16 (64 bytes).
    static func share(_ count: Int, thread t: Int, of threads: Int) -> Range<Int> {
        let chunk = (count / threads + 15) / 16 * 16
        let start = min(count, t * chunk)
        return start..<(t == threads - 1 ? count : min(count, start + chunk))
    }

    /// Copies the common prefix, then only reads or only writes the rest. `to` is 64-byte aligned.
    static func stream(from: UnsafePointer<Float>, readCount: Int, to: UnsafeMutablePointer<Float>, writeCount: Int) -> Float {
        let raw = UnsafeRawPointer(from)
        let common = min(readCount, writeCount)
        var i = 0
        while i + 16 <= common {
            streaming_store8(to + i, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            streaming_store8(to + i + 8, raw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self))
            i += 16
        }
        while i < common {
            to[i] = from[i]
            i += 1
        }
        var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        while i + 32 <= readCount {
            sums.0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            sums.1 += raw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            sums.2 += raw.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD8<Float>.self)
            sums.3 += raw.loadUnaligned(fromByteOffset: i * 4 + 96, as: SIMD8<Float>.self)
            i += 32
        }
        var sum = (sums.0 + sums.1 + sums.2 + sums.3).sum()
        while i < readCount {
            sum += from[i]
            i += 1
        }
        var j = common
        while j < writeCount, j % 4 != 0 {
            to[j] = 0
            j += 1
        }
        while j + 4 <= writeCount {
            streaming_store4(to + j, SIMD4<Float>())
            j += 4
        }
        while j < writeCount {
            to[j] = 0
            j += 1
        }
        return sum
    }
}

/// Offsets into one source buffer for cold copies: each copy reads the next `bytes` after the
/// last one, wrapping to the start, so bytes read are read again only after at least
/// `capacity - 2 × largest` other bytes: the buffer is sized for that to be `coldFactor` × L3.
struct CopyRing {
    let capacity: Int
    private(set) var cursor = 0

    /// A ring over which any byte is reread only after `reuseBytes` others, for reads up to `largest`.
    static func capacity(reuseBytes: Int, largest: Int) -> Int { round64(reuseBytes + 2 * largest) }

    init(capacity: Int) { self.capacity = capacity }

    /// Where the next read of `bytes` starts (64-byte aligned).
    mutating func next(bytes: Int) -> Int {
        precondition(bytes <= capacity)
        if cursor + bytes > capacity { cursor = 0 }
        let offset = cursor
        cursor = Self.round64(cursor + bytes)
        return offset
    }

    static func round64(_ n: Int) -> Int { (n + 63) / 64 * 64 }
}
