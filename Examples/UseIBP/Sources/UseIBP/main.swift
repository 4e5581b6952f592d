// Loads a shipped checkpoint and the shipped MNIST test images, and reports nominal, PGD and IBP-verified accuracy
// at eps 0.1: the library's evaluation in a dozen lines. Run from this folder: swift run UseIBP
// (the repository's own build compiles it too, as `use-ibp-example`).
import Foundation
import IBP

// The repository root (five folders above this file), so the relative paths below name the shipped files.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
FileManager.default.changeCurrentDirectoryPath(repository.path)
do {
    let checkpoint = try Checkpoint.load(URL(fileURLWithPath: "sample_data/checkpoints/small-ibp-eps0.4.ckpt"))
    let data = try Dataset.mnist(directory: URL(fileURLWithPath: "sample_data/mnist"), split: .test)
    try checkpoint.checkFits(data, path: "small-ibp-eps0.4.ckpt")
    let result = try Evaluator.evaluate(checkpoint.makeNetwork(), on: data, epsilon: 0.1, pgd: PGD(epsilon: 0.1), seed: 0)
    print("\(checkpoint.architecture.name), \(result.count) images at eps \(result.epsilon): nominal "
          + "\(result.nominalAccuracy), PGD \(result.pgdAccuracy ?? 0), verified \(result.verifiedAccuracy)")
} catch {
    FileHandle.standardError.write(Data("UseIBP: error: \(error)\n".utf8))
    exit(1)
}
