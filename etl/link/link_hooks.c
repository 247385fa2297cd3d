/* link_hooks.c -- company-link's hooks (include/spetl/hook.h): the job's
 * company-filter on the page's companies not linked yet, before any is
 * matched (skip: left alone; fail: an Action Center row), and post-link on
 * each link of the page inside the page's transaction, before the link is
 * written (skip: not linked; fail: not linked, an Action Center row). The
 * run's connection: company-link has no other thread. */
#include "link_internal.h"

#include <stdio.h>
#include <string.h>

#include "spetl/hook.h"

/* The HubSpot record's properties as hook properties (page arena). */
static void rec_props(const sp_hs_record *rec, sp_arena *a, sp_hook_rec *hr)
{
    if (rec == NULL)
        return;
    hr->props = sp_arena_alloc(a, (rec->nprops + 1) * sizeof(*hr->props));
    for (size_t i = 0; i < rec->nprops; i++) {
        hr->props[i].name = rec->props[i].name;
        hr->props[i].value = rec->props[i].value;
    }
    hr->nprops = rec->nprops;
}

int cl_company_filter(cl_run *r, cl_page *pg, sp_err *e)
{
    const sp_job_hook *hook = r->ctx->job->company_filter;
    sp_hook_rec *hr;
    size_t *idx, k = 0;

    if (hook == NULL || pg->n == 0)
        return 0;
    hr = sp_arena_alloc(pg->arena, pg->n * sizeof(*hr));
    idx = sp_arena_alloc(pg->arena, pg->n * sizeof(*idx));
    for (size_t i = 0; i < pg->n; i++) {
        if (pg->comps[i].state != CL_TODO)
            continue;
        hr[k].type = "COMPANY";
        hr[k].key = pg->comps[i].rec->id;   /* no SalesPad key yet: the HubSpot id */
        hr[k].hubspot_id = pg->comps[i].rec->id;
        rec_props(pg->comps[i].rec, pg->arena, &hr[k]);
        idx[k++] = i;
    }
    if (sp_hooks_run(r->hooks, hook, r->ctx->db, hr, k, pg->arena, e) != 0)
        return -1;
    for (size_t j = 0; j < k; j++) {
        cl_comp *c = &pg->comps[idx[j]];
        if (hr[j].action == SP_HOOK_SKIP) {
            c->state = CL_SKIP;
            r->ctx->counts.skipped++;
            if (r->ctx->dry_run)
                printf("would skip HubSpot company %s: %s\n", c->rec->id, hr[j].message);
        } else if (hr[j].action == SP_HOOK_FAIL) {
            c->state = CL_FAILED;
            r->ctx->counts.failed++;
            cl_action(pg, "COMPANY", c->rec->id, "HOOK", "%s", hr[j].message);
        }
    }
    return 0;
}

/* The HubSpot record linked by l, when the page has it. */
static const sp_hs_record *linked_rec(const cl_page *pg, const sp_link *l)
{
    if (strcmp(l->hs_object, "companies") == 0) {
        for (size_t i = 0; i < pg->n; i++)
            if (strcmp(pg->comps[i].rec->id, l->hs_id) == 0)
                return pg->comps[i].rec;
    } else {
        for (size_t i = 0; i < pg->ncontacts; i++)
            if (strcmp(pg->contacts[i].id, l->hs_id) == 0)
                return pg->contacts[i].rec;
    }
    return NULL;
}

int cl_post_link(cl_run *r, cl_page *pg, int *keep, sp_err *e)
{
    const sp_job_hook *hook = r->link->post_link;
    sp_hook_rec *hr;

    for (size_t i = 0; i < pg->nlinks; i++)
        keep[i] = 1;
    if (hook == NULL || pg->nlinks == 0)
        return 0;
    hr = sp_arena_alloc(pg->arena, pg->nlinks * sizeof(*hr));
    for (size_t i = 0; i < pg->nlinks; i++) {
        hr[i].type = pg->links[i].entity_type;
        hr[i].key = pg->links[i].entity_key;
        hr[i].hubspot_id = pg->links[i].hs_id;
        rec_props(linked_rec(pg, &pg->links[i]), pg->arena, &hr[i]);
    }
    if (sp_hooks_run(r->hooks, hook, r->ctx->db, hr, pg->nlinks, pg->arena, e) != 0)
        return -1;
    for (size_t i = 0; i < pg->nlinks; i++) {
        if (hr[i].action == SP_HOOK_KEEP)
            continue;
        keep[i] = 0;
        r->ctx->counts.linked--;
        if (hr[i].action == SP_HOOK_SKIP) {
            r->ctx->counts.skipped++;
        } else {
            r->ctx->counts.failed++;
            cl_action(pg, pg->links[i].entity_type, pg->links[i].entity_key, "HOOK", "%s", hr[i].message);
        }
    }
    return 0;
}
