/*
 * deal_internal.h -- shared between deal-export's files in etl/sync/ only:
 *
 *   deal.c         sp_deal_run: the export engine's page reads (documents,
 *                  and their lines) wired on the page pipeline (spetl/sync.h)
 *                  with the stages below; the next queues
 *   deal_send.c    a page's HubSpot writes, in order: deals (upsert by key),
 *                  their company associations, their line items
 *   deal_lines.c   the line items: those a deal already has, then the rest
 *   deal_commit.c  one transaction per page: links, audit rows, queue moves,
 *                  Action Center rows, counts; and --dry-run's printing
 *
 * A page's records are the export engine's (export_internal.h): documents
 * (level 0) and lines (level 1, each with its parent document). What the
 * deal stages keep on them:
 *   document  hs_id the deal; pend 1 while it goes on (0 once skipped or
 *             failed); retry 1 when the upsert said the deal is new;
 *             outcome O_CREATED once the deal and every line went through,
 *             O_SKIPPED (already linked), O_FAILED (category, message)
 *   line      hs_id its line item; outcome O_CREATED once it exists
 * Extras read with each row (deal_export.c sets the SQL): documents
 * DX_COMPANY (the linked company's id, NULL: not linked), DX_CUSTOMER,
 * DX_PROSPECT ("1": a prospect's document); lines LX_PRODUCT (the linked
 * product's id), LX_ITEM.
 *
 * Internal functions are named dl_.
 */
#ifndef SPETL_SYNC_DEAL_INTERNAL_H
#define SPETL_SYNC_DEAL_INTERNAL_H

#include "export_internal.h"

enum { DX_COMPANY = 0, DX_CUSTOMER, DX_PROSPECT };
enum { LX_PRODUCT = 0, LX_ITEM };

typedef struct drun {
    xrun x;                      /* first: a page's run is this */
    const sp_deal_spec *spec;
    char next[7][16];            /* the next queue per SOPTYPE; "": none */
    sp_stmt *move;               /* the queue move, prepared once (commit connection) */
    sp_stmt *audit;              /* an audit row */
    sp_batch *new_links;         /* a page's new links: multi-row INSERTs */
    struct dl_newrow *rows;      /* what each row of new_links stands for (page arena) */
    size_t nrows, caprows;
    int64_t lines;               /* line items linked by this run */
} drun;

#define DRUN(pg) ((drun *)(pg)->run)

/* deal_send.c: the page's writes, its last ones submitted (they answer in
 * the next sp_hs_run of any page, and then the page is done or, when the
 * run must stop, dropped); -1 only when the run must stop now (HubSpot
 * refused the token, the daily limit). Failed documents are marked. */
int dl_send_page(drun *d, xpage *pg, sp_err *e);
/* Its step 1 alone: which documents go on (the others skipped or failed). */
void dl_classify(drun *d, xpage *pg);
/* The SOPTYPE of a document record (its first key part), 0 when not 1..6. */
int dl_soptype(const xrec *doc);
/* Mark a document failed (once: the first reason stays). */
void dl_fail(xpage *pg, xrec *doc, int status, const char *category, const char *message, const char *corr);

/* Helpers of deal_send.c for deal_lines.c: a line's document (NULL: none
 * in the page); a record's mapped properties without the empty ones (room
 * for `more`); an operation's error that stops the run (-1, e). */
xrec *dl_doc_of(xpage *pg, const xrec *line);
sp_hs_prop *dl_props_of(xpage *pg, const xrec *x, size_t more, size_t *np);
int dl_op_failed(const sp_hs_batch_result *res, const sp_err *op, const char *what, sp_err *e);

/* A page's operations in flight together (steps 3 and 5): how many are
 * unanswered, the first error that stops the run; per operation, its page
 * and the records of its inputs. The last answer ends the page (dl_op_end). */
typedef struct dl_wait {
    int failed;
    sp_err err;
    int pending;
    xpage *pg;
} dl_wait;

typedef struct dl_op {
    dl_wait *w;
    xpage *pg;
    xrec **who;
} dl_op;

/* An operation of w answered: the page ends with the last one. */
void dl_op_end(dl_wait *w);

/* deal_lines.c: steps 4 and 5 (see deal_send.c); step 5 is submitted, its
 * outcome comes with the next sp_hs_run(). */
int dl_read_existing_lines(drun *d, xpage *pg, sp_err *e);
int dl_create_lines(drun *d, xpage *pg, dl_wait *w, sp_err *e);

/* deal.c, for tests: the statements of a page read of spec, each to fn
 * with its parameters: 0 the first page, 1 the page after (2, ORD0001), 2
 * the rows of key (2, ORD0001), 3 the lines of documents (1, QUO0001) to
 * (3, INV0001), 4 the first page with --key 2|ORD0001. */
typedef void (*dl_sql_fn)(int which, const char *sql, const xparams *p, void *ud);
int dl_statements(sp_run_ctx *ctx, const sp_deal_spec *spec, dl_sql_fn fn, void *ud, sp_err *e);

/* deal_commit.c */
int dl_commit_page(xpage *pg, sp_err *e);
void dl_dry_print(drun *d, xpage *pg);
const char *dl_doc_type_name(int soptype);   /* "ORDER" ... NULL */

#endif
