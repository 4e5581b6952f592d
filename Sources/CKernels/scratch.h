// Internal to CKernels (not in include/): the per-thread packing scratch of the GEMM kernels (scratch.c).
#pragma once
#include <stddef.h>

// A 64-byte-aligned buffer of at least `count` floats, owned by the calling thread and valid until its next call
// (aborts when memory runs out: the callers' sizes are bounded by their block sizes).
float *ckernels_scratch_reserve(size_t count);
