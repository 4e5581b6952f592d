/// Lowering of the operators that only move or pass values: Flatten and Reshape (a new sample shape, batch axis
/// kept first), Identity and Dropout (inference: the identity). Source: ONNX operator docs.
enum ONNXShapeRules {
    /// Flatten with axis 1 (after normalising a negative axis): [batch, d1, d2, ...] -> [batch, d1 * d2 * ...].
    static func flatten(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(["axis"])
        let rank = c.fullShape.count
        var axis = try c.int("axis", default: 1)
        if axis < 0 { axis += rank }
        guard axis == 1 else {
            throw c.unsupported("axis \(try c.int("axis", default: 1)) on rank \(rank); only axis 1 keeps the batch axis apart")
        }
        return [.reshape([c.sampleCount])]
    }

    /// Reshape with a constant INT64 `shape` whose first entry is the batch axis: 0 (copy), -1 (infer) or 1.
    /// Other entries: 0 copies the input's size on that axis (unless allowzero = 1, then 0 is refused), one -1 is
    /// inferred from the element count.
    static func reshape(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(["allowzero"])
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input data") }
        let target = try resolvedShape(c, input: c.fullShape, count: c.sampleCount)
        guard target.first == 1 else {
            throw c.unsupported("the new shape \(target) does not keep the batch axis (of size 1) first")
        }
        return [.reshape(Array(target.dropFirst()))]
    }

    /// ONNX Reshape's target shape for a tensor of shape `input` holding `count` elements.
    static func resolvedShape(_ c: ONNXNodeContext, input: [Int], count: Int) throws -> [Int] {
        let requested = try c.int64s(try c.requiredConstant(1, "shape"), "shape")
        let allowZero = try c.int("allowzero", default: 0) == 1
        guard requested.count <= c.limits.maxRank else { throw c.shapeError("shape \(requested) has more than \(c.limits.maxRank) axes") }
        var out: [Int] = []
        var inferred: Int?
        for (axis, r) in requested.enumerated() {
            switch r {
            case -1:
                guard inferred == nil else { throw c.malformed("shape \(requested) has two -1 entries") }
                inferred = axis
                out.append(1)
            case 0 where !allowZero:
                guard axis < input.count else { throw c.shapeError("shape \(requested) copies axis \(axis), which \(input) lacks") }
                out.append(input[axis])
            case 1...:
                out.append(r)
            default:
                throw c.unsupported("shape \(requested) has entry \(r)")
            }
        }
        guard let known = c.limits.elementCount(out, limit: c.limits.maxTensorElements), known > 0 else {
            throw c.shapeError("shape \(requested) is too large")
        }
        if let axis = inferred {
            guard count % known == 0 else { throw c.shapeError("cannot reshape \(count) elements to \(requested)") }
            out[axis] = count / known
        } else {
            guard known == count else { throw c.shapeError("cannot reshape \(input) (\(count) elements) to \(requested)") }
        }
        return out
    }

    static func identity(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes([])
        return []
    }

    /// Dropout at inference is the identity. Before opset 12 `ratio` is an attribute; from 12 `ratio` and
    /// `training_mode` are optional inputs, and a training_mode input is refused (BOOL tensors are not read).
    static func dropout(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(c.opset < 12 ? ["ratio"] : ["seed"])
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input data") }
        if c.inputName(2) != nil { throw c.unsupported("an explicit training_mode input; export the model in inference mode") }
        return []
    }
}
