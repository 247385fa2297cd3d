/*
 * batch.c -- batch operations (create, update, upsert, read, archive,
 * association create) on the request queue: chunking, objectWriteTraceId,
 * 207 split into per-record results and errors, bisection of batches
 * refused whole, per-record error details.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hs_internal.h"
#include "spetl/log.h"

#define HS_ASSOC 100 /* internal kind next to sp_hs_batch_kind */

typedef struct hs_bop {
    sp_hs_client *c;
    int kind;
    int resend_ok;             /* sending an input twice changes nothing (not a plain create) */
    int trace;                 /* send objectWriteTraceId */
    int sync;                  /* failures go to the caller, not to sp_hs_run */
    char *path, *what;
    char *id_property;
    int key_nocase;            /* match keys case-insensitively (email) */
    int slim;                  /* SP_HS_IDS_ONLY: replies parsed for ids alone (slim.c) */
    char *tail;                /* JSON after the inputs array */
    char **frag;               /* per input: the JSON object without its closing brace */
    char **key;                /* per input: what a result is matched on, or NULL */
    char **from_id;            /* associations: the from id per pair */
    size_t n;                  /* inputs (res.n may be emptied by a take) */
    int outstanding;
    sp_hs_batch_result res;
    sp_hs_batch_fn fn;
    void *ud;
} hs_bop;

typedef struct hs_chunk {
    hs_bop *op;
    int resends;               /* times these inputs were sent again for want of an outcome */
    size_t n;
    size_t idx[];
} hs_chunk;

/* Inputs a reply accounts for by neither a result nor an error that names them are sent
 * again this many times when that is safe (everything but create). */
#define MAX_RESENDS 1

static const char *const kind_path[] = {"create", "update", "upsert", "read", "archive"};

static void op_free(hs_bop *op)
{
    for (size_t i = 0; i < op->n; i++) {
        free(op->frag[i]);
        free(op->key[i]);
        if (op->from_id != NULL)
            free(op->from_id[i]);
    }
    free(op->frag);
    free(op->key);
    free(op->from_id);
    free(op->path);
    free(op->what);
    free(op->id_property);
    free(op->tail);
    sp_hs_batch_result_free(&op->res);
    free(op);
}

void sp_hs_batch_result_free(sp_hs_batch_result *r)
{
    if (r->arena != NULL)
        sp_arena_free(r->arena);
    memset(r, 0, sizeof(*r));
}

void sp_hs_batch_result_take(sp_hs_batch_result *r, sp_hs_batch_result *dst)
{
    *dst = *r;
    memset(r, 0, sizeof(*r));
}

void sp_hs_item_err(const sp_hs_item *it, sp_err *e)
{
    SP_ERR(e, SP_EDATA, "HubSpot refused the record: %s%s%s%s%s", it->category ? it->category : "",
           it->category ? ": " : "", it->message ? it->message : "(no message)", it->code ? " code=" : "",
           it->code ? it->code : "");
    sp_err_http(e, it->status, it->category, it->correlation_id);
}

/* ---- completion -------------------------------------------------------- */

static void finalize(hs_bop *op)
{
    sp_hs_client *c = op->c;
    sp_hs_batch_result *r = &op->res;
    sp_err failure;
    int failed_whole;

    r->n_ok = r->n_failed = r->n_not_done = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->items[i].state == SP_HS_ITEM_OK)
            r->n_ok++;
        else if (r->items[i].state == SP_HS_ITEM_FAILED)
            r->n_failed++;
        else
            r->n_not_done++;
    }
    if (r->n_not_done > 0 && r->err.code == SP_OK)
        SP_ERR(&r->err, SP_EINTERNAL, "%s: %zu input(s) got no outcome", op->what, r->n_not_done);
    failed_whole = r->n_not_done > 0;
    failure = r->err;
    if (op->fn != NULL)
        op->fn(r, op->ud);
    hs_op_end(c, failed_whole && !op->sync ? &failure : NULL);
    op_free(op);
}

static void set_op_err(hs_bop *op, const sp_err *e)
{
    if (op->res.err.code == SP_OK)
        op->res.err = *e;
}

/* ---- per-record errors ------------------------------------------------- */

static int status_of_category(const char *cat)
{
    if (cat == NULL)
        return 400;
    if (strcmp(cat, "CONFLICT") == 0)
        return 409;
    if (strcmp(cat, "OBJECT_NOT_FOUND") == 0)
        return 404;
    return 400;
}

/* HubSpot's VALIDATION_ERROR messages embed [{"error":"INVALID_OPTION",...}]. */
static const char *code_from_message(sp_arena *a, const char *msg)
{
    const char *p = msg != NULL ? strstr(msg, "\"error\":\"") : NULL;
    size_t n = 0;

    if (p == NULL)
        return NULL;
    p += strlen("\"error\":\"");
    while (p[n] != '\0' && p[n] != '"' && n < 64)
        n++;
    return n > 0 ? sp_arena_strndup(a, p, n) : NULL;
}

static void fail_item(hs_bop *op, size_t i, const json_t *err, int status, const hs_reply *rep)
{
    sp_hs_item *it = &op->res.items[i];
    sp_arena *a = op->res.arena;
    hs_errinfo ei;
    char existing[32];

    hs_errinfo_parse(err, &ei);
    it->state = SP_HS_ITEM_FAILED;
    it->status = ei.status > 0 ? ei.status : (status > 0 ? status : status_of_category(ei.category));
    it->category = ei.category != NULL ? sp_arena_strdup(a, ei.category) : NULL;
    if (ei.message != NULL) {
        it->message = sp_arena_strdup(a, ei.message);
    } else {
        char ex[201];
        hs_body_excerpt(rep->body, rep->len, ex, sizeof(ex));
        it->message = sp_arena_printf(a, "status %d; body starts: %s", rep->status, ex);
    }
    it->code = ei.code != NULL ? sp_arena_strdup(a, ei.code) : code_from_message(a, ei.message);
    if (ei.correlation_id != NULL)
        it->correlation_id = sp_arena_strdup(a, ei.correlation_id);
    else if (rep->correlation_id[0] != '\0')
        it->correlation_id = sp_arena_strdup(a, rep->correlation_id);
    if (sp_hs_parse_existing_id(ei.message, existing, sizeof(existing)) == 0)
        it->existing_id = sp_arena_strdup(a, existing);
}

static void fail_item_text(hs_bop *op, size_t i, const char *category, const char *message)
{
    sp_hs_item *it = &op->res.items[i];

    it->state = SP_HS_ITEM_FAILED;
    it->status = 0;
    it->category = sp_arena_strdup(op->res.arena, category);
    it->message = sp_arena_strdup(op->res.arena, message);
}

/* ---- sending ----------------------------------------------------------- */

static void chunk_done(sp_hs_client *c, const hs_reply *rep, void *ud);

static void send_chunk_again(hs_bop *op, const size_t *idx, size_t n, int resends)
{
    sp_buf b;
    sp_err e;
    hs_chunk *ch;
    char tid[32];
    int rc = 0;
    unsigned flags = op->resend_ok ? HS_IDEMPOTENT : 0;

    size_t need = 16 + strlen(op->tail);

    for (size_t k = 0; k < n; k++)
        need += strlen(op->frag[idx[k]]) + 48;
    /* one allocation of the right size instead of doubling from 256 bytes */
    sp_buf_init(&b, (size_t)256 << 20);
    b.data = sp_xmalloc(need + 1);
    b.data[0] = '\0';
    b.cap = need + 1;
    rc |= sp_buf_puts(&b, "{\"inputs\":[", &e);
    for (size_t k = 0; k < n && rc == 0; k++) {
        if (k > 0)
            rc |= sp_buf_puts(&b, ",", &e);
        rc |= sp_buf_puts(&b, op->frag[idx[k]], &e);
        if (op->trace) {
            snprintf(tid, sizeof(tid), ",\"objectWriteTraceId\":\"%zu\"", idx[k]);
            rc |= sp_buf_puts(&b, tid, &e);
        }
        rc |= sp_buf_puts(&b, "}", &e);
    }
    rc |= sp_buf_puts(&b, "]", &e);
    rc |= sp_buf_puts(&b, op->tail, &e);
    rc |= sp_buf_puts(&b, "}", &e);
    if (rc != 0) {
        sp_buf_free(&b);
        set_op_err(op, &e);
        return;
    }
    ch = sp_xmalloc(sizeof(*ch) + n * sizeof(size_t));
    ch->op = op;
    ch->resends = resends;
    ch->n = n;
    memcpy(ch->idx, idx, n * sizeof(size_t));
    if ((op->slim ? hs_submit_slim(op->c, "POST", op->path, op->what, b.data, flags, op->id_property,
                                   chunk_done, ch, &e)
                  : hs_submit(op->c, "POST", op->path, op->what, b.data, flags, chunk_done, ch, &e)) != 0) {
        free(ch);
        set_op_err(op, &e);
        return;
    }
    op->outstanding++;
    op->res.requests++;
}

static void send_chunk(hs_bop *op, const size_t *idx, size_t n)
{
    send_chunk_again(op, idx, n, 0);
}

/* ---- replies ----------------------------------------------------------- */

static long chunk_pos_of_trace(const hs_chunk *ch, const char *tid)
{
    char *end;
    unsigned long long v;

    if (tid == NULL || !isdigit((unsigned char)tid[0]))
        return -1;
    v = strtoull(tid, &end, 10);
    if (*end != '\0')
        return -1;
    for (size_t k = 0; k < ch->n; k++)
        if (ch->idx[k] == v)
            return (long)k;
    return -1;
}

static int key_eq(const hs_bop *op, const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return 0;
    return op->key_nocase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static long chunk_pos_of_key(const hs_bop *op, const hs_chunk *ch, const char *key, const char *taken)
{
    for (size_t k = 0; k < ch->n; k++)
        if (!taken[k] && key_eq(op, op->key[ch->idx[k]], key))
            return (long)k;
    return -1;
}

/* The key a result is matched on, in tmp (or NULL). */
static const char *result_key(const hs_bop *op, const json_t *res, char *tmp, size_t n)
{
    const json_t *v;

    if (op->kind == HS_ASSOC) {
        /* v4 sends these as numbers, 2026-03 as strings: both become the same text */
        char fs[128], ts[128];
        if (hs_json_id(json_object_get(res, "fromObjectId"), fs, sizeof(fs)) == NULL ||
            hs_json_id(json_object_get(res, "toObjectId"), ts, sizeof(ts)) == NULL)
            return NULL;
        snprintf(tmp, n, "%s/%s", fs, ts);
        return tmp;
    }
    if (op->id_property != NULL && (op->kind == SP_HS_UPSERT || op->kind == SP_HS_UPDATE || op->kind == SP_HS_READ))
        v = json_object_get(json_object_get(res, "properties"), op->id_property);
    else if (op->kind == SP_HS_UPDATE || op->kind == SP_HS_READ)
        v = json_object_get(res, "id");
    else
        return NULL;
    return hs_json_id(v, tmp, n);
}

static void ok_item(hs_bop *op, size_t i, const json_t *res)
{
    sp_hs_item *it = &op->res.items[i];
    const json_t *nw = json_object_get(res, "new");

    it->state = SP_HS_ITEM_OK;
    hs_record_from_json(res, op->res.arena, &it->rec);
    if (op->kind == HS_ASSOC)
        it->rec.id = sp_arena_strdup(op->res.arena, op->from_id[i]);
    it->is_new = json_is_boolean(nw) ? json_is_true(nw) : -1;
}

/* Chunk positions an error names (objectWriteTraceId, or ids for reads). */
static size_t error_targets(const hs_bop *op, const hs_chunk *ch, const json_t *err, const char *taken,
                            long *out, size_t max)
{
    const json_t *ctx = json_object_get(err, "context");
    const json_t *list = json_object_get(ctx, "objectWriteTraceId");
    const json_t *v;
    size_t i, n = 0;
    long pos;

    if (json_is_string(list)) {
        pos = chunk_pos_of_trace(ch, json_string_value(list));
        if (pos >= 0 && n < max)
            out[n++] = pos;
    }
    json_array_foreach(list, i, v) {
        pos = chunk_pos_of_trace(ch, json_string_value(v));
        if (pos >= 0 && n < max)
            out[n++] = pos;
    }
    if (n == 0) {
        pos = chunk_pos_of_trace(ch, json_string_value(json_object_get(err, "objectWriteTraceId")));
        if (pos >= 0)
            out[n++] = pos;
    }
    if (n == 0 && (op->kind == SP_HS_READ || op->kind == SP_HS_UPDATE || op->kind == SP_HS_ARCHIVE)) {
        list = json_object_get(ctx, "ids");
        json_array_foreach(list, i, v) {
            pos = chunk_pos_of_key(op, ch, json_string_value(v), taken);
            if (pos >= 0 && n < max)
                out[n++] = pos;
        }
    }
    return n;
}

/* Inputs a 2xx reply gave neither a result nor an error that names them (left: input
 * indexes), with the reply's errors that name no input (unnamed). As many such errors as
 * inputs or more: each input failed (HubSpot answers every input), matched by order -- exact
 * for one. Fewer: which of them were written is unknown. Such inputs are sent again when that
 * is safe (update, upsert by a unique key, read, archive, associations: sending twice changes
 * nothing), at most MAX_RESENDS times; a create is not (it could make a duplicate): its
 * inputs get no outcome and the operation fails saying so. */
static void settle_unaccounted(hs_bop *op, const hs_chunk *ch, const hs_reply *rep, const size_t *left,
                               size_t nleft, const json_t *const *unnamed, size_t nunnamed)
{
    sp_err e;

    if (nunnamed >= nleft) {
        for (size_t k = 0; k < nleft; k++) {
            sp_hs_item *it = &op->res.items[left[k]];
            fail_item(op, left[k], unnamed[k], 0, rep);
            if (nleft > 1)
                it->message = sp_arena_printf(op->res.arena, "%s (HubSpot's error named no input; "
                                              "matched to this one by order)", it->message);
        }
        return;
    }
    if (op->resend_ok && ch->resends < MAX_RESENDS) {
        SP_WARN(HS_COMP, "%s: %zu input(s) got neither a result nor an error that names them; sending them "
                "again (safe: this call changes nothing when repeated)", op->what, nleft);
        send_chunk_again(op, left, nleft, ch->resends + 1);
        return;
    }
    if (!op->resend_ok) {
        SP_ERR(&e, SP_EHUBSPOT, "%s: outcome unknown for %zu input(s): the %d reply named neither a result "
               "nor an error for them; HubSpot may or may not have created them, and a create is not "
               "sent again blindly: look the records up (or upsert by a unique property) before sending "
               "them again", op->what, nleft, rep->status);
        sp_err_http(&e, rep->status, NULL, rep->correlation_id[0] ? rep->correlation_id : NULL);
    } else {
        hs_shape_err(rep, "inputs still got neither a result nor an error that names them after being sent "
                     "again", &e);
    }
    SP_ERROR(HS_COMP, "%s", e.msg);
    set_op_err(op, &e);
}

static void apply_success(hs_bop *op, const hs_chunk *ch, const hs_reply *rep)
{
    const json_t *results = json_object_get(rep->json, "results");
    const json_t *errors = json_object_get(rep->json, "errors");
    const json_t *v;
    char *taken = sp_xcalloc(ch->n ? ch->n : 1, 1);
    long *targets = sp_xmalloc((ch->n ? ch->n : 1) * sizeof(long));
    size_t *left = sp_xmalloc((ch->n ? ch->n : 1) * sizeof(size_t));
    const json_t **unnamed = sp_xcalloc(json_array_size(errors) + 1, sizeof(*unnamed));
    size_t nleft = 0, nunnamed = 0;
    char keybuf[512];
    size_t i, nres;
    sp_err e;

    if (rep->status == 204 || (op->kind == SP_HS_ARCHIVE && rep->json == NULL)) {
        for (size_t k = 0; k < ch->n; k++)
            op->res.items[ch->idx[k]].state = SP_HS_ITEM_OK;
        goto done;
    }
    if (!json_is_array(results) && !json_is_array(errors)) {
        hs_shape_err(rep, "no results array in a batch reply", &e);
        set_op_err(op, &e);
        goto done;
    }
    nres = json_array_size(results);
    json_array_foreach(results, i, v) {
        long pos = chunk_pos_of_trace(ch, json_string_value(json_object_get(v, "objectWriteTraceId")));
        if (pos >= 0 && taken[pos])
            pos = -1;
        if (pos < 0) {
            const char *k = result_key(op, v, keybuf, sizeof(keybuf));
            if (k != NULL)
                pos = chunk_pos_of_key(op, ch, k, taken);
        }
        if (pos < 0 && op->kind == SP_HS_CREATE && rep->status != 207 && nres == ch->n && !taken[i])
            pos = (long)i; /* a complete create without trace ids: HubSpot keeps input order */
        if (pos < 0 || !json_is_object(v))
            continue;
        taken[pos] = 1;
        ok_item(op, ch->idx[pos], v);
        if (op->kind == SP_HS_READ) {
            /* A read naming one id twice gets one result: it answers both. */
            const char *k = result_key(op, v, keybuf, sizeof(keybuf));
            long more;
            while (k != NULL && (more = chunk_pos_of_key(op, ch, k, taken)) >= 0) {
                taken[more] = 1;
                ok_item(op, ch->idx[more], v);
            }
        }
    }
    json_array_foreach(errors, i, v) {
        size_t nt = error_targets(op, ch, v, taken, targets, ch->n);
        for (size_t t = 0; t < nt; t++) {
            if (taken[targets[t]])
                continue;
            taken[targets[t]] = 1;
            fail_item(op, ch->idx[targets[t]], v, 0, rep);
        }
        if (nt == 0) /* names no input of this request */
            unnamed[nunnamed++] = v;
    }
    for (size_t k = 0; k < ch->n; k++)
        if (!taken[k])
            left[nleft++] = ch->idx[k];
    if (nleft > 0)
        settle_unaccounted(op, ch, rep, left, nleft, unnamed, nunnamed);
done:
    free(taken);
    free(targets);
    free(left);
    free(unnamed);
}

/* A batch refused whole (400/409/413/422): fail what the error names and
 * resend the rest, or split it in halves until each bad record stands alone. */
static void refused(hs_bop *op, const hs_chunk *ch, const hs_reply *rep)
{
    const json_t *errors = json_object_get(rep->json, "errors");
    const json_t *v;
    char *taken;
    long *targets;
    size_t *rest;
    size_t i, nflag = 0, nrest = 0;

    if (ch->n == 1) {
        fail_item(op, ch->idx[0], rep->json, rep->status, rep);
        return;
    }
    taken = sp_xcalloc(ch->n, 1);
    targets = sp_xmalloc(ch->n * sizeof(long));
    rest = sp_xmalloc(ch->n * sizeof(size_t));
    /* Errors that name their inputs (top level or errors[]). */
    nflag = error_targets(op, ch, rep->json, taken, targets, ch->n);
    for (size_t t = 0; t < nflag; t++) {
        if (!taken[targets[t]]) {
            taken[targets[t]] = 1;
            fail_item(op, ch->idx[targets[t]], rep->json, rep->status, rep);
        }
    }
    json_array_foreach(errors, i, v) {
        size_t nt = error_targets(op, ch, v, taken, targets, ch->n);
        for (size_t t = 0; t < nt; t++) {
            if (!taken[targets[t]]) {
                taken[targets[t]] = 1;
                fail_item(op, ch->idx[targets[t]], v, rep->status, rep);
            }
        }
    }
    for (size_t k = 0; k < ch->n; k++)
        if (!taken[k])
            rest[nrest++] = ch->idx[k];
    if (nrest == ch->n) {
        /* Nothing named: bisect. */
        op->c->stats.bisections++;
        SP_DEBUG(HS_COMP, "%s: batch of %zu refused whole (%d); splitting it in halves", op->what, ch->n,
                 rep->status);
        send_chunk(op, rest, nrest / 2);
        send_chunk(op, rest + nrest / 2, nrest - nrest / 2);
    } else if (nrest > 0) {
        send_chunk(op, rest, nrest);
    }
    free(taken);
    free(targets);
    free(rest);
}

static void chunk_done(sp_hs_client *c, const hs_reply *rep, void *ud)
{
    hs_chunk *ch = ud;
    hs_bop *op = ch->op;
    sp_err e;

    (void)c;
    if (rep->err != NULL) {
        set_op_err(op, rep->err);
    } else if (rep->status >= 200 && rep->status < 300) {
        apply_success(op, ch, rep);
    } else if ((rep->status == 400 || rep->status == 409 || rep->status == 413 || rep->status == 422) &&
               op->kind != SP_HS_READ) {
        refused(op, ch, rep);
    } else {
        hs_reply_err(rep, &e);
        set_op_err(op, &e);
    }
    op->outstanding--;
    free(ch);
    if (op->outstanding == 0)
        finalize(op);
}

/* ---- building inputs ----------------------------------------------------- */

/* extra_name/extra_value: a property added when props lacks it (the unique
 * property of an upsert, so the reply carries it), or NULL. */
static int put_props(sp_buf *b, const sp_hs_prop *props, size_t n, const char *extra_name,
                     const char *extra_value, sp_err *e)
{
    if (sp_buf_puts(b, "\"properties\":{", e) != 0)
        return -1;
    for (size_t k = 0; extra_name != NULL && k < n; k++)
        if (props[k].name != NULL && strcmp(props[k].name, extra_name) == 0)
            extra_name = NULL;
    if (extra_name != NULL) {
        if (hs_json_str(b, extra_name, e) != 0 || sp_buf_puts(b, ":", e) != 0 || hs_json_str(b, extra_value, e) != 0)
            return -1;
        if (n > 0 && sp_buf_puts(b, ",", e) != 0)
            return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (props[k].name == NULL || props[k].name[0] == '\0')
            return SP_ERR(e, SP_EDATA, "property %zu has no name", k + 1);
        if ((k > 0 && sp_buf_puts(b, ",", e) != 0) || hs_json_str(b, props[k].name, e) != 0 ||
            sp_buf_puts(b, ":", e) != 0)
            return -1;
        if (props[k].value == NULL) {
            if (sp_buf_puts(b, "null", e) != 0)
                return -1;
        } else if (hs_json_str(b, props[k].value, e) != 0) {
            sp_err_prefix(e, "property %s", props[k].name);
            return -1;
        }
    }
    return sp_buf_puts(b, "}", e);
}

static int build_input(const hs_bop *op, const sp_hs_input *in, sp_buf *b, sp_err *e)
{
    int k = op->kind;

    if (sp_buf_puts(b, "{", e) != 0)
        return -1;
    if (k != SP_HS_CREATE) {
        if (in->id == NULL || in->id[0] == '\0')
            return SP_ERR(e, SP_EDATA, "the input has no id%s%s", op->id_property ? " / " : "",
                          op->id_property ? op->id_property : "");
        if (sp_buf_puts(b, "\"id\":", e) != 0 || hs_json_str(b, in->id, e) != 0)
            return -1;
        if (op->id_property != NULL && (k == SP_HS_UPDATE || k == SP_HS_UPSERT) &&
            (sp_buf_puts(b, ",\"idProperty\":", e) != 0 || hs_json_str(b, op->id_property, e) != 0))
            return -1;
        if (k == SP_HS_READ || k == SP_HS_ARCHIVE)
            return 0;
        if (sp_buf_puts(b, ",", e) != 0)
            return -1;
    }
    if (put_props(b, in->props, in->nprops, op->id_property, in->id, e) != 0)
        return -1;
    if (k == SP_HS_CREATE) {
        /* required by SimplePublicObjectBatchInputForCreate, even when empty */
        if (sp_buf_puts(b, ",\"associations\":[", e) != 0)
            return -1;
        for (size_t a = 0; a < in->nassocs; a++) {
            if (in->assocs[a].to_id == NULL || in->assocs[a].to_id[0] == '\0')
                return SP_ERR(e, SP_EDATA, "association %zu has no target id", a + 1);
            if (sp_buf_printf(b, e, "%s{\"to\":{\"id\":", a ? "," : "") != 0 ||
                hs_json_str(b, in->assocs[a].to_id, e) != 0 ||
                sp_buf_printf(b, e, "},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\","
                                    "\"associationTypeId\":%d}]}", in->assocs[a].type_id) != 0)
                return -1;
        }
        if (sp_buf_puts(b, "]", e) != 0)
            return -1;
    }
    return 0;
}

static hs_bop *op_new(sp_hs_client *c, int kind, size_t n, sp_hs_batch_fn fn, void *ud)
{
    hs_bop *op = sp_xcalloc(1, sizeof(*op));

    op->c = c;
    op->kind = kind;
    op->resend_ok = kind != SP_HS_CREATE;
    op->fn = fn;
    op->ud = ud;
    op->n = n;
    op->res.n = n;
    op->res.arena = sp_arena_new(16 * 1024);
    op->res.items = sp_arena_alloc(op->res.arena, (n ? n : 1) * sizeof(sp_hs_item));
    for (size_t i = 0; i < n; i++)
        op->res.items[i].is_new = -1;
    op->frag = sp_xcalloc(n ? n : 1, sizeof(char *));
    op->key = sp_xcalloc(n ? n : 1, sizeof(char *));
    op->tail = sp_xstrdup("");
    return op;
}

/* Send every prepared input in chunks of max_batch. */
static void launch(hs_bop *op)
{
    size_t *idx = sp_xmalloc((op->res.n ? op->res.n : 1) * sizeof(size_t));
    size_t m = 0, per = (size_t)op->c->max_batch;

    hs_op_begin(op->c);
    op->outstanding++; /* hold the operation open while chunks are queued */
    for (size_t i = 0; i < op->res.n; i++) {
        if (op->frag[i] == NULL)
            continue;
        idx[m++] = i;
        if (m == per) {
            send_chunk(op, idx, m);
            m = 0;
        }
    }
    if (m > 0)
        send_chunk(op, idx, m);
    free(idx);
    op->outstanding--;
    if (op->outstanding == 0)
        finalize(op);
}

static int tail_for_read(hs_bop *op, const sp_hs_batch *b, sp_err *e)
{
    sp_buf t;
    int have_id = 0;

    sp_buf_init(&t, (size_t)1 << 20);
    if (sp_buf_puts(&t, ",\"properties\":[", e) != 0)
        goto fail;
    for (size_t k = 0; k < b->nproperties; k++) {
        if ((k > 0 && sp_buf_puts(&t, ",", e) != 0) || hs_json_str(&t, b->properties[k], e) != 0)
            goto fail;
        if (b->id_property != NULL && strcmp(b->properties[k], b->id_property) == 0)
            have_id = 1;
    }
    /* results are matched to inputs on the id property: ask for it */
    if (b->id_property != NULL && !have_id &&
        ((b->nproperties > 0 && sp_buf_puts(&t, ",", e) != 0) || hs_json_str(&t, b->id_property, e) != 0))
        goto fail;
    /* the schema (BatchReadInputSimplePublicObjectId) requires propertiesWithHistory */
    if (sp_buf_puts(&t, "],\"propertiesWithHistory\":[]", e) != 0)
        goto fail;
    if (b->id_property != NULL &&
        (sp_buf_puts(&t, ",\"idProperty\":", e) != 0 || hs_json_str(&t, b->id_property, e) != 0))
        goto fail;
    free(op->tail);
    op->tail = sp_xstrdup(sp_buf_str(&t));
    sp_buf_free(&t);
    return 0;
fail:
    sp_buf_free(&t);
    return -1;
}

static int batch_prepare(sp_hs_client *c, const sp_hs_batch *b, sp_hs_batch_fn fn, void *ud, hs_bop **out,
                         sp_err *e)
{
    hs_bop *op;
    sp_buf fb;
    sp_err ie;
    const char *obj;

    *out = NULL;
    if (c->stopped) {
        *e = c->stop_err;
        return -1;
    }
    if ((int)b->kind < SP_HS_CREATE || b->kind > SP_HS_ARCHIVE)
        return SP_ERR(e, SP_EINTERNAL, "unknown HubSpot batch kind %d", (int)b->kind);
    obj = sp_hs_object_name(b->object);
    if (obj == NULL)
        return SP_ERR(e, SP_EINTERNAL, "unknown HubSpot object %d", (int)b->object);
    if (b->kind == SP_HS_UPSERT && (b->id_property == NULL || b->id_property[0] == '\0'))
        return SP_ERR(e, SP_EINTERNAL, "a batch upsert of %s needs an idProperty (a unique property)", obj);
    if (b->n > 0 && b->inputs == NULL)
        return SP_ERR(e, SP_EINTERNAL, "batch of %zu %s without inputs", b->n, obj);
    op = op_new(c, (int)b->kind, b->n, fn, ud);
    if (b->kind == SP_HS_CREATE && (b->flags & SP_HS_CREATE_KEYED))
        op->resend_ok = 1;
    op->trace = !(b->flags & SP_HS_NO_TRACE_IDS) && b->kind != SP_HS_READ && b->kind != SP_HS_ARCHIVE;
    op->slim = (b->flags & SP_HS_IDS_ONLY) && b->kind != SP_HS_READ && b->kind != SP_HS_ARCHIVE;
    op->path = sp_xasprintf("%s/%s/batch/%s", c->objects_prefix, obj, kind_path[b->kind]);
    op->what = sp_xasprintf("POST %s", op->path);
    if (b->id_property != NULL && b->kind != SP_HS_CREATE && b->kind != SP_HS_ARCHIVE) {
        op->id_property = sp_xstrdup(b->id_property);
        op->key_nocase = strcmp(b->id_property, "email") == 0;
    }
    if (b->kind == SP_HS_READ && tail_for_read(op, b, e) != 0) {
        op_free(op);
        return -1;
    }
    sp_buf_init(&fb, (size_t)16 << 20);
    for (size_t i = 0; i < b->n; i++) {
        sp_buf_reset(&fb);
        if (build_input(op, &b->inputs[i], &fb, &ie) != 0) {
            fail_item_text(op, i, "SPETL_INPUT", ie.msg);
            continue;
        }
        op->frag[i] = sp_xstrdup(sp_buf_str(&fb));
        if (b->kind != SP_HS_CREATE && b->kind != SP_HS_ARCHIVE)
            op->key[i] = sp_xstrdup(b->inputs[i].id);
    }
    sp_buf_free(&fb);
    *out = op;
    return 0;
}

int sp_hs_batch_submit(sp_hs_client *c, const sp_hs_batch *b, sp_hs_batch_fn fn, void *ud, sp_err *e)
{
    hs_bop *op;

    if (batch_prepare(c, b, fn, ud, &op, e) != 0)
        return -1;
    launch(op);
    return 0;
}

typedef struct sync_slot {
    int done;
    sp_hs_batch_result *out;
} sync_slot;

static void sync_done(sp_hs_batch_result *r, void *ud)
{
    sync_slot *s = ud;
    sp_hs_batch_result_take(r, s->out);
    s->done = 1;
}

static int run_sync(sp_hs_client *c, hs_bop *op, sync_slot *s, sp_err *e)
{
    op->sync = 1;
    launch(op);
    hs_run_until(c, &s->done);
    if (!s->done)
        return SP_ERR(e, SP_EINTERNAL, "a HubSpot batch ended without an outcome");
    if (s->out->n_not_done > 0) {
        *e = s->out->err;
        return -1;
    }
    return 0;
}

int sp_hs_batch_run(sp_hs_client *c, const sp_hs_batch *b, sp_hs_batch_result *out, sp_err *e)
{
    hs_bop *op;
    sync_slot s = {0, out};

    memset(out, 0, sizeof(*out));
    if (batch_prepare(c, b, sync_done, &s, &op, e) != 0)
        return -1;
    return run_sync(c, op, &s, e);
}

/* ---- associations -------------------------------------------------------- */

static int assoc_prepare(sp_hs_client *c, sp_hs_object from, sp_hs_object to, int type_id,
                         const sp_hs_assoc_pair *pairs, size_t n, sp_hs_batch_fn fn, void *ud, hs_bop **out,
                         sp_err *e)
{
    const char *fo = sp_hs_object_name(from), *to_name = sp_hs_object_name(to);
    hs_bop *op;
    sp_buf fb;
    sp_err ie;

    *out = NULL;
    if (c->stopped) {
        *e = c->stop_err;
        return -1;
    }
    if (fo == NULL || to_name == NULL)
        return SP_ERR(e, SP_EINTERNAL, "unknown HubSpot object in an association");
    if (type_id <= 0)
        return SP_ERR(e, SP_EINTERNAL, "association %s -> %s needs a type id", fo, to_name);
    op = op_new(c, HS_ASSOC, n, fn, ud);
    op->from_id = sp_xcalloc(n ? n : 1, sizeof(char *));
    op->path = sp_xasprintf("%s/%s/%s/batch/create", c->assoc_prefix, fo, to_name);
    op->what = sp_xasprintf("POST %s", op->path);
    sp_buf_init(&fb, (size_t)1 << 20);
    for (size_t i = 0; i < n; i++) {
        sp_buf_reset(&fb);
        if (pairs[i].from_id == NULL || pairs[i].to_id == NULL || !pairs[i].from_id[0] || !pairs[i].to_id[0]) {
            fail_item_text(op, i, "SPETL_INPUT", "association pair without a from or to id");
            continue;
        }
        if (sp_buf_puts(&fb, "{\"from\":{\"id\":", &ie) != 0 || hs_json_str(&fb, pairs[i].from_id, &ie) != 0 ||
            sp_buf_puts(&fb, "},\"to\":{\"id\":", &ie) != 0 || hs_json_str(&fb, pairs[i].to_id, &ie) != 0 ||
            sp_buf_printf(&fb, &ie, "},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\","
                                    "\"associationTypeId\":%d}]", type_id) != 0) {
            fail_item_text(op, i, "SPETL_INPUT", ie.msg);
            continue;
        }
        op->frag[i] = sp_xstrdup(sp_buf_str(&fb));
        op->key[i] = sp_xasprintf("%s/%s", pairs[i].from_id, pairs[i].to_id);
        op->from_id[i] = sp_xstrdup(pairs[i].from_id);
    }
    sp_buf_free(&fb);
    *out = op;
    return 0;
}

int sp_hs_assoc_submit(sp_hs_client *c, sp_hs_object from, sp_hs_object to, int type_id,
                       const sp_hs_assoc_pair *pairs, size_t n, sp_hs_batch_fn fn, void *ud, sp_err *e)
{
    hs_bop *op;

    if (assoc_prepare(c, from, to, type_id, pairs, n, fn, ud, &op, e) != 0)
        return -1;
    launch(op);
    return 0;
}

int sp_hs_assoc_create(sp_hs_client *c, sp_hs_object from, sp_hs_object to, int type_id,
                       const sp_hs_assoc_pair *pairs, size_t n, sp_hs_batch_result *out, sp_err *e)
{
    hs_bop *op;
    sync_slot s = {0, out};

    memset(out, 0, sizeof(*out));
    if (assoc_prepare(c, from, to, type_id, pairs, n, sync_done, &s, &op, e) != 0)
        return -1;
    return run_sync(c, op, &s, e);
}
