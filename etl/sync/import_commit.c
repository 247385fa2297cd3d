/* import_commit.c -- an import page on the commit thread: ONE transaction,
 * each company in a savepoint of its own, so that a company that fails
 * (rollback-on-error true) leaves nothing behind, GP rows and links alike,
 * and its Action Center row says why; the other companies of the page go
 * on. A dry run takes no transaction and prints what it would do. */
#include "import_internal.h"

#include <stdio.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"

#define SAVEPOINT "spetl_company"

int im_report(im_run *r, const char *etype, const char *id, const char *category, const sp_err *why,
              const char *fmt, ...)
{
    sp_action a;
    sp_err e;
    va_list ap;
    size_t len;

    memset(&a, 0, sizeof(a));
    va_start(ap, fmt);
    vsnprintf(a.message, sizeof(a.message), fmt, ap);
    va_end(ap);
    len = strlen(a.message);
    if (why != NULL && why->sqlstate[0] != '\0')
        snprintf(a.message + len, sizeof(a.message) - len, " (SQLSTATE %s)", why->sqlstate);
    r->ctx->counts.failed++;
    if (r->ctx->dry_run) {
        printf("would report %s %s: %s: %s\n", etype, id, category, a.message);
        return 0;
    }
    snprintf(a.run_id, sizeof(a.run_id), "%s", r->ctx->run_id);
    snprintf(a.component, sizeof(a.component), "%s", r->ctx->comp->name);
    snprintf(a.entity_type, sizeof(a.entity_type), "%s", etype);
    snprintf(a.entity_key, sizeof(a.entity_key), "%s", id);
    snprintf(a.category, sizeof(a.category), "%s", category);
    a.created_on = sp_clock_wall_ms();
    SP_WARN(r->ctx->comp->name, "%s %s: %s", etype, id, a.message);
    sp_err_clear(&e);
    if (sp_action_writer_add(r->actions, &a, 1, &e) != 0) {
        SP_ERROR(r->ctx->comp->name, "writing the Action Center row of %s %s: %s", etype, id, e.msg);
        return -1;
    }
    return 0;
}

/* An error after which the run cannot go on (the database is gone, a bug, a
 * bad job) rather than one company's failure. */
static int stops_run(const sp_err *e)
{
    if (e->code == SP_EDATA)
        return 0;
    if (e->code != SP_EDB)
        return 1;
    return strncmp(e->sqlstate, "08", 2) == 0 || strncmp(e->sqlstate, "40", 2) == 0 ||
           strncmp(e->sqlstate, "HYT", 3) == 0;
}

static int mark_linked(const sp_link *l, void *ud)
{
    im_page *pg = ud;

    if (strcmp(l->hs_object, "companies") == 0) {
        for (size_t i = 0; i < pg->n; i++)
            if (strcmp(pg->comps[i].rec->id, l->hs_id) == 0)
                pg->comps[i].linked = 1;
    } else {
        for (size_t i = 0; i < pg->ncontacts; i++)
            if (strcmp(pg->contacts[i].id, l->hs_id) == 0)
                pg->contacts[i].linked = 1;
    }
    return 0;
}

/* The page's companies and contacts linked before: one query per 400 ids. */
static int skip_known(im_run *r, im_page *pg, sp_err *e)
{
    const char **ids = sp_arena_alloc(pg->arena, (pg->n + pg->ncontacts + 1) * sizeof(*ids));

    for (size_t i = 0; i < pg->n; i++)
        ids[i] = pg->comps[i].rec->id;
    if (!pg->contacts_only &&
        sp_link_find_hs_many(r->ctx->db, r->ctx->hub, "companies", ids, pg->n, mark_linked, pg, e) != 0)
        return -1;
    for (size_t i = 0; i < pg->ncontacts; i++)
        ids[i] = pg->contacts[i].id;
    return sp_link_find_hs_many(r->ctx->db, r->ctx->hub, "contacts", ids, pg->ncontacts, mark_linked, pg, e);
}

/* import-new-contacts: the company's link, when it is to the import's kind. */
static int contacts_of_linked(im_run *r, im_page *pg, im_company *c, sp_err *e)
{
    sp_link l;
    int found = 0;

    if (sp_link_get_by_hs(r->ctx->db, r->ctx->hub, "companies", c->rec->id, &l, &found, e) != 0)
        return -1;
    if (!found || strcmp(l.entity_type, r->kind->company_type) != 0)
        return 0;
    return im_new_contacts_do(r, pg, c, l.entity_key, e);
}

/* What was written of c stays (rollback-on-error false) or is undone; then
 * its Action Center row. -1: the run stops. */
static int company_failed(im_run *r, im_company *c, const sp_err *why, sp_err *e)
{
    int undo = r->imp->rollback_on_error;

    if (!r->ctx->dry_run && undo && sp_db_rollback_to(r->ctx->db, SAVEPOINT, e) != 0)
        return -1;
    return im_report(r, "COMPANY", c->rec->id, "IMPORT_FAILED", why, "HubSpot company %s: %s%s", c->rec->id,
                     why->msg, undo ? "; nothing of it was written" : "; what was written before the failure stays")
               != 0
               ? SP_ERR(e, SP_EDB, "could not write the Action Center row of company %s", c->rec->id)
               : 0;
}

/* What was counted and queued for write-back since before c was undone:
 * its savepoint rolled back (post-import skipped it, or it failed with
 * rollback-on-error true). */
static void forget_company(im_run *r, im_page *pg, const sp_counts *before, size_t ncreated)
{
    r->ctx->counts.created = before->created;
    r->ctx->counts.linked = before->linked;
    pg->ncreated = ncreated;
}

/* One company in its savepoint. -1: the run stops (e). */
static int one_company(im_run *r, im_page *pg, im_company *c, sp_err *e)
{
    sp_db *db = r->ctx->db;
    sp_counts before = r->ctx->counts;
    size_t ncreated = pg->ncreated;
    sp_err why;
    int rc;

    if (c->hooked)
        return 0;   /* the company filter or pre-import skipped or failed it */
    sp_arena_reset(r->row);
    r->cur_company = c->rec->id;
    r->part_failed = 0;
    if (!r->ctx->dry_run && sp_db_savepoint(db, SAVEPOINT, e) != 0)
        return -1;
    sp_err_clear(&why);
    rc = pg->contacts_only ? contacts_of_linked(r, pg, c, &why) : im_company_do(r, pg, c, &why);
    if (rc < 0) {
        if (stops_run(&why)) {
            *e = why;
            return -1;
        }
        if (c->hooked == IM_HOOK_SKIP) {   /* post-import: not imported, not linked */
            if (!r->ctx->dry_run && sp_db_rollback_to(db, SAVEPOINT, e) != 0)
                return -1;
            forget_company(r, pg, &before, ncreated);
            r->ctx->counts.skipped++;
        } else if (company_failed(r, c, &why, e) != 0) {
            return -1;
        } else if (r->imp->rollback_on_error) {
            forget_company(r, pg, &before, ncreated);
        }
    }
    r->cur_company = NULL;
    if (!r->ctx->dry_run && sp_db_release(db, SAVEPOINT, e) != 0)
        return -1;
    return 0;
}

int im_commit_page(im_run *r, im_page *pg, sp_err *e)
{
    sp_db *db = r->ctx->db;

    r->ctx->counts.read += pg->read;
    r->ctx->counts.skipped += pg->skipped;
    /* linked before, then the pre hooks, outside the page's transaction */
    if (skip_known(r, pg, e) != 0 || im_pre_hooks(r, pg, e) != 0)
        return -1;
    if (!r->ctx->dry_run && sp_db_begin(db, e) != 0)
        return -1;
    switch (im_many_page(r, pg, e)) {
    case 1:
        break;   /* the whole page at once */
    case 0:
        for (size_t i = 0; i < pg->n; i++)
            if (one_company(r, pg, &pg->comps[i], e) != 0)
                goto fail;
        break;
    default:
        goto fail;
    }
    if (r->ctx->dry_run)
        return 0;
    if (im_wb_clear_accepted(r, e) != 0)   /* keys written back since the last page */
        goto fail;
    if (sp_db_commit(db, e) != 0)
        return -1;
    im_wb_queue(r, pg);   /* committed: their keys may go back to HubSpot */
    return 0;
fail:
    if (!r->ctx->dry_run)
        sp_db_rollback(db, NULL);
    return -1;
}
