// Internal to CKernels (not in include/): the per-thread packing scratch of the GEMM kernels (scratch.c).
#pragma once
#include <stddef.h>

// A 64-byte-aligned buffer of at least `count` floats, owned by the calling thread and valid until its next call
// (aborts when memory runs out: the callers' sizes are bounded by their block sizes).
float *ckernels_scratch_reserve(size_t count);

// C = beta C for row-major C (m x n, row stride ldc), beta 0 meaning overwrite (C may be uninitialised): every
// kernel's product when k = 0 (an empty sum).
void ckernels_scale_c(ptrdiff_t m, ptrdiff_t n, float beta, float *c, ptrdiff_t ldc);
