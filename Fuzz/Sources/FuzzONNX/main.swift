import Foundation
import FuzzSupport
import IBPFormats

// ONNXModel.parse (protobuf, tensors, attributes, graph checks) on every input; graphs that parse are lowered to
// a chain (operator rules, constant folding, topology, shapes, folding), and small chains are evaluated by the
// Double reference. Any error thrown is fine, a crash, hang or unbounded allocation is not.

/// Multiply-adds of one forward pass, to keep the evaluation of a fuzzed chain cheap.
func cost(_ chain: ONNXChain) -> Int {
    var total = 0
    for step in chain.steps {
        let out = step.outputShape.reduce(1, *)
        let perOutput: Int
        switch step.op {
        case .dense(let d): perOutput = d.inputs
        case .conv(let c): perOutput = c.inChannels * c.kernelHeight * c.kernelWidth
        case .averagePool(let w, _), .maxPool(let w): perOutput = w.kernelHeight * w.kernelWidth
        default: perOutput = 1
        }
        total += out * perOutput
    }
    return total
}

runLibFuzzer { start, count in
    let data = Data(bytes: start!, count: count)
    guard let graph = try? ONNXModel.parse(data, path: "fuzz.onnx"),
          let chain = try? ONNXChain.lower(graph, path: "fuzz.onnx") else { return 0 }
    if cost(chain) <= 1 << 22 {
        let input = [Double](repeating: 0.5, count: chain.inputShape.reduce(1, *))
        let output = try! ChainReference.evaluate(chain, input: input)
        precondition(output.count == chain.outputShape.reduce(1, *), "the evaluator disagrees with the lowering's shapes")
    }
    return 0
}
