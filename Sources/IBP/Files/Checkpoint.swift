import Crypto
import Foundation
import IBPFormats

/// A problem with a checkpoint file, as one line naming the file.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// A model's architecture and weights, with the training state needed to resume.
/// Stored as safetensors (`.ckpt`): tensors `l1/W`, `l1/b`, ..., `lo/W`, `lo/b` (layouts as Chainer's),
/// optional Adam moments `adam/m/NAME` and `adam/v/NAME`, and `__metadata__` with the architecture (JSON),
/// the step, the training settings and the data-order state. The seed's Chainer `.npz` files load too.
public struct Checkpoint {
    public static let format = "ibpvis-checkpoint-1"

    public var architecture: Architecture
    /// Parameter values by name, in the network's parameter order.
    public var parameters: [(name: String, array: NDArray)]
    /// Training steps taken.
    public var step: Int
    public var adam: Adam?
    /// Free-form settings (training flags, data-order state), stored as metadata strings.
    public var settings: [String: String]

    /// Captures a network's current weights (and optimizer, when resuming must be exact).
    public init(network: Network, step: Int = 0, adam: Adam? = nil, settings: [String: String] = [:]) {
        architecture = network.architecture
        parameters = network.parameters.map { ($0.name, NDArray(shape: $0.value.shape, values: $0.value.data)) }
        self.step = step
        self.adam = adam
        self.settings = settings
    }

    /// Writes the checkpoint atomically.
    /// - Throws: `CheckpointError` when `settings` holds a key outside `metadataKeys` (it could not be read back).
    public func save(to url: URL) throws {
        if let unknown = settings.keys.sorted().first(where: { !Checkpoint.metadataKeys.contains($0) }) {
            throw CheckpointError(path: url.path, reason: "cannot save the unknown metadata key \"\(unknown)\"")
        }
        var tensors = parameters
        if let adam {
            for (i, p) in parameters.enumerated() {
                tensors.append(("adam/m/\(p.name)", NDArray(shape: p.array.shape, values: adam.m[i])))
                tensors.append(("adam/v/\(p.name)", NDArray(shape: p.array.shape, values: adam.v[i])))
            }
        }
        var metadata = settings
        metadata["format"] = Checkpoint.format
        metadata["architecture"] = String(decoding: try JSONEncoder.sorted.encode(architecture), as: UTF8.self)
        metadata["step"] = String(step)
        if let adam { metadata["adam_t"] = String(adam.t) }
        metadata["tensors_sha256"] = Checkpoint.digest(of: tensors)
        try Safetensors.write(tensors: tensors, metadata: metadata, to: url)
    }

    /// SHA-256 (hex) of the tensors in data order, each as its name, a zero byte, its shape (64-bit little-endian
    /// extents) and its float32 bytes: a changed value, and a header rewritten to give one tensor's bytes to
    /// another name (a weight read as its Adam moment), both change it (the data bytes alone were the first
    /// digest, and a swapped header loaded as another model).
    static func digest(of tensors: [(name: String, array: NDArray)]) -> String {
        var hash = SHA256()
        for (name, array) in tensors {
            hash.update(data: Data(name.utf8) + [0])
            for extent in [array.shape.count] + array.shape {
                withUnsafeBytes(of: Int64(extent).littleEndian) { hash.update(bufferPointer: $0) }
            }
            #if _endian(little)
            array.values.withUnsafeBytes { hash.update(bufferPointer: $0) }
            #else
            for v in array.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { hash.update(bufferPointer: $0) } }
            #endif
        }
        return hash.finalize().hex
    }

    /// Metadata keys a checkpoint may hold. Any other key is refused at load and at save: a key this version
    /// does not read might change how a later version reads the file, so the file could be read two ways.
    /// - `format`: `ibpvis-checkpoint-1`; `architecture`: the model as JSON; `step`; `adam_t` (with the Adam
    ///   moments); `settings`: `TrainingSettings` as JSON; `data_order`, `source`: notes for people;
    ///   `metrics_window`: the training statistics since the last `metrics.jsonl` record (JSON), so a resumed
    ///   run logs what an uninterrupted one does; `tensors_sha256`: SHA-256 of every tensor's name, shape and
    ///   bytes (`digest(of:)`), written by `save` and checked by `load` when present, so a flipped bit in a weight
    ///   or a rewritten header is refused rather than evaluated (checkpoints written before it have none and load
    ///   unchecked).
    public static let metadataKeys: Set<String> = ["format", "architecture", "step", "adam_t", "settings", "data_order",
                                                   "source", "metrics_window", "selected_by", "tensors_sha256"]

    /// Loads a `.ckpt` (safetensors) or the seed's Chainer `.npz`, checking it describes exactly one complete model.
    ///
    /// The format is told from the content (a zip archive is read as `.npz`, anything else as safetensors); a file
    /// of another kind (a PNG, an ONNX model, gzip, JSON, ...) is refused naming its kind. Every size is checked
    /// against `ResourceLimits` before the model is built, metadata must be strict JSON without unknown fields, and
    /// every value must be finite.
    /// - Parameter architecture: when given (`--architecture NAME`), the model the file must hold: a `.npz` is read
    ///   as this model instead of being recognised by its array signature, and a `.ckpt` must record this model.
    /// - Throws: `CheckpointError` (one line naming the file), or a format error of the file's reader.
    public static func load(_ url: URL, architecture forced: Architecture? = nil) throws -> Checkpoint {
        // The file as the user named it (a relative path stays relative in messages).
        let path = url.relativePath
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(path: path, reason: "no such file")
        }
        let data = try Gzip.readRaw(url, maxBytes: ResourceLimits.maxCheckpointBytes)
        switch FileKind.identify(data.prefix(512)) {
        case .zip:
            return try loadChainer(data, path: path, architecture: forced)
        case .safetensors, .unknown:
            return try loadSafetensors(data, path: path, architecture: forced)
        case let kind:
            throw CheckpointError(path: path, reason: "not a checkpoint (\(kind.description)); expected a .ckpt "
                                  + "(safetensors) or a Chainer .npz")
        }
    }

    private static func loadSafetensors(_ data: Data, path: String, architecture forced: Architecture?) throws -> Checkpoint {
        let file = try Safetensors.parse(data, path: path)
        let meta = file.metadata
        func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
        guard let format = meta["format"] else {
            throw fail("metadata has no format: a safetensors file, but not a checkpoint of this project "
                       + "(expected format \(Checkpoint.format))")
        }
        guard format == Checkpoint.format else {
            throw fail("metadata format is \"\(FileText.shown(format))\", expected \(Checkpoint.format): a safetensors file from "
                       + "another tool or version")
        }
        if let recorded = meta["tensors_sha256"] {
            guard recorded.count == 64, recorded.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw fail("tensors_sha256 in metadata is \"\(FileText.shown(recorded))\", not a SHA-256 (64 lowercase hex digits)")
            }
            // Recomputed by the function `save` used, over the tensors as this header names and places them.
            guard recorded == digest(of: file.order.map { ($0, file.tensors[$0]!) }) else {
                throw fail("its tensors do not match the SHA-256 recorded when it was saved (tensors_sha256): the file "
                           + "was changed or damaged since; use an intact copy")
            }
        }
        if let unknown = meta.keys.sorted().first(where: { !metadataKeys.contains($0) }) {
            throw fail("metadata has the unknown key \"\(FileText.shown(unknown))\" (known: \(metadataKeys.sorted().joined(separator: ", ")))")
        }
        guard let archJSON = meta["architecture"] else {
            throw fail("metadata has no architecture")
        }
        let architecture: Architecture
        do {
            architecture = try StrictJSON.decode(Architecture.self, from: Data(archJSON.utf8))
        } catch let e as StrictJSON.Failure {
            throw fail("architecture in metadata is not valid: \(LayerName.namingLayers(e.reason))")
        }
        // The name is printed by every tool (evaluate's report, figures): checked where it is read.
        if let problem = Architecture.nameProblem(architecture.name) {
            throw fail("architecture in metadata: \(problem)")
        }
        // One rule wherever a model is read (`ArchitectureFile`, `TrainingSettings.validate`): a built-in name means
        // its layers, so a file cannot be labelled "small" in reports and figures while holding other layers.
        if let named = Architecture.named(architecture.name), named != architecture {
            throw fail("architecture in metadata is named \"\(architecture.name)\", one of the named models, but its "
                       + "layers differ (\(architecture.summary); \(named.name) is \(named.summary)); the file is not a "
                       + "\(named.name) checkpoint; use the right file")
        }
        if let forced, forced.layers != architecture.layers || forced.inputShape != architecture.inputShape {
            throw fail("--architecture \(forced.name): the file records another model (\(architecture.name): "
                       + "\(architecture.summary)); drop --architecture to read it as recorded")
        }
        guard let step = meta["step"].map(strictCount) ?? 0 else {
            throw fail("step in metadata is \(countFault(meta["step"]!))")
        }
        if let settingsJSON = meta["settings"] {
            do {
                // The fields train records for itself are checked where a record is read (as in settings.json).
                try StrictJSON.decode(TrainingSettings.self, from: Data(settingsJSON.utf8)).validateRecordedFields()
            } catch let e as StrictJSON.Failure {
                throw fail("settings in metadata are not valid training settings: \(e.reason)")
            } catch let e as SettingsError {
                throw fail("settings in metadata are not valid training settings: \(e.message)")
            }
        }
        if let window = meta["metrics_window"] {
            do {
                _ = try StrictJSON.decode([BatchStatistics].self, from: Data(window.utf8))
            } catch let e as StrictJSON.Failure {
                throw fail("metrics_window in metadata is not valid: \(e.reason)")
            }
        }
        // Every parameter is checked against a tensor of the file before anything is allocated for the model,
        // so a small file cannot make the loader build a huge network.
        let expected = try parameterShapes(architecture, path: path)
        let names = expected.map(\.name)
        let params = try expected.map {
            ($0.name, try tensor($0.name, shape: $0.shape, in: file.tensors, path: path, architecture: architecture))
        }
        try checkResources(architecture, path: path)
        var adam: Adam?
        let hasMoments = file.tensors.keys.contains { $0.hasPrefix("adam/") }
        if let tText = meta["adam_t"] {
            guard let t = strictCount(tText) else {
                throw fail("adam_t in metadata is \(countFault(tText))")
            }
            var a = Adam(parameters: [])
            a.t = t
            a.m = try expected.map {
                try tensor("adam/m/\($0.name)", shape: $0.shape, in: file.tensors, path: path, architecture: architecture).values
            }
            a.v = try expected.map {
                try tensor("adam/v/\($0.name)", shape: $0.shape, in: file.tensors, path: path, architecture: architecture).values
            }
            adam = a
        } else if hasMoments {
            throw fail("holds Adam moments but no adam_t in its metadata, so the optimizer state is incomplete")
        }
        let known = Set(names + (adam == nil ? [] : names.flatMap { ["adam/m/\($0)", "adam/v/\($0)"] }))
        if let extra = file.order.first(where: { !known.contains($0) }) {
            throw fail("unexpected tensor \(extra) for architecture \(architecture.name)")
        }
        var settings = meta
        for key in ["format", "architecture", "step", "adam_t", "tensors_sha256"] { settings[key] = nil }
        return Checkpoint(architecture: architecture, parameters: params, step: step, adam: adam, settings: settings)
    }

    /// A count written by `save`: decimal digits only (no sign, no spaces), at most 18 of them.
    private static func strictCount(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int(text)
    }

    /// Why `strictCount` refused `text`, with the text: a count of 19 digits or more is too large (it was called
    /// "not a non-negative integer", which it is).
    private static func countFault(_ text: String) -> String {
        let shown = "\"\(FileText.shown(text, limit: 40))\""
        if !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) {
            return "\(shown), too large (at most 18 digits)"
        }
        return "\(shown), not a non-negative whole number (digits only)"
    }

    private init(architecture: Architecture, parameters: [(name: String, array: NDArray)], step: Int, adam: Adam?,
                 settings: [String: String]) {
        self.architecture = architecture
        self.parameters = parameters
        self.step = step
        self.adam = adam
        self.settings = settings
    }

    /// The training settings recorded by `train`, if any (`load` has checked that they decode).
    public var trainingSettings: TrainingSettings? {
        settings["settings"].flatMap { try? StrictJSON.decode(TrainingSettings.self, from: Data($0.utf8)) }
    }

    /// A network with this checkpoint's weights.
    public func makeNetwork() -> Network {
        let network = Network(architecture)
        for (p, stored) in zip(network.parameters, parameters) {
            p.value = Tensor(shape: stored.array.shape, data: stored.array.values)
        }
        return network
    }

    /// The names and shapes of the architecture's parameters, in `Network.parameters` order and named as
    /// `Network` names them (`l1/W`, `l1/b`, ..., the last linear layer `lo`), after checking that every
    /// dimension is within `ResourceLimits` (so that no size computed from them overflows). Nothing is allocated.
    static func parameterShapes(_ architecture: Architecture, path: String) throws -> [(name: String, shape: [Int])] {
        do {
            return try ResourceLimits.walk(architecture).compactMap { step -> [(name: String, shape: [Int])]? in
                switch step.spec {
                case let .conv(channels, kernel, _, _):
                    return [("\(step.name)/W", [channels, step.input[0], kernel, kernel]), ("\(step.name)/b", [channels])]
                case let .linear(units):
                    return [("\(step.name)/W", [units, step.input.reduce(1, *)]), ("\(step.name)/b", [units])]
                case .activation, .flatten:
                    return nil
                case .batchNorm:
                    return ["gamma", "beta", "mean", "var"].map { ("\(step.name)/\($0)", [step.input[0]]) }
                }
            }.flatMap { $0 }
        } catch let e as ResourceLimits.Exceeded {
            throw CheckpointError(path: path, reason: "architecture \(architecture.name): \(e.message)")
        }
    }

    /// Throws unless the model can be built and run on one image within `ResourceLimits` (parameters, values
    /// per stage, work, im2col workspaces, memory), before anything is allocated for it.
    static func checkResources(_ architecture: Architecture, path: String) throws {
        do {
            try ResourceLimits.check(architecture, for: .evaluation(batch: 1))
        } catch let e as ResourceLimits.Exceeded {
            throw CheckpointError(path: path, reason: "architecture \(architecture.name): \(e.message)")
        }
    }

    private static func tensor(_ name: String, shape expected: [Int], in tensors: [String: NDArray],
                               path: String, architecture: Architecture) throws -> NDArray {
        let named = parameterLabel(name, in: architecture)
        guard let array = tensors[name] else {
            throw CheckpointError(path: path, reason: "missing tensor \(named)")
        }
        guard array.shape == expected else {
            throw CheckpointError(path: path, reason: "tensor \(named) has shape \(array.shape), the architecture needs \(expected)")
        }
        if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(path: path, reason: "tensor \(named) holds a non-finite value (\(array.values[bad])) at "
                                  + "\(array.describe(index: bad)); every tensor of a checkpoint must hold finite float32 values")
        }
        return array
    }

    /// A parameter's name as the file stores it with its layer as every message names one (`LayerName`):
    /// `l1/W of layer 1 (conv 16 4x4/2 VALID)`, `adam/m/lo/b of layer 8 (linear 10)`; the name alone when it
    /// belongs to no layer of `architecture`.
    static func parameterLabel(_ name: String, in architecture: Architecture) -> String {
        let parts = name.split(separator: "/")
        guard parts.count >= 2, let steps = try? ResourceLimits.walk(architecture) else { return name }
        let prefix = String(parts[parts.count - 2])
        let owner = steps.first { step in
            switch step.spec {
            case .conv, .linear, .batchNorm: return step.name == prefix
            case .activation, .flatten: return false
            }
        }
        return owner.map { "\(name) of \($0.label)" } ?? name
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so equal values give equal bytes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
