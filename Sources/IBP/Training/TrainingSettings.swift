/// Everything that defines a training run; stored as `settings.json` in the run folder and in checkpoints.
public struct TrainingSettings: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Plain cross-entropy on the nominal logits.
        case nominal
        /// The IBP objective with the epsilon and kappa schedules.
        case ibp
    }

    public var model: String
    public var method: Method
    public var schedule: Schedule
    public var steps: Int
    public var batchSize: Int = 100
    public var seed: UInt64 = 0
    public var checkpointEvery: Int = 1000
    public var evalEvery: Int = 2000
    public var evalLimit: Int = 1000
    /// Epsilon at which evaluations during training verify; defaults to the training target.
    public var evalEpsilon: Float

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
        guard Architecture.named(model) != nil else {
            throw fail("unknown model '\(model)' (choose from \(Architecture.names.joined(separator: ", ")))")
        }
        let eps = schedule.epsilonTrain
        guard eps.isFinite, eps >= 0, eps <= 1 else { throw fail("--epsilon-train must be in [0, 1], got \(eps)") }
        guard evalEpsilon.isFinite, evalEpsilon >= 0, evalEpsilon <= 1 else {
            throw fail("--epsilon must be in [0, 1], got \(evalEpsilon)")
        }
        guard schedule.kappaFinal.isFinite, (0...1).contains(schedule.kappaFinal) else {
            throw fail("--kappa must be in [0, 1], got \(schedule.kappaFinal)")
        }
        guard steps >= 1 else { throw fail("--steps must be at least 1, got \(steps)") }
        guard batchSize >= 1 else { throw fail("--batch-size must be at least 1, got \(batchSize)") }
        guard schedule.learningRate.isFinite, schedule.learningRate > 0 else {
            throw fail("--learning-rate must be positive, got \(schedule.learningRate)")
        }
        guard schedule.warmupSteps >= 0, schedule.rampSteps >= 0 else {
            throw fail("--warmup-steps and --ramp-steps must not be negative")
        }
        guard checkpointEvery >= 1, evalEvery >= 1, evalLimit >= 1 else {
            throw fail("--checkpoint-every, --eval-every and --eval-limit must be at least 1")
        }
    }
}

/// A bad training setting, as one line.
public struct SettingsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}
