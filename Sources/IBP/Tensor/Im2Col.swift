/// Geometry of a 2-D convolution over one channel-major image (TensorFlow's VALID / SAME rules).
public struct ConvGeometry: Equatable {
    public let channels, height, width, kernel, stride: Int
    public let outHeight, outWidth, padTop, padLeft: Int

    public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, same: Bool) {
        self.channels = channels; self.height = height; self.width = width
        self.kernel = kernel; self.stride = stride
        if same {
            // SAME: out = ceil(in / s), padding split with the extra pixel at the bottom/right.
            outHeight = (height + stride - 1) / stride
            outWidth = (width + stride - 1) / stride
            padTop = max((outHeight - 1) * stride + kernel - height, 0) / 2
            padLeft = max((outWidth - 1) * stride + kernel - width, 0) / 2
        } else {
            outHeight = (height - kernel) / stride + 1
            outWidth = (width - kernel) / stride + 1
            padTop = 0; padLeft = 0
        }
    }

    /// Rows of the patch matrix: one per (channel, ky, kx), matching a (out, in, kh, kw) kernel.
    public var patchSize: Int { channels * kernel * kernel }
    public var outPixels: Int { outHeight * outWidth }
    public var inPixels: Int { height * width }
}

/// Lowers a batch of images to the patch matrix cols[k][n * P + p] (K x N*P), so a whole layer is one GEMM.
func im2col(_ x: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry, into cols: UnsafeMutablePointer<Float>) {
    let P = g.outPixels, NP = batch * P, K = g.patchSize
    Parallel.chunks(batch) { range in
        for n in range {
            let img = x + n * g.channels * g.inPixels
            for k in 0..<K {
                let c = k / (g.kernel * g.kernel), ky = (k / g.kernel) % g.kernel, kx = k % g.kernel
                let plane = img + c * g.inPixels
                let row = cols + k * NP + n * P
                for oy in 0..<g.outHeight {
                    let iy = oy * g.stride + ky - g.padTop
                    let out = row + oy * g.outWidth
                    if iy < 0 || iy >= g.height {
                        for ox in 0..<g.outWidth { out[ox] = 0 }
                        continue
                    }
                    let line = plane + iy * g.width
                    for ox in 0..<g.outWidth {
                        let ix = ox * g.stride + kx - g.padLeft
                        out[ox] = (ix >= 0 && ix < g.width) ? line[ix] : 0
                    }
                }
            }
        }
    }
}

/// The adjoint of `im2col`: sums patch-matrix gradients back into image gradients (overwrites `dx`).
func col2im(_ cols: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry, into dx: UnsafeMutablePointer<Float>) {
    let P = g.outPixels, NP = batch * P, K = g.patchSize
    Parallel.chunks(batch) { range in
        for n in range {
            let img = dx + n * g.channels * g.inPixels
            img.update(repeating: 0, count: g.channels * g.inPixels)
            for k in 0..<K {
                let c = k / (g.kernel * g.kernel), ky = (k / g.kernel) % g.kernel, kx = k % g.kernel
                let plane = img + c * g.inPixels
                let row = cols + k * NP + n * P
                for oy in 0..<g.outHeight {
                    let iy = oy * g.stride + ky - g.padTop
                    if iy < 0 || iy >= g.height { continue }
                    let line = plane + iy * g.width
                    let src = row + oy * g.outWidth
                    for ox in 0..<g.outWidth {
                        let ix = ox * g.stride + kx - g.padLeft
                        if ix >= 0 && ix < g.width { line[ix] += src[ox] }
                    }
                }
            }
        }
    }
}

/// (C, N*P) channel-major GEMM output -> (N, C, P) batch-major tensor layout, adding `bias[c]` if given.
func channelsToBatch(_ y: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
                     bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
    let NP = batch * pixels
    Parallel.chunks(batch) { range in
        for n in range {
            for c in 0..<channels {
                let src = y + c * NP + n * pixels, dst = out + (n * channels + c) * pixels
                let b = bias?[c] ?? 0
                for p in 0..<pixels { dst[p] = src[p] + b }
            }
        }
    }
}

/// (N, C, P) -> (C, N*P): the inverse layout change, for gradients.
func batchToChannels(_ x: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
                     into out: UnsafeMutablePointer<Float>) {
    let NP = batch * pixels
    Parallel.chunks(batch) { range in
        for n in range {
            for c in 0..<channels {
                let src = x + (n * channels + c) * pixels, dst = out + c * NP + n * pixels
                for p in 0..<pixels { dst[p] = src[p] }
            }
        }
    }
}
