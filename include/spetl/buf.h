/*
 * buf.h -- a growable byte buffer with a mandatory upper bound.
 *
 * Every buffer that takes data from outside (an HTTP body, a column value, a
 * JSON payload) has a maximum size; an append past it fails with ETOOLARGE
 * instead of growing without end. The data is always NUL-terminated.
 */
#ifndef SPETL_BUF_H
#define SPETL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "spetl/err.h"

typedef struct sp_buf {
    char *data;   /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;   /* bound on len */
} sp_buf;

void sp_buf_init(sp_buf *b, size_t max);
void sp_buf_free(sp_buf *b);
void sp_buf_reset(sp_buf *b);                 /* len = 0, keeps the memory */
int sp_buf_append(sp_buf *b, const void *data, size_t n, sp_err *e);
int sp_buf_puts(sp_buf *b, const char *s, sp_err *e);
int sp_buf_printf(sp_buf *b, sp_err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *sp_buf_str(const sp_buf *b);      /* "" when empty */

#endif
