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

    @Test(arguments: GoldenCorpus.backends, [GoldenCorpus.Part.generated, .models])
    func backendHoldsExactlyTheDeclaredCases(_ backend: String, _ part: GoldenCorpus.Part) throws {
        let declared = Set(try GoldenCorpus.manifest(part).map(\.id))
        #expect(declared.count >= (part == .generated ? 300 : 60))
        var found: [String] = []
        for file in GoldenCorpus.readableFiles(in: part) where file.info.backend == backend { found += file.caseIDs }
        #expect(found.count == Set(found).count, "a case id appears twice on \(backend)")
        let stored = Set(found)
        #expect(declared.subtracting(stored).sorted() == [], "declared but not captured on \(backend)")
        #expect(stored.subtracting(declared).sorted() == [], "captured on \(backend) but not declared")
    }

    @Test func noCaseIDIsInBothParts() throws {
        let generated = Set(try GoldenCorpus.manifest(.generated).map(\.id))
        #expect(generated.isDisjoint(with: try GoldenCorpus.manifest(.models).map(\.id)))
    }

    @Test(arguments: [GoldenCorpus.Part.generated, .models])
    func casesAgreeWithTheManifest(_ part: GoldenCorpus.Part) throws {
        for entry in try GoldenCorpus.manifest(part) {
            for c in GoldenCorpus.cases(withID: entry.id) {
                #expect(c.layer == entry.layer, "\(entry.id) [\(c.backend)]")
                #expect(c.origin == entry.origin, "\(entry.id) [\(c.backend)]")
            }
        }
    }

    static let inScopeLayers = [
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
        "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
        "BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization",
        "UnitNormalization", "Normalization",
    ]

    @Test func everyPoolingAndNormalizationLayerHasAtLeastThreeCases() throws {
        let manifest = try GoldenCorpus.manifest()
        for layer in Self.inScopeLayers {
            #expect(manifest.filter { $0.layer == layer }.count >= 3, "\(layer)")
        }
    }

    /// The real-model corpus: every in-scope class (the layerzoo model), BatchNormalization
    /// in training from the keras.applications models, and each of those models.
    @Test func modelCorpusCoversEveryLayerAndModel() throws {
        let manifest = try GoldenCorpus.manifest(.models)
        for layer in Self.inScopeLayers {
            #expect(manifest.contains { $0.layer == layer && $0.id.hasPrefix("layerzoo.") }, "\(layer)")
        }
        for model in ["resnet50", "mobilenetv2", "efficientnetb0", "convnext_tiny", "transformer", "layerzoo"] {
            #expect(manifest.contains { $0.id.hasPrefix(model + ".") }, "\(model)")
        }
        for model in ["resnet50", "mobilenetv2", "efficientnetb0"] {
            #expect(
                manifest.contains { $0.id.hasPrefix(model + ".") && $0.id.hasSuffix(".train") && $0.layer == "BatchNormalization" },
                "\(model) has no BatchNormalization training case")
        }
        #expect(manifest.contains { $0.id.hasPrefix("convnext_tiny.") && $0.layer == "LayerNormalization" })
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
