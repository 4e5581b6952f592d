/// An error from reading an `.onnx` model or lowering it to a chain: one line, "path: problem".
public typealias ONNXError = FileFormatError<ONNXProblem>

/// What went wrong with an ONNX model (see `ONNXError`). Every case names the tensor, node or field concerned.
public enum ONNXProblem: FileProblem {
    /// The file is larger than the reader's limit (checked before reading it).
    case fileTooLarge(bytes: Int, limit: Int)
    /// The bytes are not a protobuf `ModelProto` (cut short, wrong wire types, nested too deep, ...).
    case notProtobuf(String)
    /// The bytes are a file of another kind (`FileKind`), e.g. a safetensors checkpoint renamed `.onnx`.
    case otherKind(FileKind)
    /// The model decodes but is inconsistent: a missing field, a name defined twice, a size that does not match.
    case malformed(String)
    /// A declared size is beyond what this reader accepts (element counts, dimensions, number of nodes, ...).
    case limitExceeded(String)
    /// A valid ONNX feature this reader does not handle (external data, a data type, an opset, an attribute value).
    case unsupported(String)
    /// Operators with no lowering rule, every one of them as "'name' (OpType)".
    case unsupportedOperators([String])
    /// The graph is not a chain (a value feeds two nodes, or a node reads an earlier value): every place listed.
    case notAChain([String])
    /// Static shapes do not fit: the node, the shapes and what was expected.
    case shapeMismatch(String)

    public var text: String {
        switch self {
        case let .fileTooLarge(bytes, limit):
            return GzipProblem.fileTooLarge(bytes: bytes, limit: limit).text
        case .notProtobuf(let why): return "not an ONNX model (protobuf decoding failed: \(why))"
        case .otherKind(let kind):
            let checkpoint = kind == .safetensors ? ", as this project's .ckpt checkpoints are (convert writes an .onnx from one)" : ""
            return "not an ONNX model: it looks like \(kind.description)\(checkpoint)"
        case .malformed(let why): return "malformed ONNX model: \(why)"
        case .limitExceeded(let why): return "ONNX model exceeds a limit of this reader: \(why)"
        case .unsupported(let why): return "unsupported ONNX feature: \(why)"
        case .unsupportedOperators(let nodes):
            return "\(nodes.count) unsupported ONNX operator node\(nodes.count == 1 ? "" : "s"): "
                + nodes.joined(separator: ", ")
                + " (supported: \(ONNXOperatorTable.supportedNames.joined(separator: ", ")))"
        case .notAChain(let places):
            return "the graph is not a chain of operators (\(places.joined(separator: "; ")))"
        case .shapeMismatch(let why): return "shape error: \(why)"
        }
    }
}
