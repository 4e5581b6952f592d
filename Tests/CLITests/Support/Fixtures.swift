import Foundation
import IBP
import IBPFormats

/// Valid inputs made with the library, which the tests then damage.
enum Fixtures {
    /// The package root (this file is Tests/CLITests/Support/Fixtures.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The first 100 MNIST test images, shipped with the package.
    static let sampleMNIST = packageRoot.appendingPathComponent("sample_data/mnist")

    /// Writes a data folder whose train and test splits are both the first `count` sample images (gzip).
    static func writeData(to folder: URL, count: Int = 100) throws {
        let images = try MNIST.load(directory: sampleMNIST, split: .test, limit: count)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for split in MNIST.Split.allCases { try MNIST.write(images, directory: folder, split: split) }
    }

    /// The uncompressed bytes of one of the sample's IDX files (`t10k-images-idx3-ubyte` or `t10k-labels-idx1-ubyte`).
    static func sampleIDX(_ baseName: String) throws -> Data {
        try Gzip.readFile(sampleMNIST.appendingPathComponent(baseName + ".gz"))
    }

    /// The "tiny" model (784-100-10) with seeded weights, optionally changed by `edit` first.
    static func tinyNetwork(edit: (Network) -> Void = { _ in }) -> Network {
        let network = Network(Architecture.named("tiny")!)
        Initializer.orthogonal(network, seed: 7)
        edit(network)
        return network
    }

    /// Writes a checkpoint of `tinyNetwork(edit:)`.
    static func writeCheckpoint(to url: URL, edit: (Network) -> Void = { _ in }) throws {
        try Checkpoint(network: tinyNetwork(edit: edit), step: 5).save(to: url)
    }

    /// The tiny model's parameters as the seed's Chainer `.npz` would hold them, less the names in `dropping`.
    static func chainerArrays(dropping: Set<String> = []) -> [String: NDArray] {
        var arrays: [String: NDArray] = [:]
        for p in tinyNetwork().parameters where !dropping.contains(p.name) {
            arrays[p.name] = NDArray(shape: p.value.shape, values: p.value.data)
        }
        return arrays
    }
}
