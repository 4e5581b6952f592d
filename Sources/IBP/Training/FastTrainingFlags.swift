/// The `train` flags of fast certified training (Shi et al., NeurIPS 2021), each nil when not given: a new run
/// fills the rest with the paper's defaults (`apply(to:)`), a resumed run compares them with its record.
/// Kept apart from `TrainingFlags` so that each ingredient is one place.
public struct FastTrainingFlags: Equatable, Sendable {
    /// `--init ibp|orthogonal`.
    public var initialization: WeightInitialization?
    /// `--epochs`, `--warmup-epochs`, `--ramp-epochs`, `--decay-epochs`: the schedule in epochs.
    public var epochs = EpochSchedule()
    /// `--eps-schedule linear|smooth`.
    public var epsilonRamp: EpsilonRamp?
    /// `--reg-lambda` (lambda0; 0 turns the warm-up regularisers off) and `--reg-tolerance` (tau).
    public var regularizerLambda: Float?
    public var regularizerTolerance: Float?

    public init() {}

    /// Flags that only shape the IBP objective, by name, when given.
    public var ibpOnlyFlags: [String] {
        [("--warmup-epochs", epochs.warmupEpochs != nil), ("--ramp-epochs", epochs.rampEpochs != nil),
         ("--eps-schedule", epsilonRamp != nil), ("--reg-lambda", regularizerLambda != nil),
         ("--reg-tolerance", regularizerTolerance != nil)].filter(\.1).map(\.0)
    }

    /// A part of the schedule given both in steps and in epochs, as the line for the user; nil when none is.
    public func clash(with flags: TrainingFlags) -> String? {
        let pairs = [("--steps", flags.steps != nil, "--epochs", epochs.epochs != nil),
                     ("--warmup-steps", flags.warmupSteps != nil, "--warmup-epochs", epochs.warmupEpochs != nil),
                     ("--ramp-steps", flags.rampSteps != nil, "--ramp-epochs", epochs.rampEpochs != nil),
                     ("--decay-steps", flags.decaySteps != nil, "--decay-epochs", epochs.decayEpochs != nil)]
        guard let (steps, _, inEpochs, _) = pairs.first(where: { $0.1 && $0.3 }) else { return nil }
        return "\(steps) and \(inEpochs) set the same count: give one of them"
    }

    /// Fills `settings` (already holding the method) with the given flags over the paper's defaults:
    /// - IBP initialisation for `--method ibp`; orthogonal for `--method nominal` (the paper's sigma is derived for
    ///   interval radii and would start a nominal network with vanishing activations);
    /// - the smooth eps ramp for `--method ibp`;
    /// - the warm-up regularisers with lambda0 = 0.5, tau = 0.5 for `--method ibp`;
    /// - epochs only where given (the step schedule's defaults otherwise).
    public func apply(to settings: inout TrainingSettings) {
        let ibp = settings.method == .ibp
        settings.initialization = initialization ?? (ibp ? .ibp : .orthogonal)
        settings.schedule.epsilonRamp = epsilonRamp ?? (ibp ? .smooth : nil)
        settings.epochs = epochs.isEmpty ? nil : epochs
        let defaults = WarmupRegularizer()
        settings.warmupRegularizer = ibp ? WarmupRegularizer(lambda: regularizerLambda ?? defaults.lambda,
                                                             tolerance: regularizerTolerance ?? defaults.tolerance) : nil
    }

    /// The given flags that differ from `record`; a run recorded before a flag existed holds today's behaviour.
    public func conflicts(with record: TrainingSettings) -> [TrainingFlags.Conflict] {
        var out: [TrainingFlags.Conflict] = []
        func compare<T: Equatable>(_ flag: String, _ given: T?, _ recorded: T?, _ show: (T) -> String = { "\($0)" },
                                   missing: String = "not recorded") {
            guard let given, given != recorded else { return }
            out.append(TrainingFlags.Conflict(flag: flag, given: typedText(flag, given) ?? show(given),
                                              recorded: recorded.map(show) ?? missing))
        }
        compare("--init", initialization, record.initialization ?? .orthogonal) { $0.rawValue }
        let e = record.epochs
        let inSteps = "a schedule in steps"
        compare("--epochs", epochs.epochs, e?.epochs, missing: inSteps)
        compare("--warmup-epochs", epochs.warmupEpochs, e?.warmupEpochs, missing: inSteps)
        compare("--ramp-epochs", epochs.rampEpochs, e?.rampEpochs, missing: inSteps)
        compare("--decay-epochs", epochs.decayEpochs, e?.decayEpochs, { $0.map { "\($0)" }.joined(separator: ",") },
                missing: inSteps)
        compare("--eps-schedule", epsilonRamp, record.schedule.epsilonRamp ?? .linear) { $0.rawValue }
        // A run without the regularisers ran with lambda0 = 0, whatever tau.
        compare("--reg-lambda", regularizerLambda, record.warmupRegularizer?.lambda ?? 0)
        compare("--reg-tolerance", regularizerTolerance, record.warmupRegularizer?.tolerance,
                missing: "no regulariser")
        return out
    }
}
