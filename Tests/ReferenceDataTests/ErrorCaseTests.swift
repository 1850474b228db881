import Foundation
import Testing
@testable import ReferenceData

/// The schema's error cases (a call Keras refuses: attribute `error`, no results), on the
/// fixtures `error_cases_tensorflow.h5` and `error_cases_jax.h5`.
@Suite struct ErrorCaseTests {
    func path(_ name: String) -> String { GoldenFileTests.fixtures.appendingPathComponent(name).path }

    @Test func anErrorCaseHasKerassMessageAndNoOutput() throws {
        let file = try GoldenFile(contentsOf: path("error_cases_tensorflow.h5"))
        let refused = try #require(file.entries.first { $0.id == "refused_everywhere" }).result.get()
        #expect(refused.error?.hasPrefix("ValueError: The `data_format` argument must be one of") == true)
        #expect(refused.output == .absent)
        #expect(refused.input.shape == [2, 4, 3])
        #expect(refused.inconsistency == nil)
        let jax = try GoldenFile(contentsOf: path("error_cases_jax.h5"))
        let computed = try #require(jax.entries.first { $0.id == "tensorflow_lacks_kernel" }).result.get()
        #expect(computed.error == nil)
        #expect(computed.output.shape == [2, 2, 3])
    }

    @Test func anErrorCaseWithOutputsIsAnErrorOfThatCase() throws {
        let file = try GoldenFile(contentsOf: path("error_cases_tensorflow.h5"))
        #expect(file.cases.map(\.id).sorted() == ["refused_everywhere", "tensorflow_lacks_kernel"])
        let error = try #require(file.errors.first)
        #expect(error.kind == .invalidCase)
        #expect(error.caseID == "error_with_outputs")
        #expect(error.message.contains("attribute 'error'") && error.message.contains("'outputs/'"), "\(error.message)")
    }

    @Test func anEmptyErrorOrAnErrorCaseWithResultsIsInconsistent() {
        let x = ReferenceTensor(shape: [1], elementType: .float32, values: [1])
        var c = GoldenCase(id: "c", file: "f", backend: "jax", layer: "L", config: .object([:]), input: x, output: .absent, error: "")
        #expect(c.inconsistency?.contains("'error' is empty") == true)
        c.error = "ValueError: no"
        #expect(c.inconsistency == nil)
        c.output = x
        #expect(c.inconsistency?.contains("also results") == true)
    }

    @Test func theTransferFormKeepsTheError() throws {
        let original = try GoldenFile(contentsOf: path("error_cases_tensorflow.h5"))
        let data = GoldenFile.transferData(readingFileAt: path("error_cases_tensorflow.h5"))
        let decoded = try GoldenFile(transferData: data, path: original.path)
        let a = try #require(original.cases.first { $0.id == "refused_everywhere" })
        let b = try #require(decoded.cases.first { $0.id == "refused_everywhere" })
        #expect(a.error == b.error && b.output == .absent)
        #expect(decoded.errors == original.errors)
    }
}
