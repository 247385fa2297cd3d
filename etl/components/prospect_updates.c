/* prospect-updates-export: linked prospects (SOP00200) modified within
 * range-days (MODIFDT, a GP date: >= today - N days, UTC midnight), or with a
 * prospect contact (spProspectContact.DEX_ROW_TS) changed since then, update
 * their companies by id; their linked prospect contacts update their
 * contacts. Only what changed is sent (payload hash). A prospect converted
 * to a customer has had its link taken over by the customer side
 * (sp_export_adopt_prospects) and is no longer read here. A prospect or
 * prospect contact with an open Action Center row of this component (a
 * failed update) is read too, however long ago it changed, until its update
 * goes through. */
#include "spetl/components.h"

#include <stdio.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/export.h"
#include "spetl/hook.h"

/* The range condition, after the open Action Center rows' (texts first:
 * hub, component, hub, component; then the two times). A contact's open row
 * is looked up from the contact (a nested EXISTS: joined, SQLite read every
 * open contact row of the hub for each prospect). */
static const char *updates_where(sp_dialect d, char *buf, size_t n)
{
    const char *cat = sp_dialect_sql_of(d)->concat;

    snprintf(buf, n,
             "EXISTS (SELECT 1 FROM spAAActionCenter ac WHERE ac.Hub_ID = ? AND ac.Entity_Type = "
             "'PROSPECT' AND ac.Entity_Key = RTRIM(t.PROSPID) AND ac.Component = ? AND "
             "ac.Resolved_On IS NULL) OR EXISTS (SELECT 1 FROM spProspectContact a WHERE a.PROSPID = "
             "t.PROSPID AND EXISTS (SELECT 1 FROM spAAActionCenter ac WHERE ac.Hub_ID = ? AND "
             "ac.Entity_Type = 'PROSPECT_CONTACT' AND ac.Entity_Key = RTRIM(a.PROSPID)%s'|'%s"
             "RTRIM(CAST(a.Contact_ID AS varchar(40))) AND ac.Component = ? AND "
             "ac.Resolved_On IS NULL)) OR "
             "t.MODIFDT >= ? OR EXISTS (SELECT 1 FROM spProspectContact a WHERE "
             "a.PROSPID = t.PROSPID AND a.DEX_ROW_TS >= ?)",
             cat, cat);
    return buf;
}

int sp_comp_prospect_updates(sp_run_ctx *ctx, sp_err *e)
{
    const sp_job_updates_export *u = &ctx->comp->u.updates;
    int64_t now = sp_clock_wall_ms();
    int64_t today = now - now % 86400000LL;
    int64_t times[2] = {today - (int64_t)u->range_days * 86400000LL,
                        now - (int64_t)u->range_days * 86400000LL};
    const char *texts[4] = {ctx->hub, ctx->comp->name, ctx->hub, ctx->comp->name};
    char where[1536];
    sp_export_level child;
    sp_export_spec spec;
    sp_hooks *hooks = NULL;
    int rc;

    memset(&child, 0, sizeof(child));
    child.entity = SP_ENTITY_PROSPECT_CONTACT;
    child.link_type = SP_LINK_PROSPECT_CONTACT;
    child.mapping = u->contact_mapping;
    child.from = sp_export_from(SP_ENTITY_PROSPECT_CONTACT, NULL);
    child.keys[0] = "PROSPID";
    child.keys[1] = "Contact_ID";
    child.nkeys = 2;
    child.links = SP_EXPORT_LINKED;
    child.send = 1;

    memset(&spec, 0, sizeof(spec));
    spec.parent.entity = SP_ENTITY_PROSPECT;
    spec.parent.link_type = SP_LINK_PROSPECT;
    spec.parent.mapping = u->company_mapping;
    spec.parent.from = sp_export_from(SP_ENTITY_PROSPECT, NULL);
    spec.parent.keys[0] = "PROSPID";
    spec.parent.nkeys = 1;
    spec.parent.links = SP_EXPORT_LINKED;
    spec.parent.send = 1;
    if (ctx->key == NULL) {
        spec.parent.where = updates_where(sp_db_dialect(ctx->db), where, sizeof(where));
        spec.parent.where_texts = texts;
        spec.parent.nwhere_texts = 4;
        spec.parent.where_times = times;
        spec.parent.nwhere_times = 2;
    }
    spec.child = u->contact_mapping != NULL ? &child : NULL;
    spec.per_page = u->per_page > 0 ? u->per_page : 100;
    spec.parent.pre_hook = u->pre_company_update;
    spec.parent.post_hook = u->post_company_update;
    child.pre_hook = u->pre_contact_update;
    child.post_hook = u->post_contact_update;
    if (sp_hooks_open(ctx, &hooks, e) != 0)
        return -1;
    spec.hooks = hooks;
    rc = sp_export_run(ctx, &spec, e);
    sp_hooks_close(hooks);
    return rc;
}
