import Foundation
import IBP
import IBPFormats

/// Valid inputs made with the library, which the tests then damage.
enum Fixtures {
    /// A chain with a max pool (conv 4 3x3/1 VALID, ReLU, max pool 2x2/2, flatten, dense 10; fixed weights) on
    /// [1, 28, 28], written as ONNX to `url`: a network CROWN refuses and IBP bounds.
    static func writeMaxPoolONNX(to url: URL) throws {
        let conv = Conv2D(inputShape: [1, 28, 28], outChannels: 4, kernel: 3, stride: 1, same: false, name: "c")
        conv.weight.value = Tensor(shape: [4, 1, 3, 3], data: (0..<36).map { Float($0 % 7 - 3) * 0.05 })
        conv.bias.value = Tensor(shape: [4], data: [0.01, -0.02, 0.03, 0])
        let pool = MaxPool(windows: PoolWindows(ConvGeometry(channels: 4, height: 26, width: 26, kernelHeight: 2,
                                                             kernelWidth: 2, strideH: 2, strideW: 2, padTop: 0,
                                                             padLeft: 0, padBottom: 0, padRight: 0)))
        let dense = Linear(inputShape: [676], outFeatures: 10, name: "d")
        dense.weight.value = Tensor(shape: [10, 676], data: (0..<6760).map { Float($0 % 13 - 6) * 0.01 })
        dense.bias.value = Tensor(shape: [10], data: (0..<10).map { Float($0) * 0.01 })
        let model = ChainModel(name: "pool", inputShape: [1, 28, 28],
                               layers: [conv, Activation(.relu, shape: [4, 26, 26]), pool, Flatten(inputShape: [4, 13, 13]), dense])
        try ONNXExport.write(model, to: url)
    }

    /// A VNNLIB property on the box [0.49, 0.51]^784 whose counterexample condition is Y_1 >= Y_0, written to `url`.
    static func writeBoxProperty(to url: URL) throws {
        var lines = (0..<784).map { "(declare-const X_\($0) Real)" } + (0..<10).map { "(declare-const Y_\($0) Real)" }
        for i in 0..<784 { lines.append("(assert (<= X_\(i) 0.51))"); lines.append("(assert (>= X_\(i) 0.49))") }
        lines.append("(assert (>= Y_1 Y_0))")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

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
        try Gzip.readFile(sampleMNIST.appendingPathComponent(baseName + ".gz"), maxBytes: nil)
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
