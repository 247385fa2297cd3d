/* component_state.c -- spAAComponentState: an import's minimum dates. */
#include "spetl/state.h"

#include <stdio.h>

#include "spetl/clock.h"

int sp_state_get(sp_db *db, const char *hub, const char *component, int64_t *min_create,
                 int64_t *min_modified, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1, got;

    *min_create = 0;
    *min_modified = 0;
    if (sp_stmt_prepare(db,
                        "SELECT Minimum_Create_Date, Minimum_Modified_Date FROM spAAComponentState"
                        " WHERE Hub_ID = ? AND Component = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, component, e) != 0 ||
        sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    got = sp_stmt_fetch(st, e);
    if (got < 0)
        goto done;
    if (got == 1 && (sp_stmt_time(st, 0, min_create, e) < 0 ||
                     sp_stmt_time(st, 1, min_modified, e) < 0))
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "reading the state of %s", component);
    return rc;
}

int sp_state_put(sp_db *db, const char *hub, const char *component, int64_t min_create,
                 int64_t min_modified, sp_err *e)
{
    static const char *const keys[] = {"Hub_ID", "Component"};
    static const char *const cols[] = {"Minimum_Create_Date", "Minimum_Modified_Date",
                                       "Updated_On"};
    sp_buf sql;
    sp_stmt *st = NULL;
    int rc = -1;

    sp_buf_init(&sql, 4096);
    if (sp_db_sql_upsert(db, &sql, "spAAComponentState", keys, 2, cols, 3, e) != 0 ||
        sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, component, e) != 0 ||
        (min_create > 0 ? sp_stmt_bind_time(st, 3, min_create, e)
                        : sp_stmt_bind_null(st, 3, SP_TYPE_TIME, e)) != 0 ||
        (min_modified > 0 ? sp_stmt_bind_time(st, 4, min_modified, e)
                          : sp_stmt_bind_null(st, 4, SP_TYPE_TIME, e)) != 0 ||
        sp_stmt_bind_time(st, 5, sp_clock_wall_ms(), e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    sp_buf_free(&sql);
    if (rc != 0)
        sp_err_prefix(e, "saving the state of %s", component);
    return rc;
}
