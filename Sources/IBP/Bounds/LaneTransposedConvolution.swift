import CKernels

/// A W for rows A over a VALID convolution's outputs (the map of `Conv2D.applyTransposed`: (m, O, oH, oW) ->
/// (m, C, H, W)), for CROWN's backward passes: the patch GEMM W^T A and then col2im, with the rows held 16 at a
/// time as lanes (`LaneRows`' layout, a[(o P + p) 16 + l]) instead of one after another.
///
/// Why: `col2im` adds each kernel tap's output plane into the input, row by row of outW values, per row of A; the
/// planes of `small` (10 wide) and `vissmall` (5 to 12 wide) make that a loop of short, partly scalar adds, and it
/// was a third of CROWN on `vissmall` and a fifth on `small-nominal`. With the rows as lanes the same adds are
/// whole 16-float vectors: for every tap k and output pixel p, in[pixel(k, p)] += cols[k, p] for 16 rows at once.
/// The GEMM is the same product with its columns reordered (pixel-major, row-minor), and col2im adds the same
/// terms to each input element in the same order (tap by tap, then pixel by pixel), so the result is
/// `applyTransposed`'s up to the GEMM kernel's blocking (`LaneTransposedConvolutionTests`).
enum LaneTransposedConvolution {
    static let lanes = 16

    /// Whether `apply` takes the convolution: no padding (a padded one keeps `applyTransposed`).
    static func applies(_ conv: Conv2D) -> Bool { conv.geometry.isUnpadded }

    /// A W for the rows `a` (m, O, oH, oW): (m, C, H, W). `parallel` false keeps the work on the calling thread
    /// (for callers that already run one block per core).
    static func apply(_ conv: Conv2D, _ a: Tensor, parallel: Bool = true) -> Tensor {
        let g = conv.geometry, O = conv.outChannels, P = g.outPixels, L = lanes
        precondition(applies(conv) && a.sampleShape == conv.outputShape,
                     "rows of \(a.sampleShape) do not match the unpadded convolution's \(conv.outputShape)")
        let m = a.batch, inSize = g.channels * g.inPixels, outSize = O * P
        // Lane groups per GEMM: at least 2,048 columns, so the product is not dominated by the call.
        let groups = (m + L - 1) / L
        let perCall = max(1, min(groups, 2048 / max(P * L, 1)))
        let calls = (groups + perCall - 1) / perCall
        let parts = parallel ? min(calls, Parallel.workers * 4) : 1
        // The patch matrix a block of input channels at a time (at least one), at most `patchBlockFloats` floats:
        // all taps at once are K n floats (1.6 MB for `small`'s second convolution, past a 1 MiB L2), which the
        // GEMM wrote out to L3 and col2im read back. Blocks change no bits: each patch element is the same sum
        // over o, and col2im still adds the taps in order (a block's taps are the next ones).
        let blockChannels = blockChannels(g, columns: perCall * P * L)
        return Tensor(shape: [m] + conv.inputShape) { op in
            a.data.withUnsafeBufferPointer { ap in
                conv.weight.value.data.withUnsafeBufferPointer { wp in
                    let ap = ap.baseAddress!, wp = wp.baseAddress!
                    let body = { (part: Int) in
                        let columns = perCall * P * L
                        let lanesIn = UnsafeMutablePointer<Float>.allocate(capacity: O * columns)
                        let cols = UnsafeMutablePointer<Float>.allocate(capacity: patchFloats(g, columns: columns))
                        let lanesOut = UnsafeMutablePointer<Float>.allocate(capacity: perCall * inSize * L)
                        defer { lanesIn.deallocate(); cols.deallocate(); lanesOut.deallocate() }
                        for call in (calls * part / parts)..<(calls * (part + 1) / parts) {
                            let firstGroup = call * perCall, count = min(perCall, groups - firstGroup)
                            let n = count * P * L
                            // Rows into lanes: lanesIn[o][group][p][l] (unused lanes zero). Only the batch's last
                            // group can have unused lanes, and the transposes write every lane of the others, so
                            // only a call holding a part-filled group is zeroed first (a pass over all of lanesIn
                            // was 0.8% of CROWN-IBP on `small-nominal`).
                            if (firstGroup + count) * L > m { lanesIn.update(repeating: 0, count: O * n) }
                            for gi in 0..<count where LaneTransposedConvolution.col2imAVX2 {
                                // Each output channel's block of 16 rows x P pixels, transposed 8 x 8 at a time.
                                let first = (firstGroup + gi) * L, valid = min(L, m - first)
                                for o in 0..<O {
                                    ckernels_transpose_avx2(ap + first * outSize + o * P, outSize,
                                                            lanesIn + o * n + gi * P * L, L, valid, P)
                                }
                            }
                            for gi in 0..<count where !LaneTransposedConvolution.col2imAVX2 {
                                let first = (firstGroup + gi) * L, valid = min(L, m - first)
                                // Four rows at a time: one 4-float store per neuron instead of four strided ones.
                                var l = 0
                                while l + 4 <= valid {
                                    let s0 = ap + (first + l) * outSize, s1 = s0 + outSize
                                    let s2 = s1 + outSize, s3 = s2 + outSize
                                    for o in 0..<O {
                                        let dst = lanesIn + o * n + gi * P * L + l
                                        for p in 0..<P {
                                            let q = o &* P &+ p
                                            UnsafeMutableRawPointer(dst + p &* L).storeBytes(
                                                of: SIMD4<Float>(s0[q], s1[q], s2[q], s3[q]), as: SIMD4<Float>.self)
                                        }
                                    }
                                    l += 4
                                }
                                while l < valid {
                                    let src = ap + (first + l) * outSize
                                    for o in 0..<O {
                                        let dst = lanesIn + o * n + gi * P * L + l
                                        for p in 0..<P { dst[p &* L] = src[o &* P &+ p] }
                                    }
                                    l += 1
                                }
                            }
                            LaneTransposedConvolution.product(lanesIn, weights: wp, outChannels: O, columns: n,
                                                              groups: count, g, blockChannels: blockChannels,
                                                              cols: cols, into: lanesOut)
                            // Lanes back into rows.
                            for gi in 0..<count where LaneTransposedConvolution.col2imAVX2 {
                                let first = (firstGroup + gi) * L, valid = min(L, m - first)
                                ckernels_transpose_avx2(lanesOut + gi * inSize * L, L, op + first * inSize, inSize,
                                                        inSize, valid)
                            }
                            for gi in 0..<count where !LaneTransposedConvolution.col2imAVX2 {
                                let first = (firstGroup + gi) * L, valid = min(L, m - first)
                                // Four rows at a time: one 4-float load per neuron instead of four strided ones.
                                var l = 0
                                while l + 4 <= valid {
                                    let src = lanesOut + gi * inSize * L + l
                                    let d0 = op + (first + l) * inSize, d1 = d0 + inSize
                                    let d2 = d1 + inSize, d3 = d2 + inSize
                                    for j in 0..<inSize {
                                        let v = UnsafeRawPointer(src + j &* L).loadUnaligned(as: SIMD4<Float>.self)
                                        d0[j] = v[0]; d1[j] = v[1]; d2[j] = v[2]; d3[j] = v[3]
                                    }
                                    l += 4
                                }
                                while l < valid {
                                    let src = lanesOut + gi * inSize * L + l, dst = op + (first + l) * inSize
                                    for j in 0..<inSize { dst[j] = src[j &* L] }
                                    l += 1
                                }
                            }
                        }
                    }
                    if parts > 1 { Parallel.parts(parts, body) } else { body(0) }
                }
            }
        }
    }

    /// lanesOut = W^T lanesIn for `groups` lane groups of `columns` = groups P 16 columns (lanesIn[o][group][p][l] ->
    /// lanesOut[group][c][y][x][l], zeroed first): cols (taps x n) = W^T (taps x O) lanesIn (O x n) for the taps of
    /// `blockChannels` input channels at a time (`cols` holds blockChannels taps n floats), each block added into
    /// the input by `col2im` before the next; up to `directChannels` output channels by `direct` instead (no GEMM,
    /// `cols` unused). Runs on the calling thread.
    static func product(_ lanesIn: UnsafePointer<Float>, weights wp: UnsafePointer<Float>, outChannels O: Int,
                        columns n: Int, groups: Int, _ g: ConvGeometry, blockChannels: Int,
                        cols: UnsafeMutablePointer<Float>, into lanesOut: UnsafeMutablePointer<Float>) {
        lanesOut.update(repeating: 0, count: groups * g.channels * g.inPixels * lanes)
        if O <= directChannels {
            return direct(lanesIn, weights: wp, outChannels: O, columns: n, groups: groups, g, into: lanesOut)
        }
        let taps = g.kernelHeight * g.kernelWidth
        var c0 = 0
        while c0 < g.channels {
            let c1 = min(g.channels, c0 + blockChannels)
            gemm(transA: true, m: (c1 - c0) * taps, n: n, k: O, a: wp + c0 * taps, lda: g.patchSize,
                 b: lanesIn, ldb: n, c: cols, ldc: n, parallel: false)
            col2im(cols, columns: n, groups: groups, g, channels: c0..<c1, into: lanesOut)
            c0 = c1
        }
    }

    /// Input channels per patch block of `product` for `columns` columns: as many as fit in `patchBlockFloats`, at
    /// least one, and where more than one fits, a count whose taps (the GEMM's rows) are a multiple of the AVX2
    /// kernel's 6-row micro-tile. Why: `small`'s second convolution has 16 taps per channel, and 2 channels made
    /// 32 rows of which the kernel computed 36 (11% of the block's products thrown away); 3 make 48.
    static func blockChannels(_ g: ConvGeometry, columns: Int) -> Int {
        let taps = g.kernelHeight * g.kernelWidth
        let fit = max(1, min(g.channels, patchBlockFloats / max(taps * columns, 1)))
        let unit = tileRows / gcd(tileRows, max(taps, 1))
        return fit >= unit && fit < g.channels ? fit / unit * unit : fit
    }

    /// Rows of the AVX2 GEMM kernel's micro-tile (MR in gemm_avx2.c).
    static let tileRows = 6

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Floats of one patch block of `product` for `columns` columns (the `cols` it needs).
    static func patchFloats(_ g: ConvGeometry, columns: Int) -> Int {
        blockChannels(g, columns: columns) * g.kernelHeight * g.kernelWidth * columns
    }

    /// Up to this many output channels the product and col2im are one loop (`direct`): a GEMM whose inner
    /// dimension is O = 3 (`vissmall`'s second convolution) is mostly packing and writing the patch matrix.
    static let directChannels = 8

    /// The largest patch block `apply` writes before adding it into the input (floats; 128K = 512 KiB, half of a
    /// 1 MiB L2, so the block, the lanes it reads and the input it adds into stay there: 300, 200 and 170 KiB for
    /// `small`'s second convolution). Tests shrink it.
    nonisolated(unsafe) static var patchBlockFloats = 1 << 17

    /// in[group][c][oy sH + ky][ox sW + kx][l] += sum over o of W[o, k] lanesIn[o][group][oy oW + ox][l] for every
    /// tap k = (c, ky, kx) in order: the GEMM and `col2im` without the patch matrix in between (the same terms; each
    /// product's sum over o in order, then added to the input element tap by tap as `col2im` does). With
    /// `col2imAVX2`, `ckernels_lane_direct_avx2` (the same bits).
    static func direct(_ lanesIn: UnsafePointer<Float>, weights w: UnsafePointer<Float>, outChannels O: Int,
                       columns n: Int, groups: Int, _ g: ConvGeometry, into lanesOut: UnsafeMutablePointer<Float>) {
        if col2imAVX2 {
            return ckernels_lane_direct_avx2(lanesIn, w, O, g.patchSize, n, groups, g.channels, g.height, g.width,
                                             g.kernelHeight, g.kernelWidth, g.strideH, g.strideW, g.outHeight,
                                             g.outWidth, lanesOut)
        }
        let L = lanes, P = g.outPixels, K = g.patchSize, oh = g.outHeight, ow = g.outWidth, H = g.height
        let W = g.width, inSize = g.channels * H * W
        var k = 0
        for c in 0..<g.channels {
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    for gi in 0..<groups {
                        let src = lanesIn + gi &* P &* L
                        let base = lanesOut + (gi &* inSize &+ c &* H &* W) &* L
                        for oy in 0..<oh {
                            var dst = base + ((oy &* g.strideH &+ ky) &* W &+ kx) &* L
                            for ox in 0..<ow {
                                let p = (oy &* ow &+ ox) &* L
                                var sum = SIMD16<Float>()
                                for o in 0..<O { sum += w[o &* K &+ k] * load16(src + (o &* n &+ p)) }
                                store16(load16(dst) + sum, dst)
                                dst += g.strideW &* L
                            }
                        }
                    }
                    k &+= 1
                }
            }
        }
    }

    /// Whether `col2im` runs the AVX2 loop (`ckernels_lane_col2im_avx2`: the same adds in the same order, each
    /// 16-float add two AVX2 operations instead of four SSE ones) and the rows go into and out of lanes by 8 x 8
    /// register transposes (`ckernels_transpose_avx2`); tests turn it off to compare.
    nonisolated(unsafe) static var col2imAVX2 = ckernels_avx2_available() == 1

    /// in[group][c][oy sH + ky][ox sW + kx][l] += cols[k][group][oy oW + ox][l], k = (c, ky, kx) counted from the
    /// first of `channels` (all input channels by default): col2im of `groups` lane groups, one 16-float add per
    /// (tap, pixel, group), taps in order.
    static func col2im(_ cols: UnsafePointer<Float>, columns n: Int, groups: Int, _ g: ConvGeometry,
                       channels: Range<Int>? = nil, into lanesOut: UnsafeMutablePointer<Float>) {
        let channels = channels ?? 0..<g.channels
        if col2imAVX2 {
            return ckernels_lane_col2im_avx2(cols, n, groups, g.channels, channels.lowerBound, channels.upperBound,
                                             g.height, g.width, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                                             g.outHeight, g.outWidth, lanesOut)
        }
        let L = lanes, P = g.outPixels, oh = g.outHeight, ow = g.outWidth, H = g.height, W = g.width
        let inSize = g.channels * H * W
        var k = 0
        for c in channels {
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    for gi in 0..<groups {
                        var src = cols + (k &* n &+ gi &* P &* L)
                        let base = lanesOut + (gi &* inSize &+ c &* H &* W) &* L
                        for oy in 0..<oh {
                            var dst = base + ((oy &* g.strideH &+ ky) &* W &+ kx) &* L
                            let step = g.strideW &* L
                            for _ in 0..<ow {
                                store16(load16(dst) + load16(src), dst)
                                src += L
                                dst += step
                            }
                        }
                    }
                    k &+= 1
                }
            }
        }
    }
}
