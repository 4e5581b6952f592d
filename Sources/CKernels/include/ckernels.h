#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

/// Whether this CPU runs the AVX-512 kernel (checked once); when 0, callers use the system BLAS.
int ckernels_available(void);

/// C = alpha op(A) op(B) + beta C for row-major C (m x n, row stride ldc). op(A) (m x k) element (i, p) is
/// a[i * rsa + p * csa] and op(B) (k x n) element (p, j) is b[p * rsb + j * csb], so any transpose is a choice
/// of strides. Single-threaded; callers split large products. Only call when ckernels_available() is 1.
void ckernels_sgemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                 const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                 const float *b, ptrdiff_t rsb, ptrdiff_t csb,
                 float beta, float *c, ptrdiff_t ldc);

/// Whether this CPU runs the AVX2 + FMA kernel (checked once).
int ckernels_avx2_available(void);

/// The same product as `ckernels_sgemm` (same strides and beta rule) on AVX2 + FMA with a 6 x 16 register tile.
/// Single-threaded. Only call when ckernels_avx2_available() is 1.
void ckernels_sgemm_avx2(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                         const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                         const float *b, ptrdiff_t rsb, ptrdiff_t csb,
                         float beta, float *c, ptrdiff_t ldc);

/// Whether this CPU runs the bfloat16 kernel (AVX-512 F/BW/VL and AVX512_BF16; checked once).
int ckernels_bf16_available(void);

/// The product of `ckernels_sgemm` (same strides and beta rule) with every element of A and B rounded to bfloat16
/// (round to nearest even) and the products summed in float32 by vdpbf16ps, two k steps at a time. For opt-in
/// bf16 training only, never for bounds. Single-threaded. Only call when ckernels_bf16_available() is 1.
void ckernels_sgemm_bf16(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                         const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                         const float *b, ptrdiff_t rsb, ptrdiff_t csb,
                         float beta, float *c, ptrdiff_t ldc);

/// col2im of an unpadded convolution with horizontal stride sw of 1 or 2: dx (batch, channels, height, width) =
/// sum over patch entries k = (c, ky, kx) and pixels (oy, ox) of cols[k, n P + oy outW + ox] placed at
/// (c, oy sh + ky, ox sw + kx), dx overwritten. The same additions in the same order as the library's Swift col2im
/// (the same bits). Single-threaded; only when ckernels_avx2_available() is 1.
void ckernels_col2im_avx2(const float *cols, ptrdiff_t batch, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                          ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW,
                          float *dx);

/// im2col of an unpadded convolution with horizontal stride sw of 1 or 2: cols[k, n P + oy outW + ox] =
/// x[n, c, oy sh + ky, ox sw + kx] for k = (c, ky, kx), P = outH outW (K x batch P, row-major). Single-threaded;
/// only when ckernels_avx2_available() is 1.
void ckernels_im2col_avx2(const float *x, ptrdiff_t batch, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                          ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW,
                          float *cols);

/// CROWN's ReLU lines for neurons 0..<count from bounds lo, hi (u = max(lo, hi)): lower slope, lower intercept,
/// upper slope, upper intercept, the bits of the library's `MonotoneKind.reluRelaxation`, eight neurons at a time.
/// Stops before the first group of eight with a non-finite bound and before a tail of fewer than eight; returns
/// how many neurons it wrote (a multiple of 8). Single-threaded; only when ckernels_avx2_available() is 1.
ptrdiff_t ckernels_relu_relaxation_avx2(const float *lo, const float *hi, ptrdiff_t count,
                                        float *ls, float *li, float *us, float *ui);

/// One row of CROWN's backward pass through a relaxed stage (upper bounds): A+ takes the upper line (us, ui), A- the
/// lower one (ls, li); row <- A+ us + A- ls elementwise and the row's A+ ui + A- li is returned, with the bits of
/// the library's Swift loop (`Relaxations.apply`). Only when ckernels_avx2_available() is 1.
float ckernels_relaxation_row_avx2(float *row, ptrdiff_t size, const float *us, const float *ui, const float *ls,
                                   const float *li);

/// The same step on 16 lanes per neuron (`LaneRows.relax`): dst[j 16 + l] = A+ a_u[j] + A- a_l[j] of src's, and
/// c[l] += the lane's A+ b_u + A- b_l summed in blocks of 64 neurons, with the bits of the Swift loop; src may equal
/// dst. Only when ckernels_avx2_available() is 1.
void ckernels_lane_relax_avx2(const float *src, float *dst, ptrdiff_t count, const float *us, const float *ui,
                              const float *ls, const float *li, float *c);

/// `LaneTransposedConvolution.col2im` (rows as 16 lanes; out[group][c][y][x][l]) for the input channels
/// c0 <= c < c1 of `channels`, whose taps are the rows of `cols` from 0: the same additions in the same order.
/// Single-threaded; only when ckernels_avx2_available() is 1.
void ckernels_lane_col2im_avx2(const float *cols, ptrdiff_t columns, ptrdiff_t groups, ptrdiff_t channels,
                               ptrdiff_t c0, ptrdiff_t c1, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh,
                               ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW, float *out);

/// `LaneTransposedConvolution.direct` (the product W^T lanes and col2im in one loop, rows as 16 lanes; w: O x K,
/// lanes[o columns + group P 16 + p 16 + l], out[group][c][y][x][l] added into): the same bits as the Swift loop.
/// Single-threaded; only when ckernels_avx2_available() is 1.
void ckernels_lane_direct_avx2(const float *lanes, const float *w, ptrdiff_t O, ptrdiff_t K, ptrdiff_t columns,
                               ptrdiff_t groups, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh,
                               ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW, float *out);

/// dst[c rd + r] = src[r rs + c] for r < rows, c < cols (a strided transpose; copies only). Only when
/// ckernels_avx2_available() is 1.
void ckernels_transpose_avx2(const float *src, ptrdiff_t rs, float *dst, ptrdiff_t rd, ptrdiff_t rows, ptrdiff_t cols);

/// CROWN's backward pass on panels of 16 rows held as columns (`TransposedRows`): a panel has one 16-float line per
/// neuron, lane l one row. Only when ckernels_avx2_available() is 1; single-threaded; column_rows_avx2.c says what
/// each computes.
/// Floats of a convolution's packed taps (O output channels, K = C kH kW taps), and their preparation (`tap`: 3 K
/// ptrdiff_t).
size_t ckernels_column_conv_scratch(ptrdiff_t O, ptrdiff_t K);
void ckernels_column_conv_prepare(const float *w, ptrdiff_t O, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kH,
                                  ptrdiff_t kW, ptrdiff_t pT, ptrdiff_t pL, float *packed, ptrdiff_t *tap);
/// A W through a convolution (any strides and pads; col2im folded in): a (O oH oW lines) -> out (C H W lines).
void ckernels_column_conv_avx2(const float *a, ptrdiff_t O, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kH,
                               ptrdiff_t kW, ptrdiff_t sH, ptrdiff_t sW, ptrdiff_t pT, ptrdiff_t pL, ptrdiff_t oH,
                               ptrdiff_t oW, const float *packed, const ptrdiff_t *tap, float *out);
/// A relaxation step for upper bounds (lane l of neuron f: lines at [f 64 + k 16 + l], k = upper slope, upper
/// intercept, lower slope, lower intercept; `beta` the bias of the affine layer below, or NULL):
/// c[l] += pos b_u + neg b_l over the F neurons, a <- pos a_u + neg a_l.
void ckernels_column_relax_avx2(float *a, ptrdiff_t F, const float *lines, const float *beta, float *c);
/// c[l] += b[f] a[f 16 + l] over the F neurons in order.
void ckernels_column_bias_avx2(const float *a, ptrdiff_t F, const float *b, float *c);
/// up[l] = (c[l] + sum of v mu) + sum of |v| rho over the F inputs (mu, rho at [i 32 + l], [i 32 + 16 + l]).
void ckernels_column_bound_avx2(const float *a, ptrdiff_t F, const float *box, const float *c, float *up);

/// A packed once (`ckernels_sgemm_avx2_pack`, m x k, element (i, p) at a[i rsa + p csa]) for many products
/// C = A B (`ckernels_sgemm_avx2_packed`: B k x n row-major, rows ldb apart; C m x n, rows ldc apart, overwritten),
/// each element's sum the same sequence of operations as ckernels_sgemm_avx2's. Only when ckernels_avx2_available().
size_t ckernels_sgemm_avx2_packed_size(ptrdiff_t m, ptrdiff_t k);
void ckernels_sgemm_avx2_pack(ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t rsa, ptrdiff_t csa, float *packed);
void ckernels_sgemm_avx2_packed(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed, const float *b,
                                ptrdiff_t ldb, float *c, ptrdiff_t ldc);

#endif
