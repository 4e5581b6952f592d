import CKernels

/// A padded convolution's images copied into zero-bordered images exactly as large as its patches reach, which
/// `unpadded` (a geometry without padding, same output) reads: padding becomes data, so the unpadded loops below
/// serve every convolution, and the border costs one copy of the input (or, for gradients, one crop).
private struct Bordered {
    let source: ConvGeometry
    let unpadded: ConvGeometry

    init(_ g: ConvGeometry) {
        source = g
        unpadded = ConvGeometry(channels: g.channels, height: (g.outHeight - 1) * g.strideH + g.kernelHeight,
                                width: (g.outWidth - 1) * g.strideW + g.kernelWidth, kernelHeight: g.kernelHeight,
                                kernelWidth: g.kernelWidth, strideH: g.strideH, strideW: g.strideW, padTop: 0,
                                padLeft: 0, padBottom: 0, padRight: 0)
    }

    /// Floats of `batch` bordered images.
    func count(batch: Int) -> Int { batch * source.channels * unpadded.inPixels }

    /// Calls `body(bordered row, source row, left, right)` for every row of the bordered images: its columns
    /// left..<right hold the source row's pixels from source offset `source row` on; the rest, and whole rows
    /// whose source row is nil, are border.
    private func forEachRow(batch: Int, _ body: (Int, Int?, Int, Int) -> Void) {
        let g = source, width = unpadded.width
        let left = min(width, g.padLeft), right = max(left, min(width, g.width + g.padLeft))
        for plane in 0..<(batch * g.channels) {
            for y2 in 0..<unpadded.height {
                let y = y2 - g.padTop
                body(plane * unpadded.inPixels + y2 * width,
                     y >= 0 && y < g.height ? plane * g.inPixels + y * g.width + left - g.padLeft : nil, left, right)
            }
        }
    }

    /// bordered = x with its zero border.
    func copy(_ x: UnsafePointer<Float>, batch: Int, into bordered: UnsafeMutablePointer<Float>) {
        let width = unpadded.width
        forEachRow(batch: batch) { to, from, left, right in
            let row = bordered + to
            guard let from else { return row.update(repeating: 0, count: width) }
            row.update(repeating: 0, count: left)
            (row + left).update(from: x + from, count: right - left)
            (row + right).update(repeating: 0, count: width - right)
        }
    }

    /// dx = the bordered gradient without its border (0 for pixels no patch reaches).
    func crop(_ bordered: UnsafePointer<Float>, batch: Int, into dx: UnsafeMutablePointer<Float>) {
        dx.update(repeating: 0, count: batch * source.channels * source.inPixels)
        forEachRow(batch: batch) { from, to, left, right in
            guard let to else { return }
            (dx + to).update(from: bordered + from + left, count: right - left)
        }
    }

    /// Calls `body` with the bordered copy of `x`.
    func withCopy(_ x: UnsafePointer<Float>, batch: Int, _ body: (UnsafePointer<Float>) -> Void) {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count(batch: batch))
        defer { buffer.deallocate() }
        copy(x, batch: batch, into: buffer)
        body(buffer)
    }
}

/// Lowers a batch of images to the patch matrix cols[k][n * P + p] (K x N*P), so a batch is one GEMM.
/// Rows are k = (c, ky, kx); entries that read padding are 0. Serial: callers run it on cache-sized slices of the
/// batch, one slice per worker.
func im2col(_ x: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry, into cols: UnsafeMutablePointer<Float>) {
    guard g.isUnpadded else {
        let b = Bordered(g)
        return b.withCopy(x, batch: batch) { im2colValid($0, batch: batch, b.unpadded, into: cols) }
    }
    im2colValid(x, batch: batch, g, into: cols)
}

/// `im2col` without padding (`isUnpadded`): every patch row is a window read,
/// cols[k][n P + oy outW + ox] = x[n, c, oy sH + ky, ox sW + kx], so the loop carries only two pointers; for
/// rows of at least 8 each row is a vector copy (sW = 1) or vector loads and a shuffle (sW = 2).
/// With horizontal stride 1 or 2 on a CPU with AVX2 the same copies run in `ckernels_im2col_avx2` (8 lanes per
/// operation; this module's SIMD8 is SSE pairs).
private func im2colValid(_ x: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry,
                         into cols: UnsafeMutablePointer<Float>) {
    if (g.strideW == 1 || g.strideW == 2) && loweringAVX2 {
        return ckernels_im2col_avx2(x, batch, g.channels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.strideH,
                                    g.strideW, g.outHeight, g.outWidth, cols)
    }
    let P = g.outPixels, NP = batch &* P, kh = g.kernelHeight, kw = g.kernelWidth, outW = g.outWidth
    let outH = g.outHeight, inW = g.width
    let s = g.strideW, rowStep = g.strideH &* inW, contiguous = s == 1 && outW >= 8, evens = s == 2 && outW >= 8
    var k = 0
    for c in 0..<g.channels {
        for ky in 0..<kh {
            for kx in 0..<kw {
                let offset = c &* g.inPixels &+ ky &* inW &+ kx
                for n in 0..<batch {
                    var src = x + (n &* g.channels &* g.inPixels &+ offset)
                    var dst = cols + (k &* NP &+ n &* P)
                    for _ in 0..<outH {
                        if contiguous {
                            copyRow(dst, src, count: outW)
                        } else if evens {
                            copyEvens(dst, src, count: outW)
                        } else {
                            for ox in 0..<outW { dst[ox] = src[ox &* s] }
                        }
                        src += rowStep
                        dst += outW
                    }
                }
                k &+= 1
            }
        }
    }
}

/// The adjoint of `im2col`: sums patch-matrix gradients back into image gradients (overwrites `dx`). Serial.
func col2im(_ cols: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry, into dx: UnsafeMutablePointer<Float>) {
    guard g.isUnpadded else {
        let b = Bordered(g)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: b.count(batch: batch))
        defer { buffer.deallocate() }
        col2imValid(cols, batch: batch, b.unpadded, into: buffer)
        return b.crop(buffer, batch: batch, into: dx)
    }
    col2imValid(cols, batch: batch, g, into: dx)
}

/// `col2im` without padding (`isUnpadded`): dx[n, c, oy sH + ky, ox sW + kx] += cols[k][n P + oy outW + ox].
/// With horizontal stride 1 or 2 on a CPU with AVX2 the same additions run in `ckernels_col2im_avx2` (this module
/// is compiled for baseline x86-64, so its 8-lane adds were SSE pairs, and stride 2's were scalar: the portable
/// loop was 4.8% of a one-core `medium` IBP step, whose conv2 and conv4 have stride 2, `perf record`, stop 25;
/// the same bits either way).
private func col2imValid(_ cols: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry,
                         into dx: UnsafeMutablePointer<Float>) {
    if (g.strideW == 1 || g.strideW == 2) && loweringAVX2 {
        return ckernels_col2im_avx2(cols, batch, g.channels, g.height, g.width, g.kernelHeight, g.kernelWidth,
                                    g.strideH, g.strideW, g.outHeight, g.outWidth, dx)
    }
    col2imPortable(cols, batch: batch, g, into: dx)
}

/// Whether `im2colValid` and `col2imValid` may use the AVX2 loops (this CPU runs them; tests turn them off to
/// compare both).
nonisolated(unsafe) var loweringAVX2 = ckernels_avx2_available() == 1

/// `col2imValid` in portable Swift.
func col2imPortable(_ cols: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry,
                         into dx: UnsafeMutablePointer<Float>) {
    let P = g.outPixels, NP = batch &* P, kh = g.kernelHeight, kw = g.kernelWidth, outW = g.outWidth
    let outH = g.outHeight, inW = g.width
    let s = g.strideW, rowStep = g.strideH &* inW
    dx.update(repeating: 0, count: batch &* g.channels &* g.inPixels)
    for n in 0..<batch {
        var k = 0
        for c in 0..<g.channels {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    var dst = dx + ((n &* g.channels &+ c) &* g.inPixels &+ ky &* inW &+ kx)
                    var src = cols + (k &* NP &+ n &* P)
                    for _ in 0..<outH {
                        if s == 1 {
                            addRow(dst, src, count: outW)
                        } else if s == 2 {
                            addEvens(dst, src, count: outW)
                        } else {
                            for ox in 0..<outW { dst[ox &* s] += src[ox] }
                        }
                        src += outW
                        dst += rowStep
                    }
                    k &+= 1
                }
            }
        }
    }
}

/// The transpose of `im2col`: rows[n * P + p][k] (N*P x K), one patch per row, for the weight gradient
/// dW = dY rows, whose GEMM then reads B row-major instead of transposing the patch matrix while packing it.
/// A patch's kernel row (c, ky, kx = 0..<kW) is a contiguous run in both layouts, so without padding each run
/// is one short copy (one 4-lane move for the paper's 4 x 4 kernels). Serial.
func im2row(_ x: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry, into rows: UnsafeMutablePointer<Float>) {
    let kh = g.kernelHeight, kw = g.kernelWidth, sH = g.strideH, sW = g.strideW
    let C = g.channels, plane = g.inPixels, inW = g.width
    guard g.isUnpadded else {
        let b = Bordered(g)
        return b.withCopy(x, batch: batch) { im2row($0, batch: batch, b.unpadded, into: rows) }
    }
    if kh == 4 && kw == 4 { return im2rowUnpadded4(x, batch: batch, g, into: rows) }
    if kh == 3 && kw == 3 { return im2rowUnpadded3(x, batch: batch, g, into: rows) }
    var dst = rows
    for n in 0..<batch {
        let image = x + n &* C &* plane
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                var src = image + (oy &* sH &* inW &+ ox &* sW)
                for _ in 0..<C {
                    var line = src
                    for _ in 0..<kh {
                        for kx in 0..<kw { dst[kx] = line[kx] }
                        dst += kw
                        line += inW
                    }
                    src += plane
                }
            }
        }
    }
}

/// `im2row` without padding for 4 x 4 kernels (the paper's strided and small-model convolutions): a patch's
/// channel is four 4-lane moves.
private func im2rowUnpadded4(_ x: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry,
                             into rows: UnsafeMutablePointer<Float>) {
    let sH = g.strideH, sW = g.strideW, C = g.channels, plane = g.inPixels, inW = g.width
    var dst = UnsafeMutableRawPointer(rows)
    for n in 0..<batch {
        let image = UnsafeRawPointer(x + n &* C &* plane)
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                var src = image + (oy &* sH &* inW &+ ox &* sW) &* 4
                for _ in 0..<C {
                    for ky in 0..<4 {
                        dst.storeBytes(of: src.loadUnaligned(fromByteOffset: ky &* inW &* 4, as: SIMD4<Float>.self),
                                       toByteOffset: ky &* 16, as: SIMD4<Float>.self)
                    }
                    dst += 64
                    src += plane &* 4
                }
            }
        }
    }
}

/// `im2row` without padding for 3 x 3 kernels: each 3-float run is moved as 4 lanes whose last lane the next run
/// overwrites; only a patch's final run is copied element by element, so nothing is read or written past the
/// image or the patch.
private func im2rowUnpadded3(_ x: UnsafePointer<Float>, batch: Int, _ g: ConvGeometry,
                             into rows: UnsafeMutablePointer<Float>) {
    let sH = g.strideH, sW = g.strideW, C = g.channels, plane = g.inPixels, inW = g.width
    var dst = rows
    for n in 0..<batch {
        let image = x + n &* C &* plane
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                var src = image + (oy &* sH &* inW &+ ox &* sW)
                for c in 0..<C {
                    for ky in 0..<3 {
                        let line = src + ky &* inW
                        if c == C &- 1 && ky == 2 {
                            dst[0] = line[0]; dst[1] = line[1]; dst[2] = line[2]
                        } else {
                            UnsafeMutableRawPointer(dst).storeBytes(
                                of: UnsafeRawPointer(line).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                        }
                        dst += 3
                    }
                    src += plane
                }
            }
        }
    }
}

/// (C, N*P) channel-major GEMM output -> (N, C, P) batch-major tensor layout, adding `bias[c]` if given. Serial.
func channelsToBatch(_ y: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
                     bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
    let NP = batch * pixels
    for n in 0..<batch {
        for c in 0..<channels {
            let src = y + c * NP + n * pixels, dst = out + (n * channels + c) * pixels
            let b = bias?[c] ?? 0
            for p in 0..<pixels { dst[p] = src[p] + b }
        }
    }
}

/// (N, C, P) -> (C, N*P): the inverse layout change, for gradients. Serial.
func batchToChannels(_ x: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
                     into out: UnsafeMutablePointer<Float>) {
    let NP = batch * pixels
    for n in 0..<batch {
        for c in 0..<channels {
            let src = x + (n * channels + c) * pixels, dst = out + c * NP + n * pixels
            for p in 0..<pixels { dst[p] = src[p] }
        }
    }
}

/// dst[0..<count] = src[0..<count] in 8-wide vectors; the last vector overlaps the previous one rather than
/// falling back to a scalar tail (patch rows are short, e.g. 10 floats, so the tail would dominate).
@inline(__always)
private func copyRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    guard count >= 8 else {
        for i in 0..<count { dst[i] = src[i] }
        return
    }
    let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
    var i = 0
    while i &+ 8 < count {
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self), toByteOffset: i &* 4,
                      as: SIMD8<Float>.self)
        i &+= 8
    }
    let last = (count &- 8) &* 4
    to.storeBytes(of: from.loadUnaligned(fromByteOffset: last, as: SIMD8<Float>.self), toByteOffset: last,
                  as: SIMD8<Float>.self)
}

/// dst[i] = src[2 i] for i < count (>= 8), 8 at a time from two overlapping 8-lane loads (src[0...7], src[7...14])
/// so nothing past src[2 (count - 1)] is read; the last group overlaps the previous one, as in `copyRow`.
@inline(__always)
private func copyEvens(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    @inline(__always) func group(_ i: Int) {
        let a = UnsafeRawPointer(src + 2 &* i).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(src + (2 &* i &+ 7)).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD8(a[0], a[2], a[4], a[6], b[1], b[3], b[5], b[7]),
                                                    as: SIMD8<Float>.self)
    }
    var i = 0
    while i &+ 8 < count {
        group(i)
        i &+= 8
    }
    group(count &- 8)
}

/// dst[2 i] += src[i] for i < count: 8 at a time as two overlapping 8-lane read-modify-writes of dst[0...7] and
/// dst[7...14] (odd lanes add 0, so nothing past dst[2 (count - 1)] is touched), then the scalar tail.
@inline(__always)
private func addEvens(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i &+ 8 <= count {
        let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        let low = UnsafeMutableRawPointer(dst + 2 &* i), high = UnsafeMutableRawPointer(dst + (2 &* i &+ 7))
        let a = low.loadUnaligned(as: SIMD8<Float>.self), b = high.loadUnaligned(as: SIMD8<Float>.self)
        // -0.0 in the odd lanes: x + (-0.0) is x for every float, so the other taps' entries keep their bits.
        low.storeBytes(of: a + SIMD8(v[0], -0.0, v[1], -0.0, v[2], -0.0, v[3], -0.0), as: SIMD8<Float>.self)
        high.storeBytes(of: b + SIMD8(-0.0, v[4], -0.0, v[5], -0.0, v[6], -0.0, v[7]), as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        dst[2 &* i] += src[i]
        i &+= 1
    }
}

/// dst[0..<count] += src[0..<count], 8 at a time, then the scalar tail.
@inline(__always)
private func addRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
    var i = 0
    while i &+ 8 <= count {
        let sum = to.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            + from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        to.storeBytes(of: sum, toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        dst[i] += src[i]
        i &+= 1
    }
}
