/* text.c -- decimals, dates and UTF-8 counts for the pipeline (see text.h). */
#include "text.h"

#include "spetl/clock.h"

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

static int num(const char **p, int count, int *out)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (!is_digit((*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += count;
    *out = v;
    return 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int sp_text_time(const char *s, int64_t *ms, int *has_time)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, milli = 0, timed = 0;

    if (num(&p, 4, &y) || *p++ != '-' || num(&p, 2, &mo) || *p++ != '-' || num(&p, 2, &d))
        return -1;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
        return -1;
    if (*p == 'T' || *p == ' ') {
        p++;
        timed = 1;
        if (num(&p, 2, &h) || *p++ != ':' || num(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (num(&p, 2, &sec))
                return -1;
            if (*p == '.') {
                int k = 0;
                p++;
                if (!is_digit(*p))
                    return -1;
                for (; is_digit(*p); p++, k++)
                    if (k < 3)
                        milli = milli * 10 + (*p - '0');
                for (; k < 3; k++)
                    milli *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return -1;
    }
    if (*p == 'Z')
        p++;
    else if (strcmp(p, "+00:00") == 0)
        p += 6;
    if (*p != '\0')
        return -1;
    *ms = ((sp_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + milli;
    if (has_time != NULL)
        *has_time = timed;
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
