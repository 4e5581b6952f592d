import Foundation
import IBPFormats
import IBPRender

/// Progress of a running training, reported after every step.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epsilon: Float
    public var kappa: Float
    public var learningRate: Float
    public var batch: BatchStatistics
    public var samplesPerSecond: Double
    /// The CROWN-IBP weight (0 for the other methods).
    public var beta: Float = 0
}

/// Training that cannot go on: the loss or the weights left the finite floats (a checkpoint with them could not
/// be loaded, and every later step would be NaN). The last checkpoint written stays as it was.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let step: Int
    public let what: String
    public let lastCheckpoint: Int?
    public var description: String {
        "step \(step): \(what) is not finite, so training diverged; "
            + (lastCheckpoint.map { "checkpoint.ckpt still holds step \($0); start again with a smaller --learning-rate" }
               ?? "nothing was saved; start again with --force and a smaller --learning-rate")
    }
}

/// A training run in a folder: `settings.json` (the run's record), `checkpoint.ckpt` (with optimizer state and
/// the metrics window, for `--resume`), `final.ckpt` (weights only, at the end), with `--validation` `best.ckpt`
/// (weights only, chosen on the held-out images), `metrics.jsonl` and `curves.png`.
public final class Trainer {
    public private(set) var settings: TrainingSettings
    public let directory: URL
    public let network: Network
    public private(set) var adam: Adam
    public private(set) var step: Int
    /// Lines for the user about what this run will not do as its flags suggest (`TrainingSettings.warnings`), or
    /// about a resumed run that cannot match an uninterrupted one (another GEMM kernel).
    public private(set) var warnings: [String] = []
    private let train: Dataset
    private let test: Dataset
    private var order: BatchOrder
    private var metrics: MetricsLog
    private var lastCheckpointStep: Int?
    /// Wall time spent training in earlier processes of this run (from the checkpoint) and when this one began.
    private let secondsBefore: Double
    private let started = Date()
    /// The font of `curves.png`, loaded before any data or training so that a missing font is the first error, not
    /// one found after the first thousand steps.
    private let fonts: FontSet

    /// Wall-clock seconds spent on this run so far, over all resumes.
    public var trainingSeconds: Double { secondsBefore + Date().timeIntervalSince(started) }

    public var checkpointURL: URL { directory.appendingPathComponent("checkpoint.ckpt") }
    public var finalURL: URL { directory.appendingPathComponent("final.ckpt") }
    public var settingsURL: URL { directory.appendingPathComponent("settings.json") }

    /// Starts a new run in `directory`, which must not exist unless `force` is set. The run's record
    /// (`settings.json`) gets `settings` with the data folder, its digest, the thread count (default
    /// `Parallel.workers`) and the GEMM kernel filled in.
    public static func start(_ settings: TrainingSettings, dataDirectory: URL, directory: URL,
                             force: Bool) throws -> Trainer {
        let fonts = try Fonts.load()
        var settings = settings
        if settings.threads == nil { settings.threads = Parallel.workers }
        try settings.validate()
        let fm = FileManager.default
        if fm.fileExists(atPath: directory.path) {
            // Only a run's folder is offered --resume, and only what --force may start over in is offered --force
            // (a folder of other files was told to pass either, and then both were refused).
            let isRun = try requireRunFolder(directory, dataDirectory: dataDirectory)
            if !force {
                // A run without checkpoint.ckpt (one that stopped before its first checkpoint, or diverged at once)
                // has nothing to resume: --resume would only say so.
                let resumable = fm.fileExists(atPath: directory.appendingPathComponent("checkpoint.ckpt").path)
                    || fm.fileExists(atPath: directory.appendingPathComponent("final.ckpt").path)
                throw SettingsError(message: "\(directory.path) exists: " + (!isRun
                    ? "it is empty; pass --force to start the run in it, or give a new folder"
                    : resumable ? "pass --resume to continue it or --force to start over"
                    : "it holds a run that stopped before its first checkpoint, so there is nothing to resume; pass "
                      + "--force to start over, or give a new folder"))
            }
        }
        let loaded = try loadData(dataDirectory, settings: settings)
        let (train, test) = (loaded.train, loaded.evaluated)
        // Epoch counts become steps once the number of training images is known.
        try settings.resolveEpochs(trainingImages: train.count)
        try settings.validate()
        // The folder the OS read (`lnk/..` is where `lnk` leads, not the working folder), absolute.
        settings.data = TypedPath.resolved(dataDirectory.path)
        settings.dataSHA256 = loaded.digest
        settings.gemmKernel = GEMMKernel.current.rawValue
        if let reason = FolderCreation.create(directory) {
            throw SettingsError(message: "--out \(directory.path): cannot create the run folder: \(reason)", isUsageError: false)
        }
        for stale in Trainer.runFiles where stale != "settings.json" {
            try? fm.removeItem(at: directory.appendingPathComponent(stale))
        }
        try AtomicFile.write(try JSONEncoder.pretty.encode(settings), to: directory.appendingPathComponent("settings.json"))
        let network = Network(settings.modelArchitecture!)
        Initializer.initialize(network, scheme: settings.initialization ?? .orthogonal, seed: settings.seed)
        let trainer = try Trainer(settings: settings, directory: directory, fonts: fonts, network: network,
                              adam: Adam(parameters: network.parameters), step: 0, train: train, test: test)
        trainer.warnings = settings.warnings
        return trainer
    }

    /// What `--force` may start over in: an empty folder or an earlier run's (its `settings.json` reads as a run's
    /// record, `TrainingSettings`), never the data folder. Anything else (a folder of the user's files, one whose
    /// `settings.json` is some other file) is refused: a new run writes and removes its files there
    /// (`settings.json`, `checkpoint.ckpt`, `metrics.jsonl`, ...), which are not the user's to lose.
    /// - Returns: whether it is an earlier run's folder (else it is empty).
    /// - Throws: `SettingsError` (usage) naming `--out` and what the folder holds.
    static func requireRunFolder(_ directory: URL, dataDirectory: URL) throws -> Bool {
        let fm = FileManager.default
        // Compared as the OS resolves them (`TypedPath.resolved`; `..` after a link by text named another folder),
        // and by device and inode.
        if TypedPath.resolved(directory.path) == TypedPath.resolved(dataDirectory.path)
            || FileIdentity.node(directory.path).map({ $0 == FileIdentity.node(dataDirectory.path) }) == true {
            throw SettingsError(message: "--out \(directory.path) is the data folder; give a new folder for the run")
        }
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: directory.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw SettingsError(message: "--out \(directory.path) is a file, not a folder; give a new folder for the run")
        }
        guard let contents = try? fm.contentsOfDirectory(atPath: directory.path) else {
            throw SettingsError(message: "--out \(directory.path) cannot be read; give a new folder for the run")
        }
        if contents.isEmpty { return false }
        // Any file named settings.json (`garbage`, `{"x":1}`) was taken for a run's record: only one that reads as
        // the settings train writes is.
        let settingsURL = directory.appendingPathComponent("settings.json")
        let notARecord: String?
        if !contents.contains("settings.json") {
            notARecord = "no settings.json"
        } else if let reason = runRecordFault(settingsURL) {
            notARecord = "its settings.json is not a run's record: \(reason)"
        } else {
            return true
        }
        let shown = contents.sorted().prefix(3).map { FileText.oneLine($0) }.joined(separator: ", ")
            + (contents.count > 3 ? ", ..." : "")
        throw SettingsError(message: "--out \(directory.path) is not a run folder (\(notARecord!); it holds \(shown)), "
                            + "so --force will not write into it; give a new folder (or an empty one, with --force)")
    }

    /// Why the file at `url` is not the record `settings.json` of a run of train (a regular file of at most 16 MiB
    /// that decodes as `TrainingSettings`), or nil when it is one.
    static func runRecordFault(_ url: URL) -> String? {
        let data: Data
        do { data = try Gzip.readRaw(url, maxBytes: 16 << 20) } catch let e as GzipError { return e.problem.text } catch {
            return FileText.reason(error)
        }
        do {
            _ = try StrictJSON.decode(TrainingSettings.self, from: data)
        } catch let e as StrictJSON.Failure {
            return e.reason
        } catch {
            return FileText.reason(error)
        }
        return nil
    }

    /// The files a run keeps in its folder.
    public static let runFiles = ["settings.json", "checkpoint.ckpt", "final.ckpt", "best.ckpt", "metrics.jsonl", "curves.png"]

    /// The first of the run's files in `directory` that exists but is neither a regular file nor a symbolic link (a
    /// FIFO, folder, device or socket put in its place), as `PATH is a FIFO`; nil when there is none.
    public static func damagedRunFile(in directory: URL) -> String? {
        for name in runFiles {
            let path = directory.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            if type != S_IFREG && type != S_IFLNK { return "\(path) is \(AtomicFile.kind(info.st_mode))" }
        }
        return nil
    }

    /// Continues the run in `directory` from its checkpoint, with the data folder it recorded.
    /// - Parameters:
    ///   - flags: flags given with `--resume`. Each must equal the record, except `--steps`, which sets a new
    ///     total (not below the checkpoint's step), and `--data`, which may name another folder holding the same
    ///     files (training and test, checked by digest; the record keeps the folder the run started with, which
    ///     messages name). Anything else is refused in one line.
    ///   - dataDirectory: `--data`, if given.
    ///   - defaultData: the data folder of a run recorded without one (runs made before it was recorded), used
    ///     only when the record has the images' digest (`dataSHA256`) to check it by; else `--data` is required.
    public static func resume(directory: URL, flags: TrainingFlags = TrainingFlags(), dataDirectory: URL? = nil,
                              defaultData: URL? = nil) throws -> Trainer {
        let fonts = try Fonts.load()
        let settingsURL = directory.appendingPathComponent("settings.json")
        // The run's own files damaged (a FIFO or folder in place of one) are the run's fault, not the command line's,
        // and are found before any step, not when the file is written at the end.
        if let damaged = damagedRunFile(in: directory) {
            throw SettingsError(message: "\(damaged), not a regular file: the run folder is damaged; put the run's own "
                                + "file back or remove it", isUsageError: false)
        }
        if let refusal = MetricsLog.refusalBySize(directory.appendingPathComponent("metrics.jsonl")) { throw refusal }
        guard FileManager.default.fileExists(atPath: settingsURL.path) else {
            throw SettingsError(message: "\(settingsURL.path): no such file, so \(directory.path) is not a run to resume",
                                isUsageError: false)
        }
        // By its size first: train writes a few KiB; a huge file is refused before it is read.
        let data: Data
        do { data = try Gzip.readRaw(settingsURL, maxBytes: 16 << 20) } catch {
            throw SettingsError(message: "\(error); train writes a few KiB there: restore the run's settings.json",
                                isUsageError: false)
        }
        var settings: TrainingSettings
        do {
            settings = try StrictJSON.decode(TrainingSettings.self, from: data)
        } catch let e as StrictJSON.Failure {
            throw SettingsError(message: "\(settingsURL.path): not valid training settings: \(e.reason)", isUsageError: false)
        }
        // The recorded settings are checked as recorded, before any flag changes them, and a fault is named by the
        // file and its field (a hand-edited `"steps": -3`), not by a flag the user did not give.
        do {
            try settings.validate()
        } catch let e as SettingsError {
            throw SettingsError(message: "\(settingsURL.path): not valid training settings: "
                                + TrainingSettings.namingFields(e.message), isUsageError: false)
        }
        if let conflict = flags.conflicts(with: settings).first {
            throw UsageError("\(conflict.flag) \(conflict.given) differs from the run's \(FileText.shown(conflict.recorded)) "
                             + "(\(settingsURL.path)); a resumed run keeps its settings: drop \(conflict.flag), or start "
                             + "a new run with --out")
        }
        if settings.threads == nil { settings.threads = flags.threads ?? Parallel.workers }
        let checkpointURL = directory.appendingPathComponent("checkpoint.ckpt")
        let finalURL = directory.appendingPathComponent("final.ckpt")
        if !FileManager.default.fileExists(atPath: checkpointURL.path), FileManager.default.fileExists(atPath: finalURL.path) {
            // A finished run whose checkpoint.ckpt was removed: final.ckpt holds the weights but no optimizer state,
            // so the run cannot continue bit for bit; it did not stop "before its first checkpoint".
            let step = (try? Checkpoint.load(finalURL)).map { " at step \($0.step)" } ?? ""
            throw SettingsError(message: "\(checkpointURL.path): no such file, but the run finished\(step) (\(finalURL.path)); "
                                + "final.ckpt has no optimizer state to continue from, so there is nothing to resume: "
                                + "restore checkpoint.ckpt to extend it with --steps, or train anew with --out NEW_FOLDER "
                                + "(or --out \(directory.path) --force, which replaces this run)", isUsageError: false)
        }
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
            throw SettingsError(message: "\(checkpointURL.path): no such file: the run stopped before its first checkpoint "
                                + "(\(CountText.every(settings.checkpointEvery, "step"))), so there is nothing to resume; start it again "
                                + "with --out \(directory.path) --force", isUsageError: false)
        }
        let checkpoint = try Checkpoint.load(checkpointURL)
        guard checkpoint.architecture == settings.modelArchitecture else {
            // Both models named, and neither file blamed: either may be the odd one out (as for other settings).
            throw SettingsError(message: "\(checkpointURL.path) and \(settingsURL.path) record different models "
                                + "(\"\(FileText.shown(checkpoint.architecture.name))\" in the checkpoint, "
                                + "\"\(FileText.shown(settings.model))\" in settings.json): the checkpoint is another run's, or "
                                + "settings.json was edited; restore the run's own files or start a new run with --out",
                                isUsageError: false)
        }
        guard let adam = checkpoint.adam else {
            throw SettingsError(message: "\(checkpointURL.path) has no optimizer state (a final or exported checkpoint, "
                                + "not the one train writes to resume from); restore the run's own checkpoint",
                                isUsageError: false)
        }
        if let different = try differingSettings(checkpoint, settings) {
            // Either file may be the odd one out (a checkpoint copied in from another run, or settings.json edited
            // by hand): both are named, and neither is guessed.
            throw SettingsError(message: "\(checkpointURL.path) and \(settingsURL.path) record different settings "
                                + "(\(different)): the checkpoint is another run's, or settings.json was edited; "
                                + "restore the run's own files or start a new run with --out", isUsageError: false)
        }
        // The last evaluation the run made up to its checkpoint, which the log must hold: at the last multiple of
        // `evalEvery`, or at the checkpoint's step when the run had finished there (every run evaluates at its end).
        let lastEvaluation = max((checkpoint.step / settings.evalEvery) * settings.evalEvery,
                                 checkpoint.step == settings.steps ? checkpoint.step : 0)
        if let steps = flags.steps {
            guard steps >= checkpoint.step else {
                throw UsageError("--steps \(FlagText.show("--steps", steps)) is below the \(checkpoint.step) steps the run has taken "
                                 + "(\(directory.path)/checkpoint.ckpt); give --steps \(checkpoint.step) or more")
            }
            settings.steps = steps
        }
        try settings.validate()

        // The data: the folder given, else the one recorded; either way the same images as at the start. The
        // default folder stands in for a record without one only when the record's digest can check its images:
        // otherwise a resume from another working folder would silently train on whatever MNIST lies there.
        let recorded = settings.data.map { TypedPath.url($0, isDirectory: true) }
        guard let folder = dataDirectory ?? recorded ?? (settings.dataSHA256 != nil ? defaultData : nil) else {
            throw UsageError("\(settingsURL.path) records no data folder (field \"data\" absent or null)"
                             + (settings.dataSHA256 == nil ? " and no digest of its images (field \"dataSHA256\")" : "")
                             + ": pass --data DIR with the run's MNIST files")
        }
        // The default folder, tried because neither the record nor --data names one: every refusal below says so.
        let defaulted = dataDirectory == nil && recorded == nil
        let tried = defaulted ? "\(settingsURL.path) records no data folder, so the default one was tried: " : ""
        let loaded: RunData
        do {
            loaded = try loadData(folder, settings: settings)
        } catch where dataDirectory == nil && recorded != nil {
            throw SettingsError(message: "the run's data folder \(folder.path) (recorded in \(settingsURL.path)) cannot be "
                                + "read: \(FileText.reason(error)); pass --data DIR with the same MNIST files", isUsageError: false)
        } catch where defaulted {
            throw SettingsError(message: tried + "\(folder.path) cannot be read: \(FileText.reason(error)); pass --data DIR "
                                + "with the run's MNIST files", isUsageError: false)
        }
        let (train, test) = (loaded.train, loaded.evaluated)
        if let expected = settings.dataSHA256, let differing = loaded.differs(from: expected) {
            // Named: the files that differ, and the folder the run started with (the record keeps it).
            let message = tried + "the MNIST \(differing) in \(folder.path) differ from those the run started with "
                + "(\(settings.data.map { "in \($0), " } ?? "")sha256 \(expected.prefix(16))...); "
                + (defaulted ? "pass --data DIR with the run's MNIST files" : "resume with the same images")
            throw dataDirectory == nil ? SettingsError(message: message, isUsageError: false) : UsageError("--data " + message)
        }
        // The record keeps the folder the run started with and its digest (a later refusal names that folder, and
        // the checkpoints carry the digest); a record made before they were kept gets them now.
        if settings.data == nil { settings.data = TypedPath.resolved(folder.path) }
        if settings.dataSHA256 == nil { settings.dataSHA256 = loaded.digest }

        let trainer = try Trainer(settings: settings, directory: directory, fonts: fonts, network: checkpoint.makeNetwork(), adam: adam,
                              step: checkpoint.step, train: train, test: test, lastEvaluation: lastEvaluation)
        if let window = checkpoint.settings["metrics_window"] {
            trainer.metrics.window = try StrictJSON.decode([BatchStatistics].self, from: Data(window.utf8))
        }
        trainer.lastCheckpointStep = checkpoint.step
        trainer.warnings = settings.warnings
        // A resumed run keeps the GEMM kernel it last ran on when this CPU runs it (the kernels round differently,
        // so another would change the bits of every later step): a run started on OpenBLAS before this CPU's table
        // chose the AVX2 kernel continues on OpenBLAS.
        if let recorded = settings.gemmKernel?.split(separator: "+").last.flatMap({ GEMMKernel(rawValue: String($0)) }),
           GEMMKernel.isAvailable(recorded) {
            GEMMKernel.current = recorded
        }
        if let kernel = settings.gemmKernel, kernel.split(separator: "+").last.map(String.init) != GEMMKernel.current.rawValue {
            trainer.warnings.append("the run started with the \(kernel) GEMM kernel and continues with "
                                    + "\(GEMMKernel.current.rawValue) (this CPU), which rounds differently: its weights "
                                    + "will not be the bits of an uninterrupted run")
            trainer.settings.gemmKernel = "\(kernel)+\(GEMMKernel.current.rawValue)"
        }
        // A record without the kernel (made before it was recorded, or edited) gets the one this resume runs, so the
        // record never loses it again.
        if trainer.settings.gemmKernel == nil { trainer.settings.gemmKernel = GEMMKernel.current.rawValue }
        // The record follows what the resumed run does: a new total of steps (the data folder stays the one it started with).
        try AtomicFile.write(try JSONEncoder.pretty.encode(trainer.settings), to: settingsURL)
        return trainer
    }

    /// The settings in which the record a checkpoint carries differs from the run's `settings.json`, each as its
    /// JSON path with both values as the files hold them (`schedule.learningRate 0.001 in the checkpoint, 0.0005 in
    /// settings.json`; `not set` for a field absent or null), joined; nil when they agree. What a resume may change
    /// is left out: the step total, the data folder, the thread count and the GEMM kernel. A field absent and the
    /// same field holding what its absence means compare equal. A checkpoint without a record (written by other
    /// tools) is not compared.
    private static func differingSettings(_ checkpoint: Checkpoint, _ settings: TrainingSettings) throws -> String? {
        guard let text = checkpoint.settings["settings"],
              let stored = try? StrictJSON.decode(TrainingSettings.self, from: Data(text.utf8)) else { return nil }
        func fields(_ s: TrainingSettings, normalized: Bool) throws -> [String: String] {
            var s = s
            s.steps = 0; s.data = nil; s.threads = nil; s.gemmKernel = nil
            s.epochs?.epochs = 0
            if normalized {
                // A field absent and the same field holding what its absence means are one setting (fp32 is not
                // recorded; runs before --init were orthogonal): a hand-added "precision": "fp32" is the same run.
                if s.precision == .fp32 { s.precision = nil }
                if s.initialization == .orthogonal { s.initialization = nil }
                // A regulariser of weight 0 adds nothing: the same run as none (runs before --reg-lambda, nominal runs).
                if s.warmupRegularizer?.lambda == 0 { s.warmupRegularizer = nil }
            }
            var out: [String: String] = [:]
            func flatten(_ value: Any, _ path: String) {
                if let object = value as? [String: Any] {
                    for (key, inner) in object { flatten(inner, path.isEmpty ? key : "\(path).\(key)") }
                } else {
                    out[path] = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                        .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
                }
            }
            flatten(try JSONSerialization.jsonObject(with: try JSONEncoder.sorted.encode(s)), "")
            return out
        }
        let a = try fields(stored, normalized: true), b = try fields(settings, normalized: true)
        let keys = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
        guard !keys.isEmpty else { return nil }
        // Compared normalised, shown as written: an "orthogonal" in settings.json is named, not called unset.
        let shownA = try fields(stored, normalized: false), shownB = try fields(settings, normalized: false)
        return keys.map { "\($0) \(shownA[$0] ?? "not set") in the checkpoint, \(shownB[$0] ?? "not set") in settings.json" }
            .joined(separator: "; ")
    }

    /// `resume` with only a data folder (tests and callers that give no other flag).
    public static func resume(directory: URL, dataDirectory: URL, steps: Int? = nil) throws -> Trainer {
        var flags = TrainingFlags()
        flags.steps = steps
        return try resume(directory: directory, flags: flags, dataDirectory: dataDirectory)
    }

    /// A run's data: the training images, the images evaluated, and the digests of the folder's files.
    struct RunData {
        let train: Dataset
        let evaluated: Dataset
        /// SHA-256 of the training files' images and labels, and of the whole test files', joined by `+`: what the
        /// record keeps (`dataSHA256`).
        let digest: String
        /// The test digest records made before the whole test files were digested hold: the evaluated first
        /// `evalLimit` test images, or `-` with `--validation` (the test files were not read).
        let legacyTestDigest: String

        /// Which files differ from the record's `expected` digest ("training files", "test files", or both), or nil.
        func differs(from expected: String) -> String? {
            let want = expected.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
            let have = digest.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
            guard want.count == 2, have.count == 2 else { return expected == digest ? nil : "files" }
            let trainDiffers = want[0] != have[0]
            let testDiffers = want[1] != have[1] && want[1] != legacyTestDigest
            switch (trainDiffers, testDiffers) {
            case (false, false): return nil
            case (true, false): return "training files (train-*)"
            case (false, true): return "test files (t10k-*)"
            case (true, true): return "training and test files"
            }
        }
    }

    /// The training images and the evaluation images: the first `evalLimit` test images, or with
    /// `validationImages` that many training images held out (`Dataset.holdingOut`), of which the first
    /// `evalLimit` are evaluated. The test files are read whole either way, so that the digest covers them all
    /// (a resumed run with another test label beyond the first `evalLimit` images went on without a word).
    private static func loadData(_ dir: URL, settings: TrainingSettings) throws -> RunData {
        let train = try Dataset.mnist(directory: dir, split: .train)
        let testImages = try MNIST.load(directory: dir, split: .test)
        let testDigest = Dataset.sha256(of: testImages)
        let digest = "\(train.sha256 ?? "-")+\(testDigest)"
        guard let held = settings.validationImages else {
            try requireBatch(settings.batchSize, of: train.count, in: dir, heldOut: 0)
            let evaluated = Dataset(testImages.prefix(settings.evalLimit))
            return RunData(train: train, evaluated: evaluated, digest: digest, legacyTestDigest: evaluated.sha256 ?? "-")
        }
        guard held < train.count else {
            throw SettingsError(message: "--validation \(held) must be below the \(train.count) training images in \(dir.path)")
        }
        try requireBatch(settings.batchSize, of: train.count - held, in: dir, heldOut: held)
        let (rest, validation) = train.holdingOut(held)
        let first = Array(0..<min(settings.evalLimit, validation.count))
        let (x, labels) = validation.batch(first)
        return RunData(train: rest, evaluated: Dataset(sampleShape: validation.sampleShape, pixels: x.data, labels: labels),
                       digest: digest, legacyTestDigest: "-")
    }

    /// Refuses a batch larger than the training images (given or default: a batch repeats no image within a step).
    private static func requireBatch(_ batch: Int, of images: Int, in dir: URL, heldOut: Int) throws {
        guard batch > images else { return }
        let left = heldOut > 0 ? "--validation \(heldOut) leaves \(images) of the training images in \(dir.path)"
                               : "\(dir.path) holds \(images) training image" + (images == 1 ? "" : "s")
        throw SettingsError(message: "\(left), fewer than a batch (--batch-size \(batch)); give --batch-size \(images) or less"
                            + (heldOut > 0 ? ", or hold out fewer images" : ""))
    }

    private init(settings: TrainingSettings, directory: URL, fonts: FontSet, network: Network, adam: Adam, step: Int,
                 train: Dataset, test: Dataset, lastEvaluation: Int = 0) throws {
        self.fonts = fonts
        self.settings = settings
        self.directory = directory
        self.network = network
        self.adam = adam
        self.step = step
        self.train = train
        self.test = test
        self.order = BatchOrder(seed: settings.seed, count: train.count)
        self.metrics = try MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"), upTo: step,
                                      requireHistory: true, lastEvaluation: lastEvaluation)
        // Wall time is logged in the metrics, not the checkpoint, so checkpoints stay byte-for-byte reproducible.
        self.secondsBefore = metrics.records.last?.seconds ?? 0
        if let threads = settings.threads { Parallel.workers = threads }
    }

    /// Trains until `settings.steps` or until `shouldStop` returns true, checkpointing on the way and at the end.
    /// Returns true when the run reached its last step.
    /// - Throws: `TrainingDiverged` when the loss or the weights stop being finite (nothing is saved then).
    @discardableResult
    public func run(progress: (TrainingProgress) -> Void, evaluated: (Int, EvaluationResult) -> Void = { _, _ in },
                    shouldStop: () -> Bool = { false }) throws -> Bool {
        let s = settings.schedule
        var window = Date()
        var windowSamples = 0
        var rate = 0.0
        var wholeSecond = false
        while step < settings.steps {
            if shouldStop() { break }
            let (eps, kappa, beta) = settings.objective(at: step)
            let lr = s.learningRate(at: step)
            let (x, labels) = train.batch(order.indices(step: step, batchSize: settings.batchSize))
            // bf16 products (`--precision bf16`) for the step only: the evaluations below stay float32.
            let stats = GEMMPrecision.with(settings.precision ?? .fp32) {
                settings.lossAndGradient(network: network, x: x, labels: labels, at: step)
            }
            guard stats.loss.isFinite else {
                throw TrainingDiverged(step: step + 1, what: "the loss (\(stats.loss))", lastCheckpoint: lastCheckpointStep)
            }
            adam.step(network.parameters, learningRate: lr)
            step += 1
            windowSamples += x.batch
            let elapsed = Date().timeIntervalSince(window)
            // The rate over the last whole second; until one has passed, over the steps so far (a short run would
            // otherwise show 0 samples/s).
            if elapsed >= 1 {
                rate = Double(windowSamples) / elapsed
                window = Date()
                windowSamples = 0
                wholeSecond = true
            } else if !wholeSecond, elapsed > 0 {
                rate = Double(windowSamples) / elapsed
            }
            metrics.record(step: step, epsilon: eps, kappa: kappa, beta: settings.method == .crownIBP ? beta : nil,
                           learningRate: lr, batch: stats, seconds: trainingSeconds)
            progress(TrainingProgress(step: step, totalSteps: settings.steps, epsilon: eps, kappa: kappa,
                                      learningRate: lr, batch: stats, samplesPerSecond: rate, beta: beta))
            if step % settings.evalEvery == 0 || step == settings.steps {
                evaluated(step, try evaluate())
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

    /// The settings a checkpoint records: the run's record without the data folder, so that checkpoints do not
    /// depend on where the data lies.
    private var checkpointSettings: [String: String] {
        var recorded = settings
        recorded.data = nil
        return ["settings": String(decoding: (try? JSONEncoder.sorted.encode(recorded)) ?? Data(), as: UTF8.self),
                "data_order": "epoch permutations from seed \(settings.seed); resume needs only the step"]
    }

    public var bestURL: URL { directory.appendingPathComponent("best.ckpt") }

    /// Nominal and verified accuracy on the evaluation images at `settings.evalEpsilon`, logged to metrics.
    /// With validation images, the weights are also written to `best.ckpt` (atomically) when the step is at or after
    /// the end of the eps ramp and the verified accuracy is at least every earlier such evaluation's (ties go to
    /// the later, longer-trained weights): model selection on held-out training images, never the test set.
    /// - Throws: when `best.ckpt` cannot be written.
    @discardableResult
    public func evaluate() throws -> EvaluationResult {
        // IBP bounds every layer kind, so this cannot throw.
        let result = try! Evaluator.evaluate(network, on: test, epsilon: settings.evalEpsilon, pgd: nil,
                                             seed: settings.seed)
        let rampEnd = settings.schedule.warmupSteps + settings.schedule.rampSteps
        let earlier = metrics.records.filter { $0.type == "eval" && $0.step >= rampEnd }.compactMap(\.verifiedAccuracy)
        metrics.record(step: step, evaluation: result, split: settings.validationImages == nil ? "test" : "validation",
                       seconds: trainingSeconds)
        if settings.validationImages != nil, step >= rampEnd, result.verifiedAccuracy >= (earlier.max() ?? 0) {
            var stored = checkpointSettings
            stored["selected_by"] = String(format: "validation verified accuracy %.4f at eps %g on %d held-out training "
                                           + "images, step %d", result.verifiedAccuracy, Double(result.epsilon),
                                           result.count, step)
            try Checkpoint(network: network, step: step, settings: stored).save(to: bestURL)
        }
        return result
    }

    /// Writes `checkpoint.ckpt` (weights, Adam moments, step, metrics window) and the metrics so far, each
    /// atomically.
    /// - Throws: `TrainingDiverged`, writing nothing, when a weight or moment is not finite.
    public func saveCheckpoint() throws {
        for (p, (m, v)) in zip(network.parameters, zip(adam.m, adam.v)) {
            if !p.value.data.allSatisfy(\.isFinite) || !m.allSatisfy(\.isFinite) || !v.allSatisfy(\.isFinite) {
                throw TrainingDiverged(step: step, what: "\(p.name) or its Adam moments", lastCheckpoint: lastCheckpointStep)
            }
        }
        try metrics.flush()
        var stored = checkpointSettings
        stored["metrics_window"] = String(decoding: try JSONEncoder.sorted.encode(metrics.window), as: UTF8.self)
        try Checkpoint(network: network, step: step, adam: adam, settings: stored).save(to: checkpointURL)
        lastCheckpointStep = step
        try TrainingCurves.render(metrics.records, to: directory.appendingPathComponent("curves.png"),
                                  title: TrainingCurves.title(model: settings.model, method: settings.method,
                                                              epsilonTrain: settings.schedule.epsilonTrain,
                                                              evalEpsilon: settings.evalEpsilon),
                                  fonts: fonts)
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
