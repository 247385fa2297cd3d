/* contacts.c -- company-link's matching steps: a company to a customer or a
 * prospect, the contacts of the page's companies, and the fallback of a
 * company that matched nothing (its contacts' records all belong to one
 * customer, else one prospect). */
#include "link_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct kind {
    int company_lk, contact_lk;
    const char *company_type, *contact_type;   /* link entity types */
    const char *word;                          /* "customer" */
    cl_state state;
} kind;

static const kind KINDS[2] = {
    {CL_CUST, CL_ADDR, SP_LINK_CUSTOMER, SP_LINK_CUSTOMER_ADDRESS, "customer", CL_CUSTOMER},
    {CL_PROS, CL_PCON, SP_LINK_PROSPECT, SP_LINK_PROSPECT_CONTACT, "prospect", CL_PROSPECT},
};

static const sp_job_rule_set *set_of(const cl_run *r, int lk)
{
    switch (lk) {
    case CL_CUST:
        return r->link->customer_matching;
    case CL_PROS:
        return r->link->prospect_matching;
    case CL_ADDR:
        return r->link->customer_address_matching;
    default:
        return r->link->prospect_contact_matching;
    }
}

static const char *what_of(cl_page *pg, const char *obj, const sp_hs_record *rec)
{
    const char *name = sp_hs_record_get(rec, strcmp(obj, "company") == 0 ? "name" : "email");
    return sp_arena_printf(pg->arena, "%s %s%s%s%s", obj, rec->id, name ? " (" : "", name ? name : "", name ? ")" : "");
}

static void ambiguous(cl_run *r, cl_page *pg, const char *etype, const char *id, const char *what,
                      const sp_job_rule_set *rs, const sp_match_result *res)
{
    cl_action(pg, etype, id, "AMBIGUOUS",
              "%s matches %s%zu %s records by rule \"%s\" of rule set \"%s\" (%s:%d): %s; not linked: make the "
              "rules tell them apart or link it by hand",
              what, res->capped ? "more than " : "", res->ncands, sp_job_entity_name(rs->entity), res->rule->name,
              rs->id, r->ctx->job->path, res->rule->pos.line, res->keys);
    r->ctx->counts.failed++;
}

/* The company to k's record: 1 linked or reported (state set), 0 none. */
static int try_kind(cl_run *r, cl_page *pg, cl_comp *c, const kind *k, int *done, sp_err *e)
{
    const sp_job_rule_set *rs = set_of(r, k->company_lk);
    const char *what = what_of(pg, "company", c->rec);
    sp_match_result res;
    int is_free;

    *done = 0;
    if (cl_match(r, rs, r->lk[k->company_lk], NULL, c->rec, what, &res, e) != 0)
        return -1;
    if (res.status == SP_MATCH_AMBIGUOUS) {
        ambiguous(r, pg, "COMPANY", c->rec->id, what, rs, &res);
        c->state = CL_FAILED;
        *done = 1;
    } else if (res.status == SP_MATCH_ONE) {
        if (cl_gp_free(r, pg, k->company_type, res.key, "companies", c->rec->id, "COMPANY", &is_free, e) != 0)
            return -1;
        c->state = is_free ? k->state : CL_FAILED;
        snprintf(c->key, sizeof(c->key), "%s", res.key);
        if (is_free)
            cl_link(r, pg, k->company_type, res.key, "companies", c->rec->id,
                    sp_arena_printf(pg->arena, "rule \"%s\"", res.rule->name));
        *done = 1;
    }
    return 0;
}

int cl_match_company(cl_run *r, cl_page *pg, cl_comp *c, sp_err *e)
{
    int done = 0;

    for (int i = 0; i < 2 && !done; i++)
        if (try_kind(r, pg, c, &KINDS[i], &done, e) != 0)
            return -1;
    if (!done)
        c->state = CL_NONE;
    return 0;
}

/* ---- the contacts of the page --------------------------------------------------- */

static size_t contact_index(cl_page *pg, const char *id, size_t *cap)
{
    for (size_t i = 0; i < pg->ncontacts; i++)
        if (strcmp(pg->contacts[i].id, id) == 0)
            return i;
    pg->contacts = sp_arena_grow(pg->arena, pg->contacts, pg->ncontacts, cap, sizeof(*pg->contacts), 64);
    pg->contacts[pg->ncontacts].id = sp_arena_strdup(pg->arena, id);
    return pg->ncontacts++;
}

static int wants_contacts(const cl_run *r, const cl_comp *c)
{
    if (c->state == CL_CUSTOMER)
        return r->lk[CL_ADDR] != NULL;
    if (c->state == CL_PROSPECT)
        return r->lk[CL_PCON] != NULL;
    return c->state == CL_NONE && (r->lk[CL_ADDR] != NULL || r->lk[CL_PCON] != NULL);
}

static int mark_contact(const sp_link *l, void *ud)
{
    cl_page *pg = ud;

    for (size_t i = 0; i < pg->ncontacts; i++)
        if (strcmp(pg->contacts[i].id, l->hs_id) == 0)
            pg->contacts[i].linked = 1;
    return 0;
}

/* Associations of the companies that want contacts: their contact lists. */
static int gather(cl_run *r, cl_page *pg, sp_hs_assoc_lists *al, sp_err *e)
{
    const char **ids = sp_arena_alloc(pg->arena, (pg->n + 1) * sizeof(*ids));
    size_t *which = sp_arena_alloc(pg->arena, (pg->n + 1) * sizeof(*which));
    size_t n = 0, cap = 0;

    for (size_t i = 0; i < pg->n; i++)
        if (wants_contacts(r, &pg->comps[i])) {
            which[n] = i;
            ids[n++] = pg->comps[i].rec->id;
        }
    if (n == 0)
        return 0;
    if (sp_hs_assoc_read(r->ctx->hs, SP_HS_COMPANIES, SP_HS_CONTACTS, ids, n, al, e) != 0)
        return -1;
    for (size_t j = 0; j < n; j++) {
        cl_comp *c = &pg->comps[which[j]];
        c->contacts = sp_arena_alloc(pg->arena, (al->items[j].n + 1) * sizeof(*c->contacts));
        for (size_t k = 0; k < al->items[j].n; k++)
            c->contacts[c->ncontacts++] = contact_index(pg, al->items[j].to_ids[k], &cap);
    }
    return 0;
}

/* Read the page's contacts (those not linked yet) with the compared properties. */
static int read_contacts(cl_run *r, cl_page *pg, sp_hs_batch_result *br, sp_err *e)
{
    sp_hs_input *in = sp_arena_alloc(pg->arena, (pg->ncontacts + 1) * sizeof(*in));
    size_t *at = sp_arena_alloc(pg->arena, (pg->ncontacts + 1) * sizeof(*at));
    sp_hs_batch b;
    size_t n = 0;

    for (size_t i = 0; i < pg->ncontacts; i++) {
        if (pg->contacts[i].linked) {
            r->ctx->counts.skipped++;
            continue;
        }
        at[n] = i;
        in[n++].id = pg->contacts[i].id;
    }
    if (n == 0)
        return 0;
    memset(&b, 0, sizeof(b));
    b.kind = SP_HS_READ;
    b.object = SP_HS_CONTACTS;
    b.inputs = in;
    b.n = n;
    b.properties = r->kprops;
    b.nproperties = r->nkprops;
    if (sp_hs_batch_run(r->ctx->hs, &b, br, e) != 0)
        return -1;
    for (size_t j = 0; j < br->n && j < n; j++)
        if (br->items[j].state == SP_HS_ITEM_OK)
            pg->contacts[at[j]].rec = &br->items[j].rec;
    r->ctx->counts.read += (int64_t)br->n_ok;
    return 0;
}

/* Each contact of a matched company to its customer's addresses / prospect's contacts. */
static int match_children(cl_run *r, cl_page *pg, cl_comp *c, const kind *k, sp_err *e)
{
    const sp_job_rule_set *rs = set_of(r, k->contact_lk);
    sp_match_result res;
    int is_free;

    for (size_t j = 0; j < c->ncontacts; j++) {
        cl_contact *ct = &pg->contacts[c->contacts[j]];
        const char *what;
        if (ct->rec == NULL || ct->linked || ct->claimed)
            continue;
        what = what_of(pg, "contact", ct->rec);
        if (cl_match(r, rs, r->lk[k->contact_lk], c->key, ct->rec, what, &res, e) != 0)
            return -1;
        if (res.status == SP_MATCH_AMBIGUOUS) {
            ambiguous(r, pg, "CONTACT", ct->id, what, rs, &res);
        } else if (res.status == SP_MATCH_ONE) {
            if (cl_gp_free(r, pg, k->contact_type, res.key, "contacts", ct->id, "CONTACT", &is_free, e) != 0)
                return -1;
            if (is_free) {
                ct->claimed = 1;
                cl_link(r, pg, k->contact_type, res.key, "contacts", ct->id,
                        sp_arena_printf(pg->arena, "rule \"%s\"", res.rule->name));
            }
        } else {
            r->ctx->counts.unchanged++;
        }
    }
    return 0;
}

int cl_contacts(cl_run *r, cl_page *pg, sp_err *e)
{
    sp_hs_assoc_lists al;
    sp_hs_batch_result br;
    int rc = -1;

    memset(&al, 0, sizeof(al));
    memset(&br, 0, sizeof(br));
    if (gather(r, pg, &al, e) != 0)
        goto done;
    if (pg->ncontacts == 0) {
        rc = 0;
        goto done;
    }
    {
        const char **ids = sp_arena_alloc(pg->arena, (pg->ncontacts + 1) * sizeof(*ids));
        for (size_t i = 0; i < pg->ncontacts; i++)
            ids[i] = pg->contacts[i].id;
        if (sp_link_find_hs_many(r->ctx->db, r->ctx->hub, "contacts", ids, pg->ncontacts, mark_contact, pg, e) != 0)
            goto done;
    }
    if (read_contacts(r, pg, &br, e) != 0)
        goto done;
    for (size_t i = 0; i < pg->n; i++) {
        cl_comp *c = &pg->comps[i];
        if ((c->state == CL_CUSTOMER || c->state == CL_PROSPECT) && wants_contacts(r, c) &&
            match_children(r, pg, c, &KINDS[c->state == CL_CUSTOMER ? 0 : 1], e) != 0)
            goto done;
        if (c->state == CL_NONE && cl_unmatched(r, pg, c, e) != 0)
            goto done;
    }
    rc = 0;
done:
    /* the records are used until the page is written: keep them in the page arena's life */
    if (br.arena != NULL)
        sp_arena_on_reset(pg->arena, (sp_cleanup_fn)sp_arena_free, br.arena);
    sp_hs_assoc_lists_free(&al);
    return rc;
}

/* ---- the fallback --------------------------------------------------------------- */

/* Does one of keys[0..n) ("PARENT|CHILD") belong to parent? */
static int seen_parent(char (*keys)[SP_MATCH_KEY], size_t n, const char *parent)
{
    size_t len = strlen(parent);

    for (size_t q = 0; q < n; q++)
        if (strncmp(keys[q], parent, len) == 0 && (keys[q][len] == '|' || keys[q][len] == '\0'))
            return 1;
    return 0;
}

/* The contacts of c matched to k's records of any parent: the parents they
 * belong to. 1 = linked (or reported), 0 = none. */
static int fallback_kind(cl_run *r, cl_page *pg, cl_comp *c, const kind *k, int *done, sp_err *e)
{
    const sp_job_rule_set *rs = set_of(r, k->contact_lk);
    char (*keys)[SP_MATCH_KEY] = sp_arena_alloc(pg->arena, (c->ncontacts + 1) * sizeof(*keys));
    size_t *who = sp_arena_alloc(pg->arena, (c->ncontacts + 1) * sizeof(*who));
    size_t n = 0, nparents = 0;
    char parent[SP_MATCH_KEY] = "", parents[512] = "";
    sp_match_result res;
    int is_free;

    *done = 0;
    for (size_t j = 0; j < c->ncontacts && rs != NULL; j++) {
        cl_contact *ct = &pg->contacts[c->contacts[j]];
        char *bar;
        if (ct->rec == NULL || ct->linked || ct->claimed)
            continue;
        if (cl_match(r, rs, r->lk[k->contact_lk], NULL, ct->rec, what_of(pg, "contact", ct->rec), &res, e) != 0)
            return -1;
        if (res.status != SP_MATCH_ONE)
            continue;
        snprintf(keys[n], SP_MATCH_KEY, "%s", res.key);
        who[n++] = c->contacts[j];
        if ((bar = strchr(res.key, '|')) != NULL)
            *bar = '\0';
        if (!seen_parent(keys, n - 1, res.key)) {
            nparents++;
            snprintf(parents + strlen(parents), sizeof(parents) - strlen(parents), "%s%s", parents[0] ? ", " : "",
                     res.key);
            if (nparents == 1)
                snprintf(parent, sizeof(parent), "%s", res.key);
        }
    }
    if (nparents > 1) {
        cl_action(pg, "COMPANY", c->rec->id, "AMBIGUOUS",
                  "%s matches no %s, and its contacts match records of %zu %ss: %s; not linked",
                  what_of(pg, "company", c->rec), k->word, nparents, k->word, parents);
        r->ctx->counts.failed++;
        c->state = CL_FAILED;
        *done = 1;
        return 0;
    }
    if (nparents == 0)
        return 0;
    *done = 1;
    if (cl_gp_free(r, pg, k->company_type, parent, "companies", c->rec->id, "COMPANY", &is_free, e) != 0)
        return -1;
    c->state = is_free ? k->state : CL_FAILED;
    if (!is_free)
        return 0;
    cl_link(r, pg, k->company_type, parent, "companies", c->rec->id, "through its contacts");
    for (size_t j = 0; j < n; j++) {
        if (cl_gp_free(r, pg, k->contact_type, keys[j], "contacts", pg->contacts[who[j]].id, "CONTACT", &is_free,
                       e) != 0)
            return -1;
        if (is_free) {
            pg->contacts[who[j]].claimed = 1;
            cl_link(r, pg, k->contact_type, keys[j], "contacts", pg->contacts[who[j]].id, "fallback");
        }
    }
    return 0;
}

int cl_unmatched(cl_run *r, cl_page *pg, cl_comp *c, sp_err *e)
{
    int done = 0;

    for (int i = 0; i < 2 && !done; i++)
        if (fallback_kind(r, pg, c, &KINDS[i], &done, e) != 0)
            return -1;
    if (done)
        return 0;
    c->state = CL_FAILED;   /* handled: not tried again on this page */
    if (r->link->log_unmatched) {
        cl_action(pg, "COMPANY", c->rec->id, "UNMATCHED",
                  "%s matches no customer or prospect (nor do its contacts)", what_of(pg, "company", c->rec));
        r->ctx->counts.failed++;
    } else {
        r->ctx->counts.unchanged++;
    }
    return 0;
}
