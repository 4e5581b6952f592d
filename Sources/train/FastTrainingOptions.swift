import ArgumentParser
import IBP
import IBPCommandLine

/// The flags of fast certified training (Shi et al., NeurIPS 2021, "Fast certified robust training with short
/// warmup"); declared as arrays so that a flag given twice is refused (`once`).
struct FastTrainingOptions: ParsableArguments {
    @Option(name: .customLong("init"), parsing: .singleValue, help: ArgumentHelp(
        "Weight initialisation: ibp (Gaussian, sigma = sqrt(2 pi)/fan-in, Shi et al. 2021 sec. 3.2; the default with --method ibp) or orthogonal (Gowal et al.; the default with --method nominal).",
        valueName: "scheme"))
    var initialization: [WeightInitialization] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Total training in epochs (passes over the training images), instead of --steps.", valueName: "e"), transform: decimalDouble)
    var epochs: [Double] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Epochs at eps 0, kappa 1 before the ramp, instead of --warmup-steps.", valueName: "e"), transform: decimalDouble)
    var warmupEpochs: [Double] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Epochs of the eps and kappa ramp, instead of --ramp-steps.", valueName: "e"), transform: decimalDouble)
    var rampEpochs: [Double] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Epochs at which the learning rate is multiplied by --decay-factor, instead of --decay-steps (commas, repeated, or '' for none).",
        valueName: "epochs"))
    var decayEpochs: [CommaSeparated<Double>] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Shape of the eps ramp: smooth (DeepMind's smooth_schedule: (t/T)^4-like start up to a quarter of the ramp, then linear; the default) or linear (Gowal et al.).",
        valueName: "shape"))
    var epsSchedule: [EpsilonRamp] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Weight lambda0 of the warm-up regularisers (bound tightness and ReLU balance, Shi et al. 2021 sec. 3.3), decaying as lambda0 (1 - eps/eps-train) over the ramp; 0 turns them off (default 0.5).",
        valueName: "lambda"), transform: decimalFloat)
    var regLambda: [Float] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Tolerance tau of the warm-up regularisers (default 0.5).", valueName: "tau"), transform: decimalFloat)
    var regTolerance: [Float] = []

    /// The flags given, each checked to be given at most once.
    func flags() throws -> FastTrainingFlags {
        var f = FastTrainingFlags()
        f.initialization = try once(initialization, "--init")
        f.epochs.epochs = try once(epochs, "--epochs")
        f.epochs.warmupEpochs = try once(warmupEpochs, "--warmup-epochs")
        f.epochs.rampEpochs = try once(rampEpochs, "--ramp-epochs")
        f.epochs.decayEpochs = decayEpochs.isEmpty ? nil : decayEpochs.flattened()
        f.epsilonRamp = try once(epsSchedule, "--eps-schedule")
        f.regularizerLambda = try once(regLambda, "--reg-lambda")
        f.regularizerTolerance = try once(regTolerance, "--reg-tolerance")
        return f
    }
}

extension WeightInitialization: ExpressibleByArgument {}
extension EpsilonRamp: ExpressibleByArgument {}
