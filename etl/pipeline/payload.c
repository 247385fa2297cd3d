/* payload.c -- canonical payload hash and the --dry-run diff (see include/spetl/payload.h). */
#include "spetl/payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "text.h"

#define CANONICAL_VERSION "spetl-payload/1\n"

static const char *val(const sp_prop *p) { return p->value != NULL ? p->value : ""; }

static int prop_cmp(const void *a, const void *b)
{
    const sp_prop *x = *(const sp_prop *const *)a, *y = *(const sp_prop *const *)b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(val(x), val(y));
}

/* The pairs sorted by name (then value); the caller frees the array. */
static const sp_prop **sorted(const sp_prop *props, size_t n)
{
    const sp_prop **v = sp_xmalloc((n ? n : 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = &props[i];
    qsort(v, n, sizeof(*v), prop_cmp);
    return v;
}

/* Feed one canonical line to either a hash or a buffer. */
typedef struct sink {
    sp_sha256 *sha;
    sp_buf *buf;
    sp_err *e;
    int rc;
} sink;

static void put(sink *s, const char *data, size_t n)
{
    if (s->sha != NULL)
        sp_sha256_update(s->sha, data, n);
    else if (s->rc == 0)
        s->rc = sp_buf_append(s->buf, data, n, s->e);
}

/* "N:" for a length (snprintf costs more than the hash of a short value). */
static size_t len_prefix(size_t v, char out[32])
{
    char tmp[24];
    size_t n = 0, k = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        out[k++] = tmp[--n];
    out[k++] = ':';
    return k;
}

static void canonical(const sp_prop *props, size_t n, sink *s)
{
    const sp_prop **v = sorted(props, n);
    char num[32];

    put(s, CANONICAL_VERSION, strlen(CANONICAL_VERSION));
    for (size_t i = 0; i < n; i++) {
        const char *name = v[i]->name, *value = val(v[i]);
        size_t nl = strlen(name), vl = strlen(value);
        put(s, num, len_prefix(nl, num));
        put(s, name, nl);
        put(s, num, len_prefix(vl, num));
        put(s, value, vl);
        put(s, "\n", 1);
    }
    free(v);
}

void sp_payload_hash(const sp_prop *props, size_t n, char hash[SP_PAYLOAD_HASH_LEN])
{
    sp_sha256 sha;
    unsigned char d[SP_SHA256_LEN];
    sink s = {&sha, NULL, NULL, 0};

    sp_sha256_init(&sha);
    canonical(props, n, &s);
    sp_sha256_final(&sha, d);
    sp_sha256_to_hex(d, hash);
}

int sp_payload_canonical(const sp_prop *props, size_t n, sp_buf *out, sp_err *e)
{
    sink s = {NULL, out, e, 0};
    canonical(props, n, &s);
    return s.rc;
}

/* ---- diff ---------------------------------------------------------------------- */

int sp_payload_values_equal(const char *old_value, const char *new_value)
{
    char a[80], b[80];
    int64_t t_old, t_new;

    if (old_value == NULL || new_value == NULL)
        return old_value == new_value;
    if (strcmp(old_value, new_value) == 0)
        return 1;
    /* HubSpot returns dates and datetimes as ISO 8601; we send epoch ms. */
    if (sp_text_all_digits(new_value) && strchr(old_value, '-') != NULL &&
        sp_time_parse_date(old_value, &t_old, NULL) == 0) {
        char *end;
        long long v = strtoll(new_value, &end, 10);
        t_new = v;
        return *end == '\0' && t_new == t_old;
    }
    /* Numbers come back normalised ("59.95000" sent, "59.95" read). */
    if (sp_text_decimal(old_value, a, sizeof(a)) == 0 && sp_text_decimal(new_value, b, sizeof(b)) == 0)
        return strcmp(a, b) == 0;
    return 0;
}

static const sp_prop *find_old(const sp_payload_prev *prev, const char *name)
{
    for (size_t i = 0; i < prev->nprops; i++)
        if (prev->props[i].name != NULL && strcmp(prev->props[i].name, name) == 0)
            return &prev->props[i];
    return NULL;
}

void sp_payload_diff(const sp_prop *props, size_t n, const sp_payload_prev *prev, sp_arena *a,
                     sp_diff *out)
{
    memset(out, 0, sizeof(*out));
    sp_payload_hash(props, n, out->hash);
    out->entries = sp_arena_alloc(a, (n ? n : 1) * sizeof(*out->entries));
    out->n = n;
    if (prev == NULL || !prev->linked)
        out->action = SP_DIFF_CREATE;
    else if (prev->hash != NULL && strcmp(prev->hash, out->hash) == 0)
        out->action = SP_DIFF_UNCHANGED;
    else
        out->action = SP_DIFF_UPDATE;
    out->old_known = out->action == SP_DIFF_UNCHANGED ||
                     (out->action == SP_DIFF_UPDATE && prev->props != NULL);

    for (size_t i = 0; i < n; i++) {
        sp_diff_entry *d = &out->entries[i];
        d->name = props[i].name;
        d->new_value = val(&props[i]);
        switch (out->action) {
        case SP_DIFF_CREATE:
            d->change = SP_CHANGE_SET;
            break;
        case SP_DIFF_UNCHANGED:
            d->change = SP_CHANGE_SAME;
            d->old_value = d->new_value;   /* the hash says it is what was sent */
            break;
        case SP_DIFF_UPDATE:
            if (prev->props == NULL) {
                d->change = SP_CHANGE_UNKNOWN;
            } else {
                const sp_prop *o = find_old(prev, d->name);
                const char *ov = o != NULL ? val(o) : NULL;
                d->old_value = ov;
                if (ov != NULL && sp_payload_values_equal(ov, d->new_value))
                    d->change = SP_CHANGE_SAME;
                else if (ov == NULL || ov[0] == '\0')
                    d->change = d->new_value[0] == '\0' ? SP_CHANGE_SAME : SP_CHANGE_ADDED;
                else if (d->new_value[0] == '\0')
                    d->change = SP_CHANGE_CLEARED;
                else
                    d->change = SP_CHANGE_CHANGED;
                out->nchanged += d->change != SP_CHANGE_SAME;
            }
            break;
        }
    }
}

static int quoted(sp_buf *out, const char *s, sp_err *e)
{
    int rc = sp_buf_append(out, "\"", 1, e);
    for (const char *p = s; rc == 0 && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            rc = sp_buf_printf(out, e, "\\%c", c);
        else if (c == '\n')
            rc = sp_buf_puts(out, "\\n", e);
        else if (c == '\r')
            rc = sp_buf_puts(out, "\\r", e);
        else if (c == '\t')
            rc = sp_buf_puts(out, "\\t", e);
        else if (c < 0x20 || c == 0x7f)
            rc = sp_buf_printf(out, e, "\\u%04x", c);
        else
            rc = sp_buf_append(out, p, 1, e);
    }
    return rc == 0 ? sp_buf_append(out, "\"", 1, e) : rc;
}

int sp_payload_diff_format(const sp_diff *d, const char *indent, unsigned flags, sp_buf *out, sp_err *e)
{
    int rc = 0;
    const char *ind = indent != NULL ? indent : "";

    switch (d->action) {
    case SP_DIFF_CREATE:
        rc = sp_buf_printf(out, e, "%screate (%zu propert%s)\n", ind, d->n, d->n == 1 ? "y" : "ies");
        break;
    case SP_DIFF_UNCHANGED:
        rc = sp_buf_printf(out, e, "%sunchanged (same payload as last sent; nothing to send)\n", ind);
        break;
    case SP_DIFF_UPDATE:
        if (d->old_known)
            rc = sp_buf_printf(out, e, "%supdate (%zu of %zu propert%s changed)\n", ind, d->nchanged, d->n,
                               d->n == 1 ? "y" : "ies");
        else
            rc = sp_buf_printf(out, e, "%supdate (%zu propert%s; last sent values unknown, only their hash "
                                       "is kept)\n",
                               ind, d->n, d->n == 1 ? "y" : "ies");
        break;
    }
    if (d->action == SP_DIFF_UNCHANGED && !(flags & SP_DIFF_SHOW_SAME))
        return rc;
    for (size_t i = 0; rc == 0 && i < d->n; i++) {
        const sp_diff_entry *x = &d->entries[i];
        const char *mark;
        int arrow = 0;
        switch (x->change) {
        case SP_CHANGE_SET: mark = "+"; break;
        case SP_CHANGE_SAME: mark = "="; break;
        case SP_CHANGE_UNKNOWN: mark = "?"; break;
        case SP_CHANGE_CHANGED:
        case SP_CHANGE_ADDED:
        case SP_CHANGE_CLEARED:
        default: mark = "~"; arrow = 1; break;
        }
        if (x->change == SP_CHANGE_SAME && !(flags & SP_DIFF_SHOW_SAME))
            continue;
        rc = sp_buf_printf(out, e, "%s  %s %s", ind, mark, x->name);
        if (rc == 0 && arrow) {
            rc = sp_buf_puts(out, ": ", e);
            if (rc == 0)
                rc = x->old_value != NULL ? quoted(out, x->old_value, e) : sp_buf_puts(out, "(absent)", e);
            if (rc == 0)
                rc = sp_buf_puts(out, " -> ", e);
        } else if (rc == 0) {
            rc = sp_buf_puts(out, " = ", e);
        }
        if (rc == 0)
            rc = quoted(out, x->new_value, e);
        if (rc == 0)
            rc = sp_buf_puts(out, "\n", e);
    }
    return rc;
}
