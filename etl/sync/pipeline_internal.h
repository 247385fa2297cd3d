/*
 * pipeline_internal.h -- shared between the page pipeline's files in
 * etl/sync/ only: pipeline.c (the run loop, errors, the connection lock,
 * the pages' end), commit_thread.c, read_ahead.c. See spetl/sync.h.
 */
#ifndef SPETL_SYNC_PIPELINE_INTERNAL_H
#define SPETL_SYNC_PIPELINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "spetl/sync.h"

/* A page waiting for the commit thread. */
typedef struct sp_sync_qnode {
    void *page;
    int done;                    /* read order: its work is done, it waits for those before it */
    struct sp_sync_qnode *next;
} sp_sync_qnode;

/* The read-ahead thread: pages read on its own source, at most read_ahead
 * of them waiting for the caller. */
typedef struct sp_sync_reader {
    int on;                      /* the thread runs */
    void *src;
    sp_db *db;                   /* its own connection; NULL: the run's, under dbmu */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void **q;                    /* read_ahead slots */
    size_t qn;
    int done;                    /* no page will come any more */
    int stop;                    /* the run wants no more */
    int failed;
    sp_err err;
} sp_sync_reader;

struct sp_sync {
    sp_sync_opts opts;
    const sp_sync_ops *ops;
    void *ud;
    atomic_int fatal;            /* the run stopped */
    sp_err err;                  /* why (under mu) */
    atomic_int live;             /* pages started and not freed */
    int64_t beat_ms;             /* the run lock's last heartbeat (monotonic ms) */
    void *src;                   /* the caller's page source on the run's connection (lazily) */
    int eof;                     /* the caller's source is spent */
    /* The commit thread: pages whose work is done are committed there while
     * the caller's thread goes on (a commit waits for the disk). The run's
     * connection is then used by one thread at a time (dbmu). */
    int committer_on;
    pthread_t committer;
    pthread_mutex_t mu;          /* err, the commit queue */
    pthread_cond_t cv;
    pthread_mutex_t dbmu;
    sp_sync_qnode *cq_head, *cq_tail;
    size_t cqn;
    int cclosing;
    sp_sync_reader rd;
    /* opts.read_order: the pages started and not yet handed to their
     * commit, in read order (under omu) */
    pthread_mutex_t omu;
    sp_sync_qnode *ord_head, *ord_tail;
};

/* pipeline.c: commit a page, then beat the run lock (the run's connection
 * held); then sp_sync_page_end() with the result: a failure stops the run,
 * the page is freed. */
int sp_sync_commit_page(sp_sync *s, void *page, sp_err *e);
/* n pages in one transaction (ops->commit_many; n == 1: ops->commit), then
 * the beat. */
int sp_sync_commit_pages(sp_sync *s, void *const *pages, size_t n, sp_err *e);
void sp_sync_page_end(sp_sync *s, void *page, int rc, const sp_err *e);

/* commit_thread.c */
void sp_sync_committer_start(sp_sync *s);
void sp_sync_committer_push(sp_sync *s, void *page);
void sp_sync_committer_wait_room(sp_sync *s);
void sp_sync_committer_finish(sp_sync *s);

/* read_ahead.c: 1 started, 0 not (the caller reads), -1 error (e). */
int sp_sync_reader_start(sp_sync *s, sp_err *e);
/* The next page read ahead: 1 (*page), 0 none left, -1 the read failed (e). */
int sp_sync_reader_next(sp_sync *s, void **page, sp_err *e);
void sp_sync_reader_stop(sp_sync *s);

#endif
