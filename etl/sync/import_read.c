/* import_read.c -- the import's pages: the companies sp_hs_read_since()
 * hands over (copied: its page dies when the callback returns), those of
 * the types asked for, and their contacts (one associations batch read and,
 * from its answer, one contacts batch read with the mapped and compared
 * properties; both asynchronous, answered while the next pages are
 * searched). Runs on the caller's thread, which alone uses the HubSpot
 * client. */
#include "import_internal.h"

#include <string.h>
#include <strings.h>

int im_type_ok(const im_run *r, const sp_hs_record *rec)
{
    const char *t = sp_hs_record_get(rec, "type");

    if (r->imp->company_types == 0)
        return 1;
    for (unsigned bit = 1; bit <= SP_COMPANY_OTHER; bit <<= 1)
        if ((r->imp->company_types & bit) && t != NULL && strcasecmp(t, sp_job_company_type_name(bit)) == 0)
            return 1;
    return 0;
}

static void copy_rec(sp_arena *a, const sp_hs_record *from, sp_hs_record *to)
{
    memset(to, 0, sizeof(*to));
    to->id = sp_arena_strdup(a, from->id ? from->id : "");
    to->created_at = from->created_at ? sp_arena_strdup(a, from->created_at) : NULL;
    to->nprops = from->nprops;
    to->props = sp_arena_alloc(a, (from->nprops + 1) * sizeof(*to->props));
    for (size_t i = 0; i < from->nprops; i++) {
        to->props[i].name = sp_arena_strdup(a, from->props[i].name);
        to->props[i].value = from->props[i].value ? sp_arena_strdup(a, from->props[i].value) : NULL;
    }
}

/* The contacts of the page's companies, in the order the associations list them. */
static void take_assocs(im_page *pg, const sp_hs_assoc_lists *al)
{
    size_t total = 0;

    for (size_t i = 0; i < al->n; i++)
        total += al->items[i].n;
    pg->contacts = sp_arena_alloc(pg->arena, (total + 1) * sizeof(*pg->contacts));
    for (size_t i = 0; i < pg->n && i < al->n; i++) {
        im_company *c = &pg->comps[i];
        c->contacts = sp_arena_alloc(pg->arena, (al->items[i].n + 1) * sizeof(*c->contacts));
        for (size_t k = 0; k < al->items[i].n; k++) {
            const char *id = al->items[i].to_ids[k];
            size_t j = 0;
            while (j < pg->ncontacts && strcmp(pg->contacts[j].id, id) != 0)
                j++;
            if (j == pg->ncontacts)
                pg->contacts[pg->ncontacts++].id = sp_arena_strdup(pg->arena, id);
            c->contacts[c->ncontacts++] = j;
        }
    }
}

/* The page's reads ended (failed: why). */
static void read_end(im_page *pg, const sp_err *why)
{
    if (why != NULL && !pg->read_failed) {
        pg->read_failed = 1;
        pg->read_err = *why;
    }
    pg->reading = 0;
    pg->read_done = 1;
}

/* The contacts batch read's answer (inside a HubSpot call on the caller's
 * thread): each contact's record into the page. */
static void contacts_read(sp_hs_batch_result *res, void *ud)
{
    im_page *pg = ud;
    sp_err why;

    for (size_t i = 0; i < res->n && i < pg->ncontacts; i++) {
        sp_hs_record *rec;
        if (res->items[i].state != SP_HS_ITEM_OK)
            continue;   /* deleted meanwhile: the company goes on without it */
        rec = sp_arena_alloc(pg->arena, sizeof(*rec));
        copy_rec(pg->arena, &res->items[i].rec, rec);
        pg->contacts[i].rec = rec;
    }
    why = res->err;
    if (res->n_not_done > 0)
        sp_err_prefix(&why, "reading %zu contacts", pg->ncontacts);
    read_end(pg, res->n_not_done > 0 ? &why : NULL);
}

/* The page's contacts with their properties: one batch read (requests of
 * 100), submitted when the associations read answered. */
static int read_contacts(im_run *r, im_page *pg, sp_err *e)
{
    sp_hs_input *in;
    sp_hs_batch b;

    if (pg->ncontacts == 0) {
        read_end(pg, NULL);
        return 0;
    }
    in = sp_arena_alloc(pg->arena, pg->ncontacts * sizeof(*in));
    for (size_t i = 0; i < pg->ncontacts; i++)
        in[i].id = pg->contacts[i].id;
    memset(&b, 0, sizeof(b));
    b.kind = SP_HS_READ;
    b.object = SP_HS_CONTACTS;
    b.inputs = in;
    b.n = pg->ncontacts;
    b.properties = r->kprops;
    b.nproperties = r->nkprops;
    if (sp_hs_batch_submit(r->ctx->hs, &b, contacts_read, pg, e) != 0) {
        sp_err_prefix(e, "reading %zu contacts", pg->ncontacts);
        return -1;
    }
    return 0;
}

/* The associations read's answer (inside a HubSpot call): the contacts,
 * then their batch read. */
static void assocs_read(sp_hs_assoc_lists *al, const sp_err *err, void *ud)
{
    im_page *pg = ud;
    sp_err e;

    if (al == NULL) {
        e = *err;
        sp_err_prefix(&e, "reading the contacts of %zu companies", pg->n);
        read_end(pg, &e);
        return;
    }
    take_assocs(pg, al);
    sp_hs_assoc_lists_free(al);
    sp_err_clear(&e);
    if (read_contacts(pg->run, pg, &e) != 0)
        read_end(pg, &e);
}

int im_page_ready(im_run *r, im_page *pg, sp_err *e)
{
    if (!pg->read_done && sp_hs_run_until(r->ctx->hs, &pg->read_done, e) != 0 && !pg->read_done)
        return -1;
    if (!pg->read_done)
        return SP_ERR(e, SP_EINTERNAL, "the contacts of a page of %zu companies: the HubSpot queue ended without "
                      "an answer", pg->n);
    if (pg->read_failed) {
        *e = pg->read_err;
        return -1;
    }
    return 0;
}

int im_read_page(im_run *r, const sp_hs_record *recs, size_t n, int contacts_only, im_page **out, sp_err *e)
{
    sp_arena *a = sp_arena_new(0);
    im_page *pg = sp_arena_alloc(a, sizeof(*pg));
    const char **ids;

    pg->arena = a;
    pg->run = r;
    pg->contacts_only = contacts_only;
    pg->comps = sp_arena_alloc(a, (n + 1) * sizeof(*pg->comps));
    pg->read = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        sp_hs_record *rec;
        if (!contacts_only && !im_type_ok(r, &recs[i])) {
            pg->skipped++;
            continue;
        }
        rec = sp_arena_alloc(a, sizeof(*rec));
        copy_rec(a, &recs[i], rec);
        pg->comps[pg->n++].rec = rec;
    }
    *out = pg;
    if (pg->n == 0) {
        pg->read_done = 1;
        return 0;
    }
    ids = sp_arena_alloc(a, (pg->n + 1) * sizeof(*ids));
    for (size_t i = 0; i < pg->n; i++)
        ids[i] = pg->comps[i].rec->id;
    pg->reading = 1;
    if (sp_hs_assoc_read_submit(r->ctx->hs, SP_HS_COMPANIES, SP_HS_CONTACTS, ids, pg->n, assocs_read, pg, e) != 0) {
        sp_err_prefix(e, "reading the contacts of %zu companies", pg->n);
        *out = NULL;
        sp_arena_free(a);
        return -1;
    }
    return 0;
}

void im_page_free(im_page *pg)
{
    if (pg != NULL)
        sp_arena_free(pg->arena);
}

void im_page_drop(im_run *r, im_page *pg)
{
    sp_err e;

    if (pg != NULL && !pg->read_done)
        (void)sp_hs_run_until(r->ctx->hs, &pg->read_done, &e);   /* its answer must not land in freed memory */
    im_page_free(pg);
}

/* The company of index j of the page, added once (a record with its id only). */
static size_t company_slot(im_page *pg, const char *id, size_t cap)
{
    size_t j = 0;

    while (j < pg->n && strcmp(pg->comps[j].rec->id, id) != 0)
        j++;
    if (j == pg->n) {
        sp_hs_record *rec = sp_arena_alloc(pg->arena, sizeof(*rec));
        rec->id = sp_arena_strdup(pg->arena, id);
        pg->comps[j].rec = rec;
        pg->comps[j].contacts = sp_arena_alloc(pg->arena, (cap + 1) * sizeof(size_t));
        pg->n++;
    }
    return j;
}

int im_read_contacts_page(im_run *r, const sp_hs_record *recs, size_t n, im_page **out, sp_err *e)
{
    sp_arena *a = sp_arena_new(0);
    im_page *pg = sp_arena_alloc(a, sizeof(*pg));
    const char **ids = sp_arena_alloc(a, (n + 1) * sizeof(*ids));
    sp_hs_assoc_lists al;
    size_t total = 0;
    int rc = -1;

    memset(&al, 0, sizeof(al));
    pg->arena = a;
    pg->run = r;
    pg->read_done = 1;   /* read here, synchronously */
    pg->contacts_only = 1;
    pg->contacts = sp_arena_alloc(a, (n + 1) * sizeof(*pg->contacts));
    for (size_t i = 0; i < n; i++) {
        sp_hs_record *rec = sp_arena_alloc(a, sizeof(*rec));
        copy_rec(a, &recs[i], rec);
        pg->contacts[i].id = rec->id;
        pg->contacts[i].rec = rec;
        ids[i] = rec->id;
    }
    pg->ncontacts = n;
    if (n > 0 && sp_hs_assoc_read(r->ctx->hs, SP_HS_CONTACTS, SP_HS_COMPANIES, ids, n, &al, e) != 0) {
        sp_err_prefix(e, "reading the companies of %zu contacts", n);
        goto done;
    }
    for (size_t i = 0; i < al.n; i++)
        total += al.items[i].n;
    pg->comps = sp_arena_alloc(a, (total + 1) * sizeof(*pg->comps));
    for (size_t i = 0; i < al.n && i < n; i++)
        for (size_t k = 0; k < al.items[i].n; k++) {
            im_company *c = &pg->comps[company_slot(pg, al.items[i].to_ids[k], n)];
            c->contacts[c->ncontacts++] = i;
        }
    *out = pg;
    pg = NULL;
    rc = 0;
done:
    sp_hs_assoc_lists_free(&al);
    if (pg != NULL)
        sp_arena_free(a);
    return rc;
}
