import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats
import IBPRender

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Nominal, PGD and verified accuracy (IBP, CROWN-IBP, CROWN, sound IBP) of checkpoints on the MNIST test set.",
        version: FigureRenderer.version)

    @Argument(help: "Models: .ckpt files of this project, the seed's Chainer .npz, or ONNX classifiers (.onnx).")
    var checkpoints: [String]

    @Option(name: .long, parsing: .unconditionalSingleValue,
            help: "Perturbation radii (L-infinity, pixels in [0, 1]), comma-separated or repeated (default 0.1).")
    var epsilon: [CommaSeparated<Float>] = []

    /// The epsilons given, in order (0.1 when none).
    var epsilons: [Float] { epsilon.isEmpty ? [0.1] : epsilon.flattened() }

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var checkpointOptions: CheckpointOptions

    // `.unconditional` on the numbers: a negative value (`--limit -1`) reaches the range check instead of
    // argument-parser's "missing value".
    @Option(name: .long, parsing: .unconditional, help: "Evaluate only the first N test images (at most the number in --data).", transform: wholeInt(atLeast: 1))
    var limit: Int?

    @Option(name: .long, parsing: .unconditional, help: "PGD steps (0 skips the attack; at most 10000).", transform: wholeInt(0...maxAttackSteps))
    var pgdSteps: Int = 20

    @Option(name: .long, parsing: .unconditional, help: "Seed of PGD's random starts.", transform: wholeUInt64)
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Print one JSON object instead of a table (with several checkpoints: {\"models\": [...]}).")
    var json = false

    @Option(name: .long, parsing: .unconditionalSingleValue,
            help: "Bound methods, comma-separated or repeated: ibp, sound-ibp, crown-ibp, crown (default ibp). One verified column each, plus 'any'.")
    var bounds: [CommaSeparated<String>] = []

    @Flag(name: .long, help: "Also verify with rounding-safe bounds (the sound-ibp method), so each certificate is a proof.")
    var sound = false

    @Option(name: .long, help: "Write one CSV row per test image and epsilon: label, prediction, PGD-robust, verified and worst margin per method.")
    var perSample: String?

    /// The methods named by --bounds (and --sound), in order, without repeats.
    var methods: [BoundMethodName] {
        get throws {
            var names: [BoundMethodName] = []
            for item in lowercasedNames(bounds) {
                let name = try BoundMethodName(parsing: item)
                if !names.contains(name) { names.append(name) }
            }
            if names.isEmpty { names = [.ibp] }
            if sound && !names.contains(.soundIBP) { names.append(.soundIBP) }
            return names
        }
    }

    @Option(name: .long, help: "Also plot verified and PGD accuracy against epsilon for every checkpoint to this figure file (.png, .svg or .pdf: the extension is the format); with several --bounds the verified line is the 'any' column, as its legend says.")
    var plot: String?

    func validate() throws {
        if checkpoints.isEmpty { throw ValidationError("give at least one checkpoint") }
        try refuseEmptyPaths("CHECKPOINT", checkpoints)
        // A model named twice (`A.ckpt ./A.ckpt`, a link) would print the same report twice.
        try validateDistinctInputs(checkpoints.map { RunFile("CHECKPOINT", $0) }, what: "model")
        try refuseEmptyPaths([("--data", dataOptions.data), ("--per-sample", perSample), ("--plot", plot)])
        for e in epsilons { try validateEpsilon(e) }
        // --limit and --pgd-steps are held to their ranges by their transforms (`wholeInt(atLeast:)`, `wholeInt(_:)`).
        try validateList(epsilon.flattened() as [Float], flag: "--epsilon", given: !epsilon.isEmpty)
        try EpsilonLists.refuseRepeats(epsilons, flag: "--epsilon")
        try validateList(lowercasedNames(bounds), flag: "--bounds", given: !bounds.isEmpty)
        if let plot { _ = try figureFormat(of: plot, flag: "--plot") }
        try validateRunFiles(outputs: (plot.map { [RunFile("--plot", $0)] } ?? []) + (perSample.map { [RunFile("--per-sample", $0)] } ?? []),
                             inputs: checkpoints.map { RunFile("CHECKPOINT", $0) }
                                 + dataFiles(given: dataOptions.data, default: DataOptions.defaultDirectory.path))
        do { _ = try methods } catch { throw ValidationError("--bounds: \(error)") }
    }

    func run() throws {
        try reportingErrors("evaluate") {
            // The plot's font first: a missing one is reported before the evaluation, not after it.
            let fonts = plot == nil ? nil : try Fonts.load()
            // A data folder that does not exist is named with where it was looked for (not answered with how to
            // download MNIST).
            try DataOptions.requireFolder(given: dataOptions.data)
            let data = try Dataset.mnist(directory: dataOptions.directory, split: .test, limit: limit)
            // The loader keeps at most `limit` images; fewer means the flag asked for more than the data holds.
            if let limit { try validateCount(limit, flag: "--limit", available: data.count, what: "test images in \(dataOptions.directory.path)") }
            let methods = try self.methods
            var reports: [EvaluationReport] = []
            // Every row through CSVWriter: a checkpoint path holding a comma or a quote is quoted (RFC 4180).
            var csv = CSVWriter.row(["checkpoint", "index", "epsilon", "label", "prediction", "pgd_robust"]
                + methods.flatMap { ["verified_\($0.rawValue)", "worst_margin_\($0.rawValue)"] })
            // Every model is loaded and checked against the data and the methods before any is evaluated, so a
            // model that cannot be run is named at once, not after the others' evaluations.
            var models: [(checkpoint: String, loaded: ModelFile, network: any Classifier)] = []
            for checkpoint in checkpoints {
                let loaded = try checkpointOptions.loadModel(checkpoint, batch: min(max(data.count, 1), Checkpoint.evaluationBatch))
                try loaded.checkFits(data, path: checkpoint)
                let network = loaded.makeClassifier()
                // Every method given is a column of the report, so one that cannot bound the network is refused (verify,
                // which tries its --bounds in turn, goes on with the next instead).
                let refused = methods.filter { $0.refusal(network.layers) != nil }
                if let first = refused.first, let refusal = first.refusal(network.layers) {
                    throw ModelMethodError(message: "\(checkpoint): \(refusal); " + BoundMethodName.advice(
                        refused: refused, given: methods, layers: network.layers, flag: "--bounds"))
                }
                models.append((checkpoint, loaded, network))
            }
            // And a method whose work over every model, image and eps of the run is over the command's limit.
            for method in methods {
                let boxes = data.count * epsilons.count
                let (work, perBox) = method.work(models.map(\.network.layers), boxesPerModel: boxes)
                guard let refusal = method.commandRefusal(work: work, boxes: models.count * boxes, perBox: perBox) else { continue }
                let images = BoundMethodName.fitting(data.count, work: work)
                let fewer = images > 0 ? ", or bound fewer images (--limit \(images) fits \(epsilons.count) eps"
                    + (models.count > 1 ? " and \(models.count) models)" : ")") : ""
                throw ModelMethodError(message: (models.count == 1 ? models[0].checkpoint : "\(models.count) models")
                    + ": \(refusal); " + BoundMethodName.advice(refused: [method], given: methods,
                                                               networks: models.map(\.network.layers), flag: "--bounds")
                    + fewer)
            }
            for (checkpoint, loaded, network) in models {
                let started = Date()
                var results: [EvaluationResult] = []
                for eps in epsilons {
                    var bar = ProgressBar(total: data.count, label: "eps \(eps)", plainEvery: data.count)
                    results.append(try Evaluator.evaluate(
                        network, on: data, epsilon: eps, pgd: pgdSteps > 0 ? PGD(epsilon: eps, steps: pgdSteps) : nil,
                        seed: seed, methods: methods, progress: { bar.update($0) },
                        outcome: perSample == nil ? nil : { o in
                            let pgd = o.pgdRobust.map { $0 ? "1" : "0" } ?? ""
                            let cells = zip(o.verified, o.worstMargin).flatMap { v, m in
                                ["\(v ? 1 : 0)", m.map { "\($0)" } ?? "nan"]
                            }
                            csv += CSVWriter.row([checkpoint, "\(o.index)", "\(o.epsilon)", "\(o.label)",
                                                  "\(o.prediction)", pgd] + cells)
                        }))
                }
                reports.append(EvaluationReport(checkpoint: checkpoint, model: loaded.modelName,
                                                count: data.count, pgdSteps: pgdSteps, pgdStepSize: 0.1, seed: seed,
                                                seconds: Date().timeIntervalSince(started), results: results,
                                                step: loaded.step, training: loaded.trainingSettings))
            }
            if let plot {
                try createOutputFolder(for: plot, flag: "--plot")
                try AccuracyPlot.render(reports, to: TypedPath.url(plot), fonts: fonts!)
            }
            if let perSample {
                try createOutputFolder(for: perSample, flag: "--per-sample")
                try AtomicFile.write(Data(csv.utf8), to: TypedPath.url(perSample))
            }
            print(json ? EvaluationReport.json(reports) : reports.map(\.table).joined(separator: "\n\n"))
        }
    }
}

Evaluate.mainWithOneLineErrors()

/// A model that a requested bound method cannot bound (a failure of the run, exit status 1).
struct ModelMethodError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
