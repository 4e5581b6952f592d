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

    /// The flags given, each checked to be given at most once.
    func flags() throws -> FastTrainingFlags {
        var f = FastTrainingFlags()
        f.initialization = try once(initialization, "--init")
        return f
    }
}

extension WeightInitialization: ExpressibleByArgument {}
