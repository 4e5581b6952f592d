import Foundation
import IBPRender

/// Times `visualize`'s work: one default figure (both models, PGD, render, PNG) and a batch of 100.
/// Uses the shipped vissmall checkpoints and sample images, so it runs from the package root.
public struct FigureBenchmark {
    private let renderer: FigureRenderer
    private let folder: URL

    /// Loads the font first (a missing one is the first error), then the shipped files under `root`.
    public init(root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws {
        _ = try Fonts.load()
        let checkpoints = root.appendingPathComponent("sample_data/checkpoints")
        let data = try Dataset.mnist(directory: root.appendingPathComponent("sample_data/mnist"), split: .test)
        renderer = try FigureRenderer(
            baseline: try FigureModel(path: checkpoints.appendingPathComponent("vissmall-baseline.ckpt").path),
            ibp: try FigureModel(path: checkpoints.appendingPathComponent("vissmall-ibp-eps0.1.ckpt").path),
            data: data, dataDescription: "sample_data/mnist")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ibp-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The default figure: sample 0, eps 0.1, PGD perturbation.
    public func renderOne() throws {
        try renderer.write(sample: 0, epsilon: 0.1, options: FigureOptions(), to: folder.appendingPathComponent("one.png"))
    }

    /// `visualize --samples 0-99`: 100 figures over all cores.
    public func renderHundred() throws {
        let jobs = (0..<min(100, renderer.data.count)).map {
            FigureJob(sample: $0, epsilon: 0.1, output: folder.appendingPathComponent(FigureBatch.fileName(sample: $0, epsilon: 0.1)))
        }
        try FigureBatch.run(jobs, renderer: renderer, options: FigureOptions())
    }

    /// Removes the figures written while timing.
    public func cleanUp() { try? FileManager.default.removeItem(at: folder) }
}
