/// Why a `ChainOp` cannot take a sample of a given shape (the lowering adds the node's name; the evaluator the
/// step's index).
public struct ChainShapeError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

extension ChainOp {
    /// The shape of y = f(x) for a sample x of shape `input`, checking that f fits it: element counts for
    /// dense, elementwise and reshape, [C, H, W] with matching C for conv, pad and pooling, windows inside the
    /// padded plane, padding of pooling smaller than the kernel (so every window covers an input position).
    /// - Throws: `ChainShapeError` saying what does not fit.
    public func outputShape(for input: [Int]) throws -> [Int] {
        func fail(_ why: String) -> ChainShapeError { ChainShapeError(description: why) }
        let count = input.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        switch self {
        case .dense(let d):
            guard count == d.inputs else { throw fail("dense \(d.outputs)x\(d.inputs) cannot take a sample of shape \(input)") }
            guard input.count == 1 else { throw fail("dense takes a vector, not shape \(input) (flatten first)") }
            return [d.outputs]
        case .conv(let c):
            let (h, w) = try plane(input, channels: c.inChannels, what: "conv with \(c.inChannels) input channels")
            let oh = try windows(h, kernel: c.kernelHeight, stride: c.strideH, before: c.padding.top, after: c.padding.bottom, "conv")
            let ow = try windows(w, kernel: c.kernelWidth, stride: c.strideW, before: c.padding.left, after: c.padding.right, "conv")
            return [c.outChannels, oh, ow]
        case let .elementwiseAffine(scale, shift):
            guard scale.count == count, shift.count == count else {
                throw fail("elementwise affine map of \(scale.count) scales and \(shift.count) shifts cannot take shape \(input)")
            }
            return input
        case .relu, .sigmoid, .tanh:
            return input
        case .reshape(let shape):
            guard shape.allSatisfy({ $0 > 0 }),
                  shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) == count else {
                throw fail("cannot reshape \(input) to \(shape)")
            }
            return shape
        case .pad(let p):
            let (h, w) = try plane(input, channels: nil, what: "pad")
            guard p.top >= 0, p.left >= 0, p.bottom >= 0, p.right >= 0 else { throw fail("negative padding \(p)") }
            // A 1x1 window with stride 1 counts the padded positions.
            let oh = try windows(h, kernel: 1, stride: 1, before: p.top, after: p.bottom, "pad")
            let ow = try windows(w, kernel: 1, stride: 1, before: p.left, after: p.right, "pad")
            return [input[0], oh, ow]
        case .averagePool(let window, _), .maxPool(let window):
            let kind = self.name
            let (h, w) = try plane(input, channels: nil, what: kind)
            let p = window.padding
            guard p.top < window.kernelHeight, p.bottom < window.kernelHeight,
                  p.left < window.kernelWidth, p.right < window.kernelWidth else {
                throw fail("\(kind) padding \(p) must be smaller than its kernel \(window.kernelHeight)x\(window.kernelWidth)")
            }
            let oh = try windows(h, kernel: window.kernelHeight, stride: window.strideH, before: p.top, after: p.bottom, kind)
            let ow = try windows(w, kernel: window.kernelWidth, stride: window.strideW, before: p.left, after: p.right, kind)
            return [input[0], oh, ow]
        }
    }

    /// (H, W) of a [C, H, W] sample, checking C when `channels` is given.
    private func plane(_ input: [Int], channels: Int?, what: String) throws -> (Int, Int) {
        guard input.count == 3 else { throw ChainShapeError(description: "\(what) takes a [C, H, W] sample, not shape \(input)") }
        if let channels, input[0] != channels {
            throw ChainShapeError(description: "\(what) cannot take \(input[0]) channels (shape \(input))")
        }
        return (input[1], input[2])
    }

    /// floor((size + before + after - kernel) / stride) + 1, the number of window positions along one axis.
    private func windows(_ size: Int, kernel: Int, stride: Int, before: Int, after: Int, _ what: String) throws -> Int {
        guard kernel > 0, stride > 0, before >= 0, after >= 0 else {
            throw ChainShapeError(description: "\(what) needs a positive kernel and stride and non-negative padding")
        }
        let (padded, o1) = size.addingReportingOverflow(before)
        let (total, o2) = padded.addingReportingOverflow(after)
        guard !o1, !o2 else { throw ChainShapeError(description: "\(what) padding is too large") }
        guard total >= kernel else {
            throw ChainShapeError(description: "\(what) kernel \(kernel) is larger than the padded input (\(total))")
        }
        return (total - kernel) / stride + 1
    }
}
