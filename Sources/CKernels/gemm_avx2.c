// A packed single-precision GEMM for AVX2 + FMA (BLIS-style, as gemm.c for AVX-512): pack a k-slice of A into
// MR-row panels and of B into NR-column panels, then a 6 x 16 register-blocked micro-kernel (12 ymm
// accumulators, two B vectors and one broadcast: 15 of the 16 ymm registers).
// Why it exists: on CPUs without AVX-512 the layers otherwise call OpenBLAS once per cache-sized slice of the
// batch, and the layers' products are small (m of 16-32 output channels, k of 16-256): OpenBLAS's per-call set-up
// and its packing of both operands are a large share of such calls. Here row-major B is read in place (no copy)
// when its stride does not alias in L1, and edges are masked rather than copied through a scratch tile.
// Whether it is used is decided by measurement per CPU (GEMMKernel.preferred(for:)).
#include "ckernels.h"
#include "scratch.h"

#include <immintrin.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>

enum {
    MR = 6,    // rows of C per micro-tile
    NR = 16,   // columns of C per micro-tile: two 8-float vectors
    KC = 256,  // depth of one packed slice: an NR panel of B (16 KiB) stays in L1 across the MR tiles of A
    MC = 120,  // rows of A packed at once: 120 KiB that stay in L2 while every B panel passes
    NC = 4096, // columns of B packed at once (4 MiB at most, read from L3 once per MC block of rows)
};

static int has_avx2;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void detect_cpu(void) {
    __builtin_cpu_init();
    has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

int ckernels_avx2_available(void) {
    pthread_once(&cpu_once, detect_cpu);
    return has_avx2;
}

// A mask for _mm256_maskload_ps / maskstore: the first `count` (0...8) lanes.
__attribute__((target("avx2")))
static inline __m256i lanes(ptrdiff_t count) {
    int c = count >= 8 ? 8 : count <= 0 ? 0 : (int)count;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// In-register transpose of an 8 x 8 block: afterwards r[q] holds what was column q of the rows r[0..7].
__attribute__((target("avx2"), always_inline))
static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

// dst[p * MR + i] = A(i, p) for p < kc, i < MR; rows past `rows` are zero so the kernel never branches on the edge.
// Each p's MR values are written as one 8-lane store whose last two lanes the next p's store overwrites (the
// caller leaves 8 floats of slack after the packed panels): a scalar gather of A took 4% of an IBP training step,
// as A (the weights, or a weight gradient's dY) is packed again for every slice of the batch.
__attribute__((target("avx2")))
static void pack_a(const float *a, ptrdiff_t rsa, ptrdiff_t csa, ptrdiff_t rows, ptrdiff_t kc, float *dst) {
    if (rsa == 1) {
        // Transposed A: the MR values of one p are contiguous.
        __m256i m = lanes(rows);
        for (ptrdiff_t p = 0; p < kc; p++) _mm256_storeu_ps(dst + p * MR, _mm256_maskload_ps(a + p * csa, m));
        return;
    }
    ptrdiff_t p0 = 0;
    if (csa == 1) {
        // Rows of A are contiguous: transpose 8-deep blocks of the MR rows in registers.
        for (; p0 + 8 <= kc; p0 += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = i < rows && i < MR ? _mm256_loadu_ps(a + i * rsa + p0) : _mm256_setzero_ps();
            transpose8(r);
            for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + (p0 + q) * MR, r[q]);
        }
    }
    for (ptrdiff_t p = p0; p < kc; p++)
        for (ptrdiff_t i = 0; i < MR; i++) dst[p * MR + i] = i < rows ? a[i * rsa + p * csa] : 0;
}

// dst[p * NR + j] = B(p, j) for p < kc, j < NR; columns past `cols` are zero.
__attribute__((target("avx2")))
static void pack_b(const float *b, ptrdiff_t rsb, ptrdiff_t csb, ptrdiff_t cols, ptrdiff_t kc, float *dst) {
    if (csb == 1) {
        // Rows of B are contiguous: two (masked) vector copies per row.
        __m256i m0 = lanes(cols), m1 = lanes(cols - 8);
        for (ptrdiff_t p = 0; p < kc; p++) {
            const float *src = b + p * rsb;
            _mm256_store_ps(dst + p * NR, _mm256_maskload_ps(src, m0));
            _mm256_store_ps(dst + p * NR + 8, _mm256_maskload_ps(src + 8, m1));
        }
        return;
    }
    if (rsb == 1) {
        // Transposed B: columns are contiguous; transpose 8 x 8 blocks in registers (a scalar gather of a
        // linear layer's W^T cost as much as the product itself).
        ptrdiff_t p0 = 0;
        for (; p0 + 8 <= kc; p0 += 8) {
            for (int half = 0; half < NR / 8; half++) {
                __m256 r[8];
                for (int j = 0; j < 8; j++) {
                    ptrdiff_t col = half * 8 + j;
                    r[j] = col < cols ? _mm256_loadu_ps(b + col * csb + p0) : _mm256_setzero_ps();
                }
                transpose8(r);
                for (int q = 0; q < 8; q++) _mm256_store_ps(dst + (p0 + q) * NR + half * 8, r[q]);
            }
        }
        for (; p0 < kc; p0++)
            for (ptrdiff_t j = 0; j < NR; j++) dst[p0 * NR + j] = j < cols ? b[p0 + j * csb] : 0;
        return;
    }
    for (ptrdiff_t j = 0; j < NR; j++)
        for (ptrdiff_t p = 0; p < kc; p++) dst[p * NR + j] = j < cols ? b[p * rsb + j * csb] : 0;
}

// C[0..rows, 0..cols] = alpha * (A_panel B) + beta * C over a kc-deep packed A panel and NR columns of B, rows
// ldb apart (packed, or read in place), for R = rows (1...MR, a constant once inlined). The loop reads whole
// NR-wide rows of B (edge panels are always packed, zero-padded), so it holds no masks: 2R accumulators, 2 B
// vectors and the broadcast fit the 16 ymm registers without spilling. A panel of fewer rows (m = 16 or 32 output
// channels leave 4 or 2) runs only its own rows' FMAs rather than a full tile's. Edge tiles of C go through a
// small buffer. beta == 0 never reads C (it may be uninitialised memory).
__attribute__((target("avx2,fma"), always_inline))
static inline void kernel_rows(const int R, ptrdiff_t kc, const float *restrict a, const float *restrict b,
                               ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t cols, float alpha, float beta) {
    __m256 acc[MR][2];
    for (int i = 0; i < R; i++) { acc[i][0] = _mm256_setzero_ps(); acc[i][1] = _mm256_setzero_ps(); }
#pragma clang loop unroll_count(4)
    for (ptrdiff_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        for (int i = 0; i < R; i++) {
            __m256 ai = _mm256_broadcast_ss(a + i);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
        a += MR;
        b += ldb;
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (cols == NR) {
        for (int i = 0; i < R; i++) {
            float *ci = c + i * ldc;
            __m256 r0 = _mm256_mul_ps(acc[i][0], va), r1 = _mm256_mul_ps(acc[i][1], va);
            if (beta != 0) {
                r0 = _mm256_fmadd_ps(_mm256_loadu_ps(ci), vb, r0);
                r1 = _mm256_fmadd_ps(_mm256_loadu_ps(ci + 8), vb, r1);
            }
            _mm256_storeu_ps(ci, r0);
            _mm256_storeu_ps(ci + 8, r1);
        }
        return;
    }
    float tile[NR];
    for (int i = 0; i < R; i++) {
        float *ci = c + i * ldc;
        _mm256_storeu_ps(tile, _mm256_mul_ps(acc[i][0], va));
        _mm256_storeu_ps(tile + 8, _mm256_mul_ps(acc[i][1], va));
        // The same operations as the full-tile path (one rounding for alpha, one fused multiply-add for beta),
        // so a column's bits do not depend on whether it fell in an edge tile.
        for (ptrdiff_t j = 0; j < cols; j++) ci[j] = beta != 0 ? fmaf(ci[j], beta, tile[j]) : tile[j];
    }
}

__attribute__((target("avx2,fma")))
static void kernel(ptrdiff_t kc, const float *restrict a, const float *restrict b, ptrdiff_t ldb, float *c,
                   ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t cols, float alpha, float beta) {
    switch (rows) {
    case 1: kernel_rows(1, kc, a, b, ldb, c, ldc, cols, alpha, beta); break;
    case 2: kernel_rows(2, kc, a, b, ldb, c, ldc, cols, alpha, beta); break;
    case 3: kernel_rows(3, kc, a, b, ldb, c, ldc, cols, alpha, beta); break;
    case 4: kernel_rows(4, kc, a, b, ldb, c, ldc, cols, alpha, beta); break;
    case 5: kernel_rows(5, kc, a, b, ldb, c, ldc, cols, alpha, beta); break;
    default: kernel_rows(MR, kc, a, b, ldb, c, ldc, cols, alpha, beta); break;
    }
}

// Row panel ip of an mc-row block: its first row and row count. MR rows each, except that a remainder of 1-3 rows
// is merged with the panel before it and the two split evenly (m = 32: 6, 6, 6, 6, 4, 4 rather than 6, ..., 6, 2).
// Why: a panel of R rows keeps 2R accumulators, and the FMA latency (4 cycles, 2 per cycle on Zen 3) needs 8 in
// flight, so a 2-row panel ran at half the rate and a 1-row panel at a quarter; the layers' m = 32 (output
// channels of `small`'s second convolution, forward and weight gradient) and m = 80 (the last 120-row block of a
// linear layer's 200 stacked rows) each ended in a 2-row panel. Each element's sum is the same sequence of FMAs
// whichever panel holds its row, so the bits do not change.
static inline void panel_rows(ptrdiff_t ip, ptrdiff_t mc, ptrdiff_t *first, ptrdiff_t *rows) {
    ptrdiff_t panels = (mc + MR - 1) / MR, rest = mc % MR;
    if (panels < 2 || rest == 0 || rest > 3 || ip < panels - 2) {
        *first = ip * MR;
        *rows = mc - ip * MR < MR ? mc - ip * MR : MR;
        return;
    }
    ptrdiff_t start = (panels - 2) * MR, upper = (MR + rest + 1) / 2;
    *first = ip == panels - 2 ? start : start + upper;
    *rows = ip == panels - 2 ? upper : (MR + rest) / 2;
}

void ckernels_sgemm_avx2(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                         const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                         const float *b, ptrdiff_t rsb, ptrdiff_t csb,
                         float beta, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) return ckernels_scale_c(m, n, beta, c, ldc);
    // Row-major B is read in place unless its row stride is a multiple of 256 bytes: then the rows of a panel
    // crowd a few L1 sets and evict each other, and a packed copy is faster, but only when many row panels of A
    // reuse it: with m <= 64 (a layer's 16-64 output channels, or a weight gradient's rows) packing is a pass over
    // all of B that a few tiles do not repay (measured: m = 50, n = 3200, k = 200 ran 1.4x faster in place;
    // m = 1024 ran 2.4x slower). A stride of a multiple of 4 KiB puts every row in one L1 set (and a few L2
    // sets): always packed (m = 64, n = 1024, k = 64 ran 2x slower in place).
    int direct = csb == 1 && (rsb % 64 != 0 || (m <= 64 && rsb % 1024 != 0));
    ptrdiff_t mcMax = m < MC ? m : MC, ncMax = n < NC ? n : NC;
    size_t aFloats = (size_t)(((mcMax + MR - 1) / MR) * MR * KC);
    // 8 floats of slack after the A panels: pack_a's last 8-lane store reaches 2 floats past its panel.
    float *packedA = ckernels_scratch_reserve(aFloats + 8 + (size_t)(((ncMax + NR - 1) / NR) * NR * KC));
    float *packedB = packedA + aFloats + 8;
    for (ptrdiff_t pc = 0; pc < k; pc += KC) {
        ptrdiff_t kc = k - pc < KC ? k - pc : KC;
        // Later slices add to what the first one wrote.
        float sliceBeta = pc == 0 ? beta : 1;
        for (ptrdiff_t jc = 0; jc < n; jc += NC) {
            ptrdiff_t nc = n - jc < NC ? n - jc : NC, nPanels = (nc + NR - 1) / NR;
            for (ptrdiff_t jp = 0; jp < nPanels; jp++) {
                ptrdiff_t j0 = jc + jp * NR, cols = n - j0 < NR ? n - j0 : NR;
                // Read in place, B's last (narrower) panel would need masked loads in the loop: it is packed.
                if (!direct || cols < NR) pack_b(b + pc * rsb + j0 * csb, rsb, csb, cols, kc, packedB + jp * NR * kc);
            }
            for (ptrdiff_t ic = 0; ic < m; ic += MC) {
                ptrdiff_t mc = m - ic < MC ? m - ic : MC, mPanels = (mc + MR - 1) / MR;
                for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                    ptrdiff_t first, rows;
                    panel_rows(ip, mc, &first, &rows);
                    ptrdiff_t i0 = ic + first;
                    pack_a(a + i0 * rsa + pc * csa, rsa, csa, rows, kc, packedA + ip * MR * kc);
                }
                for (ptrdiff_t jp = 0; jp < nPanels; jp++) {
                    ptrdiff_t j0 = jc + jp * NR, cols = n - j0 < NR ? n - j0 : NR;
                    int inPlace = direct && cols == NR;
                    const float *panel = inPlace ? b + pc * rsb + j0 : packedB + jp * NR * kc;
                    for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                        ptrdiff_t first, rows;
                        panel_rows(ip, mc, &first, &rows);
                        ptrdiff_t i0 = ic + first;
                        kernel(kc, packedA + ip * MR * kc, panel, inPlace ? rsb : NR, c + i0 * ldc + j0, ldc, rows,
                               cols, alpha, sliceBeta);
                    }
                }
            }
        }
    }
}

// A packed once for many products with it (`TransposedRows`: W^T of a linear layer against one 16-column panel of
// rows after another, where packing A per call cost as much as the panel's product): every KC-deep slice of every
// MR-row panel (`panel_rows`' split), slice by slice, in the layout `kernel` reads.
size_t ckernels_sgemm_avx2_packed_size(ptrdiff_t m, ptrdiff_t k) {
    ptrdiff_t panels = (m + MR - 1) / MR;
    // 8 floats of slack: pack_a's last 8-lane store reaches 2 floats past its panel.
    return (size_t)(panels * MR * k + 8);
}

void ckernels_sgemm_avx2_pack(ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t rsa, ptrdiff_t csa, float *packed) {
    ptrdiff_t panels = (m + MR - 1) / MR;
    for (ptrdiff_t pc = 0; pc < k; pc += KC) {
        ptrdiff_t kc = k - pc < KC ? k - pc : KC;
        for (ptrdiff_t ip = 0; ip < panels; ip++) {
            ptrdiff_t first, rows;
            panel_rows(ip, m, &first, &rows);
            pack_a(a + first * rsa + pc * csa, rsa, csa, rows, kc, packed + panels * MR * pc + ip * MR * kc);
        }
    }
}

// C (m x n, rows ldc apart) = A B for A packed by ckernels_sgemm_avx2_pack(m, k, ...) and row-major B (k x n, rows
// ldb apart, ldb a multiple of 16 floats... or not: an edge panel is packed). The same micro-kernel calls, in the
// same order per element, as ckernels_sgemm_avx2 with alpha 1 and beta 0 (one M block: the whole of A).
void ckernels_sgemm_avx2_packed(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed, const float *b,
                                ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) return ckernels_scale_c(m, n, 0, c, ldc);
    ptrdiff_t panels = (m + MR - 1) / MR;
    float *packedB = ckernels_scratch_reserve((size_t)(NR * KC));
    for (ptrdiff_t pc = 0; pc < k; pc += KC) {
        ptrdiff_t kc = k - pc < KC ? k - pc : KC;
        float sliceBeta = pc == 0 ? 0 : 1;
        for (ptrdiff_t j0 = 0; j0 < n; j0 += NR) {
            ptrdiff_t cols = n - j0 < NR ? n - j0 : NR;
            const float *panel = b + pc * ldb + j0;
            ptrdiff_t stride = ldb;
            if (cols < NR) {
                pack_b(panel, ldb, 1, cols, kc, packedB);
                panel = packedB;
                stride = NR;
            }
            for (ptrdiff_t ip = 0; ip < panels; ip++) {
                ptrdiff_t first, rows;
                panel_rows(ip, m, &first, &rows);
                kernel(kc, packed + panels * MR * pc + ip * MR * kc, panel, stride, c + first * ldc + j0, ldc, rows,
                       cols, 1, sliceBeta);
            }
        }
    }
}

// dst[c * rd + r] = src[r * rs + c] for r < rows, c < cols: 8 x 8 blocks through registers, the edges one by one.
// Used to move CROWN's rows into and out of 16-lane groups (`LaneTransposedConvolution`), where a strided scalar
// store per value was an eighth of CROWN on `small-nominal`. Only copies, so no bit can change.
__attribute__((target("avx2")))
void ckernels_transpose_avx2(const float *src, ptrdiff_t rs, float *dst, ptrdiff_t rd, ptrdiff_t rows, ptrdiff_t cols) {
    ptrdiff_t r0 = 0;
    for (; r0 + 8 <= rows; r0 += 8) {
        ptrdiff_t c0 = 0;
        for (; c0 + 8 <= cols; c0 += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + (r0 + i) * rs + c0);
            transpose8(r);
            for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + (c0 + q) * rd + r0, r[q]);
        }
        for (ptrdiff_t c = c0; c < cols; c++)
            for (ptrdiff_t i = 0; i < 8; i++) dst[c * rd + r0 + i] = src[(r0 + i) * rs + c];
    }
    for (ptrdiff_t r = r0; r < rows; r++)
        for (ptrdiff_t c = 0; c < cols; c++) dst[c * rd + r] = src[r * rs + c];
}
