import CKernels
import XCTest
@testable import IBP

/// The tight im2col/col2im loops against the definition, index by index: padding ranges precomputed where
/// SAME pads (including bottom/right-only padding), the pointer-walking path where no patch reaches padding,
/// vector copies for stride 1 with rows of 8 or more; over strides, kernels and row widths.
final class KernelIm2ColTests: XCTestCase {
    private let geometries: [ConvGeometry] = [
        (1, 28, 28, 4, 2, false), (16, 13, 13, 4, 1, false), (2, 7, 6, 3, 1, true), (2, 7, 6, 3, 2, true),
        (3, 9, 8, 4, 2, true), (2, 8, 9, 5, 3, true), (2, 6, 7, 2, 3, false), (1, 5, 5, 5, 1, true),
        (3, 9, 9, 3, 1, false), (2, 12, 11, 3, 1, false), (2, 20, 19, 4, 1, false), (2, 26, 26, 4, 2, false),
        (2, 11, 12, 3, 3, false), (2, 8, 8, 3, 2, true), (3, 14, 14, 3, 2, true), (1, 9, 10, 4, 1, true),
        (1, 28, 28, 3, 1, false), (1, 40, 37, 3, 1, true), (2, 40, 37, 3, 2, true), (2, 35, 36, 4, 2, false),
    ].map { ConvGeometry(channels: $0.0, height: $0.1, width: $0.2, kernel: $0.3, stride: $0.4, same: $0.5) }
        // Imported ONNX convolutions: rectangular kernels, per-axis strides, explicit and asymmetric pads (a bottom
        // or right pad that no window reaches included), 4x4 and 3x3 kernels with unequal strides (the im2row fast
        // paths), rows of 8 or more with sW = 1 and 2 (the vector copies) and sH != sW.
        + [(1, 28, 28, 2, 2, 1, 1, 0, 0, 0, 0), (2, 9, 11, 2, 3, 1, 2, 1, 0, 0, 2), (3, 10, 9, 3, 1, 2, 1, 0, 1, 1, 0),
           (2, 12, 20, 4, 4, 1, 2, 0, 0, 0, 0), (2, 13, 21, 3, 3, 2, 1, 0, 0, 0, 0), (1, 7, 30, 1, 5, 3, 2, 2, 2, 3, 1),
           (2, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1), (1, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1), (2, 11, 19, 5, 2, 1, 1, 2, 0, 2, 0),
           (1, 9, 9, 4, 4, 3, 2, 1, 2, 0, 1)]
        .map { ConvGeometry(channels: $0.0, height: $0.1, width: $0.2, kernelHeight: $0.3, kernelWidth: $0.4,
                            strideH: $0.5, strideW: $0.6, padTop: $0.7, padLeft: $0.8, padBottom: $0.9, padRight: $0.10) }

    /// Calls `body(k * NP + n * P + p, x index or nil)` for every patch entry: the input pixel
    /// x[n, c, oy s + ky - padTop, ox s + kx - padLeft] it reads, or nil where it reads padding.
    private func forEachEntry(batch: Int, _ g: ConvGeometry, _ body: (Int, Int?) -> Void) {
        let P = g.outPixels, NP = batch * P
        for n in 0..<batch {
            for c in 0..<g.channels {
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let k = (c * g.kernelHeight + ky) * g.kernelWidth + kx
                        for oy in 0..<g.outHeight {
                            for ox in 0..<g.outWidth {
                                let iy = oy * g.strideH + ky - g.padTop, ix = ox * g.strideW + kx - g.padLeft
                                let inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width
                                body(k * NP + n * P + oy * g.outWidth + ox,
                                     inside ? ((n * g.channels + c) * g.height + iy) * g.width + ix : nil)
                            }
                        }
                    }
                }
            }
        }
    }

    /// im2col by definition: cols[entry] = x[index], or 0 on padding.
    private func reference(_ x: [Float], batch: Int, _ g: ConvGeometry) -> [Float] {
        var cols = [Float](repeating: .nan, count: g.patchSize * batch * g.outPixels)
        forEachEntry(batch: batch, g) { entry, index in cols[entry] = index.map { x[$0] } ?? 0 }
        return cols
    }

    func testIm2ColMatchesDefinition() {
        var random = TestRandom(21)
        for g in geometries {
            let batch = 3
            let x = random.tensor([batch, g.channels, g.height, g.width]).data
            var cols = [Float](repeating: .nan, count: g.patchSize * batch * g.outPixels)
            x.withUnsafeBufferPointer { xp in
                cols.withUnsafeMutableBufferPointer { im2col(xp.baseAddress!, batch: batch, g, into: $0.baseAddress!) }
            }
            XCTAssertEqual(cols, reference(x, batch: batch, g), "\(g)")
        }
    }

    /// im2row is im2col transposed: rows[n P + p][k] = cols[k][n P + p].
    func testIm2RowIsIm2ColTransposed() {
        var random = TestRandom(23)
        for g in geometries {
            let batch = 3, K = g.patchSize, NP = batch * g.outPixels
            let x = random.tensor([batch, g.channels, g.height, g.width]).data
            var rows = [Float](repeating: .nan, count: K * NP)
            x.withUnsafeBufferPointer { xp in
                rows.withUnsafeMutableBufferPointer { im2row(xp.baseAddress!, batch: batch, g, into: $0.baseAddress!) }
            }
            let cols = reference(x, batch: batch, g)
            XCTAssertEqual(rows, (0..<(K * NP)).map { cols[($0 % K) * NP + $0 / K] }, "\(g)")
        }
    }

    /// col2im is the adjoint of im2col: dx[i] is the sum of the patch entries that read x[i].
    func testCol2ImIsTheAdjointOfIm2Col() {
        var random = TestRandom(22)
        for g in geometries {
            let batch = 2, size = batch * g.channels * g.inPixels
            let dCols = random.tensor([g.patchSize, batch * g.outPixels]).data
            var expected = [Float](repeating: 0, count: size)
            forEachEntry(batch: batch, g) { entry, index in if let index { expected[index] += dCols[entry] } }
            var dx = [Float](repeating: .nan, count: size)
            dCols.withUnsafeBufferPointer { c in
                dx.withUnsafeMutableBufferPointer { col2im(c.baseAddress!, batch: batch, g, into: $0.baseAddress!) }
            }
            for i in 0..<size { XCTAssertEqual(dx[i], expected[i], accuracy: 1e-5, "\(g) index \(i)") }
        }
    }

    /// The AVX2 col2im (horizontal stride 1 or 2) against the portable Swift loop: the same bits, on every geometry
    /// (padded ones through their bordered copy), with rows of 1-7, 8-15 and 16+ pixels at stride 1 and of 1 to 13
    /// pixels at stride 2 (every tail of the 4-pixel groups, the last group ending on the plane's last entry), and
    /// with infinities, NaN and -0.0 among the gradients.
    func testCol2ImAVX2EqualsPortableBitForBit() throws {
        try XCTSkipUnless(ckernels_avx2_available() == 1, "this CPU cannot run AVX2")
        var random = TestRandom(24)
        let extra = [(2, 12, 30, 3, 1, false), (3, 9, 15, 2, 1, false), (1, 6, 11, 1, 1, false)]
            .map { ConvGeometry(channels: $0.0, height: $0.1, width: $0.2, kernel: $0.3, stride: $0.4, same: $0.5) }
        // Stride 2, kernel 2 or 3: rows of outW = 1, 2, ..., 9, 12 and 13 pixels.
        let stride2 = [(2, 2), (3, 4), (2, 6), (3, 9), (2, 10), (2, 12), (3, 15), (2, 16), (2, 18), (2, 24), (3, 27)]
            .map { ConvGeometry(channels: 2, height: 7, width: $0.1, kernel: $0.0, stride: 2, same: false) }
        defer { loweringAVX2 = true }
        for (index, g) in (geometries + extra + stride2).enumerated() where g.strideW <= 2 {
            let batch = 3, size = batch * g.channels * g.inPixels
            var dCols = random.tensor([g.patchSize, batch * g.outPixels]).data
            if index % 3 == 0 {
                for (i, special) in [Float.infinity, -.infinity, .nan, -0.0, 0].enumerated() {
                    dCols[(i * 7919) % dCols.count] = special
                }
            }
            var fast = [Float](repeating: .nan, count: size), portable = fast
            dCols.withUnsafeBufferPointer { c in
                loweringAVX2 = true
                fast.withUnsafeMutableBufferPointer { col2im(c.baseAddress!, batch: batch, g, into: $0.baseAddress!) }
                loweringAVX2 = false
                portable.withUnsafeMutableBufferPointer { col2im(c.baseAddress!, batch: batch, g, into: $0.baseAddress!) }
            }
            XCTAssertEqual(fast.map(\.bitPattern), portable.map(\.bitPattern), "\(g.summary) \(g.height)x\(g.width)")
        }
    }

    /// The AVX2 im2col (horizontal stride 1 or 2) against the portable Swift loop: the same values, on every
    /// geometry (padded ones through their bordered copy), rows of fewer and more than 8 pixels.
    func testIm2ColAVX2EqualsPortable() throws {
        try XCTSkipUnless(ckernels_avx2_available() == 1, "this CPU cannot run AVX2")
        var random = TestRandom(25)
        let extra = [(2, 12, 30, 3, 1, false), (3, 9, 35, 2, 2, false), (1, 6, 11, 1, 1, false), (2, 40, 40, 4, 2, false)]
            .map { ConvGeometry(channels: $0.0, height: $0.1, width: $0.2, kernel: $0.3, stride: $0.4, same: $0.5) }
        defer { loweringAVX2 = true }
        for g in geometries + extra {
            let batch = 3, x = random.tensor([batch, g.channels, g.height, g.width]).data
            var fast = [Float](repeating: .nan, count: g.patchSize * batch * g.outPixels), portable = fast
            x.withUnsafeBufferPointer { xp in
                loweringAVX2 = true
                fast.withUnsafeMutableBufferPointer { im2col(xp.baseAddress!, batch: batch, g, into: $0.baseAddress!) }
                loweringAVX2 = false
                portable.withUnsafeMutableBufferPointer { im2col(xp.baseAddress!, batch: batch, g, into: $0.baseAddress!) }
            }
            XCTAssertEqual(fast.map(\.bitPattern), portable.map(\.bitPattern), "\(g.summary) \(g.height)x\(g.width)")
        }
    }
}
