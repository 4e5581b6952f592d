import Foundation
import IBPRender

/// Times `visualize`'s work: one default figure (both models, PGD, render, PNG) and a batch of 100.
/// Uses the shipped vissmall checkpoints and sample images, so it runs from any folder inside the repository.
public struct FigureBenchmark {
    private let renderer: FigureRenderer
    private let folder: URL

    /// The shipped files the figure measures time, relative to the repository root.
    public static let shippedFiles = ["sample_data/checkpoints/vissmall-baseline.ckpt",
                                      "sample_data/checkpoints/vissmall-ibp-eps0.1.ckpt", "sample_data/mnist"]

    /// Loads the font first (a missing one is the first error), then the shipped files under `root`, the
    /// repository root (nil: the working folder is not inside the repository). A missing root or file is one line
    /// naming what the figure measures need (not the data flags: the checkpoints are the repository's too).
    public init(root: URL?) throws {
        _ = try Fonts.load()
        guard let root else {
            throw FigureBenchmarkError(text: "the figure measures (figure, figures-100) time the repository's "
                + "shipped files (\(FigureBenchmark.shippedFiles.joined(separator: ", "))), and "
                + "\(FileManager.default.currentDirectoryPath) is not inside the repository (no IBPVis Package.swift "
                + "in it or above it); run ibp-bench from a folder inside the repository, or leave figure and "
                + "figures-100 out of --measures")
        }
        for file in FigureBenchmark.shippedFiles {
            let path = root.appendingPathComponent(file).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw FigureBenchmarkError(text: "\(path): no such file or folder; the figure measures (figure, "
                    + "figures-100) time the repository's shipped files (\(FigureBenchmark.shippedFiles.joined(separator: ", "))); "
                    + "restore it (git checkout -- sample_data), or leave figure and figures-100 out of --measures")
            }
        }
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

/// Why the figure measures cannot run: one line naming what they need.
public struct FigureBenchmarkError: Error, CustomStringConvertible {
    public let text: String
    public var description: String { text }
}
