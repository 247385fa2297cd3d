/* deal.c -- deal-export's engine (include/spetl/export.h, sp_deal_run):
 * the export engine's page reads (documents paged on their two-part key,
 * their lines with each page) wired on the page pipeline (spetl/sync.h)
 * with deal-export's own stages: a page's HubSpot writes start on the
 * caller's thread (deal_send.c) and its last ones answer while the next
 * pages start (pages overlap), its transaction runs on the commit thread
 * once all answered (deal_commit.c), the next pages are read ahead meanwhile. Also the next
 * queues (sp_deal_next_queues). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deal_internal.h"
#include "spetl/log.h"

#define READ_AHEAD 2
#define COMMIT_QUEUE_MAX 4
#define OPS_IN_FLIGHT 4   /* two pages' associations and line creates */

static void *d_src_open(void *ud, sp_db *db)
{
    (void)ud;
    return sx_src_open(db);
}

static void d_src_close(void *ud, void *src)
{
    (void)ud;
    sx_src_close(src);
}

static int d_read(void *ud, void *src, void **page, sp_err *e)
{
    xpage *pg = NULL;
    int got = sx_read_next(&((drun *)ud)->x, src, &pg, e);

    if (got == 1)
        *page = pg;
    return got;
}

/* A page: printed (dry run), or written to HubSpot and handed to its commit. */
static int d_start(void *ud, void *page, sp_err *e)
{
    drun *d = ud;
    xpage *pg = page;
    sp_run_ctx *ctx = d->x.ctx;

    ctx->counts.read += (int64_t)pg->n[0];
    if (ctx->progress != NULL && ctx->progress(ctx->progress_ud, NULL)) {
        sp_counts now;
        sp_sync_db_lock(d->x.sync);
        now = ctx->counts;
        sp_sync_db_unlock(d->x.sync);
        ctx->progress(ctx->progress_ud, &now);
    }
    if (ctx->dry_run) {
        dl_classify(d, pg);
        dl_dry_print(d, pg);
        sp_sync_page_drop(d->x.sync, pg);
        return 0;
    }
    return dl_send_page(d, pg, e);   /* the page ends in its last answer's callback */
}

/* The pages' operations in flight: at most OPS_IN_FLIGHT, or none. */
static int d_drain(void *ud, int all, sp_err *e)
{
    drun *d = ud;
    sp_err e2;

    if (d->x.ctx->dry_run)
        return 0;
    if (!all)
        return sp_hs_drain(d->x.ctx->hs, OPS_IN_FLIGHT, e);
    sp_err_clear(&e2);
    if (sp_hs_run(d->x.ctx->hs, &e2) != 0) {
        *e = e2;
        sp_sync_fail(d->x.sync, &e2);
        return -1;
    }
    return 0;
}

static int d_commit(void *ud, void *page, sp_err *e)
{
    (void)ud;
    return dl_commit_page(page, e);
}

static void d_free_page(void *ud, void *page)
{
    (void)ud;
    sx_page_free(page);
}

static const sp_sync_ops deal_ops = {d_src_open, d_src_close, d_read, d_start, d_drain, d_commit, d_free_page, NULL};

/* ---- the next queues ---------------------------------------------------------- */

static int type_of(const char *name)
{
    for (int t = 1; t <= 6; t++)
        if (strcasecmp(dl_doc_type_name(t), name) == 0)
            return t;
    return 0;
}

int sp_deal_next_queues(sp_db *db, const sp_job *job, const sp_job_component *comp, char next[7][16], sp_err *e)
{
    const sp_job_deal_export *x = &comp->u.deal;
    sp_stmt *st = NULL;
    int rc = -1, f, found = 0;

    memset(next, 0, 7 * sizeof(next[0]));
    if (x->next_queue != NULL) {
        for (int t = 1; t <= 6; t++)
            snprintf(next[t], sizeof(next[t]), "%s", x->next_queue);
        return 0;
    }
    if (sp_stmt_prepare(db, "SELECT Sales_Doc_Type, Next_Queue FROM spWorkflowQueueOrder WHERE RTRIM(Queue) = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, x->queue, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1) {
        int t = type_of(sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "");
        const char *q = sp_stmt_text(st, 1);
        if (t > 0 && q != NULL && q[0] != '\0') {
            snprintf(next[t], sizeof(next[t]), "%s", q);
            found++;
        }
    }
    if (f < 0)
        goto done;
    if (found == 0) {
        SP_ERR(e, SP_EJOB,
               "<deal-export> queue=\"%s\" has no next queue: spWorkflowQueueOrder has no row with Queue = '%s' "
               "(add one per document type, Sales_Doc_Type and Next_Queue) and the component sets no "
               "next-queue=\"...\"; exported documents must move on",
               x->queue, x->queue);
        sp_err_at_input(e, job->path, comp->pos.line, comp->pos.col);
        goto done;
    }
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

/* ---- the run ---------------------------------------------------------------- */

static int run_setup(drun *d, sp_run_ctx *ctx, const sp_deal_spec *spec, sp_err *e)
{
    sp_sync_opts o;

    d->spec = spec;
    d->x.ctx = ctx;
    d->x.spec = &spec->x;
    d->x.job_arena = sp_arena_new(0);
    d->x.nlevels = spec->x.child != NULL ? 2 : 1;
    if (sx_level_setup(&d->x.lv[0], &spec->x.parent, e) != 0 ||
        (spec->x.child != NULL && sx_level_setup(&d->x.lv[1], spec->x.child, e) != 0))
        return -1;
    if (sp_deal_next_queues(ctx->db, ctx->job, ctx->comp, d->next, e) != 0 ||
        sp_deal_check_pipeline(ctx->hs, ctx->job, ctx->comp, e) != 0)
        return -1;
    if (!ctx->dry_run &&
        (sx_load_open_actions(&d->x, e) != 0 || sp_action_writer_open(ctx->db, ctx->hub, &d->x.actions, e) != 0))
        return -1;
    memset(&o, 0, sizeof(o));
    o.ctx = ctx;
    o.threads = !ctx->dry_run;
    o.read_conn = ctx->dry_run || ctx->key != NULL ? NULL : ctx->job->database.connection;
    o.read_ahead = READ_AHEAD;
    o.commit_queue_max = COMMIT_QUEUE_MAX;
    d->x.sync = sp_sync_new(&o, &deal_ops, d);
    return 0;
}

/* ---- the statements of a page read (tests) ------------------------------------ */

int dl_statements(sp_run_ctx *ctx, const sp_deal_spec *spec, dl_sql_fn fn, void *ud, sp_err *e)
{
    static const char *const after[2] = {"2", "ORD0001"}, *const none[2] = {NULL, NULL};
    static const char *const first[2] = {"1", "QUO0001"}, *const last[2] = {"3", "INV0001"};
    const char *key = ctx->key;
    drun d;
    int rc = -1;

    memset(&d, 0, sizeof(d));
    d.spec = spec;
    d.x.ctx = ctx;
    d.x.spec = &spec->x;
    d.x.job_arena = sp_arena_new(0);
    d.x.nlevels = spec->x.child != NULL ? 2 : 1;
    if (sx_level_setup(&d.x.lv[0], &spec->x.parent, e) != 0 ||
        (spec->x.child != NULL && sx_level_setup(&d.x.lv[1], spec->x.child, e) != 0))
        goto done;
    for (int i = 0; i < 5; i++) {
        xparams *p = sp_xcalloc(1, sizeof(*p));
        sp_buf sql;
        int got;

        sp_buf_init(&sql, SX_SQL_MAX);
        ctx->key = i == 4 ? "2|ORD0001" : NULL;
        got = i == 0 || i == 4 ? sx_sql_parents(&d.x, d.x.job_arena, none, &sql, p, e)
              : i == 1         ? sx_sql_parents(&d.x, d.x.job_arena, after, &sql, p, e)
              : i == 2         ? sx_sql_key_rows(&d.x, d.x.job_arena, after, &sql, p, e)
              : d.x.nlevels > 1 ? sx_sql_children(&d.x, d.x.job_arena, first, last, &sql, p, e)
                               : 1;
        if (got == 0)
            fn(i, sp_buf_str(&sql), p, ud);
        sp_buf_free(&sql);
        free(p);
        if (got < 0)
            goto done;
    }
    rc = 0;
done:
    ctx->key = key;
    sp_arena_free(d.x.job_arena);
    return rc;
}

int sp_deal_run(sp_run_ctx *ctx, const sp_deal_spec *spec, sp_err *e)
{
    drun d;
    int rc = -1;

    memset(&d, 0, sizeof(d));
    if (run_setup(&d, ctx, spec, e) != 0 || sp_sync_run(d.x.sync, e) != 0)
        goto done;
    if (d.lines > 0)
        SP_INFO(ctx->comp->name, "%lld line item%s linked", (long long)d.lines, d.lines == 1 ? "" : "s");
    rc = 0;
done:
    sp_sync_free(d.x.sync);
    sp_stmt_free(d.move);
    sp_stmt_free(d.audit);
    sp_batch_free(d.new_links);
    sp_link_writer_free(d.x.link_put);
    sp_action_writer_free(d.x.actions);
    sp_arena_free(d.x.job_arena);
    return rc;
}
