/* textdiff.c -- see textdiff.h. */
#include "textdiff.h"

#include <stdio.h>

const char *sp_test_first_diff(const char *a, const char *b)
{
    static char buf[1200];
    size_t i = 0, bol = 0;

    while (a[i] != '\0' && a[i] == b[i])
        if (a[i++] == '\n')
            bol = i;
    snprintf(buf, sizeof(buf), "at byte %zu:\n  %.500s\nagainst\n  %.500s", i, a + bol, b + bol);
    return buf;
}
