/* links.c -- spAAIntegratedEntityLink: SalesPad entity <-> HubSpot object. */
#include "spetl/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/mem.h"

#define LINK_COLS \
    "Entity_Type, Entity_Key, HubSpot_Object_Type, HubSpot_ID, Payload_Hash, Created_On, " \
    "Last_Exported_On"

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src != NULL ? src : "");
}

/* Run a prepared single-row link query; fill *out when a row comes back. */
static int fetch_link(sp_stmt *st, sp_link *out, int *found, sp_err *e)
{
    int rc = sp_stmt_exec(st, NULL, e);
    int got;

    *found = 0;
    if (rc != 0)
        return -1;
    got = sp_stmt_fetch(st, e);
    if (got < 0)
        return -1;
    if (got == 0)
        return 0;
    memset(out, 0, sizeof(*out));
    copy(out->entity_type, sizeof(out->entity_type), sp_stmt_text(st, 0));
    copy(out->entity_key, sizeof(out->entity_key), sp_stmt_text(st, 1));
    copy(out->hs_object, sizeof(out->hs_object), sp_stmt_text(st, 2));
    copy(out->hs_id, sizeof(out->hs_id), sp_stmt_text(st, 3));
    copy(out->payload_hash, sizeof(out->payload_hash), sp_stmt_text(st, 4));
    if (sp_stmt_time(st, 5, &out->created_on, e) < 0 ||
        sp_stmt_time(st, 6, &out->last_exported_on, e) < 0)
        return -1;
    sp_stmt_close_cursor(st);
    *found = 1;
    return 0;
}

int sp_link_get(sp_db *db, const char *hub, const char *entity_type, const char *entity_key,
                sp_link *out, int *found, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    if (sp_stmt_prepare(db,
                        "SELECT " LINK_COLS " FROM spAAIntegratedEntityLink"
                        " WHERE Hub_ID = ? AND Entity_Type = ? AND Entity_Key = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, entity_type, e) != 0 ||
        sp_stmt_bind_text(st, 3, entity_key, e) != 0)
        goto done;
    rc = fetch_link(st, out, found, e);
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "reading the link of %s %s", entity_type, entity_key);
    return rc;
}

int sp_link_get_by_hs(sp_db *db, const char *hub, const char *hs_object, const char *hs_id,
                      sp_link *out, int *found, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    if (sp_stmt_prepare(db,
                        "SELECT " LINK_COLS " FROM spAAIntegratedEntityLink"
                        " WHERE Hub_ID = ? AND HubSpot_Object_Type = ? AND HubSpot_ID = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, hs_object, e) != 0 ||
        sp_stmt_bind_text(st, 3, hs_id, e) != 0)
        goto done;
    rc = fetch_link(st, out, found, e);
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "reading the link of HubSpot %s %s", hs_object, hs_id);
    return rc;
}

struct sp_link_writer {
    sp_stmt *st;
};

int sp_link_writer_open(sp_db *db, sp_link_writer **out, sp_err *e)
{
    static const char *const keys[] = {"Hub_ID", "Entity_Type", "Entity_Key"};
    static const char *const cols[] = {"HubSpot_Object_Type", "HubSpot_ID", "Payload_Hash",
                                       "Last_Exported_On", "Modified_On"};
    sp_buf sql;
    sp_stmt *st = NULL;
    int rc = -1;

    *out = NULL;
    sp_buf_init(&sql, 4096);
    if (sp_db_sql_upsert(db, &sql, "spAAIntegratedEntityLink", keys, 3, cols, 5, e) != 0 ||
        sp_stmt_prepare_kept(db, sp_buf_str(&sql), &st, e) != 0)   /* a write per record */
        goto done;
    *out = sp_xcalloc(1, sizeof(**out));
    (*out)->st = st;
    rc = 0;
done:
    sp_buf_free(&sql);
    return rc;
}

int sp_link_writer_put(sp_link_writer *w, const char *hub, const sp_link *link, sp_err *e)
{
    int64_t now = sp_clock_wall_ms();

    if (sp_stmt_bind_text(w->st, 1, hub, e) != 0 ||
        sp_stmt_bind_text(w->st, 2, link->entity_type, e) != 0 ||
        sp_stmt_bind_text(w->st, 3, link->entity_key, e) != 0 ||
        sp_stmt_bind_text(w->st, 4, link->hs_object, e) != 0 ||
        sp_stmt_bind_text(w->st, 5, link->hs_id, e) != 0 ||
        sp_stmt_bind_text(w->st, 6, link->payload_hash, e) != 0 ||
        sp_stmt_bind_time(w->st, 7, now, e) != 0 || sp_stmt_bind_time(w->st, 8, now, e) != 0 ||
        sp_stmt_exec(w->st, NULL, e) != 0) {
        sp_err_prefix(e, "writing the link %s %s -> %s %s", link->entity_type, link->entity_key,
                      link->hs_object, link->hs_id);
        return -1;
    }
    return 0;
}

void sp_link_writer_free(sp_link_writer *w)
{
    if (w == NULL)
        return;
    sp_stmt_free(w->st);
    free(w);
}

/* Created_On is given, not left to its DEFAULT: on SQLite the default's
 * strftime() cost 4,600 instructions a row, more than a bound value. */
int sp_link_batch_open(sp_db *db, sp_batch **out, sp_err *e)
{
    static const sp_param_spec ps[] = {{SP_TYPE_TEXT, 20}, {SP_TYPE_TEXT, 20}, {SP_TYPE_TEXT, 200},
                                       {SP_TYPE_TEXT, 40}, {SP_TYPE_TEXT, 40}, {SP_TYPE_TEXT, 64},
                                       {SP_TYPE_TIME, 0},  {SP_TYPE_TIME, 0},  {SP_TYPE_TIME, 0}};

    if (sp_batch_open(db,
                      "INSERT INTO spAAIntegratedEntityLink (Hub_ID, Entity_Type, Entity_Key, HubSpot_Object_Type, "
                      "HubSpot_ID, Payload_Hash, Created_On, Last_Exported_On, Modified_On) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      ps, 9, 500, out, e) != 0)
        return -1;
    if (sp_batch_pack(*out, e) != 0) {
        sp_batch_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int sp_link_batch_add(sp_batch *b, const char *hub, const char *entity_type, const char *entity_key,
                      const char *hs_object, const char *hs_id, const char *hash, int64_t now, sp_err *e)
{
    if (sp_batch_text(b, 1, hub, e) != 0 || sp_batch_text(b, 2, entity_type, e) != 0 ||
        sp_batch_text(b, 3, entity_key, e) != 0 || sp_batch_text(b, 4, hs_object, e) != 0 ||
        sp_batch_text(b, 5, hs_id, e) != 0 || sp_batch_text(b, 6, hash, e) != 0 ||
        sp_batch_time(b, 7, now, e) != 0 || sp_batch_time(b, 8, now, e) != 0 || sp_batch_time(b, 9, now, e) != 0)
        return -1;
    return sp_batch_add(b, e) != 0 ? 1 : 0;
}

int sp_link_put(sp_db *db, const char *hub, const sp_link *link, sp_err *e)
{
    sp_link_writer *w = NULL;
    int rc = -1;

    if (sp_link_writer_open(db, &w, e) != 0) {
        sp_err_prefix(e, "writing the link %s %s -> %s %s", link->entity_type, link->entity_key,
                      link->hs_object, link->hs_id);
        return -1;
    }
    rc = sp_link_writer_put(w, hub, link, e);
    sp_link_writer_free(w);
    return rc;
}

int sp_link_delete(sp_db *db, const char *hub, const char *entity_type, const char *entity_key,
                   int64_t *deleted, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    *deleted = 0;
    if (sp_stmt_prepare(db,
                        "DELETE FROM spAAIntegratedEntityLink"
                        " WHERE Hub_ID = ? AND Entity_Type = ? AND Entity_Key = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, entity_type, e) != 0 ||
        sp_stmt_bind_text(st, 3, entity_key, e) != 0 || sp_stmt_exec(st, deleted, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

int sp_link_count(sp_db *db, const char *hub, const char *entity_type, int64_t *count, sp_err *e)
{
    sp_stmt *st = NULL;
    int all = entity_type == NULL || entity_type[0] == '\0';
    int rc = -1;

    *count = 0;
    if (sp_stmt_prepare(db,
                        all ? "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Hub_ID = ?"
                            : "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Hub_ID = ?"
                              " AND Entity_Type = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 ||
        (!all && sp_stmt_bind_text(st, 2, entity_type, e) != 0) || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    if (sp_stmt_fetch(st, e) != 1 || sp_stmt_int(st, 0, count, e) < 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

/* "a!%b" for LIKE ... ESCAPE '!': the prefix's own % _ ! match themselves. */
static char *like_prefix(const char *prefix)
{
    size_t n = strlen(prefix);
    char *out = sp_xmalloc(2 * n + 2), *o = out;

    for (const char *p = prefix; *p != '\0'; p++) {
        if (*p == '%' || *p == '_' || *p == '!')
            *o++ = '!';
        *o++ = *p;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

/* Append the WHERE clause of sel to sql; its values, in order, to vals. */
static int sel_where(const sp_link_sel *sel, sp_buf *sql, const char **vals, int *nvals,
                     char **owned, sp_err *e)
{
    static const char *const cols[] = {"Hub_ID", "Entity_Type", "Entity_Key", "HubSpot_Object_Type",
                                       "HubSpot_ID"};
    const char *v[] = {sel->hub, sel->entity_type, sel->entity_key, sel->hs_object, sel->hs_id};
    int first = 1;

    *nvals = 0;
    *owned = NULL;
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        if (v[i] == NULL)
            continue;
        if (sp_buf_printf(sql, e, "%s %s = ?", first ? " WHERE" : " AND", cols[i]) != 0)
            return -1;
        vals[(*nvals)++] = v[i];
        first = 0;
    }
    if (sel->key_prefix != NULL) {
        if (sp_buf_printf(sql, e, "%s Entity_Key LIKE ? ESCAPE '!'", first ? " WHERE" : " AND") != 0)
            return -1;
        *owned = like_prefix(sel->key_prefix);
        vals[(*nvals)++] = *owned;
        first = 0;
    }
    if (sel->after_type != NULL && sel->after_key != NULL) {
        if (sp_buf_printf(sql, e, "%s (Entity_Type > ? OR (Entity_Type = ? AND Entity_Key > ?))",
                          first ? " WHERE" : " AND") != 0)
            return -1;
        vals[(*nvals)++] = sel->after_type;
        vals[(*nvals)++] = sel->after_type;
        vals[(*nvals)++] = sel->after_key;
    }
    return 0;
}

int sp_link_list(sp_db *db, const sp_link_sel *sel, long limit,
                 int (*fn)(const char *hub, const sp_link *link, void *ctx), void *ctx,
                 sp_err *e)
{
    sp_buf rest, sql;
    sp_stmt *st = NULL;
    const char *vals[12];
    char *owned = NULL, hub[24];
    sp_link l;
    int nvals, got = 0, rc = -1;

    sp_buf_init(&rest, 4096);
    sp_buf_init(&sql, 4096);
    if (sp_buf_puts(&rest, LINK_COLS ", Hub_ID FROM spAAIntegratedEntityLink", e) != 0 ||
        sel_where(sel, &rest, vals, &nvals, &owned, e) != 0 ||
        sp_buf_puts(&rest, " ORDER BY Hub_ID, Entity_Type, Entity_Key", e) != 0)
        goto done;
    if (limit > 0 ? sp_db_sql_select_limit(db, &sql, sp_buf_str(&rest), limit, e) != 0
                  : sp_buf_printf(&sql, e, "SELECT %s", sp_buf_str(&rest)) != 0)
        goto done;
    if (sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0)
        goto done;
    for (int i = 0; i < nvals; i++)
        if (sp_stmt_bind_text(st, i + 1, vals[i], e) != 0)
            goto done;
    if (sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((got = sp_stmt_fetch(st, e)) == 1) {
        memset(&l, 0, sizeof(l));
        copy(l.entity_type, sizeof(l.entity_type), sp_stmt_text(st, 0));
        copy(l.entity_key, sizeof(l.entity_key), sp_stmt_text(st, 1));
        copy(l.hs_object, sizeof(l.hs_object), sp_stmt_text(st, 2));
        copy(l.hs_id, sizeof(l.hs_id), sp_stmt_text(st, 3));
        copy(l.payload_hash, sizeof(l.payload_hash), sp_stmt_text(st, 4));
        copy(hub, sizeof(hub), sp_stmt_text(st, 7));
        if (sp_stmt_time(st, 5, &l.created_on, e) < 0 ||
            sp_stmt_time(st, 6, &l.last_exported_on, e) < 0)
            goto done;
        if (fn(hub, &l, ctx) != 0) {
            sp_stmt_close_cursor(st);
            break;
        }
    }
    if (got < 0)
        goto done;
    rc = 0;
done:
    if (rc != 0)
        sp_err_prefix(e, "reading links");
    sp_stmt_free(st);
    free(owned);
    sp_buf_free(&rest);
    sp_buf_free(&sql);
    return rc;
}

int sp_link_repoint(sp_db *db, const char *hub, const char *hs_object, const char *old_id,
                    const char *new_id, int64_t *changed, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    *changed = 0;
    if (sp_stmt_prepare(db,
                        "UPDATE spAAIntegratedEntityLink SET HubSpot_ID = ?, Payload_Hash = '',"
                        " Modified_On = ? WHERE Hub_ID = ? AND HubSpot_Object_Type = ?"
                        " AND HubSpot_ID = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, new_id, e) != 0 ||
        sp_stmt_bind_time(st, 2, sp_clock_wall_ms(), e) != 0 ||
        sp_stmt_bind_text(st, 3, hub, e) != 0 || sp_stmt_bind_text(st, 4, hs_object, e) != 0 ||
        sp_stmt_bind_text(st, 5, old_id, e) != 0 || sp_stmt_exec(st, changed, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "re-pointing the link of HubSpot %s %s to %s", hs_object, old_id, new_id);
    return rc;
}
