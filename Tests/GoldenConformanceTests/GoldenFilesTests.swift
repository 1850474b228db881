import Testing
import Foundation
import ReferenceData

/// The committed golden files themselves: readable, from the pinned Keras, and holding
/// exactly the declared cases on both backends.
@Suite struct GoldenFilesTests {
    @Test func everyCommittedFileReadsWithoutError() throws {
        #expect(!GoldenCorpus.files.isEmpty, "no golden files under \(GoldenCorpus.root.path)")
        for (path, result) in GoldenCorpus.files {
            let file = try result.get()
            #expect(file.errors.isEmpty, "\(path): \(file.errors.map(\.description))")
            #expect(file.info.kerasVersion == "3.15.1", "\(path) comes from Keras \(file.info.kerasVersion)")
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
            #expect(file.info.backend == folder, "\(path) is in \(folder)/ but was captured on \(file.info.backend)")
        }
    }

    @Test(arguments: GoldenCorpus.backends)
    func backendHoldsExactlyTheDeclaredCases(_ backend: String) throws {
        let declared = Set(try GoldenCorpus.manifest().map(\.id))
        #expect(declared.count >= 300)
        var found: [String] = []
        for file in GoldenCorpus.readableFiles where file.info.backend == backend { found += file.caseIDs }
        #expect(found.count == Set(found).count, "a case id appears twice on \(backend)")
        let stored = Set(found)
        #expect(declared.subtracting(stored).sorted() == [], "declared but not captured on \(backend)")
        #expect(stored.subtracting(declared).sorted() == [], "captured on \(backend) but not declared")
    }

    @Test func casesAgreeWithTheManifest() throws {
        for entry in try GoldenCorpus.manifest() {
            for c in GoldenCorpus.cases(withID: entry.id) {
                #expect(c.layer == entry.layer, "\(entry.id) [\(c.backend)]")
                #expect(c.origin == entry.origin, "\(entry.id) [\(c.backend)]")
            }
        }
    }

    @Test func everyPoolingAndNormalizationLayerHasAtLeastThreeCases() throws {
        let layers = [
            "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
            "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
            "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
            "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
            "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
            "BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization",
            "UnitNormalization", "Normalization",
        ]
        let manifest = try GoldenCorpus.manifest()
        for layer in layers {
            #expect(manifest.filter { $0.layer == layer }.count >= 3, "\(layer)")
        }
    }

    /// The seed document's LayerNormalization example prints ±0.99998 on every row.
    @Test func seedLayerNormalizationExampleGivesPlusMinusPoint99998() throws {
        let seeds = try GoldenCorpus.manifest().filter { $0.layer == "LayerNormalization" && $0.origin.hasPrefix("doc 2.2") }
        #expect(!seeds.isEmpty)
        for seed in seeds {
            for c in GoldenCorpus.cases(withID: seed.id) {
                #expect(c.output.shape == [5, 2])
                for (i, y) in c.output.values.enumerated() {
                    #expect(abs(abs(y) - 0.99998) < 5e-6, "\(seed.id) [\(c.backend)] element \(i) = \(y)")
                    #expect((y < 0) == (i % 2 == 0))
                }
            }
        }
    }
}
