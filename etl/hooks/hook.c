/* hook.c -- the hook dispatcher (include/spetl/hook.h): a component run's
 * hooks, their programs started once, and each call routed to the SQL
 * runner (sql.c) or the program runtime (program.c, hook_program.h); the
 * record as JSON; the answers applied to the records. */
#include "hook_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/json.h"
#include "spetl/log.h"
#include "spetl/platform.h"

#define REC_JSON_MAX (1u << 20)   /* one record's JSON text */

int sp_hook_is_post(const sp_job_hook *hook)
{
    return hook != NULL && (strncmp(hook->point, "post-", 5) == 0);
}

int hk_action(const char *s)
{
    if (s == NULL || strcasecmp(s, "keep") == 0)
        return SP_HOOK_KEEP;
    if (strcasecmp(s, "skip") == 0)
        return SP_HOOK_SKIP;
    if (strcasecmp(s, "fail") == 0)
        return SP_HOOK_FAIL;
    return -1;
}

const char *hk_message(const sp_hooks *h, const sp_job_hook *hook, const char *why, sp_arena *a)
{
    return sp_arena_printf(a, "%s hook (%s:%d:%d): %s", hook->point, h->ctx->job->path, hook->pos.line,
                           hook->pos.col, why != NULL && why[0] ? why : "no reason given");
}

/* pre-import: GP column name of r set to value, the arrays copied. */
static void set_gp(sp_hook_rec *r, const char *name, const char *value, sp_arena *a)
{
    const char **names = sp_arena_alloc(a, (r->ngp + 1) * sizeof(*names));
    const char **values = sp_arena_alloc(a, (r->ngp + 1) * sizeof(*values));
    size_t i;

    for (i = 0; i < r->ngp; i++) {
        names[i] = r->gp_names[i];
        values[i] = r->gp_values[i];
    }
    for (i = 0; i < r->ngp && strcasecmp(names[i], name) != 0; i++)
        ;
    if (i == r->ngp)
        names[r->ngp++] = sp_arena_strdup(a, name);
    values[i] = sp_arena_strdup(a, value != NULL ? value : "");
    r->gp_names = names;
    r->gp_values = values;
    r->changed = 1;
}

void hk_set_prop(sp_hook_rec *r, const char *name, const char *value, sp_arena *a)
{
    sp_prop *np;

    if (r->set_gp) {
        set_gp(r, name, value, a);
        return;
    }
    for (size_t i = 0; i < r->nprops; i++)
        if (strcasecmp(r->props[i].name, name) == 0) {
            r->props[i].value = sp_arena_strdup(a, value != NULL ? value : "");
            r->changed = 1;
            return;
        }
    np = sp_arena_alloc(a, (r->nprops + 1) * sizeof(*np));
    if (r->nprops > 0)
        memcpy(np, r->props, r->nprops * sizeof(*np));
    np[r->nprops].name = sp_arena_strdup(a, name);
    np[r->nprops].value = sp_arena_strdup(a, value != NULL ? value : "");
    r->props = np;
    r->nprops++;
    r->changed = 1;
}

int sp_hook_rec_json(const sp_hook_rec *r, sp_buf *out, sp_err *e)
{
    sp_json w;

    sp_json_init(&w, out, 0);
    sp_json_object(&w, NULL);
    sp_json_string(&w, "type", r->type);
    sp_json_string(&w, "key", r->key);
    sp_json_string(&w, "hubspot_id", r->hubspot_id);
    sp_json_object(&w, "gp");
    for (size_t i = 0; i < r->ngp; i++)
        sp_json_string(&w, r->gp_names[i], r->gp_values[i]);
    sp_json_end(&w);
    sp_json_object(&w, "properties");
    for (size_t i = 0; i < r->nprops; i++)
        sp_json_string(&w, r->props[i].name, r->props[i].value);
    sp_json_end(&w);
    sp_json_end(&w);
    return sp_json_finish(&w, e);
}

/* ---- open and close ------------------------------------------------------- */

static void add_hook(sp_hooks *h, const sp_job_hook *hook)
{
    if (hook != NULL && h->n < HK_MAX)
        h->slot[h->n++].hook = hook;
}

/* Every hook of the component (and the job's company filter for the
 * components that see HubSpot companies). */
static void collect(sp_hooks *h, const sp_job_component *c, const sp_job *job)
{
    switch (c->kind) {
    case SP_COMP_COMPANY_LINK:
        add_hook(h, job->company_filter);
        add_hook(h, c->u.link.post_link);
        break;
    case SP_COMP_CUSTOMER_IMPORT:
    case SP_COMP_PROSPECT_IMPORT:
        add_hook(h, job->company_filter);
        add_hook(h, c->u.import.pre_import);
        add_hook(h, c->u.import.post_import);
        break;
    case SP_COMP_CUSTOMER_EXPORT:
        add_hook(h, c->u.customer_export.pre_export);
        add_hook(h, c->u.customer_export.post_export);
        break;
    case SP_COMP_CUSTOMER_UPDATES:
    case SP_COMP_PROSPECT_UPDATES:
        add_hook(h, c->u.updates.pre_company_update);
        add_hook(h, c->u.updates.post_company_update);
        add_hook(h, c->u.updates.pre_contact_update);
        add_hook(h, c->u.updates.post_contact_update);
        break;
    case SP_COMP_PRODUCT_EXPORT:
        add_hook(h, c->u.product.pre_export);
        add_hook(h, c->u.product.post_export);
        break;
    case SP_COMP_DEAL_EXPORT:
        add_hook(h, c->u.deal.pre_export);
        add_hook(h, c->u.deal.post_export);
        break;
    default:
        break;
    }
}

/* The program of argv[0]: a name without a folder is looked up in PATH
 * (when the job runs, in the scheduler's environment; no shell); a path is
 * used as given (a relative one from the working directory). NULL: none. */
static char *program_path(const char *prog)
{
#ifdef _WIN32
    const char list_sep = ';';
#else
    const char list_sep = ':';
#endif
    const char *path = sp_os_getenv("PATH");

    for (const char *p = prog; *p; p++)
        if (sp_path_is_sep(*p))
            return sp_xstrdup(prog);
    while (path != NULL && *path) {
        const char *end = strchr(path, list_sep);
        size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
        char *cand = sp_xasprintf("%.*s%s%s", (int)len, path, len > 0 ? SP_PATH_SEP_S : "", prog);
        if (len > 0 && sp_path_executable(cand))
            return cand;
        free(cand);
        path = end != NULL ? end + 1 : NULL;
    }
    return NULL;
}

static int start_program(sp_hooks *h, size_t i, sp_err *e)
{
    const sp_job_hook *hook = h->slot[i].hook;
    const char **argv = sp_xcalloc(hook->argc + 1, sizeof(*argv));
    char *prog = program_path(hook->argv[0]);
    sp_hookprog_opts o;
    int rc;

    if (prog == NULL) {
        free(argv);
        SP_ERR(e, SP_EJOB, "%s hook: the program %s is not found in PATH", hook->point, hook->argv[0]);
        sp_err_at_input(e, h->ctx->job->path, hook->pos.line, hook->pos.col);
        return -1;
    }
    argv[0] = prog;
    for (size_t k = 1; k < hook->argc; k++)
        argv[k] = hook->argv[k];
    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.working_dir = hook->working_dir;
    o.timeout_ms = hook->timeout_seconds * 1000;
    o.stop_on_failure = hook->stop_run;
    o.component = h->ctx->comp->name;
    o.pos = hook->pos;
    o.job_file = h->ctx->job->path;
    o.name = hook->point;
    rc = sp_hookprog_start(&o, &h->slot[i].prog, e);
    if (rc != 0) {
        sp_err_at_input(e, h->ctx->job->path, hook->pos.line, hook->pos.col);
        sp_err_prefix(e, "starting the %s hook", hook->point);
    }
    free(prog);
    free(argv);
    return rc;
}

int sp_hooks_open(sp_run_ctx *ctx, sp_hooks **out, sp_err *e)
{
    sp_hooks *h = sp_xcalloc(1, sizeof(*h));

    h->ctx = ctx;
    collect(h, ctx->comp, ctx->job);
    for (size_t i = 0; i < h->n; i++) {
        const sp_job_hook *hook = h->slot[i].hook;
        if (hook->kind != SP_HOOK_PROGRAM || (ctx->dry_run && sp_hook_is_post(hook)))
            continue;
        if (start_program(h, i, e) != 0) {
            sp_hooks_close(h);
            *out = NULL;
            return -1;
        }
    }
    *out = h;
    return 0;
}

void sp_hooks_close(sp_hooks *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->n; i++)
        sp_hookprog_stop(h->slot[i].prog);
    free(h);
}

/* ---- a call ---------------------------------------------------------------- */

/* Record i's answer from the program's reply. */
static void apply_reply(sp_hooks *h, const sp_job_hook *hook, sp_hook_rec *r, const sp_hook_reply *rp,
                        sp_arena *a)
{
    r->action = rp->action;
    if (rp->action != SP_HOOK_KEEP)
        r->message = hk_message(h, hook, rp->message != NULL ? rp->message
                                         : rp->action == SP_HOOK_SKIP ? "skipped" : "failed", a);
    if (rp->action == SP_HOOK_FAIL || sp_hook_is_post(hook))
        return;   /* a post hook's properties come too late */
    for (size_t k = 0; k < rp->nprops; k++)
        hk_set_prop(r, rp->names[k], rp->values[k], a);
}

/* The program started for hook (NULL: none, a SQL hook, or not started). */
static sp_hookprog *program_of(sp_hooks *h, const sp_job_hook *hook)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->slot[i].hook == hook)
            return h->slot[i].prog;
    return NULL;
}

/* The call does nothing: every record is kept. */
static int idle_call(const sp_hooks *h, const sp_job_hook *hook, size_t n)
{
    return h == NULL || hook == NULL || n == 0 || (h->ctx->dry_run && sp_hook_is_post(hook));
}

/* The records as JSON, sent to the program (sp_hookprog_send). */
static int send_program(const sp_job_hook *hook, sp_hookprog *p, sp_hook_rec *recs, size_t n, sp_arena *a,
                        sp_err *e)
{
    const char **texts = sp_xcalloc(n, sizeof(*texts));
    sp_buf b;
    int rc = -1;

    sp_buf_init(&b, REC_JSON_MAX);
    for (size_t i = 0; i < n; i++) {
        sp_buf_reset(&b);
        if (sp_hook_rec_json(&recs[i], &b, e) != 0) {
            sp_err_prefix(e, "%s hook: the record %s", hook->point, recs[i].key ? recs[i].key : "");
            goto done;
        }
        texts[i] = sp_arena_strdup(a, sp_buf_str(&b));
    }
    rc = sp_hookprog_send(p, hook->point, texts, n, e);
done:
    sp_buf_free(&b);
    free(texts);
    return rc;
}

int sp_hooks_send(sp_hooks *h, const sp_job_hook *hook, sp_db *db, sp_hook_rec *recs, size_t n, sp_arena *a,
                  sp_err *e)
{
    sp_hookprog *p;

    for (size_t i = 0; i < n; i++) {
        recs[i].action = SP_HOOK_KEEP;
        recs[i].message = NULL;
        recs[i].changed = 0;
    }
    if (idle_call(h, hook, n))
        return 0;
    if (hook->kind == SP_HOOK_SQL)
        return hk_sql_run(h, hook, db, recs, n, a, e);
    if ((p = program_of(h, hook)) != NULL)
        return send_program(hook, p, recs, n, a, e);
    return SP_ERR(e, SP_EINTERNAL, "%s hook (%s:%d): not opened for %s", hook->point, h->ctx->job->path,
                  hook->pos.line, h->ctx->comp->name);
}

int sp_hooks_recv(sp_hooks *h, const sp_job_hook *hook, sp_hook_rec *recs, size_t n, sp_arena *a, sp_err *e)
{
    sp_hook_reply *replies;
    sp_hookprog *p;
    int rc;

    if (idle_call(h, hook, n) || hook->kind == SP_HOOK_SQL || (p = program_of(h, hook)) == NULL)
        return 0;
    replies = sp_xcalloc(n, sizeof(*replies));
    rc = sp_hookprog_recv(p, replies, e);
    for (size_t i = 0; i < n; i++)
        apply_reply(h, hook, &recs[i], &replies[i], a);
    if (rc != 0)
        sp_err_at_input(e, h->ctx->job->path, hook->pos.line, hook->pos.col);
    free(replies);
    return rc;
}

int sp_hooks_ready(sp_hooks *h, const sp_job_hook *hook)
{
    sp_hookprog *p = h != NULL && hook != NULL && hook->kind == SP_HOOK_PROGRAM ? program_of(h, hook) : NULL;

    return p == NULL || sp_hookprog_ready(p);
}

void sp_hooks_cancel(sp_hooks *h, const sp_job_hook *hook)
{
    if (h != NULL && hook != NULL && hook->kind == SP_HOOK_PROGRAM)
        sp_hookprog_cancel(program_of(h, hook));
}

int sp_hooks_run(sp_hooks *h, const sp_job_hook *hook, sp_db *db, sp_hook_rec *recs, size_t n, sp_arena *a,
                 sp_err *e)
{
    if (sp_hooks_send(h, hook, db, recs, n, a, e) != 0)
        return -1;
    return sp_hooks_recv(h, hook, recs, n, a, e);
}
