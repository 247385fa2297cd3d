/* import_company.c -- one company of an import, inside its savepoint on the
 * commit thread: matched to an existing customer or prospect (and its
 * contacts to that record's addresses / contacts) and linked, or created
 * by the GP writer with its contacts and linked; import-new-contacts adds a
 * linked company's new contacts. */
#include "import_internal.h"

#include <stdio.h>
#include <string.h>


const im_kind IM_KINDS[2] = {
    {IM_CUST, IM_ADDR, SP_LINK_CUSTOMER, SP_LINK_CUSTOMER_ADDRESS, "customer"},
    {IM_PROS, IM_PCON, SP_LINK_PROSPECT, SP_LINK_PROSPECT_CONTACT, "prospect"},
};

static const sp_job_rule_set *set_of(const im_run *r, int lk)
{
    switch (lk) {
    case IM_CUST:
        return r->imp->customer_matching;
    case IM_PROS:
        return r->imp->prospect_matching;
    case IM_ADDR:
        return r->imp->customer_address_matching;
    default:
        return r->imp->prospect_contact_matching;
    }
}

static const char *hs_get(const void *rec, const char *prop)
{
    return sp_hs_record_get(rec, prop);
}

static int match(im_run *r, int lk, const char *parent, const sp_hs_record *rec, const char *what,
                 sp_match_result *res, sp_err *e)
{
    sp_match_io io = {hs_get, sp_lookup_fn, r->lk[lk], NULL, NULL, what};

    if (r->seen != NULL && lk == r->kind->company_lk) {   /* the page path: its lookups are checked again */
        io.lookup = im_seen_lookup;
        io.lookup_ud = r;
    }
    memset(res, 0, sizeof(*res));
    if (set_of(r, lk) == NULL || r->lk[lk] == NULL)
        return 0;
    sp_lookup_parent(r->lk[lk], parent);
    return sp_match_run(set_of(r, lk), rec, &io, res, e);
}

/* Link (etype, ekey) to HubSpot (obj, id); hash: the link's Payload_Hash. */
static int put_link(im_run *r, const char *etype, const char *ekey, const char *obj, const char *id,
                    const char *hash, sp_err *e)
{
    sp_link l;

    r->ctx->counts.linked++;
    if (r->ctx->dry_run) {
        printf("would link %s %s -> %s %s\n", obj, id, etype, ekey);
        return 0;
    }
    memset(&l, 0, sizeof(l));
    snprintf(l.entity_type, sizeof(l.entity_type), "%s", etype);
    snprintf(l.entity_key, sizeof(l.entity_key), "%s", ekey);
    snprintf(l.hs_object, sizeof(l.hs_object), "%s", obj);
    snprintf(l.hs_id, sizeof(l.hs_id), "%s", id);
    snprintf(l.payload_hash, sizeof(l.payload_hash), "%s", hash ? hash : "");
    if (sp_link_writer_put(r->links, r->ctx->hub, &l, e) != 0 ||
        sp_action_writer_resolve(r->actions, strcmp(obj, "companies") == 0 ? "COMPANY" : "CONTACT", id, e) != 0)
        return -1;
    return 0;
}

/* Is GP record (etype, ekey) free to link to HubSpot id? *taken: reported. */
static int gp_free(im_run *r, const char *etype, const char *ekey, const char *obj, const char *id, int *is_free,
                   sp_err *e)
{
    sp_link l;
    int found = 0;

    *is_free = 0;
    if (sp_link_get(r->ctx->db, r->ctx->hub, etype, ekey, &l, &found, e) != 0)
        return -1;
    if (found && strcmp(l.hs_id, id) != 0)
        return im_report(r, strcmp(obj, "companies") == 0 ? "COMPANY" : "CONTACT", id, "ALREADY_LINKED", NULL,
                         "HubSpot %s %s matches %s %s, which is already linked to HubSpot %s %s: not re-pointed",
                         obj, id, etype, ekey, obj, l.hs_id);
    *is_free = !found;
    return 0;
}

static int ambiguous(im_run *r, const char *etype, const char *id, int lk, const sp_match_result *res)
{
    const sp_job_rule_set *rs = set_of(r, lk);

    return im_report(r, etype, id, "AMBIGUOUS", NULL,
                     "HubSpot %s %s matches %s%zu %s records by rule \"%s\" of rule set \"%s\" (%s:%d): %s; "
                     "nothing written: make the rules tell them apart or link it by hand",
                     strcmp(etype, "COMPANY") == 0 ? "company" : "contact", id, res->capped ? "more than " : "",
                     res->ncands, sp_job_entity_name(rs->entity), res->rule->name, rs->id, r->ctx->job->path,
                     res->rule->pos.line, res->keys);
}

/* Add contacts which[0..n) of c to GP record key of the import's kind and
 * link them (import-new-contacts). */
static int add_contacts(im_run *r, im_page *pg, im_company *c, const char *key, const size_t *which, size_t n,
                        sp_err *e)
{
    sp_gpw_contact *cs;
    char(*keys)[SP_GPW_KEY];

    if (n == 0)
        return 0;
    cs = sp_arena_alloc(r->row, n * sizeof(*cs));
    keys = sp_arena_alloc(r->row, n * sizeof(*keys));
    if (im_map_contacts(r, pg, c, which, n, cs, e) != 0)
        return -1;
    if (r->ctx->dry_run) {
        for (size_t i = 0; i < n; i++)
            printf("would add contact %s to %s %s\n", cs[i].hubspot_id, r->kind->word, key);
        return 0;
    }
    if (r->seen != NULL)
        im_seen_gp_written(r->seen);   /* the page path checks all its lookups again */
    if (sp_gpw_add_contacts(r->gpw, key, cs, n, keys, e) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char ekey[SP_MATCH_KEY * 2];
        if (keys[i][0] == '\0')
            continue;   /* not written (reported) */
        snprintf(ekey, sizeof(ekey), "%s|%s", key, keys[i]);
        if (put_link(r, r->kind->contact_type, ekey, "contacts", cs[i].hubspot_id, NULL, e) != 0)
            return -1;
        pg->contacts[c->contacts[which[i]]].linked = 1;
    }
    return 0;
}

/* The contacts of c, matched to parent's records of kind k; those that match
 * none are added when import-new-contacts is on and k is the import's kind. */
static int link_contacts(im_run *r, im_page *pg, im_company *c, const im_kind *k, const char *parent, sp_err *e)
{
    size_t *rest = sp_arena_alloc(r->row, (c->ncontacts + 1) * sizeof(*rest)), nrest = 0;

    for (size_t i = 0; i < c->ncontacts; i++) {
        im_contact *t = &pg->contacts[c->contacts[i]];
        sp_match_result res;
        int is_free = 0;
        if (t->rec == NULL || t->linked)
            continue;
        if (match(r, k->contact_lk, parent, t->rec, t->id, &res, e) != 0)
            return -1;
        if (res.status == SP_MATCH_AMBIGUOUS) {
            if (ambiguous(r, "CONTACT", t->id, k->contact_lk, &res) != 0)
                return -1;
        } else if (res.status == SP_MATCH_NONE) {
            rest[nrest++] = i;
        } else if (gp_free(r, k->contact_type, res.key, "contacts", t->id, &is_free, e) != 0) {
            return -1;
        } else if (is_free) {
            if (put_link(r, k->contact_type, res.key, "contacts", t->id, NULL, e) != 0)
                return -1;
            t->linked = 1;
        }
    }
    if (r->imp->import_new_contacts && k == r->kind)
        return add_contacts(r, pg, c, parent, rest, nrest, e);
    return 0;
}

/* Match c to a record of kind k: 1 matched (linked, or reported), 0 none. */
static int try_kind(im_run *r, im_page *pg, im_company *c, const im_kind *k, sp_err *e)
{
    sp_match_result res;
    int is_free = 0;

    if (match(r, k->company_lk, NULL, c->rec, c->rec->id, &res, e) != 0)
        return -1;
    if (res.status == SP_MATCH_NONE)
        return 0;
    if (res.status == SP_MATCH_AMBIGUOUS)
        return ambiguous(r, "COMPANY", c->rec->id, k->company_lk, &res) != 0 ? -1 : 1;
    if (gp_free(r, k->company_type, res.key, "companies", c->rec->id, &is_free, e) != 0)
        return -1;
    if (!is_free)
        return 1;
    if (put_link(r, k->company_type, res.key, "companies", c->rec->id, NULL, e) != 0 ||
        im_post_import(r, c, res.key, 0, e) != 0 || link_contacts(r, pg, c, k, res.key, e) != 0)
        return -1;
    return 1;
}

void im_page_created(im_page *pg, const char *id, const char *key)
{
    pg->created = sp_arena_grow(pg->arena, pg->created, pg->ncreated, &pg->capcreated, sizeof(*pg->created), 16);
    snprintf(pg->created[pg->ncreated].id, sizeof(pg->created[0].id), "%s", id);
    snprintf(pg->created[pg->ncreated++].key, sizeof(pg->created[0].key), "%s", key);
}

/* A new customer / prospect from c and its contacts, then their links. */
static int insert_new(im_run *r, im_page *pg, im_company *c, sp_err *e)
{
    size_t *which = sp_arena_alloc(r->row, (c->ncontacts + 1) * sizeof(*which)), n = 0;
    char key[SP_GPW_KEY], (*keys)[SP_GPW_KEY];
    sp_gpw_company gc;
    sp_gpw_contact *cs;

    for (size_t i = 0; i < c->ncontacts; i++)
        if (pg->contacts[c->contacts[i]].rec != NULL && !pg->contacts[c->contacts[i]].linked)
            which[n++] = i;
    cs = sp_arena_alloc(r->row, (n + 1) * sizeof(*cs));
    keys = sp_arena_alloc(r->row, (n + 1) * sizeof(*keys));
    if (im_map_company(r, pg, c, &gc, e) != 0 || im_map_contacts(r, pg, c, which, n, cs, e) != 0)
        return -1;
    if (c->values != NULL) {   /* as pre-import left them */
        gc.values = c->values;
        gc.nvalues = c->nvalues;
    }
    gc.contacts = cs;
    gc.ncontacts = n;
    if (r->ctx->dry_run) {
        printf("would create a %s from company %s (%s) with %zu contacts\n", r->kind->word, c->rec->id,
               gc.key_source ? gc.key_source : "", n);
        r->ctx->counts.created++;
        return 0;
    }
    if (sp_gpw_insert_company(r->gpw, &gc, key, keys, e) != 0)
        return -1;
    r->ctx->counts.created++;
    im_page_created(pg, c->rec->id, key);
    if (put_link(r, r->kind->company_type, key, "companies", c->rec->id,
                 r->key_property != NULL ? SP_IMPORT_WRITE_BACK : NULL, e) != 0 ||
        im_post_import(r, c, key, 1, e) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char ekey[SP_MATCH_KEY * 2];
        if (keys[i][0] == '\0')
            continue;   /* not written (rollback-on-error false: reported) */
        snprintf(ekey, sizeof(ekey), "%s|%s", key, keys[i]);
        if (put_link(r, r->kind->contact_type, ekey, "contacts", cs[i].hubspot_id, NULL, e) != 0)
            return -1;
        pg->contacts[c->contacts[which[i]]].linked = 1;
    }
    return 0;
}

int im_company_match(im_run *r, im_page *pg, im_company *c, sp_err *e)
{
    const im_kind *other = &IM_KINDS[r->target == SP_IMPORT_CUSTOMER ? SP_IMPORT_PROSPECT : SP_IMPORT_CUSTOMER];
    int got;

    if (!r->imp->try_match)
        return 0;
    if ((got = try_kind(r, pg, c, r->kind, e)) != 0)
        return got;
    if (!r->imp->prevent_other_matching)
        return try_kind(r, pg, c, other, e);
    return 0;
}

int im_company_do(im_run *r, im_page *pg, im_company *c, sp_err *e)
{
    int got;

    if (c->linked) {
        r->ctx->counts.skipped++;
        return 0;
    }
    if ((got = im_company_match(r, pg, c, e)) != 0)
        return got;
    if (!r->imp->import_new_companies) {
        r->ctx->counts.skipped++;
        return 0;
    }
    return insert_new(r, pg, c, e) != 0 ? -1 : 1;
}

/* import-new-contacts: c is linked to GP record gp_key of the import's kind;
 * its contacts not linked yet are matched to that record's, else added. */
int im_new_contacts_do(im_run *r, im_page *pg, im_company *c, const char *gp_key, sp_err *e)
{
    return link_contacts(r, pg, c, r->kind, gp_key, e);
}
