/*
 * export_internal.h -- shared between the export engine's files in
 * etl/sync/ only (never included outside it): a run, its pages and their
 * records, and the functions one stage calls in another. The stages, in the
 * order a page goes through them:
 *
 *   export_sql.c     the SELECT of a level: columns, FROM, link join, WHERE,
 *                    its bound parameters
 *   export_read.c    a page read: the parents (keyset on the trimmed key) and
 *                    their children, fully into the page arena
 *   export_map.c     rows -> records: keys, mapping, hash, what to send
 *                    (upsert, update, nothing); trimmed-key collisions
 *   export_hook.c    the levels' pre hooks (before the decision) and post
 *                    hooks (in the page's transaction), through hook.h
 *   export_sku.c     products: unlinked items matched by hs_sku first
 *   export_send.c    the page's writes to HubSpot, stage by stage, and their
 *                    results (the page state machine, on the caller's thread)
 *   export_commit.c  one transaction per page: links, Action Center rows,
 *                    counts (the one place a page's counts become final)
 *   export_dry.c     --dry-run: each record's create/update printed
 *   export.c         sp_export_run: the stages wired on the page pipeline
 *                    (spetl/sync.h: pipeline.c, read_ahead.c, commit_thread.c)
 *
 * The internal functions are named sx_ (sync, export).
 */
#ifndef SPETL_SYNC_EXPORT_INTERNAL_H
#define SPETL_SYNC_EXPORT_INTERNAL_H

#include "keyhash.h"
#include "spetl/buf.h"
#include "spetl/export.h"
#include "spetl/filter.h"
#include "spetl/payload.h"
#include "spetl/sync.h"

#define SX_SQL_MAX (64 * 1024)
#define SX_MAX_COLS 96
#define SX_MAX_CHILD_ROWS 200000
/* A page read's stored key lengths are named SX_KLEN_COL0, 1 ... so that
 * their buffers can be bounded by name (export_read.c). */
#define SX_KLEN_COL "sx_klen"

typedef enum xoutcome {
    O_NONE = 0,      /* not decided yet (or not done: the run stopped) */
    O_CREATED,
    O_UPDATED,
    O_LINKED,
    O_UNCHANGED,
    O_SKIPPED,
    O_FAILED
} xoutcome;

typedef enum xop {
    OP_NONE = 0,
    OP_UPSERT,
    OP_UPDATE
} xop;

/* One record of a page. */
typedef struct xrec {
    int level;
    const char *k1, *k2;         /* trimmed key parts */
    const char *ekey;            /* entity key: the trimmed parts joined by '|': "K1", "K1|K2" ... */
    const char *pkey;            /* child: its parent's entity key (its first parts) */
    const char *extras[SP_EXPORT_MAX_EXTRAS];  /* the level's extras as read (NULL: SQL NULL) */
    int parent;                  /* child: index among the page's parents; -1 none */
    sp_map_out map;
    char hash[SP_PAYLOAD_HASH_LEN];
    const char *link_id;         /* linked HubSpot id, NULL when not linked */
    const char *link_hash;
    int linked_before;           /* a link row existed when the page was read */
    int send;
    xop op;
    const char *hs_id;           /* the HubSpot id after the write */
    xoutcome outcome;
    int relinked;                /* its linked object was gone: re-resolved */
    const char *gone_id;
    int pend;                    /* flag for the next stage */
    const char *existing_id;     /* 409 on the email: the contact holding it */
    int assoc;                   /* to associate to its parent */
    const struct xrow *src;      /* its row as read (page arena): the key as stored */
    int quiet;                   /* failed with another record of its key: that one reports */
    int unlink;                  /* failed: its linked object is gone, the link is dropped */
    int retry;                   /* its create was refused: upserted by its key instead */
    const char **row;            /* its GP row's values (page arena), for the hooks */
    /* failure */
    int status;
    const char *category, *message, *corr;
} xrec;

/* A level of the run with what reading it needs. */
typedef struct xlevel_rt {
    const sp_export_level *lv;
    const sp_job_column *cols[SX_MAX_COLS];
    int ncols;
    sp_hs_object object;
    int key_width[SP_EXPORT_MAX_KEYS];
    const sp_job_column *keycol[SP_EXPORT_MAX_KEYS];
    int nextras;
} xlevel_rt;

typedef struct xrun xrun;

/* A hook call of a level's records sent and not received (export_hook.c). */
typedef struct xhookcall {
    struct xpage *pg;            /* NULL: none */
    const sp_job_hook *hook;
    int level, post;
    struct sp_hook_rec *hr;      /* the hook records (page arena) ... */
    size_t *idx, k;              /* ... and their records' indexes */
} xhookcall;

/* Where pages are read (a page source of the pipeline): a connection and
 * its page reads, prepared once per run (the first page's, the next pages',
 * the children's, a key's rows), each re-executed with new keys; and the
 * last key read. The run's own connection, or the read-ahead thread's. */
typedef struct xsrc {
    sp_db *db;
    struct {
        char *sql;
        sp_stmt *st;
    } reads[4];
    const char *last_key[2];     /* the last parent key read, its parts (malloc'd); NULL: none yet */
    int eof;                     /* the last page was read */
    xhookcall fly;               /* a pre hook's call in flight (its program works while the next read) */
    struct xpage *held;          /* the page read last, its last call in flight (returned by the next read) */
} xsrc;

typedef enum xstage {
    ST_START = 0,
    ST_P_SEND,
    ST_P_RERESOLVE,
    ST_C_SEND,
    ST_C_RERESOLVE,
    ST_C_CONFLICT_READ,
    ST_C_CONFLICT_UPDATE,
    ST_ASSOC,
    ST_COMMIT
} xstage;

typedef struct xpage {
    xrun *run;
    sp_arena *arena;
    xrec *recs[2];
    size_t n[2];
    xstage stage;
    int pending;                 /* its records in a batch (filling or sent) and not answered */
    int64_t seq;                 /* pages started before it */
} xpage;

/* Batches are filled across pages (export_send.c): per level and kind of
 * write, the records waiting for the next request, which goes out when it
 * holds SX_BATCH of them, when SX_BATCH_AGE more pages have reached that
 * write since its first record's page (SX_READ_AGE for the reads that
 * follow conflicts, a few records a page), when it would hold records of
 * more than SX_HOLD_PAGES pages (memory), or at the end. Pages count when
 * they reach the write, not when they start: a page started while the
 * pacer holds its parents' batch adds its children much later. */
#define SX_BATCH 100
#define SX_BATCH_AGE 8
#define SX_READ_AGE 16
#define SX_HOLD_PAGES 8          /* a batch filling holds records of at most this many pages */
#define SX_NKIND 6

typedef struct xref {
    xpage *pg;
    size_t idx;
} xref;

typedef struct xacc {
    xref ref[SX_BATCH];
    size_t n;
    int64_t reached;             /* pages that reached this write (submit) */
    int64_t first;               /* ... when its first record waiting joined */
    int pages;                   /* pages its records waiting belong to */
} xacc;

struct xrun {
    sp_run_ctx *ctx;
    const sp_export_spec *spec;
    xlevel_rt lv[2];
    int nlevels;
    sp_filter *filter;
    sp_arena *job_arena;
    sp_link_writer *link_put;
    sp_batch *link_new;          /* new links, one page's per transaction */
    int64_t links_added;         /* new links committed by this run */
    int64_t next_stats;          /* refresh the link table's statistics at this many */
    sp_action_writer *actions;
    sp_keyhash open;             /* "TYPE|key" of this component's unresolved Action Center rows */
    sp_sync *sync;               /* the page pipeline: threads, the run's first error, the db lock */
    xacc acc[2][SX_NKIND];       /* batches filling, per level and kind (export_send.c) */
    int sent[2][SX_NKIND];       /* their batches sent and not answered */
    int64_t seq;                 /* pages started */
};

/* A row of a level read into the page arena. */
typedef struct xrow {
    const char **vals;           /* ncols values (page arena) */
    const char *link_id, *link_hash;
    int64_t klen[SP_EXPORT_MAX_KEYS];  /* the stored length of each key part (trailing spaces counted) */
    const char *extras[SP_EXPORT_MAX_EXTRAS];
} xrow;

/* The bound parameters of a read, in order. */
typedef struct xparam {
    int kind;                    /* 0 text, 1 time, 2 filter param, 3 integer (text holds it) */
    const char *text;
    int64_t ms;
    const sp_filter_param *fp;
} xparam;

typedef struct xparams {
    xparam v[SP_FILTER_MAX_PARAMS + 32];
    size_t n;
} xparams;

/* ---- export_sql.c ------------------------------------------------------ */
const char *sx_trimmed(sp_arena *a, const char *s);
const char *sx_padded(sp_arena *a, const char *s, int width);
int sx_level_setup(xlevel_rt *l, const sp_export_level *lv, sp_err *e);
size_t sx_col_max(const sp_job_column *c);
void sx_p_text(xparams *p, const char *s);
/* Key part k of level l after (after = 1), before (-1) or equal to (0) the trimmed value
 * v: text keys whatever trailing spaces they were stored with, integer keys
 * bound as integers. */
void sx_key_pred(const xlevel_rt *l, int k, int after, const char *v, sp_buf *b, xparams *p, sp_err *e);
void sx_p_int(xparams *p, const char *v);
int sx_is_int_key(const sp_job_column *c);
/* The keyset predicate of a composite key: after (last[0], last[1] ...). */
void sx_keyset_after(const xlevel_rt *l, int nkeys, const char *const *last, sp_buf *b, xparams *p,
                     sp_err *e);
int sx_bind_all(sp_stmt *st, const xparams *p, sp_err *e);
void sx_select_head(xrun *r, const xlevel_rt *l, sp_arena *a, sp_buf *b, xparams *p, sp_err *e);
void sx_where_common(xrun *r, const xlevel_rt *l, int with_filter, sp_buf *b, xparams *p, sp_err *e);

/* ---- export_read.c ----------------------------------------------------- */
/* The next page of src (ops->read of the pipeline): 1 (*out), 0 none left,
 * -1 error. */
int sx_read_next(xrun *r, xsrc *src, xpage **out, sp_err *e);
void sx_page_free(xpage *pg);
/* A page source on db (ops->src_open), and its end (ops->src_close). */
xsrc *sx_src_open(sp_db *db);
void sx_src_close(xsrc *src);
/* The statements of a page read, into sql with their parameters (tests
 * print them too): the parents after last_key (last_key[0] NULL: the
 * first page; the run's --key; one row more than a page), the rows of one
 * parent key (its parts), the children of the parents from first to last
 * (their key parts). */
int sx_sql_parents(xrun *r, sp_arena *a, const char *const *last_key, sp_buf *sql, xparams *p, sp_err *e);
int sx_sql_key_rows(xrun *r, sp_arena *a, const char *const *parts, sp_buf *sql, xparams *p, sp_err *e);
int sx_sql_children(xrun *r, sp_arena *a, const char *const *first, const char *const *last, sp_buf *sql,
                    xparams *p, sp_err *e);
/* The trimmed first nparts key parts of row w, joined by '|'. */
const char *sx_row_key(sp_arena *a, const xlevel_rt *l, const xrow *w, int nparts);

/* ---- export_map.c ------------------------------------------------------ */
void sx_rec_fail(xrec *x, int status, const char *category, const char *message, const char *corr,
                 sp_arena *a);
void sx_make_recs(xrun *r, xpage *pg, int level, const xrow *rows, size_t n);
void sx_fail_collisions(xrun *r, xpage *pg, int level);
/* What is sent for each record of the level still undecided (upsert,
 * update, nothing), once its pre hook ran. */
void sx_decide_recs(xrun *r, xpage *pg, int level);

/* ---- export_hook.c ----------------------------------------------------- */
/* The level's pre hook on the page's mapped records, on db (the reading
 * connection), in two halves (sp_hooks_send, sp_hooks_recv): send into c,
 * then receive c (its answers, then sx_decide_recs; nothing when c->pg is
 * NULL; c->pg NULL after), or cancel it (the run stops). -1 (e): the run
 * stops. A program hook's wait gives up the run's connection when db is it
 * (its lock, sync.h). sx_pre_hook_overlap: 1 when the run's pre hooks are
 * worth overlapping with the reads (program hooks only, export_read.c). */
int sx_pre_hook_send(xrun *r, sp_db *db, xpage *pg, int level, xhookcall *c, sp_err *e);
int sx_pre_hook_recv(xrun *r, sp_db *db, xhookcall *c, sp_err *e);
void sx_pre_hook_cancel(xhookcall *c);
int sx_pre_hook_overlap(const xrun *r);
/* The post hooks on the records HubSpot took, in the page's transaction. */
int sx_post_hooks(xrun *r, xpage *pg, sp_err *e);
/* ... of one level (deal-export runs them in its own order). */
int sx_post_hook(xrun *r, xpage *pg, int level, sp_err *e);

/* ---- export_sku.c, export_send.c, export_commit.c, export_dry.c -------- */
int sx_link_by_sku(xrun *r, xpage *pg, sp_err *e);
/* Move the page on to its next stage with something to send (or commit). */
void sx_advance(xpage *pg);
/* Send the batches filling: those waiting since SX_BATCH_AGE pages reached
 * their write (SX_FLUSH_AGED), those no batch sent and not answered can add
 * records to (SX_FLUSH_FED: the pages are all read), or every one
 * (SX_FLUSH_ALL). 1 when something was sent or settled. */
#define SX_FLUSH_AGED 0
#define SX_FLUSH_ALL 1
#define SX_FLUSH_FED 2
int sx_flush(xrun *r, int how);
int sx_load_open_actions(xrun *r, sp_err *e);
int sx_commit_pages(void *const *pages, size_t n, sp_err *e);   /* xpage *s of one run */
/* Has the record an unresolved Action Center row of this component from an
 * earlier run? */
int sx_is_open(const xrun *r, const xlevel_rt *l, const xrec *x);
void sx_dry_print(xrun *r, xpage *pg);

#endif
