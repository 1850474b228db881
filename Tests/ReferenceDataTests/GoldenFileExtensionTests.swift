import Foundation
import Testing
@testable import ReferenceData

/// The schema's optional datasets (gradients, float64 oracle, cancellation bound), bfloat16
/// datasets and the root attributes `oracle` and `jax_enable_x64`, on the fixtures of
/// `Tests/Fixtures/` made by tools/golden/make_fixtures.py.
@Suite struct GoldenFileExtensionTests {
    func path(_ name: String) -> String { GoldenFileTests.fixtures.appendingPathComponent(name).path }

    func readCase(_ file: GoldenFile, _ id: String) throws -> GoldenCase {
        try #require(file.entries.first { $0.id == id }).result.get()
    }

    @Test func readsRootAttributesOracleAndX64() throws {
        let file = try GoldenFile(contentsOf: path("extensions.h5"))
        #expect(file.info.oracle == "keras 3.15.1 tensorflow float64")
        #expect(file.info.jaxEnableX64)
        let plain = try GoldenFile(contentsOf: path("valid_small.h5"))
        #expect(plain.info.oracle == nil)
        #expect(!plain.info.jaxEnableX64)
    }

    @Test func readsGradientsOracleAndCancellation() throws {
        let file = try GoldenFile(contentsOf: path("extensions.h5"))
        #expect(file.errors.isEmpty, "\(file.errors)")
        let c = try readCase(file, "grads_oracle")
        let dy = try #require(c.dy)
        #expect(dy.shape == c.output.shape && dy.elementType == .float32)
        #expect(dy.values.first == -5.0 / 8)
        #expect(Array(c.grads.keys) == ["x"])
        #expect(c.grads["x"]?.shape == c.input.shape)
        #expect(c.oracle.keys.sorted() == ["grads/x", "outputs/y"])
        let oracle = try #require(c.oracle["outputs/y"])
        #expect(oracle.elementType == .float64)
        #expect(zip(oracle.values, c.output.values).allSatisfy { $0 == $1 + 0x1p-40 })
        #expect(c.cancellation.keys.sorted() == ["outputs/y"])
        #expect(c.cancellation["outputs/y"]?.values.allSatisfy { $0 == 0x1p-30 } == true)
        #expect(c.tensor(at: "grads/x") == c.grads["x"])

        let forward = try readCase(file, "forward_only")
        #expect(forward.dy == nil && forward.grads.isEmpty && forward.oracle.isEmpty && forward.cancellation.isEmpty)
    }

    /// bfloat16 bit patterns decode exactly: 1, -2, 1 + 2^-7, the largest finite
    /// (1.9921875 * 2^127), the smallest subnormal (2^-133), -0, +inf, -inf.
    @Test func readsBFloat16BitPatternsExactly() throws {
        let c = try readCase(try GoldenFile(contentsOf: path("extensions.h5")), "bfloat16")
        let expected: [Double] = [1, -2, 1 + 0x1p-7, 0x1.FEp127, 0x1p-133, -0.0, .infinity, -.infinity]
        #expect(c.output.elementType == .bfloat16 && c.input.elementType == .bfloat16)
        #expect(c.output.shape == [2, 2, 2])
        #expect(c.output.values.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(c.input.values.map(\.bitPattern) == (expected + expected).map(\.bitPattern))
        #expect(ElementType.bfloat16.isFloatingPoint)
    }

    @Test(arguments: [
        ("grads_without_dy", "'grads/x' is present but 'inputs/dy' is not"),
        ("dy_wrong_shape", "'inputs/dy' has shape (2, 4, 3)"),
        ("oracle_not_float64", "'oracle/outputs/y' is float32, not float64"),
        ("cancellation_wrong_shape", "'cancellation/outputs/y' has shape (3,)"),
        ("oracle_of_nothing", "'oracle/updated/moving_mean' mirrors no tensor"),
        ("bfloat16_not_uint16", "says dtype bfloat16 but is not stored as uint16"),
        ("uint16_without_dtype", "uint16 type, which cannot be read (bfloat16 data needs"),
    ])
    func aBrokenExtensionIsAnErrorOfItsCase(id: String, mentions: String) throws {
        let file = try GoldenFile(contentsOf: path("bad_extensions.h5"))
        let result = try #require(file.entries.first { $0.id == id }).result
        guard case .failure(let error) = result else { Issue.record("\(id) was read"); return }
        #expect(error.caseID == id && error.file == path("bad_extensions.h5"))
        #expect(error.message.contains(mentions), "\(error)")
        #expect(file.cases.map(\.id) == ["good"])
    }

    /// A case's own tolerance follows the rule the CLI's `--atol`/`--rtol` follow: a NaN,
    /// infinite or negative one is an error of that case (it was used as is, and NaN passed).
    @Test(arguments: ["atol_nan", "atol_inf", "rtol_negative", "rtol_minus_inf"])
    func aBadCaseToleranceIsAnErrorOfItsCase(_ id: String) throws {
        let file = try GoldenFile(contentsOf: path("hostile_values.h5"))
        let result = try #require(file.entries.first { $0.id == id }).result
        guard case .failure(let error) = result else { Issue.record("\(id) was read"); return }
        #expect(error.kind == .invalidCase)
        #expect(error.message.contains(ToleranceRule.requirement), "\(error)")
        let ok = try readCase(file, "tolerances_ok")
        #expect(ok.atol == 0 && ok.rtol == 1e-3)
    }

    /// int64 values are range-checked as integers: ±2^53 read exactly, one beyond is refused
    /// (converted first, 2^53 + 1 rounded to 2^53 and passed).
    @Test func int64BeyondTwoToThe53IsRefusedExactly() throws {
        let file = try GoldenFile(contentsOf: path("hostile_values.h5"))
        let ok = try readCase(file, "int64_at_2p53")
        #expect(ok.input.elementType == .int64)
        #expect(ok.input.values == [0x1p53, -0x1p53, 0, 1, -1, 7])
        for id in ["int64_beyond_2p53", "int64_below_minus_2p53"] {
            let result = try #require(file.entries.first { $0.id == id }).result
            guard case .failure(let error) = result else { Issue.record("\(id) was read"); continue }
            #expect(error.message.contains("beyond 2^53"), "\(error)")
        }
    }

    /// A zero dimension makes a tensor empty but must not carry a huge shape past the element
    /// cap (a layer sizes its statistics by the other dimensions).
    @Test func aZeroDimensionDoesNotHideAHugeShape() throws {
        let file = try GoldenFile(contentsOf: path("hostile_values.h5"))
        let result = try #require(file.entries.first { $0.id == "zero_dim_huge_shape" }).result
        guard case .failure(let error) = result else { Issue.record("the huge empty shape was read"); return }
        #expect(error.message.contains("(0, 1048576, 1048576)"), "\(error)")
        #expect(try readCase(file, "zero_dim_small_shape").input.shape == [0, 4, 3])
    }

    /// A config with an escaped lone UTF-16 surrogate is one invalid-JSON case (the parser
    /// trapped, and every other case of the file was lost); the case after it still reads.
    @Test func aLoneSurrogateInAConfigIsOneErrorCase() throws {
        let file = try GoldenFile(contentsOf: path("hostile_values.h5"))
        let result = try #require(file.entries.first { $0.id == "lone_surrogate" }).result
        guard case .failure(let error) = result else { Issue.record("the lone surrogate was read"); return }
        #expect(error.kind == .invalidJSON && error.message.contains("surrogate"), "\(error)")
        #expect(file.cases.contains { $0.id == "zz_after" })
    }
}
