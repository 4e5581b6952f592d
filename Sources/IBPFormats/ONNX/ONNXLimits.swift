/// Bounds the ONNX reader and the chain lowering check before allocating or recursing, so a hostile file gets one
/// line instead of exhausting memory or the stack. The defaults fit every VNN-COMP image classifier with room.
public struct ONNXLimits: Equatable, Sendable {
    /// Largest `.onnx` file read, in bytes (checked before reading; protobuf itself stops at 2 GiB).
    public var maxFileBytes: Int
    /// Largest element count of one constant tensor (initializer, `Constant`, folded constant).
    public var maxTensorElements: Int
    /// Largest element count of one sample at any stage of the chain (input, every activation).
    public var maxSampleElements: Int
    /// Largest rank of any shape.
    public var maxRank: Int
    /// Largest number of nodes in the graph.
    public var maxNodes: Int
    /// Deepest protobuf message nesting the decoder follows (ModelProto > GraphProto > NodeProto > AttributeProto >
    /// TensorProto is 5; subgraphs are never decoded).
    public var maxMessageDepth: Int

    public init(maxFileBytes: Int = 1 << 30, maxTensorElements: Int = 1 << 28, maxSampleElements: Int = 1 << 26,
                maxRank: Int = 8, maxNodes: Int = 100_000, maxMessageDepth: Int = 16) {
        self.maxFileBytes = maxFileBytes
        self.maxTensorElements = maxTensorElements
        self.maxSampleElements = maxSampleElements
        self.maxRank = maxRank
        self.maxNodes = maxNodes
        self.maxMessageDepth = maxMessageDepth
    }

    /// The product of `dims`, or nil when an entry is negative or above `limit`, the rank exceeds `maxRank` or the
    /// product exceeds `limit` (checked step by step, so it never overflows).
    func elementCount(_ dims: [Int], limit: Int) -> Int? {
        guard dims.count <= maxRank else { return nil }
        var n = 1
        for d in dims {
            guard d >= 0, d <= limit else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= limit else { return nil }
            n = p
        }
        return n
    }
}
