#if canImport(Glibc)
    import Glibc
#endif

/// An array of `count` elements that `body` initializes, all of them: a layer's output, written
/// once by a kernel (which may use streaming stores; `body` fences them).
///
/// Above `hugePageThreshold` bytes, the buffer's whole 2 MiB pages are advised as transparent
/// huge pages on Linux (`madvise(MADV_HUGEPAGE)`, honoured when
/// `/sys/kernel/mm/transparent_hugepage/enabled` is `madvise` or `always`), before anything is
/// written. An allocation that large is a fresh mapping from glibc on every call (its largest
/// `mmap` threshold is 32 MiB), whose pages fault in and are zeroed on first write; with huge
/// pages that is one fault per 2 MiB instead of one per 4 KiB (BatchNormalization writing a
/// 256 MiB output, warm: 63 ms → 32–40 ms on the 2-core benchmark machine, where the kernel alone
/// takes ~16 ms). Elsewhere the advice is not given and nothing changes.
func makeFilledArray<T>(count: Int, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
    [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0, let base = buffer.baseAddress {
            adviseHugePages(UnsafeMutableRawPointer(base), bytes: count &* MemoryLayout<T>.stride)
            body(base)
        }
        initialized = count
    }
}

/// The size above which `makeFilledArray` advises huge pages: glibc's largest `mmap` threshold.
let hugePageThreshold = 32 << 20

/// `madvise(MADV_HUGEPAGE)` over the whole 2 MiB pages of the `bytes` at `base`, when they are
/// more than `hugePageThreshold` (Linux; a hint: its failure changes nothing).
private func adviseHugePages(_ base: UnsafeMutableRawPointer, bytes: Int) {
    #if os(Linux)
        guard bytes > hugePageThreshold else { return }
        let page = 2 << 20
        let start = (Int(bitPattern: base) &+ page &- 1) & ~(page &- 1)
        let end = (Int(bitPattern: base) &+ bytes) & ~(page &- 1)
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(first, end &- start, MADV_HUGEPAGE)
    #endif
}
