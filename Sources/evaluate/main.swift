import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Nominal, PGD and IBP-verified accuracy of a checkpoint on the MNIST test set.")

    @Argument(help: "Checkpoints: .ckpt files of this project or the seed's Chainer .npz.")
    var checkpoints: [String]

    @Option(name: .long, help: "Perturbation radius (L-infinity, pixels in [0, 1]); repeat for several.")
    var epsilon: [Float] = [0.1]

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(name: .long, help: "Evaluate only the first N test images.")
    var limit: Int?

    @Option(name: .long, help: "PGD steps (0 skips the attack).")
    var pgdSteps: Int = 20

    @Option(name: .long, help: "Seed of PGD's random starts.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Print one JSON object instead of a table (with several checkpoints: {\"models\": [...]}).")
    var json = false

    @Flag(name: .long, help: "Also verify with rounding-safe bounds (every lower bound rounded down, every upper bound up), so each certificate is a proof.")
    var sound = false

    @Option(name: .long, help: "Also plot verified and PGD accuracy against epsilon for every checkpoint to this PNG.")
    var plot: String?

    func validate() throws {
        if checkpoints.isEmpty { throw ValidationError("give at least one checkpoint") }
        for e in epsilon { try validateEpsilon(e) }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if pgdSteps < 0 { throw ValidationError("--pgd-steps must not be negative") }
        if let plot { try validateOutputFile(plot, flag: "--plot", createsFolder: true) }
    }

    func run() throws {
        try reportingErrors("evaluate") {
            let data = try Dataset.mnist(directory: dataOptions.directory, split: .test, limit: limit)
            var reports: [EvaluationReport] = []
            for checkpoint in checkpoints {
                let loaded = try checkpointOptions.load(checkpoint)
                try loaded.checkFits(data, path: checkpoint)
                let network = loaded.makeNetwork()
                let started = Date()
                var results: [EvaluationResult] = []
                for eps in epsilon {
                    var bar = ProgressBar(total: data.count, label: "eps \(eps)", plainEvery: data.count)
                    results.append(Evaluator.evaluate(network, on: data, epsilon: eps,
                                                      pgd: pgdSteps > 0 ? PGD(epsilon: eps, steps: pgdSteps) : nil,
                                                      seed: seed, sound: sound, progress: { bar.update($0) }))
                }
                reports.append(EvaluationReport(checkpoint: checkpoint, model: loaded.architecture.name,
                                                count: data.count, pgdSteps: pgdSteps, pgdStepSize: 0.1, seed: seed,
                                                seconds: Date().timeIntervalSince(started), results: results,
                                                step: loaded.step, training: loaded.trainingSettings))
            }
            if let plot {
                try createOutputFolder(for: plot, flag: "--plot")
                try AccuracyPlot.render(reports, to: URL(fileURLWithPath: plot))
            }
            print(json ? EvaluationReport.json(reports) : reports.map(\.table).joined(separator: "\n\n"))
        }
    }
}

Evaluate.mainWithOneLineErrors()
