/// Add, Sub, Mul and Div of the network's value x and a constant c (broadcast to x's shape, numpy rule) as one
/// elementwise affine map y = s * x + t: x + c, x - c, c - x, x * c, x / c (as x * (1/c), 1/c rounded to Float
/// from Double; c must be non-zero). c / x is not affine and is refused. Input normalisation (x - mean) / std is
/// two such maps, which `ChainFolding` composes into one.
enum ONNXElementwiseRules {
    static func add(_ c: ONNXNodeContext) throws -> [ChainOp] {
        let k = try constantOperand(c)
        return [.elementwiseAffine(scale: ones(c), shift: k)]
    }

    static func sub(_ c: ONNXNodeContext) throws -> [ChainOp] {
        let k = try constantOperand(c)
        if c.dataIndex == 0 { return [.elementwiseAffine(scale: ones(c), shift: k.map { -$0 })] }
        return [.elementwiseAffine(scale: ones(c).map { -$0 }, shift: k)]
    }

    static func mul(_ c: ONNXNodeContext) throws -> [ChainOp] {
        let k = try constantOperand(c)
        return [.elementwiseAffine(scale: k, shift: zeros(c))]
    }

    static func div(_ c: ONNXNodeContext) throws -> [ChainOp] {
        guard c.dataIndex == 0 else { throw c.unsupported("dividing a constant by the network's value is not an affine map") }
        let k = try constantOperand(c)
        guard !k.contains(0) else { throw c.malformed("division by a constant that holds 0") }
        let reciprocal = k.map { Float(1 / Double($0)) }
        guard reciprocal.allSatisfy(\.isFinite) else { throw c.malformed("1 / divisor overflows Float") }
        return [.elementwiseAffine(scale: reciprocal, shift: zeros(c))]
    }

    /// The other operand, a float constant, broadcast to x's full shape (it must not change that shape).
    private static func constantOperand(_ c: ONNXNodeContext) throws -> [Float] {
        try c.allowAttributes([])
        guard let data = c.dataIndex, data == 0 || data == 1, c.node.inputs.count == 2 else {
            throw c.malformed("expected two inputs, one of them the network's value")
        }
        let t = try c.requiredConstant(1 - data, "the other operand")
        return try ONNXAffineRules.broadcastConstant(c, t, "the constant operand", to: c.fullShape)
    }

    private static func ones(_ c: ONNXNodeContext) -> [Float] { [Float](repeating: 1, count: c.sampleCount) }
    private static func zeros(_ c: ONNXNodeContext) -> [Float] { [Float](repeating: 0, count: c.sampleCount) }
}
