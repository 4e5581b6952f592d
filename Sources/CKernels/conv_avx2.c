// An unpadded convolution's forward pass and weight gradient on the AVX2 kernel without a patch matrix (implicit GEMM):
// Y[n, o, p] = sum_k W[o, k] cols[k, (n, p)] + bias[o], where cols is im2col's patch matrix, read straight from the
// images while the B panels are packed, and Y written in the layers' (n, o, p) layout by the tile's own stores.
// Why it exists: with im2col the forward pass wrote the whole patch matrix (K x N, 9.5x the input for the 4 x 4
// convolutions) to L2, the GEMM read it back with rows 800 bytes apart, and a last pass moved (o, n p) to (n, o, p)
// and added the bias: im2col alone was 15% of IBP verification and 6% of a training step on Zen 3 (perf record,
// NOTES-perf17.md). Here each 16-column panel of B is gathered once into L1 and used by every row panel of W.
// The weight gradient dW += dY rows (rows = im2row(x), one patch per row) packs its B panels from the images the
// same way (a panel's 16 columns are 16 patch entries (c, ky, kx): runs of kx), which saved im2row's pass.
// The arithmetic is the packed GEMM's (gemm_avx2.c: the same micro-kernel, the same KC slices in the same order,
// the bias added after the last slice), so the result is bit for bit im2col + ckernels_sgemm_avx2 + the bias.
#include "ckernels.h"
#include "gemm_avx2_parts.h"
#include "scratch.h"

#include <immintrin.h>

// A run of a B panel's columns whose pixels are consecutive in the image: lanes [lane, lane + len) read
// x[rowOffset + offset + t] for t < len (forward: pixels of one output row, rowOffset the patch entry's
// (c, ky, kx) offset; weight gradient: entries of one kernel row, rowOffset the pixel's patch corner).
struct run {
    int lane, len;
    ptrdiff_t offset;
};

// One 8-lane half of a packed panel row, as the pieces of the runs that cover it: lanes in `mask` read
// x[rowOffset + offset + lane] (runs of stride 1; lanes no run covers stay zero).
struct piece {
    __m256i mask;
    ptrdiff_t offset;
};

// The pieces of `runs` (stride 1) in lanes 8 half ..< 8 half + 8; returns how many (at most 8).
__attribute__((target("avx2")))
static int half_pieces(const struct run *runs, int runCount, int half, struct piece *out) {
    int count = 0;
    for (int r = 0; r < runCount; r++) {
        int lo = runs[r].lane > 8 * half ? runs[r].lane : 8 * half;
        int end = runs[r].lane + runs[r].len, hi = end < 8 * half + 8 ? end : 8 * half + 8;
        if (lo >= hi) continue;
        out[count].mask = _mm256_andnot_si256(lanes(lo - 8 * half), lanes(hi - 8 * half));
        out[count].offset = runs[r].offset - runs[r].lane + 8 * half;
        count++;
    }
    return count;
}

// dst[p * NR + j] = x[rowOffsets[p] + runs[r].offset + (j - runs[r].lane)] for the run r holding lane j, p < kc,
// zero in lanes no run holds: the forward pass's cols[pc + p, q0 + j] (rowOffsets: patch entries, runs: pixels of
// one output row, stride 1), or the weight gradient's rows[pc + p, j0 + j] (rowOffsets: pixels, runs: entries of
// one kernel row). Each half row is the OR of masked loads, one per piece (masked-off lanes read as zero and never
// touch memory, so nothing outside the image is read), stored aligned: a first version wrote each run with
// overlapping unaligned stores and was 3x slower than im2col (line-crossing stores).
__attribute__((target("avx2")))
static void pack_patches(const float *x, const ptrdiff_t *rowOffsets, ptrdiff_t kc, const struct run *runs,
                         int runCount, float *dst) {
    struct piece low[8], high[8];
    int lowCount = half_pieces(runs, runCount, 0, low), highCount = half_pieces(runs, runCount, 1, high);
    for (ptrdiff_t p = 0; p < kc; p++) {
        const float *base = x + rowOffsets[p];
        __m256 v0 = _mm256_setzero_ps(), v1 = _mm256_setzero_ps();
        for (int i = 0; i < lowCount; i++) v0 = _mm256_or_ps(v0, _mm256_maskload_ps(base + low[i].offset, low[i].mask));
        for (int i = 0; i < highCount; i++)
            v1 = _mm256_or_ps(v1, _mm256_maskload_ps(base + high[i].offset, high[i].mask));
        _mm256_store_ps(dst + p * NR, v0);
        _mm256_store_ps(dst + p * NR + 8, v1);
    }
}

__attribute__((target("avx2")))
void ckernels_conv_avx2(ptrdiff_t outChannels, const float *w, const float *bias, const float *x, ptrdiff_t batch,
                        ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh, ptrdiff_t kw,
                        ptrdiff_t sh, ptrdiff_t outH, ptrdiff_t outW, float *y) {
    const ptrdiff_t O = outChannels, K = channels * kh * kw, P = outH * outW, N = batch * P;
    const ptrdiff_t plane = height * width, image = channels * plane;
    if (O <= 0 || N <= 0 || K <= 0) return;
    ptrdiff_t mcMax = O < MC ? O : MC;
    size_t aFloats = (size_t)(((mcMax + MR - 1) / MR) * MR * KC);
    // Packed A, 8 floats of slack, one packed B panel, 8 floats of slack, then K patch-row offsets (2 floats each).
    size_t bStart = aFloats + 8, offsetsStart = bStart + NR * KC + 8;
    float *scratch = ckernels_scratch_reserve(offsetsStart + 2 * (size_t)K);
    float *packedA = scratch, *packedB = scratch + bStart;
    ptrdiff_t *rowOffsets = (ptrdiff_t *)(scratch + offsetsStart);
    for (ptrdiff_t k = 0; k < K; k++) {
        ptrdiff_t c = k / (kh * kw), ky = (k / kw) % kh, kx = k % kw;
        rowOffsets[k] = c * plane + ky * width + kx;
    }
    struct run runs[NR];
    for (ptrdiff_t pc = 0; pc < K; pc += KC) {
        ptrdiff_t kc = K - pc < KC ? K - pc : KC;
        int first = pc == 0, last = pc + kc == K;
        for (ptrdiff_t ic = 0; ic < O; ic += MC) {
            ptrdiff_t mc = O - ic < MC ? O - ic : MC, mPanels = (mc + MR - 1) / MR;
            for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                ptrdiff_t i0 = ic + ip * MR, rows = O - i0 < MR ? O - i0 : MR;
                ckernels_avx2_pack_a(w + i0 * K + pc, K, 1, rows, kc, packedA + ip * MR * kc);
            }
            for (ptrdiff_t q0 = 0; q0 < N; q0 += NR) {
                ptrdiff_t cols = N - q0 < NR ? N - q0 : NR;
                int runCount = 0;
                for (ptrdiff_t j = 0; j < cols; j++) {
                    ptrdiff_t q = q0 + j, n = q / P, pixel = q % P, oy = pixel / outW, ox = pixel % outW;
                    if (j == 0 || ox == 0) {
                        runs[runCount++] = (struct run){(int)j, 0, n * image + oy * sh * width + ox};
                    }
                    runs[runCount - 1].len++;
                }
                pack_patches(x, rowOffsets + pc, kc, runs, runCount, packedB);
                ptrdiff_t n0 = q0 / P, p0 = q0 % P;
                int contiguous = cols == NR && p0 + NR <= P;
                for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                    ptrdiff_t i0 = ic + ip * MR, rows = O - i0 < MR ? O - i0 : MR;
                    const float *a = packedA + ip * MR * kc;
                    if (contiguous) {
                        // The panel's 16 columns are 16 consecutive pixels of one image: C rows are P apart in Y.
                        float *c = y + n0 * O * P + i0 * P + p0;
                        ckernels_avx2_tile(kc, a, packedB, NR, c, P, rows, NR, 1.0f, first ? 0.0f : 1.0f);
                        if (last) {
                            for (ptrdiff_t i = 0; i < rows; i++) {
                                __m256 b = _mm256_set1_ps(bias ? bias[i0 + i] : 0.0f);
                                float *ci = c + i * P;
                                _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), b));
                                _mm256_storeu_ps(ci + 8, _mm256_add_ps(_mm256_loadu_ps(ci + 8), b));
                            }
                        }
                    } else {
                        // Columns that cross into the next image (or the batch's last, narrower panel): through a
                        // tile, with the operations the kernel's own edge path uses (C + tile, then the bias).
                        float tile[MR * NR];
                        ckernels_avx2_tile(kc, a, packedB, NR, tile, NR, rows, NR, 1.0f, 0.0f);
                        for (ptrdiff_t j = 0; j < cols; j++) {
                            ptrdiff_t q = q0 + j;
                            float *column = y + (q / P) * O * P + i0 * P + q % P;
                            for (ptrdiff_t i = 0; i < rows; i++) {
                                float v = first ? tile[i * NR + j] : column[i * P] + tile[i * NR + j];
                                if (last) v = v + (bias ? bias[i0 + i] : 0.0f);
                                column[i * P] = v;
                            }
                        }
                    }
                }
            }
        }
    }
}

// The runs of patch entries j0 ..< j0 + cols (k = (c, ky, kx)): a new run at each kx = 0.
static int entry_runs(const ptrdiff_t *entryOffsets, ptrdiff_t kw, ptrdiff_t j0, ptrdiff_t cols, struct run *runs) {
    int count = 0;
    for (ptrdiff_t j = 0; j < cols; j++) {
        if (j == 0 || (j0 + j) % kw == 0) runs[count++] = (struct run){(int)j, 0, entryOffsets[j0 + j]};
        runs[count - 1].len++;
    }
    return count;
}

__attribute__((target("avx2")))
void ckernels_conv_weight_gradient_avx2(ptrdiff_t outChannels, const float *dy, const float *x, ptrdiff_t batch,
                                        ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh,
                                        ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW,
                                        float *dw) {
    const ptrdiff_t O = outChannels, K = channels * kh * kw, P = outH * outW, N = batch * P;
    const ptrdiff_t plane = height * width, image = channels * plane;
    if (O <= 0 || N <= 0 || K <= 0) return;
    ptrdiff_t mcMax = O < MC ? O : MC;
    size_t aFloats = (size_t)(((mcMax + MR - 1) / MR) * MR * KC);
    // Packed A, slack, one packed B panel, slack, then K entry offsets and N pixel offsets (2 floats each).
    size_t bStart = aFloats + 8, offsetsStart = bStart + NR * KC + 8;
    float *scratch = ckernels_scratch_reserve(offsetsStart + 2 * (size_t)(K + N));
    float *packedA = scratch, *packedB = scratch + bStart;
    ptrdiff_t *entryOffsets = (ptrdiff_t *)(scratch + offsetsStart), *pixelOffsets = entryOffsets + K;
    for (ptrdiff_t k = 0; k < K; k++) {
        ptrdiff_t c = k / (kh * kw), ky = (k / kw) % kh, kx = k % kw;
        entryOffsets[k] = c * plane + ky * width + kx;
    }
    for (ptrdiff_t q = 0; q < N; q++) {
        ptrdiff_t n = q / P, pixel = q % P;
        pixelOffsets[q] = n * image + (pixel / outW) * sh * width + (pixel % outW) * sw;
    }
    struct run runs[NR];
    // As ckernels_sgemm_avx2(m = O, n = K, k = N, A = dy (O x N), B = rows (N x K), beta = 1): the same KC slices of
    // the pixels, the same tiles, each B panel packed once per block of rows.
    for (ptrdiff_t pc = 0; pc < N; pc += KC) {
        ptrdiff_t kc = N - pc < KC ? N - pc : KC;
        for (ptrdiff_t ic = 0; ic < O; ic += MC) {
            ptrdiff_t mc = O - ic < MC ? O - ic : MC, mPanels = (mc + MR - 1) / MR;
            for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                ptrdiff_t i0 = ic + ip * MR, rows = O - i0 < MR ? O - i0 : MR;
                ckernels_avx2_pack_a(dy + i0 * N + pc, N, 1, rows, kc, packedA + ip * MR * kc);
            }
            for (ptrdiff_t j0 = 0; j0 < K; j0 += NR) {
                ptrdiff_t cols = K - j0 < NR ? K - j0 : NR;
                int runCount = entry_runs(entryOffsets, kw, j0, cols, runs);
                pack_patches(x, pixelOffsets + pc, kc, runs, runCount, packedB);
                for (ptrdiff_t ip = 0; ip < mPanels; ip++) {
                    ptrdiff_t i0 = ic + ip * MR, rows = O - i0 < MR ? O - i0 : MR;
                    ckernels_avx2_tile(kc, packedA + ip * MR * kc, packedB, NR, dw + i0 * K + j0, K, rows, cols, 1.0f,
                                       1.0f);
                }
            }
        }
    }
}
