/// Geometry of a 2-D convolution (cross-correlation) over one channel-major image [C, H, W]:
/// out[o, i, j] reads x[c, i sH + ky - padTop, j sW + kx - padLeft] for ky < kH, kx < kW, zero outside the image.
/// The output size is floor((H + padTop + padBottom - kH) / sH) + 1 (ONNX Conv and PyTorch's Conv2d with explicit
/// pads), likewise for W; TensorFlow's VALID and SAME rules are two ways to choose the pads (`init(...same:)`).
public struct ConvGeometry: Equatable, Sendable {
    public let channels, height, width: Int
    /// Kernel height kH and width kW, in pixels.
    public let kernelHeight, kernelWidth: Int
    /// Vertical stride sH and horizontal stride sW, in pixels.
    public let strideH, strideW: Int
    public let outHeight, outWidth, padTop, padLeft: Int

    /// A square kernel with one stride, TensorFlow's VALID (no padding) or SAME (out = ceil(in / s), the extra
    /// pixel of padding at the bottom/right) rule: the project's own architectures.
    public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, same: Bool) {
        if same {
            let outHeight = (height + stride - 1) / stride, outWidth = (width + stride - 1) / stride
            let padTop = max((outHeight - 1) * stride + kernel - height, 0) / 2
            let padLeft = max((outWidth - 1) * stride + kernel - width, 0) / 2
            self.init(channels: channels, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                      strideH: stride, strideW: stride, padTop: padTop, padLeft: padLeft, outHeight: outHeight,
                      outWidth: outWidth)
        } else {
            self.init(channels: channels, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                      strideH: stride, strideW: stride, padTop: 0, padLeft: 0, outHeight: (height - kernel) / stride + 1,
                      outWidth: (width - kernel) / stride + 1)
        }
    }

    /// A kH x kW kernel with strides (sH, sW) and explicit zero padding (top, left, bottom, right), floor rounding
    /// of the output size (ONNX Conv's `pads`; a bottom/right pad that no window reaches is simply unused).
    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, strideH: Int, strideW: Int,
                padTop: Int, padLeft: Int, padBottom: Int, padRight: Int) {
        self.init(channels: channels, height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                  strideH: strideH, strideW: strideW, padTop: padTop, padLeft: padLeft,
                  outHeight: (height + padTop + padBottom - kernelHeight) / strideH + 1,
                  outWidth: (width + padLeft + padRight - kernelWidth) / strideW + 1)
    }

    private init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, strideH: Int,
                 strideW: Int, padTop: Int, padLeft: Int, outHeight: Int, outWidth: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideH = strideH; self.strideW = strideW
        self.padTop = padTop; self.padLeft = padLeft
        self.outHeight = outHeight; self.outWidth = outWidth
    }

    /// Rows of the patch matrix: one per (channel, ky, kx), matching a (out, in, kh, kw) kernel.
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    public var kernelPixels: Int { kernelHeight * kernelWidth }
    public var outPixels: Int { outHeight * outWidth }
    public var inPixels: Int { height * width }
    /// Rows and columns of padding the last window reaches past the bottom and right edges (0 when it stays inside).
    public var padBottom: Int { max(0, (outHeight - 1) * strideH + kernelHeight - height - padTop) }
    public var padRight: Int { max(0, (outWidth - 1) * strideW + kernelWidth - width - padLeft) }

    /// The window in words for messages: "kernel 2x3, strides (1, 2), pads (0, 1, 0, 1)" (pads top, left, bottom,
    /// right; bottom and right as far as the last window reaches).
    public var summary: String {
        "kernel \(kernelHeight)x\(kernelWidth), strides (\(strideH), \(strideW)), pads (\(padTop), \(padLeft), "
            + "\(padBottom), \(padRight))"
    }
}

extension ConvGeometry {
    /// Whether every patch lies inside the image (VALID, or SAME that happens to need no padding). SAME may pad
    /// only the bottom/right (padTop = padLeft = 0), so the far edges are checked too.
    var isUnpadded: Bool {
        padTop == 0 && padLeft == 0 && (outHeight - 1) * strideH + kernelHeight <= height
            && (outWidth - 1) * strideW + kernelWidth <= width
    }
}
