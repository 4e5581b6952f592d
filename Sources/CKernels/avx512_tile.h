// Internal to CKernels (not in include/): what the two AVX-512 GEMM kernels share (gemm.c on floats, gemm_bf16.c
// on bf16 pairs, both in 32-bit lanes): edge masks, the 16 x 16 in-register transpose, and the 2 x 16-lane tile
// store of C.
#pragma once
#include <immintrin.h>
#include <stddef.h>

// The first `count` (0...16) lanes.
static inline __mmask16 lanes(ptrdiff_t count) {
    return count >= 16 ? 0xFFFF : count <= 0 ? 0 : (__mmask16)((1u << count) - 1);
}

// In-register transpose of a 16 x 16 block: afterwards r[q] holds what was column q of the rows r[0..15].
__attribute__((target("avx512f"), always_inline))
static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

// C[0..rows, 0..cols] = alpha acc + beta C for a tile of up to `mr` rows held as two 16-lane accumulators per row
// (c0[i] columns 0-15, c1[i] columns 16-31); beta == 0 never reads C (it may be uninitialised memory).
__attribute__((target("avx512f"), always_inline))
static inline void store_tile(float *c, ptrdiff_t ldc, int mr, ptrdiff_t rows, ptrdiff_t cols, const __m512 *c0,
                              const __m512 *c1, float alpha, float beta) {
    __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < mr && i < rows; i++) {
        float *ci = c + i * ldc;
        __m512 r0 = _mm512_mul_ps(c0[i], va), r1 = _mm512_mul_ps(c1[i], va);
        if (beta != 0) {
            r0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, ci), vb, r0);
            r1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, ci + 16), vb, r1);
        }
        _mm512_mask_storeu_ps(ci, m0, r0);
        _mm512_mask_storeu_ps(ci + 16, m1, r1);
    }
}
