// CROWN's ReLU relaxation of a stage (Zhang et al., NeurIPS 2018, section 3.2), eight neurons at a time on AVX2,
// with the bits of the library's scalar `MonotoneKind.reluRelaxation` (LinearRelaxation.swift), unstable neurons
// included.
// Why it exists: on a naturally trained network nearly every neuron is unstable under IBP's intermediate bounds, and
// the Swift kernel's scalar path (a Double division and the outward rounding per neuron) was 13% of CROWN-IBP on
// `small-nominal` (perf record, 1,000 images at eps 0.1). The Swift module is compiled for baseline x86-64, so its
// vectors would be SSE; here four Doubles go through each step.
// The scalar function, for finite l and u = max(l, hi):
//   l >= 0: (1, 0, 1, 0);  u <= 0: (0, 0, 0, 0);  else, in Double,
//   slope = u / (u - l),  lower slope = (u > -l) ? 1 : 0 (compared in Float),
//   aU = Float(slope),  reach = max(|l|, |u|),
//   lower intercept = downward(0 - 0 * reach - pad) = -2^-120 exactly (pad(b) = |b| 2^-40 + 2^-120, b = 0),
//   bU = (-slope) l + |Double(aU) - slope| reach,  upper intercept = upward(bU + pad(bU)).
// Every step is one IEEE operation in the same order (no fused multiply-add: contraction is off below), Float(d)
// rounds to nearest as cvtpd2ps does under the default MXCSR, and upward(d) for d > 0 is the next Float up (bit
// pattern + 1) when Float(d) < d. bU > 0 here (slope > 0 > l) and bU + pad >= 2^-120 is a normal Float, so the
// increment never crosses zero or a subnormal; it turns FLT_MAX into +inf as nextUp does.
#include "ckernels.h"

#include <immintrin.h>

#pragma clang fp contract(off)

// Lines of the four neurons whose bounds are dl, du (as Doubles; unstable lanes only are used).
__attribute__((target("avx2"), always_inline))
static inline void unstable4(__m256d dl, __m256d du, __m128 *upper_slope, __m128 *upper_intercept) {
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d slope = _mm256_div_pd(du, _mm256_sub_pd(du, dl));
    __m128 aU = _mm256_cvtpd_ps(slope);
    __m256d reach = _mm256_max_pd(_mm256_andnot_pd(sign, dl), _mm256_andnot_pd(sign, du));
    __m256d gap = _mm256_andnot_pd(sign, _mm256_sub_pd(_mm256_cvtps_pd(aU), slope));
    __m256d b = _mm256_add_pd(_mm256_mul_pd(_mm256_xor_pd(slope, sign), dl), _mm256_mul_pd(gap, reach));
    __m256d pad = _mm256_add_pd(_mm256_mul_pd(_mm256_andnot_pd(sign, b), _mm256_set1_pd(0x1p-40)),
                                _mm256_set1_pd(0x1p-120));
    __m256d s = _mm256_add_pd(b, pad);
    __m128 f = _mm256_cvtpd_ps(s);
    // Lanes where Float(s) < s step up: the compare is all ones (-1 as an integer), so subtracting it adds 1.
    __m256d back = _mm256_cvtps_pd(f);
    __m256d less = _mm256_cmp_pd(back, s, _CMP_LT_OQ);
    // Pack the four 64-bit masks to four 32-bit ones (lanes 0, 2 of each 128-bit half).
    __m128 lo = _mm256_castps256_ps128(_mm256_castpd_ps(less)), hi = _mm256_extractf128_ps(_mm256_castpd_ps(less), 1);
    __m128i below = _mm_castps_si128(_mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)));
    *upper_slope = aU;
    *upper_intercept = _mm_castsi128_ps(_mm_sub_epi32(_mm_castps_si128(f), below));
}

__attribute__((target("avx2")))
ptrdiff_t ckernels_relu_relaxation_avx2(const float *lo, const float *hi, ptrdiff_t count,
                                        float *ls, float *li, float *us, float *ui) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    const __m256 lower_intercept = _mm256_set1_ps(-0x1p-120f);
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 l = _mm256_loadu_ps(lo + i), h = _mm256_loadu_ps(hi + i);
        // u = max(l, hi) as Swift's max: hi where hi >= l.
        __m256 u = _mm256_blendv_ps(l, h, _mm256_cmp_ps(h, l, _CMP_GE_OQ));
        // Finite: x - x is 0 (infinities and NaN give NaN). A group with a non-finite end is the caller's.
        __m256 finite = _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(l, l), zero, _CMP_EQ_OQ),
                                      _mm256_cmp_ps(_mm256_sub_ps(u, u), zero, _CMP_EQ_OQ));
        if (_mm256_movemask_ps(finite) != 0xFF) return i;
        __m256 active = _mm256_cmp_ps(l, zero, _CMP_GE_OQ);
        __m256 inactive = _mm256_andnot_ps(active, _mm256_cmp_ps(u, zero, _CMP_LE_OQ));
        __m256 unstable = _mm256_andnot_ps(_mm256_or_ps(active, inactive), _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
        __m256 stableSlope = _mm256_and_ps(active, one);
        if (_mm256_movemask_ps(unstable) == 0) {
            _mm256_storeu_ps(ls + i, stableSlope); _mm256_storeu_ps(li + i, zero);
            _mm256_storeu_ps(us + i, stableSlope); _mm256_storeu_ps(ui + i, zero);
            continue;
        }
        __m128 aU0, bU0, aU1, bU1;
        unstable4(_mm256_cvtps_pd(_mm256_castps256_ps128(l)), _mm256_cvtps_pd(_mm256_castps256_ps128(u)), &aU0, &bU0);
        unstable4(_mm256_cvtps_pd(_mm256_extractf128_ps(l, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(u, 1)), &aU1, &bU1);
        __m256 aU = _mm256_set_m128(aU1, aU0), bU = _mm256_set_m128(bU1, bU0);
        // Unstable lower slope: 1 where u > -l.
        __m256 adaptive = _mm256_and_ps(_mm256_cmp_ps(u, _mm256_xor_ps(l, sign), _CMP_GT_OQ), one);
        _mm256_storeu_ps(ls + i, _mm256_blendv_ps(stableSlope, adaptive, unstable));
        _mm256_storeu_ps(li + i, _mm256_and_ps(unstable, lower_intercept));
        _mm256_storeu_ps(us + i, _mm256_blendv_ps(stableSlope, aU, unstable));
        _mm256_storeu_ps(ui + i, _mm256_and_ps(unstable, bU));
    }
    return i;
}

// One row of CROWN's backward pass through a relaxed stage, for upper bounds of A f(z) + c:
// A+ takes the upper line, A- the lower one: returns the row's A+ b_u + A- b_l, and A <- A+ a_u + A- a_l.
// The bits of the Swift loop in `Relaxations.apply` (CROWNMethod.swift): sixteen lanes (two vectors here) with
// pos = v where v >= 0 (else 0), neg = v - pos, lane sums sum += (pos b_u + neg b_l) over the groups of sixteen,
// then -0 + lane 0 + ... + lane 15 in order, then the tail with pos = (0 >= v) ? 0 : v (Swift's max(v, 0)).
// Why: that loop ran as SSE pairs (the Swift module is baseline x86-64) and was 15% of CROWN on `small-nominal`.
__attribute__((target("avx2")))
float ckernels_relaxation_row_avx2(float *row, ptrdiff_t size, const float *us, const float *ui, const float *ls,
                                   const float *li) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 s0 = zero, s1 = zero;
    ptrdiff_t i = 0;
    for (; i + 16 <= size; i += 16) {
        __m256 v0 = _mm256_loadu_ps(row + i), v1 = _mm256_loadu_ps(row + i + 8);
        __m256 p0 = _mm256_blendv_ps(v0, zero, _mm256_cmp_ps(v0, zero, _CMP_LT_OQ));
        __m256 p1 = _mm256_blendv_ps(v1, zero, _mm256_cmp_ps(v1, zero, _CMP_LT_OQ));
        __m256 n0 = _mm256_sub_ps(v0, p0), n1 = _mm256_sub_ps(v1, p1);
        s0 = _mm256_add_ps(s0, _mm256_add_ps(_mm256_mul_ps(p0, _mm256_loadu_ps(ui + i)),
                                             _mm256_mul_ps(n0, _mm256_loadu_ps(li + i))));
        s1 = _mm256_add_ps(s1, _mm256_add_ps(_mm256_mul_ps(p1, _mm256_loadu_ps(ui + i + 8)),
                                             _mm256_mul_ps(n1, _mm256_loadu_ps(li + i + 8))));
        _mm256_storeu_ps(row + i, _mm256_add_ps(_mm256_mul_ps(p0, _mm256_loadu_ps(us + i)),
                                                _mm256_mul_ps(n0, _mm256_loadu_ps(ls + i))));
        _mm256_storeu_ps(row + i + 8, _mm256_add_ps(_mm256_mul_ps(p1, _mm256_loadu_ps(us + i + 8)),
                                                    _mm256_mul_ps(n1, _mm256_loadu_ps(ls + i + 8))));
    }
    float lanes[16];
    _mm256_storeu_ps(lanes, s0);
    _mm256_storeu_ps(lanes + 8, s1);
    float acc = -0.0f;
    for (int l = 0; l < 16; l++) acc += lanes[l];
    for (; i < size; i++) {
        float v = row[i], pos = (0.0f >= v) ? 0.0f : v, neg = v - pos;
        float up = pos * ui[i], down = neg * li[i];
        acc += up + down;
        float a = pos * us[i], b = neg * ls[i];
        row[i] = a + b;
    }
    return acc;
}

// The same step on a sample's rows held as 16 lanes (`LaneRows.relax`, LaneRowKernels.swift): src[j 16 + l] is row
// l's coefficient of neuron j, and every lane takes neuron j's lines. Per neuron, pos = v where v >= 0 (else 0),
// neg = v - pos, dst = pos a_u + neg a_l, and the lane sums acc += (pos b_u + neg b_l) run over blocks of 64
// neurons, each block's sum then added into a running total, which is added into c[0..16) at the end: the bits of
// the Swift loop. A vector with no non-zero lane (NaN counts as non-zero) is copied as it is and adds nothing.
// src may equal dst. Why: the Swift loop's SIMD16 compiled to SSE and cost 10% of CROWN on `small-nominal` once
// every backward pass of it ran on lanes.
__attribute__((target("avx2")))
void ckernels_lane_relax_avx2(const float *src, float *dst, ptrdiff_t count, const float *us, const float *ui,
                              const float *ls, const float *li, float *c) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 t0 = zero, t1 = zero;
    for (ptrdiff_t block = 0; block < count; block += 64) {
        ptrdiff_t end = block + 64 < count ? block + 64 : count;
        __m256 s0 = zero, s1 = zero;
        for (ptrdiff_t j = block; j < end; j++) {
            __m256 v0 = _mm256_loadu_ps(src + j * 16), v1 = _mm256_loadu_ps(src + j * 16 + 8);
            __m256 nz = _mm256_or_ps(_mm256_cmp_ps(v0, zero, _CMP_NEQ_UQ), _mm256_cmp_ps(v1, zero, _CMP_NEQ_UQ));
            if (_mm256_movemask_ps(nz) == 0) {
                if (dst != src) { _mm256_storeu_ps(dst + j * 16, v0); _mm256_storeu_ps(dst + j * 16 + 8, v1); }
                continue;
            }
            __m256 p0 = _mm256_blendv_ps(v0, zero, _mm256_cmp_ps(v0, zero, _CMP_LT_OQ));
            __m256 p1 = _mm256_blendv_ps(v1, zero, _mm256_cmp_ps(v1, zero, _CMP_LT_OQ));
            __m256 n0 = _mm256_sub_ps(v0, p0), n1 = _mm256_sub_ps(v1, p1);
            __m256 bu = _mm256_broadcast_ss(ui + j), bl = _mm256_broadcast_ss(li + j);
            __m256 au = _mm256_broadcast_ss(us + j), al = _mm256_broadcast_ss(ls + j);
            s0 = _mm256_add_ps(s0, _mm256_add_ps(_mm256_mul_ps(p0, bu), _mm256_mul_ps(n0, bl)));
            s1 = _mm256_add_ps(s1, _mm256_add_ps(_mm256_mul_ps(p1, bu), _mm256_mul_ps(n1, bl)));
            _mm256_storeu_ps(dst + j * 16, _mm256_add_ps(_mm256_mul_ps(p0, au), _mm256_mul_ps(n0, al)));
            _mm256_storeu_ps(dst + j * 16 + 8, _mm256_add_ps(_mm256_mul_ps(p1, au), _mm256_mul_ps(n1, al)));
        }
        t0 = _mm256_add_ps(t0, s0);
        t1 = _mm256_add_ps(t1, s1);
    }
    _mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), t0));
    _mm256_storeu_ps(c + 8, _mm256_add_ps(_mm256_loadu_ps(c + 8), t1));
}
