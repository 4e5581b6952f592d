import CBLAS

/// The one place that calls BLAS: C = alpha * op(A) * op(B) + beta * C, all row-major.
/// op(A) is m x k, op(B) is k x n, C is m x n.
@inline(__always)
func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Sets the number of threads OpenBLAS may use (the rest of the code uses `Parallel.workers`).
public func setBLASThreads(_ n: Int) {
    openblas_set_num_threads(Int32(n))
}
