/// Constant folding: nodes whose inputs are all constants are evaluated while lowering, so that a `Constant`, an
/// `Identity` of an initializer, a `Reshape` of a constant or arithmetic between constants can feed Reshape,
/// Mul, Gemm and the rest as if it were an initializer. Arithmetic is Float, as ONNX runtimes compute it.
enum ONNXConstantRules {
    /// Constant: its one value attribute (`value`, or from opset 12 `value_float`, `value_floats`, `value_int`,
    /// `value_ints`) as a tensor named after the output.
    static func constant(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let known: Set<String> = ["value", "value_float", "value_floats", "value_int", "value_ints"]
        let given = c.node.attributes.keys.sorted()
        guard given.count == 1, let key = given.first, known.contains(key) else {
            throw c.unsupported("needs exactly one of \(known.sorted().joined(separator: ", ")); has \(given.isEmpty ? "none" : given.joined(separator: ", "))")
        }
        let name = c.node.outputs[0]
        switch c.node.attributes[key]! {
        case .tensor(let t) where key == "value": return [ONNXTensor(name: name, dims: t.dims, values: t.values)]
        case .float(let v) where key == "value_float": return [ONNXTensor(name: name, dims: [], floats: [v])]
        case .floats(let v) where key == "value_floats": return [ONNXTensor(name: name, dims: [v.count], floats: v)]
        case .int(let v) where key == "value_int": return [ONNXTensor(name: name, dims: [], int64s: [v])]
        case .ints(let v) where key == "value_ints": return [ONNXTensor(name: name, dims: [v.count], int64s: v)]
        case let other: throw c.malformed("attribute \(quoted(key)) is \(other.kindName)")
        }
    }

    static func identity(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        try c.allowAttributes([])
        let t = try c.requiredConstant(0, "input")
        return [ONNXTensor(name: c.node.outputs[0], dims: t.dims, values: t.values)]
    }

    static func reshape(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        try c.allowAttributes(["allowzero"])
        let t = try c.requiredConstant(0, "data")
        let shape = try ONNXShapeRules.resolvedShape(c, input: t.dims, count: t.count)
        return [ONNXTensor(name: c.node.outputs[0], dims: shape, values: t.values)]
    }

    /// Add, Sub, Mul, Div of two FLOAT constants with broadcasting.
    static func arithmetic(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        try c.allowAttributes([])
        guard c.node.inputs.count == 2 else { throw c.malformed("expected two inputs") }
        let a = try c.requiredConstant(0, "A"), b = try c.requiredConstant(1, "B")
        let x = try c.floats(a, "A"), y = try c.floats(b, "B")
        guard let shape = ONNXBroadcast.shape(a.dims, b.dims) else {
            throw c.shapeError("\(quoted(a.name)) of shape \(a.dims) and \(quoted(b.name)) of shape \(b.dims) do not broadcast")
        }
        guard c.limits.elementCount(shape, limit: c.limits.maxTensorElements) != nil else {
            throw c.fail(.limitExceeded("node \(c.node.label): the result of shape \(shape) has more than \(c.limits.maxTensorElements) elements"))
        }
        let op: (Float, Float) -> Float
        switch c.node.opType {
        case "Add": op = (+)
        case "Sub": op = (-)
        case "Mul": op = (*)
        default: op = (/)
        }
        let values = zip(ONNXBroadcast.expand(x, dims: a.dims, to: shape), ONNXBroadcast.expand(y, dims: b.dims, to: shape)).map(op)
        guard values.allSatisfy(\.isFinite) else { throw c.malformed("folding the constants gives a value that is not finite") }
        return [ONNXTensor(name: c.node.outputs[0], dims: shape, floats: values)]
    }
}
