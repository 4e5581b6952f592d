import Foundation
import IBPFormats

/// A model file, told by its content (`FileKind`): the project's `.ckpt`, the seed's Chainer `.npz` (both a
/// `Checkpoint`), or an ONNX classifier (`ONNXImport`, a `ChainModel`). What `evaluate`, `verify` and `convert` load;
/// a file of any other kind (a PNG, gzip, JSON, ...) is named for what it is.
public enum ModelFile {
    case checkpoint(Checkpoint)
    case onnx(ChainModel)

    /// Loads `url` by its content.
    /// - Parameters:
    ///   - architecture: `--architecture` (see `Checkpoint.load`); refused for an ONNX model, which holds its graph.
    ///   - batch: the largest batch the caller runs, for an ONNX model's memory check (a checkpoint is checked for
    ///     one image here and for its batch by `checkFits`).
    /// - Throws: `CheckpointError`, `ONNXError` or a reader's format error, one line naming the file.
    public static func load(_ url: URL, architecture: Architecture? = nil, batch: Int = 1) throws -> ModelFile {
        let path = url.relativePath
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(path: path, reason: "no such file" + Gzip.compressedSiblingHint(url))
        }
        // A file named .onnx (or .onnx.gz) whose first bytes match no other format is read as ONNX, so its error says
        // "not an ONNX model (...)" rather than what the checkpoint reader makes of random bytes ("header length ...").
        let name = url.lastPathComponent.lowercased()
        let namedONNX = url.pathExtension.lowercased() == "onnx" || name.hasSuffix(".onnx.gz")
        switch kind(url) {
        case .onnx:
            break
        case .gzip:
            // VNN-COMP ships its networks as `.onnx.gz`: a compressed ONNX model is read as one (`ONNXModel.read`
            // inflates it under the same size limit); anything else compressed is named for what it holds.
            var inner = Gzip.peek(url).map { FileKind.identify($0) } ?? .unknown
            if inner == .empty {
                // Nothing came out of the first bytes: a stream that holds nothing, or one cut short or damaged before
                // its first byte, which gunzipping would not mend. Reading it whole says which (`GzipError`).
                inner = FileKind.identify(try Gzip.readPlainOrCompressed(url, maxBytes: ONNXLimits().maxFileBytes).data.prefix(512))
            }
            if inner == .gzip { throw GzipError(path: path, problem: .compressedTwice) }
            if inner == .onnx || (namedONNX && (inner == .unknown || inner == .safetensors)) { break }
            let held = inner == .unknown ? "" : " (\(inner.description) inside)"
            throw CheckpointError(path: path, reason: "gzip-compressed\(held); models are read compressed only as ONNX "
                                  + "(.onnx.gz): gunzip it first")
        case .safetensors where namedONNX, .unknown where namedONNX:
            break
        case let other where namedONNX:
            throw CheckpointError(path: path, reason: "not an ONNX model (\(other.description)), though its name ends in "
                                  + (name.hasSuffix(".onnx.gz") ? ".onnx.gz" : ".onnx"))
        case .zip, .safetensors, .unknown:
            return .checkpoint(try Checkpoint.load(url, architecture: architecture))
        case let other:
            throw CheckpointError(path: path, reason: "not a model (\(other.description)); expected a .ckpt (safetensors), "
                                  + "a Chainer .npz or an ONNX model (.onnx)")
        }
        if let architecture {
            throw CheckpointError(path: path, reason: "an ONNX model records its own graph; drop --architecture "
                                  + "\(architecture.name) (it applies to .npz and .ckpt files)")
        }
        return .onnx(try ONNXImport.read(url, batch: batch))
    }

    /// The kind of file its first bytes say (`FileKind`); `.unknown` when it is not a regular file or cannot be read
    /// (the checkpoint reader then names the problem).
    static func kind(_ url: URL) -> FileKind { FileKind.ofFile(atPath: url.path) }

    /// The model, ready to run.
    public func makeClassifier() -> any Classifier {
        switch self {
        case .checkpoint(let c): return c.makeNetwork()
        case .onnx(let m): return m
        }
    }

    /// The model's name for reports: the architecture's, or the ONNX file's name.
    public var modelName: String {
        switch self {
        case .checkpoint(let c): return c.architecture.name
        case .onnx(let m): return m.modelName
        }
    }

    /// Training steps and settings a checkpoint records (nil for ONNX).
    public var step: Int? {
        if case .checkpoint(let c) = self { return c.step }
        return nil
    }

    public var trainingSettings: TrainingSettings? {
        if case .checkpoint(let c) = self { return c.trainingSettings }
        return nil
    }

    /// Throws unless the model can run on `data` (`Checkpoint.checkFits`; for an ONNX model: an input whose axes
    /// other than 1s are the image's or its pixels in one row, read in row-major order, enough outputs for the labels, and the evaluation
    /// batch within `ResourceLimits`).
    /// - Parameter path: the model's file, named in the error.
    public func checkFits(_ data: Dataset, path: String) throws {
        switch self {
        case .checkpoint(let c):
            try c.checkFits(data, path: path)
        case .onnx(let m):
            let values = m.inputShape.reduce(1, *), pixels = data.sampleShape.reduce(1, *)
            guard values == pixels else {
                throw CheckpointError(path: path, reason: "the model takes inputs of shape \(m.inputShape) (\(values) "
                                      + "values), but the data's images have shape \(data.sampleShape) (\(pixels) values)")
            }
            // The same count is not enough: [1, 2, 14, 28] would read the image as two half-height planes. The
            // model's axes other than 1s must be the image's (28 x 28) or its flattened pixels (784).
            let axes = m.inputShape.filter { $0 != 1 }
            guard axes == data.sampleShape.filter({ $0 != 1 }) || axes == [pixels] else {
                throw CheckpointError(path: path, reason: "the model takes inputs of shape \(m.inputShape), which is "
                                      + "not the data's image \(data.sampleShape) nor its \(pixels) pixels in a row "
                                      + "(e.g. [1, 28, 28], [28, 28], [784], [1, 784], [784, 1])")
            }
            if let reason = data.outputMismatch(classes: m.classes) { throw CheckpointError(path: path, reason: reason) }
        }
    }
}
