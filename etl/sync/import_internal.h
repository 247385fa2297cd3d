/* import_internal.h -- shared by the import engine's files (etl/sync/import*.c)
 * only; spetl/import.h describes the engine. */
#ifndef SPETL_SYNC_IMPORT_INTERNAL_H
#define SPETL_SYNC_IMPORT_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

#include "spetl/gp_write.h"
#include "spetl/hook.h"
#include "spetl/import.h"
#include "spetl/link.h"
#include "spetl/match.h"
#include "spetl/mem.h"
#include "spetl/platform.h"
#include "spetl/sync.h"

enum { IM_CUST = 0, IM_PROS, IM_ADDR, IM_PCON, IM_NLOOKUPS };

/* A kind of GP record the import can link to or create. */
typedef struct im_kind {
    int company_lk, contact_lk;                /* lookups */
    const char *company_type, *contact_type;   /* link entity types */
    const char *word;                          /* "customer" */
} im_kind;

extern const im_kind IM_KINDS[2];   /* [SP_IMPORT_CUSTOMER], [SP_IMPORT_PROSPECT] */

/* A company the import created: its key goes back to HubSpot. */
typedef struct im_wb {
    char id[32];
    char key[SP_GPW_KEY];
} im_wb;

typedef struct im_contact {
    const char *id;
    const sp_hs_record *rec;   /* NULL: HubSpot did not return it */
    int linked;                /* linked before (or earlier on this page) */
} im_contact;

typedef struct im_company {
    const sp_hs_record *rec;
    size_t *contacts;          /* indexes into the page's contacts */
    size_t ncontacts;
    int linked;                /* linked before: skipped */
    int hooked;                /* a hook skipped (IM_HOOK_SKIP) or failed (IM_HOOK_FAIL) it */
    sp_gpw_value *values;      /* pre-import: its mapped GP columns as the hook left them (NULL: none) */
    size_t nvalues;
} im_company;

enum { IM_HOOK_SKIP = 1, IM_HOOK_FAIL };

/* One page of companies, owned by the pipeline between feed and free. */
typedef struct im_page {
    sp_arena *arena;
    im_company *comps;
    size_t n;
    im_contact *contacts;
    size_t ncontacts;
    int contacts_only;         /* import-new-contacts: comps hold one linked company each */
    int64_t read, skipped;     /* counted on the commit thread (the counts are its own) */
    int reading;               /* its associations or contacts read is in flight */
    int read_done;             /* ... and ended (im_page_ready waits for this) */
    int read_failed;           /* ... and failed (read_err) */
    struct im_run *run;        /* for the reads' callbacks */
    sp_err read_err;
    im_wb *created;            /* the companies it created (write-back) */
    size_t ncreated, capcreated;
} im_page;

typedef struct im_run {
    sp_run_ctx *ctx;
    const sp_job_import *imp;
    sp_import_target target;
    const im_kind *kind;                 /* the import's own kind */
    sp_sync *sync;
    sp_lookup *lk[IM_NLOOKUPS];
    sp_gpw *gpw;
    sp_link_writer *links;
    sp_action_writer *actions;
    sp_hooks *hooks;                     /* the job's company-filter, pre- and post-import */
    sp_arena *arena;                     /* the run's */
    const char **cprops, **kprops;       /* company / contact properties to read */
    size_t ncprops, nkprops;
    const char *key_property;            /* write-back: the export mapping's key property */
    int64_t since_ms;                    /* the run reads companies created since this */
    const char *state_key;               /* "<component>#configured": the configured date's row */
    const char *cur_company;             /* the company being written (gpw reports) */
    sp_arena *row;                       /* the company being written: its mapping */
    int part_failed;                     /* a part of it failed (rollback-on-error false) */
    pthread_mutex_t wbmu;                /* the write-back queue: committed pages' companies */
    im_wb *wbq;
    size_t wbn, wbcap;
    im_wb *wb_ok;                        /* keys HubSpot accepted, marks to clear (caller's thread) */
    size_t wb_okn, wb_okcap;
    int many_off;                        /* SPETL_IMPORT_ONE_BY_ONE: no optimistic page path */
    sp_batch *many_links;                /* the optimistic path's link INSERT (import_many.c) */
    sp_stmt *many_open;                  /* ... and its query of open Action Center rows */
    struct im_seen *seen;                /* ... and its company lookups, checked again (NULL: not on it) */
} im_run;

/* import_read.c: a page of company records (copied) -> its contacts: the
 * associations read submitted, then from its answer the contacts batch
 * read; im_page_ready() waits for both (they are answered while the next
 * pages are searched) before the page is fed; im_page_drop() frees a page
 * that will not be fed. */
int im_read_page(im_run *r, const sp_hs_record *recs, size_t n, int contacts_only, im_page **out, sp_err *e);
/* import-new-contacts: a page of contact records -> their companies. */
int im_read_contacts_page(im_run *r, const sp_hs_record *recs, size_t n, im_page **out, sp_err *e);
void im_page_free(im_page *pg);
int im_page_ready(im_run *r, im_page *pg, sp_err *e);
void im_page_drop(im_run *r, im_page *pg);
int im_type_ok(const im_run *r, const sp_hs_record *rec);

/* import_commit.c: the page in one transaction (or printed in a dry run). */
int im_commit_page(im_run *r, im_page *pg, sp_err *e);
/* An Action Center row for HubSpot record (etype, id); counted as failed. */
int im_report(im_run *r, const char *etype, const char *id, const char *category, const sp_err *why,
              const char *fmt, ...) SP_PRINTF(6, 7);

/* import_many.c: the page's new customers (prospects) by multi-row INSERTs, inside the
 * page's transaction: 1 written; 0 not this way (nothing of it stays:
 * write it company by company); -1 with e: the run stops. */
int im_many_page(im_run *r, im_page *pg, sp_err *e);

/* import_company.c: one company (1: linked or written, 0: nothing to do,
 * -1 with e: it failed, roll it back). */
int im_company_do(im_run *r, im_page *pg, im_company *c, sp_err *e);
/* Its matching only (try-match-before-import): 1 matched (linked, or
 * reported), 0 it matches nothing, -1 with e. */
int im_company_match(im_run *r, im_page *pg, im_company *c, sp_err *e);
/* Remember a company the page created: its key is written back after the commit. */
void im_page_created(im_page *pg, const char *id, const char *key);
int im_new_contacts_do(im_run *r, im_page *pg, im_company *c, const char *gp_key, sp_err *e);

/* import_seen.c: the page path's company lookups (of the import's own
 * kind, the rule sets that new records can answer), recorded as they run
 * (r->seen set: an sp_match_lookup_fn, ud the im_run) and run again after
 * the page's inserts: 0 each finds what it found (the company's own new
 * key aside), so every company matched as it would have company by
 * company; SP_EDATA (why) when one finds something else, e.g. the new
 * customer of an earlier company of the page; -1 with another code: the
 * run stops. */
typedef struct im_seen im_seen;
im_seen *im_seen_new(sp_arena *a);
void im_seen_company(im_seen *s, size_t comp);   /* the page's company being matched */
void im_seen_gp_written(im_seen *s);             /* matching added GP rows (import-new-contacts) */
/* The lookups the companies todo[i] may make, read ahead for the page: one
 * query per rule (sp_lookup_many); im_seen_lookup then answers from them. */
int im_seen_read_ahead(im_run *r, const im_page *pg, const unsigned char *todo, sp_err *e);
int im_seen_lookup(void *ud, const sp_job_rule_set *rs, size_t ri, const char *const *hs, sp_match_cand *out,
                   size_t *n, int *capped, sp_err *e);
/* own[i]: company i's new key, NULL when it created none. */
int im_seen_check(im_run *r, const im_page *pg, const char *const *own, sp_err *e);

/* import_map.c: a company / its contacts mapped for the GP writer. */
int im_map_company(im_run *r, im_page *pg, const im_company *c, sp_gpw_company *out, sp_err *e);
int im_map_contacts(im_run *r, im_page *pg, const im_company *c, const size_t *which, size_t n,
                    sp_gpw_contact *out, sp_err *e);

/* import_hook.c: the company filter and pre-import on the page's companies
 * not linked yet (before its transaction); post-import on company c linked
 * to gp_key inside its savepoint: 0 keep, -1 with why (SP_EDATA: c skipped
 * or failed, c->hooked says which; otherwise the run stops); created: c was
 * inserted (the record's gp: its columns as pre-import left them). */
int im_pre_hooks(im_run *r, im_page *pg, sp_err *e);
int im_post_import(im_run *r, im_company *c, const char *gp_key, int created, sp_err *why);

/* import_state.c: the minimum create date the run reads from, and moving it. */
int im_state_since(im_run *r, int64_t *since, sp_err *e);
int im_state_move(im_run *r, sp_err *e);

/* import_writeback.c: the key property of companies the import created:
 * queued after a page's commit (commit thread), sent between pages
 * (caller's thread), the marks of accepted ones cleared in the next page's
 * transaction (commit thread), and every mark left at the end of the run. */
void im_wb_queue(im_run *r, const im_page *pg);
int im_wb_drain(im_run *r, sp_err *e);
int im_wb_flush(im_run *r, sp_err *e);
/* The marks of the keys HubSpot accepted so far cleared, inside the
 * caller's transaction (the commit thread's page; im_wb_flush at the end). */
int im_wb_clear_accepted(im_run *r, sp_err *e);
int im_write_back(im_run *r, sp_err *e);

#endif
