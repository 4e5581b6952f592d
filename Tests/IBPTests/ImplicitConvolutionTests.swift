import XCTest
@testable import IBP

/// The implicit convolution (`ImplicitConvolution`, `conv_avx2.c`) against the straightforward one: bit for bit
/// equal to im2col + the AVX2 GEMM + the bias (what it replaces, so the fused and generic IBP paths keep their bits),
/// and within float rounding of the convolution's definition summed in double precision; its weight gradient bit
/// for bit equal to im2row + the AVX2 GEMM (beta 1), and within rounding of the definition. The geometries cover
/// strides 1, 2 and 3 (the forward path runs only with horizontal stride 1), kernel rows of 2-9 entries (runs that
/// straddle the two 8-lane halves of a panel), output rows shorter and longer than a 16-column panel,
/// panels that cross from one image into the next, a batch whose last panel is narrower, depth K over 256 (two and
/// three slices, the bias added after the last), more than 120 output channels (two row blocks) and channel counts
/// that leave 1-5 rows in the last micro-tile.
final class ImplicitConvolutionTests: XCTestCase {
    private struct Case { let g: ConvGeometry; let outChannels: Int; let batch: Int }
    private let cases: [Case] = [
        ((1, 28, 28, 4, 2), 16, 3), ((16, 13, 13, 4, 1), 32, 2), ((1, 28, 28, 3, 1), 32, 2), ((32, 26, 26, 4, 2), 32, 1),
        ((32, 12, 12, 3, 1), 64, 3), ((64, 10, 10, 4, 2), 64, 5), ((2, 9, 9, 3, 3), 7, 4), ((3, 7, 30, 2, 1), 5, 3),
        ((17, 6, 6, 4, 1), 13, 2), ((1, 5, 5, 5, 1), 1, 1), ((2, 20, 19, 4, 1), 125, 2), ((40, 8, 9, 3, 2), 11, 3),
        ((3, 12, 12, 5, 1), 9, 4), ((2, 13, 13, 9, 2), 6, 2),
    ].map { Case(g: ConvGeometry(channels: $0.0.0, height: $0.0.1, width: $0.0.2, kernel: $0.0.3, stride: $0.0.4,
                                 same: false), outChannels: $0.1, batch: $0.2) }
        // Vertical stride 2 with horizontal stride 1, and a 2 x 5 kernel: the forward path's runs are per output row.
        + [Case(g: ConvGeometry(channels: 3, height: 11, width: 21, kernelHeight: 2, kernelWidth: 5, strideH: 2,
                                strideW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0), outChannels: 8, batch: 3)]

    private func run(_ body: () throws -> Void) throws {
        try XCTSkipUnless(GEMMKernel.isAvailable(.avx2), "this CPU cannot run the AVX2 kernel")
        let saved = GEMMKernel.current
        GEMMKernel.current = .avx2
        defer { GEMMKernel.current = saved }
        try body()
    }

    /// im2col, the AVX2 GEMM and the layout pass with the bias: the explicit path.
    private func explicit(_ x: [Float], _ c: Case, weights: [Float], bias: [Float]?) -> [Float] {
        let g = c.g, K = g.patchSize, P = g.outPixels, O = c.outChannels, N = c.batch * P
        var cols = [Float](repeating: .nan, count: K * N), y = [Float](repeating: .nan, count: O * N)
        var out = [Float](repeating: .nan, count: O * N)
        x.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { im2col(xp.baseAddress!, batch: c.batch, g, into: $0.baseAddress!) }
        }
        weights.withUnsafeBufferPointer { w in
            cols.withUnsafeBufferPointer { b in
                y.withUnsafeMutableBufferPointer { yp in
                    gemm(m: O, n: N, k: K, a: w.baseAddress!, lda: K, b: b.baseAddress!, ldb: N, c: yp.baseAddress!,
                         ldc: N, parallel: false)
                }
            }
        }
        y.withUnsafeBufferPointer { yp in
            out.withUnsafeMutableBufferPointer { o in
                bias.withUnsafeOptionalPointer { b in
                    channelsToBatch(yp.baseAddress!, batch: c.batch, channels: O, pixels: P, bias: b,
                                    into: o.baseAddress!)
                }
            }
        }
        return out
    }

    private func implicit(_ x: [Float], _ c: Case, weights: [Float], bias: [Float]?) -> [Float] {
        var out = [Float](repeating: .nan, count: c.outChannels * c.batch * c.g.outPixels)
        x.withUnsafeBufferPointer { xp in
            weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    bias.withUnsafeOptionalPointer { b in
                        ImplicitConvolution.convolve(xp.baseAddress!, batch: c.batch, c.g, weights: w.baseAddress!,
                                                     outChannels: c.outChannels, bias: b, into: o.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    func testEqualsIm2ColAndGEMMBitForBit() throws {
        try run {
            var random = TestRandom(31)
            for c in cases where ImplicitConvolution.forwardRuns(c.g) {
                let g = c.g
                let x = random.tensor([c.batch, g.channels, g.height, g.width]).data
                let w = random.tensor([c.outChannels, g.patchSize]).data
                let b = random.tensor([c.outChannels]).data
                for bias in [b, nil] {
                    let want = explicit(x, c, weights: w, bias: bias), got = implicit(x, c, weights: w, bias: bias)
                    XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern),
                                   "\(g.summary) \(g.channels)x\(g.height)x\(g.width) O=\(c.outChannels) bias \(bias != nil)")
                }
            }
        }
    }

    func testMatchesDefinition() throws {
        try run {
            var random = TestRandom(37)
            for c in cases where ImplicitConvolution.forwardRuns(c.g) {
                let g = c.g, O = c.outChannels, K = g.patchSize
                let x = random.tensor([c.batch, g.channels, g.height, g.width]).data
                let w = random.tensor([O, K]).data, b = random.tensor([O]).data
                let got = implicit(x, c, weights: w, bias: b)
                for n in 0..<c.batch {
                    for o in 0..<O {
                        for oy in 0..<g.outHeight {
                            for ox in 0..<g.outWidth {
                                var sum = Double(b[o]), magnitude = abs(Double(b[o]))
                                for ch in 0..<g.channels {
                                    for ky in 0..<g.kernelHeight {
                                        for kx in 0..<g.kernelWidth {
                                            let k = (ch * g.kernelHeight + ky) * g.kernelWidth + kx
                                            let v = x[((n * g.channels + ch) * g.height + oy * g.strideH + ky) * g.width
                                                      + ox * g.strideW + kx]
                                            sum += Double(w[o * K + k]) * Double(v)
                                            magnitude += abs(Double(w[o * K + k]) * Double(v))
                                        }
                                    }
                                }
                                let value = got[((n * O + o) * g.outHeight + oy) * g.outWidth + ox]
                                let tolerance = Double(K + 1) * Double(Float.ulpOfOne) * magnitude
                                XCTAssertEqual(Double(value), sum, accuracy: tolerance, "\(g.summary) n \(n) o \(o)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Conv2D's forward runs the implicit path on the AVX2 kernel; its result equals the layer's on OpenBLAS within
    /// rounding (a layer-level check that the slices and offsets are wired as the layer lays out its batch).
    func testConv2DForwardMatchesBLAS() throws {
        try run {
            var random = TestRandom(41)
            for c in cases.prefix(6) {
                let g = c.g
                let layer = Conv2D(geometry: g, outChannels: c.outChannels, name: "c")
                layer.weight.value = random.tensor(layer.weight.value.shape)
                layer.bias.value = random.tensor([c.outChannels])
                let x = random.tensor([37, g.channels, g.height, g.width])
                XCTAssertEqual(ImplicitConvolution.forwardRuns(g), g.strideW == 1)
                let fast = layer.apply(x)
                GEMMKernel.current = .blas
                let reference = layer.apply(x)
                GEMMKernel.current = .avx2
                XCTAssertEqual(fast.shape, reference.shape)
                for (a, b) in zip(fast.data, reference.data) {
                    XCTAssertEqual(a, b, accuracy: 1e-4 * Float(g.patchSize).squareRoot(), "\(g.summary)")
                }
            }
        }
    }

    /// dW + dY rows by im2row and the AVX2 GEMM, and by the implicit kernel, from the same starting dW.
    private func weightGradients(_ x: [Float], _ c: Case, dy: [Float], start: [Float]) -> (explicit: [Float],
                                                                                           implicit: [Float]) {
        let g = c.g, K = g.patchSize, N = c.batch * g.outPixels, O = c.outChannels
        var rows = [Float](repeating: .nan, count: N * K), explicit = start, implicit = start
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { d in
                rows.withUnsafeMutableBufferPointer { im2row(xp.baseAddress!, batch: c.batch, g, into: $0.baseAddress!) }
                rows.withUnsafeBufferPointer { r in
                    explicit.withUnsafeMutableBufferPointer { w in
                        gemm(m: O, n: K, k: N, a: d.baseAddress!, lda: N, b: r.baseAddress!, ldb: K, beta: 1,
                             c: w.baseAddress!, ldc: K, parallel: false)
                    }
                }
                implicit.withUnsafeMutableBufferPointer { w in
                    ImplicitConvolution.accumulateWeightGradient(d.baseAddress!, x: xp.baseAddress!, batch: c.batch, g,
                                                                 outChannels: O, into: w.baseAddress!)
                }
            }
        }
        return (explicit, implicit)
    }

    func testWeightGradientEqualsIm2RowAndGEMMBitForBit() throws {
        try run {
            var random = TestRandom(43)
            // Batches of 3 and 7 make N = batch P pass one and several 256-pixel slices for most geometries.
            for c in cases + cases.map({ Case(g: $0.g, outChannels: $0.outChannels, batch: 7) }) {
                let g = c.g, N = c.batch * g.outPixels
                let x = random.tensor([c.batch, g.channels, g.height, g.width]).data
                let dy = random.tensor([c.outChannels, N]).data
                let start = random.tensor([c.outChannels, g.patchSize]).data
                let (want, got) = weightGradients(x, c, dy: dy, start: start)
                XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern),
                               "\(g.summary) \(g.channels)x\(g.height)x\(g.width) O=\(c.outChannels) batch \(c.batch)")
                // The definition: dW[o, (c, ky, kx)] = start + sum over n, oy, ox of dY[o, n P + p] x[n, c, ...].
                let K = g.patchSize, P = g.outPixels
                for o in 0..<c.outChannels {
                    for k in 0..<K {
                        let ch = k / g.kernelPixels, ky = (k / g.kernelWidth) % g.kernelHeight, kx = k % g.kernelWidth
                        var sum = Double(start[o * K + k]), magnitude = abs(sum)
                        for n in 0..<c.batch {
                            for p in 0..<P {
                                let oy = p / g.outWidth, ox = p % g.outWidth
                                let v = Double(x[((n * g.channels + ch) * g.height + oy * g.strideH + ky) * g.width
                                                 + ox * g.strideW + kx]) * Double(dy[o * N + n * P + p])
                                sum += v
                                magnitude += abs(v)
                            }
                        }
                        XCTAssertEqual(Double(got[o * K + k]), sum, accuracy: Double(N + 1) * Double(Float.ulpOfOne) * magnitude)
                    }
                }
            }
        }
    }
}
