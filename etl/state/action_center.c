/* action_center.c -- spAAActionCenter: one row per record that failed. */
#include "spetl/state.h"

#include <stdio.h>
#include <string.h>

#include "spetl/clock.h"

int sp_action_add(sp_db *db, const char *hub, const sp_action *a, sp_err *e)
{
    sp_stmt *st = NULL;
    int64_t now = sp_clock_wall_ms();
    int rc = -1;

    /* A record that fails again supersedes its earlier row: `spetl errors`
     * shows each failing record once, with its latest reason. */
    if (a->entity_key[0] != '\0') {
        if (sp_stmt_prepare(db,
                            "UPDATE spAAActionCenter SET Resolved_On = ? WHERE Hub_ID = ?"
                            " AND Component = ? AND Entity_Type = ? AND Entity_Key = ?"
                            " AND Resolved_On IS NULL",
                            &st, e) != 0 ||
            sp_stmt_bind_time(st, 1, now, e) != 0 || sp_stmt_bind_text(st, 2, hub, e) != 0 ||
            sp_stmt_bind_text(st, 3, a->component, e) != 0 ||
            sp_stmt_bind_text(st, 4, a->entity_type, e) != 0 ||
            sp_stmt_bind_text(st, 5, a->entity_key, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
            goto done;
        sp_stmt_free(st);
        st = NULL;
    }
    if (sp_stmt_prepare(db,
                        "INSERT INTO spAAActionCenter (Run_ID, Hub_ID, Component, Entity_Type,"
                        " Entity_Key, Category, Message, HTTP_Status, Correlation_ID, Created_On)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, a->run_id, e) != 0 || sp_stmt_bind_text(st, 2, hub, e) != 0 ||
        sp_stmt_bind_text(st, 3, a->component, e) != 0 ||
        sp_stmt_bind_text(st, 4, a->entity_type, e) != 0 ||
        sp_stmt_bind_text(st, 5, a->entity_key, e) != 0 ||
        sp_stmt_bind_text(st, 6, a->category, e) != 0 ||
        sp_stmt_bind_text(st, 7, a->message, e) != 0 ||
        sp_stmt_bind_int(st, 8, a->http_status, e) != 0 ||
        sp_stmt_bind_text(st, 9, a->correlation_id, e) != 0 ||
        sp_stmt_bind_time(st, 10, a->created_on > 0 ? a->created_on : now, e) != 0 ||
        sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "writing an Action Center row for %s %s", a->entity_type, a->entity_key);
    return rc;
}

int sp_action_list(sp_db *db, const char *hub, int limit,
                   int (*fn)(const sp_action *a, void *ctx), void *ctx, sp_err *e)
{
    sp_stmt *st = NULL;
    sp_buf sql;
    sp_action a;
    int64_t status;
    int rc = -1, got;

    sp_buf_init(&sql, 2048);
    if (sp_db_sql_select_limit(db, &sql,
                               hub != NULL
                                   ? "Error_ID, Run_ID, Component, Entity_Type, Entity_Key, Category,"
                                     " Message, HTTP_Status, Correlation_ID, Created_On, Hub_ID"
                                     " FROM spAAActionCenter WHERE Hub_ID = ? AND Resolved_On IS NULL"
                                     " ORDER BY Created_On DESC, Error_ID DESC"
                                   : "Error_ID, Run_ID, Component, Entity_Type, Entity_Key, Category,"
                                     " Message, HTTP_Status, Correlation_ID, Created_On, Hub_ID"
                                     " FROM spAAActionCenter WHERE Resolved_On IS NULL"
                                     " ORDER BY Created_On DESC, Error_ID DESC",
                               limit, e) != 0 ||
        sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0 ||
        sp_stmt_set_text_max(st, "Message", sizeof(a.message) - 1, e) != 0 ||
        (hub != NULL && sp_stmt_bind_text(st, 1, hub, e) != 0) || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((got = sp_stmt_fetch(st, e)) == 1) {
        memset(&a, 0, sizeof(a));
        if (sp_stmt_int(st, 0, &a.error_id, e) < 0 || sp_stmt_int(st, 7, &status, e) < 0 ||
            sp_stmt_time(st, 9, &a.created_on, e) < 0)
            goto done;
        a.http_status = (int)status;
#define TXT(field, col) snprintf(a.field, sizeof(a.field), "%s", sp_stmt_text(st, col) ? sp_stmt_text(st, col) : "")
        TXT(run_id, 1);
        TXT(component, 2);
        TXT(entity_type, 3);
        TXT(entity_key, 4);
        TXT(category, 5);
        TXT(message, 6);
        TXT(correlation_id, 8);
        TXT(hub, 10);
#undef TXT
        if (fn(&a, ctx) != 0) {
            sp_stmt_close_cursor(st);
            break;
        }
    }
    if (got < 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    sp_buf_free(&sql);
    return rc;
}

int sp_action_resolve(sp_db *db, const char *hub, const char *entity_type,
                      const char *entity_key, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    if (sp_stmt_prepare(db,
                        "UPDATE spAAActionCenter SET Resolved_On = ? WHERE Hub_ID = ?"
                        " AND Entity_Type = ? AND Entity_Key = ? AND Resolved_On IS NULL",
                        &st, e) != 0 ||
        sp_stmt_bind_time(st, 1, sp_clock_wall_ms(), e) != 0 ||
        sp_stmt_bind_text(st, 2, hub, e) != 0 || sp_stmt_bind_text(st, 3, entity_type, e) != 0 ||
        sp_stmt_bind_text(st, 4, entity_key, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}
