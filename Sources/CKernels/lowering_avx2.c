// im2col (an image batch lowered to the patch matrix) for unpadded convolutions with horizontal stride 1 or 2,
// and col2im (its adjoint: patch-matrix gradients summed back into image gradients) with horizontal stride 1 or 2,
// on AVX2.
// Why it exists: the Swift package is compiled for baseline x86-64, so the library's col2im ran its 8-float row
// adds as pairs of SSE operations plus a scalar tail (a 10-pixel row: 2 + 2 x 2 operations), and it was 5% of a
// `small` IBP training step on Zen 3 (perf record, NOTES-perf17.md). Here one 8-lane add and one 4- or 2-lane add
// cover such a row; im2col's row copies (10 or 13 floats, 6% of a step and 15% of IBP verification) likewise
// move 8 lanes per operation instead of 4. im2col only copies, so its bits cannot change. The additions are the Swift loop's, in its order (dx zeroed, then for each image and each patch
// row k = (c, ky, kx) in increasing order, each output row added), so the result is the same bits.
#include "ckernels.h"

#include <immintrin.h>
#include <string.h>

// dst[t] += src[t] for t < count.
__attribute__((target("avx2"), always_inline))
static inline void add_row(float *dst, const float *src, ptrdiff_t count) {
    ptrdiff_t t = 0;
    for (; t + 8 <= count; t += 8) _mm256_storeu_ps(dst + t, _mm256_add_ps(_mm256_loadu_ps(dst + t), _mm256_loadu_ps(src + t)));
    if (t + 4 <= count) {
        _mm_storeu_ps(dst + t, _mm_add_ps(_mm_loadu_ps(dst + t), _mm_loadu_ps(src + t)));
        t += 4;
    }
    if (t + 2 <= count) {
        __m128 d = _mm_castpd_ps(_mm_load_sd((const double *)(dst + t)));
        __m128 s = _mm_castpd_ps(_mm_load_sd((const double *)(src + t)));
        _mm_store_sd((double *)(dst + t), _mm_castps_pd(_mm_add_ps(d, s)));
        t += 2;
    }
    if (t < count) dst[t] += src[t];
}

// dst[2t] += src[t] for t < count (horizontal stride 2), `room` being the number of entries from dst to the end of
// its image row. Four src values at a time go into the even lanes of an 8-float vector whose odd lanes (and unused
// even lanes) hold -0.0: x + (-0.0) is x for every float (-0.0 and NaN included), so the entries in between, which
// belong to other taps, keep their bits. A vector is only loaded and stored where all its 8 lanes lie in the row:
// the lane after the row's last entry may be another core's image. No masked loads or stores (vmaskmovps stores
// are slow on AMD: a first version with them made col2im slower than the scalar loop); what is left past the
// last whole vector is added one by one.
__attribute__((target("avx2"), always_inline))
static inline void add_row_stride2(float *dst, const float *src, ptrdiff_t count, ptrdiff_t room) {
    const __m128 negzero = _mm_set1_ps(-0.0f);
    ptrdiff_t t = 0;
    for (; t + 4 <= count && 2 * t + 8 <= room; t += 4) {
        __m128 s = _mm_loadu_ps(src + t);
        __m256 spread = _mm256_set_m128(_mm_unpackhi_ps(s, negzero), _mm_unpacklo_ps(s, negzero));
        _mm256_storeu_ps(dst + 2 * t, _mm256_add_ps(_mm256_loadu_ps(dst + 2 * t), spread));
    }
    if (t < count && t + 4 > count && 2 * t + 8 <= room) {
        float tail[4] = {-0.0f, -0.0f, -0.0f, -0.0f};
        for (ptrdiff_t i = 0; t + i < count; i++) tail[i] = src[t + i];
        __m128 s = _mm_loadu_ps(tail);
        __m256 spread = _mm256_set_m128(_mm_unpackhi_ps(s, negzero), _mm_unpacklo_ps(s, negzero));
        _mm256_storeu_ps(dst + 2 * t, _mm256_add_ps(_mm256_loadu_ps(dst + 2 * t), spread));
        return;
    }
    for (; t < count; t++) dst[2 * t] += src[t];
}

// dst[2t] += even[t] and dst[2t + 1] += odd[t] for t < count: two taps of a stride-2 row interleaved, 8 entries
// per vector.
__attribute__((target("avx2"), always_inline))
static inline void add_row_pair(float *dst, const float *even, const float *odd, ptrdiff_t count) {
    ptrdiff_t t = 0;
    for (; t + 4 <= count; t += 4) {
        __m128 e = _mm_loadu_ps(even + t), o = _mm_loadu_ps(odd + t);
        __m256 both = _mm256_set_m128(_mm_unpackhi_ps(e, o), _mm_unpacklo_ps(e, o));
        _mm256_storeu_ps(dst + 2 * t, _mm256_add_ps(_mm256_loadu_ps(dst + 2 * t), both));
    }
    for (; t < count; t++) {
        dst[2 * t] += even[t];
        dst[2 * t + 1] += odd[t];
    }
}

__attribute__((target("avx2")))
void ckernels_col2im_avx2(const float *cols, ptrdiff_t batch, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                          ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW,
                          float *dx) {
    const ptrdiff_t P = outH * outW, NP = batch * P, plane = height * width;
    memset(dx, 0, (size_t)(batch * channels * plane) * sizeof(float));
    for (ptrdiff_t n = 0; n < batch; n++) {
        ptrdiff_t k = 0;
        for (ptrdiff_t c = 0; c < channels; c++) {
            for (ptrdiff_t ky = 0; ky < kh; ky++) {
                for (ptrdiff_t kx = 0; kx < kw; kx++, k++) {
                    float *dst = dx + (n * channels + c) * plane + ky * width + kx;
                    const float *src = cols + k * NP + n * P;
                    if (sw == 1) {
                        for (ptrdiff_t oy = 0; oy < outH; oy++, src += outW, dst += sh * width) add_row(dst, src, outW);
                    } else if (kx + 1 < kw) {
                        // Taps kx and kx + 1 fill the even and odd entries of one run of 2 outW entries: added as
                        // one dense row, each entry still gets its one addition of this pair, in tap order.
                        const float *odd = src + NP;
                        for (ptrdiff_t oy = 0; oy < outH; oy++, src += outW, odd += outW, dst += sh * width) {
                            add_row_pair(dst, src, odd, outW);
                        }
                        kx++, k++;
                    } else {
                        for (ptrdiff_t oy = 0; oy < outH; oy++, src += outW, dst += sh * width) {
                            add_row_stride2(dst, src, outW, width - kx);
                        }
                    }
                }
            }
        }
    }
}

// dst[t] = src[t * sw] for t < count, sw 1 or 2: 8 lanes at a time, the last group overlapping the one before when
// count is not a multiple of 8 (count >= 8); shorter rows element by element. Stride 2 reads src[2t ... 2t + 14]
// as two vectors and keeps the even lanes, so nothing past src[2 (count - 1)] is read.
__attribute__((target("avx2"), always_inline))
static inline void copy_row(float *dst, const float *src, ptrdiff_t count, ptrdiff_t sw) {
    if (count < 8) {
        for (ptrdiff_t t = 0; t < count; t++) dst[t] = src[t * sw];
        return;
    }
    for (ptrdiff_t t = 0;; t += 8) {
        if (t + 8 > count) t = count - 8;
        if (sw == 1) {
            _mm256_storeu_ps(dst + t, _mm256_loadu_ps(src + t));
        } else {
            __m256 a = _mm256_loadu_ps(src + 2 * t), b = _mm256_loadu_ps(src + 2 * t + 7);
            // Evens of a (0, 2, 4, 6) and odds of b (b[1] = src[2t + 8], ...): shift b by one lane first.
            __m256 e = _mm256_shuffle_ps(a, _mm256_permutevar8x32_ps(b, _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 7)),
                                         0x88);
            _mm256_storeu_ps(dst + t, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
        }
        if (t + 8 >= count) return;
    }
}

__attribute__((target("avx2")))
void ckernels_im2col_avx2(const float *x, ptrdiff_t batch, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                          ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW,
                          float *cols) {
    const ptrdiff_t P = outH * outW, NP = batch * P, plane = height * width;
    ptrdiff_t k = 0;
    for (ptrdiff_t c = 0; c < channels; c++) {
        for (ptrdiff_t ky = 0; ky < kh; ky++) {
            for (ptrdiff_t kx = 0; kx < kw; kx++, k++) {
                for (ptrdiff_t n = 0; n < batch; n++) {
                    const float *src = x + (n * channels + c) * plane + ky * width + kx;
                    float *dst = cols + k * NP + n * P;
                    for (ptrdiff_t oy = 0; oy < outH; oy++, src += sh * width, dst += outW) copy_row(dst, src, outW, sw);
                }
            }
        }
    }
}

// col2im with rows held as 16 lanes (`LaneTransposedConvolution.col2im`): for every tap k = (c, ky, kx) in order
// (input channels c0..<c1; k counts from 0 at c0),
// group and output pixel (oy, ox), out[group][c][oy sh + ky][ox sw + kx][0..15] += cols[k][group][oy outW + ox][0..15].
// The same additions in the same order as the Swift loop (whose 16-float adds ran as four SSE operations).
__attribute__((target("avx2")))
void ckernels_lane_col2im_avx2(const float *cols, ptrdiff_t columns, ptrdiff_t groups, ptrdiff_t channels,
                               ptrdiff_t c0, ptrdiff_t c1, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh,
                               ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW, float *out) {
    const ptrdiff_t L = 16, P = outH * outW, inSize = channels * height * width;
    ptrdiff_t k = 0;
    for (ptrdiff_t c = c0; c < c1; c++) {
        for (ptrdiff_t ky = 0; ky < kh; ky++) {
            for (ptrdiff_t kx = 0; kx < kw; kx++, k++) {
                for (ptrdiff_t gi = 0; gi < groups; gi++) {
                    const float *src = cols + k * columns + gi * P * L;
                    float *base = out + (gi * inSize + c * height * width) * L;
                    for (ptrdiff_t oy = 0; oy < outH; oy++) {
                        float *dst = base + ((oy * sh + ky) * width + kx) * L;
                        for (ptrdiff_t ox = 0; ox < outW; ox++, src += L, dst += sw * L) {
                            _mm256_storeu_ps(dst, _mm256_add_ps(_mm256_loadu_ps(dst), _mm256_loadu_ps(src)));
                            _mm256_storeu_ps(dst + 8, _mm256_add_ps(_mm256_loadu_ps(dst + 8), _mm256_loadu_ps(src + 8)));
                        }
                    }
                }
            }
        }
    }
}

#pragma clang fp contract(off)

// `LaneTransposedConvolution.direct`: the transposed convolution's product and col2im in one loop, rows as 16 lanes:
// for every tap k = (c, ky, kx) in order, group and output pixel p = (oy, ox),
// out[group][c][oy sh + ky][ox sw + kx][0..15] += sum over o in order of w[o K + k] lanes[o columns + group P 16 + p 16]
// (the sum from +0, each term a product then an add; contraction is off in this file). The same bits as the Swift
// loop, four pixels' sums at a time (independent, so no order changes). Why: the Swift loop's SIMD16 ran as SSE, and
// CROWN's window passes (`ConvolutionWindows`) spend most of their time here.
__attribute__((target("avx2")))
void ckernels_lane_direct_avx2(const float *lanes, const float *w, ptrdiff_t O, ptrdiff_t K, ptrdiff_t columns,
                               ptrdiff_t groups, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh,
                               ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW, float *out) {
    const ptrdiff_t L = 16, P = outH * outW, inSize = channels * height * width;
    ptrdiff_t k = 0;
    for (ptrdiff_t c = 0; c < channels; c++) {
        for (ptrdiff_t ky = 0; ky < kh; ky++) {
            for (ptrdiff_t kx = 0; kx < kw; kx++, k++) {
                for (ptrdiff_t gi = 0; gi < groups; gi++) {
                    const float *src = lanes + gi * P * L;
                    float *base = out + (gi * inSize + c * height * width) * L;
                    for (ptrdiff_t oy = 0; oy < outH; oy++) {
                        float *row = base + ((oy * sh + ky) * width + kx) * L;
                        const float *in = src + oy * outW * L;
                        ptrdiff_t ox = 0;
                        for (; ox + 4 <= outW; ox += 4) {
                            __m256 s[8];
                            for (int q = 0; q < 8; q++) s[q] = _mm256_setzero_ps();
                            for (ptrdiff_t o = 0; o < O; o++) {
                                __m256 wk = _mm256_broadcast_ss(w + o * K + k);
                                const float *a = in + o * columns + ox * L;
                                for (int q = 0; q < 4; q++) {
                                    s[2 * q] = _mm256_add_ps(s[2 * q], _mm256_mul_ps(wk, _mm256_loadu_ps(a + q * L)));
                                    s[2 * q + 1] = _mm256_add_ps(s[2 * q + 1],
                                                                 _mm256_mul_ps(wk, _mm256_loadu_ps(a + q * L + 8)));
                                }
                            }
                            for (int q = 0; q < 4; q++) {
                                float *d = row + (ox + q) * sw * L;
                                _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), s[2 * q]));
                                _mm256_storeu_ps(d + 8, _mm256_add_ps(_mm256_loadu_ps(d + 8), s[2 * q + 1]));
                            }
                        }
                        for (; ox < outW; ox++) {
                            __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
                            for (ptrdiff_t o = 0; o < O; o++) {
                                __m256 wk = _mm256_broadcast_ss(w + o * K + k);
                                const float *a = in + o * columns + ox * L;
                                s0 = _mm256_add_ps(s0, _mm256_mul_ps(wk, _mm256_loadu_ps(a)));
                                s1 = _mm256_add_ps(s1, _mm256_mul_ps(wk, _mm256_loadu_ps(a + 8)));
                            }
                            float *d = row + ox * sw * L;
                            _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), s0));
                            _mm256_storeu_ps(d + 8, _mm256_add_ps(_mm256_loadu_ps(d + 8), s1));
                        }
                    }
                }
            }
        }
    }
}
