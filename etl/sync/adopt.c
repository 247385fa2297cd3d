/* adopt.c -- a prospect converted to a customer keeps its links (export.h,
 * sp_export_adopt_prospects).
 *
 * A prospect is converted when its PROSPID is now a CUSTNMBR in RM00101 and
 * the customer has no link of its own. Its PROSPECT link becomes the
 * CUSTOMER link, and each of its PROSPECT_CONTACT links ("PROSPID|ID")
 * becomes the CUSTOMER_ADDRESS link of one address of the customer:
 *   1. the address whose ADRSCODE is the contact's ID (trimmed, case
 *      ignored), when there is one (contact keys carried over as they are);
 *   2. otherwise the one address whose e-mail (SY01200 INET1) is the prospect
 *      contact's e-mail (spProspectContact.Email, trimmed, case ignored);
 *      several such addresses, or none, or a prospect contact row that is
 *      gone: the link stays as it is and is logged.
 * An address already linked, or taken by an earlier contact of the same
 * prospect, is not taken twice. Each moved link's payload hash is cleared so
 * the next update sends the record whole. All of one run's moves are written
 * in one transaction: a crash leaves either the prospect's links or the
 * customer's. The reads come first, outside it (the run lock keeps the links
 * still). */
#include "spetl/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/state.h"

typedef struct ad_move {
    char from[96];             /* PROSPID|Contact_ID */
    char to[96];               /* CUSTNMBR|ADRSCODE */
} ad_move;

typedef struct ad_plan {
    sp_arena *arena;
    char **prospects;          /* converted PROSPIDs */
    size_t nprospects, capprospects;
    ad_move *moves;
    size_t nmoves, capmoves;
} ad_plan;

typedef struct ad_row {
    char code[32];             /* ADRSCODE or Contact_ID, trimmed */
    char email[256];           /* trimmed; "" none */
    int taken;
} ad_row;

typedef struct ad_rows {
    ad_row *v;
    size_t n, cap;
} ad_rows;

static const char CONVERTED_SQL[] =
    "SELECT p.Entity_Key FROM spAAIntegratedEntityLink p WHERE p.Hub_ID = ? AND p.Entity_Type = 'PROSPECT' "
    "AND EXISTS (SELECT 1 FROM RM00101 c WHERE RTRIM(c.CUSTNMBR) = p.Entity_Key) "
    "AND NOT EXISTS (SELECT 1 FROM spAAIntegratedEntityLink o WHERE o.Hub_ID = ? "
    "AND o.Entity_Type = 'CUSTOMER' AND o.Entity_Key = p.Entity_Key) ORDER BY p.Entity_Key";

/* The customer's addresses with their e-mails; SQLite keeps CHAR padding as
 * data (a range on the key, trimmed comparisons in the e-mail join). */
static const char ADDR_SQLITE[] =
    "SELECT RTRIM(t.ADRSCODE), RTRIM(i.INET1) FROM RM00102 t LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' "
    "AND i.Master_ID >= RTRIM(t.CUSTNMBR) AND i.Master_ID < RTRIM(t.CUSTNMBR) || '!' "
    "AND RTRIM(i.Master_ID) = RTRIM(t.CUSTNMBR) AND RTRIM(i.ADRSCODE) = RTRIM(t.ADRSCODE) "
    "WHERE t.CUSTNMBR >= ? AND t.CUSTNMBR <= ? ORDER BY t.ADRSCODE";
static const char ADDR_SQL[] =
    "SELECT RTRIM(t.ADRSCODE), RTRIM(i.INET1) FROM RM00102 t LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' "
    "AND i.Master_ID = t.CUSTNMBR AND i.ADRSCODE = t.ADRSCODE WHERE t.CUSTNMBR = ? ORDER BY t.ADRSCODE";
static const char PCON_SQLITE[] =
    "SELECT Contact_ID, RTRIM(Email) FROM spProspectContact WHERE PROSPID >= ? AND PROSPID <= ?";
static const char PCON_SQL[] = "SELECT Contact_ID, RTRIM(Email) FROM spProspectContact WHERE PROSPID = ?";

static void trimmed(char *dst, size_t n, const char *s)
{
    size_t len;

    while (s != NULL && *s == ' ')
        s++;
    snprintf(dst, n, "%s", s != NULL ? s : "");
    len = strlen(dst);
    while (len > 0 && dst[len - 1] == ' ')
        dst[--len] = '\0';
}

/* The rows of sql for key (code, e-mail), into out (emptied first). */
static int read_rows(sp_db *db, int sqlite, const char *sql, const char *key, ad_rows *out, sp_err *e)
{
    char padded[160];
    sp_stmt *st = NULL;
    int rc = -1, f;

    out->n = 0;
    snprintf(padded, sizeof(padded), "%-128s", key);
    if (sp_stmt_prepare(db, sql, &st, e) != 0 || sp_stmt_bind_text(st, 1, key, e) != 0 ||
        (sqlite && sp_stmt_bind_text(st, 2, padded, e) != 0) || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1) {
        out->v = sp_xgrow(out->v, out->n, &out->cap, sizeof(*out->v), 16);
        memset(&out->v[out->n], 0, sizeof(out->v[0]));
        trimmed(out->v[out->n].code, sizeof(out->v[0].code), sp_stmt_text(st, 0));
        trimmed(out->v[out->n].email, sizeof(out->v[0].email), sp_stmt_text(st, 1));
        out->n++;
    }
    rc = f == 0 ? 0 : -1;
done:
    sp_stmt_free(st);
    return rc;
}

static int read_converted(sp_db *db, const char *hub, ad_plan *p, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1, f;

    if (sp_stmt_prepare(db, CONVERTED_SQL, &st, e) != 0 || sp_stmt_bind_text(st, 1, hub, e) != 0 ||
        sp_stmt_bind_text(st, 2, hub, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1) {
        p->prospects = sp_xgrow(p->prospects, p->nprospects, &p->capprospects, sizeof(*p->prospects), 16);
        p->prospects[p->nprospects++] = sp_arena_strdup(p->arena, sp_stmt_text(st, 0));
    }
    rc = f == 0 ? 0 : -1;
done:
    sp_stmt_free(st);
    return rc;
}

typedef struct ad_contacts {
    sp_link *v;
    size_t n, cap;
} ad_contacts;

static int collect_contact(const char *hub, const sp_link *l, void *ud)
{
    ad_contacts *c = ud;

    (void)hub;
    c->v = sp_xgrow(c->v, c->n, &c->cap, sizeof(*c->v), 16);
    c->v[c->n++] = *l;
    return 0;
}

/* The address a prospect contact (id, its e-mail) becomes; NULL: none. */
static ad_row *address_for(ad_rows *addrs, const char *id, const char *email)
{
    ad_row *by_mail = NULL;
    size_t nmail = 0;

    for (size_t i = 0; i < addrs->n; i++)
        if (!addrs->v[i].taken && strcasecmp(addrs->v[i].code, id) == 0)
            return &addrs->v[i];
    for (size_t i = 0; email[0] != '\0' && i < addrs->n; i++)
        if (strcasecmp(addrs->v[i].email, email) == 0) {
            by_mail = &addrs->v[i];
            nmail++;
        }
    return nmail == 1 && !by_mail->taken ? by_mail : NULL;
}

static void add_move(ad_plan *p, const char *from, const char *to)
{
    p->moves = sp_xgrow(p->moves, p->nmoves, &p->capmoves, sizeof(*p->moves), 16);
    snprintf(p->moves[p->nmoves].from, sizeof(p->moves[0].from), "%s", from);
    snprintf(p->moves[p->nmoves].to, sizeof(p->moves[0].to), "%s", to);
    p->nmoves++;
}

/* The moves of one converted prospect's contact links. */
static int plan_contacts(sp_run_ctx *ctx, ad_plan *p, const char *pid, ad_rows *addrs, ad_rows *pcons,
                         sp_err *e)
{
    int sqlite = sp_db_dialect(ctx->db) == SP_DIALECT_SQLITE;
    char prefix[112], to[112];
    sp_link_sel sel;
    ad_contacts links = {0};
    int rc = -1;

    snprintf(prefix, sizeof(prefix), "%s|", pid);
    memset(&sel, 0, sizeof(sel));
    sel.hub = ctx->hub;
    sel.entity_type = SP_LINK_PROSPECT_CONTACT;
    sel.key_prefix = prefix;
    if (sp_link_list(ctx->db, &sel, 0, collect_contact, &links, e) != 0)
        goto done;
    if (links.n == 0 || read_rows(ctx->db, sqlite, sqlite ? ADDR_SQLITE : ADDR_SQL, pid, addrs, e) != 0 ||
        read_rows(ctx->db, sqlite, sqlite ? PCON_SQLITE : PCON_SQL, pid, pcons, e) != 0)
        goto out;
    for (size_t i = 0; i < links.n; i++) {
        const char *id = links.v[i].entity_key + strlen(prefix);
        const char *email = "";
        ad_row *a;
        int found = 0;
        sp_link have;

        for (size_t k = 0; k < pcons->n; k++)
            if (strcmp(pcons->v[k].code, id) == 0)
                email = pcons->v[k].email;
        a = address_for(addrs, id, email);
        if (a != NULL) {
            snprintf(to, sizeof(to), "%s|%s", pid, a->code);
            if (sp_link_get(ctx->db, ctx->hub, SP_LINK_CUSTOMER_ADDRESS, to, &have, &found, e) != 0)
                goto done;
        }
        if (a == NULL || found) {
            SP_INFO(ctx->comp->name, "converted prospect %s: its contact %s (HubSpot contact %s) has no address "
                    "of customer %s to go to (%s): its link is kept as it is", pid, links.v[i].entity_key,
                    links.v[i].hs_id, pid, a == NULL ? "no address with its ID or its e-mail" : "already linked");
            continue;
        }
        a->taken = 1;
        add_move(p, links.v[i].entity_key, to);
    }
out:
    rc = 0;
done:
    free(links.v);
    return rc;
}

static int exec_move(sp_db *db, const char *sql, const char *a, const char *hub, const char *b, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    if (sp_stmt_prepare(db, sql, &st, e) == 0 && sp_stmt_bind_text(st, 1, a, e) == 0 &&
        sp_stmt_bind_text(st, 2, hub, e) == 0 && (b == NULL || sp_stmt_bind_text(st, 3, b, e) == 0) &&
        sp_stmt_exec(st, NULL, e) == 0)
        rc = 0;
    sp_stmt_free(st);
    return rc;
}

/* The plan, in one transaction. */
static int write_plan(sp_run_ctx *ctx, const ad_plan *p, sp_err *e)
{
    if (sp_db_begin(ctx->db, e) != 0)
        return -1;
    for (size_t i = 0; i < p->nmoves; i++)
        if (exec_move(ctx->db, "UPDATE spAAIntegratedEntityLink SET Entity_Type = 'CUSTOMER_ADDRESS', "
                               "Entity_Key = ?, Payload_Hash = NULL WHERE Hub_ID = ? AND "
                               "Entity_Type = 'PROSPECT_CONTACT' AND Entity_Key = ?",
                      p->moves[i].to, ctx->hub, p->moves[i].from, e) != 0)
            goto fail;
    for (size_t i = 0; i < p->nprospects; i++)
        if (exec_move(ctx->db, "UPDATE spAAIntegratedEntityLink SET Entity_Type = 'CUSTOMER', Payload_Hash = NULL "
                               "WHERE Entity_Key = ? AND Hub_ID = ? AND Entity_Type = 'PROSPECT'",
                      p->prospects[i], ctx->hub, NULL, e) != 0)
            goto fail;
    return sp_db_commit(ctx->db, e);
fail:
    sp_db_rollback(ctx->db, NULL);
    return -1;
}

int sp_export_adopt_prospects(sp_run_ctx *ctx, int64_t *adopted, sp_err *e)
{
    ad_plan p;
    ad_rows addrs = {0}, pcons = {0};
    int rc = -1;

    *adopted = 0;
    if (ctx->dry_run)
        return 0;
    memset(&p, 0, sizeof(p));
    p.arena = sp_arena_new(0);
    if (read_converted(ctx->db, ctx->hub, &p, e) != 0)
        goto done;
    for (size_t i = 0; i < p.nprospects; i++)
        if (plan_contacts(ctx, &p, p.prospects[i], &addrs, &pcons, e) != 0)
            goto done;
    if (p.nprospects > 0 && write_plan(ctx, &p, e) != 0)
        goto done;
    *adopted = (int64_t)p.nprospects;
    if (*adopted > 0)
        SP_INFO(ctx->comp->name, "%lld prospect link%s taken over by %s customer%s (converted prospects), with "
                "%zu contact link%s", (long long)*adopted, *adopted == 1 ? "" : "s", *adopted == 1 ? "its" : "their",
                *adopted == 1 ? "" : "s", p.nmoves, p.nmoves == 1 ? "" : "s");
    rc = 0;
done:
    free(p.prospects);
    free(p.moves);
    free(addrs.v);
    free(pcons.v);
    sp_arena_free(p.arena);
    if (rc != 0)
        sp_err_prefix(e, "taking over the links of converted prospects");
    return rc;
}
