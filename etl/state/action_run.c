/* action_run.c -- the Action Center rows one run wrote (the e-mail on error). */
#include "spetl/state.h"

#include <stdio.h>
#include <string.h>

int sp_action_list_run(sp_db *db, const char *hub, const char *run_id, int limit,
                       int (*fn)(const sp_action *a, void *ctx), void *ctx, sp_err *e)
{
    static const char rest[] =
        "Error_ID, Component, Entity_Type, Entity_Key, Category, Message, HTTP_Status,"
        " Correlation_ID, Created_On FROM spAAActionCenter WHERE Hub_ID = ? AND Run_ID = ?"
        " ORDER BY Created_On, Error_ID";
    sp_stmt *st = NULL;
    sp_buf sql;
    sp_action a;
    int64_t status;
    int rc = -1, got;

    sp_buf_init(&sql, 1024);
    if (sp_db_sql_select_limit(db, &sql, rest, limit, e) != 0 ||
        sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0 ||
        sp_stmt_set_text_max(st, "Message", sizeof(a.message) - 1, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, run_id, e) != 0 ||
        sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((got = sp_stmt_fetch(st, e)) == 1) {
        memset(&a, 0, sizeof(a));
        if (sp_stmt_int(st, 0, &a.error_id, e) < 0 || sp_stmt_int(st, 6, &status, e) < 0 ||
            sp_stmt_time(st, 8, &a.created_on, e) < 0)
            goto done;
        a.http_status = (int)status;
        snprintf(a.hub, sizeof(a.hub), "%s", hub);
        snprintf(a.run_id, sizeof(a.run_id), "%s", run_id);
#define TXT(field, col) snprintf(a.field, sizeof(a.field), "%s", sp_stmt_text(st, col) ? sp_stmt_text(st, col) : "")
        TXT(component, 1);
        TXT(entity_type, 2);
        TXT(entity_key, 3);
        TXT(category, 4);
        TXT(message, 5);
        TXT(correlation_id, 7);
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
