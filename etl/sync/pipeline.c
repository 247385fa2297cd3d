/* pipeline.c -- the page pipeline of the sync engines (spetl/sync.h): the
 * run loop on the caller's thread, the run's first error, the connection
 * lock, and the end of a page (committed or dropped, then freed). The
 * threads are in commit_thread.c and read_ahead.c. */
#include <stdlib.h>
#include <string.h>

#include "pipeline_internal.h"
#include "spetl/clock.h"
#include "spetl/mem.h"

sp_sync *sp_sync_new(const sp_sync_opts *opts, const sp_sync_ops *ops, void *ud)
{
    sp_sync *s = sp_xcalloc(1, sizeof(*s));

    s->opts = *opts;
    s->ops = ops;
    s->ud = ud;
    s->beat_ms = sp_clock_now_ms();
    return s;
}

void sp_sync_free(sp_sync *s)
{
    if (s == NULL)
        return;
    if (s->src != NULL)
        s->ops->src_close(s->ud, s->src);
    free(s);
}

void sp_sync_fail(sp_sync *s, const sp_err *e)
{
    if (s->committer_on)
        pthread_mutex_lock(&s->mu);
    if (!s->fatal) {
        s->err = *e;
        s->fatal = 1;
    }
    if (s->committer_on)
        pthread_mutex_unlock(&s->mu);
}

int sp_sync_failed(const sp_sync *s)
{
    return s->fatal;
}

void sp_sync_db_lock(sp_sync *s)
{
    if (s->committer_on)
        pthread_mutex_lock(&s->dbmu);
}

void sp_sync_db_unlock(sp_sync *s)
{
    if (s->committer_on)
        pthread_mutex_unlock(&s->dbmu);
}

/* ---- the end of a page ---------------------------------------------------- */

int sp_sync_commit_page(sp_sync *s, void *page, sp_err *e)
{
    sp_run_ctx *ctx = s->opts.ctx;

    if (s->ops->commit(s->ud, page, e) != 0)
        return -1;
    /* a long run keeps its run lock fresh; a lock lost to another run stops
     * this one */
    if (ctx->heartbeat_ms > 0 && sp_clock_now_ms() - s->beat_ms >= ctx->heartbeat_ms) {
        s->beat_ms = sp_clock_now_ms();
        if (sp_lock_heartbeat(ctx->db, ctx->hub, ctx->run_id, e) != 0)
            return -1;
    }
    return 0;
}

void sp_sync_page_end(sp_sync *s, void *page, int rc, const sp_err *e)
{
    if (rc != 0)
        sp_sync_fail(s, e);
    s->live--;
    s->ops->free_page(s->ud, page);
}

void sp_sync_page_done(sp_sync *s, void *page)
{
    sp_err e;
    int rc;

    if (s->committer_on) {
        sp_sync_committer_push(s, page);   /* the commit thread commits and frees it */
        return;
    }
    sp_err_clear(&e);
    rc = sp_sync_commit_page(s, page, &e);
    sp_sync_page_end(s, page, rc, &e);
}

void sp_sync_page_drop(sp_sync *s, void *page)
{
    s->live--;
    s->ops->free_page(s->ud, page);
}

/* ---- the run ------------------------------------------------------------ */

/* The next page, read ahead or here: 1 (*page), 0 none left, -1 error. */
static int next_page(sp_sync *s, void **page, sp_err *e)
{
    int got;

    if (s->rd.on)
        return sp_sync_reader_next(s, page, e);
    if (s->eof)
        return 0;
    if (s->src == NULL)
        s->src = s->ops->src_open(s->ud, s->opts.ctx->db);
    sp_sync_db_lock(s);
    got = s->ops->read(s->ud, s->src, page, e);
    sp_sync_db_unlock(s);
    if (got == 0)
        s->eof = 1;
    return got;
}

/* Every page, read and started in turn; the engine's drain keeps its work
 * in flight bounded, the commit queue the pages waiting for the disk; then
 * the work still in flight. 0, or -1 with e when the loop stopped. */
static int run_pages(sp_sync *s, sp_err *e)
{
    void *page = NULL;
    int got;
    sp_err e2;

    while (!s->fatal && (got = next_page(s, &page, e)) != 0) {
        if (got < 0)
            return -1;
        s->live++;
        if (s->ops->start(s->ud, page, e) != 0) {
            sp_sync_page_drop(s, page);
            return -1;
        }
        if (s->ops->drain(s->ud, 0, e) != 0)
            return -1;
        sp_sync_committer_wait_room(s);
    }
    sp_err_clear(&e2);
    if (s->ops->drain(s->ud, 1, &e2) != 0 && !s->fatal)
        sp_sync_fail(s, &e2);
    return 0;
}

int sp_sync_run(sp_sync *s, sp_err *e)
{
    int rc = -1;

    if (s->opts.threads)
        sp_sync_committer_start(s);
    if (sp_sync_reader_start(s, e) < 0 || run_pages(s, e) != 0)
        goto done;
    sp_sync_reader_stop(s);
    sp_sync_committer_finish(s);
    if (s->fatal) {
        *e = s->err;
        goto done;
    }
    rc = 0;
done:
    sp_sync_reader_stop(s);
    if (rc != 0 && s->live > 0) {
        /* let the pages in flight finish (they commit what went through) */
        sp_err e3;
        sp_err_clear(&e3);
        (void)s->ops->drain(s->ud, 1, &e3);
    }
    sp_sync_committer_finish(s);
    return rc;
}
