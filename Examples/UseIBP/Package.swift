// swift-tools-version:6.0
// A package that uses the IBP library, as a project of your own would: here through a path to this repository;
// from elsewhere, `.package(url: "<this repository's URL>", exact: "<its version>")`.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones (main, ibpvis, ...).
let ibpvis = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "UseIBP",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "UseIBP", dependencies: [.product(name: "IBP", package: ibpvis)], path: "Sources/UseIBP"),
    ],
    swiftLanguageModes: [.v5]
)
