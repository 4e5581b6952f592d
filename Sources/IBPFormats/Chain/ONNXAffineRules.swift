/// Lowering of the ONNX operators that are affine maps with constant parameters: Gemm and MatMul become `dense`,
/// BatchNormalization (inference form) an elementwise affine map that `ChainFolding` folds into its neighbour.
/// Products with alpha, beta and the batch-norm statistics are computed in Double and rounded to Float once.
/// Source: ONNX operator docs (Gemm, MatMul, BatchNormalization).
enum ONNXAffineRules {
    /// Gemm: Y = alpha * A' * B' + beta * C with A' = A (transA 0; A is the data [batch, in]), B' = B or B^T
    /// (transB), C broadcast to [batch, out]. Becomes dense with W = alpha * B'^T ([out, in]) and b = beta * C.
    static func gemm(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(["alpha", "beta", "transA", "transB"])
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input A; here it is input \(c.dataIndex ?? -1)") }
        let alpha = Double(try c.float("alpha", default: 1)), beta = Double(try c.float("beta", default: 1))
        let transA = try c.int("transA", default: 0), transB = try c.int("transB", default: 0)
        guard transA == 0 else { throw c.unsupported("transA = \(transA) would move the batch axis of A") }
        guard transB == 0 || transB == 1 else { throw c.malformed("transB = \(transB), expected 0 or 1") }
        guard c.sampleShape.count == 1 else {
            throw c.shapeError("A must be [batch, features], here [batch] + \(c.sampleShape) (flatten first)")
        }
        let inputs = c.sampleShape[0]
        let b = try c.requiredConstant(1, "B")
        let bValues = try c.floats(b, "B")
        guard b.dims.count == 2 else { throw c.shapeError("B \(quoted(b.name)) has shape \(b.dims), expected 2-D") }
        let (bRows, bCols) = transB == 1 ? (b.dims[1], b.dims[0]) : (b.dims[0], b.dims[1])
        guard bRows == inputs, bCols > 0 else {
            throw c.shapeError("B \(quoted(b.name)) of shape \(b.dims)\(transB == 1 ? " (transposed)" : "") cannot multiply A of [batch, \(inputs)]")
        }
        let outputs = bCols
        // B'[i][o] is B[i * out + o] (transB 0) or B[o * in + i] (transB 1); W[o][i] = alpha * B'[i][o].
        var weight = [Float](repeating: 0, count: outputs * inputs)
        for o in 0..<outputs {
            for i in 0..<inputs {
                let v = transB == 1 ? bValues[o * inputs + i] : bValues[i * outputs + o]
                weight[o * inputs + i] = alpha == 1 ? v : Float(alpha * Double(v))
            }
        }
        var bias = [Float](repeating: 0, count: outputs)
        if let cTensor = try c.constant(2, "C") {
            let values = try broadcastConstant(c, cTensor, "C", to: [1, outputs], unidirectional: true)
            bias = values.map { beta == 1 ? $0 : Float(beta * Double($0)) }
        }
        return [.dense(DenseOp(inputs: inputs, outputs: outputs, weight: weight, bias: bias))]
    }

    /// MatMul: Y = A * B with A the data [batch, in] and B a constant [in, out]: dense with W = B^T and b = 0 (an
    /// Add that follows is folded into b by `ChainFolding`).
    static func matMul(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes([])
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input A; here it is input \(c.dataIndex ?? -1)") }
        guard c.sampleShape.count == 1 else {
            throw c.shapeError("A must be [batch, features], here [batch] + \(c.sampleShape) (flatten first)")
        }
        let inputs = c.sampleShape[0]
        let b = try c.requiredConstant(1, "B")
        let bValues = try c.floats(b, "B")
        guard b.dims.count == 2, b.dims[0] == inputs, b.dims[1] > 0 else {
            throw c.shapeError("B \(quoted(b.name)) of shape \(b.dims) cannot multiply A of [batch, \(inputs)] (expected [\(inputs), out])")
        }
        let outputs = b.dims[1]
        var weight = [Float](repeating: 0, count: outputs * inputs)
        for o in 0..<outputs {
            for i in 0..<inputs { weight[o * inputs + i] = bValues[i * outputs + o] }
        }
        return [.dense(DenseOp(inputs: inputs, outputs: outputs, weight: weight, bias: [Float](repeating: 0, count: outputs)))]
    }

    /// BatchNormalization in inference form: y = s * (x - mean) + B with s = scale / sqrt(var + epsilon), per
    /// channel (axis 1 of [batch, C, ...]). Becomes y = s * x + (B - s * mean), elementwise; `ChainFolding` folds
    /// it into the conv or dense before it, else into the one after, else keeps it.
    static func batchNormalization(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(["epsilon", "momentum", "spatial", "training_mode"])
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input X") }
        if c.node.attributes["spatial"] != nil, try c.int("spatial", default: 1) != 1 {
            throw c.unsupported("spatial = 0 (statistics per position) is not supported")
        }
        guard try c.int("training_mode", default: 0) == 0 else { throw c.unsupported("training_mode = 1; export the model in inference mode") }
        let epsilon = Double(try c.float("epsilon", default: 1e-5))
        guard epsilon >= 0 else { throw c.malformed("epsilon = \(epsilon) is negative") }
        guard let channels = c.sampleShape.first else { throw c.shapeError("X must be [batch, C, ...]") }
        var parameters: [[Float]] = []
        for (index, what) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
            let t = try c.requiredConstant(index, what)
            guard t.count == channels, t.dims.count == 1 else {
                throw c.shapeError("\(what) \(quoted(t.name)) has shape \(t.dims), expected [\(channels)] for X of [batch] + \(c.sampleShape)")
            }
            parameters.append(try c.floats(t, what))
        }
        let (gamma, beta, mean, variance) = (parameters[0], parameters[1], parameters[2], parameters[3])
        var channelScale = [Double](repeating: 0, count: channels), channelShift = [Double](repeating: 0, count: channels)
        for k in 0..<channels {
            let v = Double(variance[k]) + epsilon
            guard v > 0 else { throw c.malformed("input_var[\(k)] + epsilon = \(v) is not positive") }
            channelScale[k] = Double(gamma[k]) / v.squareRoot()
            channelShift[k] = Double(beta[k]) - channelScale[k] * Double(mean[k])
        }
        let plane = c.sampleCount / channels
        var scale = [Float](), shift = [Float]()
        scale.reserveCapacity(c.sampleCount)
        shift.reserveCapacity(c.sampleCount)
        for k in 0..<channels {
            scale.append(contentsOf: repeatElement(Float(channelScale[k]), count: plane))
            shift.append(contentsOf: repeatElement(Float(channelShift[k]), count: plane))
        }
        return [.elementwiseAffine(scale: scale, shift: shift)]
    }

    /// A float constant broadcast to the full shape `target` (batch axis 1 first), refusing one that would change
    /// the result's shape; `unidirectional` (Gemm's C) also refuses one of higher rank.
    static func broadcastConstant(_ c: ONNXNodeContext, _ t: ONNXTensor, _ what: String, to target: [Int],
                                  unidirectional: Bool = false) throws -> [Float] {
        let values = try c.floats(t, what)
        guard ONNXBroadcast.shape(t.dims, target) == target, !(unidirectional && t.dims.count > target.count) else {
            throw c.shapeError("\(what) \(quoted(t.name)) of shape \(t.dims) does not broadcast to \(target)")
        }
        return ONNXBroadcast.expand(values, dims: t.dims, to: target)
    }
}
