/// What a lowering or folding rule sees of one node: its attributes and constant inputs, checked and typed, and for
/// a node on the chain, which input is the data x and x's sample shape. Every accessor throws a one-line
/// `ONNXError` that names the node.
struct ONNXNodeContext {
    let node: ONNXNode
    let path: String
    let opset: Int
    let limits: ONNXLimits
    /// The constants known so far: initializers and folded node outputs.
    let constants: [String: ONNXTensor]
    /// The index in `node.inputs` of the data input (nil when folding constants).
    let dataIndex: Int?
    /// The shape of one sample of the data input (no batch axis; [] when folding constants).
    let sampleShape: [Int]

    /// The data input's full tensor shape, batch axis (taken as 1) first.
    var fullShape: [Int] { [1] + sampleShape }

    /// The number of elements of one sample.
    var sampleCount: Int { sampleShape.reduce(1, *) }

    func fail(_ problem: ONNXProblem) -> ONNXError { ONNXError(path: path, problem: problem) }

    /// `.unsupported`, prefixed with the node.
    func unsupported(_ why: String) -> ONNXError { fail(.unsupported("node \(node.label): \(why)")) }

    /// `.malformed`, prefixed with the node.
    func malformed(_ why: String) -> ONNXError { fail(.malformed("node \(node.label): \(why)")) }

    /// `.shapeMismatch`, prefixed with the node.
    func shapeError(_ why: String) -> ONNXError { fail(.shapeMismatch("node \(node.label): \(why)")) }

    // MARK: - attributes

    /// Refuses attributes the rule does not know: an unknown attribute may change the operator's meaning.
    func allowAttributes(_ names: Set<String>) throws {
        let unknown = node.attributes.keys.filter { !names.contains($0) }.sorted()
        guard unknown.isEmpty else {
            let known = names.isEmpty ? "the operator takes none" : "known: " + names.sorted().joined(separator: ", ")
            throw unsupported("attribute\(unknown.count == 1 ? "" : "s") \(unknown.map { "\(quoted($0))" }.joined(separator: ", ")) (\(known))")
        }
    }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let a = node.attributes[name] else { return value }
        guard case .int(let v) = a else { throw malformed("attribute \(quoted(name)) is \(a.kindName), expected INT") }
        guard let i = Int(exactly: v), abs(i) <= 1 << 40 else { throw malformed("attribute \(quoted(name)) = \(v) is out of range") }
        return i
    }

    func float(_ name: String, default value: Float) throws -> Float {
        guard let a = node.attributes[name] else { return value }
        guard case .float(let v) = a else { throw malformed("attribute \(quoted(name)) is \(a.kindName), expected FLOAT") }
        guard v.isFinite else { throw malformed("attribute \(quoted(name)) = \(v) is not finite") }
        return v
    }

    func string(_ name: String, default value: String) throws -> String {
        guard let a = node.attributes[name] else { return value }
        guard case .string(let v) = a else { throw malformed("attribute \(quoted(name)) is \(a.kindName), expected STRING") }
        return v
    }

    /// An INTS attribute, each entry within +-2^40 (sizes, pads and strides far beyond any real network).
    func ints(_ name: String) throws -> [Int]? {
        guard let a = node.attributes[name] else { return nil }
        guard case .ints(let v) = a else { throw malformed("attribute \(quoted(name)) is \(a.kindName), expected INTS") }
        guard v.count <= limits.maxRank * 2 else { throw malformed("attribute \(quoted(name)) has \(v.count) entries") }
        return try v.map { x in
            guard abs(x) <= 1 << 40 else { throw malformed("attribute \(quoted(name)) entry \(x) is out of range") }
            return Int(x)
        }
    }

    // MARK: - inputs

    /// The input at `index`, or nil when the node has fewer inputs or the name is empty (an omitted optional input).
    func inputName(_ index: Int) -> String? {
        index < node.inputs.count && !node.inputs[index].isEmpty ? node.inputs[index] : nil
    }

    /// The constant at input `index`, nil when that optional input is omitted; throws when it is the data input.
    func constant(_ index: Int, _ what: String) throws -> ONNXTensor? {
        guard let name = inputName(index) else { return nil }
        guard let t = constants[name] else {
            throw unsupported("\(what) (input \(index), \(quoted(name))) must be a constant (an initializer or Constant), not computed from the network input")
        }
        return t
    }

    /// The constant at input `index`, which must be present.
    func requiredConstant(_ index: Int, _ what: String) throws -> ONNXTensor {
        guard let t = try constant(index, what) else { throw malformed("\(what) (input \(index)) is missing") }
        return t
    }

    /// A float32 constant's values.
    func floats(_ t: ONNXTensor, _ what: String) throws -> [Float] {
        guard let v = t.floats else { throw unsupported("\(what) \(quoted(t.name)) is INT64, expected FLOAT") }
        guard v.allSatisfy(\.isFinite) else { throw malformed("\(what) \(quoted(t.name)) holds a value that is not finite") }
        return v
    }

    /// An int64 constant's values, each within +-2^40.
    func int64s(_ t: ONNXTensor, _ what: String) throws -> [Int] {
        guard let v = t.int64s else { throw unsupported("\(what) \(quoted(t.name)) is FLOAT, expected INT64") }
        return try v.map { x in
            guard abs(x) <= 1 << 40 else { throw malformed("\(what) \(quoted(t.name)) entry \(x) is out of range") }
            return Int(x)
        }
    }
}
