/// An ONNX graph lowered to a chain x -> f1 -> f2 -> ... -> y of `ChainOp`s with static sample shapes (the batch
/// axis, fixed 1 or symbolic, is dropped), as plain data for the library to map onto its layers.
///
/// Lowering (`lower`): operators not in `ONNXOperatorTable` are refused first, all of them in one line; then the
/// topology must be a chain — every value computed from the input feeds at most one node, and every node reads
/// at most one such value, the latest (constants, including folded ones, may be read anywhere) — else every place
/// where it is not is listed in one line; then each node is folded (all inputs constant) or lowered by its rule,
/// with the shape after each step checked; last, `ChainFolding` merges neighbouring affine steps.
public struct ONNXChain: Equatable, Sendable {
    /// The ONNX input's name.
    public var inputName: String
    /// The ONNX output's name.
    public var outputName: String
    /// The shape of one input sample (the ONNX input's shape without its batch axis); X_i of a VNNLIB property is
    /// element i of it in row-major order.
    public var inputShape: [Int]
    /// The steps, in order.
    public var steps: [ChainStep]

    public init(inputName: String, outputName: String, inputShape: [Int], steps: [ChainStep]) {
        self.inputName = inputName
        self.outputName = outputName
        self.inputShape = inputShape
        self.steps = steps
    }

    /// The shape of one output sample.
    public var outputShape: [Int] { steps.last?.outputShape ?? inputShape }

    /// Reads the `.onnx` file at `path` and lowers it.
    public static func read(path: String, limits: ONNXLimits = ONNXLimits()) throws -> ONNXChain {
        try lower(try ONNXModel.read(path: path, limits: limits), path: path, limits: limits)
    }

    /// Lowers `graph`; `path` names the file in errors.
    /// - Throws: `ONNXError`: `.unsupportedOperators` (every such node), `.notAChain` (every place), or the first
    ///   `.shapeMismatch` / `.unsupported` / `.malformed` / `.limitExceeded` a rule finds, naming its node.
    public static func lower(_ graph: ONNXGraph, path: String = "<memory>", limits: ONNXLimits = ONNXLimits()) throws -> ONNXChain {
        func fail(_ p: ONNXProblem) -> ONNXError { ONNXError(path: path, problem: p) }
        let unsupported = graph.nodes.filter { ONNXOperatorTable.rule(for: $0) == nil }
        guard unsupported.isEmpty else { throw fail(.unsupportedOperators(unsupported.map(\.label))) }
        try ONNXTopology.checkChain(graph, path: path)

        var constants = graph.initializers
        let inputShape = graph.input.shape.dropFirst().map { dimension -> Int in
            if case .fixed(let n) = dimension { return n }
            return 0  // ONNXModel refuses symbolic sample axes; a hand-built graph with one fails the check below.
        }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }),
              limits.elementCount(inputShape, limit: limits.maxSampleElements) != nil else {
            throw fail(.unsupported("input \(quoted(graph.input.name)) of shape \(graph.input.shape) needs a static sample shape of at most \(limits.maxSampleElements) elements"))
        }
        var current = graph.input.name
        var shape = inputShape
        var steps: [ChainFolding.Step] = []
        for node in graph.nodes {
            let rule = ONNXOperatorTable.rule(for: node)!
            let dataIndex = node.inputs.firstIndex(of: current)
            let context = ONNXNodeContext(node: node, path: path, opset: graph.opsetVersion, limits: limits,
                                          constants: constants, dataIndex: dataIndex, sampleShape: dataIndex == nil ? [] : shape)
            guard dataIndex != nil else {
                // ONNXTopology has checked that every input is a constant by now.
                guard let fold = rule.fold else {
                    throw context.unsupported("all its inputs are constants, and this operator cannot be folded into a constant")
                }
                let results = try fold(context)
                for (name, t) in zip(node.outputs, results) where !name.isEmpty {
                    guard limits.elementCount(t.dims, limit: limits.maxTensorElements) != nil else {
                        throw fail(.limitExceeded("node \(node.label) gives a constant of shape \(t.dims)"))
                    }
                    constants[name] = ONNXTensor(name: name, dims: t.dims, values: t.values)
                }
                continue
            }
            guard let lower = rule.lower else { throw context.unsupported("cannot be applied to the network's value") }
            for op in try lower(context) {
                guard ChainFolding.finite(op) != nil else {
                    throw context.malformed("its parameters give a value that is not finite in Float")
                }
                do {
                    shape = try op.outputShape(for: shape)
                } catch let e as ChainShapeError {
                    throw context.shapeError(e.description)
                }
                guard limits.elementCount(shape, limit: limits.maxSampleElements) != nil else {
                    throw fail(.limitExceeded("node \(node.label) gives samples of shape \(shape), more than \(limits.maxSampleElements) elements"))
                }
                steps.append(ChainFolding.Step(op: op, outputShape: shape, nodes: [node.label], opTypes: [node.opType]))
            }
            current = node.outputs[0]
        }
        guard current == graph.output.name else {
            throw fail(.notAChain(["the graph output \(quoted(graph.output.name)) is not the last value computed from the input (\(quoted(current)))"]))
        }
        try checkDeclaredOutput(graph.output, shape: shape, path: path)
        let folded = try ChainFolding.fold(steps, inputShape: inputShape)
        return ONNXChain(inputName: graph.input.name, outputName: graph.output.name, inputShape: inputShape,
                         steps: folded.map { ChainStep(op: $0.op, outputShape: $0.outputShape, nodes: $0.nodes) })
    }

    /// A declared output shape must agree with the computed one on every fixed axis (batch axis 1 or symbolic).
    private static func checkDeclaredOutput(_ output: ONNXValueInfo, shape: [Int], path: String) throws {
        guard !output.shape.isEmpty else { return }
        let full = [1] + shape
        let agrees = output.shape.count == full.count && zip(output.shape, full).allSatisfy { declared, computed in
            if case .fixed(let n) = declared { return n == computed }
            return true
        }
        guard agrees else {
            throw ONNXError(path: path, problem: .shapeMismatch(
                "the graph output \(quoted(output.name)) is declared \(output.shape), the chain computes [batch] + \(shape)"))
        }
    }
}

/// One step of an `ONNXChain`: the op, the sample shape after it, and the ONNX nodes it came from.
public struct ChainStep: Equatable, Sendable {
    public var op: ChainOp
    /// The shape of one sample after this step.
    public var outputShape: [Int]
    /// The ONNX nodes lowered into this step, as "'name' (OpType)" (several when folded).
    public var nodes: [String]

    public init(op: ChainOp, outputShape: [Int], nodes: [String]) {
        self.op = op
        self.outputShape = outputShape
        self.nodes = nodes
    }
}
