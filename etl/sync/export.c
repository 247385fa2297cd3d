/* export.c -- the export engine shared by every ERP -> HubSpot component
 * (see include/spetl/export.h for the flow, ownership and error rules):
 * sp_export_run wires the engine's stages (export_internal.h lists their
 * files) on the page pipeline (spetl/sync.h), which runs the threads: a
 * page is read and mapped, started on its writes, and committed once they
 * are done. */
#include "spetl/export.h"

#include <stdatomic.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>

#include "export_internal.h"
#include "spetl/log.h"

#define MAX_PAGES_IN_FLIGHT 6    /* pages with writes at HubSpot (sp_hs_drain) */
#define READ_AHEAD 2             /* pages read and mapped ahead */
#define COMMIT_QUEUE_MAX 4       /* pages waiting for their commit */

/* ---- the engine's callbacks on the pipeline ------------------------------ */

static void *x_src_open(void *ud, sp_db *db)
{
    (void)ud;
    return sx_src_open(db);
}

static void x_src_close(void *ud, void *src)
{
    (void)ud;
    sx_src_close(src);
}

static int x_read(void *ud, void *src, void **page, sp_err *e)
{
    xpage *pg = NULL;
    int got = sx_read_next(ud, src, &pg, e);

    if (got == 1)
        *page = pg;
    return got;
}

/* A page read: counted, then printed (dry run) or started on its writes. */
static int x_start(void *ud, void *page, sp_err *e)
{
    xrun *r = ud;
    xpage *pg = page;
    sp_run_ctx *ctx = r->ctx;

    ctx->counts.read += (int64_t)pg->n[0] * (r->lv[0].lv->send ? 1 : 0) + (int64_t)pg->n[1];
    if (ctx->progress != NULL && ctx->progress(ctx->progress_ud, NULL)) {
        sp_counts now;   /* the commit thread counts under the connection's lock */
        sp_sync_db_lock(r->sync);
        now = ctx->counts;
        sp_sync_db_unlock(r->sync);
        ctx->progress(ctx->progress_ud, &now);
    }
    if (ctx->dry_run) {
        sx_dry_print(r, pg);
        sp_sync_page_drop(r->sync, pg);
        return 0;
    }
    if (r->spec->link_by_sku && sx_link_by_sku(r, pg, e) != 0)
        return -1;
    pg->stage = ST_START;
    sx_advance(pg);   /* may finish the page at once (nothing to send) */
    return 0;
}

/* To the end: the batches filling go out (their results fill the next
 * stages' batches) until no record waits. A batch goes as soon as no batch
 * in flight can add to it (not after every write in flight is answered). */
static int drain_all(xrun *r, sp_err *e)
{
    int rc = 0, more = 1;
    sp_err e2;

    while (more) {
        size_t n;
        (void)sx_flush(r, SX_FLUSH_FED);
        n = sp_hs_pending(r->ctx->hs);
        sp_err_clear(&e2);
        if ((n > 0 && sp_hs_drain(r->ctx->hs, n - 1, &e2) == 0) || sp_hs_run(r->ctx->hs, &e2) == 0) {
            more = n > 0 || sx_flush(r, SX_FLUSH_ALL);
            continue;
        }
        if (rc == 0)
            *e = e2;
        rc = -1;
        sp_sync_fail(r->sync, &e2);   /* what still waits is settled unsent */
        more = sx_flush(r, SX_FLUSH_ALL);
    }
    return rc;
}

/* The writes in flight: at most MAX_PAGES_IN_FLIGHT batches, or all. */
static int x_drain(void *ud, int all, sp_err *e)
{
    xrun *r = ud;

    if (r->ctx->dry_run)
        return 0;
    if (!all) {
        (void)sx_flush(r, SX_FLUSH_AGED);   /* batches waiting since SX_BATCH_AGE pages */
        return sp_hs_drain(r->ctx->hs, MAX_PAGES_IN_FLIGHT, e);
    }
    return drain_all(r, e);
}

static int x_commit(void *ud, void *page, sp_err *e)
{
    (void)ud;
    return sx_commit_pages(&page, 1, e);
}

static int x_commit_many(void *ud, void *const *pages, size_t n, sp_err *e)
{
    (void)ud;
    return sx_commit_pages(pages, n, e);
}

/* Every TRIM_PAGES pages freed give the heap its free pages back (glibc
 * keeps them per thread arena otherwise): peak RSS -1 to -1.5 MB at 10,000
 * and 100,000 customers. Once a page, its madvise calls (50 a page) and the
 * page faults after them cost more CPU than that memory was worth; every
 * fourth page let the peak RSS at 100,000 customers grow 0.8 MB (2026-12-07). */
#define TRIM_PAGES 2

static void x_free_page(void *ud, void *page)
{
    (void)ud;
    sx_page_free(page);
#ifdef __GLIBC__
    {
        static atomic_uint freed;
        if (atomic_fetch_add(&freed, 1) % TRIM_PAGES == TRIM_PAGES - 1)
            malloc_trim(0);
    }
#endif
}

static const sp_sync_ops export_ops = {x_src_open, x_src_close, x_read,      x_start,
                                       x_drain,    x_commit,    x_free_page, x_commit_many};
/* A post-export hook runs in its page's transaction: a page that fails
 * must not take back pages whose hooks a program has already seen, so with
 * one the pages commit one at a time. */
static const sp_sync_ops export_ops_one = {x_src_open, x_src_close, x_read,      x_start,
                                           x_drain,    x_commit,    x_free_page, NULL};

/* ---- the run ------------------------------------------------------------ */

/* What the run needs before its first page: its levels' columns, the DBA's
 * filter, the open Action Center rows and their writer, the pipeline. */
static int run_setup(xrun *r, sp_run_ctx *ctx, const sp_export_spec *spec, sp_err *e)
{
    sp_sync_opts o;

    r->ctx = ctx;
    r->spec = spec;
    r->job_arena = sp_arena_new(0);
    r->nlevels = spec->child != NULL ? 2 : 1;
    r->next_stats = 1000;
    if (sx_level_setup(&r->lv[0], &spec->parent, e) != 0 ||
        (spec->child != NULL && sx_level_setup(&r->lv[1], spec->child, e) != 0))
        return -1;
    if (spec->parent.filter != NULL &&
        sp_filter_compile_job(spec->parent.filter, ctx->comp->name, ctx->job->path, sp_db_dialect(ctx->db), "t",
                              r->job_arena, &r->filter, e) != 0)
        return -1;
    if (!ctx->dry_run &&
        (sx_load_open_actions(r, e) != 0 || sp_action_writer_open(ctx->db, ctx->hub, &r->actions, e) != 0))
        return -1;
    memset(&o, 0, sizeof(o));
    o.ctx = ctx;
    o.threads = !ctx->dry_run;
    /* one record (--key) or a dry run: nothing to overlap */
    o.read_conn = ctx->dry_run || ctx->key != NULL ? NULL : ctx->job->database.connection;
    o.read_ahead = READ_AHEAD;
    o.commit_queue_max = COMMIT_QUEUE_MAX;
    r->sync = sp_sync_new(&o, spec->parent.post_hook != NULL || (spec->child != NULL && spec->child->post_hook != NULL)
                                  ? &export_ops_one
                                  : &export_ops,
                          r);
    return 0;
}

int sp_export_run(sp_run_ctx *ctx, const sp_export_spec *spec, sp_err *e)
{
    xrun r;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    if (run_setup(&r, ctx, spec, e) != 0 || sp_sync_run(r.sync, e) != 0)
        goto done;
    rc = 0;
done:
    sp_sync_free(r.sync);   /* before what its sources use */
    sp_link_writer_free(r.link_put);
    sp_batch_free(r.link_new);
    sp_action_writer_free(r.actions);
    sp_arena_free(r.job_arena);
    return rc;
}
