import Foundation
import IBP
import IBPFormats
import XCTest

/// CROWN's work is budgeted for the whole command, not only per box (trial 31: a chain just under the per-box limit
/// ran 21.8 s per image, some 60 hours over MNIST's 10,000 test images, in `evaluate`, which has no time limit):
/// `evaluate` over images x eps and `visualize curves` over images x grid refuse it before any work, with the
/// methods and the `--limit` that fit.
final class CROWNBudgetTests: ToolFolderTestCase {
    /// flatten, dense 784 -> 10, then `pairs` pairs of a 10 x 10 dense layer and tanh, dense 10 -> 10: for 3,500
    /// about 10^12 multiply-adds of CROWN per box, under the per-box limit of 2^40.
    private func deepChain(pairs: Int = 3500, name: String = "deep") throws -> String {
        let first = Linear(inputShape: [784], outFeatures: 10, name: "in")
        first.weight.value = Tensor(shape: [10, 784], data: (0..<7840).map { Float($0 % 11 - 5) * 0.001 })
        var layers: [Layer] = [Flatten(inputShape: [1, 28, 28]), first]
        for i in 0..<pairs {
            let dense = Linear(inputShape: [10], outFeatures: 10, name: "d\(i)")
            dense.weight.value = Tensor(shape: [10, 10], data: (0..<100).map { Float(($0 + i) % 7 - 3) * 0.1 })
            layers += [dense, Activation(.tanh, shape: [10])]
        }
        let last = Linear(inputShape: [10], outFeatures: 10, name: "out")
        last.weight.value = Tensor(shape: [10, 10], data: (0..<100).map { Float($0 % 5 - 2) * 0.1 })
        let url = folder.appendingPathComponent(name + ".onnx")
        try ONNXExport.write(ChainModel(name: name, inputShape: [1, 28, 28], layers: layers + [last]), to: url)
        return url.path
    }

    private func refused(_ tool: Tool, _ arguments: [String]) throws -> String {
        try tool.requireBuilt()
        let outcome = try tool.run(arguments, in: folder, timeout: 120)
        XCTAssertEqual(outcome.status, 1, "\(outcome.commandLine): \(outcome.stderr)")
        XCTAssertEqual(outcome.stderr.split(separator: "\n").count, 1, outcome.stderr)
        XCTAssertLessThan(outcome.seconds, 60, "refused before any work")
        return outcome.stderr
    }

    func testEvaluateRefusesCROWNOverTheCommandsLimit() throws {
        let net = try deepChain()
        // 100 images (the shipped sample) at 20 eps: about 2 x 10^15 multiply-adds.
        let eps = (1...20).map { String(format: "%.2f", Double($0) / 100) }.joined(separator: ",")
        let text = try refused(.evaluate, [net, "--data", Fixtures.sampleMNIST.path, "--bounds", "crown,ibp",
                                           "--epsilon", eps, "--pgd-steps", "0"])
        XCTAssertTrue(text.contains("for the 2,000 input boxes this command bounds"), text)
        XCTAssertTrue(text.contains("drop crown from --bounds (ibp, also given, can bound this network), or bound fewer images (--limit "), text)
        XCTAssertTrue(text.contains(" fits 20 eps)"), text)
        // Alone, crown leaves the methods that can bound it (not itself).
        let alone = try refused(.evaluate, [net, "--data", Fixtures.sampleMNIST.path, "--bounds", "crown",
                                            "--epsilon", eps, "--pgd-steps", "0"])
        XCTAssertTrue(alone.contains("give ibp or sound-ibp or crown-ibp in --bounds instead"), alone)
    }

    /// Trial 32: the budget was per model, so three copies of a network at the --limit one fits were accepted (3x the
    /// budget). 100 images at 6 eps fit one deep chain (6.2 x 10^14), not two.
    func testEvaluateSumsTheModelsWork() throws {
        let net = try deepChain()
        let copy = path("copy.onnx")
        try FileManager.default.copyItem(atPath: net, toPath: copy)
        let text = try refused(.evaluate, [net, copy, "--data", Fixtures.sampleMNIST.path, "--bounds", "crown,ibp",
                                           "--epsilon", "0.01,0.02,0.03,0.04,0.05,0.06", "--pgd-steps", "0"])
        XCTAssertTrue(text.hasPrefix("evaluate: error: 2 models: bound method crown would need about "), text)
        XCTAssertTrue(text.contains("for the 1,200 input boxes this command bounds"), text)
        XCTAssertTrue(text.contains(" fits 6 eps and 2 models)"), text)
        // ibp is offered for both networks, in the plural (trial 35: "can bound this network" with two models).
        XCTAssertTrue(text.contains("drop crown from --bounds (ibp, also given, can bound these networks)"), text)
        // Copies: the work per box is each one's, not an average.
        XCTAssertFalse(text.contains("average"), text)
    }

    /// A manifest's figures are one command: two curves figures of the deep chain, each at 100 images x 10 eps
    /// (1.04 x 10^15, under the limit alone), are refused together before any figure is drawn.
    func testAManifestSumsItsFiguresWork() throws {
        let net = try deepChain()
        let manifest = folder.appendingPathComponent("figures.json")
        try writeCurvesManifest(manifest, models: [net, net])
        let text = try refused(.visualize, ["--manifest", manifest.path, "--data", Fixtures.sampleMNIST.path])
        XCTAssertTrue(text.contains("its figures together: bound method crown would need about "), text)
        XCTAssertTrue(text.contains("for the 2,000 input boxes this command bounds"), text)
        XCTAssertTrue(text.contains("figure 1 (\(path("a.png"))) needs the most"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("a.png")))
        XCTAssertFalse(text.contains("average"), text)
        // Figures of models that differ: "each" is their average, and said so.
        let shorter = try deepChain(pairs: 3000, name: "shorter")
        try writeCurvesManifest(manifest, models: [net, shorter])
        let mixed = try refused(.visualize, ["--manifest", manifest.path, "--data", Fixtures.sampleMNIST.path])
        XCTAssertTrue(mixed.contains(" each, an average over models whose work per box differs), "), mixed)
    }

    /// A manifest of two crown curves figures (a.png, b.png), 10 eps each, of `models[0]` and `models[1]`.
    private func writeCurvesManifest(_ manifest: URL, models: [String]) throws {
        let figures = zip(["a.png", "b.png"], models).map { output, model in
            #"  {"kind": "curves", "output": "\#(path(output))", "models": ["\#(model)"], "methods": "crown", "#
                + #""epsilons": "0.01:0.1:0.01", "pgdSteps": 0}"#
        }
        try Data(("{\"figures\": [\n" + figures.joined(separator: ",\n") + "\n]}\n").utf8).write(to: manifest)
    }

    func testABatchRefusesCROWNOverTheCommandsLimit() throws {
        // A model the figures can draw (the deep chain cannot): the shipped medium-bn, about 1.6 x 10^10 per box, for
        // 100 samples at 1,000 eps.
        let net = Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints/medium-bn-ibp-eps0.2.ckpt").path
        let eps = (1...1000).map { String(format: "%.4f", Double($0) / 10_000) }.joined(separator: ",")
        let text = try refused(.visualize, ["--model", net, "--bounds", "crown", "--data", Fixtures.sampleMNIST.path,
                                            "--samples", "0-99", "--epsilons", eps, "--out-dir", path("batch")])
        XCTAssertTrue(text.contains("--bounds crown: "), text)
        XCTAssertTrue(text.contains("for the 100,000 input boxes this command bounds"), text)
        XCTAssertTrue(text.contains("give fewer --samples ("), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("batch")), "no folder for a refused batch")
        // Two models (trial 34: the number that fits did not say it was for both, nor "each" that it was an average).
        let small = Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints/small-ibp-eps0.2.ckpt").path
        let two = try refused(.visualize, ["--model", net, "--model", small, "--bounds", "crown", "--data",
                                           Fixtures.sampleMNIST.path, "--samples", "0-99", "--epsilons", eps,
                                           "--out-dir", path("batch")])
        XCTAssertTrue(two.contains(" each, an average over models whose work per box differs), "), two)
        XCTAssertTrue(two.contains("give fewer --samples (67 fit the 1000 eps of --epsilons and 2 models)"), two)
    }

    func testCurvesRefusesCROWNOverTheCommandsLimit() throws {
        let net = try deepChain()
        let text = try refused(.visualize, ["curves", "--model", net, "--data", Fixtures.sampleMNIST.path,
                                            "--methods", "crown", "--out", path("c.png")])
        XCTAssertTrue(text.contains("--methods crown: "), text)
        // 100 images x the default grid of 46 eps.
        XCTAssertTrue(text.contains("for the 4,600 input boxes this command bounds"), text)
        XCTAssertTrue(text.contains("eps of --epsilons)"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("c.png")))
    }

    /// Trial 34: curves of several models said "--limit N fits the 3 eps of --epsilons" where evaluate says "fits 3 eps
    /// and 3 models", and "about N each" of models that differ was their average without saying so.
    func testCurvesOfSeveralModelsSaysTheLimitFitsThemAll() throws {
        let deep = try deepChain(), shorter = try deepChain(pairs: 3000, name: "shorter")
        let text = try refused(.visualize, ["curves", "--model", deep, "--model", shorter, "--data", Fixtures.sampleMNIST.path,
                                            "--methods", "crown", "--out", path("c.png")])
        XCTAssertTrue(text.contains("--methods crown: 2 models: "), text)
        XCTAssertTrue(text.contains("for the 9,200 input boxes this command bounds (about "), text)
        XCTAssertTrue(text.contains(" each, an average over models whose work per box differs), "), text)
        XCTAssertTrue(text.contains(" fits the 46 eps of --epsilons and 2 models)"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("c.png")))
    }
}
