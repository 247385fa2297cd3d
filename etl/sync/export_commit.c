/* export_commit.c -- a page committed in one database transaction once
 * every write of it is done: each record's link (new links in one
 * multi-row batch), its Action Center row (a failure; a gone object
 * re-resolved) or the resolution of its open one, and the run's counts.
 * sx_commit_pages() is the one place where a page's counts become final;
 * the commit thread gives it every page waiting (up to the pipeline's
 * group), committed together: one transaction, one journal and its syncs
 * for several pages when the disk is what the run waits on.
 * Runs on the commit thread when there is one, holding the run's
 * connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "spetl/clock.h"
#include "spetl/log.h"

static int put_link(xrun *r, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    sp_link lk;

    if (r->link_put == NULL && sp_link_writer_open(r->ctx->db, &r->link_put, e) != 0)
        return -1;
    memset(&lk, 0, sizeof(lk));
    snprintf(lk.entity_type, sizeof(lk.entity_type), "%s", l->lv->link_type);
    snprintf(lk.entity_key, sizeof(lk.entity_key), "%s", x->ekey);
    snprintf(lk.hs_object, sizeof(lk.hs_object), "%s", sp_hs_object_name(l->object));
    snprintf(lk.hs_id, sizeof(lk.hs_id), "%s", x->hs_id);
    snprintf(lk.payload_hash, sizeof(lk.payload_hash), "%s", x->hash);
    return sp_link_writer_put(r->link_put, r->ctx->hub, &lk, e);
}

/* Has the record an unresolved Action Center row of this component from an
 * earlier run? */
int sx_is_open(const xrun *r, const xlevel_rt *l, const xrec *x)
{
    char key[256];
    size_t unused;

    if (r->open.cap == 0)
        return 0;
    snprintf(key, sizeof(key), "%s|%s", l->lv->link_type, x->ekey);
    return sp_kh_get(&r->open, key, &unused);
}

static int add_action(xrun *r, const xlevel_rt *l, const xrec *x, const char *category,
                      const char *message, int status, const char *corr, sp_err *e)
{
    sp_action a;
    memset(&a, 0, sizeof(a));
    snprintf(a.run_id, sizeof(a.run_id), "%s", r->ctx->run_id);
    snprintf(a.component, sizeof(a.component), "%s", r->ctx->comp->name);
    snprintf(a.entity_type, sizeof(a.entity_type), "%s", l->lv->link_type);
    snprintf(a.entity_key, sizeof(a.entity_key), "%s", x->ekey);
    snprintf(a.category, sizeof(a.category), "%s", category && category[0] ? category : "ERROR");
    snprintf(a.message, sizeof(a.message), "%s", message ? message : "");
    a.http_status = status;
    snprintf(a.correlation_id, sizeof(a.correlation_id), "%s", corr ? corr : "");
    a.created_on = sp_clock_wall_ms();
    /* a record fails at most once per run: only one with a row from an
     * earlier run has one to supersede */
    return sp_action_writer_add(r->actions, &a, sx_is_open(r, l, x), e);
}

/* A record that went through: its open Action Center rows (from earlier
 * runs) are resolved. Only records known to have one cost a statement. */
static int resolve_action(xrun *r, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    if (!sx_is_open(r, l, x))
        return 0;
    return sp_action_writer_resolve(r->actions, l->lv->link_type, x->ekey, e);
}

/* ---- new links: one multi-row INSERT per page --------------------------- */

/* New links of a page go in one multi-row INSERT batch; a row the batch
 * refuses (a link written meanwhile) is written again as an upsert. */
typedef struct newlinks {
    sp_batch *b;
    const xrec **recs;
    const xlevel_rt **lvs;
    size_t n;
} newlinks;

static int new_link(xrun *r, xpage *pg, newlinks *nl, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    if (nl->b == NULL) {
        size_t cap = pg->n[0] + pg->n[1] + 1;
        if (r->link_new == NULL && sp_link_batch_open(r->ctx->db, &r->link_new, e) != 0)
            return -1;
        nl->b = r->link_new;
        sp_batch_reset(nl->b);
        nl->recs = sp_arena_alloc(pg->arena, cap * sizeof(*nl->recs));
        nl->lvs = sp_arena_alloc(pg->arena, cap * sizeof(*nl->lvs));
    }
    nl->recs[nl->n] = x;
    nl->lvs[nl->n] = l;
    nl->n++;
    /* 1: some rows failed, handled at the flush */
    return sp_link_batch_add(nl->b, r->ctx->hub, l->lv->link_type, x->ekey, sp_hs_object_name(l->object), x->hs_id,
                             x->hash, sp_clock_wall_ms(), e);
}

/* A new link the batch refused, written again as an upsert. When that is
 * refused too, the HubSpot object is linked to another SalesPad record (the
 * link table is unique on both sides): this record fails. */
static int retry_link(xrun *r, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    sp_counts *c = &r->ctx->counts;
    char msg[1024], why[600];

    if (put_link(r, l, x, e) == 0)
        return 0;
    if (e->code != SP_EDB)
        return -1;
    snprintf(msg, sizeof(msg), "HubSpot %s %s is already linked to another SalesPad record: not linked twice (%s)",
             sp_hs_object_name(l->object), x->hs_id, sp_err_format(e, why, sizeof(why)));
    sp_err_clear(e);
    if (add_action(r, l, x, "LINK_CONFLICT", msg, 0, NULL, e) != 0)
        return -1;
    SP_WARN(r->ctx->comp->name, "%s %s failed: %s", l->lv->link_type, x->ekey, msg);
    if (x->outcome == O_CREATED)
        c->created--;
    else if (x->outcome == O_UPDATED)
        c->updated--;
    else
        c->linked--;
    c->failed++;
    return 0;
}

static int flush_new_links(xrun *r, newlinks *nl, sp_err *e)
{
    int nf;

    if (nl->b == NULL)
        return 0;
    if (sp_batch_flush(nl->b, e) == 0 && sp_batch_rows_failed(nl->b) == 0)
        return 0;
    nf = sp_batch_nfailures(nl->b);
    if (sp_batch_rows_failed(nl->b) > nf)
        return SP_ERR(e, SP_EDB, "writing %lld links failed", (long long)sp_batch_rows_failed(nl->b));
    sp_err_clear(e);
    for (int i = 0; i < nf; i++) {
        const sp_batch_failure *f = sp_batch_failure_at(nl->b, i);
        if (f->row < 0 || (size_t)f->row >= nl->n)
            return SP_ERR(e, SP_EINTERNAL, "link batch: row %lld out of range", (long long)f->row);
        if (retry_link(r, nl->lvs[f->row], nl->recs[f->row], e) != 0)
            return -1;
    }
    return 0;
}

/* ---- a page's records ----------------------------------------------------- */

/* A linked record whose HubSpot object was gone, re-resolved and relinked:
 * linked again, and reported. */
static int commit_relinked(xrun *r, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    char msg[512];

    snprintf(msg, sizeof(msg),
             "the linked HubSpot %s %s was not found (deleted or merged); re-resolved by %s "
             "and relinked to %s",
             sp_hs_object_name(l->object), x->gone_id ? x->gone_id : "", l->lv->mapping->key_property, x->hs_id);
    if (resolve_action(r, l, x, e) != 0 || put_link(r, l, x, e) != 0 ||
        add_action(r, l, x, "OBJECT_NOT_FOUND", msg, 404, NULL, e) != 0)
        return -1;
    r->ctx->counts.updated++;
    return 0;
}

static int commit_failed(xrun *r, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    sp_counts *c = &r->ctx->counts;

    if (x->quiet) {
        c->failed++;   /* its key's first record reports both */
        return 0;
    }
    if (x->unlink) {
        int64_t gone = 0;
        if (sp_link_delete(r->ctx->db, r->ctx->hub, l->lv->link_type, x->ekey, &gone, e) != 0)
            return -1;
    }
    if (add_action(r, l, x, x->category, x->message, x->status, x->corr, e) != 0)
        return -1;
    SP_WARN(r->ctx->comp->name, "%s %s failed: %s%s%s", l->lv->link_type, x->ekey,
            x->category && x->category[0] ? x->category : "", x->category && x->category[0] ? ": " : "", x->message);
    c->failed++;
    return 0;
}

/* One record of the page: its link, Action Center row and count. */
static int commit_rec(xrun *r, xpage *pg, newlinks *nl, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    sp_counts *c = &r->ctx->counts;

    if (x->relinked && (x->outcome == O_CREATED || x->outcome == O_UPDATED || x->outcome == O_LINKED))
        return commit_relinked(r, l, x, e);
    switch (x->outcome) {
    case O_CREATED:
    case O_UPDATED:
    case O_LINKED:
        if (!x->linked_before) {
            if (new_link(r, pg, nl, l, x, e) < 0)
                return -1;
        } else if (put_link(r, l, x, e) != 0) {
            return -1;
        }
        if (resolve_action(r, l, x, e) != 0)
            return -1;
        if (x->outcome == O_CREATED)
            c->created++;
        else if (x->outcome == O_UPDATED)
            c->updated++;
        else
            c->linked++;
        return 0;
    case O_UNCHANGED:
        c->unchanged++;
        return 0;
    case O_SKIPPED:
        c->skipped++;
        return 0;
    case O_FAILED:
        return commit_failed(r, l, x, e);
    case O_NONE:
    default:
        return 0;   /* not done: the run stopped; the next run does it */
    }
}

/* A first export can add hundreds of thousands of links in minutes: each
 * time they double, the planner is told (else the page reads join them as
 * if the table were still empty). */
static int refresh_stats(xrun *r, size_t added, sp_err *e)
{
    r->links_added += (int64_t)added;
    if (r->links_added < r->next_stats)
        return 0;
    r->next_stats = r->links_added * 2;
    return sp_db_refresh_stats(r->ctx->db, "spAAIntegratedEntityLink", e);
}

/* One page's writes, in the open transaction: its post hooks', its
 * records' links and Action Center rows; *added = its new links. */
static int page_writes(xrun *r, xpage *pg, size_t *added, sp_err *e)
{
    newlinks nl;
    int rc = -1;

    memset(&nl, 0, sizeof(nl));
    if (sx_post_hooks(r, pg, e) != 0)   /* their writes go with the page's */
        goto done;
    for (int lv = 0; lv < r->nlevels; lv++)
        for (size_t i = 0; i < pg->n[lv]; i++)
            if (pg->recs[lv][i].send && commit_rec(r, pg, &nl, &r->lv[lv], &pg->recs[lv][i], e) != 0)
                goto done;
    if (flush_new_links(r, &nl, e) != 0)
        goto done;
    *added += nl.n;
    rc = 0;
done:
    sp_batch_reset(nl.b);
    return rc;
}

int sx_commit_pages(void *const *pages, size_t n, sp_err *e)
{
    xrun *r = ((const xpage *)pages[0])->run;
    size_t added = 0;
    int rc = -1;

    if (sp_db_begin(r->ctx->db, e) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (page_writes(r, pages[i], &added, e) != 0)
            goto done;
    if (sp_db_commit(r->ctx->db, e) != 0)
        goto done;
    /* the pages' counts are final here */
    if (refresh_stats(r, added, e) != 0)
        goto done;
    rc = 0;   /* then the pipeline beats the run lock (pipeline.c) */
done:
    if (rc != 0)
        sp_db_rollback(r->ctx->db, NULL);
    return rc;
}

/* The records of this component with an unresolved Action Center row. */
int sx_load_open_actions(xrun *r, sp_err *e)
{
    sp_stmt *st = NULL;
    const char **keys = NULL;
    size_t n = 0, cap = 0;
    int rc = -1, f;

    if (sp_stmt_prepare(r->ctx->db,
                        "SELECT Entity_Type, Entity_Key FROM spAAActionCenter WHERE Hub_ID = ? "
                        "AND Component = ? AND Resolved_On IS NULL",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, r->ctx->hub, e) != 0 ||
        sp_stmt_bind_text(st, 2, r->ctx->comp->name, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1) {
        const char *t = sp_stmt_text(st, 0), *k = sp_stmt_text(st, 1);
        keys = sp_xgrow(keys, n, &cap, sizeof(*keys), 64);
        keys[n++] = sp_arena_printf(r->job_arena, "%s|%s", t ? t : "", k ? k : "");
    }
    if (f < 0)
        goto done;
    if (n > 0) {
        sp_kh_init(&r->open, r->job_arena, n);
        for (size_t i = 0; i < n; i++)
            sp_kh_put(&r->open, keys[i], i);
    }
    rc = 0;
done:
    sp_stmt_free(st);
    free(keys);
    if (rc != 0)
        sp_err_prefix(e, "reading the open Action Center rows of %s", r->ctx->comp->name);
    return rc;
}
