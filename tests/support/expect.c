/* expect.c -- see expect.h. */
#include "expect.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sp_test_email_valid(const char *s)
{
    const char *at = strchr(s, '@'), *dot;
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
        return 0;
    dot = strrchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (isspace((unsigned char)*s) || *s == ',' || *s == ';')
            return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t count(sp_db *db, const char *sql)
{
    sp_stmt *st = NULL;
    sp_err e;
    int64_t n = -1;
    ck_assert_msg(sp_stmt_prepare(db, sql, &st, &e) == 0, "%s", e.msg);
    ck_assert_msg(sp_stmt_exec(st, NULL, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    ck_assert_int_eq(sp_stmt_int(st, 0, &n, &e), 0);
    sp_stmt_free(st);
    return n;
}

/* The addresses' keys "CUSTNMBR|ADRSCODE" (as read, padding and all), sorted. */
static char **address_keys(sp_db *db, size_t cap)
{
    sp_stmt *st = NULL;
    sp_err e;
    size_t n = 0;
    char **keys = calloc(cap + 1, sizeof(*keys));

    ck_assert_ptr_nonnull(keys);
    ck_assert_int_eq(sp_stmt_prepare(db, "SELECT CUSTNMBR, ADRSCODE FROM RM00102", &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    while (sp_stmt_fetch(st, &e) == 1) {
        ck_assert_uint_lt(n, cap);
        ck_assert_int_ge(asprintf(&keys[n], "%s|%s", sp_stmt_text(st, 0), sp_stmt_text(st, 1)), 0);
        n++;
    }
    sp_stmt_free(st);
    ck_assert_uint_eq(n, cap);
    qsort(keys, n, sizeof(*keys), cmp_str);
    return keys;
}

/* The addresses and their SY01200 rows are matched here, not by a join on
 * RTRIM() (no index: minutes on SQLite at check_scale's size). */
sp_test_expect sp_test_expected(sp_db *db)
{
    sp_test_expect r;
    sp_stmt *st = NULL;
    sp_err e;
    char **keys, **mails;
    size_t nk, n = 0;

    memset(&r, 0, sizeof(r));
    r.customers = count(db, "SELECT COUNT(*) FROM RM00101");
    r.addresses = count(db, "SELECT COUNT(*) FROM RM00102");
    nk = (size_t)r.addresses;
    keys = address_keys(db, nk);
    mails = calloc(nk + 1, sizeof(*mails));
    ck_assert_ptr_nonnull(mails);
    ck_assert_int_eq(sp_stmt_prepare(db, "SELECT Master_ID, ADRSCODE, INET1 FROM SY01200 WHERE Master_Type = 'CUS'",
                                     &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    while (sp_stmt_fetch(st, &e) == 1) {
        const char *v = sp_stmt_text(st, 2);
        char key[128], *m;
        const char *kp = key;
        snprintf(key, sizeof(key), "%s|%s", sp_stmt_text(st, 0), sp_stmt_text(st, 1));
        if (bsearch(&kp, keys, nk, sizeof(*keys), cmp_str) == NULL)
            continue;   /* not an address of a customer */
        if (v == NULL || *v == '\0')
            continue;   /* no e-mail: a contact without one */
        if (!sp_test_email_valid(v)) {
            r.invalid++;
            continue;
        }
        ck_assert_uint_lt(n, nk);
        m = strdup(v);
        ck_assert_ptr_nonnull(m);
        for (char *p = m; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        mails[n++] = m;
    }
    sp_stmt_free(st);
    qsort(mails, n, sizeof(*mails), cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(mails[i], mails[i - 1]) == 0)
            r.shared++;
    for (size_t i = 0; i < n; i++)
        free(mails[i]);
    for (size_t i = 0; i < nk; i++)
        free(keys[i]);
    free(mails);
    free(keys);
    r.failed = r.invalid + r.shared;
    return r;
}
