import Foundation
import Testing

/// `show`: run's columns with `allowed`, every backend's Keras value, exit 1 when the case fails.
@Suite struct ShowTests {
    let cli = CommandLineTests()

    @Test func usesRunsColumnsAndExitsZeroWhenItPasses() throws {
        let show = try cli.run(["show", "doc-2.2-example", "--limit", "2"])
        #expect(show.status == 0)
        #expect(
            show.stdout.contains("  index   actual        expected      abs diff  rel diff  ULP  spread    cancel    allowed   keras (tensorflow)  fails\n"),
            "\(show.stdout)")
        #expect(show.stdout.contains("  ... 8 more elements (--limit)"))
    }

    /// GlobalAveragePooling2D.cf is one float32 rounding off Keras: with no tolerance it fails.
    @Test func exitsOneAndMarksTheElementWhenTheCaseFails() throws {
        let show = try cli.run(["show", "GlobalAveragePooling2D.cf", "--atol", "0", "--rtol", "0"])
        #expect(show.status == 1)
        #expect(show.stdout.contains("FAIL  GlobalAveragePooling2D.cf [jax]"))
        let failing = show.stdout.split(separator: "\n").filter { $0.hasSuffix("  yes") }
        #expect(!failing.isEmpty, "\(show.stdout)")
    }

    @Test func aNegativeLimitIsAnArgumentError() throws {
        let show = try cli.run(["show", "doc-2.2-example", "--limit=-1"])
        #expect(show.status == 2)
        #expect(show.stderr.contains("--limit must be >= 0"))
    }

    @Test func limitZeroListsNoElements() throws {
        let show = try cli.run(["show", "doc-2.2-example", "--limit", "0"])
        #expect(show.status == 0)
        #expect(!show.stdout.contains("  index"))
        #expect(show.stdout.contains("  ... 10 more elements (--limit)"))
    }
}
