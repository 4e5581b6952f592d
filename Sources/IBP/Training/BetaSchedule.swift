import IBPFormats

/// beta(step) = start + (end - start) ramp(step): the CROWN-IBP weight of `CROWNIBPLoss`, moving linearly over the
/// eps ramp (the schedule's warm-up and ramp steps; ramp = 0 before, 1 after), from 1 to 0 by default, as Zhang et
/// al. (ICLR 2020, section 4: "beta starts at 1 and decreases to 0 during the eps ramp-up") and auto_LiRPA's
/// examples/vision/simple_training.py do. Recorded in `settings.json` and checkpoints; absent for the other methods.
public struct BetaSchedule: Codable, Equatable, Sendable {
    /// beta during warm-up and at the start of the ramp (`--beta-start`, default 1).
    public var start: Float
    /// beta at the end of the ramp and after it (`--beta-end`, default 0).
    public var end: Float

    public init(start: Float = 1, end: Float = 0) {
        self.start = start
        self.end = end
    }

    /// beta at step `step` (0-based) of `schedule`.
    public func beta(at step: Int, schedule: Schedule) -> Float {
        start + (end - start) * schedule.rampFraction(at: step)
    }
}

extension Schedule {
    /// The fraction of the eps ramp completed before step `step` (0-based): 0 through the warm-up, 1 from its end.
    /// `epsilon(at:)` and `kappa(at:)` follow the same fraction (Schedule.swift), beta too (`BetaSchedule`).
    public func rampFraction(at step: Int) -> Float {
        guard step >= warmupSteps else { return 0 }
        guard rampSteps > 0 else { return 1 }
        return min(Float(step - warmupSteps) / Float(rampSteps), 1)
    }
}

extension TrainingSettings.Method {
    /// Whether the method trains on bounds of the elided margins (IBP, CROWN-IBP), with the eps and kappa schedules.
    public var usesBounds: Bool { self != .nominal }
}

extension TrainingSettings {
    /// The model's layer list: the recorded one of a JSON model file, else the named architecture (nil if unknown).
    public var modelArchitecture: Architecture? { architecture ?? Architecture.named(model) }

    /// eps, kappa and beta at step `step` (0-based): the schedules for IBP and CROWN-IBP, eps 0, kappa 1 for nominal
    /// training, beta 0 unless the method is CROWN-IBP.
    public func objective(at step: Int) -> (epsilon: Float, kappa: Float, beta: Float) {
        guard method.usesBounds else { return (0, 1, 0) }
        let beta = method == .crownIBP ? (self.beta ?? BetaSchedule()).beta(at: step, schedule: schedule) : 0
        return (schedule.epsilon(at: step), schedule.kappa(at: step), beta)
    }

    /// One step's loss and gradient (left in the network's parameters) under the run's method and schedules.
    /// kappa = 1 gives the bound term zero weight, so warm-up skips the interval pass; beta = 0 skips CROWN-IBP.
    public func lossAndGradient(network: Network, x: Tensor, labels: [Int], at step: Int) -> BatchStatistics {
        let (eps, kappa, beta) = objective(at: step)
        if method == .crownIBP && kappa < 1 && beta > 0 {
            return CROWNIBPLoss.lossAndGradient(network: network, x: x, labels: labels, epsilon: eps, kappa: kappa,
                                                beta: beta)
        }
        // The warm-up regularisers (Shi et al. 2021, sec. 3.3) live on the IBP pass of --method ibp.
        let regularizer = method == .ibp ? warmupRegularizer : nil
        return IBPLoss.lossAndGradient(network: network, x: x, labels: labels, epsilon: eps, kappa: kappa,
                                       bounds: method.usesBounds && kappa < 1, regularizer: regularizer,
                                       regularizerWeight: regularizer?.weight(epsilon: eps, target: schedule.epsilonTrain) ?? 0)
    }

    /// CROWN-IBP's own checks: beta's ends in [0, 1], a beta schedule exactly with `--method crown-ibp`, and a model
    /// whose activations are all ReLU (the only relaxation whose gradient training implements).
    func validateCROWNIBP() throws {
        func fail(_ message: String) -> SettingsError { SettingsError(message: message) }
        guard method == .crownIBP else {
            if beta != nil { throw fail("--beta-start and --beta-end shape the CROWN-IBP loss: use them with --method crown-ibp") }
            return
        }
        let beta = self.beta ?? BetaSchedule()
        for (flag, value) in [("--beta-start", beta.start), ("--beta-end", beta.end)] {
            guard value.isFinite, (0...1).contains(value) else { throw fail("\(flag) must be in [0, 1], got \(FlagText.show(flag, value))") }
        }
        if let architecture = modelArchitecture {
            // Batch normalisation's training form (statistics of the clean batch) has no CROWN-IBP adjoint here.
            if architecture.layers.contains(.batchNorm) {
                throw fail("--method crown-ibp trains models without batch normalisation, and \(FileText.shown(model)) has it; "
                           + "use --method ibp for it")
            }
            for case let .activation(kind) in architecture.layers where kind != .relu {
                throw fail("--method crown-ibp trains ReLU models only, and \(FileText.shown(model)) has \(kind.rawValue) activations; "
                           + "use --method ibp for it")
            }
        }
    }
}
