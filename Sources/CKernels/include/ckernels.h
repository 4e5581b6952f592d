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

/// An unpadded convolution (cross-correlation) of `batch` images x (batch, channels, height, width) with weights
/// w (outChannels, channels, kh, kw), vertical stride sh and horizontal stride 1, output y (batch, outChannels,
/// outH, outW):
/// y[n, o, p] = sum_k w[o, k] cols[k, n P + p] + bias[o] (bias NULL: + 0), every patch inside the image. Bit for bit
/// im2col, ckernels_sgemm_avx2 (alpha 1, beta 0) and the bias added after, without the patch matrix. Single-threaded.
/// Only call when ckernels_avx2_available() is 1.
void ckernels_conv_avx2(ptrdiff_t outChannels, const float *w, const float *bias, const float *x, ptrdiff_t batch,
                        ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh, ptrdiff_t kw,
                        ptrdiff_t sh, ptrdiff_t outH, ptrdiff_t outW, float *y);

/// The weight gradient of the same convolution: dw (outChannels x K, K = channels kh kw) += dy rows, where dy is
/// (outChannels, batch P) row-major and rows (batch P x K) = im2row(x), one patch per row. Bit for bit im2row and
/// ckernels_sgemm_avx2 with beta 1, without the row matrix. Single-threaded; only when ckernels_avx2_available().
void ckernels_conv_weight_gradient_avx2(ptrdiff_t outChannels, const float *dy, const float *x, ptrdiff_t batch,
                                        ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t kh,
                                        ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t outH, ptrdiff_t outW,
                                        float *dw);

#endif
