/* link_many.c -- the links of a page of HubSpot records in one query per 400
 * ids (company-link checks a page at once, not one query per record). */
#include "spetl/state.h"

#include <stdio.h>
#include <string.h>

#include "spetl/buf.h"

enum { MANY_CHUNK = 400 };

static int chunk(sp_db *db, const char *hub, const char *hs_object, const char *const *ids, size_t n,
                 int (*fn)(const sp_link *l, void *ud), void *ud, sp_err *e)
{
    sp_buf sql;
    sp_stmt *st = NULL;
    int rc = -1, got;

    sp_buf_init(&sql, 8192);
    if (sp_buf_puts(&sql, "SELECT Entity_Type, Entity_Key, HubSpot_ID FROM spAAIntegratedEntityLink"
                          " WHERE Hub_ID = ? AND HubSpot_Object_Type = ? AND HubSpot_ID IN (", e) != 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (sp_buf_puts(&sql, i > 0 ? ", ?" : "?", e) != 0)
            goto done;
    if (sp_buf_puts(&sql, ")", e) != 0 || sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, hs_object, e) != 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (sp_stmt_bind_text(st, 3 + (int)i, ids[i], e) != 0)
            goto done;
    if (sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((got = sp_stmt_fetch(st, e)) == 1) {
        sp_link l;
        memset(&l, 0, sizeof(l));
        snprintf(l.entity_type, sizeof(l.entity_type), "%s", sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "");
        snprintf(l.entity_key, sizeof(l.entity_key), "%s", sp_stmt_text(st, 1) ? sp_stmt_text(st, 1) : "");
        snprintf(l.hs_object, sizeof(l.hs_object), "%s", hs_object);
        snprintf(l.hs_id, sizeof(l.hs_id), "%s", sp_stmt_text(st, 2) ? sp_stmt_text(st, 2) : "");
        if (fn(&l, ud) != 0) {
            sp_stmt_close_cursor(st);
            got = 0;
            break;
        }
    }
    rc = got < 0 ? -1 : 0;
done:
    sp_stmt_free(st);
    sp_buf_free(&sql);
    return rc;
}

int sp_link_find_hs_many(sp_db *db, const char *hub, const char *hs_object, const char *const *ids, size_t n,
                         int (*fn)(const sp_link *l, void *ud), void *ud, sp_err *e)
{
    for (size_t lo = 0; lo < n; lo += MANY_CHUNK)
        if (chunk(db, hub, hs_object, ids + lo, n - lo < MANY_CHUNK ? n - lo : MANY_CHUNK, fn, ud, e) != 0) {
            sp_err_prefix(e, "reading the links of %zu HubSpot %s", n, hs_object);
            return -1;
        }
    return 0;
}
