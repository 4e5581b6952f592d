import Foundation
import IBPFormats

/// Everything that defines a training run; stored as `settings.json` in the run folder (the run's record, which
/// `--resume` reads back) and in checkpoints (without the data folder, so that checkpoints do not depend on where
/// the data lies).
public struct TrainingSettings: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable, CaseIterable, NamedChoice {
        /// Plain cross-entropy on the nominal logits.
        case nominal
        /// The IBP objective with the epsilon and kappa schedules.
        case ibp
        /// The CROWN-IBP objective (`CROWNIBPLoss`): IBP's schedules and beta (`BetaSchedule`).
        case crownIBP = "crown-ibp"
    }

    public var model: String
    /// The layer list when `model` names a JSON file (`ArchitectureFile`) rather than one of `Architecture.names`;
    /// the record keeps it, so a resumed run does not need the file. Nil for the named models.
    public var architecture: Architecture?
    public var method: Method
    public var schedule: Schedule
    public var steps: Int
    /// The CROWN-IBP weight beta's schedule; set exactly when `method` is `crownIBP` (absent in older records).
    public var beta: BetaSchedule?
    public var batchSize: Int = 100
    public var seed: UInt64 = 0
    public var checkpointEvery: Int = 1000
    public var evalEvery: Int = 2000
    public var evalLimit: Int = 1000
    /// Training images held out as a validation set (`Dataset.holdingOut`): the evaluations during training use
    /// them instead of the test images, and `best.ckpt` is chosen by them. Nil: evaluations use the first
    /// `evalLimit` test images and no checkpoint is chosen (runs recorded before it existed).
    public var validationImages: Int?
    /// Epsilon at which evaluations during training verify; defaults to the training target.
    public var evalEpsilon: Float
    /// Worker threads of the layers' loops (`Parallel.workers`); nil in runs recorded before it was.
    /// Results are the same bits for any count; the record lets a user check "same seed and threads, same bytes".
    public var threads: Int?
    /// The GEMM kernel that ran (`GEMMKernel`: `avx512`, `avx2` or `blas`); the kernels round differently, so bytes
    /// match only between runs of the same kernel. Nil in runs recorded before it was; their first resume
    /// records the kernel it runs.
    public var gemmKernel: String?
    /// The precision of the training steps' products (`--precision`): `bf16` (bfloat16 inputs, float32 sums and
    /// master weights; issue 16), or nil for float32 (every run recorded before the flag existed). Evaluations
    /// during training, checkpoints' bounds and everything after training are float32 either way.
    public var precision: GEMMPrecision?
    /// The data folder, as an absolute path; only in `settings.json` (nil in checkpoints).
    public var data: String?
    /// `Dataset.sha256` of the training split and of the evaluation images, joined by `+`: a resumed run checks
    /// that it reads the same images, wherever they lie now.
    public var dataSHA256: String?
    /// How the weights were drawn (`--init`); nil in runs recorded before it was, which used orthogonal weights.
    public var initialization: WeightInitialization?
    /// The parts of the schedule given in epochs, resolved into the step counts above when the data is loaded;
    /// nil when all were given in steps.
    public var epochs: EpochSchedule?
    /// The warm-up regularisers (`--reg-lambda`, `--reg-tolerance`); nil in runs recorded before they existed and
    /// in nominal runs: none.
    public var warmupRegularizer: WarmupRegularizer?

    /// The largest `--threads`: the layers split their work into at most 8 parts.
    public static let maxThreads = 8
    /// The largest step count or interval any flag takes: 10^9 (the paper trains for 6 x 10^4 steps).
    public static let maxCount = 1_000_000_000

    public init(model: String, method: Method, schedule: Schedule, steps: Int) {
        self.model = model
        self.method = method
        self.schedule = schedule
        self.steps = steps
        self.evalEpsilon = schedule.epsilonTrain
    }

    /// Checks every value before any work starts; the message names the flag.
    public func validate() throws {
        func fail(_ message: String) -> SettingsError { SettingsError(message: message) }
        guard let architecture = modelArchitecture else {
            throw fail("unknown model '\(FileText.shown(model))' (choose from \(Architecture.names.joined(separator: ", ")), or give a "
                       + "JSON file of layers ending in .json)")
        }
        try validateRecordedFields()
        let eps = schedule.epsilonTrain
        guard eps.isFinite, eps >= 0, eps <= 1 else { throw fail("--epsilon-train must be in [0, 1], got \(FlagText.show("--epsilon-train", eps))") }
        guard evalEpsilon.isFinite, evalEpsilon >= 0, evalEpsilon <= 1 else {
            throw fail("--eval-epsilon must be in [0, 1], got \(FlagText.show("--eval-epsilon", evalEpsilon))")
        }
        guard schedule.kappaFinal.isFinite, (0...1).contains(schedule.kappaFinal) else {
            throw fail("--kappa must be in [0, 1], got \(FlagText.show("--kappa", schedule.kappaFinal))")
        }
        try validateCROWNIBP()
        if precision == .bf16 && !GEMMPrecision.isAvailable(.bf16) {
            throw fail("bf16 products (--precision bf16, recorded as \"precision\": \"bf16\") need AVX512_BF16 "
                       + "(vdpbf16ps), which this CPU (\(CPUInfo.current.modelName)) lacks: start the run without "
                       + "--precision to train in fp32; a run recorded in bf16 resumes only on a CPU that has it")
        }
        try epochs?.validate()
        try warmupRegularizer?.validate()
        guard steps >= 1 else { throw fail("--steps must be at least 1, got \(FlagText.show("--steps", steps))") }
        guard batchSize >= 1 else { throw fail("--batch-size must be at least 1, got \(FlagText.show("--batch-size", batchSize))") }
        guard schedule.learningRate.isFinite, schedule.learningRate > 0 else {
            throw fail("--learning-rate must be a positive finite number, got \(FlagText.show("--learning-rate", schedule.learningRate))")
        }
        for (flag, value) in [("--warmup-steps", schedule.warmupSteps), ("--ramp-steps", schedule.rampSteps)] where value < 0 {
            throw fail("\(flag) must not be negative, got \(FlagText.show(flag, value))")
        }
        if let validationImages, validationImages < 1 {
            throw fail("--validation must be at least 1 image, got \(FlagText.show("--validation", validationImages))")
        }
        for (flag, value) in [("--checkpoint-every", checkpointEvery), ("--eval-every", evalEvery), ("--eval-limit", evalLimit)]
            where value < 1 {
            throw fail("\(flag) must be at least 1, got \(FlagText.show(flag, value))")
        }
        guard schedule.decaySteps.allSatisfy({ $0 >= 0 }) else { throw fail("--decay-steps must not be negative") }
        // Counts far beyond any training keep every sum and product of them (step * batch) within an Int.
        let counts = [("--steps", steps), ("--warmup-steps", schedule.warmupSteps), ("--ramp-steps", schedule.rampSteps),
                      ("--checkpoint-every", checkpointEvery), ("--eval-every", evalEvery), ("--eval-limit", evalLimit),
                      ("--validation", validationImages ?? 0), ("--decay-steps", schedule.decaySteps.max() ?? 0)]
        if let (flag, value) = counts.first(where: { $0.1 > TrainingSettings.maxCount }) {
            throw fail("\(flag) must be at most \(TrainingSettings.maxCount), got \(FlagText.show(flag, value))")
        }
        guard schedule.decayFactor.isFinite, schedule.decayFactor > 0 else {
            throw fail("--decay-factor must be a positive finite number, got \(FlagText.show("--decay-factor", schedule.decayFactor))")
        }
        if let threads {
            guard (1...TrainingSettings.maxThreads).contains(threads) else {
                throw fail("--threads must be in 1...\(TrainingSettings.maxThreads), got \(FlagText.show("--threads", threads))")
            }
        }
        // The memory of a training batch and of an evaluation batch follow from the model and these flags.
        do {
            try ResourceLimits.check(architecture, for: .training(batch: batchSize), batchFlag: "--batch-size")
            try ResourceLimits.check(architecture, for: .evaluation(batch: min(evalLimit, Checkpoint.evaluationBatch)),
                                     batchFlag: "--eval-limit")
        } catch let e as ResourceLimits.Exceeded {
            throw fail(e.message)
        }
    }

    /// The fields no flag sets, which `train` records for itself: `gemmKernel` (`GEMMKernel` names, joined by `+`
    /// when a resumed run changed kernel) and `dataSHA256` (two SHA-256 digests of 64 hex digits, or `-`, joined by
    /// `+`). Checked where a record is read, so a hand-edited value is refused naming the field instead of being
    /// carried on (`"gemmKernel": "foo"` became `foo+avx2`).
    /// Also checked here, as wherever a model is read (checkpoints, model files): a built-in name means its layers,
    /// so recorded layers named "small" must be small's, and `"model": "small"` cannot come with other layers.
    /// - Throws: `SettingsError` naming the field.
    public func validateRecordedFields() throws {
        if let recorded = architecture, let named = Architecture.named(recorded.name), named != recorded {
            throw SettingsError(message: "the recorded layers (field \"architecture\") are named \"\(recorded.name)\", one "
                                + "of the named models, but differ from its layers; a named model always has its own layers")
        }
        if let recorded = architecture, let named = Architecture.named(model), named != recorded {
            throw SettingsError(message: "model '\(model)' is one of the named models, but the recorded layers (field "
                                + "\"architecture\", \"\(FileText.shown(recorded.name))\") are not its layers")
        }
        if let gemmKernel {
            let parts = gemmKernel.split(separator: "+", omittingEmptySubsequences: false)
            guard parts.count <= 1000, parts.allSatisfy({ GEMMKernel(rawValue: String($0)) != nil }) else {
                throw SettingsError(message: "field \"gemmKernel\" is \"\(FileText.shown(gemmKernel, limit: 40))\"; expected "
                                    + GEMMKernel.allCases.map(\.rawValue).joined(separator: ", ")
                                    + " (or several joined by +, after a resume on another kernel), as train records it")
            }
        }
        // train records the data folder absolute (`Trainer.start`); "" or a relative path would be read from
        // wherever the resume happens to run.
        if let data, !data.hasPrefix("/") {
            throw SettingsError(message: "field \"data\" is \"\(FileText.shown(data, limit: 60))\"; expected the absolute "
                                + "path of the run's data folder, as train records it")
        }
        if let dataSHA256 {
            let parts = dataSHA256.split(separator: "+", omittingEmptySubsequences: false)
            let digest = { (part: Substring) in
                part == "-" || (part.utf8.count == 64 && part.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
            }
            guard parts.count == 2, parts.allSatisfy(digest) else {
                throw SettingsError(message: "field \"dataSHA256\" is \"\(FileText.shown(dataSHA256, limit: 40))\"; expected "
                                    + "two SHA-256 digests (64 lowercase hex digits each) joined by +, as train records it")
            }
        }
    }

    /// The settings fields (as `settings.json` spells them) that the command-line flags set.
    public static let fieldOfFlag: [String: String] = [
        "--steps": "steps", "--batch-size": "batchSize", "--checkpoint-every": "checkpointEvery",
        "--eval-every": "evalEvery", "--eval-limit": "evalLimit", "--validation": "validationImages",
        "--eval-epsilon": "evalEpsilon", "--threads": "threads", "--epsilon-train": "schedule.epsilonTrain",
        "--kappa": "schedule.kappaFinal", "--warmup-steps": "schedule.warmupSteps", "--ramp-steps": "schedule.rampSteps",
        "--learning-rate": "schedule.learningRate", "--decay-steps": "schedule.decaySteps",
        "--decay-factor": "schedule.decayFactor", "--beta-start": "beta.start", "--beta-end": "beta.end",
    ]

    /// `message` (from `validate`) with each flag it names written as the settings field the flag sets
    /// (`--steps must be at least 1` -> `field "steps" must be at least 1`), for a fault read from a settings file.
    public static func namingFields(_ message: String) -> String {
        var out = message
        // Longest first, so that `--steps` does not match inside `--warmup-steps`.
        for (flag, field) in fieldOfFlag.sorted(by: { $0.key.count > $1.key.count }) {
            out = out.replacingOccurrences(of: #"(?<![a-z-])\#(flag)(?![a-z-])"#, with: "field \"\(field)\"",
                                           options: .regularExpression)
        }
        return out
    }

    /// What the run will not do that its flags suggest it will, as lines for the user (empty when none):
    /// an IBP schedule that does not reach `--epsilon-train` within `--steps`, or never leaves the warm-up.
    public var warnings: [String] {
        guard method.usesBounds else { return [] }
        let s = schedule
        if s.epsilonTrain == 0 {
            return ["--method \(method.rawValue) with --epsilon-train 0 trains a nominal model: the interval term is eps 0 "
                    + "throughout"]
        }
        // The messages name the flags the user gave: the epoch flag when that part was given in epochs.
        let e = epochs
        let stepsFlag = e?.epochs != nil ? "--epochs" : "--steps"
        let warmupFlag = e?.warmupEpochs != nil ? "--warmup-epochs" : "--warmup-steps"
        let warmupGiven = e?.warmupEpochs.map { "--warmup-epochs \(FlagText.show("--warmup-epochs", $0)) = \(CountText.of(s.warmupSteps, "step"))" }
            ?? "--warmup-steps \(s.warmupSteps)"
        let rampGiven = e?.rampEpochs.map { "--ramp-epochs \(FlagText.show("--ramp-epochs", $0)) = \(s.rampSteps) steps" } ?? "--ramp-steps \(s.rampSteps)"
        if s.warmupSteps >= steps {
            let warmupName = e?.warmupEpochs.map { "--warmup-epochs \(FlagText.show("--warmup-epochs", $0))" } ?? "--warmup-steps"
            return ["the \(s.warmupSteps)-step warm-up (\(warmupName)) covers \(steps == 1 ? "the only step" : "all \(steps) steps"): IBP never starts "
                    + "and this trains a nominal model at eps 0; give more \(stepsFlag) or fewer \(warmupFlag)"]
        }
        let rampEnd = s.warmupSteps + s.rampSteps
        if rampEnd > steps {
            // The last step trained is steps - 1 (0-based).
            let eps = s.epsilon(at: steps - 1), kappa = s.kappa(at: steps - 1)
            return ["the eps ramp ends at step \(rampEnd) (\(warmupGiven) + \(rampGiven)"
                    + "), after the last of \(CountText.of(steps, "step")): training stops at eps \(eps), kappa \(kappa), "
                    + "short of --epsilon-train \(FlagText.show("--epsilon-train", s.epsilonTrain)), --kappa \(FlagText.show("--kappa", s.kappaFinal))"]
        }
        return []
    }
}

/// A bad setting, as one line. Usually the command line's fault (exit status 64); `isUsageError` false marks a
/// failure at run time (a run folder that cannot be created or read, exit status 1).
public struct SettingsError: CommandLineClassified, CustomStringConvertible {
    public let message: String
    public let isUsageError: Bool
    public var description: String { message }

    public init(message: String, isUsageError: Bool = true) {
        self.message = message
        self.isUsageError = isUsageError
    }
}
