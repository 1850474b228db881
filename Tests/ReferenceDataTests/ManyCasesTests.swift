import Foundation
import Testing
@testable import ReferenceData

/// Reading, handing over and decoding a file is linear in its number of cases.
@Suite struct ManyCasesTests {
    /// CPU seconds this thread has used: unlike wall time, not inflated by a loaded machine.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// 5,000 case groups in dense link storage: listing them by index was quadratic (25 s of CPU in
    /// a debug build); one pass over the links takes a fraction of a second, and so does the
    /// transfer form's encoding and decoding.
    @Test func fiveThousandCasesReadInBoundedTime() throws {
        let path = GoldenFileTests.fixtures.appendingPathComponent("many_cases.h5").path
        let start = Self.threadCPUSeconds()
        let data = GoldenFile.transferData(readingFileAt: path)
        let file = try GoldenFile(transferData: data, path: path)
        let used = Self.threadCPUSeconds() - start
        #expect(file.entries.count == 5000)
        #expect(file.caseIDs == (0..<5000).map { String(format: "case_%05d", $0) })
        #expect(file.errors.count == 5000)
        #expect(used < 5, "\(used) s of CPU")
    }
}
