// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "IBPVis",
    products: [
        .library(name: "IBP", targets: ["IBP"]),
        .executable(name: "train", targets: ["train"]),
        .executable(name: "evaluate", targets: ["evaluate"]),
        .executable(name: "visualize", targets: ["visualize"]),
        .executable(name: "ibp-bench", targets: ["ibp-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 of checkpoints for the figures' provenance chunks.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Exact rational arithmetic for the sound-bounds tests.
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.0"),
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

        .target(name: "IBPFormats", dependencies: ["CZlib"], path: "Sources/IBPFormats"),
        .target(name: "IBPRender", dependencies: ["CCairo", "CPNG", "IBPFormats"], path: "Sources/IBPRender"),
        .target(name: "IBP", dependencies: ["CBLAS", "CKernels", "IBPFormats", "IBPRender", .product(name: "Crypto", package: "swift-crypto")],
                path: "Sources/IBP"),

        // Option groups and error reporting shared by the front ends.
        .target(name: "IBPCommandLine", dependencies: ["IBP", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                path: "Sources/IBPCommandLine"),
        .executableTarget(name: "train", dependencies: ["IBPCommandLine"], path: "Sources/train"),
        .executableTarget(name: "evaluate", dependencies: ["IBPCommandLine"], path: "Sources/evaluate"),
        .executableTarget(name: "visualize", dependencies: ["IBPCommandLine"], path: "Sources/visualize"),
        .executableTarget(name: "ibp-bench", dependencies: ["IBPCommandLine"], path: "Sources/ibp-bench"),

        .testTarget(name: "IBPFormatsTests", dependencies: ["IBPFormats"], path: "Tests/IBPFormatsTests"),
        .testTarget(name: "IBPRenderTests", dependencies: ["IBPRender"], path: "Tests/IBPRenderTests"),
        .testTarget(name: "CLITests", dependencies: ["IBP"], path: "Tests/CLITests"),
        .testTarget(name: "IBPTests", dependencies: ["IBP", .product(name: "BigInt", package: "BigInt")], path: "Tests/IBPTests",
                    resources: []),
    ]
)
