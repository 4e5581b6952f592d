/// y = x with zeros around each [H, W] plane: [C, H, W] -> [C, top + H + bottom, left + W + right] (ONNX Pad, mode
/// constant, value 0). An affine map whose W selects inputs (0/1 entries, |W| = W) and has no bias: IBP pads the
/// centre and the radius with zeros.
public final class ZeroPad: Layer {
    public let inputShape: [Int]
    public let top, left, bottom, right: Int
    public var outputShape: [Int] { [inputShape[0], top + inputShape[1] + bottom, left + inputShape[2] + right] }
    public var primitive: Primitive { .affine(self) }

    public init(inputShape: [Int], top: Int, left: Int, bottom: Int, right: Int) {
        precondition(inputShape.count == 3 && [top, left, bottom, right].allSatisfy { $0 >= 0 },
                     "padding (\(top), \(left), \(bottom), \(right)) of \(inputShape)")
        self.inputShape = inputShape
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        intervalImage(of: input)
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        guard inputGradient else { return Flow(values: Tensor(zeros: [0] + inputShape)) }
        return Flow(values: applyTransposed(grad.values), radius: grad.radius.map(applyTransposed))
    }

    /// Calls `body(input offset, output offset, width)` for every input row of `batch` samples.
    private func forEachRow(batch: Int, _ body: (Int, Int, Int) -> Void) {
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = (outputShape[1], outputShape[2])
        for plane in 0..<(batch * c) {
            for i in 0..<h { body((plane * h + i) * w, (plane * oh + i + top) * ow + left, w) }
        }
    }
}

extension ZeroPad: AffineMap {
    public var fanIn: Int { 1 }
    public var biasVector: [Float] { [Float](repeating: 0, count: outputSize) }

    public func apply(_ x: Tensor) -> Tensor {
        precondition(x.sampleShape == inputShape || x.sampleSize == inputSize, "padding of \(inputShape) meets \(x.sampleShape)")
        var y = Tensor(zeros: [x.batch] + outputShape)
        forEachRow(batch: x.batch) { from, to, width in
            for k in 0..<width { y.data[to + k] = x.data[from + k] }
        }
        return y
    }

    /// W >= 0, so |W| r = W r.
    public func applyAbsolute(_ r: Tensor) -> Tensor { apply(r) }

    /// A W: the rows cropped to the input positions.
    public func applyTransposed(_ a: Tensor) -> Tensor {
        precondition(a.sampleSize == outputSize, "rows of \(a.sampleShape) do not match \(outputShape)")
        var x = Tensor(zeros: [a.batch] + inputShape)
        forEachRow(batch: a.batch) { from, to, width in
            for k in 0..<width { x.data[from + k] = a.data[to + k] }
        }
        return x
    }

    /// Row q of W: one at the input position output q copies, none for a padding position.
    public func weightRows(_ outputs: Range<Int>) -> Tensor {
        let (h, w) = (inputShape[1], inputShape[2]), (oh, ow) = (outputShape[1], outputShape[2])
        var rows = Tensor(zeros: [outputs.count] + inputShape)
        for (row, q) in outputs.enumerated() {
            let c = q / (oh * ow), i = (q / ow) % oh - top, j = q % ow - left
            if i >= 0 && i < h && j >= 0 && j < w { rows.data[row * inputSize + (c * h + i) * w + j] = 1 }
        }
        return rows
    }
}
