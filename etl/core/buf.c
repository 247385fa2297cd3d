/* buf.c -- bounded growable buffer (see include/spetl/buf.h). */
#include "spetl/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/mem.h"

void sp_buf_init(sp_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->refused = 0;
}

void sp_buf_free(sp_buf *b)
{
    free(b->data);
    sp_buf_init(b, b->max);
}

void sp_buf_reset(sp_buf *b)
{
    b->len = 0;
    b->refused = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static int refused_error(const sp_buf *b, sp_err *e)
{
    return SP_ERR(e, SP_ETOOLARGE, "value of more than %zu bytes refused (the bound is %zu)",
                  b->refused, b->max);
}

int sp_buf_append(sp_buf *b, const void *data, size_t n, sp_err *e)
{
    if (b->refused != 0)
        return refused_error(b, e);
    if (n > b->max - b->len) {
        /* curl's dynbuf does the same: a refused text is gone, not cut */
        b->refused = n > SIZE_MAX - b->len ? SIZE_MAX : b->len + n;
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
        return refused_error(b, e);
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        b->data = sp_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sp_buf_puts(sp_buf *b, const char *s, sp_err *e)
{
    return sp_buf_append(b, s, strlen(s), e);
}

int sp_buf_printf(sp_buf *b, sp_err *e, const char *fmt, ...)
{
    va_list ap;
    char small[512];
    char *big = NULL;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return SP_ERR(e, SP_EINTERNAL, "formatting failed");
    if ((size_t)n < sizeof(small))
        return sp_buf_append(b, small, (size_t)n, e);
    big = sp_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rc = sp_buf_append(b, big, (size_t)n, e);
    free(big);
    return rc;
}

const char *sp_buf_str(const sp_buf *b)
{
    return b->data != NULL ? b->data : "";
}

int sp_buf_ok(const sp_buf *b)
{
    return b->refused == 0;
}

int sp_buf_check(const sp_buf *b, sp_err *e)
{
    return b->refused == 0 ? 0 : refused_error(b, e);
}
