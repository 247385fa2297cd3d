/*
 * sync.h -- the page pipeline under the sync engines: the export engine
 * (export.h) today, the imports next. An engine moves records page by page;
 * the pipeline runs the pages through their stages on three threads and
 * shares the run's database connection between them:
 *
 *   read     a page source (ops->src_open) reads the next page (ops->read):
 *            on the read-ahead thread, at most read_ahead pages ahead, or on
 *            the caller's thread between pages
 *   start    the caller's thread hands the page to the engine (ops->start),
 *            which begins its work (HTTP writes in flight, say); that work
 *            ends, in a callback of the engine, with sp_sync_page_done()
 *            (commit it) or sp_sync_page_drop() (nothing to commit)
 *   drain    the caller's thread lets the work in flight move on, down to
 *            the engine's own bound (ops->drain, all = 0), before the next
 *            page; at the end until none is left (all = 1)
 *   commit   each done page in ONE transaction (ops->commit) on the commit
 *            thread holding the run's connection, in the order the pages
 *            were done (opts->read_order: the order they were read); then
 *            the run lock's heartbeat (ctx->heartbeat_ms).
 *            The caller's thread reads no further while commit_queue_max
 *            pages wait for their commit (the disk is slower than HubSpot).
 *
 * Threads (opts->threads, not in a dry run): the commit thread, and the
 * read-ahead thread when opts->read_conn is set. On a database server
 * (PostgreSQL, SQL Server) the read-ahead thread has a connection of its
 * own (opened from read_conn); on SQLite it reads on the run's connection,
 * between commits (two connections to one file wait for each other's
 * locks), and needs the commit thread. ops->read runs on the read-ahead
 * thread, ops->commit on the commit thread, everything else on the
 * caller's. A callback that touches the run's connection outside read and
 * commit holds sp_sync_db_lock() meanwhile. A read on the run's connection
 * runs holding it, and may give it up while it waits on something else (a
 * hook program's answers: sp_sync_db_unlock(), then sp_sync_db_lock()).
 *
 * Ownership: a page belongs to the engine's read until it returns it, to
 * the pipeline until ops->start, then to the engine until it calls
 * sp_sync_page_done() or sp_sync_page_drop(); the pipeline frees it
 * (ops->free_page) after its commit. The pipeline counts the pages started
 * and not freed: a stopped run lets them finish (ops->drain with all = 1)
 * so what went through is committed.
 *
 * Errors: the first error of any thread (sp_sync_fail) stops the run: no
 * page is read or started after it, the pages in flight finish, and
 * sp_sync_run() returns -1 with that error.
 */
#ifndef SPETL_SYNC_H
#define SPETL_SYNC_H

#include "spetl/component.h"

typedef struct sp_sync sp_sync;

typedef struct sp_sync_ops {
    /* A page source on db (the run's connection or the read-ahead thread's):
     * the engine's prepared reads and its place in the data. */
    void *(*src_open)(void *ud, sp_db *db);
    /* Its statements closed and the source freed (on the thread and under
     * the lock its reads had). */
    void (*src_close)(void *ud, void *src);
    /* The next page of src: 1 (*page), 0 none left, -1 error (e). */
    int (*read)(void *ud, void *src, void **page, sp_err *e);
    /* Begin the page's work. -1 (e): the run stops; the page was not handed
     * on, the pipeline frees it. */
    int (*start)(void *ud, void *page, sp_err *e);
    /* Let the work in flight move on: down to the engine's bound (all = 0),
     * or until none is left (all = 1). -1 (e): the run stops. */
    int (*drain)(void *ud, int all, sp_err *e);
    /* The page in one transaction on the run's connection; -1 (e) rolled
     * back, the run stops. */
    int (*commit)(void *ud, void *page, sp_err *e);
    void (*free_page)(void *ud, void *page);
    /* Optional: the pages in one transaction, in their order -- the commit
     * thread gives it every page waiting, up to SP_SYNC_COMMIT_GROUP, when
     * commits fall behind; -1 (e) all rolled back, the run stops. NULL:
     * commit one page at a time. */
    int (*commit_many)(void *ud, void *const *pages, size_t n, sp_err *e);
} sp_sync_ops;

#define SP_SYNC_COMMIT_GROUP 4

typedef struct sp_sync_opts {
    sp_run_ctx *ctx;             /* the run's connection (ctx->db), hub, run id, heartbeat */
    int threads;                 /* 0: everything on the caller's thread (a dry run) */
    const char *read_conn;       /* connection string of the read-ahead thread; NULL: none */
    int read_ahead;              /* pages it reads ahead of the caller */
    int commit_queue_max;        /* pages waiting for their commit before reading stops */
    int read_order;              /* 1: commit the pages in the order they were read (an
                                    import: its state moves with the last page committed),
                                    a page done early waiting for those read before it;
                                    0: in the order they were done (the export) */
} sp_sync_opts;

/* A pipeline for one run of an engine (ud is passed to every callback). */
sp_sync *sp_sync_new(const sp_sync_opts *opts, const sp_sync_ops *ops, void *ud);

/* Start the threads, run every page through, end the threads. 0 when the
 * run went to its end, -1 with e when it stopped (sp_sync_fail's error, or
 * a read's, a start's or a drain's). */
int sp_sync_run(sp_sync *s, sp_err *e);

void sp_sync_free(sp_sync *s);

/* Push mode, for an engine whose reader calls it back page by page (the
 * imports under sp_hs_read_since): ops->src_open, src_close and read are
 * not used. sp_sync_open() starts the commit thread (opts->threads);
 * sp_sync_feed() hands one page the caller read to ops->start, drains and
 * waits for room in the commit queue as sp_sync_run() does between pages
 * (-1 with e when the run stopped: the page was freed, feed no more);
 * sp_sync_close() lets the work in flight finish, commits what is queued
 * and ends the thread: 0, or -1 with the run's first error. */
void sp_sync_open(sp_sync *s);
int sp_sync_feed(sp_sync *s, void *page, sp_err *e);
int sp_sync_close(sp_sync *s, sp_err *e);

/* The page's work is done: commit it (queued for the commit thread, or here
 * when there is none), then free it. */
void sp_sync_page_done(sp_sync *s, void *page);

/* The page has nothing to commit: free it. */
void sp_sync_page_drop(sp_sync *s, void *page);

/* Stop the run with e (the first error of any thread is kept). */
void sp_sync_fail(sp_sync *s, const sp_err *e);

/* 1 once the run stopped. */
int sp_sync_failed(const sp_sync *s);

/* The run's connection, for this thread alone until sp_sync_db_unlock()
 * (no-op without threads). */
void sp_sync_db_lock(sp_sync *s);
void sp_sync_db_unlock(sp_sync *s);

#endif
