import IBPFormats

/// A schedule given in epochs (`--epochs`, `--warmup-epochs`, `--ramp-epochs`, `--decay-epochs`), as Shi et al.
/// (NeurIPS 2021) and auto_LiRPA give theirs; each nil when that part was given in steps. An epoch is one pass over
/// the training images: E epochs are ceil(E N / B) steps for N images and batch size B, resolved when the data is
/// loaded (`TrainingSettings.resolveEpochs`), and both are recorded.
public struct EpochSchedule: Codable, Equatable, Sendable {
    public var epochs: Double?
    public var warmupEpochs: Double?
    public var rampEpochs: Double?
    public var decayEpochs: [Double]?

    public init(epochs: Double? = nil, warmupEpochs: Double? = nil, rampEpochs: Double? = nil,
                decayEpochs: [Double]? = nil) {
        self.epochs = epochs
        self.warmupEpochs = warmupEpochs
        self.rampEpochs = rampEpochs
        self.decayEpochs = decayEpochs
    }

    /// True when no part is given in epochs.
    public var isEmpty: Bool { epochs == nil && warmupEpochs == nil && rampEpochs == nil && decayEpochs == nil }

    /// The largest epoch count any flag takes (the paper trains for 70 epochs on MNIST): keeps E N / B far inside
    /// an Int for any data set the readers accept.
    public static let maxEpochs = 1_000_000.0

    /// Checks every value; the message names the flag.
    public func validate() throws {
        var values = [("--epochs", epochs), ("--warmup-epochs", warmupEpochs), ("--ramp-epochs", rampEpochs)]
        values += (decayEpochs ?? []).map { ("--decay-epochs", $0) }
        for case let (flag, value?) in values {
            guard value.isFinite, value >= 0, value <= EpochSchedule.maxEpochs else {
                throw SettingsError(message: "\(flag) must be in [0, \(Int(EpochSchedule.maxEpochs))], got \(FlagText.show(flag, value))")
            }
        }
        if let epochs, epochs <= 0 { throw SettingsError(message: "--epochs must be positive, got \(FlagText.show("--epochs", epochs))") }
    }
}

extension TrainingSettings {
    /// Sets the step counts given in epochs (`epochs`) for `images` training images at this batch size; a part
    /// given in steps stays as it is.
    /// - Throws: `SettingsError` naming the epoch flag whose step count exceeds `TrainingSettings.maxCount`, or
    ///   whose positive value rounds to zero steps (under half a step).
    public mutating func resolveEpochs(trainingImages images: Int) throws {
        guard let e = epochs else { return }
        try e.validate()
        let batch = batchSize
        func steps(_ value: Double, _ flag: String) throws -> Int {
            let exact = value * Double(images) / Double(max(batch, 1))
            // A positive count of epochs that rounds to zero steps (`--epochs 1e-9`) would be rounded up to a whole
            // step in silence: refused, naming the flag and the smallest value that rounds to one step.
            if value > 0, exact < 0.5 {
                throw SettingsError(message: "\(flag) \(FlagText.show(flag, value)) rounds to zero steps (\(exact) of \(batch) of the \(images) "
                                    + "training images); give at least \(0.5 * Double(max(batch, 1)) / Double(images)) or 0")
            }
            let count = exact.rounded(.up)
            guard count <= Double(TrainingSettings.maxCount) else {
                throw SettingsError(message: "\(flag) \(FlagText.show(flag, value)) is \(count) steps of \(batch) of the \(images) training "
                                    + "images, over the limit of \(TrainingSettings.maxCount)")
            }
            return Int(count)
        }
        if let total = e.epochs { self.steps = try steps(total, "--epochs") }
        if let warmup = e.warmupEpochs { schedule.warmupSteps = try steps(warmup, "--warmup-epochs") }
        if let ramp = e.rampEpochs { schedule.rampSteps = try steps(ramp, "--ramp-epochs") }
        if let decay = e.decayEpochs { schedule.decaySteps = try decay.map { try steps($0, "--decay-epochs") } }
    }
}
