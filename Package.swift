// swift-tools-version:6.0
// Swift 6.0 is the oldest toolchain that builds this package (the Synchronization module, String(validating:as:));
// the code is written in the Swift 5 language mode. Built and tested with Swift 6.3.1.
import PackageDescription

let package = Package(
    name: "IBPVis",
    products: [
        .library(name: "IBP", targets: ["IBP"]),
        // The file-format floor alone (ONNX, VNNLIB, NPZ, IDX, ...): what the ONNX and VNNLIB fuzz targets link.
        .library(name: "IBPFormats", targets: ["IBPFormats"]),
        .executable(name: "train", targets: ["train"]),
        .executable(name: "evaluate", targets: ["evaluate"]),
        .executable(name: "visualize", targets: ["visualize"]),
        .executable(name: "ibp-bench", targets: ["ibp-bench"]),
        .executable(name: "verify", targets: ["verify"]),
        .executable(name: "convert", targets: ["convert"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // SHA-256 of checkpoints for the figures' provenance chunks.
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        // Exact rational arithmetic for the sound-bounds tests.
        .package(url: "https://github.com/attaswift/BigInt", exact: "6.0.1"),
        // ONNX models are protobuf messages (Sources/IBPFormats/ONNX/onnx-subset.proto, generated code committed).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // System libraries: OpenBLAS for sgemm, zlib for gzip/zip, libpng (behind a C shim that owns setjmp).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: nil,
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: nil,
                       providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CPNG", path: "Sources/CPNG", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),
        // Cairo draws every figure (PNG through CPNG, SVG, PDF); FreeType loads the DejaVu font from its file.
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev", "libfreetype-dev", "fonts-dejavu-core", "pkg-config"])]),
        // The AVX-512 GEMM and im2col kernels (runtime-dispatched, portable fallbacks); optimised in debug builds too, so `swift test` trains at a usable speed.
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        .target(name: "IBPFormats", dependencies: ["CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                path: "Sources/IBPFormats", exclude: ["ONNX/onnx-subset.proto"]),
        .target(name: "IBPRender", dependencies: ["CCairo", "CPNG", "IBPFormats"], path: "Sources/IBPRender"),
        // Optimised in debug builds too (as CKernels): the tests run CROWN's backward passes and training steps,
        // which take minutes unoptimised and seconds optimised; `-enable-testing` keeps @testable imports working.
        .target(name: "IBP", dependencies: ["CBLAS", "CKernels", "IBPFormats", "IBPRender", .product(name: "Crypto", package: "swift-crypto")],
                path: "Sources/IBP", swiftSettings: [.unsafeFlags(["-O", "-enable-testing"])]),

        // Option groups and error reporting shared by the front ends.
        .target(name: "IBPCommandLine", dependencies: ["IBP", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                path: "Sources/IBPCommandLine"),
        .executableTarget(name: "train", dependencies: ["IBPCommandLine"], path: "Sources/train"),
        .executableTarget(name: "evaluate", dependencies: ["IBPCommandLine"], path: "Sources/evaluate"),
        .executableTarget(name: "visualize", dependencies: ["IBPCommandLine"], path: "Sources/visualize"),
        .executableTarget(name: "ibp-bench", dependencies: ["IBPCommandLine"], path: "Sources/ibp-bench"),
        .executableTarget(name: "verify", dependencies: ["IBPCommandLine"], path: "Sources/verify"),
        .executableTarget(name: "convert", dependencies: ["IBPCommandLine"], path: "Sources/convert"),
        // The library example of the README (`Examples/UseIBP`, a package of its own): built here too, so every build
        // compiles it against the library as it is; `ReadmeExampleTests` checks the README's lines are its lines.
        .executableTarget(name: "use-ibp-example", dependencies: ["IBP"], path: "Examples/UseIBP/Sources/UseIBP"),

        .testTarget(name: "IBPFormatsTests", dependencies: ["IBPFormats"], path: "Tests/IBPFormatsTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "IBPRenderTests", dependencies: ["IBPRender"], path: "Tests/IBPRenderTests"),
        .testTarget(name: "CLITests", dependencies: ["IBP"], path: "Tests/CLITests"),
        .testTarget(name: "IBPTests", dependencies: ["IBP", .product(name: "BigInt", package: "BigInt")], path: "Tests/IBPTests",
                    resources: []),
    ],
    swiftLanguageModes: [.v5]
)
