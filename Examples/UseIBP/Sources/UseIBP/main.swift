// Loads a shipped checkpoint and the shipped MNIST test images, and reports nominal, PGD and IBP-verified accuracy
// at eps 0.1: the library's evaluation in a dozen lines. Run from this folder: swift run UseIBP
import Foundation
import IBP

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
do {
    let checkpoint = try Checkpoint.load(repository.appendingPathComponent("sample_data/checkpoints/small-ibp-eps0.4.ckpt"))
    let data = try Dataset.mnist(directory: repository.appendingPathComponent("sample_data/mnist"), split: .test)
    try checkpoint.checkFits(data, path: "small-ibp-eps0.4.ckpt")
    let network = checkpoint.makeNetwork()
    let result = Evaluator.evaluate(network, on: data, epsilon: 0.1, pgd: PGD(epsilon: 0.1, steps: 20), seed: 0)
    print("\(checkpoint.architecture.name), \(result.count) images at eps \(result.epsilon): nominal "
          + "\(result.nominalAccuracy), PGD \(result.pgdAccuracy ?? 0), verified \(result.verifiedAccuracy)")
} catch {
    FileHandle.standardError.write(Data("UseIBP: error: \(error)\n".utf8))
    exit(1)
}
