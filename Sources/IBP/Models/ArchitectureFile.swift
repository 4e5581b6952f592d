import Foundation
import IBPFormats

/// A model as data: a JSON file holding an `Architecture` exactly as a checkpoint stores it in its metadata,
/// `{"name": ..., "inputShape": [1, 28, 28], "layers": [{"conv": {"channels": 16, "kernel": 4, "stride": 2,
/// "same": false}}, {"activation": "relu"}, {"flatten": {}}, {"linear": {"units": 100}}, ...]}` (an activation
/// may also be written in the older form `{"activation": {"_0": "relu"}}`, see `LayerSpecCoding.swift`), so
/// `train --model FILE.json` trains a wider or deeper chain without a change to the code (issue 15, item 3).
///
/// Checked before any work, each failure one line naming the file (`ArchitectureFileError`, exit status 1): the
/// file's size (at most `maxBytes`), strict JSON (`StrictJSON`: no repeated keys, no unknown fields), every layer
/// of a known kind (conv, linear, activation with relu/sigmoid/tanh, flatten, batchNorm), a name that is not one of the named
/// models, the input shape of the data, shapes that chain (`ResourceLimits.walk`), a linear head with one unit per
/// class, and the sizes of one sample within `ResourceLimits` (the batch's are `TrainingSettings.validate`'s).
public enum ArchitectureFile {
    /// The largest model file read: 1 MiB (a layer is about 70 bytes; the limits allow far fewer layers than that).
    public static let maxBytes = 1 << 20

    /// The layer kinds a file may use, as the JSON keys `Architecture.LayerSpec` encodes.
    public static let layerKinds = ["conv", "linear", "activation", "flatten", "batchNorm"]

    /// Whether a `--model` value names a file rather than one of `Architecture.names`: it ends in `.json`.
    public static func isFile(_ model: String) -> Bool { model.lowercased().hasSuffix(".json") }

    /// Reads and checks the model file at `url` for inputs of `inputShape` and `classes` classes (MNIST's).
    /// - Parameter name: how messages name the file (default its path; the command line passes the path as typed).
    /// - Throws: `ArchitectureFileError`, one line naming the file and what to change.
    public static func load(_ url: URL, name: String? = nil, inputShape: [Int] = [1, 28, 28],
                            classes: Int = 10) throws -> Architecture {
        let path = url.path
        func fail(_ reason: String) -> ArchitectureFileError {
            ArchitectureFileError(path: name ?? path, reason: reason)
        }
        // Read as every file of the tools is (`Gzip.readRaw`): a folder, FIFO or device named for what it is, the
        // size checked before anything is read.
        let data: Data
        do {
            data = try Gzip.readRaw(url, maxBytes: maxBytes)
        } catch let e as GzipError {
            switch e.problem {
            case .unreadable("no such file"):
                throw fail("no such file; give a JSON file of layers (see sample_data/models/small-wide.json)")
            case .unreadable("it is a folder"):
                throw fail("is a folder; give a JSON file of layers")
            case .unreadable("not a regular file"):
                throw fail("is not a regular file (a FIFO, device or socket); give a JSON file of layers")
            case let .fileTooLarge(bytes, limit):
                throw fail("the file is \(bytes) bytes, more than the \(limit) accepted for a model file; is it the right file?")
            default:
                throw fail(e.problem.text)
            }
        }
        if let problem = layerKindProblem(data) ?? wholeNumberProblem(data) { throw fail(problem) }
        let architecture: Architecture
        do {
            architecture = try StrictJSON.decode(Architecture.self, from: data)
        } catch let e as StrictJSON.Failure {
            throw fail("is not a model file: \(LayerName.namingLayers(e.reason))")
        }
        try check(architecture, inputShape: inputShape, classes: classes, fail: fail)
        return architecture
    }

    /// The checks that follow decoding (name, input shape, chaining, head, per-sample sizes).
    private static func check(_ architecture: Architecture, inputShape: [Int], classes: Int,
                              fail: (String) -> ArchitectureFileError) throws {
        let name = architecture.name
        if let problem = Architecture.nameProblem(name) { throw fail(problem) }
        if let named = Architecture.named(name), named != architecture {
            throw fail("is named \"\(name)\", one of the named models, with other layers; give it another \"name\"")
        }
        guard architecture.inputShape == inputShape else {
            throw fail("has input shape \(architecture.inputShape), but the data's images are \(inputShape)")
        }
        do {
            _ = try ResourceLimits.walk(architecture)
            try ResourceLimits.check(architecture, for: .evaluation(batch: 1))
        } catch let e as ResourceLimits.Exceeded {
            throw fail(e.message)
        }
        // A linear layer takes a flat vector: on an image it needs a flatten first, never an implicit one.
        var flat = inputShape.count == 1
        for (index, layer) in architecture.layers.enumerated() {
            switch layer {
            case .flatten: flat = true
            case .conv: flat = false
            case .linear where !flat:
                throw fail("\(architecture.layerName(index)) is on an image, not a flat vector; add a flatten layer "
                           + "({\"flatten\": {}}) before it")
            default: break
            }
        }
        guard case let .linear(units)? = architecture.layers.last, units == classes else {
            let last = architecture.layers.isEmpty ? "no layers" : architecture.layerName(architecture.layers.count - 1)
            throw fail("ends in \(last); the last layer must be "
                       + "{\"linear\": {\"units\": \(classes)}}, one logit per class")
        }
    }

    /// The integer fields of a model file (layer sizes and the input shape).
    static let wholeNumberFields = ["units", "channels", "kernel", "stride", "inputShape"]

    /// A number in an integer field that is not a whole number in Int32's range (`"units": 10.5`, a 23-digit
    /// integer), as one phrase naming the field, its layer (`LayerName`) and the value; nil when there is none.
    /// Read from the text (`StrictJSON.numberFields`), since the JSON decoders either round such a number or reject
    /// the whole file without naming the field. A number beyond Int32 is too large or too small by its sign.
    static func wholeNumberProblem(_ data: Data) -> String? {
        for (path, number) in StrictJSON.numberFields(in: data) {
            // The field's name: the last key of the path, without an array index (`inputShape[1]`).
            let key = path.split(separator: ".").last.map { String($0.prefix { $0 != "[" }) } ?? path
            guard wholeNumberFields.contains(key) else { continue }
            let field = LayerName.namingLayers("\"\(path)\"")
            guard WholeNumberText.isWhole(number, allowsMinus: true) else { return "\(field) is \(FileText.shown(number, limit: 40)), not a whole number" }
            guard let v = Int(number), abs(v) <= Int(Int32.max) else {
                return number.hasPrefix("-") ? "\(field) is \(FileText.shown(number, limit: 40)), too small (at least -\(Int32.max))"
                    : "\(field) is \(FileText.shown(number, limit: 40)), too large (at most \(Int32.max))"
            }
        }
        return nil
    }

    /// A layer that is not one of `layerKinds` (or an activation that is not a `MonotoneKind`), as one phrase naming
    /// it; nil when every layer's kind is known or the text is not JSON of that form (decoding then says why).
    static func layerKindProblem(_ data: Data) -> String? {
        guard let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let layers = top["layers"] as? [Any] else { return nil }
        for (index, layer) in layers.enumerated() {
            guard let object = layer as? [String: Any], object.count == 1, let kind = object.keys.first else {
                return "layer \(index + 1) is not an object with one key, the layer's kind ("
                    + layerKinds.joined(separator: ", ") + ")"
            }
            guard layerKinds.contains(kind) else {
                return "layer \(index + 1) has the unknown kind \"\(FileText.shown(kind))\"; the kinds are " + layerKinds.joined(separator: ", ")
            }
            // An activation is written `"activation": "relu"` (or in the older form `{"_0": "relu"}`).
            if kind == "activation",
               let function = object[kind] as? String ?? (object[kind] as? [String: Any])?["_0"] as? String,
               MonotoneKind(rawValue: function) == nil {
                return "layer \(index + 1) (activation) has the unknown function \"\(FileText.shown(function))\"; the activations are "
                    + MonotoneKind.allCases.map(\.rawValue).joined(separator: ", ")
            }
        }
        return nil
    }
}

/// A model file that cannot be trained, as one line naming it (a failure at run time: exit status 1).
public struct ArchitectureFileError: CommandLineClassified, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var isUsageError: Bool { false }
    public var description: String { "\(path): \(reason)" }
}

extension TrainingSettings {
    /// The settings with a `model` that names a JSON file read into `architecture` (`ArchitectureFile.load`);
    /// unchanged for a named model or one whose layers are already recorded.
    public func loadingModelFile() throws -> TrainingSettings {
        guard architecture == nil, ArchitectureFile.isFile(model) else { return self }
        var settings = self
        settings.architecture = try ArchitectureFile.load(TypedPath.url(model), name: model)
        return settings
    }
}
