import CKernels
import Foundation

/// y = W * x + b for an unpadded convolution without a patch matrix (implicit GEMM): the AVX2 kernel packs its
/// B panels straight from the images and writes y in the (n, o, p) layout, bias included (`conv_avx2.c`).
/// Bit for bit `im2col`, `gemm` on the AVX2 kernel and `channelsToBatch`, so the fused IBP path and every bound
/// method (which share `Conv2D.convolve`) keep their bits; on Zen 3 it removed im2col's pass over the patch
/// matrix (15% of IBP verification) and the layout pass (NOTES-perf17.md). The weight gradient likewise packs
/// its patch rows from the images (bit for bit `im2row` and `gemm`), without im2row's pass.
enum ImplicitConvolution {
    /// Whether `accumulateWeightGradient` runs for `g` with the GEMM kernel in use: the AVX2 kernel, and no patch
    /// reads padding (padded convolutions keep im2col, which copies the image into a bordered one first).
    static func runs(_ g: ConvGeometry) -> Bool {
        GEMMKernel.current == .avx2 && g.isUnpadded && !disabled.contains("dw")
    }

    /// Whether `convolve` runs for `g`: as `runs`, and horizontal stride 1, whose panels are a few contiguous runs
    /// of each image row (with stride 2 the gathered panels cost more than im2col's vector copies).
    static func forwardRuns(_ g: ConvGeometry) -> Bool {
        GEMMKernel.current == .avx2 && g.isUnpadded && g.strideW == 1 && !disabled.contains("fwd")
    }

    static let disabled = ProcessInfo.processInfo.environment["IBP_IMPLICIT_OFF"] ?? ""

    /// out (batch, O, outH, outW) = W (O, C, kH, kW) * x (batch, C, H, W) + bias (O values, or + 0 when nil).
    /// Serial: callers run one slice of the batch per worker. Only when `forwardRuns(g)`.
    static func convolve(_ x: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry, weights: UnsafePointer<Float>,
                         outChannels: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        precondition(forwardRuns(g), "the implicit convolution needs the AVX2 kernel, no padding and stride 1 across")
        ckernels_conv_avx2(outChannels, weights, bias, x, batch, g.channels, g.height, g.width, g.kernelHeight,
                           g.kernelWidth, g.strideH, g.outHeight, g.outWidth, out)
    }

    /// dW (O x K) += dY rows for dY (O, batch P) row-major and rows = im2row(x) (batch P x K): the weight gradient
    /// of one slice. Serial. Only when `runs(g)`.
    static func accumulateWeightGradient(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int,
                                         _ g: ConvGeometry, outChannels: Int, into dw: UnsafeMutablePointer<Float>) {
        precondition(runs(g), "the implicit convolution needs the AVX2 kernel and an unpadded geometry")
        ckernels_conv_weight_gradient_avx2(outChannels, dy, x, batch, g.channels, g.height, g.width, g.kernelHeight,
                                           g.kernelWidth, g.strideH, g.strideW, g.outHeight, g.outWidth, dw)
    }
}
