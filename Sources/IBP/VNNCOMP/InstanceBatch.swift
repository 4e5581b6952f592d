import Foundation
import IBPFormats

/// One instance's files loaded and checked against each other.
public enum InstanceLoader {
    /// The model (any `ModelFile`: ONNX, `.ckpt`, the seed's `.npz`) and the property, whose X and Y counts must be
    /// the model's input values and outputs (X_i is element i of the input in row-major order).
    /// - Parameters:
    ///   - batch: the attack's restarts (the model's memory is checked for this batch).
    ///   - deadline: when the property must have been read (the instance's time limit counts reading it).
    ///   - checkModel: run on the model before the property is read (`verify` refuses there a network that none of
    ///     its bound methods can bound, so a refused run reads no property).
    /// - Throws: the readers' one-line errors, `VNNLIBError` naming the property when the counts differ,
    ///   `VNNLIBTimeout` past the deadline, or what `checkModel` throws.
    public static func load(onnx: URL, vnnlib: URL, batch: Int, deadline: Date? = nil,
                            checkModel: (any Classifier) throws -> Void = { _ in }) throws -> (any Classifier, VNNLIBProperty) {
        let model = try ModelFile.load(onnx, batch: batch).makeClassifier()
        try checkModel(model)
        let property = try VNNLIB.read(vnnlib, limits: VNNLIBLimits(deadline: deadline))
        try property.check(inputCount: model.inputShape.reduce(1, *), outputCount: model.classes, path: vnnlib.relativePath)
        return (model, property)
    }
}

/// One instance of a list and what came of it.
public struct InstanceResult {
    public var instance: VNNCOMPInstance
    public var outcome: InstanceOutcome
    /// The consensus answer when a consensus list was given and holds this instance (`single-unreliable` evidence
    /// read as unknown).
    public var consensus: Consensus?
    /// Where the caller wrote the counterexample of a `sat` answer (`verify --counterexamples`), if it did.
    public var counterexampleFile: String?

    /// Whether the answer contradicts the consensus (unsat where violated, sat where it holds).
    public var isWrong: Bool { consensus?.isContradicted(by: outcome.answer) ?? false }
}

/// Runs the instances of a list one after another, loading each network once; an instance whose files cannot be
/// read gets `error` with the reader's line as its note, and the batch goes on.
public final class InstanceBatch {
    public let verifier: InstanceVerifier
    /// Replaces every instance's time limit when set.
    public let timeout: Double?
    private var models: [String: Result<any Classifier, Error>] = [:]

    public init(verifier: InstanceVerifier, timeout: Double? = nil) {
        self.verifier = verifier
        self.timeout = timeout
    }

    /// Verifies one instance. Its result carries the time limit applied (`--timeout` when given, else the list's),
    /// so the results file's `timeout_s` says what was used.
    public func run(_ instance: VNNCOMPInstance,
                    consensus: [String: (consensus: String, evidence: String)]? = nil) -> InstanceResult {
        let started = Date()
        var instance = instance
        instance.timeout = timeout ?? instance.timeout
        var expected: Consensus?
        if let entry = consensus?[ConsensusList.key(onnx: instance.onnx, vnnlib: instance.vnnlib)] {
            expected = entry.evidence == "single-unreliable" ? .unknown : Consensus(rawValue: entry.consensus)
        }
        // The file the OS opens (`TypedPath.resolved`): by text, `lnk/../net.onnx` and `net.onnx` were one key, and
        // the second instance ran the first one's network.
        let key = TypedPath.resolved(instance.onnxURL.path)
        if models[key] == nil {
            models[key] = Result { try ModelFile.load(instance.onnxURL, batch: verifier.attack.restarts).makeClassifier() }
        }
        do {
            let model = try models[key]!.get()
            let deadline = started.addingTimeInterval(instance.timeout)
            let property = try VNNLIB.read(instance.vnnlibURL, limits: VNNLIBLimits(deadline: deadline))
            try property.check(inputCount: model.inputShape.reduce(1, *), outputCount: model.classes,
                               path: instance.vnnlibURL.relativePath)
            let outcome = verifier.verify(model, property, timeout: instance.timeout, started: started)
            return InstanceResult(instance: instance, outcome: outcome, consensus: expected)
        } catch let timeout as VNNLIBTimeout {
            return InstanceResult(instance: instance, outcome: .timedOutReading(timeout, started: started),
                                  consensus: expected)
        } catch {
            var outcome = InstanceOutcome(answer: .error)
            outcome.note = FileText.reason(error)
            outcome.seconds = Date().timeIntervalSince(started)
            return InstanceResult(instance: instance, outcome: outcome, consensus: expected)
        }
    }
}
