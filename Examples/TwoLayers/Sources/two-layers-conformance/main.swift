import ConformanceCLI
import TwoLayers
ConformanceCLI.main(TwoLayersImplementation())
