/* link_internal.h -- shared by the files of company-link (etl/link/) only. */
#ifndef SPETL_LINK_INTERNAL_H
#define SPETL_LINK_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <strings.h>

#include "spetl/component.h"
#include "spetl/link.h"
#include "spetl/match.h"
#include "spetl/platform.h"

enum { CL_CUST = 0, CL_PROS, CL_ADDR, CL_PCON, CL_NLOOKUPS };

typedef enum cl_state {
    CL_TODO = 0,     /* not linked yet: to match */
    CL_SKIP,         /* linked before, or not of the types asked for */
    CL_CUSTOMER,     /* matched (key) */
    CL_PROSPECT,
    CL_NONE,         /* matched nothing (yet: the contacts may) */
    CL_FAILED        /* ambiguous, or its GP record is linked elsewhere: reported */
} cl_state;

typedef struct cl_contact {
    const char *id;
    const sp_hs_record *rec;   /* NULL: HubSpot did not return it */
    int linked;                /* linked before this run */
    int claimed;               /* linked on this page */
} cl_contact;

typedef struct cl_comp {
    const sp_hs_record *rec;
    cl_state state;
    char key[SP_MATCH_KEY];
    size_t *contacts;          /* indexes into the page's contacts */
    size_t ncontacts;
} cl_comp;

typedef struct cl_row {
    char etype[24];
    char ekey[96];
    char category[48];
    char message[1024];
} cl_row;

typedef struct cl_page {
    sp_arena *arena;
    cl_comp *comps;
    size_t n;
    cl_contact *contacts;
    size_t ncontacts;
    sp_link *links;            /* to write */
    size_t nlinks, caplinks;
    cl_row *rows;              /* Action Center rows to write */
    size_t nrows, caprows;
} cl_page;

typedef struct cl_run {
    sp_run_ctx *ctx;
    const sp_job_company_link *link;
    sp_lookup *lk[CL_NLOOKUPS];
    sp_link_writer *links;
    sp_action_writer *actions;
    sp_arena *arena;           /* the run's */
    sp_arena *page_arena;
    const char **cprops, **kprops;   /* company / contact properties to read */
    size_t ncprops, nkprops;
    int64_t beat_ms;
    struct sp_hooks *hooks;    /* the company filter and post-link (hook.h) */
} cl_run;

/* company_link.c */
int cl_match(cl_run *r, const sp_job_rule_set *rs, sp_lookup *lk, const char *parent, const sp_hs_record *rec,
             const char *what, sp_match_result *res, sp_err *e);
void cl_action(cl_page *pg, const char *etype, const char *ekey, const char *category, const char *fmt, ...)
    SP_PRINTF(5, 6);
int cl_gp_free(cl_run *r, cl_page *pg, const char *etype, const char *ekey, const char *hs_object,
               const char *hs_id, const char *what, int *is_free, sp_err *e);
void cl_link(cl_run *r, cl_page *pg, const char *etype, const char *ekey, const char *hs_object, const char *hs_id,
             const char *how);

/* link_hooks.c: the company filter on the page's companies to match; the
 * post-link hook on its links (keep[i]: write link i), in the transaction. */
int cl_company_filter(cl_run *r, cl_page *pg, sp_err *e);
int cl_post_link(cl_run *r, cl_page *pg, int *keep, sp_err *e);

/* contacts.c */
int cl_match_company(cl_run *r, cl_page *pg, cl_comp *c, sp_err *e);
int cl_contacts(cl_run *r, cl_page *pg, sp_err *e);
int cl_unmatched(cl_run *r, cl_page *pg, cl_comp *c, sp_err *e);

#endif
