/// Lowering of the 2-D image operators on [batch, C, H, W]: Conv (explicit or automatic padding, strides,
/// rectangular kernels; dilations 1, group 1), Pad (constant zeros on H and W), AveragePool, MaxPool and
/// GlobalAveragePool (floor rounding, ceil_mode 0). Source: ONNX operator docs (Conv, Pad, AveragePool, MaxPool).
enum ONNXConvolutionRules {
    static func conv(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input X") }
        guard c.sampleShape.count == 3 else { throw c.shapeError("X must be [batch, C, H, W], here [batch] + \(c.sampleShape)") }
        guard try c.int("group", default: 1) == 1 else { throw c.unsupported("group = \(try c.int("group", default: 1)); only 1 is supported") }
        if let d = try c.ints("dilations"), d.contains(where: { $0 != 1 }) {
            throw c.unsupported("dilations \(d); only 1 is supported")
        }
        let w = try c.requiredConstant(1, "W")
        let weight = try c.floats(w, "W")
        guard w.dims.count == 4, w.dims.allSatisfy({ $0 > 0 }) else { throw c.shapeError("W \(quoted(w.name)) has shape \(w.dims), expected (O, C, kh, kw)") }
        let (o, ci, kh, kw) = (w.dims[0], w.dims[1], w.dims[2], w.dims[3])
        guard ci == c.sampleShape[0] else {
            throw c.shapeError("W \(quoted(w.name)) of shape \(w.dims) expects \(ci) input channels, X has \(c.sampleShape[0])")
        }
        if let k = try c.ints("kernel_shape"), k != [kh, kw] {
            throw c.shapeError("kernel_shape \(k) differs from W's [\(kh), \(kw)]")
        }
        var bias = [Float](repeating: 0, count: o)
        if let b = try c.constant(2, "B") {
            guard b.dims == [o] else { throw c.shapeError("B \(quoted(b.name)) has shape \(b.dims), expected [\(o)]") }
            bias = try c.floats(b, "B")
        }
        let strides = try windowStrides(c)
        let padding = try windowPadding(c, kernel: (kh, kw), strides: strides)
        return [.conv(ConvOp(outChannels: o, inChannels: ci, kernelHeight: kh, kernelWidth: kw, weight: weight, bias: bias,
                             strideH: strides.h, strideW: strides.w, padding: padding))]
    }

    /// Pad, mode "constant" with value 0, on the H and W axes of [batch, C, H, W]. Opset 2-10 give `pads` and
    /// `value` as attributes, opset 11 on as inputs (pads, constant_value, and from 18 axes). All-zero pads lower
    /// to nothing.
    static func pad(_ c: ONNXNodeContext) throws -> [ChainOp] {
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input data") }
        let mode = try c.string("mode", default: "constant")
        guard mode == "constant" else { throw c.unsupported("mode \(quoted(mode)); only constant (zero) padding is supported") }
        let rank = c.fullShape.count
        var pads: [Int]
        var value: Float = 0
        if c.opset < 11 {
            try c.allowAttributes(["mode", "pads", "value"])
            guard let p = try c.ints("pads") else { throw c.malformed("attribute 'pads' is missing") }
            pads = p
            value = try c.float("value", default: 0)
        } else {
            try c.allowAttributes(["mode"])
            pads = try c.int64s(try c.requiredConstant(1, "pads"), "pads")
            if let v = try c.constant(2, "constant_value") {
                guard v.count == 1 else { throw c.shapeError("constant_value \(quoted(v.name)) must be one value, has shape \(v.dims)") }
                value = try c.floats(v, "constant_value")[0]
            }
            if let a = try c.constant(3, "axes") {
                // Pads given for some axes only: spread them over all axes.
                let axes = try c.int64s(a, "axes").map { $0 < 0 ? $0 + rank : $0 }
                guard axes.allSatisfy({ (0..<rank).contains($0) }), Set(axes).count == axes.count, pads.count == 2 * axes.count else {
                    throw c.malformed("axes \(axes) do not fit pads \(pads) for rank \(rank)")
                }
                var full = [Int](repeating: 0, count: 2 * rank)
                for (k, axis) in axes.enumerated() {
                    full[axis] = pads[k]
                    full[rank + axis] = pads[axes.count + k]
                }
                pads = full
            }
        }
        guard pads.count == 2 * rank else { throw c.shapeError("pads \(pads) has \(pads.count) entries, expected \(2 * rank) for rank \(rank)") }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw c.unsupported("negative pads \(pads) (cropping)") }
        if pads.allSatisfy({ $0 == 0 }) { return [] }
        guard value == 0 else { throw c.unsupported("padding value \(value); only 0 is supported") }
        guard rank == 4, pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0 else {
            throw c.unsupported("pads \(pads) on shape [batch] + \(c.sampleShape); only the H and W axes of [batch, C, H, W] can be padded")
        }
        return [.pad(Padding2D(top: pads[2], left: pads[3], bottom: pads[6], right: pads[7]))]
    }

    static func averagePool(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
        let window = try poolWindow(c)
        let include = try c.int("count_include_pad", default: 0)
        guard include == 0 || include == 1 else { throw c.malformed("count_include_pad = \(include), expected 0 or 1") }
        return [.averagePool(window, countIncludePad: include == 1)]
    }

    static func maxPool(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"])
        return [.maxPool(try poolWindow(c))]
    }

    /// GlobalAveragePool: the mean of each channel's plane, [C, H, W] -> [C, 1, 1].
    static func globalAveragePool(_ c: ONNXNodeContext) throws -> [ChainOp] {
        try c.allowAttributes([])
        guard c.dataIndex == 0, c.sampleShape.count == 3 else { throw c.shapeError("X must be [batch, C, H, W], here [batch] + \(c.sampleShape)") }
        return [.averagePool(PoolWindow(kernelHeight: c.sampleShape[1], kernelWidth: c.sampleShape[2], strideH: 1, strideW: 1),
                             countIncludePad: false)]
    }

    /// kernel_shape, strides and padding of AveragePool and MaxPool on [batch, C, H, W].
    private static func poolWindow(_ c: ONNXNodeContext) throws -> PoolWindow {
        guard c.dataIndex == 0 else { throw c.unsupported("the network's value must be input X") }
        guard c.sampleShape.count == 3 else { throw c.shapeError("X must be [batch, C, H, W], here [batch] + \(c.sampleShape)") }
        guard try c.int("ceil_mode", default: 0) == 0 else { throw c.unsupported("ceil_mode = 1; only floor rounding is supported") }
        if let d = try c.ints("dilations"), d.contains(where: { $0 != 1 }) {
            throw c.unsupported("dilations \(d); only 1 is supported")
        }
        guard let k = try c.ints("kernel_shape") else { throw c.malformed("attribute 'kernel_shape' is missing") }
        guard k.count == 2, k.allSatisfy({ $0 > 0 }) else { throw c.shapeError("kernel_shape \(k), expected two positive sizes") }
        let strides = try windowStrides(c)
        let padding = try windowPadding(c, kernel: (k[0], k[1]), strides: strides)
        return PoolWindow(kernelHeight: k[0], kernelWidth: k[1], strideH: strides.h, strideW: strides.w, padding: padding)
    }

    private static func windowStrides(_ c: ONNXNodeContext) throws -> (h: Int, w: Int) {
        guard let s = try c.ints("strides") else { return (1, 1) }
        guard s.count == 2, s.allSatisfy({ $0 > 0 }) else { throw c.malformed("strides \(s), expected two positive numbers") }
        return (s[0], s[1])
    }

    /// Explicit `pads` [top, left, bottom, right], or the padding `auto_pad` asks for: VALID none, SAME_UPPER and
    /// SAME_LOWER ceil(size / stride) outputs with the odd pixel at the end (UPPER) or the start (LOWER).
    private static func windowPadding(_ c: ONNXNodeContext, kernel: (Int, Int), strides: (h: Int, w: Int)) throws -> Padding2D {
        let autoPad = try c.string("auto_pad", default: "NOTSET")
        let pads = try c.ints("pads")
        switch autoPad {
        case "NOTSET":
            guard let p = pads else { return .zero }
            guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw c.malformed("pads \(p), expected four non-negative numbers") }
            return Padding2D(top: p[0], left: p[1], bottom: p[2], right: p[3])
        case "VALID":
            guard pads == nil else { throw c.malformed("auto_pad VALID with explicit pads") }
            return .zero
        case "SAME_UPPER", "SAME_LOWER":
            guard pads == nil else { throw c.malformed("auto_pad \(autoPad) with explicit pads") }
            func split(_ size: Int, _ k: Int, _ s: Int) -> (Int, Int) {
                let out = (size + s - 1) / s
                let total = max(0, (out - 1) * s + k - size)
                return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
            }
            let (top, bottom) = split(c.sampleShape[1], kernel.0, strides.h)
            let (left, right) = split(c.sampleShape[2], kernel.1, strides.w)
            return Padding2D(top: top, left: left, bottom: bottom, right: right)
        default:
            throw c.malformed("auto_pad \(quoted(autoPad)), expected NOTSET, VALID, SAME_UPPER or SAME_LOWER")
        }
    }
}
