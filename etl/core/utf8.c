/* utf8.c -- the one UTF-8 validator (see include/spetl/utf8.h). */
#include "spetl/utf8.h"

#include <stdint.h>

size_t sp_utf8_seq(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len;
    uint32_t cp;

    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        len = 2;
        cp = u[0] & 0x1Fu;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        len = 3;
        cp = u[0] & 0x0Fu;
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        len = 4;
        cp = u[0] & 0x07u;
    } else {
        return 0;   /* a continuation byte, C0/C1 (always overlong), F5..FF */
    }
    for (size_t i = 1; i < len; i++) {
        if (i >= n || (u[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (u[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

int sp_utf8_valid(const char *s, size_t n, size_t *bad)
{
    size_t k = 0;

    while (k < n) {
        size_t len = sp_utf8_seq(s + k, n - k);
        if (len == 0) {
            if (bad != NULL)
                *bad = k;
            return 0;
        }
        k += len;
    }
    return 1;
}
