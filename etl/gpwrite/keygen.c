/*
 * keygen.c -- the keys of new GP records. A company key is key-generation's
 * letters of a HubSpot property and the first free number ("Aaron Fitz
 * Electrical" -> AARONFIT0001, AARONFIT0002 when that is taken). Free means
 * taken neither by a customer (RM00101) nor by a prospect (SOP00200), so that
 * a prospect converted to a customer can keep its key. What the read says is
 * free is only a guess: a GP user may save the same key at the same moment,
 * so the key is proved by the insert itself (inside a savepoint): on a
 * duplicate key the next number is tried, SP_GPW_KEY_TRIES times at most.
 * Contact keys: the first contact gets contact-keys' first (PRIMARY), the
 * others prefix + number (CONTACT001 ...).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "spetl/mem.h"

#define KEY_SAVEPOINT "spetl_gpw_key"

void gpw_key_prefix(const char *src, int letters, char *out, size_t n)
{
    size_t j = 0;
    for (const char *p = src ? src : ""; *p != '\0' && (int)j < letters && j + 1 < n; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x80 && isalnum(ch))
            out[j++] = (char)toupper(ch);
    }
    out[j] = '\0';
}

/* The number of key when it is prefix + exactly `digits` digits (case
 * ignored, as a case-insensitive GP collation compares); -1 otherwise. */
static long key_number(const char *key, const char *prefix, int digits)
{
    size_t pl = strlen(prefix);
    if (strlen(key) != pl + (size_t)digits || strncasecmp(key, prefix, pl) != 0)
        return -1;
    long v = 0;
    for (const char *p = key + pl; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

static long max_number(int digits)
{
    long m = 1;
    for (int i = 0; i < digits; i++)
        m *= 10;
    return m - 1;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int gpw_first_free(sp_gpw *w, const char *prefix, int digits, long from, long *out, sp_err *e)
{
    char lo[SP_GPW_KEY], hi[SP_GPW_KEY];
    long *taken = NULL, next = from, limit = max_number(digits);
    size_t n = 0, cap = 0;
    int rc = -1, f;

    snprintf(lo, sizeof(lo), "%s%0*d", prefix, digits, 0);
    snprintf(hi, sizeof(hi), "%s%0*ld", prefix, digits, limit);
    for (int i = 0; i < 2; i++)
        if (sp_stmt_bind_text(w->taken, 2 * i + 1, lo, e) < 0 ||
            sp_stmt_bind_text(w->taken, 2 * i + 2, hi, e) < 0)
            goto done;
    if (sp_stmt_exec(w->taken, NULL, e) < 0)
        goto done;
    while ((f = sp_stmt_fetch(w->taken, e)) == 1) {
        long v = key_number(sp_stmt_text(w->taken, 0) ? sp_stmt_text(w->taken, 0) : "", prefix, digits);
        if (v < from)
            continue;
        taken = sp_xgrow(taken, n, &cap, sizeof(*taken), 64);
        taken[n++] = v;
    }
    if (f < 0)
        goto done;
    if (n > 0)   /* qsort(NULL, 0, ...) is undefined */
        qsort(taken, n, sizeof(*taken), cmp_long);
    for (size_t i = 0; i < n && taken[i] <= next; i++)
        if (taken[i] == next)
            next++;
    if (next > limit) {
        SP_ERR(e, SP_EDATA, "company %s: every key %s%0*d to %s is taken; give key-generation more "
               "digits", w->hubspot_id, prefix, digits, from > 0 ? (int)from : 1, hi);
        sp_err_record(e, NULL, w->hubspot_id);
        goto done;
    }
    *out = next;
    rc = 0;
done:
    sp_stmt_close_cursor(w->taken);
    free(taken);
    return rc;
}

int gpw_contact_key(const sp_job_contact_keys *ck, long idx, char out[SP_GPW_KEY], sp_err *e)
{
    int n;
    if (idx == 0)
        n = snprintf(out, SP_GPW_KEY, "%s", ck->first);
    else
        n = snprintf(out, SP_GPW_KEY, "%s%0*ld", ck->prefix, ck->digits, idx);
    if (n < 0 || n > 15 || (idx > 0 && idx > max_number(ck->digits)))
        return SP_ERR(e, SP_EDATA, "contact key number %ld does not fit contact-keys (prefix \"%s\", "
                      "%d digits, at most 15 characters)", idx, ck->prefix, ck->digits);
    return 0;
}

int gpw_next_contact_number(sp_gpw *w, const char *key, long *out, sp_err *e)
{
    const sp_job_contact_keys *ck = &w->imp->contact_keys;
    long best = 0;
    int any = 0, f;

    if (gpw_bind_key(w, w->contact_keys, 1, key, e) < 0 || sp_stmt_exec(w->contact_keys, NULL, e) < 0)
        return -1;
    while ((f = sp_stmt_fetch(w->contact_keys, e)) == 1) {
        const char *k = sp_stmt_text(w->contact_keys, 0);
        long v = key_number(k ? k : "", ck->prefix, ck->digits);
        any = 1;
        if (v > best)
            best = v;
    }
    if (f < 0)
        return -1;
    *out = any ? best + 1 : 0;
    return 0;
}

/* One attempt: insert the company row with key inside the key savepoint.
 * 0 written; 1 duplicate key (undone); -1 other failure (undone). */
static int try_key(sp_gpw *w, const char *key, const char *pointer, sp_err *e)
{
    gpw_row_keys k = {.key = key, .pointer = pointer};
    sp_err e2;
    int r;

    if (sp_db_savepoint(w->db, KEY_SAVEPOINT, e) < 0)
        return -1;
    r = gpw_table_insert(w, &w->company, &k, e);
    if (r == 0)
        return sp_db_release(w->db, KEY_SAVEPOINT, e);
    if (sp_db_rollback_to(w->db, KEY_SAVEPOINT, &e2) < 0 || sp_db_release(w->db, KEY_SAVEPOINT, &e2) < 0) {
        *e = e2;
        return -1;
    }
    return sp_err_is_unique_violation(e) ? 1 : -1;
}

int gpw_insert_company_row(sp_gpw *w, const sp_gpw_company *c, const char *pointer,
                           char key_out[SP_GPW_KEY], sp_err *e)
{
    const sp_job_key_generation *kg = &w->imp->key_generation;
    char prefix[SP_GPW_KEY], key[SP_GPW_KEY];
    long n = 1;

    gpw_key_prefix(c->key_source, kg->letters, prefix, sizeof(prefix));
    for (int tries = 0; tries < SP_GPW_KEY_TRIES; tries++) {
        if (gpw_first_free(w, prefix, kg->digits, n, &n, e) < 0)
            return -1;
        snprintf(key, sizeof(key), "%s%0*ld", prefix, kg->digits, n);
        int r = try_key(w, key, pointer, e);
        if (r == 0) {
            snprintf(key_out, SP_GPW_KEY, "%s", key);
            return 0;
        }
        if (r < 0)
            return -1;
        n++;   /* taken at the same moment by someone else: the next number */
    }
    sp_err_prefix(e, "company %s: no key after %d tries, each number taken by another insert at the "
                  "same moment (the last, %s)", w->hubspot_id, SP_GPW_KEY_TRIES, key);
    return -1;
}

/* ---- the keys of many companies at once (sp_gpw_insert_many) ---------------------------- */

typedef struct pfx {
    char prefix[SP_GPW_KEY];
    long *taken;       /* numbers taken, sorted once read */
    size_t n, cap, at; /* at: the first of taken not below next */
    long next;         /* the first number not given yet */
} pfx;

static size_t pfx_index(const pfx *t, size_t n, const char *p)
{
    size_t i = 0;
    while (i < n && strcmp(t[i].prefix, p) != 0)
        i++;
    return i;
}

/* The taken numbers of prefixes t[lo, hi) (one query; unused ranges repeat the last). */
static int taken_chunk(sp_gpw *w, pfx *t, size_t lo, size_t hi, int digits, sp_err *e)
{
    int f = 0;

    for (int tab = 0, idx = 1; tab < 2; tab++)
        for (size_t i = 0; i < GPW_PREFIXES; i++, idx += 2) {
            char a[SP_GPW_KEY], b[SP_GPW_KEY];
            const char *p = t[lo + i < hi ? lo + i : hi - 1].prefix;
            snprintf(a, sizeof(a), "%s%0*d", p, digits, 0);
            snprintf(b, sizeof(b), "%s%0*ld", p, digits, max_number(digits));
            if (sp_stmt_bind_text(w->taken_many, idx, a, e) < 0 || sp_stmt_bind_text(w->taken_many, idx + 1, b, e) < 0)
                return -1;
        }
    if (sp_stmt_exec(w->taken_many, NULL, e) < 0)
        return -1;
    while ((f = sp_stmt_fetch(w->taken_many, e)) == 1) {
        const char *k = sp_stmt_text(w->taken_many, 0) ? sp_stmt_text(w->taken_many, 0) : "";
        for (size_t i = lo; i < hi; i++) {
            long v = key_number(k, t[i].prefix, digits);
            if (v < 0)
                continue;
            t[i].taken = sp_xgrow(t[i].taken, t[i].n, &t[i].cap, sizeof(*t[i].taken), 8);
            t[i].taken[t[i].n++] = v;
            break;
        }
    }
    sp_stmt_close_cursor(w->taken_many);
    return f < 0 ? -1 : 0;
}

/* The next number of prefix p not taken; SP_EDATA past the digits. */
static int pfx_take(sp_gpw *w, pfx *p, int digits, long *out, sp_err *e)
{
    while (p->at < p->n && p->taken[p->at] <= p->next) {
        if (p->taken[p->at] == p->next)
            p->next++;
        p->at++;
    }
    if (p->next > max_number(digits)) {
        SP_ERR(e, SP_EDATA, "company %s: every key %s%0*d to %s%0*ld is taken; give key-generation more digits",
               w->hubspot_id, p->prefix, digits, 1, p->prefix, digits, max_number(digits));
        sp_err_record(e, NULL, w->hubspot_id);
        return -1;
    }
    *out = p->next++;
    return 0;
}

int gpw_keys_many(sp_gpw *w, const sp_gpw_company *cs, size_t n, char (*keys)[SP_GPW_KEY], sp_err *e)
{
    const sp_job_key_generation *kg = &w->imp->key_generation;
    pfx *t = sp_xcalloc(n + 1, sizeof(*t));
    size_t nt = 0;
    int rc = -1;

    for (size_t i = 0; i < n; i++) {
        char p[SP_GPW_KEY];
        gpw_key_prefix(cs[i].key_source, kg->letters, p, sizeof(p));
        if (pfx_index(t, nt, p) == nt) {
            snprintf(t[nt].prefix, sizeof(t[nt].prefix), "%s", p);
            t[nt++].next = 1;
        }
    }
    for (size_t lo = 0; lo < nt; lo += GPW_PREFIXES)
        if (taken_chunk(w, t, lo, lo + GPW_PREFIXES < nt ? lo + GPW_PREFIXES : nt, kg->digits, e) < 0)
            goto done;
    for (size_t i = 0; i < nt; i++)
        if (t[i].n > 0)
            qsort(t[i].taken, t[i].n, sizeof(long), cmp_long);
    for (size_t i = 0; i < n; i++) {
        char p[SP_GPW_KEY];
        long v;
        gpw_key_prefix(cs[i].key_source, kg->letters, p, sizeof(p));
        w->hubspot_id = cs[i].hubspot_id != NULL ? cs[i].hubspot_id : "?";
        if (pfx_take(w, &t[pfx_index(t, nt, p)], kg->digits, &v, e) < 0)
            goto done;
        snprintf(keys[i], SP_GPW_KEY, "%s%0*ld", p, kg->digits, v);
    }
    rc = 0;
done:
    for (size_t i = 0; i < nt; i++)
        free(t[i].taken);
    free(t);
    return rc;
}
