import Foundation
import IBPFormats

/// The training flags a user gave, each nil when not given: a new run fills the rest with the paper's defaults
/// (`settings(defaults:)`), a resumed run compares them with its record (`conflicts(with:)`), so that no flag is
/// dropped without a word (issue #11, kind 5).
public struct TrainingFlags: Equatable, Sendable {
    public var model: String?
    public var method: TrainingSettings.Method?
    public var epsilonTrain: Float?
    public var kappa: Float?
    public var evalEpsilon: Float?
    public var steps: Int?
    public var warmupSteps: Int?
    public var rampSteps: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var decaySteps: [Int]?
    public var decayFactor: Float?
    public var seed: UInt64?
    public var checkpointEvery: Int?
    public var evalEvery: Int?
    public var evalLimit: Int?
    public var validation: Int?
    public var threads: Int?
    public var betaStart: Float?
    public var betaEnd: Float?
    /// `--precision`: bf16 runs the training steps' products in bfloat16 (`GEMMPrecision`); nil: fp32.
    public var precision: GEMMPrecision?
    /// The flags of fast certified training (Shi et al. 2021): initialisation, epochs, eps ramp, regularisers.
    public var fast = FastTrainingFlags()

    public init() {}

    /// The flags that only shape the IBP objective, by name, when given.
    public var ibpOnlyFlags: [String] {
        [("--epsilon-train", epsilonTrain != nil), ("--kappa", kappa != nil), ("--warmup-steps", warmupSteps != nil),
         ("--ramp-steps", rampSteps != nil)].filter(\.1).map(\.0) + fast.ibpOnlyFlags
    }

    /// The flags that only shape the CROWN-IBP objective, by name, when given.
    public var crownIBPOnlyFlags: [String] {
        [("--beta-start", betaStart != nil), ("--beta-end", betaEnd != nil)].filter(\.1).map(\.0)
    }

    /// The settings of a new run: the given flags over the defaults (`small`, IBP, eps 0.1, the paper's schedule).
    /// `threads` defaults to `Parallel.workers`; `evalEpsilon` to `--epsilon-train`.
    public func settings() -> TrainingSettings {
        var schedule = Schedule(epsilonTrain: epsilonTrain ?? 0.1)
        if let kappa { schedule.kappaFinal = kappa }
        if let warmupSteps { schedule.warmupSteps = warmupSteps }
        if let rampSteps { schedule.rampSteps = rampSteps }
        if let learningRate { schedule.learningRate = learningRate }
        if let decaySteps { schedule.decaySteps = decaySteps }
        if let decayFactor { schedule.decayFactor = decayFactor }
        var s = TrainingSettings(model: model ?? "small", method: method ?? .ibp, schedule: schedule, steps: steps ?? 60_000)
        if let batchSize { s.batchSize = batchSize }
        if let seed { s.seed = seed }
        if let checkpointEvery { s.checkpointEvery = checkpointEvery }
        if let evalEvery { s.evalEvery = evalEvery }
        if let evalLimit { s.evalLimit = evalLimit }
        s.validationImages = validation
        s.evalEpsilon = evalEpsilon ?? schedule.epsilonTrain
        s.threads = threads ?? Parallel.workers
        if s.method == .crownIBP { s.beta = BetaSchedule(start: betaStart ?? 1, end: betaEnd ?? 0) }
        // fp32 is recorded as no field, as in every run recorded before the flag existed.
        s.precision = precision == .bf16 ? .bf16 : nil
        fast.apply(to: &s)
        return s
    }

    /// A flag given on `--resume` whose value differs from the run's record.
    public struct Conflict: Equatable, Sendable {
        public var flag: String
        public var given: String
        public var recorded: String
    }

    /// The given flags that differ from `record`, in flag order. `--steps` is not among them: a resumed run
    /// may extend (or shorten) its schedule, which changes no step already taken.
    public func conflicts(with record: TrainingSettings) -> [Conflict] {
        var out: [Conflict] = []
        func compare<T: Equatable>(_ flag: String, _ given: T?, _ recorded: T?, _ show: (T) -> String = { "\($0)" }) {
            guard let given, given != recorded else { return }
            out.append(Conflict(flag: flag, given: typedText(flag, given) ?? show(given),
                                recorded: recorded.map(show) ?? "not recorded"))
        }
        let r = record.schedule
        compare("--model", model, record.model)
        compare("--method", method, record.method) { $0.rawValue }
        compare("--epsilon-train", epsilonTrain, r.epsilonTrain)
        compare("--kappa", kappa, r.kappaFinal)
        compare("--eval-epsilon", evalEpsilon, record.evalEpsilon)
        compare("--warmup-steps", warmupSteps, r.warmupSteps)
        compare("--ramp-steps", rampSteps, r.rampSteps)
        compare("--batch-size", batchSize, record.batchSize)
        compare("--learning-rate", learningRate, r.learningRate)
        compare("--decay-steps", decaySteps, r.decaySteps) { $0.map(String.init).joined(separator: ",") }
        compare("--decay-factor", decayFactor, r.decayFactor)
        compare("--seed", seed, record.seed)
        compare("--checkpoint-every", checkpointEvery, record.checkpointEvery)
        compare("--eval-every", evalEvery, record.evalEvery)
        compare("--eval-limit", evalLimit, record.evalLimit)
        compare("--validation", validation, record.validationImages)
        // A run recorded before threads were is taken to have run with the count given now.
        if record.threads != nil { compare("--threads", threads, record.threads) }
        compare("--beta-start", betaStart, record.beta?.start)
        compare("--beta-end", betaEnd, record.beta?.end)
        compare("--precision", precision, record.precision ?? .fp32) { $0.rawValue }
        return out + fast.conflicts(with: record)
    }
}

/// The text typed for `flag` (`FlagText`) when `value`, given to it, is a number or a list of numbers; else nil.
/// A resumed run's conflict names the flag's value as the user wrote it (`--learning-rate 0.0010`, not `0.001`).
func typedText(_ flag: String, _ value: Any) -> String? {
    switch value {
    case let v as Float: return FlagText.show(flag, v)
    case let v as Double: return FlagText.show(flag, v)
    case let v as Int: return FlagText.show(flag, v)
    case let v as UInt64: return FlagText.show(flag, v)
    case let v as [Int]: return FlagText.show(flag, items: v, reading: { WholeNumberText.integer($0) }).joined(separator: ",")
    case let v as [Double]: return FlagText.show(flag, items: v, reading: { DecimalText.double($0) }).joined(separator: ",")
    default: return nil
    }
}
