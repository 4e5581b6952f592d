// The packing scratch both GEMM kernels share: one buffer per thread, grown to the largest request and freed when
// the thread ends. Sharing is safe because a thread runs one GEMM call at a time (no kernel calls another).
#include "scratch.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
struct scratch { float *data; size_t capacity; };

static void scratch_free(void *p) {
    struct scratch *s = p;
    free(s->data);
    free(s);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

float *ckernels_scratch_reserve(size_t count) {
    pthread_once(&scratch_once, scratch_init);
    struct scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) abort();
        pthread_setspecific(scratch_key, s);
    }
    if (s->capacity < count) {
        free(s->data);
        // 64-byte alignment: every packed row is a whole number of cache lines.
        s->data = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
        if (!s->data) abort();
        s->capacity = count;
    }
    return s->data;
}

void ckernels_scale_c(ptrdiff_t m, ptrdiff_t n, float beta, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t i = 0; i < m; i++)
        for (ptrdiff_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
}
