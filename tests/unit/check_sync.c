/* check_sync.c -- the page pipeline of the sync engines (etl/sync/pipeline.c,
 * commit_thread.c; spetl/sync.h) driven by a toy engine: pages are numbers,
 * their "work in flight" ends when the engine drains. The read-ahead thread
 * needs a database connection: check_exports and check_scale run it (SQLite
 * on the run's connection, PostgreSQL on its own). */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/mem.h"
#include "spetl/sync.h"

#define MAX_PAGES 1000

typedef struct toy {
    sp_sync *sync;
    int npages;                  /* pages to read */
    int fail_commit;             /* this page's commit fails (0: none) */
    int fail_start;              /* this page's start fails (0: none) */
    int drop;                    /* pages have nothing to commit (a dry run) */
    int next;                    /* the next page to read */
    int *inflight[MAX_PAGES];    /* started, not done */
    int ninflight;
    int started;
    int committed[MAX_PAGES + 1];    /* by the commit thread: times each page was committed */
    int order[MAX_PAGES];        /* the pages in the order they were committed */
    int read_order;              /* opts.read_order */
    int many;                    /* the engine commits many pages at once (ops->commit_many) */
    int hold_first;              /* the first commit waits until this many pages were started */
    int groups[SP_SYNC_COMMIT_GROUP + 1];   /* commits of 1, 2, ... pages */
    atomic_int ncommits;
    atomic_int frees;
} toy;

static void *toy_src_open(void *ud, sp_db *db)
{
    (void)db;
    return ud;
}

static void toy_src_close(void *ud, void *src)
{
    (void)ud;
    (void)src;
}

static int toy_read(void *ud, void *src, void **page, sp_err *e)
{
    toy *t = ud;
    int *p;
    (void)src;
    (void)e;
    if (t->next >= t->npages)
        return 0;
    p = sp_xmalloc(sizeof(*p));
    *p = ++t->next;
    *page = p;
    return 1;
}

static int toy_start(void *ud, void *page, sp_err *e)
{
    toy *t = ud;
    int n = *(int *)page;
    t->started++;
    if (n == t->fail_start)
        return SP_ERR(e, SP_EINTERNAL, "start of page %d", n);
    if (t->drop)
        sp_sync_page_drop(t->sync, page);
    else
        t->inflight[t->ninflight++] = page;
    return 0;
}

/* The work in flight ends newest first (pages are done out of read order),
 * down to two pages, or all. */
static int toy_drain(void *ud, int all, sp_err *e)
{
    toy *t = ud;
    (void)e;
    while (t->ninflight > (all ? 0 : 2))
        sp_sync_page_done(t->sync, t->inflight[--t->ninflight]);
    return 0;
}

static int toy_commit(void *ud, void *page, sp_err *e)
{
    toy *t = ud;
    int n = *(int *)page;
    if (n == t->fail_commit)
        return SP_ERR(e, SP_EDB, "commit of page %d", n);
    t->committed[n]++;
    t->order[t->ncommits] = n;
    t->ncommits++;
    return 0;
}

/* A slow disk: the first commit waits until hold_first pages were started,
 * so the next ones wait in the queue (at most 10 s, then it goes on). */
static void toy_hold(toy *t)
{
    int64_t until = sp_clock_now_ms() + 10000;

    if (t->hold_first <= 0)
        return;
    while (t->started < t->hold_first && sp_clock_now_ms() < until)
        sp_clock_sleep_ms(1);
    t->hold_first = 0;
}

/* n pages in one transaction: all or none. */
static int toy_commit_many(void *ud, void *const *pages, size_t n, sp_err *e)
{
    toy *t = ud;

    toy_hold(t);
    for (size_t i = 0; i < n; i++)
        if (*(int *)pages[i] == t->fail_commit)
            return SP_ERR(e, SP_EDB, "commit of page %d", t->fail_commit);
    for (size_t i = 0; i < n; i++) {
        int p = *(int *)pages[i];
        t->committed[p]++;
        t->order[t->ncommits] = p;
        t->ncommits++;
    }
    t->groups[n]++;
    return 0;
}

static int toy_commit_one(void *ud, void *page, sp_err *e)
{
    toy *t = ud;
    toy_hold(t);
    return toy_commit_many(ud, &page, 1, e);
}

static void toy_free(void *ud, void *page)
{
    toy *t = ud;
    t->frees++;
    free(page);
}

static const sp_sync_ops toy_ops = {toy_src_open, toy_src_close, toy_read, toy_start,
                                    toy_drain,    toy_commit,    toy_free, NULL};
static const sp_sync_ops toy_many_ops = {toy_src_open, toy_src_close, toy_read, toy_start,
                                         toy_drain,    toy_commit_one, toy_free, toy_commit_many};

/* Run the toy engine over t; the run's result, its error in e. */
static int run_toy(toy *t, int threads, sp_err *e)
{
    sp_run_ctx ctx;
    sp_sync_opts o;
    int rc;

    memset(&ctx, 0, sizeof(ctx));   /* no connection: no read-ahead, no heartbeat */
    memset(&o, 0, sizeof(o));
    o.ctx = &ctx;
    o.threads = threads;
    o.read_ahead = 2;
    o.commit_queue_max = 4;
    o.read_order = t->read_order;
    t->sync = sp_sync_new(&o, t->many ? &toy_many_ops : &toy_ops, t);
    sp_err_clear(e);
    rc = sp_sync_run(t->sync, e);
    sp_sync_free(t->sync);
    return rc;
}

START_TEST(every_page_is_committed_once_then_freed)
{
    for (int threads = 0; threads <= 1; threads++) {
        toy *t = sp_xcalloc(1, sizeof(*t));
        sp_err e;
        t->npages = 50;
        ck_assert_int_eq(run_toy(t, threads, &e), 0);
        ck_assert_int_eq(t->ncommits, 50);
        for (int n = 1; n <= 50; n++)
            ck_assert_int_eq(t->committed[n], 1);
        ck_assert_int_eq(t->frees, 50);
        free(t);
    }
}
END_TEST

START_TEST(a_failed_commit_stops_the_run_with_its_error)
{
    toy *t = sp_xcalloc(1, sizeof(*t));
    sp_err e;

    t->npages = MAX_PAGES;
    t->fail_commit = 5;
    ck_assert_int_eq(run_toy(t, 1, &e), -1);
    ck_assert_str_eq(e.msg, "commit of page 5");
    ck_assert_int_eq(t->committed[5], 0);
    /* reading stopped: the pages read are those in flight or queued when
     * the commit failed, far from all */
    ck_assert_int_lt(t->started, MAX_PAGES);
    ck_assert_int_eq(t->frees, t->started);
    free(t);
}
END_TEST

START_TEST(pages_waiting_are_committed_together_each_once)
{
    toy *t = sp_xcalloc(1, sizeof(*t));
    sp_err e;
    int together = 0;

    t->npages = 50;
    t->many = 1;
    t->hold_first = 6;   /* pages 2.. wait in the queue behind page 1 */
    ck_assert_int_eq(run_toy(t, 1, &e), 0);
    ck_assert_int_eq(t->ncommits, 50);
    for (int n = 1; n <= 50; n++)
        ck_assert_int_eq(t->committed[n], 1);
    for (int g = 2; g <= SP_SYNC_COMMIT_GROUP; g++)
        together += t->groups[g];
    ck_assert_int_gt(together, 0);
    ck_assert_int_eq(t->frees, 50);
    free(t);
}
END_TEST

START_TEST(a_failed_group_commit_stops_the_run_and_frees_its_pages)
{
    toy *t = sp_xcalloc(1, sizeof(*t));
    sp_err e;

    t->npages = 50;
    t->many = 1;
    t->hold_first = 6;
    t->fail_commit = 3;   /* in the group after page 1 */
    ck_assert_int_eq(run_toy(t, 1, &e), -1);
    ck_assert_str_eq(e.msg, "commit of page 3");
    ck_assert_int_eq(t->committed[3], 0);   /* nor any page of its group */
    for (int n = 1; n <= 50; n++)
        ck_assert_int_le(t->committed[n], 1);
    ck_assert_int_lt(t->ncommits, t->started);
    ck_assert_int_eq(t->frees, t->started);
    free(t);
}
END_TEST

START_TEST(a_failed_start_lets_the_pages_in_flight_commit)
{
    toy *t = sp_xcalloc(1, sizeof(*t));
    sp_err e;

    t->npages = 10;
    t->fail_start = 4;
    ck_assert_int_eq(run_toy(t, 1, &e), -1);
    ck_assert_str_eq(e.msg, "start of page 4");
    ck_assert_int_eq(t->started, 4);
    ck_assert_int_eq(t->ncommits, 3);   /* pages 1..3 went through */
    ck_assert_int_eq(t->frees, 4);      /* and page 4 is freed */
    free(t);
}
END_TEST

START_TEST(dropped_pages_are_freed_and_never_committed)
{
    toy *t = sp_xcalloc(1, sizeof(*t));
    sp_err e;

    t->npages = 7;
    t->drop = 1;
    ck_assert_int_eq(run_toy(t, 0, &e), 0);
    ck_assert_int_eq(t->ncommits, 0);
    ck_assert_int_eq(t->frees, 7);
    free(t);
}
END_TEST

/* The toy's pages are done newest first: without read_order they are
 * committed so (the export); with it, in the order they were read (an
 * import, whose state must move with its last page). */
START_TEST(read_order_commits_the_pages_as_they_were_read)
{
    for (int threads = 0; threads <= 1; threads++) {
        toy *t = sp_xcalloc(1, sizeof(*t));
        sp_err e;
        int out_of_order = 0;
        t->npages = 30;
        ck_assert_int_eq(run_toy(t, threads, &e), 0);
        for (int i = 1; i < 30; i++)
            out_of_order += t->order[i] < t->order[i - 1];
        ck_assert_int_gt(out_of_order, 0);   /* the toy really is out of order */
        free(t);
        t = sp_xcalloc(1, sizeof(*t));
        t->npages = 30;
        t->read_order = 1;
        ck_assert_int_eq(run_toy(t, threads, &e), 0);
        ck_assert_int_eq(t->ncommits, 30);
        for (int i = 0; i < 30; i++)
            ck_assert_int_eq(t->order[i], i + 1);
        ck_assert_int_eq(t->frees, 30);
        free(t);
    }
}
END_TEST

/* Read order with dropped pages among them: the dropped ones never hold
 * the others back. */
START_TEST(read_order_skips_dropped_pages)
{
    toy *t = sp_xcalloc(1, sizeof(*t));
    sp_err e;

    t->npages = 9;
    t->drop = 1;
    t->read_order = 1;
    ck_assert_int_eq(run_toy(t, 1, &e), 0);
    ck_assert_int_eq(t->ncommits, 0);
    ck_assert_int_eq(t->frees, 9);
    free(t);
}
END_TEST

/* Push mode (sp_sync_feed): the caller reads, the pipeline starts and commits. */
START_TEST(push_mode_commits_every_fed_page_in_read_order)
{
    toy *t = sp_xcalloc(1, sizeof(*t));
    sp_run_ctx ctx;
    sp_sync_opts o;
    sp_err e;

    memset(&ctx, 0, sizeof(ctx));
    memset(&o, 0, sizeof(o));
    o.ctx = &ctx;
    o.threads = 1;
    o.commit_queue_max = 3;
    o.read_order = 1;
    t->sync = sp_sync_new(&o, t->many ? &toy_many_ops : &toy_ops, t);
    sp_sync_open(t->sync);
    for (int n = 1; n <= 20; n++) {
        int *p = sp_xmalloc(sizeof(*p));
        *p = n;
        ck_assert_int_eq(sp_sync_feed(t->sync, p, &e), 0);
    }
    ck_assert_int_eq(sp_sync_close(t->sync, &e), 0);
    sp_sync_free(t->sync);
    ck_assert_int_eq(t->ncommits, 20);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(t->order[i], i + 1);
    ck_assert_int_eq(t->frees, 20);
    free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("sync");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, every_page_is_committed_once_then_freed);
    tcase_add_test(tc, a_failed_commit_stops_the_run_with_its_error);
    tcase_add_test(tc, a_failed_start_lets_the_pages_in_flight_commit);
    tcase_add_test(tc, pages_waiting_are_committed_together_each_once);
    tcase_add_test(tc, a_failed_group_commit_stops_the_run_and_frees_its_pages);
    tcase_add_test(tc, dropped_pages_are_freed_and_never_committed);
    tcase_add_test(tc, read_order_commits_the_pages_as_they_were_read);
    tcase_add_test(tc, read_order_skips_dropped_pages);
    tcase_add_test(tc, push_mode_commits_every_fed_page_in_read_order);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
