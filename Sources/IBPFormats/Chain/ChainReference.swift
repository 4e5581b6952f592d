import Foundation

/// y = f_n(...f_1(x)) for one sample, in Double: a plain, slow, loop-per-definition forward pass over an
/// `ONNXChain`'s steps, written from each `ChainOp`'s definition and independent of the library's layers. It is
/// the reference that the onnxruntime comparison (`scripts/check-onnx-reference.py`) and the later layer mapping
/// are checked against.
public enum ChainReference {
    /// The output of `chain` for one input sample `x` (row-major, `chain.inputShape`).
    /// - Throws: `ChainShapeError` when `x` has the wrong element count or a step does not fit its input.
    public static func evaluate(_ chain: ONNXChain, input x: [Double]) throws -> [Double] {
        try stages(chain, input: x).last ?? x
    }

    /// The value after every step (the input not included), for one input sample.
    public static func stages(_ chain: ONNXChain, input x: [Double]) throws -> [[Double]] {
        guard x.count == chain.inputShape.reduce(1, *) else {
            throw ChainShapeError(description: "input of \(x.count) values for shape \(chain.inputShape)")
        }
        var value = x, shape = chain.inputShape
        var out: [[Double]] = []
        for (index, step) in chain.steps.enumerated() {
            let next: [Int]
            do {
                next = try step.op.outputShape(for: shape)
            } catch let e as ChainShapeError {
                throw ChainShapeError(description: "\(LayerName.of(index, step.op.name)): \(e.description)")
            }
            value = apply(step.op, to: value, shape: shape, outputShape: next)
            shape = next
            out.append(value)
        }
        return out
    }

    /// One op applied to `x` of shape `shape` (which `op.outputShape(for:)` has accepted, giving `outputShape`).
    static func apply(_ op: ChainOp, to x: [Double], shape: [Int], outputShape: [Int]) -> [Double] {
        switch op {
        case .dense(let d):
            return (0..<d.outputs).map { o in
                var sum = Double(d.bias[o])
                for i in 0..<d.inputs { sum += Double(d.weight[o * d.inputs + i]) * x[i] }
                return sum
            }
        case .conv(let c):
            let (h, w) = (shape[1], shape[2]), (oh, ow) = (outputShape[1], outputShape[2])
            var y = [Double](repeating: 0, count: c.outChannels * oh * ow)
            for o in 0..<c.outChannels {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = Double(c.bias[o])
                        for ci in 0..<c.inChannels {
                            for u in 0..<c.kernelHeight {
                                let r = i * c.strideH + u - c.padding.top
                                guard r >= 0, r < h else { continue }
                                for v in 0..<c.kernelWidth {
                                    let q = j * c.strideW + v - c.padding.left
                                    guard q >= 0, q < w else { continue }
                                    sum += Double(c.weight[((o * c.inChannels + ci) * c.kernelHeight + u) * c.kernelWidth + v])
                                        * x[(ci * h + r) * w + q]
                                }
                            }
                        }
                        y[(o * oh + i) * ow + j] = sum
                    }
                }
            }
            return y
        case let .elementwiseAffine(s, t):
            return (0..<x.count).map { Double(s[$0]) * x[$0] + Double(t[$0]) }
        case .relu:
            return x.map { max($0, 0) }
        case .sigmoid:
            return x.map { 1 / (1 + exp(-$0)) }
        case .tanh:
            return x.map { Foundation.tanh($0) }
        case .reshape:
            return x
        case .pad(let p):
            let (c, h, w) = (shape[0], shape[1], shape[2]), (oh, ow) = (outputShape[1], outputShape[2])
            var y = [Double](repeating: 0, count: c * oh * ow)
            for k in 0..<c {
                for i in 0..<h {
                    for j in 0..<w { y[(k * oh + i + p.top) * ow + j + p.left] = x[(k * h + i) * w + j] }
                }
            }
            return y
        case let .averagePool(window, countIncludePad):
            return pool(x, shape: shape, outputShape: outputShape, window: window) { values, windowSize in
                values.reduce(0, +) / Double(countIncludePad ? windowSize : values.count)
            }
        case .maxPool(let window):
            return pool(x, shape: shape, outputShape: outputShape, window: window) { values, _ in values.max()! }
        }
    }

    /// Applies `reduce` to the input values inside each window (padding positions left out) and the full window size.
    private static func pool(_ x: [Double], shape: [Int], outputShape: [Int], window: PoolWindow,
                             reduce: ([Double], Int) -> Double) -> [Double] {
        let (c, h, w) = (shape[0], shape[1], shape[2]), (oh, ow) = (outputShape[1], outputShape[2])
        var y = [Double](repeating: 0, count: c * oh * ow)
        var values: [Double] = []
        for k in 0..<c {
            for i in 0..<oh {
                for j in 0..<ow {
                    values.removeAll(keepingCapacity: true)
                    for u in 0..<window.kernelHeight {
                        let r = i * window.strideH + u - window.padding.top
                        guard r >= 0, r < h else { continue }
                        for v in 0..<window.kernelWidth {
                            let q = j * window.strideW + v - window.padding.left
                            guard q >= 0, q < w else { continue }
                            values.append(x[(k * h + r) * w + q])
                        }
                    }
                    y[(k * oh + i) * ow + j] = reduce(values, window.kernelHeight * window.kernelWidth)
                }
            }
        }
        return y
    }
}
