// swift-tools-version: 6.1
import PackageDescription

// Vector width. The default build targets each architecture's baseline (x86-64: SSE2; arm64: NEON)
// and runs on any CPU of that architecture. Setting KERAS_CONFORMANCE_TARGET_CPU when building compiles
// the layers (the numeric kernels) for one CPU instead: `native` for the building machine, or an LLVM CPU
// name (`haswell` for AVX2 + FMA, `znver2`, `skylake-avx512`, `apple-m1`). That binary runs only on such
// CPUs. Use a build folder of its own so the portable build stays as it is:
//     KERAS_CONFORMANCE_TARGET_CPU=native swift build -c release --scratch-path .build-native
// Checking what was generated: `objdump -d` on the binary, counting ymm (AVX2) or zmm (AVX-512) registers
// in the kernel symbols (BENCHMARKS.md, notes).
let layerSwiftSettings: [SwiftSetting] =
    Context.environment["KERAS_CONFORMANCE_TARGET_CPU"].map { [.unsafeFlags(["-target-cpu", $0])] } ?? []

let package = Package(
    name: "keras-conformance",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "KerasJSON", targets: ["KerasJSON"]),
        .library(name: "KerasLayers", targets: ["KerasLayers"]),
        .library(name: "ReferenceData", targets: ["ReferenceData"]),
        .library(name: "Conformance", targets: ["Conformance"]),
        .library(name: "KerasLayersConformance", targets: ["KerasLayersConformance"]),
        // The command line for any `LayerImplementation` (see Examples/).
        .library(name: "ConformanceCLI", targets: ["ConformanceCLI"]),
        .executable(name: "keras-conformance", targets: ["keras-conformance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (DocC) for the library products.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
    ],
    targets: [
        // libhdf5 (Debian libhdf5-dev keeps it under .../hdf5/serial, found through pkg-config).
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // The JSON value type shared by the golden reader and the layer config decoder.
        .target(name: "KerasJSON"),
        // Golden schema -> typed cases. Every HDF5 call behind one lock.
        .target(name: "ReferenceData", dependencies: ["CHDF5", "KerasJSON"]),
        // The layers: tensors, config decoding, semantics, numeric kernels.
        // Non-temporal stores for kernels that write large outputs (clang builtins Swift cannot spell).
        .target(name: "CStreamingStores"),
        .target(name: "KerasLayers", dependencies: ["KerasJSON", "CStreamingStores"], swiftSettings: layerSwiftSettings),
        // The harness: runner (implementation behind a protocol), comparator, reports.
        .target(name: "Conformance", dependencies: ["ReferenceData", "KerasJSON"]),
        // The HTML conformance report (Plot): matrix, used-fraction histograms, case details.
        .target(
            name: "ConformanceHTML",
            dependencies: ["Conformance", "ReferenceData", "KerasJSON", .product(name: "Plot", package: "Plot")]
        ),
        // Plugs KerasLayers into the harness's implementation protocol.
        .target(name: "KerasLayersConformance", dependencies: ["KerasLayers", "Conformance", "ReferenceData", "KerasJSON"]),
        // Starts the reader children: own process group, signals reset, killed with the parent.
        .target(name: "CChildProcess"),
        // run/list/show/report (and the hidden probe reader) for any LayerImplementation.
        .target(
            name: "ConformanceCLI",
            dependencies: [
                "Conformance", "ConformanceHTML", "ReferenceData", "KerasJSON", "CChildProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // ConformanceCLI for KerasLayers, plus this package's benchmark command.
        .executableTarget(
            name: "keras-conformance",
            dependencies: ["ConformanceCLI", "KerasLayersConformance", "KerasLayers", "KerasJSON", "CStreamingStores"]
        ),
        .testTarget(name: "KerasJSONTests", dependencies: ["KerasJSON"]),
        .testTarget(
            name: "ReferenceDataTests",
            dependencies: ["ReferenceData"],
            resources: []
        ),
        .testTarget(name: "KerasLayersTests", dependencies: ["KerasLayers", "KerasJSON"]),
        .testTarget(name: "ConformanceHTMLTests", dependencies: ["ConformanceHTML", "KerasJSON"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance", "ReferenceData", "KerasJSON"]),
        .testTarget(
            name: "GoldenConformanceTests",
            dependencies: ["Conformance", "KerasLayersConformance", "ReferenceData", "KerasLayers", "KerasJSON"]
        ),
        .testTarget(name: "keras-conformanceTests", dependencies: ["keras-conformance", "ConformanceCLI", "KerasLayersConformance"]),
    ],
    swiftLanguageModes: [.v6]
)
