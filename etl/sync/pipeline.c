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
    pthread_mutex_init(&s->omu, NULL);
    return s;
}

void sp_sync_free(sp_sync *s)
{
    if (s == NULL)
        return;
    if (s->src != NULL)
        s->ops->src_close(s->ud, s->src);
    while (s->ord_head != NULL) {   /* a run that never ended its pages */
        sp_sync_qnode *qn = s->ord_head;
        s->ord_head = qn->next;
        free(qn);
    }
    pthread_mutex_destroy(&s->omu);
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
    return sp_sync_commit_pages(s, &page, 1, e);
}

int sp_sync_commit_pages(sp_sync *s, void *const *pages, size_t n, sp_err *e)
{
    sp_run_ctx *ctx = s->opts.ctx;

    if (n > 1 ? s->ops->commit_many(s->ud, pages, n, e) != 0 : s->ops->commit(s->ud, pages[0], e) != 0)
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

/* Commit a done page: queued for the commit thread, or here when there is none. */
static void page_commit(sp_sync *s, void *page)
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

/* Read order: a page started joins the end of the order list. */
static void order_add(sp_sync *s, void *page)
{
    sp_sync_qnode *qn;

    if (!s->opts.read_order)
        return;
    qn = sp_xcalloc(1, sizeof(*qn));
    qn->page = page;
    pthread_mutex_lock(&s->omu);
    if (s->ord_tail != NULL)
        s->ord_tail->next = qn;
    else
        s->ord_head = qn;
    s->ord_tail = qn;
    pthread_mutex_unlock(&s->omu);
}

/* Read order: the page is done (done = 1) or dropped (0): it leaves the list
 * (dropped) or is marked; then the done pages at its head go to their
 * commit, in read order (under omu, so two threads cannot swap them). */
static void order_end(sp_sync *s, void *page, int done)
{
    sp_sync_qnode **pp, *qn;

    pthread_mutex_lock(&s->omu);
    for (pp = &s->ord_head; *pp != NULL && (*pp)->page != page; pp = &(*pp)->next)
        ;
    if (*pp != NULL) {
        qn = *pp;
        if (done) {
            qn->done = 1;
        } else {
            *pp = qn->next;
            free(qn);
        }
    }
    s->ord_tail = NULL;
    for (qn = s->ord_head; qn != NULL; qn = qn->next)
        s->ord_tail = qn;
    while (s->ord_head != NULL && s->ord_head->done) {
        qn = s->ord_head;
        s->ord_head = qn->next;
        if (s->ord_head == NULL)
            s->ord_tail = NULL;
        page_commit(s, qn->page);
        free(qn);
    }
    pthread_mutex_unlock(&s->omu);
}

void sp_sync_page_done(sp_sync *s, void *page)
{
    if (s->opts.read_order)
        order_end(s, page, 1);
    else
        page_commit(s, page);
}

void sp_sync_page_drop(sp_sync *s, void *page)
{
    if (s->opts.read_order)
        order_end(s, page, 0);
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

/* Start one page, let the work in flight move on, wait for room in the
 * commit queue. -1 (e): the run stops. */
static int start_page(sp_sync *s, void *page, sp_err *e)
{
    s->live++;
    order_add(s, page);
    if (s->ops->start(s->ud, page, e) != 0) {
        sp_sync_page_drop(s, page);
        return -1;
    }
    if (s->ops->drain(s->ud, 0, e) != 0)
        return -1;
    sp_sync_committer_wait_room(s);
    return 0;
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
        if (start_page(s, page, e) != 0)
            return -1;
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

/* ---- push mode ------------------------------------------------------------ */

void sp_sync_open(sp_sync *s)
{
    if (s->opts.threads)
        sp_sync_committer_start(s);
}

int sp_sync_feed(sp_sync *s, void *page, sp_err *e)
{
    if (s->fatal) {
        s->live++;
        sp_sync_page_drop(s, page);
        *e = s->err;
        return -1;
    }
    if (start_page(s, page, e) != 0) {
        sp_sync_fail(s, e);
        return -1;
    }
    return 0;
}

int sp_sync_close(sp_sync *s, sp_err *e)
{
    sp_err e2;

    sp_err_clear(&e2);
    if (s->ops->drain(s->ud, 1, &e2) != 0 && !s->fatal)
        sp_sync_fail(s, &e2);
    sp_sync_committer_finish(s);
    if (s->fatal) {
        *e = s->err;
        return -1;
    }
    return 0;
}
