import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model nominally or with IBP (Gowal et al. 2019), resumable, writing checkpoints and curves.",
        discussion: """
        Example: swift run -c release train --model small --method ibp --epsilon-train 0.4 --out runs/small-ibp
        Ctrl-C writes a checkpoint and exits; --resume runs/small-ibp continues exactly where it stopped.
        """)

    @Option(name: .long, help: "Model: \(Architecture.names.joined(separator: ", ")).")
    var model: String = "small"

    @Option(name: .long, help: "nominal (plain cross-entropy) or ibp.")
    var method: TrainingSettings.Method = .ibp

    @Option(name: .long, help: "Target training epsilon reached at the end of the ramp.")
    var epsilonTrain: Float = 0.1

    @Option(name: .long, help: "Final kappa (weight of the nominal loss).")
    var kappa: Float = 0.5

    @Option(name: .long, help: "Epsilon of the evaluations during training (default: --epsilon-train).")
    var epsilon: Float?

    @Option(name: .long, help: "Total training steps.")
    var steps: Int = 60_000

    @Option(name: .long, help: "Steps at eps 0, kappa 1 before the ramp.")
    var warmupSteps: Int = 2000

    @Option(name: .long, help: "Steps over which eps and kappa move linearly to their targets.")
    var rampSteps: Int = 10000

    @Option(name: .long, help: "Batch size.")
    var batchSize: Int = 100

    @Option(name: .long, help: "Adam learning rate.")
    var learningRate: Float = 1e-3

    @Option(name: .long, parsing: .upToNextOption, help: "Steps at which the learning rate is multiplied by --decay-factor.")
    var decaySteps: [Int] = [15000, 25000]

    @Option(name: .long, help: "Learning-rate decay factor.")
    var decayFactor: Float = 0.1

    @Option(name: .long, help: "Seed of initialisation and shuffling.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Write checkpoint.ckpt every N steps.")
    var checkpointEvery: Int = 1000

    @Option(name: .long, help: "Evaluate on the test images every N steps.")
    var evalEvery: Int = 2000

    @Option(name: .long, help: "Number of test images in those evaluations.")
    var evalLimit: Int = 1000

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Run folder (settings.json, checkpoint.ckpt, final.ckpt, metrics.jsonl, curves.png).")
    var out: String?

    @Option(name: .long, help: "Continue the run in this folder from its checkpoint (--steps may extend it).")
    var resume: String?

    @Flag(name: .long, help: "Start over even if --out exists.")
    var force = false

    func validate() throws {
        if out == nil && resume == nil { throw ValidationError("give --out FOLDER for a new run or --resume FOLDER") }
        if out != nil && resume != nil { throw ValidationError("give either --out or --resume, not both") }
        try settings.validate()
    }

    var settings: TrainingSettings {
        var schedule = Schedule(epsilonTrain: epsilonTrain)
        schedule.kappaFinal = kappa
        schedule.warmupSteps = warmupSteps
        schedule.rampSteps = rampSteps
        schedule.learningRate = learningRate
        schedule.decaySteps = decaySteps
        schedule.decayFactor = decayFactor
        var s = TrainingSettings(model: model, method: method, schedule: schedule, steps: steps)
        s.batchSize = batchSize
        s.seed = seed
        s.checkpointEvery = checkpointEvery
        s.evalEvery = evalEvery
        s.evalLimit = evalLimit
        s.evalEpsilon = epsilon ?? epsilonTrain
        return s
    }

    func run() throws {
        try reportingErrors("train") {
            let trainer: Trainer
            if let resume {
                let explicitSteps = CommandLine.arguments.contains("--steps") ? steps : nil
                trainer = try Trainer.resume(directory: URL(fileURLWithPath: resume), dataDirectory: dataOptions.directory,
                                             steps: explicitSteps)
            } else {
                trainer = try Trainer.start(settings, dataDirectory: dataOptions.directory,
                                            directory: URL(fileURLWithPath: out!), force: force)
            }
            Interrupt.install()
            var bar = ProgressBar(total: trainer.settings.steps, label: trainer.settings.model, plainEvery: 500,
                                  initial: trainer.step)
            let finished = try trainer.run(progress: { p in
                let verified = p.batch.verified.map { String(format: " ver %.2f", Double($0) / Double(p.batch.count)) } ?? ""
                bar.update(p.step, status: String(format: "eps %.3f kappa %.2f loss %.4f nom %.2f%@ %.0f samples/s",
                                                  p.epsilon, p.kappa, p.batch.loss,
                                                  Double(p.batch.nominalCorrect) / Double(p.batch.count), verified,
                                                  p.samplesPerSecond))
            }, evaluated: { step, r in
                FileHandle.standardError.write(Data(String(
                    format: "\nstep %d: test nominal %.2f%%, verified %.2f%% at eps %.3f (%d images)\n",
                    step, 100 * r.nominalAccuracy, 100 * r.verifiedAccuracy, r.epsilon, r.count).utf8))
            }, shouldStop: { Interrupt.requested })
            let where_ = trainer.directory.path
            print(finished ? "finished \(trainer.step) steps: \(where_)/final.ckpt"
                           : "interrupted at step \(trainer.step): \(where_)/checkpoint.ckpt (continue with --resume \(where_))")
        }
    }
}

extension TrainingSettings.Method: ExpressibleByArgument {}

Train.mainWithOneLineErrors()
