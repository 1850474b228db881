// libFuzzer target: the transfer-form decoder, `GoldenFile(transferData:path:)` (built by
// tools/fuzz-reader).
//
// This is what the CLI runs in its own process on bytes a reader child wrote, so it must
// survive anything a crashed or hostile child could write: a GoldenFile or a GoldenError,
// never a trap and never an allocation beyond what the input's size and the reader's element
// cap allow.
import Foundation
import ReferenceData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransfer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? GoldenFile(transferData: bytes, path: "fuzz.h5") else { return 0 }
    for c in file.cases {
        for t in [c.input, c.output] + Array(c.weights.values) + Array(c.oracle.values) {
            precondition(t.values.count == t.shape.reduce(1, *), "a decoded tensor does not match its shape")
        }
        precondition(c.inconsistency == nil, "a decoded case breaks the schema's rules")
    }
    return 0
}
