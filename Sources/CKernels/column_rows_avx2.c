// CROWN's backward pass with the rows of A held as columns, sixteen at a time (`TransposedRows`,
// TransposedRows.swift): a panel is A^T for sixteen rows, one 16-float line per neuron of the stage (lane l one row),
// and a panel goes through the whole pass before the next, so its lines (200 KB at most for `small`) stay in L2.
// The steps that are not a plain GEMM, on AVX2:
//   - a transposed convolution (A <- A W) with col2im folded into the GEMM's micro-kernel;
//   - a relaxation step, each lane with its own sample's lines, the offsets c in two registers;
//   - an affine step's bias term, and the bound at the input box.
// Why: held as rows, the specification's pass on a naturally trained `small` spent a fifth of CROWN-IBP moving rows
// into and out of 16-lane groups for the convolutions, writing and re-reading their patch matrices (col2im), and
// reading each neuron's four lines once per row; held as one block of columns, every step went through L3 (perf
// record, 1,000 images at eps 0.1). Lanes are independent in every step: a lane's value never depends on the other
// lanes or on where its row lies.
#include "ckernels.h"

#include <immintrin.h>

#pragma clang fp contract(off)

enum { TAPS = 6 };  // taps per micro-tile: 12 accumulators, two lane vectors and a broadcast in 16 ymm registers

size_t ckernels_column_conv_scratch(ptrdiff_t O, ptrdiff_t K) {
    return (size_t)(((K + TAPS - 1) / TAPS) * TAPS * O);
}

void ckernels_column_conv_prepare(const float *w, ptrdiff_t O, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kH,
                                  ptrdiff_t kW, ptrdiff_t pT, ptrdiff_t pL, float *packed, ptrdiff_t *tap) {
    const ptrdiff_t K = C * kH * kW, taps = kH * kW, tiles = (K + TAPS - 1) / TAPS;
    // packed[(t O + o) TAPS + i] = W[o, t TAPS + i], zero past K: one tile's weights in the order the kernel reads.
    for (ptrdiff_t t = 0; t < tiles; t++)
        for (ptrdiff_t o = 0; o < O; o++)
            for (ptrdiff_t i = 0; i < TAPS; i++) {
                ptrdiff_t k = t * TAPS + i;
                packed[(t * O + o) * TAPS + i] = k < K ? w[o * K + k] : 0.0f;
            }
    // Per tap k = (c, ky, kx): the input pixel of output pixel (0, 0), as an offset and as (y, x). Why a table: the
    // divisions that recover (c, ky, kx) from k took longer than the tile's multiply-adds.
    for (ptrdiff_t k = 0; k < K; k++) {
        ptrdiff_t c = k / taps, ky = (k % taps) / kW, kx = k % kW;
        tap[3 * k] = (c * H + ky - pT) * W + kx - pL;
        tap[3 * k + 1] = ky - pT;
        tap[3 * k + 2] = kx - pL;
    }
}

// out[(c H + y) W + x][l] = sum over o, and over the taps (c, ky, kx) and output pixels (oy, ox) with
// y = oy sH + ky - pT, x = ox sW + kx - pL inside the image, of W[o, (c kH + ky) kW + kx] a[o oH oW + oy oW + ox][l],
// lines of 16 floats. Per output pixel and tile of six taps, the micro-kernel sums over o in order (fused
// multiply-adds from zero, as the GEMM kernel does) and adds each tap's sixteen sums into its input pixel; pixels in
// order, a pixel's tiles in order. `packed`, `tap`: from ckernels_column_conv_prepare. `out` is overwritten.
__attribute__((target("avx2,fma")))
void ckernels_column_conv_avx2(const float *a, ptrdiff_t O, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kH,
                               ptrdiff_t kW, ptrdiff_t sH, ptrdiff_t sW, ptrdiff_t pT, ptrdiff_t pL, ptrdiff_t oH,
                               ptrdiff_t oW, const float *packed, const ptrdiff_t *tap, float *out) {
    const ptrdiff_t K = C * kH * kW, P = oH * oW, tiles = (K + TAPS - 1) / TAPS, inputs = C * H * W;
    // Whether every tap of every window lands inside the image (no padding reached): no checks in the epilogue.
    const int inside = pT == 0 && pL == 0 && (oH - 1) * sH + kH <= H && (oW - 1) * sW + kW <= W;
    for (ptrdiff_t q = 0; q < inputs; q++) {
        _mm256_storeu_ps(out + q * 16, _mm256_setzero_ps());
        _mm256_storeu_ps(out + q * 16 + 8, _mm256_setzero_ps());
    }
    for (ptrdiff_t oy = 0; oy < oH; oy++) {
        for (ptrdiff_t ox = 0; ox < oW; ox++) {
            // The pixel's O lines stay in L1 across its tiles.
            const float *b = a + (oy * oW + ox) * 16;
            const ptrdiff_t shift = oy * sH * W + ox * sW;
            for (ptrdiff_t t = 0; t < tiles; t++) {
                const float *wt = packed + t * O * TAPS;
                __m256 acc[TAPS][2];
                for (int i = 0; i < TAPS; i++) { acc[i][0] = _mm256_setzero_ps(); acc[i][1] = _mm256_setzero_ps(); }
                const float *bo = b;
#pragma clang loop unroll_count(4)
                for (ptrdiff_t o = 0; o < O; o++) {
                    __m256 b0 = _mm256_loadu_ps(bo), b1 = _mm256_loadu_ps(bo + 8);
                    for (int i = 0; i < TAPS; i++) {
                        __m256 wi = _mm256_broadcast_ss(wt + o * TAPS + i);
                        acc[i][0] = _mm256_fmadd_ps(wi, b0, acc[i][0]);
                        acc[i][1] = _mm256_fmadd_ps(wi, b1, acc[i][1]);
                    }
                    bo += P * 16;
                }
                const ptrdiff_t first = t * TAPS, count = K - first < TAPS ? K - first : TAPS;
                for (int i = 0; i < count; i++) {
                    const ptrdiff_t *tk = tap + 3 * (first + i);
                    if (!inside) {
                        ptrdiff_t y = oy * sH + tk[1], x = ox * sW + tk[2];
                        if (y < 0 || y >= H || x < 0 || x >= W) continue;
                    }
                    float *dst = out + (tk[0] + shift) * 16;
                    _mm256_storeu_ps(dst, _mm256_add_ps(_mm256_loadu_ps(dst), acc[i][0]));
                    _mm256_storeu_ps(dst + 8, _mm256_add_ps(_mm256_loadu_ps(dst + 8), acc[i][1]));
                }
            }
        }
    }
}

// For upper bounds of A f(z) + c through a relaxed stage of F neurons, on a panel a (F lines of 16): lane l of
// neuron f takes the lines lines[f 64 + k 16 + l], k = 0...3 the upper slope and intercept, the lower slope and
// intercept (a group's four lines of a neuron in four adjacent cache lines, so a panel reads them in one sequential
// stream); with `beta` (the bias of the affine layer below, one per neuron, or NULL) the intercepts b + a beta, so the
// step also adds that layer's c += A beta. pos = v where v >= 0 (else 0; NaN stays), neg = v - pos;
// a <- pos a_u + neg a_l, and c[l] += the sum of pos b_u + neg b_l over the neurons: in order within blocks of
// BLOCK neurons, each block's sum (from 0) then added to c in order. Why blocks: one running sum over the 25,000
// neurons of a `large` stage drifted 1.3e-5 of the bound's magnitude from the rows' sixteen partial sums.
enum { BLOCK = 64 };

__attribute__((target("avx2")))
void ckernels_column_relax_avx2(float *a, ptrdiff_t F, const float *lines, const float *beta, float *c) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 t0 = _mm256_loadu_ps(c), t1 = _mm256_loadu_ps(c + 8), c0 = zero, c1 = zero;
    for (ptrdiff_t f = 0; f < F; f++) {
        if (f % BLOCK == 0) { t0 = _mm256_add_ps(t0, c0); t1 = _mm256_add_ps(t1, c1); c0 = zero; c1 = zero; }
        const float *q = lines + f * 64;
        __m256 au0 = _mm256_loadu_ps(q), au1 = _mm256_loadu_ps(q + 8);
        __m256 bu0 = _mm256_loadu_ps(q + 16), bu1 = _mm256_loadu_ps(q + 24);
        __m256 al0 = _mm256_loadu_ps(q + 32), al1 = _mm256_loadu_ps(q + 40);
        __m256 bl0 = _mm256_loadu_ps(q + 48), bl1 = _mm256_loadu_ps(q + 56);
        if (beta) {
            const __m256 bf = _mm256_set1_ps(beta[f]);
            bu0 = _mm256_add_ps(bu0, _mm256_mul_ps(au0, bf)); bu1 = _mm256_add_ps(bu1, _mm256_mul_ps(au1, bf));
            bl0 = _mm256_add_ps(bl0, _mm256_mul_ps(al0, bf)); bl1 = _mm256_add_ps(bl1, _mm256_mul_ps(al1, bf));
        }
        float *v = a + f * 16;
        __m256 x0 = _mm256_loadu_ps(v), x1 = _mm256_loadu_ps(v + 8);
        __m256 p0 = _mm256_blendv_ps(x0, zero, _mm256_cmp_ps(x0, zero, _CMP_LT_OQ));
        __m256 p1 = _mm256_blendv_ps(x1, zero, _mm256_cmp_ps(x1, zero, _CMP_LT_OQ));
        __m256 n0 = _mm256_sub_ps(x0, p0), n1 = _mm256_sub_ps(x1, p1);
        _mm256_storeu_ps(v, _mm256_add_ps(_mm256_mul_ps(p0, au0), _mm256_mul_ps(n0, al0)));
        _mm256_storeu_ps(v + 8, _mm256_add_ps(_mm256_mul_ps(p1, au1), _mm256_mul_ps(n1, al1)));
        c0 = _mm256_add_ps(c0, _mm256_add_ps(_mm256_mul_ps(p0, bu0), _mm256_mul_ps(n0, bl0)));
        c1 = _mm256_add_ps(c1, _mm256_add_ps(_mm256_mul_ps(p1, bu1), _mm256_mul_ps(n1, bl1)));
    }
    _mm256_storeu_ps(c, _mm256_add_ps(t0, c0));
    _mm256_storeu_ps(c + 8, _mm256_add_ps(t1, c1));
}

// c[l] += the sum of b[f] a[f 16 + l] over the F neurons (blocks of BLOCK as in the relaxation step): an affine
// step's bias term when no relaxation step took it.
__attribute__((target("avx2")))
void ckernels_column_bias_avx2(const float *a, ptrdiff_t F, const float *b, float *c) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 t0 = _mm256_loadu_ps(c), t1 = _mm256_loadu_ps(c + 8), c0 = zero, c1 = zero;
    for (ptrdiff_t f = 0; f < F; f++) {
        if (f % BLOCK == 0) { t0 = _mm256_add_ps(t0, c0); t1 = _mm256_add_ps(t1, c1); c0 = zero; c1 = zero; }
        const __m256 bf = _mm256_set1_ps(b[f]);
        c0 = _mm256_add_ps(c0, _mm256_mul_ps(_mm256_loadu_ps(a + f * 16), bf));
        c1 = _mm256_add_ps(c1, _mm256_mul_ps(_mm256_loadu_ps(a + f * 16 + 8), bf));
    }
    _mm256_storeu_ps(c, _mm256_add_ps(t0, c0));
    _mm256_storeu_ps(c + 8, _mm256_add_ps(t1, c1));
}

// The bound at the input box [mu - rho, mu + rho] (lane l of input i: mu = box[i 32 + l], rho = box[i 32 + 16 + l]):
// with v = a[i 16 + l], tc = sum of v mu and tr = sum of |v| rho over the F inputs (from 0, in blocks of BLOCK as in
// the relaxation step), up[l] = (c[l] + tc) + tr.
__attribute__((target("avx2")))
void ckernels_column_bound_avx2(const float *a, ptrdiff_t F, const float *box, const float *c, float *up) {
    const __m256 sign = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
    __m256 tc0 = zero, tc1 = zero, tr0 = zero, tr1 = zero, sc0 = zero, sc1 = zero, sr0 = zero, sr1 = zero;
    for (ptrdiff_t i = 0; i < F; i++) {
        if (i % BLOCK == 0) {
            sc0 = _mm256_add_ps(sc0, tc0); sc1 = _mm256_add_ps(sc1, tc1);
            sr0 = _mm256_add_ps(sr0, tr0); sr1 = _mm256_add_ps(sr1, tr1);
            tc0 = zero; tc1 = zero; tr0 = zero; tr1 = zero;
        }
        __m256 x0 = _mm256_loadu_ps(a + i * 16), x1 = _mm256_loadu_ps(a + i * 16 + 8);
        const float *mu = box + i * 32, *rho = mu + 16;
        tc0 = _mm256_add_ps(tc0, _mm256_mul_ps(x0, _mm256_loadu_ps(mu)));
        tc1 = _mm256_add_ps(tc1, _mm256_mul_ps(x1, _mm256_loadu_ps(mu + 8)));
        tr0 = _mm256_add_ps(tr0, _mm256_mul_ps(_mm256_andnot_ps(sign, x0), _mm256_loadu_ps(rho)));
        tr1 = _mm256_add_ps(tr1, _mm256_mul_ps(_mm256_andnot_ps(sign, x1), _mm256_loadu_ps(rho + 8)));
    }
    sc0 = _mm256_add_ps(sc0, tc0); sc1 = _mm256_add_ps(sc1, tc1);
    sr0 = _mm256_add_ps(sr0, tr0); sr1 = _mm256_add_ps(sr1, tr1);
    _mm256_storeu_ps(up, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(c), sc0), sr0));
    _mm256_storeu_ps(up + 8, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(c + 8), sc1), sr1));
}
