// swift-tools-version: 6.1
import PackageDescription

// keras-conformance itself, by path: this package lives in its Examples/ folder. SwiftPM names
// a path dependency after its folder, which is whatever the clone is called.
let conformancePath = "../.."
let conformancePackage = Context.packageDirectory.split(separator: "/").dropLast(2).last.map(String.init) ?? "keras-conformance"

let package = Package(
    name: "TwoLayers",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: conformancePath),
    ],
    targets: [
        // Two Keras layers written from scratch, behind `Conformance.LayerImplementation`.
        .target(
            name: "TwoLayers",
            dependencies: [.product(name: "Conformance", package: conformancePackage)]
        ),
        // The whole keras-conformance command line for them: a three-line main.swift.
        .executableTarget(
            name: "two-layers-conformance",
            dependencies: ["TwoLayers", .product(name: "ConformanceCLI", package: conformancePackage)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
