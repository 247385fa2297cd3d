/* import_writeback.c -- the SalesPad key of each company the import created
 * written back to HubSpot (the export mapping's key property), so that a
 * later export updates that company instead of creating a second one.
 * Pending ones are the company links whose Payload_Hash is
 * SP_IMPORT_WRITE_BACK (written with the link, in the page's transaction).
 * During the run, the companies of each committed page are queued and sent
 * between pages in batch updates of 100 (the pipeline's drain, on the
 * caller's thread, which alone uses the HubSpot client), each one HubSpot
 * accepted getting its mark cleared; after the run's last commit every mark
 * left (the last pages', refused ones, and those of earlier runs killed or
 * refused) is sent again, a refusal then being an Action Center row. A
 * refused or unsent one keeps its link and its mark for the next run. */
#include "import_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/buf.h"
#include "spetl/log.h"

enum { WB_CHUNK = 100, WB_CLEAR = 200 };

typedef struct wb_chunk {
    char key[WB_CHUNK][SP_MATCH_KEY];
    char id[WB_CHUNK][32];
    size_t n;
} wb_chunk;

/* The next pending links after key `after` (keyset, in key order). */
static int wb_next(im_run *r, const char *after, wb_chunk *ch, sp_err *e)
{
    sp_buf sql;
    sp_stmt *st = NULL;
    int rc = -1, got;

    ch->n = 0;
    sp_buf_init(&sql, 1024);
    if (sp_db_sql_select_limit(r->ctx->db, &sql,
                               "Entity_Key, HubSpot_ID FROM spAAIntegratedEntityLink WHERE Hub_ID = ? AND "
                               "Entity_Type = ? AND HubSpot_Object_Type = 'companies' AND Payload_Hash = ? AND "
                               "Entity_Key > ? ORDER BY Entity_Key",
                               WB_CHUNK, e) != 0 ||
        sp_stmt_prepare(r->ctx->db, sp_buf_str(&sql), &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, r->ctx->hub, e) != 0 || sp_stmt_bind_text(st, 2, r->kind->company_type, e) != 0 ||
        sp_stmt_bind_text(st, 3, SP_IMPORT_WRITE_BACK, e) != 0 || sp_stmt_bind_text(st, 4, after, e) != 0 ||
        sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((got = sp_stmt_fetch(st, e)) == 1 && ch->n < WB_CHUNK) {
        snprintf(ch->key[ch->n], SP_MATCH_KEY, "%s", sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "");
        snprintf(ch->id[ch->n], 32, "%s", sp_stmt_text(st, 1) ? sp_stmt_text(st, 1) : "");
        ch->n++;
    }
    rc = got < 0 ? -1 : 0;
done:
    sp_stmt_free(st);
    sp_buf_free(&sql);
    return rc;
}

static int wb_clear(im_run *r, const char *key, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    if (sp_stmt_prepare(r->ctx->db,
                        "UPDATE spAAIntegratedEntityLink SET Payload_Hash = '' WHERE Hub_ID = ? AND "
                        "Entity_Type = ? AND Entity_Key = ? AND Payload_Hash = ?",
                        &st, e) == 0 &&
        sp_stmt_bind_text(st, 1, r->ctx->hub, e) == 0 && sp_stmt_bind_text(st, 2, r->kind->company_type, e) == 0 &&
        sp_stmt_bind_text(st, 3, key, e) == 0 && sp_stmt_bind_text(st, 4, SP_IMPORT_WRITE_BACK, e) == 0 &&
        sp_stmt_exec(st, NULL, e) == 0)
        rc = 0;
    sp_stmt_free(st);
    return rc;
}

/* The marks of the chunk's companies HubSpot accepted, cleared in one
 * transaction (one commit per chunk, not per company). */
static int wb_clear_ok(im_run *r, const wb_chunk *ch, const sp_hs_batch_result *res, sp_err *e)
{
    if (sp_db_begin(r->ctx->db, e) != 0)
        return -1;
    for (size_t i = 0; i < res->n && i < ch->n; i++)
        if (res->items[i].state == SP_HS_ITEM_OK && wb_clear(r, ch->key[i], e) != 0) {
            sp_db_rollback(r->ctx->db, NULL);
            return -1;
        }
    return sp_db_commit(r->ctx->db, e);
}

/* The batch update of a chunk (in and props: the caller's WB_CHUNK arrays). */
static void wb_batch(const im_run *r, const wb_chunk *ch, sp_hs_input *in, sp_hs_prop *props, sp_hs_batch *b)
{
    for (size_t i = 0; i < ch->n; i++) {
        props[i].name = r->key_property;
        props[i].value = ch->key[i];
        memset(&in[i], 0, sizeof(in[i]));
        in[i].id = ch->id[i];
        in[i].props = &props[i];
        in[i].nprops = 1;
    }
    memset(b, 0, sizeof(*b));
    b->kind = SP_HS_UPDATE;
    b->object = SP_HS_COMPANIES;
    b->inputs = in;
    b->n = ch->n;
}

/* One chunk as a batch update into *res (the caller frees it). 0 when
 * answers came back, -1 (e) when none did. */
static int wb_update(im_run *r, const wb_chunk *ch, sp_hs_batch_result *res, sp_err *e)
{
    sp_hs_input in[WB_CHUNK];
    sp_hs_prop props[WB_CHUNK];
    sp_hs_batch b;

    wb_batch(r, ch, in, props, &b);
    memset(res, 0, sizeof(*res));
    if (sp_hs_batch_run(r->ctx->hs, &b, res, e) != 0 && res->n == 0)
        return -1;
    return 0;
}

/* A chunk at the end of the run: accepted ones cleared, refused ones
 * reported (their marks stay for the next run). */
static int wb_send(im_run *r, const wb_chunk *ch, sp_err *e)
{
    sp_hs_batch_result res;
    int rc = -1;

    if (wb_update(r, ch, &res, e) != 0)
        goto done;   /* nothing came back: the marks stay, the next run sends them */
    if (wb_clear_ok(r, ch, &res, e) != 0)
        goto done;
    for (size_t i = 0; i < res.n && i < ch->n; i++) {
        sp_err why;
        if (res.items[i].state == SP_HS_ITEM_OK)
            continue;
        sp_err_clear(&why);
        if (res.items[i].state == SP_HS_ITEM_FAILED)
            sp_hs_item_err(&res.items[i], &why);
        else
            why = res.err;
        if (im_report(r, "COMPANY", ch->id[i], "WRITE_BACK_FAILED", NULL,
                      "HubSpot company %s was imported as %s %s, but setting its %s failed: %s; the link stays and "
                      "the next run sends it again",
                      ch->id[i], r->kind->word, ch->key[i], r->key_property, why.msg) != 0)
            goto done;
    }
    rc = 0;
done:
    sp_hs_batch_result_free(&res);
    return rc;
}

/* ---- during the run: the companies of each committed page ------------------ */

void im_wb_queue(im_run *r, const im_page *pg)
{
    if (pg->ncreated == 0 || r->key_property == NULL)
        return;
    pthread_mutex_lock(&r->wbmu);
    if (r->wbn + pg->ncreated > r->wbcap) {
        r->wbcap = (r->wbn + pg->ncreated) * 2;
        r->wbq = sp_xrealloc(r->wbq, r->wbcap * sizeof(*r->wbq));
    }
    memcpy(r->wbq + r->wbn, pg->created, pg->ncreated * sizeof(*r->wbq));
    r->wbn += pg->ncreated;
    pthread_mutex_unlock(&r->wbmu);
}

/* Up to one chunk off the queue. */
static void wb_take(im_run *r, wb_chunk *ch)
{
    ch->n = 0;
    pthread_mutex_lock(&r->wbmu);
    if (r->wbn > 0) {
        ch->n = r->wbn < WB_CHUNK ? r->wbn : WB_CHUNK;
        for (size_t i = 0; i < ch->n; i++) {
            snprintf(ch->id[i], sizeof(ch->id[i]), "%s", r->wbq[r->wbn - ch->n + i].id);
            snprintf(ch->key[i], sizeof(ch->key[i]), "%s", r->wbq[r->wbn - ch->n + i].key);
        }
        r->wbn -= ch->n;
    }
    pthread_mutex_unlock(&r->wbmu);
}

/* A batch update in flight: its chunk, to know what each answer was for. */
typedef struct wb_flight {
    im_run *r;
    wb_chunk ch;
} wb_flight;

/* Its answers (inside a HubSpot call on the caller's thread): the keys
 * HubSpot accepted wait for their marks to be cleared (by the commit
 * thread, in its next page's transaction). A refusal or a request that
 * failed leaves the mark for the sweep at the end. */
static void wb_answered(sp_hs_batch_result *res, void *ud)
{
    wb_flight *f = ud;
    im_run *r = f->r;

    pthread_mutex_lock(&r->wbmu);
    for (size_t i = 0; i < res->n && i < f->ch.n; i++) {
        if (res->items[i].state != SP_HS_ITEM_OK)
            continue;
        r->wb_ok = sp_xgrow(r->wb_ok, r->wb_okn, &r->wb_okcap, sizeof(*r->wb_ok), 256);
        snprintf(r->wb_ok[r->wb_okn++].key, sizeof(r->wb_ok[0].key), "%s", f->ch.key[i]);
    }
    pthread_mutex_unlock(&r->wbmu);
    free(f);
}

/* Marks of keys[0..n) cleared: one UPDATE per WB_CLEAR keys IN (...),
 * prepared for each call (a page), so that PostgreSQL plans it with the
 * table as it is: a once-prepared statement kept the plan made while the
 * link table was small, a scan (11 ms a statement at 5,000 links). */
static int wb_clear_many(im_run *r, const im_wb *keys, size_t n, sp_err *e)
{
    char sql[1024];
    size_t len;
    sp_stmt *st = NULL;
    int rc = -1;

    if (n == 0)
        return 0;
    len = (size_t)snprintf(sql, sizeof(sql), "UPDATE spAAIntegratedEntityLink SET Payload_Hash = '' WHERE Hub_ID = ? "
                                             "AND Entity_Type = ? AND Payload_Hash = ? AND Entity_Key IN (");
    for (int i = 0; i < WB_CLEAR; i++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, i ? ", ?" : "?");
    snprintf(sql + len, sizeof(sql) - len, ")");
    if (sp_stmt_prepare(r->ctx->db, sql, &st, e) != 0)
        return -1;
    for (size_t lo = 0; lo < n; lo += WB_CLEAR) {
        if (sp_stmt_bind_text(st, 1, r->ctx->hub, e) != 0 || sp_stmt_bind_text(st, 2, r->kind->company_type, e) != 0 ||
            sp_stmt_bind_text(st, 3, SP_IMPORT_WRITE_BACK, e) != 0)
            goto done;
        for (size_t i = 0; i < WB_CLEAR; i++)   /* unused places repeat the chunk's first key */
            if (sp_stmt_bind_text(st, 4 + (int)i, keys[lo + i < n ? lo + i : lo].key, e) != 0)
                goto done;
        if (sp_stmt_exec(st, NULL, e) != 0)
            goto done;
    }
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

int im_wb_clear_accepted(im_run *r, sp_err *e)
{
    im_wb *keys;
    size_t n;
    int rc;

    pthread_mutex_lock(&r->wbmu);
    keys = r->wb_ok;
    n = r->wb_okn;
    r->wb_ok = NULL;
    r->wb_okn = r->wb_okcap = 0;
    pthread_mutex_unlock(&r->wbmu);
    rc = wb_clear_many(r, keys, n, e);
    free(keys);
    return rc;
}

/* The marks of the keys HubSpot accepted after the last page's commit,
 * cleared in one transaction (after the pipeline: no commit thread). */
int im_wb_flush(im_run *r, sp_err *e)
{
    if (r->wb_okn == 0)
        return 0;
    if (sp_db_begin(r->ctx->db, e) != 0)
        return -1;
    if (im_wb_clear_accepted(r, e) != 0) {
        sp_db_rollback(r->ctx->db, NULL);
        return -1;
    }
    return sp_db_commit(r->ctx->db, e);
}

/* On the caller's thread between pages (the pipeline's drain): the keys
 * of the pages committed since sent as batch updates of up to 100 that
 * travel alongside the next page's reads (not waited for here). The
 * database is not touched here: the marks of accepted keys are cleared by
 * the commit thread in its next page's transaction (a flush here would wait
 * for the commit thread and hold up the next page's reads). */
int im_wb_drain(im_run *r, sp_err *e)
{
    wb_flight *f = sp_xcalloc(1, sizeof(*f));
    int rc = 0;

    (void)e;

    for (wb_take(r, &f->ch); rc == 0 && f->ch.n > 0; wb_take(r, &f->ch)) {
        sp_hs_input in[WB_CHUNK];
        sp_hs_prop props[WB_CHUNK];
        sp_hs_batch b;
        sp_err e2;
        f->r = r;
        wb_batch(r, &f->ch, in, props, &b);
        if (sp_hs_batch_submit(r->ctx->hs, &b, wb_answered, f, &e2) != 0)
            break;   /* the client stopped: the marks stay */
        f = sp_xcalloc(1, sizeof(*f));
    }
    free(f);
    return rc;
}

/* ---- at the end of the run: every mark, this run's and earlier ones -------- */

int im_write_back(im_run *r, sp_err *e)
{
    wb_chunk *ch;
    char after[SP_MATCH_KEY] = "";
    int rc = 0;

    if (r->key_property == NULL || r->ctx->dry_run)
        return 0;
    ch = sp_xcalloc(1, sizeof(*ch));
    do {
        if ((rc = wb_next(r, after, ch, e)) != 0 || ch->n == 0)
            break;
        snprintf(after, sizeof(after), "%s", ch->key[ch->n - 1]);
        rc = wb_send(r, ch, e);
    } while (rc == 0 && ch->n == WB_CHUNK);
    free(ch);
    if (rc != 0)
        sp_err_prefix(e, "writing the %s of imported companies back to HubSpot", r->key_property);
    return rc;
}
