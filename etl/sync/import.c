/* import.c -- the import engine's run (spetl/import.h): its settings, the
 * page pipeline in push mode and read order, the companies read since the
 * minimum create date, then (import-new-contacts) the contacts created since
 * it, the state moved and the keys written back. */
#include "import_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/hs_verify.h"
#include "spetl/log.h"

/* ---- the pipeline's callbacks --------------------------------------------------- */

static void *no_src(void *ud, sp_db *db)
{
    (void)db;
    return ud;
}

static void no_src_close(void *ud, void *src)
{
    (void)ud;
    (void)src;
}

static int no_read(void *ud, void *src, void **page, sp_err *e)
{
    (void)ud;
    (void)src;
    (void)page;
    return SP_ERR(e, SP_EINTERNAL, "the import feeds its pages");
}

/* The page's HubSpot reads were done before it was fed: it goes to its commit. */
static int im_start(void *ud, void *page, sp_err *e)
{
    im_run *r = ud;

    (void)e;
    sp_sync_page_done(r->sync, page);
    return 0;
}

/* Between pages: the keys of the companies committed pages created. */
static int im_drain(void *ud, int all, sp_err *e)
{
    (void)all;
    return im_wb_drain(ud, e);
}

static int im_commit(void *ud, void *page, sp_err *e)
{
    return im_commit_page(ud, page, e);
}

static void im_free(void *ud, void *page)
{
    (void)ud;
    im_page_free(page);
}

static const sp_sync_ops IM_OPS = {no_src, no_src_close, no_read, im_start, im_drain, im_commit, im_free, NULL};

/* ---- reading ---------------------------------------------------------------------- */

/* A page is held back until the next IM_HELD were searched: its
 * associations and contacts reads travel alongside their searches. */
enum { IM_HELD = 2 };

typedef struct feed {
    im_run *r;
    int contacts_only;
    im_page *held[IM_HELD];   /* oldest first */
    size_t nheld;
} feed;

/* The oldest held page, once its reads answered, to the pipeline. */
static int feed_oldest(feed *f, sp_err *e)
{
    im_page *pg = f->held[0];

    if (f->nheld == 0)
        return 0;
    memmove(f->held, f->held + 1, (f->nheld - 1) * sizeof(f->held[0]));
    f->nheld--;
    if (im_page_ready(f->r, pg, e) != 0) {
        im_page_drop(f->r, pg);
        return -1;
    }
    return sp_sync_feed(f->r->sync, pg, e);
}

static int on_page(const sp_hs_record *recs, size_t n, const sp_hs_window *w, void *ud, sp_err *e)
{
    feed *f = ud;
    im_page *pg;
    int rc;

    (void)w;
    rc = f->contacts_only ? im_read_contacts_page(f->r, recs, n, &pg, e) : im_read_page(f->r, recs, n, 0, &pg, e);
    if (rc != 0)
        return -1;
    if (f->nheld == IM_HELD && feed_oldest(f, e) != 0) {
        im_page_drop(f->r, pg);
        return -1;
    }
    f->held[f->nheld++] = pg;
    return 0;
}

/* One pass: companies (contacts_only 0) or contacts created since the
 * run's date, through a pipeline of its own. */
static int pass(im_run *r, int contacts_only, sp_err *e)
{
    sp_hs_since q;
    sp_sync_opts o;
    feed f;
    sp_err e2;
    int rc;

    memset(&f, 0, sizeof(f));
    f.r = r;
    f.contacts_only = contacts_only;
    memset(&o, 0, sizeof(o));
    o.ctx = r->ctx;
    o.threads = !r->ctx->dry_run;
    o.commit_queue_max = 4;
    o.read_order = 1;
    r->sync = sp_sync_new(&o, &IM_OPS, r);
    sp_sync_open(r->sync);
    memset(&q, 0, sizeof(q));
    q.object = contacts_only ? SP_HS_CONTACTS : SP_HS_COMPANIES;
    q.date_property = "createdate";
    q.since_ms = r->since_ms;
    q.properties = contacts_only ? r->kprops : r->cprops;
    q.nproperties = contacts_only ? r->nkprops : r->ncprops;
    q.page_limit = r->ctx->job->hubspot.page_size > 0 ? r->ctx->job->hubspot.page_size : 100;
    if (r->ctx->key != NULL && !contacts_only) {
        sp_hs_page p;
        memset(&p, 0, sizeof(p));
        rc = sp_hs_get(r->ctx->hs, SP_HS_COMPANIES, r->ctx->key, NULL, r->cprops, r->ncprops, &p, e);
        if (rc == 0 && p.n == 0)
            rc = SP_ERR(e, SP_EUSAGE, "--key %s: HubSpot has no company with this id", r->ctx->key);
        if (rc == 0)
            rc = on_page(p.recs, p.n, NULL, &f, e);
        sp_hs_page_free(&p);
    } else {
        rc = sp_hs_read_since(r->ctx->hs, &q, on_page, &f, NULL, e);
    }
    while (rc == 0 && f.nheld > 0)
        rc = feed_oldest(&f, e);
    for (size_t i = 0; i < f.nheld; i++)
        im_page_drop(r, f.held[i]);   /* a read that stopped: the pages it held */
    sp_err_clear(&e2);
    if (sp_sync_close(r->sync, &e2) != 0 && rc == 0) {
        *e = e2;
        rc = -1;
    }
    sp_sync_free(r->sync);
    r->sync = NULL;
    return rc;
}

/* ---- the run's settings ------------------------------------------------------------- */

typedef struct props {
    const char **v;
    size_t n, cap;
} props;

static void prop_add(sp_arena *a, props *p, const char *name)
{
    if (name == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i], name) == 0)
            return;
    p->v = sp_arena_grow(a, p->v, p->n, &p->cap, sizeof(*p->v), 16);
    p->v[p->n++] = name;
}

/* The HubSpot properties a mapping and two rule sets read. */
static void props_of(sp_arena *a, props *p, const sp_job_mapping *m, const sp_job_rule_set *x,
                     const sp_job_rule_set *y)
{
    const sp_job_rule_set *sets[2] = {x, y};

    for (size_t i = 0; m != NULL && i < m->nfields; i++) {
        const sp_job_field *f = &m->fields[i];
        if (f->source == SP_SOURCE_PROPERTY)
            prop_add(a, p, f->source_name);
        for (size_t k = 0; f->source == SP_SOURCE_TEMPLATE && k < f->nparts; k++)
            if (f->parts[k].is_field)
                prop_add(a, p, f->parts[k].text);
    }
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; sets[s] != NULL && i < sets[s]->nrules; i++)
            for (size_t k = 0; k < sets[s]->rules[i].ncomparisons; k++)
                prop_add(a, p, sets[s]->rules[i].comparisons[k].property);
}

/* The properties the hooks' params name (property:NAME). */
static void hook_props(sp_arena *a, props *p, const sp_job_hook *x, const sp_job_hook *y, const sp_job_hook *z)
{
    const sp_job_hook *hooks[3] = {x, y, z};

    for (int h = 0; h < 3; h++)
        for (size_t i = 0; hooks[h] != NULL && i < hooks[h]->nparams; i++)
            if (strncmp(hooks[h]->params[i], "property:", 9) == 0)
                prop_add(a, p, hooks[h]->params[i] + 9);
}

/* The key property of the export that would create this company in HubSpot. */
static const char *key_property_of(const sp_job *job, sp_import_target t)
{
    const sp_job_component *c;
    sp_job_entity want = t == SP_IMPORT_CUSTOMER ? SP_ENTITY_CUSTOMER : SP_ENTITY_PROSPECT;

    c = job->components[t == SP_IMPORT_CUSTOMER ? SP_COMP_CUSTOMER_EXPORT : SP_COMP_PROSPECT_UPDATES];
    if (c != NULL && t == SP_IMPORT_CUSTOMER && c->u.customer_export.customer_mapping != NULL &&
        c->u.customer_export.customer_mapping->key_property != NULL)
        return c->u.customer_export.customer_mapping->key_property;
    if (c != NULL && t == SP_IMPORT_PROSPECT && c->u.updates.company_mapping != NULL &&
        c->u.updates.company_mapping->key_property != NULL)
        return c->u.updates.company_mapping->key_property;
    for (size_t i = 0; i < job->nmappings; i++)
        if (!job->mappings[i].is_import && job->mappings[i].entity == want && job->mappings[i].key_property != NULL)
            return job->mappings[i].key_property;
    return NULL;
}

/* A part of a company the writer could not write (rollback-on-error false). */
static void part_failed(void *ud, const char *hubspot_id, const sp_err *why)
{
    im_run *r = ud;

    r->part_failed = 1;
    (void)im_report(r, "CONTACT", hubspot_id, "IMPORT_PART_FAILED", why,
                    "HubSpot record %s of company %s was not written: %s; the rest of the company stays", hubspot_id,
                    r->cur_company ? r->cur_company : "?", why->msg);
}

static int setup(im_run *r, sp_err *e)
{
    const sp_job_import *im = r->imp;
    sp_db *db = r->ctx->db;
    const char *path = r->ctx->job->path;
    props cp = {0}, kp = {0};

    props_of(r->arena, &cp, im->company_mapping, im->customer_matching, im->prospect_matching);
    prop_add(r->arena, &cp, "type");
    prop_add(r->arena, &cp, "name");
    prop_add(r->arena, &cp, im->key_generation.from_property);
    props_of(r->arena, &kp, im->contact_mapping, im->customer_address_matching, im->prospect_contact_matching);
    prop_add(r->arena, &kp, "email");
    r->cprops = cp.v;
    r->ncprops = cp.n;
    r->kprops = kp.v;
    r->nkprops = kp.n;
    hook_props(r->arena, &cp, r->ctx->job->company_filter, im->pre_import, im->post_import);
    r->key_property = key_property_of(r->ctx->job, r->target);
    if (sp_lookup_open(db, path, im->customer_matching, &r->lk[IM_CUST], e) != 0 ||
        sp_lookup_open(db, path, im->prospect_matching, &r->lk[IM_PROS], e) != 0 ||
        sp_lookup_open(db, path, im->customer_address_matching, &r->lk[IM_ADDR], e) != 0 ||
        sp_lookup_open(db, path, im->prospect_contact_matching, &r->lk[IM_PCON], e) != 0)
        return -1;
    if (r->ctx->dry_run)
        return 0;
    return sp_gpw_open(r->ctx->db, r->target == SP_IMPORT_CUSTOMER ? SP_GPW_CUSTOMER : SP_GPW_PROSPECT, im,
                       part_failed, r, &r->gpw, e) != 0 ||
                   sp_link_writer_open(r->ctx->db, &r->links, e) != 0 ||
                   sp_action_writer_open(r->ctx->db, r->ctx->hub, &r->actions, e) != 0
               ? -1
               : 0;
}

int sp_import_run(sp_run_ctx *ctx, sp_import_target t, sp_err *e)
{
    im_run r;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.ctx = ctx;
    r.imp = &ctx->comp->u.import;
    r.target = t;
    r.kind = &IM_KINDS[t];
    r.arena = sp_arena_new(0);
    r.row = sp_arena_new(0);
    r.many_off = sp_os_getenv("SPETL_IMPORT_ONE_BY_ONE") != NULL;   /* tests and benches: the per-company path */
    pthread_mutex_init(&r.wbmu, NULL);
    /* company-types must be options of the account's "type" (at its line) */
    if (sp_hs_check_company_types(ctx->hs, r.imp->company_types, ctx->job->path, r.imp->types_pos.line,
                                  r.imp->types_pos.col, e) != 0)
        goto done;
    if (sp_hooks_open(ctx, &r.hooks, e) != 0 || setup(&r, e) != 0 || im_state_since(&r, &r.since_ms, e) != 0)
        goto done;
    if (pass(&r, 0, e) != 0)
        goto done;
    if (r.imp->import_new_contacts && ctx->key == NULL && pass(&r, 1, e) != 0)
        goto done;
    /* every page read and committed: the next run starts from here */
    if (ctx->key == NULL && im_state_move(&r, e) != 0)
        goto done;
    /* the write-backs still in flight, then every mark left */
    if (!ctx->dry_run) {
        sp_err e2;
        if (sp_hs_run(ctx->hs, &e2) != 0)
            SP_WARN(ctx->comp->name, "writing keys back: %s (their marks stay: sent again below or next run)",
                    e2.msg);
        if (im_wb_flush(&r, e) != 0)
            goto done;
    }
    rc = im_write_back(&r, e);
done:
    for (int i = 0; i < IM_NLOOKUPS; i++)
        sp_lookup_free(r.lk[i]);
    sp_batch_free(r.many_links);
    sp_stmt_free(r.many_open);
    sp_gpw_free(r.gpw);
    sp_link_writer_free(r.links);
    sp_action_writer_free(r.actions);
    sp_hooks_close(r.hooks);
    sp_arena_free(r.row);
    sp_arena_free(r.arena);
    free(r.wbq);
    free(r.wb_ok);
    pthread_mutex_destroy(&r.wbmu);
    return rc;
}
