import ArgumentParser
import Foundation
import IBP
import IBPFormats

/// `--architecture NAME`, shared by the commands that load checkpoints: read every checkpoint as this model.
/// A Chainer `.npz` that is not one of the seed's models is refused unless this names its model (its array
/// names and shapes are then checked against it); a `.ckpt` records its model and must record this one.
public struct CheckpointOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Read every model given as this architecture (\(Architecture.names.joined(separator: ", "))); needed for a Chainer .npz that is not one of the seed's models.",
        valueName: "name"))
    public var architecture: String?

    public init() {}

    public func validate() throws {
        if let architecture, Architecture.named(architecture) == nil {
            throw ValidationError("--architecture: unknown model '\(FileText.shown(architecture))' (choose from \(Architecture.names.joined(separator: ", ")))")
        }
    }

    /// The forced model, if any.
    public var forced: Architecture? { architecture.flatMap(Architecture.named) }

    /// Loads the checkpoint at `path` as `Checkpoint.load(_:architecture:)` does; when `flag` is given, errors
    /// start with it (`--baseline output/comparison.png: not a checkpoint (a PNG file); ...`).
    public func load(_ path: String, flag: String? = nil) throws -> Checkpoint {
        try naming(flag) { try Checkpoint.load(TypedPath.url(path), architecture: forced) }
    }

    /// Loads a checkpoint or an ONNX model by its content (`ModelFile.load`); `batch` is the largest batch the
    /// command runs (an ONNX model's memory check).
    public func loadModel(_ path: String, flag: String? = nil, batch: Int = 1) throws -> ModelFile {
        try naming(flag) { try ModelFile.load(TypedPath.url(path), architecture: forced, batch: batch) }
    }
}

/// An error about a file that a flag named: the flag, then the error (which starts with the file's path).
public struct FlagError: Error, CustomStringConvertible {
    public let flag: String
    public let underlying: Error
    public var description: String { "\(flag) \(underlying)" }
}

/// Runs `body`; when `flag` is given, any error it throws is prefixed with the flag (see `FlagError`).
public func naming<T>(_ flag: String?, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        guard let flag else { throw error }
        throw FlagError(flag: flag, underlying: error)
    }
}
