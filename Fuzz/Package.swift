// swift-tools-version:5.9
// libFuzzer targets for the file parsers. A separate package, so that `swift build` of the main package
// never builds them; see README.md for how to build and run them.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones (main, repo, ...).
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()
let ibp = Target.Dependency.product(name: "IBP", package: mainPackage)
// The ONNX and VNNLIB readers need only the file-format floor (no BLAS, PNG or crypto to build).
let formats = Target.Dependency.product(name: "IBPFormats", package: mainPackage)

let package = Package(
    name: "IBPFuzz",
    products: [
        .executable(name: "fuzz-checkpoint", targets: ["FuzzCheckpoint"]),
        .executable(name: "fuzz-npz", targets: ["FuzzNPZ"]),
        .executable(name: "fuzz-idx", targets: ["FuzzIDX"]),
        .executable(name: "fuzz-onnx", targets: ["FuzzONNX"]),
        .executable(name: "fuzz-vnnlib", targets: ["FuzzVNNLIB"]),
    ],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .target(name: "CFuzzer", path: "Sources/CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"], path: "Sources/FuzzSupport"),
        .executableTarget(name: "FuzzCheckpoint", dependencies: [ibp, "FuzzSupport"],
                          path: "Sources/FuzzCheckpoint"),
        .executableTarget(name: "FuzzNPZ", dependencies: [ibp, "FuzzSupport"],
                          path: "Sources/FuzzNPZ"),
        .executableTarget(name: "FuzzIDX", dependencies: [ibp, "FuzzSupport"],
                          path: "Sources/FuzzIDX"),
        .executableTarget(name: "FuzzONNX", dependencies: [formats, "FuzzSupport"],
                          path: "Sources/FuzzONNX"),
        .executableTarget(name: "FuzzVNNLIB", dependencies: [formats, "FuzzSupport"],
                          path: "Sources/FuzzVNNLIB"),
    ]
)
