// libFuzzer target: the golden-file reader as the CLI's reader child runs it,
// `GoldenFile.transferData(readingFileAt:)` on bytes written to a file (built by
// tools/fuzz-reader).
//
// libhdf5 1.10 itself can crash on damaged files; that is why the CLI reads in a child and
// reports such a crash by name. A crash whose stack is inside libhdf5 is therefore expected
// here; one in the Swift reader (a trap, an overflow, an out-of-bounds read) is a bug.
// tools/fuzz-reader runs this target with -fork and -ignore_crashes and sorts what it finds.
import Foundation
import ReferenceData

let scratch = FileManager.default.temporaryDirectory
    .appendingPathComponent("fuzz-golden-reader-\(ProcessInfo.processInfo.processIdentifier).h5").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: scratch, contents: Data(UnsafeBufferPointer(start: data, count: size))) else {
        fatalError("cannot write \(scratch)")
    }
    let transfer = GoldenFile.transferData(readingFileAt: scratch)
    _ = try? GoldenFile(transferData: transfer, path: scratch)
    return 0
}
