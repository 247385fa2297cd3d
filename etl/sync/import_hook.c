/* import_hook.c -- the imports' hooks (include/spetl/hook.h): the job's
 * company-filter and pre-import on the page's companies not linked yet, on
 * the commit thread before the page's transaction (so that a hook statement
 * that fails cannot spoil it), and post-import on each company linked or
 * created, inside its savepoint after its company link, so that the hook's
 * writes commit or roll back with the company. */
#include "import_internal.h"

#include <stdio.h>
#include <string.h>

/* The HubSpot company's properties as hook properties (page arena). */
static void rec_props(const sp_hs_record *rec, sp_arena *a, sp_hook_rec *hr)
{
    hr->props = sp_arena_alloc(a, (rec->nprops + 1) * sizeof(*hr->props));
    for (size_t i = 0; i < rec->nprops; i++) {
        hr->props[i].name = rec->props[i].name;
        hr->props[i].value = rec->props[i].value;
    }
    hr->nprops = rec->nprops;
}

/* c's mapped GP columns, copied into the page's arena (0), or -1 when the
 * mapping fails (the company fails later, where it is inserted). */
static int map_values(im_run *r, im_page *pg, im_company *c)
{
    sp_gpw_company gc;
    sp_err me;

    sp_arena_reset(r->row);
    sp_err_clear(&me);
    if (im_map_company(r, pg, c, &gc, &me) != 0)
        return -1;
    c->values = sp_arena_alloc(pg->arena, (gc.nvalues + 1) * sizeof(*c->values));
    for (size_t i = 0; i < gc.nvalues; i++) {
        c->values[i] = gc.values[i];
        c->values[i].column = sp_arena_strdup(pg->arena, gc.values[i].column);
        c->values[i].value = gc.values[i].value ? sp_arena_strdup(pg->arena, gc.values[i].value) : NULL;
    }
    c->nvalues = gc.nvalues;
    return 0;
}

static void gp_of(const im_company *c, sp_arena *a, sp_hook_rec *hr)
{
    const char **names = sp_arena_alloc(a, (c->nvalues + 1) * sizeof(*names));
    const char **values = sp_arena_alloc(a, (c->nvalues + 1) * sizeof(*values));

    for (size_t i = 0; i < c->nvalues; i++) {
        names[i] = c->values[i].column;
        values[i] = c->values[i].value;
    }
    hr->gp_names = names;
    hr->gp_values = values;
    hr->ngp = c->nvalues;
}

/* pre-import changed hr's GP columns: they become c's values. */
static void take_gp(im_company *c, const sp_job_hook *hook, const sp_hook_rec *hr, sp_arena *a)
{
    sp_gpw_value *v = sp_arena_alloc(a, (hr->ngp + 1) * sizeof(*v));

    for (size_t i = 0; i < hr->ngp; i++) {
        v[i].column = hr->gp_names[i];
        v[i].value = hr->gp_values[i];
        v[i].pos = i < c->nvalues ? c->values[i].pos : hook->pos;
    }
    c->values = v;
    c->nvalues = hr->ngp;
}

/* The answers: skip (left alone, counted skipped), fail (an Action Center
 * row), a pre-import's changed columns. */
static int answer(im_run *r, im_page *pg, const sp_job_hook *hook, const sp_hook_rec *hr, const size_t *idx,
                  size_t k)
{
    for (size_t j = 0; j < k; j++) {
        im_company *c = &pg->comps[idx[j]];
        if (hr[j].action == SP_HOOK_SKIP) {
            c->hooked = IM_HOOK_SKIP;
            r->ctx->counts.skipped++;
            if (r->ctx->dry_run)
                printf("would skip HubSpot company %s: %s\n", c->rec->id, hr[j].message);
        } else if (hr[j].action == SP_HOOK_FAIL) {
            c->hooked = IM_HOOK_FAIL;
            if (im_report(r, "COMPANY", c->rec->id, "HOOK", NULL, "%s", hr[j].message) != 0)
                return -1;
        } else if (hr[j].set_gp && hr[j].changed) {
            take_gp(c, hook, &hr[j], pg->arena);
        }
    }
    return 0;
}

/* One pre point on the companies still to do. */
static int pre_point(im_run *r, im_page *pg, const sp_job_hook *hook, int pre_import, sp_err *e)
{
    sp_hook_rec *hr;
    size_t *idx, k = 0;

    if (hook == NULL)
        return 0;
    hr = sp_arena_alloc(pg->arena, (pg->n + 1) * sizeof(*hr));
    idx = sp_arena_alloc(pg->arena, (pg->n + 1) * sizeof(*idx));
    for (size_t i = 0; i < pg->n; i++) {
        im_company *c = &pg->comps[i];
        if (c->linked || c->hooked || (pre_import && map_values(r, pg, c) != 0))
            continue;
        memset(&hr[k], 0, sizeof(hr[k]));
        hr[k].type = pre_import ? r->kind->company_type : "COMPANY";
        hr[k].key = c->rec->id;   /* no SalesPad key yet: the HubSpot id */
        hr[k].hubspot_id = c->rec->id;
        rec_props(c->rec, pg->arena, &hr[k]);
        if (pre_import)
            gp_of(c, pg->arena, &hr[k]);
        hr[k].set_gp = pre_import;
        idx[k++] = i;
    }
    if (sp_hooks_run(r->hooks, hook, r->ctx->db, hr, k, pg->arena, e) != 0)
        return -1;
    if (answer(r, pg, hook, hr, idx, k) != 0)
        return SP_ERR(e, SP_EDB, "could not write the Action Center row of a company the %s hook failed",
                      hook->point);
    return 0;
}

int im_pre_hooks(im_run *r, im_page *pg, sp_err *e)
{
    if (pg->contacts_only)
        return 0;
    if (pre_point(r, pg, r->ctx->job->company_filter, 0, e) != 0 || pre_point(r, pg, r->imp->pre_import, 1, e) != 0)
        return -1;
    return 0;
}

int im_post_import(im_run *r, im_company *c, const char *gp_key, int created, sp_err *why)
{
    const sp_job_hook *hook = r->imp->post_import;
    sp_hook_rec hr;

    if (hook == NULL || r->ctx->dry_run)
        return 0;
    memset(&hr, 0, sizeof(hr));
    hr.type = r->kind->company_type;
    hr.key = gp_key;
    hr.hubspot_id = c->rec->id;
    rec_props(c->rec, r->row, &hr);
    if (created)
        gp_of(c, r->row, &hr);   /* pre-import's columns, when it ran; a matched record: none */
    if (sp_hooks_run(r->hooks, hook, r->ctx->db, &hr, 1, r->row, why) != 0) {
        if (why->code == SP_EDATA)
            why->code = SP_EINTERNAL;   /* not the company's: the run stops */
        return -1;
    }
    if (hr.action == SP_HOOK_KEEP)
        return 0;
    c->hooked = hr.action == SP_HOOK_SKIP ? IM_HOOK_SKIP : IM_HOOK_FAIL;
    return SP_ERR(why, SP_EDATA, "%s", hr.message);
}
