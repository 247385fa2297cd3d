/* skip.c -- see skip.h. */
#include "skip.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char note[512];

void sp_skip_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof(note), fmt, ap);
    va_end(ap);
}

const char *sp_skip_why(void)
{
    return note[0] != '\0' ? note : "no reason noted";
}

/* "tests/unit/check_exports.c" -> "exports"; "killed_runs_fn" -> "killed_runs" */
static void names(const char *file, const char *func, char *suite, size_t ns, char *test, size_t nt)
{
    const char *base = strrchr(file, '/');
    size_t len;

    base = base != NULL ? base + 1 : file;
    if (strncmp(base, "check_", 6) == 0)
        base += 6;
    len = strcspn(base, ".");
    snprintf(suite, ns, "%.*s", (int)len, base);
    len = strlen(func);
    if (len > 3 && strcmp(func + len - 3, "_fn") == 0)
        len -= 3;
    snprintf(test, nt, "%.*s", (int)len, func);
}

void sp_skip(const char *file, int line, const char *func, int i, const char *fmt, ...)
{
    char suite[64], test[128], why[512];
    const char *ci = getenv("CI");
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    names(file, func, suite, sizeof(suite), test, sizeof(test));
    printf("SKIP: %s:%s:%d: %s\n", suite, test, i, why);
    fflush(stdout);
    /* ck_abort_msg() with the test's file and line instead of this one's */
    if (ci != NULL && strcmp(ci, "true") == 0)
        _ck_assert_failed(file, line, "Failed", "skipped, and CI=true makes a skip a failure: %s", why);
}
