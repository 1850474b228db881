import ConformanceCLI
import KerasLayersConformance
ConformanceCLI.main(KerasLayersImplementation(), commandName: "keras-conformance", extraCommands: [Bench.self])
