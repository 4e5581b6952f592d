// A packed single-precision GEMM for AVX-512 (BLIS-style: pack a k-slice of A into MR-row panels and of B into
// NR-column panels, then an MR x NR register-blocked micro-kernel). It exists because the system OpenBLAS may be
// pinned to its AVX2 kernels (OPENBLAS_CORETYPE), which halves this machine's peak, and because the layers'
// products are small: packing each operand once per call and masking the edges beats a general BLAS call there.
#include "ckernels.h"
#include "scratch.h"
#include "avx512_tile.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>

enum {
    MR = 8,    // rows of C per micro-tile: 8 x 2 zmm accumulators leave room for the B vectors
    NR = 32,   // columns of C per micro-tile: two 16-float vectors
    KC = 256,  // depth of one packed slice: an NR panel of B (32 KiB) stays in L1 across the MR tiles of A
    MC = 192,  // rows of A packed at once: 192 KiB that stay in L2 while every B panel passes
    NC = 2048, // columns of B packed at once (2 MiB at most, read from L3 once per MC block of rows)
};

static int has_avx512;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void detect_cpu(void) {
    __builtin_cpu_init();
    has_avx512 = __builtin_cpu_supports("avx512f") ? 1 : 0;
}

int ckernels_available(void) {
    pthread_once(&cpu_once, detect_cpu);
    return has_avx512;
}


// dst[p * MR + i] = A(i, p) for p < kc, i < MR; rows past `rows` are zero so the kernel never branches on the edge.
__attribute__((target("avx512f")))
static void pack_a(const float *a, ptrdiff_t rsa, ptrdiff_t csa, ptrdiff_t rows, ptrdiff_t kc, float *dst) {
    if (rsa == 1) {
        // Transposed A: the MR values of one p are contiguous.
        __mmask16 m = lanes(rows);
        for (ptrdiff_t p = 0; p < kc; p++)
            _mm256_store_ps(dst + p * MR, _mm512_castps512_ps256(_mm512_maskz_loadu_ps(m, a + p * csa)));
        return;
    }
    if (csa == 1) {
        // Rows of A are contiguous: transpose 16-deep blocks of the MR rows in registers.
        for (ptrdiff_t p0 = 0; p0 < kc; p0 += 16) {
            __mmask16 m = lanes(kc - p0);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = i < rows && i < MR ? _mm512_maskz_loadu_ps(m, a + i * rsa + p0) : _mm512_setzero_ps();
            transpose16(r);
            for (int q = 0; q < 16 && p0 + q < kc; q++)
                _mm256_store_ps(dst + (p0 + q) * MR, _mm512_castps512_ps256(r[q]));
        }
        return;
    }
    for (ptrdiff_t i = 0; i < MR; i++)
        for (ptrdiff_t p = 0; p < kc; p++) dst[p * MR + i] = i < rows ? a[i * rsa + p * csa] : 0;
}

// dst[p * NR + j] = B(p, j) for p < kc, j < NR; columns past `cols` are zero.
__attribute__((target("avx512f")))
static void pack_b(const float *b, ptrdiff_t rsb, ptrdiff_t csb, ptrdiff_t cols, ptrdiff_t kc, float *dst) {
    if (csb == 1) {
        // Rows of B are contiguous: two (masked) vector copies per row.
        __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
        for (ptrdiff_t p = 0; p < kc; p++) {
            const float *src = b + p * rsb;
            _mm512_store_ps(dst + p * NR, _mm512_maskz_loadu_ps(m0, src));
            _mm512_store_ps(dst + p * NR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
        }
        return;
    }
    if (rsb == 1) {
        // Transposed B: columns are contiguous; transpose 16 x 16 blocks in registers.
        for (ptrdiff_t p0 = 0; p0 < kc; p0 += 16) {
            __mmask16 m = lanes(kc - p0);
            for (int half = 0; half < NR / 16; half++) {
                __m512 r[16];
                for (int j = 0; j < 16; j++) {
                    ptrdiff_t col = half * 16 + j;
                    r[j] = col < cols ? _mm512_maskz_loadu_ps(m, b + col * csb + p0) : _mm512_setzero_ps();
                }
                transpose16(r);
                for (int q = 0; q < 16 && p0 + q < kc; q++) _mm512_store_ps(dst + (p0 + q) * NR + half * 16, r[q]);
            }
        }
        return;
    }
    for (ptrdiff_t j = 0; j < NR; j++)
        for (ptrdiff_t p = 0; p < kc; p++) dst[p * NR + j] = j < cols ? b[p * rsb + j * csb] : 0;
}

// C[0..rows, 0..cols] = alpha * (A_panel B) + beta * C over a kc-deep packed A panel and NR columns of B, rows
// ldb apart (packed, or read in place). beta == 0 never reads C
// (it may be uninitialised memory).
__attribute__((target("avx512f")))
static void kernel(ptrdiff_t kc, const float *restrict a, const float *restrict b, ptrdiff_t ldb, float *c,
                   ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t cols, float alpha, float beta) {
    __m512 c0[MR], c1[MR];
    __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
    for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (ptrdiff_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb), b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + 16);
        const float *ap = a + p * MR;
        for (int i = 0; i < MR; i++) {
            __m512 ai = _mm512_set1_ps(ap[i]);
            c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
            c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
        }
    }
    store_tile(c, ldc, MR, rows, cols, c0, c1, alpha, beta);
}

void ckernels_sgemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                 const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                 const float *b, ptrdiff_t rsb, ptrdiff_t csb,
                 float beta, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) return ckernels_scale_c(m, n, beta, c, ldc);
    // Row-major B is read in place unless its row stride is a multiple of 256 bytes: then the rows of a panel
    // would crowd a few L1 sets and evict each other, and a packed copy is faster.
    int direct = csb == 1 && rsb % 64 != 0;
    ptrdiff_t mcMax = m < MC ? m : MC, ncMax = n < NC ? n : NC;
    float *packedA = ckernels_scratch_reserve((size_t)(((mcMax + MR - 1) / MR) * MR * KC + ((ncMax + NR - 1) / NR) * NR * KC));
    float *packedB = packedA + ((mcMax + MR - 1) / MR) * MR * KC;
    for (ptrdiff_t pc = 0; pc < k; pc += KC) {
        ptrdiff_t kc = k - pc < KC ? k - pc : KC;
        // Later slices add to what the first one wrote.
        float sliceBeta = pc == 0 ? beta : 1;
        for (ptrdiff_t jc = 0; jc < n; jc += NC) {
            ptrdiff_t nc = n - jc < NC ? n - jc : NC, nPanels = (nc + NR - 1) / NR;
            for (ptrdiff_t jp = 0; jp < nPanels && !direct; jp++) {
                ptrdiff_t j0 = jc + jp * NR, cols = n - j0 < NR ? n - j0 : NR;
                pack_b(b + pc * rsb + j0 * csb, rsb, csb, cols, kc, packedB + jp * NR * kc);
            }
            for (ptrdiff_t ic = 0; ic < m; ic += MC) {
                ptrdiff_t mc = m - ic < MC ? m - ic : MC, mPanels = (mc + MR - 1) / MR;
                for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                    ptrdiff_t i0 = ic + ip * MR, rows = m - i0 < MR ? m - i0 : MR;
                    pack_a(a + i0 * rsa + pc * csa, rsa, csa, rows, kc, packedA + ip * MR * kc);
                }
                for (ptrdiff_t jp = 0; jp < nPanels; jp++) {
                    ptrdiff_t j0 = jc + jp * NR, cols = n - j0 < NR ? n - j0 : NR;
                    for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                        ptrdiff_t i0 = ic + ip * MR, rows = m - i0 < MR ? m - i0 : MR;
                        const float *panel = direct ? b + pc * rsb + j0 : packedB + jp * NR * kc;
                        kernel(kc, packedA + ip * MR * kc, panel, direct ? rsb : NR, c + i0 * ldc + j0, ldc, rows,
                               cols, alpha, sliceBeta);
                    }
                }
            }
        }
    }
}
