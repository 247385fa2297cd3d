/*
 * buf.h -- a growable byte buffer with a mandatory upper bound.
 *
 * Every buffer that takes data from outside (an HTTP body, a column value, a
 * JSON payload) has a maximum size; an append past it fails with ETOOLARGE
 * instead of growing without end. The data is always NUL-terminated.
 *
 * A refusal is sticky: the buffer frees its text and every later append
 * fails too, so a text is never used with a piece missing from its middle
 * (an SQL text shorter than the parameters queued for it). Build the text
 * with appends whose results may be ignored, then check once with
 * sp_buf_check() (or sp_buf_ok()) before the text is used; sp_buf_reset()
 * and sp_buf_free() start a new text.
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
    size_t refused;   /* 0, or the length an append was refused at (sticky) */
} sp_buf;

void sp_buf_init(sp_buf *b, size_t max);
void sp_buf_free(sp_buf *b);
void sp_buf_reset(sp_buf *b);                 /* len = 0, keeps the memory, clears a refusal */
int sp_buf_append(sp_buf *b, const void *data, size_t n, sp_err *e);
int sp_buf_puts(sp_buf *b, const char *s, sp_err *e);
int sp_buf_printf(sp_buf *b, sp_err *e, const char *fmt, ...) SP_PRINTF(3, 4);
const char *sp_buf_str(const sp_buf *b);      /* "" when empty or refused */
int sp_buf_ok(const sp_buf *b);               /* 0 once an append was refused */
/* 0, or -1 with ETOOLARGE naming the bound when an append was refused. */
int sp_buf_check(const sp_buf *b, sp_err *e);

#endif
