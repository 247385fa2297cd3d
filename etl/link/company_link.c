/* company_link.c -- company-link: existing HubSpot companies to existing
 * customers or prospects, their contacts to the customer's addresses or the
 * prospect's contacts. Writes nothing but links (and Action Center rows).
 *
 * Page by page (the list endpoint, page-size companies):
 *   1. the page's companies already linked are skipped (one query per page),
 *      and those whose type is not in company-types;
 *   2. each other company: the customer rule set, then (none found) the
 *      prospect rule set; an ambiguity is reported, never guessed;
 *   3. the contacts of the page's companies (one associations batch read,
 *      one contacts batch read), those already linked skipped: each to the
 *      matched customer's addresses / prospect's contacts (held to that
 *      parent); a company that matched nothing is linked to the one customer
 *      (else the one prospect) its contacts' matches all belong to (the
 *      seed's fallback; several is an ambiguity);
 *   4. a GP record already linked to another HubSpot record is reported, not
 *      re-pointed; the page's links and rows are written in one transaction,
 *      each link after the post-link hook kept it.
 * The job's company-filter sees the page's companies not linked yet before
 * step 2 and may skip or fail them (link_hooks.c).
 * Before any page: the properties the rule sets compare must exist, and the
 * company-types must be options of the account's "type" property.
 * With --dry-run it prints what it would link and writes nothing. --key ID
 * runs it for one HubSpot company id. */
#include "link_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/hook.h"
#include "spetl/hs_verify.h"
#include "spetl/log.h"

static const char *hs_get(const void *rec, const char *prop)
{
    return sp_hs_record_get(rec, prop);
}

static void trace_line(void *ud, const char *line)
{
    (void)ud;
    SP_INFO("company-link", "trace: %s", line);
}

/* Match rec by rule set rs (NULL: no match) through lookup lk. */
int cl_match(cl_run *r, const sp_job_rule_set *rs, sp_lookup *lk, const char *parent, const sp_hs_record *rec,
             const char *what, sp_match_result *res, sp_err *e)
{
    sp_match_io io = {hs_get, sp_lookup_fn, lk, r->link->trace ? trace_line : NULL, NULL, what};

    memset(res, 0, sizeof(*res));
    if (rs == NULL || lk == NULL)
        return 0;
    sp_lookup_parent(lk, parent);
    return sp_match_run(rs, rec, &io, res, e);
}

/* ---- what a page writes ------------------------------------------------------ */

static void add_link(cl_page *pg, const char *etype, const char *ekey, const char *hs_object, const char *hs_id)
{
    sp_link *l;

    pg->links = sp_arena_grow(pg->arena, pg->links, pg->nlinks, &pg->caplinks, sizeof(*pg->links), 64);
    l = &pg->links[pg->nlinks++];
    memset(l, 0, sizeof(*l));
    snprintf(l->entity_type, sizeof(l->entity_type), "%s", etype);
    snprintf(l->entity_key, sizeof(l->entity_key), "%s", ekey);
    snprintf(l->hs_object, sizeof(l->hs_object), "%s", hs_object);
    snprintf(l->hs_id, sizeof(l->hs_id), "%s", hs_id);
}

void cl_action(cl_page *pg, const char *etype, const char *ekey, const char *category, const char *fmt, ...)
{
    cl_row *row;
    va_list ap;

    pg->rows = sp_arena_grow(pg->arena, pg->rows, pg->nrows, &pg->caprows, sizeof(*pg->rows), 16);
    row = &pg->rows[pg->nrows++];
    snprintf(row->etype, sizeof(row->etype), "%s", etype);
    snprintf(row->ekey, sizeof(row->ekey), "%s", ekey);
    snprintf(row->category, sizeof(row->category), "%s", category);
    va_start(ap, fmt);
    vsnprintf(row->message, sizeof(row->message), fmt, ap);
    va_end(ap);
}

/* Is the GP record free to link to hs_id? Reported when another HubSpot
 * record holds it (in the database or earlier on this page). */
int cl_gp_free(cl_run *r, cl_page *pg, const char *etype, const char *ekey, const char *hs_object,
               const char *hs_id, const char *what, int *is_free, sp_err *e)
{
    sp_link l;
    int found = 0;

    *is_free = 0;
    for (size_t i = 0; i < pg->nlinks; i++)
        if (strcmp(pg->links[i].entity_type, etype) == 0 && strcmp(pg->links[i].entity_key, ekey) == 0) {
            snprintf(l.hs_id, sizeof(l.hs_id), "%s", pg->links[i].hs_id);
            found = 1;
        }
    if (!found && sp_link_get(r->ctx->db, r->ctx->hub, etype, ekey, &l, &found, e) != 0)
        return -1;
    if (found && strcmp(l.hs_id, hs_id) != 0) {
        cl_action(pg, what, hs_id, "ALREADY_LINKED",
                  "HubSpot %s %s matches %s %s, which is already linked to HubSpot %s %s: not re-pointed "
                  "(delete that link in spAAIntegratedEntityLink to link it again)",
                  hs_object, hs_id, etype, ekey, hs_object, l.hs_id);
        r->ctx->counts.failed++;
        return 0;
    }
    *is_free = !found;
    return 0;
}

void cl_link(cl_run *r, cl_page *pg, const char *etype, const char *ekey, const char *hs_object, const char *hs_id,
             const char *how)
{
    add_link(pg, etype, ekey, hs_object, hs_id);
    r->ctx->counts.linked++;
    if (r->ctx->dry_run)
        printf("would link %s %s -> %s %s (%s)\n", hs_object, hs_id, etype, ekey, how);
    else
        SP_DEBUG("company-link", "%s %s -> %s %s (%s)", hs_object, hs_id, etype, ekey, how);
}

static int write_page(cl_run *r, cl_page *pg, sp_err *e)
{
    sp_db *db = r->ctx->db;
    int *keep;

    if (r->ctx->dry_run) {
        for (size_t i = 0; i < pg->nrows; i++)
            printf("would report %s %s: %s: %s\n", pg->rows[i].etype, pg->rows[i].ekey, pg->rows[i].category,
                   pg->rows[i].message);
        return 0;
    }
    if (pg->nlinks == 0 && pg->nrows == 0)
        return 0;
    keep = sp_arena_alloc(pg->arena, (pg->nlinks + 1) * sizeof(*keep));
    if (sp_db_begin(db, e) != 0)
        return -1;
    if (cl_post_link(r, pg, keep, e) != 0)   /* its writes go with the links */
        goto fail;
    for (size_t i = 0; i < pg->nlinks; i++)
        if (keep[i] && (sp_link_writer_put(r->links, r->ctx->hub, &pg->links[i], e) != 0 ||
            sp_action_writer_resolve(r->actions, strcmp(pg->links[i].hs_object, "companies") == 0 ? "COMPANY" : "CONTACT",
                                     pg->links[i].hs_id, e) != 0))
            goto fail;
    for (size_t i = 0; i < pg->nrows; i++) {
        sp_action a;
        memset(&a, 0, sizeof(a));
        snprintf(a.run_id, sizeof(a.run_id), "%s", r->ctx->run_id);
        snprintf(a.component, sizeof(a.component), "%s", r->ctx->comp->name);
        snprintf(a.entity_type, sizeof(a.entity_type), "%s", pg->rows[i].etype);
        snprintf(a.entity_key, sizeof(a.entity_key), "%s", pg->rows[i].ekey);
        snprintf(a.category, sizeof(a.category), "%s", pg->rows[i].category);
        snprintf(a.message, sizeof(a.message), "%s", pg->rows[i].message);
        a.created_on = sp_clock_wall_ms();
        SP_WARN("company-link", "%s %s: %s", a.entity_type, a.entity_key, a.message);
        if (sp_action_writer_add(r->actions, &a, 1, e) != 0)
            goto fail;
    }
    return sp_db_commit(db, e);
fail:
    sp_db_rollback(db, NULL);
    return -1;
}

/* ---- the page ----------------------------------------------------------------- */

static int mark_linked(const sp_link *l, void *ud)
{
    cl_page *pg = ud;

    for (size_t i = 0; i < pg->n; i++)
        if (strcmp(pg->comps[i].rec->id, l->hs_id) == 0 && pg->comps[i].state == CL_TODO)
            pg->comps[i].state = CL_SKIP;
    return 0;
}

static int type_ok(const cl_run *r, const sp_hs_record *rec)
{
    const char *t = sp_hs_record_get(rec, "type");

    if (r->link->company_types == 0)
        return 1;
    for (unsigned bit = 1; bit <= SP_COMPANY_OTHER; bit <<= 1)
        if ((r->link->company_types & bit) && t != NULL && strcasecmp(t, sp_job_company_type_name(bit)) == 0)
            return 1;
    return 0;
}

static int skip_known(cl_run *r, cl_page *pg, sp_err *e)
{
    const char **ids = sp_arena_alloc(pg->arena, (pg->n + 1) * sizeof(*ids));

    for (size_t i = 0; i < pg->n; i++)
        ids[i] = pg->comps[i].rec->id;
    if (sp_link_find_hs_many(r->ctx->db, r->ctx->hub, "companies", ids, pg->n, mark_linked, pg, e) != 0)
        return -1;
    for (size_t i = 0; i < pg->n; i++) {
        if (pg->comps[i].state == CL_TODO && !type_ok(r, pg->comps[i].rec))
            pg->comps[i].state = CL_SKIP;
        if (pg->comps[i].state == CL_SKIP)
            r->ctx->counts.skipped++;
    }
    return 0;
}

static int link_page(cl_run *r, const sp_hs_record *recs, size_t n, sp_err *e)
{
    cl_page pg;
    int rc = -1;

    memset(&pg, 0, sizeof(pg));
    pg.arena = r->page_arena;
    sp_arena_reset(pg.arena);
    pg.comps = sp_arena_alloc(pg.arena, (n + 1) * sizeof(*pg.comps));
    pg.n = n;
    for (size_t i = 0; i < n; i++)
        pg.comps[i].rec = &recs[i];
    r->ctx->counts.read += (int64_t)n;
    if (skip_known(r, &pg, e) != 0 || cl_company_filter(r, &pg, e) != 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (pg.comps[i].state == CL_TODO && cl_match_company(r, &pg, &pg.comps[i], e) != 0)
            goto done;
    if (cl_contacts(r, &pg, e) != 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (pg.comps[i].state == CL_NONE && cl_unmatched(r, &pg, &pg.comps[i], e) != 0)
            goto done;
    rc = write_page(r, &pg, e);
done:
    return rc;
}

static int heartbeat(cl_run *r, sp_err *e)
{
    if (r->ctx->heartbeat_ms <= 0 || sp_clock_now_ms() - r->beat_ms < r->ctx->heartbeat_ms)
        return 0;
    r->beat_ms = sp_clock_now_ms();
    return sp_lock_heartbeat(r->ctx->db, r->ctx->hub, r->ctx->run_id, e);
}

static int read_all(cl_run *r, sp_err *e)
{
    int size = r->ctx->job->hubspot.page_size > 0 ? r->ctx->job->hubspot.page_size : 100;
    if (size > 100)
        size = 100;   /* the list endpoint's most (search, the imports', takes 200) */
    char after[64] = "";
    sp_hs_page page;
    int rc = 0;

    do {
        if (r->ctx->key != NULL)
            rc = sp_hs_get(r->ctx->hs, SP_HS_COMPANIES, r->ctx->key, NULL, r->cprops, r->ncprops, &page, e);
        else
            rc = sp_hs_list(r->ctx->hs, SP_HS_COMPANIES, r->cprops, r->ncprops, after[0] ? after : NULL, size,
                            &page, e);
        if (rc != 0)
            return -1;
        snprintf(after, sizeof(after), "%s", r->ctx->key == NULL && page.next_after ? page.next_after : "");
        rc = page.n > 0 ? link_page(r, page.recs, page.n, e) : 0;
        sp_hs_page_free(&page);
        if (rc == 0)
            rc = heartbeat(r, e);
    } while (rc == 0 && after[0] != '\0');
    if (rc == 0 && r->ctx->key != NULL && r->ctx->counts.read == 0)
        return SP_ERR(e, SP_EUSAGE, "--key %s: HubSpot has no company with this id", r->ctx->key);
    return rc;
}

/* Every property a rule set compares, once, plus extra. */
static const char **props_of(sp_arena *a, const sp_job_rule_set *x, const sp_job_rule_set *y, const char *extra,
                             size_t *n)
{
    const sp_job_rule_set *sets[2] = {x, y};
    const char **out;
    size_t cap = 2;

    for (int s = 0; s < 2; s++)
        for (size_t i = 0; sets[s] != NULL && i < sets[s]->nrules; i++)
            cap += sets[s]->rules[i].ncomparisons;
    out = sp_arena_alloc(a, cap * sizeof(*out));
    out[0] = extra;
    *n = 1;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; sets[s] != NULL && i < sets[s]->nrules; i++)
            for (size_t k = 0; k < sets[s]->rules[i].ncomparisons; k++) {
                const char *p = sets[s]->rules[i].comparisons[k].property;
                size_t j = 0;
                while (j < *n && strcmp(out[j], p) != 0)
                    j++;
                if (j == *n)
                    out[(*n)++] = p;
            }
    return out;
}

/* The company filter sees the companies' name and domain, and the
 * properties its statement binds, besides those the rules compare. */
static const char **filter_props(sp_arena *a, const sp_job_hook *f, const char **v, size_t *n)
{
    const char **out;

    if (f == NULL)
        return v;
    out = sp_arena_alloc(a, (*n + f->nparams + 3) * sizeof(*out));
    memcpy(out, v, *n * sizeof(*out));
    for (size_t i = 0; i < f->nparams + 2; i++) {
        const char *p = i == 0 ? "name" : i == 1 ? "domain" : f->params[i - 2];
        size_t j = 0;
        if (i >= 2 && strncmp(p, "property:", 9) != 0)
            continue;
        p += i >= 2 ? 9 : 0;
        while (j < *n && strcmp(out[j], p) != 0)
            j++;
        if (j == *n)
            out[(*n)++] = p;
    }
    return out;
}

/* Each property the rule sets of object o compare must exist in HubSpot (a
 * misspelt one would be empty on every record: nothing would ever match). */
static int check_props(cl_run *r, sp_hs_object o, const sp_job_rule_set *x, const sp_job_rule_set *y, int *bad,
                       sp_err *e)
{
    const sp_job_rule_set *sets[2] = {x, y};
    sp_hs_properties have = {0};

    if (x == NULL && y == NULL)
        return 0;
    if (sp_hs_properties_read(r->ctx->hs, o, &have, e) != 0)
        return -1;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; sets[s] != NULL && i < sets[s]->nrules; i++)
            for (size_t k = 0; k < sets[s]->rules[i].ncomparisons; k++) {
                const sp_job_comparison *c = &sets[s]->rules[i].comparisons[k];
                if (sp_hs_properties_find(&have, c->property) != NULL)
                    continue;
                if ((*bad)++ == 0)
                    SP_ERR(e, SP_EJOB, "rule \"%s\" of rule set \"%s\" compares the HubSpot property %s, which %s "
                           "do not have", sets[s]->rules[i].name, sets[s]->id, c->property, sp_hs_object_name(o));
                SP_ERROR("company-link", "%s:%d:%d: rule \"%s\" of rule set \"%s\" compares the HubSpot property %s, "
                         "which %s do not have", r->ctx->job->path, c->pos.line, c->pos.col, sets[s]->rules[i].name,
                         sets[s]->id, c->property, sp_hs_object_name(o));
            }
    sp_hs_properties_free(&have);
    return 0;
}

int sp_company_link_run(sp_run_ctx *ctx, sp_err *e)
{
    cl_run r;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.ctx = ctx;
    r.link = &ctx->comp->u.link;
    r.beat_ms = sp_clock_now_ms();
    r.arena = sp_arena_new(0);
    r.page_arena = sp_arena_new(0);
    r.cprops = props_of(r.arena, r.link->customer_matching, r.link->prospect_matching, "type", &r.ncprops);
    r.cprops = filter_props(r.arena, ctx->job->company_filter, r.cprops, &r.ncprops);
    r.kprops = props_of(r.arena, r.link->customer_address_matching, r.link->prospect_contact_matching, "email",
                        &r.nkprops);
    if (sp_lookup_open(ctx->db, ctx->job->path, r.link->customer_matching, &r.lk[CL_CUST], e) != 0 ||
        sp_lookup_open(ctx->db, ctx->job->path, r.link->prospect_matching, &r.lk[CL_PROS], e) != 0 ||
        sp_lookup_open(ctx->db, ctx->job->path, r.link->customer_address_matching, &r.lk[CL_ADDR], e) != 0 ||
        sp_lookup_open(ctx->db, ctx->job->path, r.link->prospect_contact_matching, &r.lk[CL_PCON], e) != 0)
        goto done;
    {
        int bad = 0;
        if (check_props(&r, SP_HS_COMPANIES, r.link->customer_matching, r.link->prospect_matching, &bad, e) != 0 ||
            check_props(&r, SP_HS_CONTACTS, r.link->customer_address_matching, r.link->prospect_contact_matching,
                        &bad, e) != 0 || bad > 0)
            goto done;
    }
    if (sp_hs_check_company_types(ctx->hs, r.link->company_types, ctx->job->path, r.link->types_pos.line,
                                  r.link->types_pos.col, e) != 0)
        goto done;
    if (sp_hooks_open(ctx, &r.hooks, e) != 0)
        goto done;
    if (!ctx->dry_run && (sp_link_writer_open(ctx->db, &r.links, e) != 0 ||
                          sp_action_writer_open(ctx->db, ctx->hub, &r.actions, e) != 0))
        goto done;
    rc = read_all(&r, e);
done:
    for (int i = 0; i < CL_NLOOKUPS; i++)
        sp_lookup_free(r.lk[i]);
    sp_link_writer_free(r.links);
    sp_action_writer_free(r.actions);
    sp_hooks_close(r.hooks);
    sp_arena_free(r.page_arena);
    sp_arena_free(r.arena);
    return rc;
}
