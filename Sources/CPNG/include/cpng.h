#ifndef CPNG_H
#define CPNG_H

#include <stddef.h>

/* The only code that talks to libpng. libpng reports errors with longjmp, so every
   function here owns its setjmp and turns failures into a non-zero return code plus a
   one-line message in `err` (always NUL-terminated when errlen > 0). No longjmp ever
   reaches the caller. */

/* Writes an 8-bit RGB, non-interlaced PNG with `n_text` tEXt chunks (keys[i] = values[i]).
   Output is byte-for-byte deterministic: no tIME chunk, fixed compression level and filter.
   The file is closed on every path; on failure it may be left partially written. */
int cpng_write_rgb(const char *path, int width, int height, const unsigned char *rgb,
                   int n_text, const char *const *keys, const char *const *values,
                   char *err, size_t errlen);

/* Reads any PNG and converts it to 8-bit RGB (palette and grey expanded, alpha and
   16-bit depth stripped). On success *rgb holds width*height*3 bytes (free with
   cpng_free) and *keys and *values hold *n_text text chunks (free with cpng_free_text).
   On failure nothing is allocated and the outputs are zero/NULL. */
int cpng_read_rgb(const char *path, int *width, int *height, unsigned char **rgb,
                  int *n_text, char ***keys, char ***values,
                  char *err, size_t errlen);

/* Frees a buffer returned by cpng_read_rgb. */
void cpng_free(void *p);

/* Frees the text arrays returned by cpng_read_rgb. */
void cpng_free_text(int n_text, char **keys, char **values);

#endif
