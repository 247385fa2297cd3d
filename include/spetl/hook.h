/*
 * hook.h -- the hook dispatcher: a component's hooks (sp_job_hook, job.h)
 * run at their points, SQL or program alike.
 *
 * One sp_hooks per component run holds every hook of the component (and the
 * job's company-filter for company-link and the imports): a program hook is started once, at
 * sp_hooks_open() on the component's thread (which outlives the pipeline's
 * threads: a program dies with the thread that started it), and stopped at
 * sp_hooks_close(); a SQL hook's statement is prepared at each call on the
 * connection the caller names (one call per page), so no statement outlives
 * its connection. Each call hands the hook a batch of records (a page's)
 * and gets one answer per record: keep, skip or fail, and for a pre hook
 * changed property values.
 *
 * Points: a pre hook (pre-export, pre-company-update, pre-contact-update,
 * company-filter, pre-import) sees records before anything is decided and
 * may change their properties; a post hook (post-export, post-*-update,
 * post-link, post-import) sees each record HubSpot took (post-import: each
 * company imported or matched), with its HubSpot id, and is called inside the
 * page's database transaction: a SQL post hook's writes commit or roll back
 * with the page's links. Its statement runs under a savepoint, so one that
 * fails is undone alone and fails its record. A post hook's "skip" means
 * "do not write the link" (the next run sends the record again); its
 * property changes are ignored. Under --dry-run pre hooks run (their effect
 * is printed) and post hooks do not (sp_hooks_run answers keep).
 *
 * pre-import (the imports, on the commit thread before the page's
 * transaction) sees each company not linked yet with its import mapping (the
 * GP columns it would be created with) as "gp" and its HubSpot properties as
 * "properties"; the caller sets set_gp, so what the answer changes (a SQL
 * row's columns, a program's "properties") are GP columns: CUSTNAME = 'x'
 * sets the new customer's name in GP. post-import sees the new or matched GP
 * key as "key", inside the company's savepoint; its "skip" rolls the company
 * back (not imported, not linked).
 *
 * The record (what a program reads, what params="json" binds):
 *   {"type":"CUSTOMER","key":"C100","hubspot_id":"123" or null,
 *    "gp":{"CUSTNMBR":"C100",...},"properties":{"name":"...",...}}
 *
 * A SQL pre hook's result set: no row keeps the record unchanged; one row
 * decides, by its columns: "action" ('keep', 'skip' or 'fail'; NULL or
 * absent: keep), "message" (why), and every other column sets the HubSpot
 * property of its name (a NULL column leaves the property as it is; '' clears
 * it). More than one row fails the record. Column names are matched to the
 * properties ignoring case (PostgreSQL folds unquoted names to lower case).
 * A SQL hook's parameters are bound, never pasted: the job's params= names
 * each "?", and a ${NAME} of the statement was made a "?" with its value
 * (env:NAME) when the job was loaded.
 *
 * Failures: a hook statement that fails, a program's "fail", crash, timeout
 * or malformed answer fail that record: action SP_HOOK_FAIL and a message
 * naming the point, the job file's line and the cause, for the record's
 * Action Center row. sp_hooks_run() returns -1 only when the run must stop:
 * a program hook with on-failure="stop-run" failed, or the savepoint of a
 * post hook could not be set or rolled back.
 *
 * Threads: a hook is called from one thread at a time (the export's pre
 * hooks on its read-ahead thread, post hooks on its commit thread); distinct
 * hooks may be called from distinct threads at once.
 */
#ifndef SPETL_HOOK_H
#define SPETL_HOOK_H

#include <stddef.h>

#include "spetl/component.h"
#include "spetl/hook_program.h"
#include "spetl/payload.h"

typedef struct sp_hook_rec {
    const char *type;               /* "CUSTOMER", "CUSTOMER_ADDRESS", "ITEM", "COMPANY" ... */
    const char *key;                /* the SalesPad key (company-filter: the HubSpot company id) */
    const char *hubspot_id;         /* NULL: none yet */
    const char *const *gp_names;    /* the GP row: canonical column names */
    const char *const *gp_values;   /* ... and their values (NULL: SQL NULL) */
    size_t ngp;
    sp_prop *props;                 /* the HubSpot properties: a pre hook's changes replace */
    size_t nprops;                  /*   props (a new array in the call's arena when it grows) */
    /* the answer */
    sp_hook_action action;
    const char *message;            /* skip / fail: "<point> hook (FILE:LINE:COL): why" (arena); NULL: keep */
    int changed;                    /* a property was changed */
    int set_gp;                     /* pre-import: the answer's columns set the GP columns (gp_names /
                                     *   gp_values, new arrays in the call's arena), not props */
} sp_hook_rec;

typedef struct sp_hooks sp_hooks;

/* The hooks of ctx->comp (and the job's company-filter when the component
 * is company-link), their programs started (not a post hook's in a dry
 * run). -1 (e) when a program could not be started. */
int sp_hooks_open(sp_run_ctx *ctx, sp_hooks **out, sp_err *e);
void sp_hooks_close(sp_hooks *h);   /* programs stopped; NULL is fine */

/* Run hook (one of the component's; NULL: nothing to do, all keep) on
 * recs[0..n), a SQL hook on db (the calling thread's connection; a post
 * hook's is inside the page's transaction). Fills each record's answer;
 * changed properties and messages are allocated in a. 0, or -1 (e) when
 * the run must stop. */
int sp_hooks_run(sp_hooks *h, const sp_job_hook *hook, sp_db *db, sp_hook_rec *recs, size_t n, sp_arena *a,
                 sp_err *e);

/* sp_hooks_run in two halves, so the caller works while a program hook's
 * program does (sp_hookprog_send): send (a SQL hook runs whole here; -1 (e):
 * the run stops, nothing to receive), then recv on the same recs, n and a
 * (the answers; -1 (e) as sp_hooks_run) or cancel (the run stops). One call
 * of a hook at a time, from one thread. */
int sp_hooks_send(sp_hooks *h, const sp_job_hook *hook, sp_db *db, sp_hook_rec *recs, size_t n, sp_arena *a,
                  sp_err *e);
int sp_hooks_recv(sp_hooks *h, const sp_job_hook *hook, sp_hook_rec *recs, size_t n, sp_arena *a, sp_err *e);
void sp_hooks_cancel(sp_hooks *h, const sp_job_hook *hook);
/* 1 when recv would not wait for the program (sp_hookprog_ready). */
int sp_hooks_ready(sp_hooks *h, const sp_job_hook *hook);

/* 1 for a post hook (post-export, post-*-update, post-link, post-import). */
int sp_hook_is_post(const sp_job_hook *hook);

/* The record as the JSON object a program reads (appended to out). */
int sp_hook_rec_json(const sp_hook_rec *r, sp_buf *out, sp_err *e);

#endif
