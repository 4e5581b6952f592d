import Foundation
import SwiftProtobuf

/// Writes a chain of `ChainOp`s as an ONNX model (IR version 7, opset 13, float32): the inverse of `ONNXChain.lower`
/// for every op, so that reading the file back gives the same chain, parameters bit for bit. Input `x` of shape
/// [batch] + `inputShape` (a symbolic batch axis), output `y`. Per op:
/// dense -> Gemm (transB = 1, W as [outputs, inputs]); conv -> Conv (kernel_shape, strides, pads [top, left, bottom,
/// right]); elementwiseAffine -> Mul then Add by constants of the sample's shape; relu, sigmoid, tanh -> Relu,
/// Sigmoid, Tanh; reshape -> Flatten (to a vector) or Reshape ([-1] + shape); pad -> Pad (pads as an input, value 0);
/// averagePool -> AveragePool (count_include_pad); maxPool -> MaxPool. Source: the ONNX operator docs, opset 13.
public enum ONNXWriter {
    public static let opset: Int64 = 13

    /// The serialized `ModelProto`.
    public static func serialize(_ chain: ONNXChain, producer: String = "ibpvis") throws -> Data {
        var builder = Builder()
        var current = "x"
        var shape = chain.inputShape
        for (index, step) in chain.steps.enumerated() {
            current = builder.add(step.op, input: current, shape: shape, prefix: "s\(index)")
            shape = step.outputShape
        }
        builder.node("Identity", [current], ["y"], name: "output")
        var model = Onnx_ModelProto()
        model.irVersion = 7
        model.producerName = producer
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = ONNXWriter.opset
        model.opsetImport = [opset]
        var graph = Onnx_GraphProto()
        graph.name = "chain"
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [valueInfo("x", chain.inputShape)]
        graph.output = [valueInfo("y", chain.outputShape)]
        model.graph = graph
        return try model.serializedBytes()
    }

    private static func valueInfo(_ name: String, _ sampleShape: [Int]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        var s = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        s.dim = [batch] + sampleShape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(d)
            return dim
        }
        t.shape = s
        v.type.tensorType = t
        return v
    }

    /// Nodes and initializers as they are added.
    private struct Builder {
        var nodes: [Onnx_NodeProto] = []
        var initializers: [Onnx_TensorProto] = []

        /// Adds the nodes of `op` reading `input` (a sample of `shape`); returns the name of its output.
        mutating func add(_ op: ChainOp, input: String, shape: [Int], prefix: String) -> String {
            let out = prefix + "_out"
            switch op {
            case .dense(let d):
                floats(prefix + "_W", [d.outputs, d.inputs], d.weight)
                floats(prefix + "_b", [d.outputs], d.bias)
                node("Gemm", [input, prefix + "_W", prefix + "_b"], [out], name: prefix, ["transB": .int(1)])
            case .conv(let c):
                floats(prefix + "_W", [c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth], c.weight)
                floats(prefix + "_b", [c.outChannels], c.bias)
                let p = c.padding
                node("Conv", [input, prefix + "_W", prefix + "_b"], [out], name: prefix,
                     ["kernel_shape": .ints([c.kernelHeight, c.kernelWidth]), "strides": .ints([c.strideH, c.strideW]),
                      "pads": .ints([p.top, p.left, p.bottom, p.right])])
            case let .elementwiseAffine(scale, shift):
                floats(prefix + "_scale", [1] + shape, scale)
                floats(prefix + "_shift", [1] + shape, shift)
                node("Mul", [input, prefix + "_scale"], [prefix + "_scaled"], name: prefix + "_mul")
                node("Add", [prefix + "_scaled", prefix + "_shift"], [out], name: prefix + "_add")
            case .relu: node("Relu", [input], [out], name: prefix)
            case .sigmoid: node("Sigmoid", [input], [out], name: prefix)
            case .tanh: node("Tanh", [input], [out], name: prefix)
            case .reshape(let to):
                if to.count == 1 {
                    node("Flatten", [input], [out], name: prefix, ["axis": .int(1)])
                } else {
                    int64s(prefix + "_shape", [-1] + to)
                    node("Reshape", [input, prefix + "_shape"], [out], name: prefix)
                }
            case .pad(let p):
                int64s(prefix + "_pads", [0, 0, p.top, p.left, 0, 0, p.bottom, p.right])
                node("Pad", [input, prefix + "_pads"], [out], name: prefix, ["mode": .string("constant")])
            case let .averagePool(w, countIncludePad):
                node("AveragePool", [input], [out], name: prefix,
                     window(w).merging(["count_include_pad": .int(countIncludePad ? 1 : 0)]) { a, _ in a })
            case .maxPool(let w):
                node("MaxPool", [input], [out], name: prefix, window(w))
            }
            return out
        }

        private func window(_ w: PoolWindow) -> [String: Attribute] {
            let p = w.padding
            return ["kernel_shape": .ints([w.kernelHeight, w.kernelWidth]), "strides": .ints([w.strideH, w.strideW]),
                    "pads": .ints([p.top, p.left, p.bottom, p.right])]
        }

        enum Attribute {
            case int(Int), ints([Int]), string(String)
        }

        mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String,
                           _ attributes: [String: Attribute] = [:]) {
            var n = Onnx_NodeProto()
            n.opType = op
            n.name = name
            n.input = inputs
            n.output = outputs
            for key in attributes.keys.sorted() {
                var a = Onnx_AttributeProto()
                a.name = key
                switch attributes[key]! {
                case .int(let v): a.type = 2; a.i = Int64(v)
                case .ints(let v): a.type = 7; a.ints = v.map(Int64.init)
                case .string(let v): a.type = 3; a.s = Data(v.utf8)
                }
                n.attribute.append(a)
            }
            nodes.append(n)
        }

        /// A float32 initializer, raw little-endian data (the values' exact bits).
        mutating func floats(_ name: String, _ dims: [Int], _ values: [Float]) {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = dims.map(Int64.init)
            t.dataType = 1
            var data = Data(capacity: 4 * values.count)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            t.rawData = data
            initializers.append(t)
        }

        mutating func int64s(_ name: String, _ values: [Int]) {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = [Int64(values.count)]
            t.dataType = 7
            var data = Data(capacity: 8 * values.count)
            for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) } }
            t.rawData = data
            initializers.append(t)
        }
    }
}
