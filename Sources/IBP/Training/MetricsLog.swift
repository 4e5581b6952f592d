import Foundation
import IBPFormats

/// Training metrics as JSON lines: a `train` line per `every` steps (means over the window) and an
/// `eval` line per evaluation. Kept in memory and rewritten atomically at each checkpoint, so the file
/// always matches the newest checkpoint.
public struct MetricsLog {
    public struct Record: Codable, Sendable {
        public var type: String
        public var step: Int
        public var epsilon: Float?
        public var kappa: Float?
        /// The CROWN-IBP weight (`crown-ibp` runs only).
        public var beta: Float?
        public var learningRate: Float?
        public var loss: Float?
        public var nominalLoss: Float?
        public var verifiedLoss: Float?
        public var nominalAccuracy: Double?
        public var verifiedAccuracy: Double?
        public var count: Int?
        /// Which images an `eval` record used: `test` or `validation` (nil in logs written before it was recorded:
        /// test).
        public var split: String?
        /// Wall-clock seconds of training so far, over all resumes.
        public var seconds: Double?

        /// What makes this record one `train` cannot have written, or nil: an unknown type, a step not after the
        /// previous record of its type (`previous`), an accuracy outside [0, 1], an evaluation whose verified
        /// accuracy exceeds its nominal one (verified implies correctly classified), a non-finite or negative
        /// number, eps outside [0, 1], a count below 1.
        func problem(after previous: Int?) -> String? {
            guard type == "train" || type == "eval" else { return "unknown record type \"\(type)\" (train or eval)" }
            guard step >= 1, step <= TrainingSettings.maxCount else {
                return "step \(step) is outside 1...\(TrainingSettings.maxCount)"
            }
            if let previous, step <= previous { return "\(type) record at step \(step) after one at step \(previous)" }
            for (name, value) in [("nominalAccuracy", nominalAccuracy), ("verifiedAccuracy", verifiedAccuracy)] {
                if let value, !(0...1).contains(value) { return "\(name) \(value) is outside [0, 1]" }
            }
            if type == "eval", let v = verifiedAccuracy, let n = nominalAccuracy, v > n {
                return "verified accuracy \(v) above nominal \(n) (verified implies correctly classified)"
            }
            if let epsilon, !(epsilon >= 0 && epsilon <= 1) { return "epsilon \(epsilon) is outside [0, 1]" }
            for (name, value) in [("kappa", kappa), ("beta", beta), ("learningRate", learningRate), ("loss", loss),
                                  ("nominalLoss", nominalLoss), ("verifiedLoss", verifiedLoss)] {
                if let value, !(value.isFinite && value >= 0) { return "\(name) \(value) is not a finite non-negative number" }
            }
            if let count, count < 1 { return "count \(count) is below 1" }
            if let seconds, !(seconds.isFinite && seconds >= 0) { return "seconds \(seconds) is not a finite non-negative number" }
            // The fields `record` writes for this type, present in every log train has written, and no others:
            // `{"step":10,"type":"eval"}` would draw an empty figure that looks like a run without evaluations.
            let fields: [(String, Bool)] = [("epsilon", epsilon != nil), ("kappa", kappa != nil), ("beta", beta != nil),
                                            ("learningRate", learningRate != nil), ("loss", loss != nil),
                                            ("nominalLoss", nominalLoss != nil), ("verifiedLoss", verifiedLoss != nil),
                                            ("nominalAccuracy", nominalAccuracy != nil),
                                            ("verifiedAccuracy", verifiedAccuracy != nil), ("count", count != nil),
                                            ("split", split != nil)]
            let (required, allowed) = type == "train" ? (Record.trainFields, Record.trainFields.union(Record.trainOptional))
                                                      : (Record.evalFields, Record.evalFields.union(Record.evalOptional))
            if let missing = fields.first(where: { required.contains($0.0) && !$0.1 }) {
                return "the \(type) record at step \(step) lacks \"\(missing.0)\" (\(type == "eval" ? "an" : "a") \(type) record has "
                    + required.sorted().joined(separator: ", ") + ")"
            }
            if let foreign = fields.first(where: { $0.1 && !allowed.contains($0.0) }) {
                return "the \(type) record at step \(step) has \"\(foreign.0)\", which only the other record type has"
            }
            return nil
        }

        /// The fields every `train` record has (since the first version of the log), and those it may have.
        static let trainFields: Set<String> = ["epsilon", "kappa", "learningRate", "loss", "nominalLoss", "nominalAccuracy", "count"]
        static let trainOptional: Set<String> = ["beta", "verifiedLoss", "verifiedAccuracy"]
        /// The fields every `eval` record has, and those it may have.
        static let evalFields: Set<String> = ["epsilon", "nominalAccuracy", "verifiedAccuracy", "count"]
        static let evalOptional: Set<String> = ["split"]
    }

    /// The largest log read: 256 MiB (a record is about 250 bytes; a run of 10^9 steps logged every 100 writes
    /// 10^7 of them, 2.5 GB, far beyond any run here: 60,000 steps write 150 kB).
    public static let maxBytes = 256 << 20

    /// The refusal of a log that cannot be read, one wording wherever it is found.
    static func unreadable(_ url: URL, _ problem: GzipProblem) -> SettingsError {
        SettingsError(message: "\(url.path): cannot read the metrics log (\(problem.text))", isUsageError: false)
    }

    /// A log at `url` over `maxBytes`, refused by its size alone: `Trainer.resume` asks before it reads the data
    /// (a 5 GiB log was refused only after MNIST had been read and digested, 0.6 s and 270 MB later).
    static func refusalBySize(_ url: URL) -> SettingsError? {
        Gzip.sizeProblem(url, maxBytes: maxBytes).map { unreadable(url, $0) }
    }

    public let url: URL
    public let every: Int
    public private(set) var records: [Record] = []
    /// The batches since the last `train` record: a checkpoint stores them (`metrics_window`) so that a resumed
    /// run's next record covers the same `every` steps, with the same numbers, as an uninterrupted run's.
    public var window: [BatchStatistics] = []

    /// Opens the log, keeping the records of an earlier run up to step `upTo` (what its checkpoint holds).
    /// - Throws: `SettingsError` (a failure at run time) naming the file and line of a record that is not valid,
    ///   instead of dropping it: a resumed log must hold every record an uninterrupted one does.
    /// With `requireHistory` (a resumed run), a log that cannot hold every record up to `step` is refused, not
    /// continued with a lost history: a missing log (every checkpoint after step 0 is written after the log, so a
    /// run that has one had a log, even an empty one), and an emptied or cut one (the last `train` record must be
    /// at the last multiple of `every` at or before `step`, the last `eval` record at `lastEvaluation` or later,
    /// the step of the last evaluation the run made). Readers of a finished log (`visualize training`) pass false.
    public init(url: URL, upTo step: Int, every: Int = 100, requireHistory: Bool = false, lastEvaluation: Int = 0) throws {
        self.url = url
        self.every = every
        let lastExpected = requireHistory ? (step / every) * every : 0
        guard step > 0, FileManager.default.fileExists(atPath: url.path) else {
            // A run of fewer than `every` steps has a log too (its evaluations, or none yet): missing is lost.
            if requireHistory && step > 0 {
                throw SettingsError(message: "\(url.path): missing, but the checkpoint is at step \(step): the run's "
                                    + "history would be lost; restore the file, or start the run again with --force",
                                    isUsageError: false)
            }
            return
        }
        // Read as bytes and checked line by line, so a bad byte is named by its line (Foundation's String reader
        // fails the whole file with an NSCocoaErrorDomain dump).
        let bytes: Data
        do { bytes = try Gzip.readRaw(url, maxBytes: MetricsLog.maxBytes) } catch let e as GzipError {
            throw MetricsLog.unreadable(url, e.problem)
        }
        var lastStep: [String: Int] = [:]
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard String(validating: line, as: UTF8.self) != nil else {
                throw SettingsError(message: "\(url.path): line \(index + 1) is not UTF-8 text; the log was not written "
                                    + "by train, or was damaged", isUsageError: false)
            }
            let record: Record
            do {
                record = try StrictJSON.decode(Record.self, from: Data(line))
            } catch let e as StrictJSON.Failure {
                throw SettingsError(message: "\(url.path): line \(index + 1) is not a metrics record: \(e.reason)",
                                    isUsageError: false)
            }
            if let problem = record.problem(after: lastStep[record.type]) {
                throw SettingsError(message: "\(url.path): line \(index + 1): \(problem); the log was not written by "
                                    + "train, or was edited", isUsageError: false)
            }
            lastStep[record.type] = record.step
            if record.step <= step { records.append(record) }
        }
        let lastTrain = records.last { $0.type == "train" }?.step ?? 0
        if requireHistory && lastTrain != lastExpected {
            throw SettingsError(message: "\(url.path): its last training record is at step \(lastTrain), but the checkpoint "
                                + "is at step \(step) (records \(CountText.every(every, "step"))): the log was cut or emptied; restore "
                                + "it, or start the run again with --force", isUsageError: false)
        }
        let lastEval = records.last { $0.type == "eval" }?.step ?? 0
        if requireHistory && lastEval < lastEvaluation {
            throw SettingsError(message: "\(url.path): its last evaluation record is at step \(lastEval), but the run "
                                + "evaluated at step \(lastEvaluation) (its checkpoint is at step \(step)): the log was cut "
                                + "or emptied; restore it, or start the run again with --force", isUsageError: false)
        }
    }

    public mutating func record(step: Int, epsilon: Float, kappa: Float, beta: Float? = nil, learningRate: Float,
                                batch: BatchStatistics, seconds: Double) {
        window.append(batch)
        guard step % every == 0 else { return }
        let n = Float(window.count), samples = Double(window.reduce(0) { $0 + $1.count })
        let verified = window.compactMap(\.verified)
        let verifiedLosses = window.compactMap(\.verifiedLoss)
        records.append(Record(
            type: "train", step: step, epsilon: epsilon, kappa: kappa, beta: beta, learningRate: learningRate,
            loss: window.reduce(0) { $0 + $1.loss } / n,
            nominalLoss: window.reduce(0) { $0 + $1.nominalLoss } / n,
            verifiedLoss: verifiedLosses.isEmpty ? nil : verifiedLosses.reduce(0, +) / Float(verifiedLosses.count),
            nominalAccuracy: Double(window.reduce(0) { $0 + $1.nominalCorrect }) / samples,
            verifiedAccuracy: verified.count == window.count ? Double(verified.reduce(0, +)) / samples : nil,
            count: Int(samples), seconds: seconds))
        window.removeAll()
    }

    public mutating func record(step: Int, evaluation: EvaluationResult, split: String? = nil, seconds: Double) {
        records.append(Record(type: "eval", step: step, epsilon: evaluation.epsilon,
                              nominalAccuracy: evaluation.nominalAccuracy,
                              verifiedAccuracy: evaluation.verifiedAccuracy, count: evaluation.count, split: split,
                              seconds: seconds))
    }

    /// Rewrites the file with every record so far.
    public func flush() throws {
        let encoder = JSONEncoder.sorted
        var text = Data()
        for r in records {
            text.append(try encoder.encode(r))
            text.append(0x0A)
        }
        try AtomicFile.write(text, to: url)
    }
}
