import Foundation

/// Turns the decoded protobuf messages into an `ONNXGraph`, checking everything a later stage relies on: one data
/// input with a static float32 shape (only the first, batch, axis may be symbolic), one output, initializers with
/// supported data types and consistent sizes, unique value names (ONNX graphs are in SSA form), an opset in range.
struct ONNXGraphDecoder {
    /// The default-domain opset versions accepted: operator semantics before 7 differ (Gemm's `broadcast`,
    /// BatchNormalization's `is_test`), and the supported operators are unchanged through 25.
    static let opsetRange = 7...25

    let path: String
    let limits: ONNXLimits

    func fail(_ p: ONNXProblem) -> ONNXError { ONNXError(path: path, problem: p) }

    func graph(of model: Onnx_ModelProto) throws -> ONNXGraph {
        if model.hasIrVersion, model.irVersion < 3 {
            throw fail(.unsupported("IR version \(model.irVersion) (ONNX 1.0, IR version 3, is the oldest read)"))
        }
        let opset = try defaultOpset(model.opsetImport)
        guard model.hasGraph else { throw fail(.malformed("the model has no graph")) }
        let g = model.graph
        guard g.node.count <= limits.maxNodes else {
            throw fail(.limitExceeded("\(g.node.count) nodes (at most \(limits.maxNodes))"))
        }
        var initializers: [String: ONNXTensor] = [:]
        for t in g.initializer {
            guard !t.name.isEmpty else { throw fail(.malformed("an initializer has no name")) }
            guard initializers[t.name] == nil else { throw fail(.malformed("two initializers are named \(quoted(t.name))")) }
            initializers[t.name] = try tensor(t, what: "initializer \(quoted(t.name))")
        }
        // Before IR version 4 the graph's inputs list the initializers too; the data input is the one that is not.
        let dataInputs = g.input.filter { initializers[$0.name] == nil }
        guard dataInputs.count == 1 else {
            throw fail(dataInputs.isEmpty ? .malformed("the graph has no input besides its initializers")
                       : .unsupported("\(dataInputs.count) graph inputs (\(dataInputs.map { "\(quoted($0.name))" }.joined(separator: ", "))); one is read"))
        }
        guard g.output.count == 1 else {
            throw fail(g.output.isEmpty ? .malformed("the graph has no output")
                       : .unsupported("\(g.output.count) graph outputs (\(g.output.map { "\(quoted($0.name))" }.joined(separator: ", "))); one is read"))
        }
        let input = try inputInfo(dataInputs[0])
        let output = ONNXValueInfo(name: g.output[0].name, shape: try declaredShape(g.output[0], what: "output \(quoted(g.output[0].name))"))
        guard !output.name.isEmpty else { throw fail(.malformed("the graph output has no name")) }
        var nodes: [ONNXNode] = []
        nodes.reserveCapacity(g.node.count)
        var produced = Set(initializers.keys)
        produced.insert(input.name)
        for (index, n) in g.node.enumerated() {
            let node = try self.node(n, index: index)
            for name in node.outputs where !name.isEmpty {
                guard produced.insert(name).inserted else {
                    throw fail(.malformed("value \(quoted(name)) is defined twice (again by node \(node.label))"))
                }
            }
            nodes.append(node)
        }
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return ONNXGraph(input: input, output: output, initializers: initializers, nodes: nodes,
                         opsetVersion: opset, producer: producer)
    }

    /// The version of the default operator set, which must be imported exactly once.
    func defaultOpset(_ imports: [Onnx_OperatorSetIdProto]) throws -> Int {
        let defaults = imports.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard defaults.count == 1 else {
            throw fail(.malformed(defaults.isEmpty ? "no opset_import for the default ONNX domain"
                                                   : "the default ONNX domain is imported \(defaults.count) times"))
        }
        let v = defaults[0].version
        guard v >= Int64(Self.opsetRange.lowerBound), v <= Int64(Self.opsetRange.upperBound) else {
            throw fail(.unsupported("opset version \(v) (versions \(Self.opsetRange.lowerBound) to \(Self.opsetRange.upperBound) are read)"))
        }
        return Int(v)
    }

    /// The data input: float32, a declared shape whose axes after the first (batch) axis are fixed and positive.
    func inputInfo(_ v: Onnx_ValueInfoProto) throws -> ONNXValueInfo {
        let what = "input \(quoted(v.name))"
        guard !v.name.isEmpty else { throw fail(.malformed("the graph input has no name")) }
        guard case .tensorType(let t)? = v.type.value else { throw fail(.unsupported("\(what) is not a tensor")) }
        guard t.elemType == Int32(ONNXDataType.float) else {
            throw fail(.unsupported("\(what) has element type \(ONNXDataType.name(Int(t.elemType))); FLOAT is read"))
        }
        guard t.hasShape else { throw fail(.unsupported("\(what) declares no shape; a static shape is needed")) }
        let shape = try declaredShape(v, what: what)
        guard !shape.isEmpty else { throw fail(.unsupported("\(what) is a scalar; [batch, sample...] is needed")) }
        var sample: [Int] = []
        for (axis, d) in shape.enumerated().dropFirst() {
            guard case .fixed(let n) = d, n > 0 else {
                throw fail(.unsupported("\(what) has shape \(shape); only the first (batch) axis may be symbolic, axis \(axis) must be a positive size"))
            }
            sample.append(n)
        }
        if case .fixed(let batch) = shape[0], batch != 1 {
            throw fail(.unsupported("\(what) has a fixed batch size of \(batch) (shape \(shape)); 1 or a symbolic batch is read"))
        }
        guard limits.elementCount(sample, limit: limits.maxSampleElements) != nil else {
            throw fail(.limitExceeded("\(what) of shape \(shape) has more than \(limits.maxSampleElements) elements per sample"))
        }
        return ONNXValueInfo(name: v.name, shape: shape)
    }

    /// The declared tensor shape of a value ([] when it declares none).
    func declaredShape(_ v: Onnx_ValueInfoProto, what: String) throws -> [ONNXDimension] {
        guard case .tensorType(let t)? = v.type.value, t.hasShape else { return [] }
        guard t.shape.dim.count <= limits.maxRank else {
            throw fail(.limitExceeded("\(what) has rank \(t.shape.dim.count) (at most \(limits.maxRank))"))
        }
        return try t.shape.dim.map { d in
            switch d.value {
            case .dimValue(let n)?:
                guard n >= 0, n <= Int64(limits.maxTensorElements) else {
                    throw fail(.malformed("\(what) has dimension \(n)"))
                }
                return .fixed(Int(n))
            case .dimParam(let name)?: return .symbolic(name)
            case nil: return .symbolic("")
            }
        }
    }

    /// A constant tensor, after checking its dims and its element count against the data present.
    func tensor(_ t: Onnx_TensorProto, what: String) throws -> ONNXTensor {
        if t.dataLocation == 1 {
            throw fail(.unsupported("\(what) keeps its data in an external file; save the model with the weights inside"))
        }
        guard t.dims.count <= limits.maxRank else {
            throw fail(.limitExceeded("\(what) has rank \(t.dims.count) (at most \(limits.maxRank))"))
        }
        guard t.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(limits.maxTensorElements) }) else {
            throw fail(.malformed("\(what) has dims \(t.dims)"))
        }
        let dims = t.dims.map { Int($0) }
        guard let count = limits.elementCount(dims, limit: limits.maxTensorElements) else {
            throw fail(.limitExceeded("\(what) of shape \(dims) has more than \(limits.maxTensorElements) elements"))
        }
        switch Int(t.dataType) {
        case Float.dataType: return try values(of: t, as: Float.self, dims: dims, count: count, what: what)
        case Int64.dataType: return try values(of: t, as: Int64.self, dims: dims, count: count, what: what)
        default:
            let type = t.hasDataType ? ONNXDataType.name(Int(t.dataType)) : "no data type"
            throw fail(.unsupported("\(what) has \(type); FLOAT and INT64 tensors are read"))
        }
    }

    /// The `count` values of `t` as `E`, from `raw_data` or from E's typed field (one of them, and no other
    /// type's field). `count` is already within the element limit; the bytes present are checked against
    /// `count * E.byteWidth` before the array is allocated.
    private func values<E: ONNXTensorElement>(of t: Onnx_TensorProto, as _: E.Type, dims: [Int], count: Int,
                                               what: String) throws -> ONNXTensor {
        let type = ONNXDataType.name(E.dataType).prefix(while: { $0 != " " })
        guard t.typedFieldCounts.allSatisfy({ $0.field == E.typedField || $0.count == 0 }) else {
            throw fail(.malformed("\(what) is \(type) but stores values in another type's field"))
        }
        let typed = E.typedValues(t)
        guard t.hasRawData else {
            guard typed.count == count else {
                throw fail(.malformed("\(what) of shape \(dims) needs \(CountText.of(count, "value")), \(E.typedField) has \(typed.count)"))
            }
            return E.tensor(name: t.name, dims: dims, values: typed)
        }
        guard typed.isEmpty else { throw fail(.malformed("\(what) has both raw_data and \(E.typedField)")) }
        let raw = t.rawData
        let (bytes, overflow) = count.multipliedReportingOverflow(by: E.byteWidth)
        guard !overflow, raw.count == bytes else {
            throw fail(.malformed("\(what) of shape \(dims) needs \(bytes) bytes of raw_data, has \(raw.count)"))
        }
        let decoded = raw.withUnsafeBytes { b in
            [E](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count { out[i] = E.load(b, at: i * E.byteWidth) }
                initialized = count
            }
        }
        return E.tensor(name: t.name, dims: dims, values: decoded)
    }

    func node(_ n: Onnx_NodeProto, index: Int) throws -> ONNXNode {
        // An unnamed node is named by its position, counted from 1 as messages count layers (`LayerName`).
        var node = ONNXNode(name: n.name.isEmpty ? "#\(index + 1)" : n.name, opType: n.opType, domain: n.domain,
                            inputs: n.input, outputs: n.output)
        guard !n.opType.isEmpty else { throw fail(.malformed("node \(node.label) has no op_type")) }
        guard n.output.contains(where: { !$0.isEmpty }) else { throw fail(.malformed("node \(node.label) has no output")) }
        for a in n.attribute {
            let what = "attribute \(quoted(a.name)) of node \(node.label)"
            guard !a.name.isEmpty else { throw fail(.malformed("node \(node.label) has an attribute without a name")) }
            guard node.attributes[a.name] == nil else { throw fail(.malformed("\(what) is given twice")) }
            guard a.refAttrName.isEmpty else {
                throw fail(.unsupported("\(what) refers to a function attribute (\(quoted(a.refAttrName)))"))
            }
            node.attributes[a.name] = try attribute(a, what: what)
        }
        return node
    }

    func attribute(_ a: Onnx_AttributeProto, what: String) throws -> ONNXAttribute {
        // Files from before IR version 2 may omit `type`; then the one field that is set tells it.
        var type = Int(a.type)
        if !a.hasType {
            if a.hasF { type = 1 } else if a.hasI { type = 2 } else if a.hasS { type = 3 } else if a.hasT { type = 4 }
            else if !a.floats.isEmpty { type = 6 } else if !a.ints.isEmpty { type = 7 } else if !a.strings.isEmpty { type = 8 }
        }
        switch type {
        case 1: return .float(a.f)
        case 2: return .int(a.i)
        case 3: return .string(String(decoding: a.s, as: UTF8.self))
        case 4: return .tensor(try tensor(a.t, what: what))
        case 6: return .floats(a.floats)
        case 7: return .ints(a.ints)
        case 8: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        default: return .other(type: type)
        }
    }
}
