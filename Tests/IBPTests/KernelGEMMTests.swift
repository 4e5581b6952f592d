import CKernels
import XCTest
@testable import IBP

/// `gemm` against a double-precision reference, for every kernel, every transpose, padded leading dimensions
/// and shapes that hit each edge of the AVX-512 kernel's tiles (8 x 32), its 16-deep transposes and its k, m
/// and n blocks (256, 192, 2048), and of the AVX2 kernel's (6 x 16 tiles, 8-deep transposes, blocks 256, 120,
/// 4096; n = 61 makes ldb = 64, B's packed rather than in-place path), with beta 0 (C uninitialised: NaN must not
/// leak in), 1 and a general value.
final class KernelGEMMTests: XCTestCase {
    private struct Shape { let m, n, k: Int }
    private let shapes: [Shape] = [
        (1, 1, 1), (3, 5, 7), (8, 32, 16), (9, 33, 17), (7, 31, 15), (16, 100, 256), (32, 200, 256),
        (100, 10, 3200), (10, 125, 300), (300, 100, 257), (13, 2049, 40), (193, 70, 513), (2, 300, 1), (40, 16, 1000),
        (6, 16, 8), (5, 15, 9), (121, 17, 9), (7, 61, 20), (4, 4097, 3),
    ].map { Shape(m: $0.0, n: $0.1, k: $0.2) }

    /// `precision` bf16: the reference rounds A and B to bfloat16 first (`bf16`), then sums exactly.
    private func check(kernel: GEMMKernel, precision: GEMMPrecision = .fp32, file: StaticString = #filePath,
                       line: UInt = #line) throws {
        try XCTSkipUnless(GEMMKernel.isAvailable(kernel), "this CPU cannot run \(kernel)")
        try XCTSkipUnless(GEMMPrecision.isAvailable(precision), "this CPU cannot run \(precision) products")
        let saved = GEMMKernel.current
        GEMMKernel.current = kernel
        defer { GEMMKernel.current = saved }
        let round: (Float) -> Float = precision == .bf16 ? bf16 : { $0 }
        var rng = RandomSource(seed: 42)
        for s in shapes {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (-0.5, 0.25)] {
                    // Leading dimensions one wider than needed, so a kernel that assumes packed rows fails.
                    let lda = (transA ? s.m : s.k) + 1, ldb = (transB ? s.k : s.n) + 3, ldc = s.n + 2
                    let a = (0..<((transA ? s.k : s.m) * lda)).map { _ in rng.uniform() * 2 - 1 }
                    let b = (0..<((transB ? s.n : s.k) * ldb)).map { _ in rng.uniform() * 2 - 1 }
                    let c0 = (0..<(s.m * ldc)).map { _ in beta == 0 ? Float.nan : rng.uniform() * 2 - 1 }
                    var c = c0
                    GEMMPrecision.with(precision) {
                        a.withUnsafeBufferPointer { ap in
                            b.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    gemm(transA: transA, transB: transB, m: s.m, n: s.n, k: s.k, alpha: alpha,
                                         a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb, beta: beta,
                                         c: cp.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                    }
                    XCTAssertEqual(GEMMPrecision.current, .fp32, "with(_:_:) restores float32", file: file, line: line)
                    var worst = 0.0
                    for i in 0..<s.m {
                        for j in 0..<s.n {
                            var sum = 0.0, scale = 0.0
                            for p in 0..<s.k {
                                let x = Double(round(transA ? a[p * lda + i] : a[i * lda + p]))
                                let y = Double(round(transB ? b[j * ldb + p] : b[p * ldb + j]))
                                sum += x * y
                                scale += abs(x * y)
                            }
                            let expected = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j]))
                            let error = abs(Double(c[i * ldc + j]) - expected) / (scale + 1)
                            worst = max(worst, error.isNaN ? .infinity : error)
                        }
                        // Padding columns of C are never written.
                        for j in s.n..<ldc where !(c[i * ldc + j].isNaN && c0[i * ldc + j].isNaN) {
                            XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j], "\(kernel) \(s) wrote past n", file: file,
                                           line: line)
                        }
                    }
                    XCTAssertLessThan(worst, 1e-5, "\(kernel) \(precision) \(s) transA \(transA) transB \(transB) alpha \(alpha) "
                                      + "beta \(beta)", file: file, line: line)
                }
            }
        }
    }

    func testAVX512KernelMatchesReference() throws { try check(kernel: .avx512) }

    func testAVX2KernelMatchesReference() throws { try check(kernel: .avx2) }

    func testBLASMatchesReference() throws { try check(kernel: .blas) }

    /// bf16 products (`train --precision bf16`) against the reference on bf16-rounded inputs; the kernel that
    /// `GEMMKernel.current` names does not matter to them.
    func testBF16KernelMatchesReference() throws { try check(kernel: .blas, precision: .bf16) }

    /// The bf16 kernel really rounds its inputs to nearest even with 7 fraction bits (ulp 2^-7 at 1): 1 + 2^-8 is
    /// half an ulp and ties to 1, 1 + 3 * 2^-8 ties to 1 + 2^-6, -0 adds nothing; sums of k = 1,000 such products
    /// are exact in float32, so C must be exactly k times the rounded value.
    func testBF16RoundsInputsToNearestEven() throws {
        try XCTSkipUnless(GEMMPrecision.isAvailable(.bf16), "this CPU cannot run bf16 products")
        let k = 1000
        for (value, rounded) in [(Float(1) + 0x1p-8, Float(1)), (1 + 3 * 0x1p-8, 1 + 0x1p-6), (-0.0, 0), (0.75, 0.75)] {
            let a = [Float](repeating: value, count: k), b = [Float](repeating: 1, count: k)
            var c: [Float] = [.nan]
            ckernels_sgemm_bf16(1, 1, k, 1, a, k, 1, b, 1, 1, 0, &c, 1)
            XCTAssertEqual(bf16(value), rounded, "the test's own rounding of \(value)")
            XCTAssertEqual(c[0], Float(k) * rounded, "\(value) rounded to bf16 and summed \(k) times")
        }
    }

    func testBF16KernelGeneralStrides() throws {
        try XCTSkipUnless(GEMMPrecision.isAvailable(.bf16), "this CPU cannot run bf16 products")
        try checkGeneralStrides(ckernels_sgemm_bf16, round: bf16)
    }

    /// The C kernels' general strides (neither operand has a unit stride), which `gemm` never passes but the
    /// C interface allows: A and B read from every other element of wider arrays.
    func testAVX512KernelGeneralStrides() throws {
        try XCTSkipUnless(GEMMKernel.isAvailable(.avx512), "this CPU cannot run avx512")
        try checkGeneralStrides(ckernels_sgemm)
    }

    func testAVX2KernelGeneralStrides() throws {
        try XCTSkipUnless(GEMMKernel.isAvailable(.avx2), "this CPU cannot run avx2")
        try checkGeneralStrides(ckernels_sgemm_avx2)
    }

    /// A row's bits do not depend on which row panel holds it: for m whose last panel the AVX2 kernel rebalances
    /// (remainders of 1-3 rows merged with the panel before, e.g. 32 = ..., 6, 4, 4) and m over one 120-row block,
    /// C equals the m one-row products (each its own 1-row panel) bit for bit, with beta 0 and 1 and k over 256.
    func testAVX2RowsIndependentOfPanels() throws {
        try XCTSkipUnless(GEMMKernel.isAvailable(.avx2), "this CPU cannot run avx2")
        var rng = RandomSource(seed: 17)
        for (m, n, k) in [(32, 200, 256), (7, 40, 16), (9, 33, 300), (200, 100, 64), (13, 17, 5), (4, 16, 8)] {
            let a = (0..<(m * k)).map { _ in rng.uniform() - 0.5 }
            let b = (0..<(k * n)).map { _ in rng.uniform() - 0.5 }
            let c0 = (0..<(m * n)).map { _ in rng.uniform() - 0.5 }
            for beta in [Float(0), 1] {
                var whole = c0, rows = c0
                ckernels_sgemm_avx2(m, n, k, 1, a, k, 1, b, n, 1, beta, &whole, n)
                for i in 0..<m {
                    a.withUnsafeBufferPointer { ap in
                        rows.withUnsafeMutableBufferPointer { cp in
                            ckernels_sgemm_avx2(1, n, k, 1, ap.baseAddress! + i * k, k, 1, b, n, 1, beta,
                                                cp.baseAddress! + i * n, n)
                        }
                    }
                }
                XCTAssertEqual(whole.map(\.bitPattern), rows.map(\.bitPattern), "\(m)x\(n)x\(k) beta \(beta)")
            }
        }
    }

    private typealias CKernel = (Int, Int, Int, Float, UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int, Int,
                                 Float, UnsafeMutablePointer<Float>?, Int) -> Void

    private func checkGeneralStrides(_ sgemm: CKernel, round: (Float) -> Float = { $0 }) throws {
        var rng = RandomSource(seed: 9)
        for (m, n, k) in [(9, 33, 17), (16, 64, 300), (3, 5, 2)] {
            // op(A)(i, p) = a[i * 2k + 2p], op(B)(p, j) = b[2p + j * 2k].
            let a = (0..<(2 * m * k)).map { _ in rng.uniform() - 0.5 }
            let b = (0..<(2 * n * k)).map { _ in rng.uniform() - 0.5 }
            var c = [Float](repeating: .nan, count: m * n)
            sgemm(m, n, k, 1, a, 2 * k, 2, b, 2, 2 * k, 0, &c, n)
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k { sum += Double(round(a[i * 2 * k + 2 * p])) * Double(round(b[2 * p + j * 2 * k])) }
                    XCTAssertEqual(Double(c[i * n + j]), sum, accuracy: 1e-4, "\(m)x\(n)x\(k) (\(i), \(j))")
                }
            }
        }
    }
}

/// x rounded to bfloat16 (8 significant bits, round to nearest even), as a Float: the reference for the bf16
/// kernel's input rounding (vcvtneps2bf16; NaN is not used by the tests).
func bf16(_ x: Float) -> Float {
    let bits = x.bitPattern
    let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
    return Float(bitPattern: rounded)
}
