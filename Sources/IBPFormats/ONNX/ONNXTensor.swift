/// A constant tensor T of shape `dims` (row-major), float32 or int64: an initializer, a `Constant` node's value or
/// a tensor attribute. Source: the ONNX IR specification, "Tensor Definition" (TensorProto).
public struct ONNXTensor: Equatable, Sendable {
    /// The element values, in row-major order.
    public enum Values: Equatable, Sendable {
        /// ONNX data type FLOAT (1).
        case float([Float])
        /// ONNX data type INT64 (7): shapes of Reshape, pads of Pad.
        case int64([Int64])

        /// The number of elements.
        public var count: Int {
            switch self {
            case .float(let v): return v.count
            case .int64(let v): return v.count
            }
        }
    }

    /// The tensor's name ("" for anonymous attribute tensors).
    public var name: String
    /// The shape, each entry >= 0; [] for a scalar.
    public var dims: [Int]
    /// The elements: `dims.reduce(1, *)` of them.
    public var values: Values

    /// A tensor; `values.count` must equal the product of `dims` (a programming error otherwise).
    public init(name: String, dims: [Int], values: Values) {
        precondition(dims.allSatisfy { $0 >= 0 } && dims.reduce(1, *) == values.count,
                     "tensor \(name): shape \(dims) does not hold \(values.count) values")
        self.name = name
        self.dims = dims
        self.values = values
    }

    /// A float32 tensor.
    public init(name: String, dims: [Int], floats: [Float]) {
        self.init(name: name, dims: dims, values: .float(floats))
    }

    /// An int64 tensor.
    public init(name: String, dims: [Int], int64s: [Int64]) {
        self.init(name: name, dims: dims, values: .int64(int64s))
    }

    /// The number of elements.
    public var count: Int { values.count }

    /// The float32 values, or nil for an int64 tensor.
    public var floats: [Float]? {
        if case .float(let v) = values { return v }
        return nil
    }

    /// The int64 values, or nil for a float32 tensor.
    public var int64s: [Int64]? {
        if case .int64(let v) = values { return v }
        return nil
    }
}

/// The names of ONNX's TensorProto.DataType values, for messages about unsupported ones.
enum ONNXDataType {
    static let float = 1
    static let int64 = 7

    static func name(_ code: Int) -> String {
        let names = [1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
                     9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
                     15: "COMPLEX128", 16: "BFLOAT16"]
        return "\(names[code] ?? "data type") (\(code))"
    }
}
