/* sql.c -- SQL hooks (include/spetl/hook.h): the hook's statement prepared
 * once per call (a page) on the caller's connection, its "?" bound from
 * each record (params=: key, hubspot_id, json, component, run_id, a GP
 * column, property:NAME, env:NAME), never pasted; a pre hook's one row read
 * as its answer; a post hook's statement under a savepoint, so one that
 * fails is undone alone and fails its record. */
#include "hook_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spetl/log.h"

#define HK_TEXT_MAX (64u * 1024u)   /* a result column of a pre hook */
#define HK_SAVEPOINT "sp_hook"

/* The value params[i] names for r (NULL: SQL NULL). */
static const char *param_value(sp_hooks *h, const sp_job_hook *hook, size_t i, const sp_hook_rec *r,
                               sp_arena *a, sp_err *e)
{
    const char *p = hook->params[i];

    if (hook->param_values != NULL && hook->param_values[i] != NULL)
        return hook->param_values[i];   /* env:NAME, read at load */
    if (strcmp(p, "key") == 0)
        return r->key;
    if (strcmp(p, "hubspot_id") == 0)
        return r->hubspot_id;
    if (strcmp(p, "component") == 0)
        return h->ctx->comp->name;
    if (strcmp(p, "run_id") == 0)
        return h->ctx->run_id;
    if (strcmp(p, "json") == 0) {
        sp_buf b;
        const char *s = NULL;
        sp_buf_init(&b, 1u << 20);
        if (sp_hook_rec_json(r, &b, e) == 0)
            s = sp_arena_strdup(a, sp_buf_str(&b));
        sp_buf_free(&b);
        return s;
    }
    if (strncmp(p, "property:", 9) == 0) {
        for (size_t k = 0; k < r->nprops; k++)
            if (strcmp(r->props[k].name, p + 9) == 0)
                return r->props[k].value;
        return NULL;
    }
    for (size_t k = 0; k < r->ngp; k++)
        if (strcasecmp(r->gp_names[k], p) == 0)
            return r->gp_values[k];
    return NULL;   /* a column the record's row does not have (a contact's, say) */
}

/* A pre hook's answer: the one row of st, if any. */
static void read_answer(sp_hooks *h, const sp_job_hook *hook, sp_stmt *st, sp_hook_rec *r, sp_arena *a)
{
    sp_err fe;
    int f, act = SP_HOOK_KEEP;
    const char *msg = NULL;

    sp_err_clear(&fe);
    if (sp_stmt_ncols(st) == 0 || (f = sp_stmt_fetch(st, &fe)) == 0)
        return;   /* no row: keep */
    if (f < 0) {
        char why[600];
        r->action = SP_HOOK_FAIL;
        r->message = hk_message(h, hook, sp_err_format(&fe, why, sizeof(why)), a);
        return;
    }
    for (int c = 0; c < sp_stmt_ncols(st); c++) {
        const char *name = sp_stmt_col_name(st, c), *v = sp_stmt_text(st, c);
        if (strcasecmp(name, "action") == 0)
            act = hk_action(v);
        else if (strcasecmp(name, "message") == 0)
            msg = v != NULL ? sp_arena_strdup(a, v) : NULL;
        else if (v != NULL && r->action == SP_HOOK_KEEP)
            hk_set_prop(r, name, v, a);
    }
    if (act < 0) {
        act = SP_HOOK_FAIL;
        msg = sp_arena_printf(a, "the column action is '%s': return 'keep', 'skip' or 'fail'",
                              sp_stmt_text_by(st, "action"));
    } else if (sp_stmt_fetch(st, &fe) == 1) {
        act = SP_HOOK_FAIL;
        msg = "the statement returned more than one row: return at most one";
    }
    sp_stmt_close_cursor(st);
    r->action = (sp_hook_action)act;
    if (act != SP_HOOK_KEEP)
        r->message = hk_message(h, hook, msg != NULL ? msg : act == SP_HOOK_SKIP ? "skipped" : "failed", a);
}

/* Bind and run the statement for r; its failure fails r (-1, why in fe). */
static int exec_one(sp_hooks *h, const sp_job_hook *hook, sp_stmt *st, sp_hook_rec *r, sp_arena *a, sp_err *fe)
{
    for (size_t i = 0; i < hook->nparams; i++) {
        const char *v = param_value(h, hook, i, r, a, fe);
        if (fe->code != SP_OK || sp_stmt_bind_text(st, (int)i + 1, v, fe) != 0)
            return -1;
    }
    if (sp_stmt_exec(st, NULL, fe) != 0)
        return -1;
    if (!sp_hook_is_post(hook))
        read_answer(h, hook, st, r, a);
    else
        sp_stmt_close_cursor(st);
    return 0;
}

static int savepoint(sp_db *db, const char *verb, sp_err *e)
{
    char sql[128];

    if (verb == NULL)
        return 0;   /* no RELEASE on SQL Server */
    snprintf(sql, sizeof(sql), "%s%s", verb, HK_SAVEPOINT);
    return sp_db_exec(db, sql, NULL, e);
}

int hk_sql_run(sp_hooks *h, const sp_job_hook *hook, sp_db *db, sp_hook_rec *recs, size_t n, sp_arena *a,
               sp_err *e)
{
    const sp_dialect_sql *d = sp_dialect_sql_of(sp_db_dialect(db));
    int post = sp_hook_is_post(hook) && sp_db_in_transaction(db);
    sp_stmt *st = NULL;
    int rc = -1;

    if (post && savepoint(db, d->savepoint, e) != 0)
        return -1;
    if (sp_stmt_prepare(db, hook->sql, &st, e) != 0 || sp_stmt_set_text_max(st, NULL, HK_TEXT_MAX, e) != 0) {
        /* a statement that cannot be prepared fails every record of the call */
        char why[600];
        const char *msg = hk_message(h, hook, sp_err_format(e, why, sizeof(why)), a);
        for (size_t i = 0; i < n; i++) {
            recs[i].action = SP_HOOK_FAIL;
            recs[i].message = msg;
        }
        sp_err_clear(e);
        rc = post && (savepoint(db, d->rollback_to, e) != 0 || savepoint(db, d->release, e) != 0) ? -1 : 0;
        goto done;
    }
    if (post && savepoint(db, d->release, e) != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        sp_err fe;
        char why[600];

        sp_err_clear(&fe);
        if (post && savepoint(db, d->savepoint, e) != 0)
            goto done;
        if (exec_one(h, hook, st, &recs[i], a, &fe) != 0) {
            recs[i].action = SP_HOOK_FAIL;
            recs[i].message = hk_message(h, hook, sp_err_format(&fe, why, sizeof(why)), a);
            if (post && savepoint(db, d->rollback_to, e) != 0)
                goto done;
        }
        if (post && savepoint(db, d->release, e) != 0)
            goto done;
    }
    rc = 0;
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "%s hook (%s:%d:%d)", hook->point, h->ctx->job->path, hook->pos.line, hook->pos.col);
    return rc;
}
