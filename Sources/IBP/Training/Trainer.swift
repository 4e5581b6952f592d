import Foundation
import IBPFormats

/// Progress of a running training, reported after every step.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epsilon: Float
    public var kappa: Float
    public var learningRate: Float
    public var batch: BatchStatistics
    public var samplesPerSecond: Double
}

/// A training run in a folder: `settings.json`, `checkpoint.ckpt` (with optimizer state, for `--resume`),
/// `final.ckpt` (weights only, at the end), `metrics.jsonl` and `curves.png`.
public final class Trainer {
    public let settings: TrainingSettings
    public let directory: URL
    public let network: Network
    public private(set) var adam: Adam
    public private(set) var step: Int
    private let train: Dataset
    private let test: Dataset
    private var order: BatchOrder
    private var metrics: MetricsLog
    /// Wall time spent training in earlier processes of this run (from the checkpoint) and when this one began.
    private let secondsBefore: Double
    private let started = Date()

    /// Wall-clock seconds spent on this run so far, over all resumes.
    public var trainingSeconds: Double { secondsBefore + Date().timeIntervalSince(started) }

    public var checkpointURL: URL { directory.appendingPathComponent("checkpoint.ckpt") }
    public var finalURL: URL { directory.appendingPathComponent("final.ckpt") }

    /// Starts a new run in `directory`, which must not exist unless `force` is set.
    public static func start(_ settings: TrainingSettings, dataDirectory: URL, directory: URL,
                             force: Bool) throws -> Trainer {
        try settings.validate()
        let fm = FileManager.default
        if fm.fileExists(atPath: directory.path) && !force {
            throw SettingsError(message: "\(directory.path) exists: pass --resume to continue it or --force to start over")
        }
        let (train, test) = try loadData(dataDirectory, settings: settings)
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SettingsError(message: "\(directory.path): cannot create the run folder")
        }
        for stale in ["checkpoint.ckpt", "final.ckpt", "metrics.jsonl", "curves.png"] {
            try? fm.removeItem(at: directory.appendingPathComponent(stale))
        }
        try AtomicFile.write(try JSONEncoder.pretty.encode(settings), to: directory.appendingPathComponent("settings.json"))
        let network = Network(Architecture.named(settings.model)!)
        Initializer.orthogonal(network, seed: settings.seed)
        return Trainer(settings: settings, directory: directory, network: network,
                       adam: Adam(parameters: network.parameters), step: 0, train: train, test: test)
    }

    /// Continues the run in `directory` from its checkpoint, optionally to a new total of `steps`.
    public static func resume(directory: URL, dataDirectory: URL, steps: Int? = nil) throws -> Trainer {
        let settingsURL = directory.appendingPathComponent("settings.json")
        guard let data = FileManager.default.contents(atPath: settingsURL.path) else {
            throw SettingsError(message: "\(settingsURL.path): no such file, so \(directory.path) is not a run to resume")
        }
        var settings: TrainingSettings
        do { settings = try JSONDecoder().decode(TrainingSettings.self, from: data) } catch {
            throw SettingsError(message: "\(settingsURL.path): not valid training settings")
        }
        if let steps { settings.steps = steps }
        try settings.validate()
        let checkpoint = try Checkpoint.load(directory.appendingPathComponent("checkpoint.ckpt"))
        guard checkpoint.architecture == Architecture.named(settings.model), let adam = checkpoint.adam else {
            throw SettingsError(message: "\(directory.path)/checkpoint.ckpt does not match settings.json or lacks optimizer state")
        }
        let (train, test) = try loadData(dataDirectory, settings: settings)
        return Trainer(settings: settings, directory: directory, network: checkpoint.makeNetwork(), adam: adam,
                       step: checkpoint.step, train: train, test: test)
    }

    private static func loadData(_ dir: URL, settings: TrainingSettings) throws -> (Dataset, Dataset) {
        let train = try Dataset.mnist(directory: dir, split: .train)
        let test = try Dataset.mnist(directory: dir, split: .test, limit: settings.evalLimit)
        return (train, test)
    }

    private init(settings: TrainingSettings, directory: URL, network: Network, adam: Adam, step: Int,
                 train: Dataset, test: Dataset) {
        self.settings = settings
        self.directory = directory
        self.network = network
        self.adam = adam
        self.step = step
        self.train = train
        self.test = test
        self.order = BatchOrder(seed: settings.seed, count: train.count)
        self.metrics = MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"), upTo: step)
        // Wall time is logged in the metrics, not the checkpoint, so checkpoints stay byte-for-byte reproducible.
        self.secondsBefore = metrics.records.last?.seconds ?? 0
    }

    /// Trains until `settings.steps` or until `shouldStop` returns true, checkpointing on the way and at the end.
    /// Returns true when the run reached its last step.
    @discardableResult
    public func run(progress: (TrainingProgress) -> Void, evaluated: (Int, EvaluationResult) -> Void = { _, _ in },
                    shouldStop: () -> Bool = { false }) throws -> Bool {
        let s = settings.schedule
        var window = Date()
        var windowSamples = 0
        var rate = 0.0
        while step < settings.steps {
            if shouldStop() { break }
            let eps = settings.method == .ibp ? s.epsilon(at: step) : 0
            let kappa = settings.method == .ibp ? s.kappa(at: step) : 1
            let lr = s.learningRate(at: step)
            let (x, labels) = train.batch(order.indices(step: step, batchSize: settings.batchSize))
            // kappa = 1 gives the interval term zero weight, so warm-up skips the interval pass.
            let stats = IBPLoss.lossAndGradient(network: network, x: x, labels: labels, epsilon: eps, kappa: kappa,
                                                bounds: settings.method == .ibp && kappa < 1)
            adam.step(network.parameters, learningRate: lr)
            step += 1
            windowSamples += x.batch
            let elapsed = Date().timeIntervalSince(window)
            if elapsed >= 1 {
                rate = Double(windowSamples) / elapsed
                window = Date()
                windowSamples = 0
            }
            metrics.record(step: step, epsilon: eps, kappa: kappa, learningRate: lr, batch: stats,
                           seconds: trainingSeconds)
            progress(TrainingProgress(step: step, totalSteps: settings.steps, epsilon: eps, kappa: kappa,
                                      learningRate: lr, batch: stats, samplesPerSecond: rate))
            if step % settings.evalEvery == 0 || step == settings.steps {
                evaluated(step, evaluate())
            }
            if step % settings.checkpointEvery == 0 || step == settings.steps {
                try saveCheckpoint()
            }
        }
        if step < settings.steps { try saveCheckpoint() }
        let finished = step >= settings.steps
        if finished {
            try Checkpoint(network: network, step: step, settings: checkpointSettings).save(to: finalURL)
        }
        return finished
    }

    private var checkpointSettings: [String: String] {
        ["settings": String(decoding: (try? JSONEncoder.sorted.encode(settings)) ?? Data(), as: UTF8.self),
         "data_order": "epoch permutations from seed \(settings.seed); resume needs only the step"]
    }

    /// Nominal and verified accuracy on the evaluation images at `settings.evalEpsilon`, logged to metrics.
    public func evaluate() -> EvaluationResult {
        // IBP bounds every layer kind, so this cannot throw.
        let result = try! Evaluator.evaluate(network, on: test, epsilon: settings.evalEpsilon, pgd: nil,
                                             seed: settings.seed)
        metrics.record(step: step, evaluation: result, seconds: trainingSeconds)
        return result
    }

    /// Writes `checkpoint.ckpt` (weights, Adam moments, step) and the metrics so far, each atomically.
    public func saveCheckpoint() throws {
        try metrics.flush()
        try Checkpoint(network: network, step: step, adam: adam, settings: checkpointSettings).save(to: checkpointURL)
        try TrainingCurves.render(metrics: metrics, to: directory.appendingPathComponent("curves.png"),
                                  title: "\(settings.model) \(settings.method.rawValue) eps_train=\(settings.schedule.epsilonTrain)")
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }
}
