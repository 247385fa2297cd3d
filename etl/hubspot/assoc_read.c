/* assoc_read.c -- associations batch read (v4 / 2026-03): the ids of the
 * records of one object associated with each of many records of another.
 * Requests carry at most 1,000 ids (HubSpot's limit since 2025-02); a record
 * whose list goes on (paging.next.after in its result) is asked again with
 * its `after` until it ends. A record without any association is a 207
 * error (NO_ASSOCIATIONS_FOUND) in HubSpot's reply: an empty list here. */
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"
#include "spetl/log.h"

enum { ASSOC_READ_MAX = 1000 };

typedef struct aread {
    sp_hs_assoc_lists *out;
    const char **after;        /* per item: the next page's cursor, NULL when done */
    int more;                  /* some item has a next page */
} aread;

static sp_hs_assoc_list *item_of(sp_hs_assoc_lists *l, const char *from_id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].from_id, from_id) == 0)
            return &l->items[i];
    return NULL;
}

static void list_add(sp_arena *a, sp_hs_assoc_list *it, const char *id)
{
    it->to_ids = sp_arena_grow(a, it->to_ids, it->n, &it->cap, sizeof(*it->to_ids), 8);
    it->to_ids[it->n++] = sp_arena_strdup(a, id);
}

static int take_result(aread *ar, const json_t *res)
{
    sp_hs_assoc_lists *l = ar->out;
    char from[64], to[64];
    const json_t *tos, *t, *after;
    sp_hs_assoc_list *it;
    size_t k;

    if (hs_json_id(json_object_get(json_object_get(res, "from"), "id"), from, sizeof(from)) == NULL ||
        (it = item_of(l, from)) == NULL)
        return -1;
    tos = json_object_get(res, "to");
    json_array_foreach(tos, k, t) {
        if (hs_json_id(json_object_get(t, "toObjectId"), to, sizeof(to)) == NULL)
            return -1;
        list_add(l->arena, it, to);
    }
    after = json_object_get(json_object_get(json_object_get(res, "paging"), "next"), "after");
    if (after != NULL && !json_is_null(after)) {
        const char *a = hs_json_text(l->arena, after);
        if (a != NULL && a[0] != '\0') {
            ar->after[it - l->items] = a;
            ar->more = 1;
        }
    }
    return 0;
}

static int read_fn(const hs_reply *r, void *ud, sp_err *e)
{
    aread *ar = ud;
    const json_t *results, *v, *errors;
    size_t i;

    if (r->status != 200 && r->status != 207)
        return hs_reply_err(r, e);
    results = json_object_get(r->json, "results");
    if (!json_is_array(results))
        return hs_shape_err(r, "no results array", e);
    json_array_foreach(results, i, v)
        if (take_result(ar, v) != 0)
            return hs_shape_err(r, "a result lacks from.id or a to[].toObjectId of a record asked for", e);
    errors = json_object_get(r->json, "errors");
    json_array_foreach(errors, i, v) {
        const char *sub = json_string_value(json_object_get(v, "subCategory"));
        if (sub == NULL || strstr(sub, "NO_ASSOCIATIONS_FOUND") == NULL)
            sp_log(SP_LOG_WARN, HS_COMP, "%s: %s", r->what,
                   json_string_value(json_object_get(v, "message")) ? json_string_value(json_object_get(v, "message"))
                                                                    : "an error without a message");
    }
    return 0;
}

/* The body of one request for items [lo, hi) that still need reading (first
 * round: all); *any counts them. Each item's cursor is consumed. */
static int chunk_body(sp_buf *b, aread *ar, size_t lo, size_t hi, int first, int *any, sp_err *e)
{
    *any = 0;
    if (sp_buf_puts(b, "{\"inputs\":[", e) != 0)
        return -1;
    for (size_t i = lo; i < hi; i++) {
        if (!first && ar->after[i] == NULL)
            continue;
        if (((*any)++ && sp_buf_puts(b, ",", e) != 0) || sp_buf_puts(b, "{\"id\":", e) != 0 ||
            hs_json_str(b, ar->out->items[i].from_id, e) != 0 ||
            (ar->after[i] != NULL && (sp_buf_puts(b, ",\"after\":", e) != 0 || hs_json_str(b, ar->after[i], e) != 0)) ||
            sp_buf_puts(b, "}", e) != 0)
            return -1;
        ar->after[i] = NULL;
    }
    return sp_buf_puts(b, "]}", e) != 0 || sp_buf_check(b, e) != 0 ? -1 : 0;
}

/* One request for items [lo, hi) that still need reading (first round: all). */
static int read_chunk(sp_hs_client *c, const char *path, aread *ar, size_t lo, size_t hi, int first,
                      sp_err *e)
{
    sp_buf b;
    int rc = -1, any = 0;

    sp_buf_init(&b, 1 << 20);
    if (chunk_body(&b, ar, lo, hi, first, &any, e) != 0)
        goto done;
    rc = 0;
    if (any > 0) {
        rc = hs_call_with(c, "POST", path, path, sp_xstrdup(sp_buf_str(&b)), HS_IDEMPOTENT, read_fn, ar, e);
        ar->out->requests++;
    }
done:
    sp_buf_free(&b);
    return rc;
}

int sp_hs_assoc_read(sp_hs_client *c, sp_hs_object from, sp_hs_object to, const char *const *ids, size_t n,
                     sp_hs_assoc_lists *out, sp_err *e)
{
    const char *f = sp_hs_object_name(from), *t = sp_hs_object_name(to);
    char path[160];
    aread ar;
    int rc = -1, first = 1;

    memset(out, 0, sizeof(*out));
    if (f == NULL || t == NULL)
        return SP_ERR(e, SP_EINTERNAL, "associations read: unknown object");
    snprintf(path, sizeof(path), "%s/%s/%s/batch/read", c->assoc_prefix, f, t);
    out->arena = sp_arena_new(0);
    out->items = sp_arena_alloc(out->arena, (n + 1) * sizeof(*out->items));
    for (size_t i = 0; i < n; i++)
        out->items[i].from_id = sp_arena_strdup(out->arena, ids[i]);
    out->n = n;
    memset(&ar, 0, sizeof(ar));
    ar.out = out;
    ar.after = sp_xcalloc(n + 1, sizeof(*ar.after));
    do {
        ar.more = 0;
        for (size_t lo = 0; lo < n; lo += ASSOC_READ_MAX)
            if (read_chunk(c, path, &ar, lo, lo + ASSOC_READ_MAX < n ? lo + ASSOC_READ_MAX : n, first, e) != 0)
                goto done;
        first = 0;
    } while (ar.more);
    rc = 0;
done:
    free(ar.after);
    if (rc != 0)
        sp_hs_assoc_lists_free(out);
    return rc;
}

void sp_hs_assoc_lists_free(sp_hs_assoc_lists *l)
{
    if (l->arena != NULL)
        sp_arena_free(l->arena);
    memset(l, 0, sizeof(*l));
}

/* ---- the same read, asynchronous ------------------------------------------ */

/* A read in flight: its rounds (a round asks every item that still has a
 * next page), the requests of the current round not answered yet. */
typedef struct aread_async {
    char path[160];
    aread ar;
    sp_hs_assoc_lists out;
    size_t pending;
    int failed, first;
    sp_err err;
    sp_hs_assoc_read_fn fn;
    void *ud;
} aread_async;

static void async_done(sp_hs_client *c, const hs_reply *r, void *ud);

/* One request of a round for items [lo, hi) (first round: all of them). */
static int async_chunk(sp_hs_client *c, aread_async *st, size_t lo, size_t hi, sp_err *e)
{
    sp_buf b;
    int rc = -1, any = 0;

    sp_buf_init(&b, 1 << 20);
    if (chunk_body(&b, &st->ar, lo, hi, st->first, &any, e) != 0)
        goto done;
    rc = 0;
    if (any > 0) {
        rc = hs_submit(c, "POST", st->path, st->path, sp_xstrdup(sp_buf_str(&b)), HS_IDEMPOTENT, async_done, st, e);
        if (rc == 0) {
            st->pending++;
            st->out.requests++;
        }
    }
done:
    sp_buf_free(&b);
    return rc;
}

static int async_round(sp_hs_client *c, aread_async *st, sp_err *e)
{
    size_t n = st->out.n;

    st->ar.more = 0;
    for (size_t lo = 0; lo < n; lo += ASSOC_READ_MAX)
        if (async_chunk(c, st, lo, lo + ASSOC_READ_MAX < n ? lo + ASSOC_READ_MAX : n, e) != 0)
            return -1;
    st->first = 0;
    return 0;
}

/* The read ends: its lists (or its failure) to the caller's callback. */
static void async_end(sp_hs_client *c, aread_async *st)
{
    hs_op_end(c, st->failed ? &st->err : NULL);
    if (st->failed) {
        sp_hs_assoc_lists_free(&st->out);
        st->fn(NULL, &st->err, st->ud);
    } else {
        st->fn(&st->out, NULL, st->ud);
    }
    free(st->ar.after);
    free(st);
}

static void async_done(sp_hs_client *c, const hs_reply *r, void *ud)
{
    aread_async *st = ud;
    sp_err e;

    if (r->err != NULL && !st->failed) {
        st->failed = 1;
        st->err = *r->err;
    } else if (r->err == NULL && !st->failed && read_fn(r, &st->ar, &e) != 0) {
        st->failed = 1;
        st->err = e;
    }
    if (--st->pending > 0)
        return;
    if (!st->failed && st->ar.more && async_round(c, st, &st->err) != 0)
        st->failed = 1;
    if (st->pending == 0)
        async_end(c, st);
}

int sp_hs_assoc_read_submit(sp_hs_client *c, sp_hs_object from, sp_hs_object to, const char *const *ids,
                            size_t n, sp_hs_assoc_read_fn fn, void *ud, sp_err *e)
{
    const char *f = sp_hs_object_name(from), *t = sp_hs_object_name(to);
    aread_async *st;

    if (f == NULL || t == NULL || fn == NULL)
        return SP_ERR(e, SP_EINTERNAL, "associations read: unknown object or no callback");
    st = sp_xcalloc(1, sizeof(*st));
    snprintf(st->path, sizeof(st->path), "%s/%s/%s/batch/read", c->assoc_prefix, f, t);
    st->out.arena = sp_arena_new(0);
    st->out.items = sp_arena_alloc(st->out.arena, (n + 1) * sizeof(*st->out.items));
    for (size_t i = 0; i < n; i++)
        st->out.items[i].from_id = sp_arena_strdup(st->out.arena, ids[i]);
    st->out.n = n;
    st->ar.out = &st->out;
    st->ar.after = sp_xcalloc(n + 1, sizeof(*st->ar.after));
    st->fn = fn;
    st->ud = ud;
    st->first = 1;
    hs_op_begin(c);
    if (async_round(c, st, e) != 0) {
        if (st->pending == 0) {   /* nothing was sent: no callback will come */
            hs_op_end(c, NULL);
            sp_hs_assoc_lists_free(&st->out);
            free(st->ar.after);
            free(st);
            return -1;
        }
        st->failed = 1;   /* the requests sent end it, failed */
        st->err = *e;
        return 0;
    }
    if (st->pending == 0)   /* no ids: done at once */
        async_end(c, st);
    return 0;
}

int sp_hs_run_until(sp_hs_client *c, const int *flag, sp_err *e)
{
    hs_run_until(c, flag);
    if (c->stopped && !*flag) {
        *e = c->stop_err;
        return -1;
    }
    return 0;
}
