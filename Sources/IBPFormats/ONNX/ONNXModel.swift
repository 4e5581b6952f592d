import Foundation
import SwiftProtobuf

/// Reads `.onnx` files (a protobuf `ModelProto`, ONNX IR version 3 and later) into an `ONNXGraph`.
///
/// Bounded against hostile files: the file size is checked before reading; the protobuf decoder follows at most
/// `ONNXLimits.maxMessageDepth` levels and never decodes subgraphs; every tensor's dims are checked (non-negative,
/// product without overflow, at most `maxTensorElements`) and its element count against the bytes actually
/// present before its values are copied. Every failure is one `ONNXError` line naming the file.
/// Source: onnx/onnx.proto and onnx/IR.md of the ONNX specification.
public enum ONNXModel {
    /// Reads and decodes the model at `url`, which may be gzip-compressed (`Gzip.readPlainOrCompressed`).
    /// - Throws: `ONNXError` (the model, an empty file), `GzipError` (the file cannot be read at all, or its compressed
    ///   data is corrupt, cut short or compressed twice).
    public static func read(_ url: URL, limits: ONNXLimits = ONNXLimits()) throws -> ONNXGraph {
        // A gzip-compressed model (`.onnx.gz`, as VNN-COMP ships them) is read through the same limit.
        let data: Data
        do {
            data = try Gzip.readPlainOrCompressed(url, maxBytes: limits.maxFileBytes).data
        } catch let e as GzipError {
            switch e.problem {
            case let .fileTooLarge(bytes, _):
                // A file over the limit is refused by its size, before it is read.
                throw ONNXError(path: url.relativePath, problem: .fileTooLarge(bytes: bytes, limit: limits.maxFileBytes))
            case .tooLarge:
                throw ONNXError(path: url.relativePath, problem: .limitExceeded("gzip-compressed, and the model inside is "
                    + "larger than the reader's limit of \(limits.maxFileBytes) bytes"))
            case .empty:
                throw ONNXError(path: url.relativePath, problem: .malformed(e.problem.text))
            default:
                throw e
            }
        }
        return try parse(data, path: url.relativePath, limits: limits)
    }

    /// Reads the model at `path` (see `read(_:limits:)`).
    public static func read(path: String, limits: ONNXLimits = ONNXLimits()) throws -> ONNXGraph {
        try read(TypedPath.url(path), limits: limits)
    }

    /// Decodes the bytes of an `.onnx` file; `path` names it in errors.
    public static func parse(_ data: Data, path: String = "<memory>", limits: ONNXLimits = ONNXLimits()) throws -> ONNXGraph {
        func fail(_ p: ONNXProblem) -> ONNXError { ONNXError(path: path, problem: p) }
        guard data.count <= limits.maxFileBytes else {
            throw fail(.fileTooLarge(bytes: data.count, limit: limits.maxFileBytes))
        }
        guard !data.isEmpty else { throw fail(.malformed("the file is empty")) }
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = limits.maxMessageDepth
        options.discardUnknownFields = true
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data, partial: true, options: options)
        } catch {
            // A file of another kind (a .ckpt renamed .onnx is a safetensors file) is named as what it looks like.
            let kind = FileKind.identify(data.prefix(512))
            if kind != .unknown, kind != .onnx {
                throw fail(.otherKind(kind))
            }
            throw fail(.notProtobuf(describe(error)))
        }
        return try ONNXGraphDecoder(path: path, limits: limits).graph(of: model)
    }

    /// The protobuf library's error as a phrase.
    static func describe(_ error: Error) -> String {
        switch error {
        case BinaryDecodingError.truncated: return "the data ends inside a field (truncated file?)"
        case BinaryDecodingError.malformedProtobuf: return "malformed protobuf data"
        case BinaryDecodingError.invalidUTF8: return "a string field is not valid UTF-8"
        case BinaryDecodingError.messageDepthLimit: return "messages nested deeper than the reader's limit"
        case BinaryDecodingError.trailingGarbage: return "unexpected bytes after the message"
        default:
            return String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        }
    }
}
