/* hook_internal.h -- shared by the dispatcher's files (etl/hooks/hook.c,
 * etl/hooks/sql.c) only. */
#ifndef SPETL_HOOKS_INTERNAL_H
#define SPETL_HOOKS_INTERNAL_H

#include "spetl/hook.h"

#define HK_MAX 12   /* hooks of one component run */

struct sp_hooks {
    sp_run_ctx *ctx;
    size_t n;
    struct {
        const sp_job_hook *hook;
        sp_hookprog *prog;       /* a program hook's, started at open; NULL otherwise */
    } slot[HK_MAX];
};

/* The answer's message: "<point> hook (FILE:LINE:COL): why" in a. */
const char *hk_message(const sp_hooks *h, const sp_job_hook *hook, const char *why, sp_arena *a);
/* Set property name of r to value ("" when NULL), adding it when absent. */
void hk_set_prop(sp_hook_rec *r, const char *name, const char *value, sp_arena *a);
/* The action named by s ("keep", "skip", "fail", any case); -1 for anything else. */
int hk_action(const char *s);

/* sql.c: a SQL hook on recs[0..n) on db. */
int hk_sql_run(sp_hooks *h, const sp_job_hook *hook, sp_db *db, sp_hook_rec *recs, size_t n, sp_arena *a,
               sp_err *e);

#endif
