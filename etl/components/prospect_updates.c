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
    static const sp_updates_kind kind = {SP_ENTITY_PROSPECT, SP_ENTITY_PROSPECT_CONTACT, SP_LINK_PROSPECT,
                                         SP_LINK_PROSPECT_CONTACT, "PROSPID", "Contact_ID"};
    const sp_job_updates_export *u = &ctx->comp->u.updates;
    int64_t now = sp_clock_wall_ms();
    int64_t today = now - now % 86400000LL;
    int64_t times[2] = {today - (int64_t)u->range_days * 86400000LL,
                        now - (int64_t)u->range_days * 86400000LL};
    const char *texts[4] = {ctx->hub, ctx->comp->name, ctx->hub, ctx->comp->name};
    char where[1536];
    const char *cond = ctx->key == NULL ? updates_where(sp_db_dialect(ctx->db), where, sizeof(where)) : NULL;

    return sp_updates_run(ctx, &kind, cond, texts, 4, times, 2, e);
}
