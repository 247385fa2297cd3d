/* utf16.c -- UTF-8 <-> UTF-16 (see include/spetl/utf16.h). */
#include "spetl/utf16.h"

#include "spetl/utf8.h"

#define REPLACEMENT 0xFFFDu

/* The code point of the valid sequence s[0..len). */
static uint32_t utf8_decode(const unsigned char *s, size_t len)
{
    static const unsigned char lead_mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
    uint32_t cp = s[0] & lead_mask[len];

    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (s[i] & 0x3Fu);
    return cp;
}

size_t sp_utf8_to_utf16(const char *s, size_t n, uint16_t *out, size_t cap)
{
    size_t need = 0, k = 0, put = 0;
    int full = 0;

    while (k < n) {
        size_t len = sp_utf8_seq(s + k, n - k);
        uint32_t cp = len == 0 ? REPLACEMENT : utf8_decode((const unsigned char *)s + k, len);
        size_t units = cp >= 0x10000 ? 2 : 1;
        k += len == 0 ? 1 : len;
        if (!full && need + units < cap) {
            if (units == 2) {
                cp -= 0x10000;
                out[put++] = (uint16_t)(0xD800u | (cp >> 10));
                out[put++] = (uint16_t)(0xDC00u | (cp & 0x3FFu));
            } else {
                out[put++] = (uint16_t)cp;
            }
        } else {
            full = 1;
        }
        need += units;
    }
    out[put] = 0;
    return need;
}

/* UTF-8 of cp into b (4 bytes); returns the length. */
static size_t utf8_encode(uint32_t cp, char *b)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t sp_utf16_to_utf8(const uint16_t *w, size_t n, char *out, size_t cap)
{
    size_t need = 0, put = 0;
    int full = 0;

    for (size_t k = 0; k < n; k++) {
        uint32_t cp = w[k];
        char b[4];
        if (cp >= 0xD800 && cp <= 0xDBFF && k + 1 < n && w[k + 1] >= 0xDC00 && w[k + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (w[k + 1] - 0xDC00u);
            k++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = REPLACEMENT;   /* an unpaired surrogate */
        }
        size_t len = utf8_encode(cp, b);
        if (!full && need + len < cap) {
            for (size_t i = 0; i < len; i++)
                out[put++] = b[i];
        } else {
            full = 1;
        }
        need += len;
    }
    out[put] = '\0';
    return need;
}

size_t sp_utf16_len(const uint16_t *w)
{
    size_t n = 0;
    while (w[n] != 0)
        n++;
    return n;
}
