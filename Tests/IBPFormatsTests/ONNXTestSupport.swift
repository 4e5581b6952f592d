import Foundation
import XCTest
@testable import IBPFormats

/// `../shared` beside the package (as in CI), or `$IBP_SHARED` when set (a git worktree has no `../shared`);
/// nil when neither exists, and tests that need it skip.
func sharedDirectory() -> URL? {
    if let env = ProcessInfo.processInfo.environment["IBP_SHARED"], !env.isEmpty {
        return URL(fileURLWithPath: env, isDirectory: true)
    }
    let dir = packageRoot().deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    return FileManager.default.fileExists(atPath: dir.path) ? dir : nil
}

/// `../shared/vnncomp`, or skips the test.
func vnncompDirectory() throws -> URL {
    guard let shared = sharedDirectory() else { throw XCTSkip("../shared is not here (set IBP_SHARED to use another copy)") }
    let dir = shared.appendingPathComponent("vnncomp", isDirectory: true)
    guard FileManager.default.fileExists(atPath: dir.path) else { throw XCTSkip("\(dir.path) is not here") }
    return dir
}

/// Builds small ONNX models with the generated protobuf messages, as an exporter would write them.
struct ONNXBuilder {
    var model = Onnx_ModelProto()
    var opset: Int64 = 13

    /// A model whose input is `input` with shape `inputShape` (first entry the batch; nil for symbolic "N").
    init(input: String = "x", inputShape: [Int?], output: String = "y", outputShape: [Int?]? = nil, opset: Int64 = 13) {
        self.opset = opset
        model.irVersion = 7
        model.producerName = "ibpvis-tests"
        var o = Onnx_OperatorSetIdProto()
        o.domain = ""
        o.version = opset
        model.opsetImport = [o]
        model.graph.name = "test"
        model.graph.input = [Self.valueInfo(input, inputShape)]
        model.graph.output = [Self.valueInfo(output, outputShape ?? [])]
    }

    static func valueInfo(_ name: String, _ shape: [Int?], elemType: Int32 = 1) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = elemType
        var s = Onnx_TensorShapeProto()
        s.dim = shape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "N" }
            return dim
        }
        t.shape = s
        v.type.tensorType = t
        return v
    }

    static func floatTensor(_ name: String, _ dims: [Int], _ values: [Float], raw: Bool = true) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = 1
        if raw {
            var data = Data()
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            t.rawData = data
        } else {
            t.floatData = values
        }
        return t
    }

    static func int64Tensor(_ name: String, _ dims: [Int], _ values: [Int64], raw: Bool = false) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = 7
        if raw {
            var data = Data()
            for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
            t.rawData = data
        } else {
            t.int64Data = values
        }
        return t
    }

    mutating func initializer(_ name: String, _ dims: [Int], _ values: [Float], raw: Bool = true) {
        model.graph.initializer.append(Self.floatTensor(name, dims, values, raw: raw))
    }

    mutating func int64Initializer(_ name: String, _ values: [Int64]) {
        model.graph.initializer.append(Self.int64Tensor(name, [values.count], values))
    }

    /// Appends a node; attribute values: Int, Float, String, [Int], [Float] or Onnx_TensorProto.
    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String? = nil,
                       domain: String = "", _ attributes: [String: Any] = [:]) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name ?? "\(op)_\(model.graph.node.count)"
        n.domain = domain
        n.input = inputs
        n.output = outputs
        for key in attributes.keys.sorted() {
            var a = Onnx_AttributeProto()
            a.name = key
            switch attributes[key]! {
            case let v as Int: a.type = 2; a.i = Int64(v)
            case let v as Float: a.type = 1; a.f = v
            case let v as Double: a.type = 1; a.f = Float(v)
            case let v as String: a.type = 3; a.s = Data(v.utf8)
            case let v as [Int]: a.type = 7; a.ints = v.map(Int64.init)
            case let v as [Float]: a.type = 6; a.floats = v
            case let v as Onnx_TensorProto: a.type = 4; a.t = v
            default: fatalError("unsupported attribute value for \(key)")
            }
            n.attribute.append(a)
        }
        model.graph.node.append(n)
    }

    func data() throws -> Data { try model.serializedBytes() }

    func graph(file: StaticString = #filePath, line: UInt = #line) throws -> ONNXGraph {
        try ONNXModel.parse(try data(), path: "test.onnx")
    }

    func chain() throws -> ONNXChain {
        try ONNXChain.lower(try ONNXModel.parse(try data(), path: "test.onnx"), path: "test.onnx")
    }
}

/// Deterministic pseudo-random floats in [-1, 1) (a linear congruential generator; tests need no quality).
struct TestNumbers {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }

    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % (1 << 24)) / Float(1 << 23) - 1
    }

    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}
