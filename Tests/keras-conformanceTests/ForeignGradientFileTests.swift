import Foundation
import KerasJSON
import Testing

/// A gradient file written by someone else in the documented format (tools/golden/foreign_gradient_writer.py:
/// plain h5py, HDF5's latest format, chunked and gzip-compressed datasets, creation-ordered
/// attributes, values from Keras's own tf.GradientTape) runs through the CLI with no change.
@Suite struct ForeignGradientFileTests {
    let cli = CommandLineTests()

    @Test func everyCasePassesForwardAndBackward() throws {
        let outcome = try cli.run(["run", CommandLineTests.fixture("foreign_gradients.h5"), "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let json = try JSONValue(parsing: outcome.stdout)
        let cases = try #require(json["cases"]?.arrayValue)
        #expect(cases.count == 5)
        for c in cases {
            #expect(c["forward"]?["status"] == .string("passed"), "\(c["id"]?.stringValue ?? "?")")
            #expect(c["backward"]?["status"] == .string("passed"), "\(c["id"]?.stringValue ?? "?")")
        }
        let gradients = cases.flatMap { $0["backward"]?["comparisons"]?.arrayValue ?? [] }.compactMap { $0["tensor"]?.stringValue }
        #expect(gradients.contains("grads/gamma (4,)") && gradients.contains("grads/x (1, 6, 6, 1)"), "\(gradients)")
        #expect(json["summary"]?["backward"]?["passed"] == .int(5))
    }
}
