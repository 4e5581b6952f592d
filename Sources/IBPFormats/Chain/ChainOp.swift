/// One step y = f(x) of a network that is a chain x -> f1 -> f2 -> ... -> y, as plain data over one sample (no
/// batch axis): what an imported ONNX graph lowers to (`ONNXChain`). Shapes are row-major: [C, H, W] for images,
/// [n] for vectors.
public enum ChainOp: Equatable, Sendable {
    /// y = W x + b over the flattened sample (input shape [in], output [out]): Gemm, MatMul (+ Add).
    case dense(DenseOp)
    /// y = conv2d(x, W) + b, cross-correlation as ONNX Conv, zero padding, dilation 1, one group: [C, H, W] -> [O, H', W'].
    case conv(ConvOp)
    /// y = scale * x + shift, elementwise over the whole sample (both arrays have the sample's element count):
    /// Sub/Div/Mul/Add by constants (input normalisation) and BatchNormalization with no affine map to fold into.
    case elementwiseAffine(scale: [Float], shift: [Float])
    /// y = max(x, 0).
    case relu
    /// y = 1 / (1 + exp(-x)).
    case sigmoid
    /// y = tanh(x).
    case tanh
    /// y = x with a new sample shape of the same element count (Flatten, Reshape); row-major order is kept.
    case reshape([Int])
    /// y = x with zeros around each [H, W] plane: [C, H, W] -> [C, top + H + bottom, left + W + right] (Pad,
    /// mode constant, value 0).
    case pad(Padding2D)
    /// Each output is the mean of its window (floor rounding of the output size). Windows that reach into `pads`
    /// divide by the whole window size when `countIncludePad` (the zeros count), else by the number of input
    /// positions they cover (ONNX AveragePool's `count_include_pad`, default 0).
    case averagePool(PoolWindow, countIncludePad: Bool)
    /// Each output is the largest input in its window (floor rounding); padded positions are ignored (-infinity).
    case maxPool(PoolWindow)

    /// The operator's short name, for messages and listings ("dense", "conv", ...).
    public var name: String {
        switch self {
        case .dense: return "dense"
        case .conv: return "conv"
        case .elementwiseAffine: return "elementwiseAffine"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .reshape: return "reshape"
        case .pad: return "pad"
        case .averagePool: return "averagePool"
        case .maxPool: return "maxPool"
        }
    }
}

/// y = W x + b with W of shape [outputs, inputs], row-major, and b of shape [outputs].
public struct DenseOp: Equatable, Sendable {
    /// Number of inputs (columns of W).
    public var inputs: Int
    /// Number of outputs (rows of W).
    public var outputs: Int
    /// W, `outputs * inputs` values, row o holding the weights of output o.
    public var weight: [Float]
    /// b, `outputs` values.
    public var bias: [Float]

    public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
        precondition(inputs > 0 && outputs > 0 && weight.count == inputs * outputs && bias.count == outputs,
                     "dense \(outputs)x\(inputs) with \(weight.count) weights and \(bias.count) biases")
        self.inputs = inputs
        self.outputs = outputs
        self.weight = weight
        self.bias = bias
    }
}

/// y[o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] * xpad[c, i * strideH + u, j * strideW + v], where xpad is x with
/// `padding` zeros around each plane (ONNX Conv with dilations 1 and group 1; PyTorch's Conv2d).
public struct ConvOp: Equatable, Sendable {
    /// Output channels O.
    public var outChannels: Int
    /// Input channels C.
    public var inChannels: Int
    /// Kernel height kh.
    public var kernelHeight: Int
    /// Kernel width kw.
    public var kernelWidth: Int
    /// W, shape (O, C, kh, kw) row-major.
    public var weight: [Float]
    /// b, O values.
    public var bias: [Float]
    /// Vertical stride sh >= 1.
    public var strideH: Int
    /// Horizontal stride sw >= 1.
    public var strideW: Int
    /// Zero padding of the input.
    public var padding: Padding2D

    public init(outChannels: Int, inChannels: Int, kernelHeight: Int, kernelWidth: Int, weight: [Float], bias: [Float],
                strideH: Int, strideW: Int, padding: Padding2D) {
        precondition(outChannels > 0 && inChannels > 0 && kernelHeight > 0 && kernelWidth > 0 && strideH > 0 && strideW > 0
                     && weight.count == outChannels * inChannels * kernelHeight * kernelWidth && bias.count == outChannels,
                     "conv \(outChannels)x\(inChannels)x\(kernelHeight)x\(kernelWidth) with \(weight.count) weights")
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.weight = weight
        self.bias = bias
        self.strideH = strideH
        self.strideW = strideW
        self.padding = padding
    }
}

/// Zero padding around an [H, W] plane, in pixels: ONNX `pads` order [top, left, bottom, right] (x1_begin,
/// x2_begin, x1_end, x2_end).
public struct Padding2D: Equatable, Sendable, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// No padding.
    public static let zero = Padding2D()

    /// True when all four are zero.
    public var isZero: Bool { self == .zero }

    public var description: String { "[\(top), \(left), \(bottom), \(right)]" }
}

/// A pooling window: kernel kh x kw, strides, implicit padding. The output size is
/// floor((H + top + bottom - kh) / sh) + 1 (ONNX `ceil_mode` 0), likewise for W.
public struct PoolWindow: Equatable, Sendable {
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideH: Int
    public var strideW: Int
    public var padding: Padding2D

    public init(kernelHeight: Int, kernelWidth: Int, strideH: Int, strideW: Int, padding: Padding2D = .zero) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideH = strideH
        self.strideW = strideW
        self.padding = padding
    }
}
