// C = alpha A B + beta C with A and B rounded to bfloat16 and the products summed in float32 (AVX512_BF16's
// vdpbf16ps: per 32-bit lane, acc += a.lo b.lo + a.hi b.hi, two k steps per instruction). For opt-in bf16
// training only (issue 16): on a CPU that has the instruction it does twice the multiply-adds of an fp32 FMA per
// cycle (Zen 4: one 512-bit vdpbf16ps per cycle against one 512-bit or two 256-bit FMAs). Verification,
// certificates and sound bounds never run here.
//
// The same BLIS-style blocking as the fp32 AVX-512 kernel (gemm.c): A packed into MR-row panels and B into
// NR-column panels, k in slices of KC; here both are packed as bf16 pairs along k (an odd k is padded with a zero
// pair half), so a panel row holds k steps 2q and 2q + 1 of every row or column side by side.
#include "ckernels.h"
#include "scratch.h"
#include "avx512_tile.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

enum {
    MR = 8,    // rows of C per micro-tile (8 x 2 zmm accumulators)
    NR = 32,   // columns of C per micro-tile
    KC = 512,  // depth of one packed slice (even): a bf16 NR panel of B is 32 KiB, as the fp32 kernel's
    MC = 192,
    NC = 2048,
};

static int has_bf16;
static pthread_once_t bf16_once = PTHREAD_ONCE_INIT;

static void detect_bf16(void) {
    __builtin_cpu_init();
    has_bf16 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

int ckernels_bf16_available(void) {
    pthread_once(&bf16_once, detect_bf16);
    return has_bf16;
}

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))


// Up to 32 consecutive floats x[0..count) (zero past count) as 16 bf16 pairs (x[2t], x[2t + 1]) in 32-bit lanes.
BF16_TARGET static inline __m512 run32(const float *x, ptrdiff_t count) {
    __m512 lo = _mm512_maskz_loadu_ps(lanes(count), x), hi = _mm512_maskz_loadu_ps(lanes(count - 16), x + 16);
    return _mm512_castsi512_ps((__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

// dst[q * width + j] = (M(2q, j), M(2q + 1, j)) for 2q < kc and j < width (16 or 32), where M(p, j) = x[p * rs +
// j * cs] for j < count and 0 past it (and past kc): one packed panel of A (M = A^T, width MR) or B (width NR).
BF16_TARGET static void pack_pairs(const float *x, ptrdiff_t rs, ptrdiff_t cs, ptrdiff_t count, ptrdiff_t kc,
                                   ptrdiff_t width, uint32_t *dst) {
    ptrdiff_t kc2 = (kc + 1) / 2;
    if (cs == 1) {
        // Steps p are rows of `width` contiguous values: convert two rows and interleave them.
        for (ptrdiff_t q = 0; q < kc2; q++) {
            const float *x0 = x + 2 * q * rs, *y0 = x0 + rs;
            int second = 2 * q + 1 < kc;
            for (ptrdiff_t h = 0; h < width; h += 16) {
                __mmask16 m = lanes(count - h);
                __m512 a = _mm512_maskz_loadu_ps(m, x0 + h);
                __m512 b = second ? _mm512_maskz_loadu_ps(m, y0 + h) : _mm512_setzero_ps();
                __m512i lo = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(a));
                __m512i hi = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(b));
                __m512i pairs = _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16));
                if (width - h >= 16) _mm512_storeu_si512(dst + q * width + h, pairs);
                else _mm256_storeu_si256((__m256i *)(dst + q * width + h), _mm512_castsi512_si256(pairs));
            }
        }
        return;
    }
    if (rs == 1) {
        // Each column j is contiguous along p, so its pairs are adjacent floats: convert 32 steps of 16 columns
        // at once and transpose the 16 x 16 pairs in registers.
        for (ptrdiff_t p0 = 0; p0 < kc; p0 += 32) {
            for (ptrdiff_t h = 0; h < width; h += 16) {
                __m512 r[16];
                for (int j = 0; j < 16; j++)
                    r[j] = h + j < count ? run32(x + (h + j) * cs + p0, kc - p0) : _mm512_setzero_ps();
                transpose16(r);
                for (ptrdiff_t q = 0; q < 16 && p0 / 2 + q < kc2; q++) {
                    uint32_t *d = dst + (p0 / 2 + q) * width + h;
                    if (width - h >= 16) _mm512_storeu_ps((float *)d, r[q]);
                    else _mm256_storeu_ps((float *)d, _mm512_castps512_ps256(r[q]));
                }
            }
        }
        return;
    }
    // Neither stride is 1 (no caller does this today): one value at a time.
    for (ptrdiff_t q = 0; q < kc2; q++) {
        float row[2][32] = {{0}};
        for (int s = 0; s < 2 && 2 * q + s < kc; s++)
            for (ptrdiff_t j = 0; j < count && j < width; j++) row[s][j] = x[(2 * q + s) * rs + j * cs];
        for (ptrdiff_t h = 0; h < width; h += 16) {
            __m512i lo = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(row[0] + h)));
            __m512i hi = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(row[1] + h)));
            __m512i pairs = _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16));
            if (width - h >= 16) _mm512_storeu_si512(dst + q * width + h, pairs);
            else _mm256_storeu_si256((__m256i *)(dst + q * width + h), _mm512_castsi512_si256(pairs));
        }
    }
}

// C[0..rows, 0..cols] = alpha (A_panel B_panel) + beta C over kc2 packed pairs; beta == 0 never reads C.
BF16_TARGET static void kernel(ptrdiff_t kc2, const uint32_t *restrict a, const uint32_t *restrict b, float *c,
                               ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t cols, float alpha, float beta) {
    __m512 c0[MR], c1[MR];
    for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (ptrdiff_t q = 0; q < kc2; q++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + q * NR), b1 = (__m512bh)_mm512_loadu_si512(b + q * NR + 16);
        const uint32_t *aq = a + q * MR;
        for (int i = 0; i < MR; i++) {
            __m512bh ai = (__m512bh)_mm512_set1_epi32((int)aq[i]);
            c0[i] = _mm512_dpbf16_ps(c0[i], ai, b0);
            c1[i] = _mm512_dpbf16_ps(c1[i], ai, b1);
        }
    }
    store_tile(c, ldc, MR, rows, cols, c0, c1, alpha, beta);
}

void ckernels_sgemm_bf16(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                         const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                         const float *b, ptrdiff_t rsb, ptrdiff_t csb,
                         float beta, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) return ckernels_scale_c(m, n, beta, c, ldc);
    ptrdiff_t mcMax = m < MC ? m : MC, ncMax = n < NC ? n : NC;
    ptrdiff_t aPanels = (mcMax + MR - 1) / MR, bPanels = (ncMax + NR - 1) / NR;
    // Pairs take one float's room each: KC / 2 pairs per panel row.
    uint32_t *packedA = (uint32_t *)ckernels_scratch_reserve((size_t)(aPanels * MR * (KC / 2) + bPanels * NR * (KC / 2)));
    uint32_t *packedB = packedA + aPanels * MR * (KC / 2);
    for (ptrdiff_t pc = 0; pc < k; pc += KC) {
        ptrdiff_t kc = k - pc < KC ? k - pc : KC, kc2 = (kc + 1) / 2;
        float sliceBeta = pc == 0 ? beta : 1;
        for (ptrdiff_t jc = 0; jc < n; jc += NC) {
            ptrdiff_t nc = n - jc < NC ? n - jc : NC, nPanels = (nc + NR - 1) / NR;
            for (ptrdiff_t jp = 0; jp < nPanels; jp++) {
                ptrdiff_t j0 = jc + jp * NR, cols = n - j0 < NR ? n - j0 : NR;
                pack_pairs(b + pc * rsb + j0 * csb, rsb, csb, cols, kc, NR, packedB + jp * NR * kc2);
            }
            for (ptrdiff_t ic = 0; ic < m; ic += MC) {
                ptrdiff_t mc = m - ic < MC ? m - ic : MC, mPanels = (mc + MR - 1) / MR;
                for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                    ptrdiff_t i0 = ic + ip * MR, rows = m - i0 < MR ? m - i0 : MR;
                    // A's panel is A^T's: step p runs along csa, row i along rsa.
                    pack_pairs(a + i0 * rsa + pc * csa, csa, rsa, rows, kc, MR, packedA + ip * MR * kc2);
                }
                for (ptrdiff_t jp = 0; jp < nPanels; jp++) {
                    ptrdiff_t j0 = jc + jp * NR, cols = n - j0 < NR ? n - j0 : NR;
                    for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                        ptrdiff_t i0 = ic + ip * MR, rows = m - i0 < MR ? m - i0 : MR;
                        kernel(kc2, packedA + ip * MR * kc2, packedB + jp * NR * kc2, c + i0 * ldc + j0, ldc, rows,
                               cols, alpha, sliceBeta);
                    }
                }
            }
        }
    }
}
