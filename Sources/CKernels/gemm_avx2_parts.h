// Internal to CKernels (not in include/): the AVX2 kernel's block sizes and the parts that the packed GEMM
// (gemm_avx2.c) and the implicit convolution (conv_avx2.c) share, so both run the same micro-kernel and round alike.
#pragma once
#include <immintrin.h>
#include <stddef.h>

enum {
    MR = 6,    // rows of C per micro-tile
    NR = 16,   // columns of C per micro-tile: two 8-float vectors
    KC = 256,  // depth of one packed slice: an NR panel of B (16 KiB) stays in L1 across the MR tiles of A
    MC = 120,  // rows of A packed at once: 120 KiB that stay in L2 while every B panel passes
    NC = 4096, // columns of B packed at once (4 MiB at most, read from L3 once per MC block of rows)
};

// A mask for _mm256_maskload_ps / maskstore: the first `count` (0...8) lanes.
__attribute__((target("avx2")))
static inline __m256i lanes(ptrdiff_t count) {
    int c = count >= 8 ? 8 : count <= 0 ? 0 : (int)count;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// dst[p * MR + i] = A(i, p) for p < kc, i < MR, A(i, p) = a[i * rsa + p * csa]; rows past `rows` are zero. Writes up
// to 2 floats past the panel (leave 8 floats of slack after the last one).
void ckernels_avx2_pack_a(const float *a, ptrdiff_t rsa, ptrdiff_t csa, ptrdiff_t rows, ptrdiff_t kc, float *dst);

// C[0..rows, 0..cols] = alpha * (A_panel B) + beta * C over a kc-deep packed A panel (MR floats per p) and NR
// columns of B whose rows are ldb apart; beta == 0 never reads C. The same operations for every column, whether
// it falls in a full tile or an edge tile.
void ckernels_avx2_tile(ptrdiff_t kc, const float *restrict a, const float *restrict b, ptrdiff_t ldb, float *c,
                        ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t cols, float alpha, float beta);
