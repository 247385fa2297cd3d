/* import_many.c -- an import page's optimistic path (customer or prospect
 * import, rollback-on-error on, no post-import hook): inside the page's
 * transaction, after a savepoint, every company not linked yet is matched
 * first, in page order, and linked as company by company
 * (try-match-before-import; import_company.c); the ones that match nothing
 * become new customers (prospects), whose rows -- customers, addresses and
 * e-mails, or prospects and prospect contacts -- and links are written by
 * multi-row INSERTs (sp_gpw_insert_many, one link batch). The import's kind
 * (r->kind: its lookups and link types) is the only difference. Then
 * every matching lookup of the page is run again (import_seen.c): when one
 * finds something else -- the new customer of an earlier company of the
 * page, as two HubSpot companies of the same name do -- company by company
 * would have matched differently. When that, or anything else fails -- a
 * value that does not fit, a key a GP user took at the same moment, a
 * refused row, a contact of two of the page's companies -- the page is
 * rolled back to that savepoint and written company by company
 * (import_commit.c), which retries taken keys and reports each failure as
 * before: the path changes how many statements a page costs, never what it
 * writes. */
#include "import_internal.h"

#include <stdio.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"

#define PAGE_SAVEPOINT "spetl_page"
enum { OPEN_IDS = 200 };   /* ids per query for open Action Center rows */

/* Can this page take the optimistic path? */
static int usable(const im_run *r, const im_page *pg)
{
    const sp_job_import *im = r->imp;

    return !r->ctx->dry_run && !pg->contacts_only && im->rollback_on_error &&
           im->import_new_companies && im->post_import == NULL && !r->many_off;
}

/* What the page's companies become: mapped, their contacts chosen in page
 * order (a contact already taken by an earlier company is not taken again). */
typedef struct many {
    sp_gpw_company *gc;
    size_t *which;          /* gc[i] is pg->comps[which[i]] */
    unsigned char *create;  /* [company]: matched nothing, becomes a new customer / prospect */
    size_t n, ncontacts;
    char (*keys)[SP_GPW_KEY];
    char (*ckeys)[SP_GPW_KEY];
} many;

static int map_one(im_run *r, im_page *pg, im_company *c, sp_gpw_company *gc, sp_err *e)
{
    size_t *idx = sp_arena_alloc(r->row, (c->ncontacts + 1) * sizeof(*idx)), n = 0;
    sp_gpw_contact *cs;

    for (size_t i = 0; i < c->ncontacts; i++)
        if (pg->contacts[c->contacts[i]].rec != NULL && !pg->contacts[c->contacts[i]].linked)
            idx[n++] = i;
    cs = sp_arena_alloc(r->row, (n + 1) * sizeof(*cs));
    if (im_map_company(r, pg, c, gc, e) != 0 || im_map_contacts(r, pg, c, idx, n, cs, e) != 0)
        return -1;
    if (c->values != NULL) {   /* as pre-import left them */
        gc->values = c->values;
        gc->nvalues = c->nvalues;
    }
    gc->contacts = cs;
    gc->ncontacts = n;
    for (size_t i = 0; i < n; i++)
        pg->contacts[c->contacts[idx[i]]].linked = 1;
    return 0;
}

/* A contact of two of the page's companies: company by company, the first
 * that takes it keeps it, which matching all first would change. */
static int shares_contacts(im_run *r, const im_page *pg)
{
    size_t *owner = sp_arena_alloc(r->row, (pg->ncontacts + 1) * sizeof(*owner));

    for (size_t i = 0; i < pg->n; i++) {
        const im_company *c = &pg->comps[i];
        if (c->hooked || c->linked)
            continue;
        for (size_t k = 0; k < c->ncontacts; k++) {
            size_t *o = &owner[c->contacts[k]];
            if (*o != 0 && *o != i + 1)
                return 1;
            *o = i + 1;
        }
    }
    return 0;
}

/* Every company of the page matched first, in page order, as company by
 * company (matched ones are linked now); m->create marks the others. */
static int match_page(im_run *r, im_page *pg, many *m, sp_err *e)
{
    int rc = 0;

    m->create = sp_arena_alloc(r->row, pg->n + 1);
    if (r->imp->try_match && shares_contacts(r, pg))
        return SP_ERR(e, SP_EDATA, "a contact belongs to two of its companies");
    r->seen = r->imp->try_match ? im_seen_new(r->row) : NULL;
    for (size_t i = 0; i < pg->n; i++)   /* to match: create marks them for now */
        m->create[i] = !pg->comps[i].hooked && !pg->comps[i].linked;
    if (im_seen_read_ahead(r, pg, m->create, e) != 0)
        return -1;
    for (size_t i = 0; rc == 0 && i < pg->n; i++) {
        im_company *c = &pg->comps[i];
        if (c->hooked)
            continue;   /* the company filter or pre-import skipped or failed it */
        if (c->linked) {
            r->ctx->counts.skipped++;
            continue;
        }
        if (r->seen != NULL)
            im_seen_company(r->seen, i);
        r->cur_company = c->rec->id;
        rc = im_company_match(r, pg, c, e);
        m->create[i] = rc == 0;
        rc = rc < 0 ? -1 : 0;
    }
    r->cur_company = NULL;
    return rc;
}

static int map_page(im_run *r, im_page *pg, many *m, sp_err *e)
{
    m->gc = sp_arena_alloc(r->row, (pg->n + 1) * sizeof(*m->gc));
    m->which = sp_arena_alloc(r->row, (pg->n + 1) * sizeof(*m->which));
    for (size_t i = 0; i < pg->n; i++) {
        im_company *c = &pg->comps[i];
        if (!m->create[i])
            continue;
        if (map_one(r, pg, c, &m->gc[m->n], e) != 0)
            return -1;
        m->ncontacts += m->gc[m->n].ncontacts;
        m->which[m->n++] = i;
    }
    m->keys = sp_arena_alloc(r->row, (m->n + 1) * sizeof(*m->keys));
    m->ckeys = sp_arena_alloc(r->row, (m->ncontacts + 1) * sizeof(*m->ckeys));
    return 0;
}

static int link_row(im_run *r, const char *etype, const char *ekey, const char *obj, const char *id,
                    const char *hash, sp_err *e)
{
    r->ctx->counts.linked++;
    /* a refused row (1) is a failure here: the page goes company by company */
    return sp_link_batch_add(r->many_links, r->ctx->hub, etype, ekey, obj, id, hash, sp_clock_wall_ms(), e) != 0 ? -1
                                                                                                                : 0;
}

/* The links of the page's new customers and their addresses (prospects and
 * their contacts), and the companies queued for the key write-back. */
static int links_of(im_run *r, const many *m, sp_err *e)
{
    size_t at = 0;

    if (r->many_links == NULL && sp_link_batch_open(r->ctx->db, &r->many_links, e) != 0)
        return -1;
    sp_batch_reset(r->many_links);
    for (size_t i = 0; i < m->n; i++) {
        const sp_gpw_company *gc = &m->gc[i];
        if (link_row(r, r->kind->company_type, m->keys[i], "companies", gc->hubspot_id,
                     r->key_property != NULL ? SP_IMPORT_WRITE_BACK : "", e) != 0)
            return -1;
        for (size_t k = 0; k < gc->ncontacts; k++, at++) {
            char ekey[SP_MATCH_KEY * 2];
            snprintf(ekey, sizeof(ekey), "%s|%s", m->keys[i], m->ckeys[at]);
            if (link_row(r, r->kind->contact_type, ekey, "contacts", gc->contacts[k].hubspot_id, "", e) != 0)
                return -1;
        }
    }
    return sp_batch_flush(r->many_links, e);
}

/* Open Action Center rows of ids[0..n) (entity type etype) are resolved, as
 * linking each one one by one does; one query per OPEN_IDS ids. */
static int resolve_open(im_run *r, const char *etype, const char *const *ids, size_t n, sp_err *e)
{
    if (r->many_open == NULL) {   /* prepared for each page: planned with the table as it is */
        char sql[1024];
        size_t len = (size_t)snprintf(sql, sizeof(sql), "SELECT Entity_Key FROM spAAActionCenter WHERE Hub_ID = ? AND "
                                                        "Entity_Type = ? AND Resolved_On IS NULL AND Entity_Key IN (");
        for (int i = 0; i < OPEN_IDS; i++)
            len += (size_t)snprintf(sql + len, sizeof(sql) - len, i ? ", ?" : "?");
        snprintf(sql + len, sizeof(sql) - len, ")");
        if (sp_stmt_prepare(r->ctx->db, sql, &r->many_open, e) != 0)
            return -1;
    }
    for (size_t lo = 0; lo < n; lo += OPEN_IDS) {
        sp_stmt *st = r->many_open;
        int got;
        if (sp_stmt_bind_text(st, 1, r->ctx->hub, e) != 0 || sp_stmt_bind_text(st, 2, etype, e) != 0)
            return -1;
        for (size_t i = 0; i < OPEN_IDS; i++)
            if (sp_stmt_bind_text(st, 3 + (int)i, lo + i < n ? ids[lo + i] : "", e) != 0)
                return -1;
        if (sp_stmt_exec(st, NULL, e) != 0)
            return -1;
        while ((got = sp_stmt_fetch(st, e)) == 1) {
            char key[64];
            snprintf(key, sizeof(key), "%s", sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "");
            if (key[0] != '\0' && sp_action_writer_resolve(r->actions, etype, key, e) != 0) {
                sp_stmt_close_cursor(st);
                return -1;
            }
        }
        sp_stmt_close_cursor(st);
        if (got < 0)
            return -1;
    }
    return 0;
}

static int resolve_page(im_run *r, const many *m, sp_err *e)
{
    const char **ids = sp_arena_alloc(r->row, (m->n + m->ncontacts + 1) * sizeof(*ids));
    size_t k = 0;
    int rc;

    for (size_t i = 0; i < m->n; i++)
        ids[i] = m->gc[i].hubspot_id;
    rc = resolve_open(r, "COMPANY", ids, m->n, e);
    for (size_t i = 0; rc == 0 && i < m->n; i++)
        for (size_t j = 0; j < m->gc[i].ncontacts; j++)
            ids[k++] = m->gc[i].contacts[j].hubspot_id;
    if (rc == 0)
        rc = resolve_open(r, "CONTACT", ids, k, e);
    sp_stmt_free(r->many_open);
    r->many_open = NULL;
    return rc;
}

/* The page's matching as it would have been company by company
 * (import_seen.c): else it is undone and written that way. */
static int check_matches(im_run *r, const im_page *pg, const many *m, sp_err *e)
{
    const char **own = sp_arena_alloc(r->row, (pg->n + 1) * sizeof(*own));

    for (size_t i = 0; i < m->n; i++)
        own[m->which[i]] = m->keys[i];
    return im_seen_check(r, pg, own, e);
}

static int write_page(im_run *r, im_page *pg, sp_err *e)
{
    many m;

    memset(&m, 0, sizeof(m));
    sp_arena_reset(r->row);
    if (match_page(r, pg, &m, e) != 0 || map_page(r, pg, &m, e) != 0)
        return -1;
    if (m.n == 0)
        return 0;
    if (sp_gpw_insert_many(r->gpw, m.gc, m.n, m.keys, m.ckeys, e) != 0)
        return -1;
    if (links_of(r, &m, e) != 0)
        return -1;
    if (resolve_page(r, &m, e) != 0 || check_matches(r, pg, &m, e) != 0)
        return -1;
    for (size_t i = 0; i < m.n; i++)
        im_page_created(pg, m.gc[i].hubspot_id, m.keys[i]);
    r->ctx->counts.created += (int64_t)m.n;
    return 0;
}

int im_many_page(im_run *r, im_page *pg, sp_err *e)
{
    sp_db *db = r->ctx->db;
    sp_counts before = r->ctx->counts;
    size_t ncreated = pg->ncreated;
    unsigned char *linked;
    sp_err why;
    int rc;

    if (!usable(r, pg) || pg->n == 0)
        return 0;
    linked = sp_arena_alloc(pg->arena, pg->ncontacts + 1);
    for (size_t i = 0; i < pg->ncontacts; i++)
        linked[i] = (unsigned char)pg->contacts[i].linked;
    if (sp_db_savepoint(db, PAGE_SAVEPOINT, e) != 0)
        return -1;
    sp_err_clear(&why);
    rc = write_page(r, pg, &why);
    r->seen = NULL;
    if (rc == 0) {
        SP_DEBUG(r->ctx->comp->name, "a page of %zu companies is written at once", pg->n);
        return sp_db_release(db, PAGE_SAVEPOINT, e) != 0 ? -1 : 1;
    }
    /* undo all of it, then company by company */
    if (sp_db_rollback_to(db, PAGE_SAVEPOINT, e) != 0 || sp_db_release(db, PAGE_SAVEPOINT, e) != 0) {
        sp_err_prefix(e, "undoing a page that failed (%s)", why.msg);
        return -1;
    }
    r->ctx->counts = before;
    pg->ncreated = ncreated;
    for (size_t i = 0; i < pg->ncontacts; i++)
        pg->contacts[i].linked = linked[i];
    SP_INFO(r->ctx->comp->name, "a page of %zu companies is written company by company: %s", pg->n, why.msg);
    return 0;
}
