/// How one ONNX operator lowers: `lower` turns a node on the chain (one input is the data x) into chain steps
/// (none for an identity); `fold` evaluates a node whose inputs are all constants into its output constants.
/// Either may be absent: an operator without `lower` cannot touch the data, one without `fold` cannot be
/// constant-folded.
struct ONNXOperatorRule {
    var lower: ((ONNXNodeContext) throws -> [ChainOp])?
    var fold: ((ONNXNodeContext) throws -> [ONNXTensor])?
}

/// The one table from ONNX operator names (default domain) to lowering rules, after auto_LiRPA's
/// `bound_op_map`: adding an operator is one line here plus its rule. Everything not listed is refused, every
/// offending node named in one line (`ONNXProblem.unsupportedOperators`).
enum ONNXOperatorTable {
    static let rules: [String: ONNXOperatorRule] = [
        // Affine maps.
        "Gemm": .init(lower: ONNXAffineRules.gemm),
        "MatMul": .init(lower: ONNXAffineRules.matMul),
        "Conv": .init(lower: ONNXConvolutionRules.conv),
        "BatchNormalization": .init(lower: ONNXAffineRules.batchNormalization),
        // Arithmetic with a constant (elementwise affine maps), or between constants.
        "Add": .init(lower: ONNXElementwiseRules.add, fold: ONNXConstantRules.arithmetic),
        "Sub": .init(lower: ONNXElementwiseRules.sub, fold: ONNXConstantRules.arithmetic),
        "Mul": .init(lower: ONNXElementwiseRules.mul, fold: ONNXConstantRules.arithmetic),
        "Div": .init(lower: ONNXElementwiseRules.div, fold: ONNXConstantRules.arithmetic),
        // Monotone activations.
        "Relu": .init(lower: { c in try c.allowAttributes([]); return [.relu] }),
        "Sigmoid": .init(lower: { c in try c.allowAttributes([]); return [.sigmoid] }),
        "Tanh": .init(lower: { c in try c.allowAttributes([]); return [.tanh] }),
        // Padding and pooling.
        "Pad": .init(lower: ONNXConvolutionRules.pad),
        "AveragePool": .init(lower: ONNXConvolutionRules.averagePool),
        "MaxPool": .init(lower: ONNXConvolutionRules.maxPool),
        "GlobalAveragePool": .init(lower: ONNXConvolutionRules.globalAveragePool),
        // Shapes, identities and constants.
        "Flatten": .init(lower: ONNXShapeRules.flatten),
        "Reshape": .init(lower: ONNXShapeRules.reshape, fold: ONNXConstantRules.reshape),
        "Identity": .init(lower: ONNXShapeRules.identity, fold: ONNXConstantRules.identity),
        "Dropout": .init(lower: ONNXShapeRules.dropout),
        "Constant": .init(fold: ONNXConstantRules.constant),
    ]

    /// The supported operator names, sorted (for messages).
    static let supportedNames: [String] = rules.keys.sorted()

    /// The rule for `node`, or nil when its operator is not supported (another domain, or not in the table).
    static func rule(for node: ONNXNode) -> ONNXOperatorRule? {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else { return nil }
        return rules[node.opType]
    }
}
