/// This machine's sgemm peak, measured with the same kernel and threading the layers use.
public enum SGEMMPeak {
    /// GFLOP/s of C = A B for square n x n matrices (2 n^3 FLOPs per call) with `kernel`, one value per timed run.
    public static func gflops(size n: Int = 2048, kernel: GEMMKernel = GEMMKernel.current,
                              stopwatch: Stopwatch) -> [Double] {
        let saved = GEMMKernel.current
        GEMMKernel.current = kernel
        defer { GEMMKernel.current = saved }
        var rng = RandomSource(seed: 3)
        let a = (0..<(n * n)).map { _ in rng.uniform() - 0.5 }, b = (0..<(n * n)).map { _ in rng.uniform() - 0.5 }
        var c = [Float](repeating: 0, count: n * n)
        let flops = 2 * Double(n) * Double(n) * Double(n)
        let once = Stopwatch(repeats: stopwatch.repeats, targetSeconds: 0, clock: stopwatch.clock)
        return a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    once.rates(items: 1) {
                        gemm(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n,
                             c: cp.baseAddress!, ldc: n)
                    }.map { $0 * flops * 1e-9 }
                }
            }
        }
    }
}
