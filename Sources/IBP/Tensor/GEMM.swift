import IBPFormats
import CBLAS
import CKernels

/// Which code computes the products.
public enum GEMMKernel: String, Sendable, CaseIterable {
    /// The project's packed AVX-512 kernel (CKernels): on a CPU whose AVX-512 units are 512 bits wide, twice the
    /// FLOPs per cycle of AVX2 kernels, and no per-call overhead beyond packing.
    case avx512
    /// The project's packed AVX2 + FMA kernel (CKernels, 6 x 16 register tile): on CPUs without AVX-512, it reads
    /// row-major B in place and skips OpenBLAS's per-call set-up, which on the layers' small products (16-32 rows
    /// of C, depth 16-256) is a large share of each call.
    case avx2
    /// The system BLAS (OpenBLAS, with the kernels it picks for the CPU).
    case blas

    /// The kernel `gemm` uses: `preferred(for: .current)`. Tests set `.blas` to check both against a reference.
    nonisolated(unsafe) public static var current: GEMMKernel = preferred(for: .current)

    /// Whether this CPU can run `kernel`.
    public static func isAvailable(_ kernel: GEMMKernel) -> Bool {
        switch kernel {
        case .blas: return true
        case .avx2: return ckernels_avx2_available() == 1
        case .avx512: return ckernels_available() == 1
        }
    }

    /// The kernel for `cpu`, by a table of measurements rather than by the presence of AVX-512 alone:
    /// - AMD Zen 3 (family 25 without AVX-512): the project's AVX2 kernel. On the layers' products it measured
    ///   1.1-1.9x OpenBLAS's Zen kernels (small m and k: 16-32 output channels, depth 16-256) and within 5% of them
    ///   on large square ones; a whole IBP training step was faster (issue 16, NOTES-perf16.md);
    /// - other CPUs without AVX-512: OpenBLAS (the AVX2 kernel is unmeasured there);
    /// - AMD Zen 4 (family 25 with AVX-512): the project's AVX2 kernel. Zen 4 executes 512-bit operations on
    ///   256-bit units, so AVX-512 buys no FLOPs there; on one core (`ibp-bench --threads 1 --clock cpu`, stop 23)
    ///   the sgemm peaks were 110 GFLOP/s (avx2, the core's 2 x 8-lane FMA rate at ~3.5 GHz), 103 (OpenBLAS,
    ///   Cooperlake kernels) and 99 (avx512), and the small IBP step 3,369 / 3,190 / 3,288 samples/s. (Stop 20
    ///   picked OpenBLAS from one two-core run, 191 against 185 GFLOP/s for avx512, without the avx2 kernel.)
    /// - other CPUs with AVX-512 (Intel server parts, AMD Zen 5 with full-width units): the project's kernel
    ///   (313-372 GFLOP/s against OpenBLAS's 236-251 on the AVX-512 EPYC of stop 9).
    /// `ibp-bench` measures every kernel that runs (and `--kernel` runs the layers on any of them), so a CPU the
    /// table gets wrong shows it.
    public static func preferred(for cpu: CPUInfo, avx512Runs: Bool = ckernels_available() == 1,
                                 avx2Runs: Bool = ckernels_avx2_available() == 1) -> GEMMKernel {
        if cpu.amdCore == "Zen 3" || cpu.amdCore == "Zen 4" { return avx2Runs ? .avx2 : .blas }
        return avx512Runs ? .avx512 : .blas
    }

    /// OpenBLAS's own description of itself: version and build options, and the core type whose kernels it runs.
    public static var blasDescription: String {
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        return "\(config.trimmingCharacters(in: .whitespaces)), core \(core)"
    }
}

/// The precision of `gemm`'s products. Everything computes in float32 unless a caller opts in for a scope
/// (`GEMMPrecision.with`): `train --precision bf16` does so for its training steps only (issue 16), never for
/// evaluations, checkpoints' bounds, certificates or sound bounds.
public enum GEMMPrecision: String, Codable, Sendable, CaseIterable, NamedChoice {
    /// float32 products on the kernel `GEMMKernel.current` picks.
    case fp32
    /// A and B rounded to bfloat16 (round to nearest even), products summed in float32 by AVX512_BF16's vdpbf16ps
    /// (`ckernels_sgemm_bf16`): twice the multiply-adds per cycle of float32 FMAs where the CPU has it.
    case bf16

    /// The precision `gemm` uses now (`fp32` unless inside `with`).
    nonisolated(unsafe) public private(set) static var current: GEMMPrecision = .fp32

    /// Whether this CPU runs `precision` (bf16 needs AVX-512 F/BW/VL and AVX512_BF16).
    public static func isAvailable(_ precision: GEMMPrecision) -> Bool {
        precision == .fp32 || bf16Runs
    }

    /// Whether this CPU runs bf16 products (`ckernels_bf16_available`); tests set it false to see a CPU without.
    nonisolated(unsafe) static var bf16Runs = ckernels_bf16_available() == 1

    /// Runs `body` with `gemm` in `precision`, then restores the precision before it. Not reentrant across
    /// threads: the training loop calls it from its one driving thread; `gemm`'s workers read the value the
    /// caller read. Precondition: `isAvailable(precision)`.
    public static func with<T>(_ precision: GEMMPrecision, _ body: () throws -> T) rethrows -> T {
        precondition(isAvailable(precision), "\(precision) products need AVX512_BF16, which this CPU lacks")
        let saved = current
        current = precision
        defer { current = saved }
        return try body()
    }
}

/// OpenBLAS runs single-threaded and `gemm` splits its work over `Parallel.workers` itself: OpenBLAS's idle
/// workers spin in sched_yield between calls, which on a 2-core machine took about a third of the CPU from
/// the layers' own parallel loops (and from any other process).
private let blasThreadsPinned: Void = openblas_set_num_threads(1)

/// Below this many multiply-adds a GEMM runs on one core: dispatching costs more than it saves.
private let parallelGEMMWork = 1 << 18

/// The one entry to both GEMM kernels: C = alpha * op(A) * op(B) + beta * C, all row-major.
/// op(A) is m x k, op(B) is k x n, C is m x n. Large products are split over the cores: by blocks of rows or
/// columns of C when C is big enough, else along k into private partial sums added at the end; `parallel` false
/// keeps it on the calling thread (for callers that already run one slice of their work per worker).
func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true) {
    guard m > 0, n > 0 else { return }
    _ = blasThreadsPinned
    let kernel = GEMMKernel.current, precision = GEMMPrecision.current
    func serial(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float,
                c: UnsafeMutablePointer<Float>, ldc: Int) {
        if precision == .bf16 {
            return ckernels_sgemm_bf16(m, n, k, alpha, a, transA ? 1 : lda, transA ? lda : 1, b, transB ? 1 : ldb,
                                       transB ? ldb : 1, beta, c, ldc)
        }
        if kernel == .avx512 {
            // op(A)(i, p) = a[i rsa + p csa], op(B)(p, j) = b[p rsb + j csb].
            return ckernels_sgemm(m, n, k, alpha, a, transA ? 1 : lda, transA ? lda : 1, b, transB ? 1 : ldb,
                                  transB ? ldb : 1, beta, c, ldc)
        }
        if kernel == .avx2 {
            return ckernels_sgemm_avx2(m, n, k, alpha, a, transA ? 1 : lda, transA ? lda : 1, b, transB ? 1 : ldb,
                                       transB ? ldb : 1, beta, c, ldc)
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    // Whether and how to split depends only on the shape, never on `workers`, so results are the same bits for
    // any number of cores (splitting rows or columns of C does not change any sum; splitting k does). The two
    // kernels round differently, so bits match between machines that run the same kernel.
    guard parallel, m * n * k >= parallelGEMMWork else {
        return serial(m: m, n: n, k: k, a: a, b: b, beta: beta, c: c, ldc: ldc)
    }
    // Blocks of 16 keep every part a whole number of the micro-kernel's panels.
    let block = 16
    if n >= m, n >= 4 * block {
        Parallel.chunks((n + block - 1) / block) { range in
            let lo = range.lowerBound * block, hi = min(n, range.upperBound * block)
            serial(m: m, n: hi - lo, k: k, a: a, b: transB ? b + lo * ldb : b + lo, beta: beta, c: c + lo, ldc: ldc)
        }
    } else if m >= 4 * block {
        Parallel.chunks((m + block - 1) / block) { range in
            let lo = range.lowerBound * block, hi = min(m, range.upperBound * block)
            serial(m: hi - lo, n: n, k: k, a: transA ? a + lo : a + lo * lda, b: b, beta: beta, c: c + lo * ldc,
                   ldc: ldc)
        }
    } else {
        // C = beta C + sum_p op(A)[:, K_p] op(B)[K_p, :]: part 0 accumulates into C, the others into scratch.
        let parts = min(2, max(1, k / block))
        var partial = [Float](repeating: 0, count: (parts - 1) * m * n)
        partial.withUnsafeMutableBufferPointer { scratch in
            Parallel.parts(parts) { p in
                let lo = k * p / parts, hi = k * (p + 1) / parts
                let ap = transA ? a + lo * lda : a + lo, bp = transB ? b + lo : b + lo * ldb
                if p == 0 {
                    serial(m: m, n: n, k: hi - lo, a: ap, b: bp, beta: beta, c: c, ldc: ldc)
                } else {
                    serial(m: m, n: n, k: hi - lo, a: ap, b: bp, beta: 0, c: scratch.baseAddress! + (p - 1) * m * n,
                           ldc: n)
                }
            }
            for p in 1..<parts {
                let s = scratch.baseAddress! + (p - 1) * m * n
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] += s[i * n + j] } }
            }
        }
    }
}

/// Sets the number of threads each OpenBLAS call may use; `gemm` already spreads its calls over
/// `Parallel.workers`, so more than 1 only oversubscribes the cores.
public func setBLASThreads(_ n: Int) {
    _ = blasThreadsPinned
    openblas_set_num_threads(Int32(n))
}
