/* customer-updates-export: linked customers changed within range-days
 * (RM00101.DEX_ROW_TS, one of their addresses' RM00102.DEX_ROW_TS, or one of
 * their e-mails' SY01200.DEX_ROW_TS -- GP's zDT_SY01200U trigger does not
 * touch RM00101 -- all UTC)
 * update their companies by id; their linked addresses update their
 * contacts. A record whose mapped payload has the hash last sent sends
 * nothing. A link whose HubSpot record is gone is reported and re-resolved
 * by upsert on the key property (the engine does it). With --key the range
 * is ignored: that customer is compared and sent when it changed.
 *
 * A customer or address with an open Action Center row of this component
 * (an update that failed) is read too, however long ago it changed: the
 * failed update is tried again every run until it goes through (its row
 * resolves) or is resolved by hand. */
#include "spetl/components.h"

#include <stdio.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/export.h"

/* The range condition, after the open Action Center rows' (texts first:
 * hub, component, hub, component; then the three times). Each branch is an
 * index seek per customer (keys compared as stored, no function on an
 * indexed column): spAAActionCenter by (Hub_ID, Entity_Type, Entity_Key),
 * RM00102 and SY01200 by their primary keys. SQL Server and PostgreSQL
 * compare char(31) Master_ID with char(15) CUSTNMBR ignoring trailing spaces;
 * SQLite keeps the padding as data, so there Master_ID is sought as a range
 * (the trimmed key followed by nothing but spaces) and then compared
 * trimmed. A RTRIM on Master_ID alone made this a scan of SY01200 per
 * customer (minutes at 100,000 customers). An address's open row is looked
 * up from the address (a nested EXISTS: joined, SQLite read every open
 * address row of the hub for each customer). */
#define UPD_AC                                                                                     \
    "EXISTS (SELECT 1 FROM spAAActionCenter ac WHERE ac.Hub_ID = ? AND ac.Entity_Type = "           \
    "'CUSTOMER' AND ac.Entity_Key = RTRIM(t.CUSTNMBR) AND ac.Component = ? AND "                    \
    "ac.Resolved_On IS NULL) OR EXISTS (SELECT 1 FROM RM00102 a WHERE a.CUSTNMBR = t.CUSTNMBR "     \
    "AND EXISTS (SELECT 1 FROM spAAActionCenter ac WHERE ac.Hub_ID = ? AND ac.Entity_Type = "       \
    "'CUSTOMER_ADDRESS' AND ac.Entity_Key = RTRIM(a.CUSTNMBR)%s'|'%sRTRIM(a.ADRSCODE) AND "         \
    "ac.Component = ? AND ac.Resolved_On IS NULL)) OR "                                             \
    "t.DEX_ROW_TS >= ? OR EXISTS (SELECT 1 FROM RM00102 a WHERE "                                   \
    "a.CUSTNMBR = t.CUSTNMBR AND a.DEX_ROW_TS >= ?) OR EXISTS (SELECT 1 "                           \
    "FROM SY01200 m WHERE m.Master_Type = 'CUS' AND "

/* The concatenation and the padding rule come from the dialect table. */
static const char *updates_where(sp_dialect d, char *buf, size_t n)
{
    const sp_dialect_sql *q = sp_dialect_sql_of(d);

    if (q->blank_padded)
        snprintf(buf, n, UPD_AC "m.Master_ID = t.CUSTNMBR AND m.DEX_ROW_TS >= ?)", q->concat,
                 q->concat);
    else
        snprintf(buf, n, UPD_AC "m.Master_ID >= RTRIM(t.CUSTNMBR) AND m.Master_ID < "
                 "RTRIM(t.CUSTNMBR)%s'!' AND RTRIM(m.Master_ID) = RTRIM(t.CUSTNMBR) AND "
                 "m.DEX_ROW_TS >= ?)", q->concat, q->concat, q->concat);
    return buf;
}

int sp_comp_customer_updates(sp_run_ctx *ctx, sp_err *e)
{
    static const sp_updates_kind kind = {SP_ENTITY_CUSTOMER, SP_ENTITY_CUSTOMER_ADDRESS, SP_LINK_CUSTOMER,
                                         SP_LINK_CUSTOMER_ADDRESS, "CUSTNMBR", "ADRSCODE"};
    const sp_job_updates_export *u = &ctx->comp->u.updates;
    int64_t since = sp_clock_wall_ms() - (int64_t)u->range_days * 86400000LL;
    int64_t times[3] = {since, since, since};
    const char *texts[4] = {ctx->hub, ctx->comp->name, ctx->hub, ctx->comp->name};
    int64_t adopted = 0;
    char where[2048];

    const char *cond = ctx->key == NULL ? updates_where(sp_db_dialect(ctx->db), where, sizeof(where)) : NULL;

    if (sp_export_adopt_prospects(ctx, &adopted, e) != 0)
        return -1;
    return sp_updates_run(ctx, &kind, cond, texts, 4, times, 3, e);
}
