/* text.c -- decimals and UTF-8 counts for the pipeline (see text.h). */
#include "text.h"

#include <stdio.h>
#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int sp_text_decimal(const char *s, char *out, size_t n)
{
    const char *p = s, *ib, *ie, *fb = NULL, *fe = NULL;
    int neg = 0;
    size_t used = 0, need;

    while (*p == ' ')
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    ib = p;
    while (is_digit(*p))
        p++;
    ie = p;
    if (*p == '.') {
        fb = ++p;
        while (is_digit(*p))
            p++;
        fe = p;
    }
    while (*p == ' ')
        p++;
    if (*p != '\0' || (ie == ib && (fb == NULL || fe == fb)))
        return -1;
    while (ib < ie && *ib == '0')   /* leading zeros */
        ib++;
    while (fb != NULL && fe > fb && fe[-1] == '0')   /* trailing zeros */
        fe--;
    if (fb != NULL && fe == fb)
        fb = fe = NULL;
    if (ib == ie && fb == NULL)
        neg = 0;                     /* -0 is 0 */
    need = (size_t)neg + (ib == ie ? 1 : (size_t)(ie - ib)) + (fb ? 1 + (size_t)(fe - fb) : 0) + 1;
    if (need > n)
        return -1;
    if (neg)
        out[used++] = '-';
    if (ib == ie) {
        out[used++] = '0';
    } else {
        memcpy(out + used, ib, (size_t)(ie - ib));
        used += (size_t)(ie - ib);
    }
    if (fb != NULL) {
        out[used++] = '.';
        memcpy(out + used, fb, (size_t)(fe - fb));
        used += (size_t)(fe - fb);
    }
    out[used] = '\0';
    return 0;
}

int sp_text_all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!is_digit(*s))
            return 0;
    return 1;
}

size_t sp_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

size_t sp_utf8_prefix(const char *s, size_t nchars)
{
    size_t i = 0, seen = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (seen == nchars)
                break;
            seen++;
        }
    }
    return i;
}
