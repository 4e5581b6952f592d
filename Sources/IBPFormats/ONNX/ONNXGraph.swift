/// An ONNX model as plain values: one data input x (shape [batch, sample...]), one output, constant tensors and
/// nodes in the file's (topological) order. Built by `ONNXModel.read`; nothing here refers to protobuf types.
/// Source: the ONNX IR specification (onnx/IR.md), "Graphs".
public struct ONNXGraph: Equatable, Sendable {
    /// The one graph input that is not an initializer: the network's input x.
    public var input: ONNXValueInfo
    /// The one graph output: the network's output y.
    public var output: ONNXValueInfo
    /// Constant tensors by name (the graph's initializers).
    public var initializers: [String: ONNXTensor]
    /// The nodes, in the file's order (ONNX requires a topological order).
    public var nodes: [ONNXNode]
    /// The version of the default operator set (domain "" or "ai.onnx") the model imports.
    public var opsetVersion: Int
    /// `producer_name` and `producer_version`, for messages ("pytorch 1.8").
    public var producer: String

    public init(input: ONNXValueInfo, output: ONNXValueInfo, initializers: [String: ONNXTensor], nodes: [ONNXNode],
                opsetVersion: Int, producer: String) {
        self.input = input
        self.output = output
        self.initializers = initializers
        self.nodes = nodes
        self.opsetVersion = opsetVersion
        self.producer = producer
    }
}

/// One axis of a declared tensor shape.
public enum ONNXDimension: Equatable, Sendable, CustomStringConvertible {
    /// A fixed size, >= 0.
    case fixed(Int)
    /// A symbolic size ("batch", "N"), or an unnamed unknown size (empty name). Allowed only as the batch axis.
    case symbolic(String)

    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbolic(let name): return name.isEmpty ? "?" : name
        }
    }
}

/// A graph input or output: its name and, for the input, its declared float32 shape.
public struct ONNXValueInfo: Equatable, Sendable {
    /// The value's name, as nodes refer to it.
    public var name: String
    /// The declared shape, first axis the batch axis; empty when the file declares none (allowed for the output).
    public var shape: [ONNXDimension]

    public init(name: String, shape: [ONNXDimension]) {
        self.name = name
        self.shape = shape
    }
}

/// One operator application: `op_type` applied to named inputs, giving named outputs.
public struct ONNXNode: Equatable, Sendable {
    /// The node's name (may be empty in the file; messages then use "#index").
    public var name: String
    /// The operator, e.g. "Gemm".
    public var opType: String
    /// The operator set domain ("" for the default ONNX set).
    public var domain: String
    /// Input value names, in the operator's order; "" marks an omitted optional input.
    public var inputs: [String]
    /// Output value names; "" marks an omitted optional output.
    public var outputs: [String]
    /// Attributes by name.
    public var attributes: [String: ONNXAttribute]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: ONNXAttribute] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// "'Gemm_5' (Gemm)", the way every message names a node.
    /// Names from the file are shown escaped and cut (`FileText.shown`), so a hostile name cannot break the line.
    public var label: String {
        "\(quoted(name)) (\(domain.isEmpty || domain == "ai.onnx" ? "" : FileText.shown(domain) + ".")\(FileText.shown(opType)))"
    }
}

/// An attribute value of a node (the kinds the supported operators use; others are kept as `.other`).
public enum ONNXAttribute: Equatable, Sendable {
    case float(Float)
    case int(Int64)
    /// A byte string, as UTF-8 text where it decodes (ONNX strings are bytes).
    case string(String)
    case tensor(ONNXTensor)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    /// A kind no supported operator takes (graphs, sparse tensors, type protos, lists of tensors): its
    /// `AttributeProto.AttributeType` number.
    case other(type: Int)

    /// The kind's name as in the ONNX specification ("INT", "FLOATS", ...), for messages.
    public var kindName: String {
        switch self {
        case .float: return "FLOAT"
        case .int: return "INT"
        case .string: return "STRING"
        case .tensor: return "TENSOR"
        case .floats: return "FLOATS"
        case .ints: return "INTS"
        case .strings: return "STRINGS"
        case .other(let type): return "type \(type)"
        }
    }
}
