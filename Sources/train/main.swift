import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model nominally, with IBP (Gowal et al. 2019) or CROWN-IBP (Zhang et al. 2020), resumable, writing checkpoints and curves.",
        discussion: """
        Example: swift run -c release train --model small --method ibp --epsilon-train 0.4 --out runs/small-ibp

        Ctrl-C (or SIGTERM, a scheduler's time limit) writes a checkpoint and exits; --resume runs/small-ibp continues exactly where it stopped, with the data folder and every setting the run recorded in settings.json. With --resume, --steps sets a new total and --data may name another folder holding the same files (training and test); any other flag must equal the record, which keeps the folder the run started with.

        Each flag is given at most once; lists (--decay-steps) take commas, the repeated flag, or both.
        """,
        version: FigureRenderer.version)

    // Every setting is optional here, so that a resumed run can tell a flag the user gave from a default; the
    // defaults are TrainingFlags.settings()'s. Declared as arrays so that a flag given twice is refused
    // (`once`) instead of the last value silently winning. Numbers use `.unconditionalSingleValue`, so that a
    // negative value (`--steps -5`) reaches the range check instead of argument-parser's "missing value".

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Model: \(Architecture.names.joined(separator: ", ")) (default small), or a FILE.json of layers in the form checkpoints store (e.g. sample_data/models/small-wide.json).",
        valueName: "name"))
    var model: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "nominal (plain cross-entropy), ibp or crown-ibp (Zhang et al. 2020; ReLU models) (default ibp).",
        valueName: "method"))
    var method: [TrainingSettings.Method] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "crown-ibp: beta (the weight of the CROWN-IBP bound) at the start of the eps ramp (default 1).", valueName: "beta"), transform: decimalFloat)
    var betaStart: [Float] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "crown-ibp: beta at the end of the eps ramp and after it, reached linearly (default 0).", valueName: "beta"), transform: decimalFloat)
    var betaEnd: [Float] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Target training epsilon, reached at the end of the ramp (default 0.1).", valueName: "eps"), transform: decimalFloat)
    var epsilonTrain: [Float] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Final kappa, the weight of the nominal loss (default 0.5).", valueName: "kappa"), transform: decimalFloat)
    var kappa: [Float] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Epsilon of the evaluations during training (default: --epsilon-train).", valueName: "eps"), transform: decimalFloat)
    var evalEpsilon: [Float] = []

    /// Refused: `train --epsilon 0.3` used to set the evaluation epsilon only and train at the default 0.1.
    @Option(name: .long, parsing: .singleValue, help: .hidden)
    var epsilon: [String] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Total training steps (default 60000); with --resume, the new total.", valueName: "n"), transform: wholeInt(1...TrainingSettings.maxCount))
    var steps: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Steps at eps 0, kappa 1 before the ramp (default 2000).", valueName: "n"), transform: wholeInt(0...TrainingSettings.maxCount))
    var warmupSteps: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Steps over which eps and kappa move linearly to their targets (default 10000).", valueName: "n"), transform: wholeInt(0...TrainingSettings.maxCount))
    var rampSteps: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("Batch size (default 100).", valueName: "n"), transform: wholeInt(atLeast: 1))
    var batchSize: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("Adam learning rate (default 0.001).", valueName: "lr"), transform: decimalFloat)
    var learningRate: [Float] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Steps at which the learning rate is multiplied by --decay-factor: 15000,25000 (the default), repeated, or '' for none.",
        valueName: "steps"))
    var decaySteps: [CommaSeparated<DecayStep>] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("Learning-rate decay factor (default 0.1).", valueName: "f"), transform: decimalFloat)
    var decayFactor: [Float] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("Seed of initialisation and shuffling (default 0).",
                                                                    valueName: "n"), transform: wholeUInt64)
    var seed: [UInt64] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("Write checkpoint.ckpt every N steps (default 1000).",
                                                                    valueName: "n"), transform: wholeInt(1...TrainingSettings.maxCount))
    var checkpointEvery: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("Evaluate on the test images (or the --validation images) every N steps (default 2000).",
                                                                    valueName: "n"), transform: wholeInt(1...TrainingSettings.maxCount))
    var evalEvery: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Number of test (or validation) images in those evaluations (default 1000).", valueName: "n"), transform: wholeInt(1...TrainingSettings.maxCount))
    var evalLimit: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Hold out N training images, chosen by a fixed seed, as a validation set: the evaluations use them instead of the test images, and best.ckpt keeps the weights of the best validation verified accuracy after the eps ramp (default: none).",
        valueName: "n"), transform: wholeInt(1...TrainingSettings.maxCount))
    var validation: [Int] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Worker threads, 1...\(TrainingSettings.maxThreads) (default: one per core, at most \(TrainingSettings.maxThreads)); recorded with the GEMM kernel.",
        valueName: "n"), transform: wholeInt(1...TrainingSettings.maxThreads))
    var threads: [Int] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Precision of the training steps' products: fp32 (default) or bf16 (bfloat16 inputs, float32 sums and weights; needs AVX512_BF16; evaluations stay fp32).",
        valueName: "p"))
    var precision: [GEMMPrecision] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Folder with the four MNIST IDX files (default: $IBP_DATA, else data/mnist; with --resume, the run's own).",
        valueName: "dir"))
    var data: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Run folder for a new run (settings.json, checkpoint.ckpt, final.ckpt, metrics.jsonl, curves.png).",
        valueName: "folder"))
    var out: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Continue the run in this folder from its checkpoint.", valueName: "folder"))
    var resume: [String] = []

    @OptionGroup(title: "Fast certified training (Shi et al. 2021)")
    var fast: FastTrainingOptions

    @Flag(name: .long, help: "Start over even if --out exists.")
    var force = false

    /// The flags given, each checked to be given at most once.
    func flags() throws -> TrainingFlags {
        var f = TrainingFlags()
        f.model = try once(model, "--model")
        f.method = try once(method, "--method")
        f.epsilonTrain = try once(epsilonTrain, "--epsilon-train")
        f.kappa = try once(kappa, "--kappa")
        f.evalEpsilon = try once(evalEpsilon, "--eval-epsilon")
        f.steps = try once(steps, "--steps")
        f.warmupSteps = try once(warmupSteps, "--warmup-steps")
        f.rampSteps = try once(rampSteps, "--ramp-steps")
        f.batchSize = try once(batchSize, "--batch-size")
        f.learningRate = try once(learningRate, "--learning-rate")
        f.decaySteps = decaySteps.isEmpty ? nil : decaySteps.flattened()
        f.decayFactor = try once(decayFactor, "--decay-factor")
        f.seed = try once(seed, "--seed")
        f.checkpointEvery = try once(checkpointEvery, "--checkpoint-every")
        f.evalEvery = try once(evalEvery, "--eval-every")
        f.evalLimit = try once(evalLimit, "--eval-limit")
        f.validation = try once(validation, "--validation")
        f.threads = try once(threads, "--threads")
        f.betaStart = try once(betaStart, "--beta-start")
        f.betaEnd = try once(betaEnd, "--beta-end")
        f.precision = try once(precision, "--precision")
        f.fast = try fast.flags()
        return f
    }

    func validate() throws {
        if let given = try once(epsilon, "--epsilon") {
            throw ValidationError("--epsilon \(given): train has two epsilons; give --epsilon-train \(given) for the "
                                  + "training target (eps at the end of the ramp) or --eval-epsilon \(given) for the "
                                  + "evaluations during training")
        }
        let flags = try flags()
        let out = try once(out, "--out"), resume = try once(resume, "--resume")
        _ = try once(data, "--data")
        for (flag, values) in [("--out", self.out), ("--resume", self.resume), ("--data", data), ("--model", model)] {
            try refuseEmptyPaths(flag, values)
        }
        // A run is a folder: an existing file named by --out or --resume is a mistake, not a run to replace.
        for (flag, path) in [("--out", out), ("--resume", resume)] {
            var isFolder: ObjCBool = false
            if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
                throw ValidationError("\(flag) \(path) is a file, not a run folder; give a folder name")
            }
        }
        // The files a run writes into its folder follow the rules of every output (`validateRunFiles`): a symbolic
        // link among them (`run/final.ckpt -> precious.ckpt`) is refused now, not at the first checkpoint, and so
        // is a run folder (or the nearest existing folder above a new one) without write bits, or a read-only file
        // among them: permission bits are the user's intent, even for root, as for every other tool's outputs.
        for (flag, path) in [("--out", out), ("--resume", resume)] {
            guard let path else { continue }
            // A resumed run's damaged files (a FIFO or folder in place of one) are reported by `Trainer.resume` as the
            // run's fault (status 1), not here as the command line's.
            if flag == "--resume", Trainer.damagedRunFile(in: TypedPath.url(path, isDirectory: true)) != nil { continue }
            // The inputs: the data folder's files (given, or a new run's default) and a model file.
            var inputs = resume != nil ? (try once(data, "--data")).map { dataFiles(in: $0) } ?? []
                                       : dataFiles(given: try once(data, "--data"), default: DataOptions.defaultDirectory.path)
            if let model = flags.model, ArchitectureFile.isFile(model) { inputs.append(RunFile("--model", model)) }
            // The run's own checkpoints may be replaced (`replacesModel`): whether a folder may be reused is train's
            // rule (`--resume`, or `--force` on an empty folder or an earlier run's), checked when the run starts.
            try validateRunFiles(outputs: Trainer.runFiles.map { RunFile(flag, TypedPath.join(path, $0), replacesModel: true) },
                                 inputs: inputs, createsFolders: true)
        }
        if out == nil && resume == nil { throw ValidationError("give --out FOLDER for a new run or --resume FOLDER") }
        if out != nil && resume != nil { throw ValidationError("give either --out or --resume, not both") }
        if resume != nil && force { throw ValidationError("--force starts a new run: it goes with --out, not --resume") }
        if let clash = flags.fast.clash(with: flags) { throw ValidationError(clash) }
        if let steps = flags.decaySteps, let i = steps.indices.dropFirst().first(where: { steps[$0] <= steps[$0 - 1] }) {
            let typed = FlagText.show("--decay-steps", items: steps, reading: { WholeNumberText.integer($0) })
            throw ValidationError("--decay-steps must increase, got \(typed[i - 1]) then \(typed[i])")
        }
        // The same rule for the epoch form (it was unchecked: `--decay-epochs 1,1` decayed twice at one step).
        if let epochs = flags.fast.epochs.decayEpochs,
           let i = epochs.indices.dropFirst().first(where: { epochs[$0] <= epochs[$0 - 1] }) {
            let typed = FlagText.show("--decay-epochs", items: epochs, reading: { DecimalText.double($0) })
            throw ValidationError("--decay-epochs must increase, got \(typed[i - 1]) then \(typed[i])")
        }
        let settings = flags.settings()
        if settings.method == .nominal, let flag = flags.ibpOnlyFlags.first {
            throw ValidationError("\(flag) shapes the IBP objective and has no effect with --method nominal; drop it or "
                                  + "use --method ibp")
        }
        // On --resume the method is the record's: the flags are compared with it in run().
        if resume == nil || flags.method != nil, settings.method != .crownIBP, let flag = flags.crownIBPOnlyFlags.first {
            throw ValidationError("\(flag) shapes the CROWN-IBP loss and has no effect with --method "
                                  + "\(settings.method.rawValue); drop it or use --method crown-ibp")
        }
        // A resumed run's values are checked against its record in run(); a new run's are checked here.
        // A model file is read in run(), where a bad file is a failure at run time (exit status 1), and its
        // settings are checked then (Trainer.start).
        if resume == nil && !ArchitectureFile.isFile(settings.model) { try settings.validate() }
    }

    func run() throws {
        try reportingErrors("train") {
            let flags = try flags()
            let dataFolder = try once(data, "--data").map { TypedPath.url($0, isDirectory: true) }
            let resume = try once(resume, "--resume")
            // A folder given (or, for a new run, the default) that does not exist is named with where it was looked
            // for; a resumed run without --data reads its recorded folder, whose error says so (Trainer.resume).
            if resume == nil || dataFolder != nil { try DataOptions.requireFolder(given: try once(data, "--data")) }
            try checkCountsAgainstData(flags, dataFolder: dataFolder)
            let trainer: Trainer
            if let resume {
                trainer = try Trainer.resume(directory: TypedPath.url(resume, isDirectory: true), flags: flags,
                                             dataDirectory: dataFolder, defaultData: DataOptions.defaultDirectory)
            } else {
                trainer = try Trainer.start(try flags.settings().loadingModelFile(), dataDirectory: dataFolder ?? DataOptions.defaultDirectory,
                                            directory: TypedPath.url(try once(out, "--out")!, isDirectory: true), force: force)
            }
            for late in trainer.settings.schedule.decaySteps where late >= trainer.settings.steps && flags.decaySteps != nil {
                warn("--decay-steps \(FlagText.show("--decay-steps", late)) is at or after the last step (\(trainer.settings.steps)): it has no effect")
            }
            trainer.warnings.forEach(warn)
            Interrupt.install()
            // The label says when the steps run in bf16 (`--precision bf16`, or a resumed bf16 run).
            let label = trainer.settings.model + (trainer.settings.precision == .bf16 ? " (bf16)" : "")
            var bar = ProgressBar(total: trainer.settings.steps, label: label, plainEvery: 500,
                                  initial: trainer.step)
            let finished = try trainer.run(progress: { p in
                let verified = p.batch.verified.map { String(format: " ver %.2f", Double($0) / Double(p.batch.count)) } ?? ""
                let beta = trainer.settings.method == .crownIBP ? String(format: " beta %.2f", p.beta) : ""
                bar.update(p.step, status: String(format: "eps %.3f kappa %.2f%@ loss %.4f nom %.2f%@ %.0f samples/s",
                                                  p.epsilon, p.kappa, beta, p.batch.loss,
                                                  Double(p.batch.nominalCorrect) / Double(p.batch.count), verified,
                                                  p.samplesPerSecond))
            }, evaluated: { step, r in
                let images = trainer.settings.validationImages == nil ? "test" : "validation"
                FileHandle.standardError.write(Data(("\nstep \(step): \(images)" + String(
                    format: " nominal %.2f%%, verified %.2f%% at eps ", 100 * r.nominalAccuracy, 100 * r.verifiedAccuracy)
                    + EvaluationReport.epsilonLabel(r.epsilon) + " (\(CountText.of(r.count, "image")))\n").utf8))
            }, shouldStop: { Interrupt.requested })
            let where_ = FileText.oneLine(trainer.directory.path)
            // Stopped by Ctrl-C or SIGTERM (a scheduler's time limit): the checkpoint is written, and the line names
            // the signal.
            let stopped = Interrupt.receivedSignal.map { Interrupt.name(of: $0) + " " } ?? ""
            print(finished ? "finished \(CountText.of(trainer.step, "step")): \(where_)/final.ckpt"
                           : "\(stopped)at step \(trainer.step): \(where_)/checkpoint.ckpt (continue with --resume \(where_))")
            // Exit 128 + the signal like the other tools (130 for Ctrl-C, 143 for SIGTERM), so a script can tell a
            // stopped run from a finished one.
            if !finished, let signal = Interrupt.receivedSignal { throw ExitCode(128 + signal) }
        }
    }

    /// Refuses `--eval-limit` larger than the images evaluated (the test set, or the `--validation` images) when
    /// it is given: the trainer takes the default as "at most" and would clamp a given value in silence. Only the
    /// labels files' headers are read; a folder that cannot be read is left to the trainer's own message. On
    /// `--resume` without `--data` the recorded folder is the trainer's to find. (The batch size, given or
    /// default, is checked against the training images by the trainer itself.)
    private func checkCountsAgainstData(_ flags: TrainingFlags, dataFolder: URL?) throws {
        guard flags.evalLimit != nil else { return }
        let resuming = try once(resume, "--resume") != nil
        guard let folder = dataFolder ?? (resuming ? nil : DataOptions.defaultDirectory) else { return }
        let held = flags.validation ?? 0
        if let limit = flags.evalLimit {
            if held > 0 {
                try validateCount(limit, flag: "--eval-limit", available: held, what: "--validation images")
            } else if let count = mnistCount(in: folder, split: .test) {
                try validateCount(limit, flag: "--eval-limit", available: count, what: "test images in \(folder.path)")
            }
        }
    }

    private func warn(_ line: String) {
        FileHandle.standardError.write(Data("train: warning: \(oneLineMessage(line))\n".utf8))
    }
}

extension TrainingSettings.Method: ExpressibleByArgument {}

/// An item of `--decay-steps`: a step from 0 to `TrainingSettings.maxCount`, refused with that range.
struct DecayStep: RangedWholeNumber {
    static let range = WholeNumberRange(0...TrainingSettings.maxCount)
    let value: Int
    init(checked value: Int) { self.value = value }
}

Train.mainWithOneLineErrors()

extension GEMMPrecision: ExpressibleByArgument {}
