/* action_center.c -- spAAActionCenter: one row per record that failed. */
#include "spetl/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mem.h"

struct sp_action_writer {
    sp_db *db;
    char *hub;
    sp_stmt *supersede;          /* prepared when first needed */
    sp_stmt *insert;
    sp_stmt *resolve;
};

int sp_action_writer_open(sp_db *db, const char *hub, sp_action_writer **out, sp_err *e)
{
    (void)e;
    *out = sp_xcalloc(1, sizeof(**out));
    (*out)->db = db;
    (*out)->hub = sp_xstrdup(hub);
    return 0;
}

void sp_action_writer_free(sp_action_writer *w)
{
    if (w == NULL)
        return;
    sp_stmt_free(w->supersede);
    sp_stmt_free(w->insert);
    sp_stmt_free(w->resolve);
    free(w->hub);
    free(w);
}

static int prepared(sp_action_writer *w, sp_stmt **st, const char *sql, sp_err *e)
{
    return *st != NULL ? 0 : sp_stmt_prepare(w->db, sql, st, e);
}

int sp_action_writer_add(sp_action_writer *w, const sp_action *a, int may_be_open, sp_err *e)
{
    int64_t now = sp_clock_wall_ms();
    char message[sizeof(a->message)];
    int rc = -1;

    snprintf(message, sizeof(message), "%s", a->message);
    sp_log_redact(message);   /* the Action Center is read by people: no secret in it */
    /* A record that fails again supersedes its earlier row: `spetl errors`
     * shows each failing record once, with its latest reason. */
    if (may_be_open && a->entity_key[0] != '\0' &&
        (prepared(w, &w->supersede,
                  "UPDATE spAAActionCenter SET Resolved_On = ? WHERE Hub_ID = ?"
                  " AND Component = ? AND Entity_Type = ? AND Entity_Key = ?"
                  " AND Resolved_On IS NULL",
                  e) != 0 ||
         sp_stmt_bind_time(w->supersede, 1, now, e) != 0 ||
         sp_stmt_bind_text(w->supersede, 2, w->hub, e) != 0 ||
         sp_stmt_bind_text(w->supersede, 3, a->component, e) != 0 ||
         sp_stmt_bind_text(w->supersede, 4, a->entity_type, e) != 0 ||
         sp_stmt_bind_text(w->supersede, 5, a->entity_key, e) != 0 ||
         sp_stmt_exec(w->supersede, NULL, e) != 0))
        goto done;
    if (prepared(w, &w->insert,
                 "INSERT INTO spAAActionCenter (Run_ID, Hub_ID, Component, Entity_Type,"
                 " Entity_Key, Category, Message, HTTP_Status, Correlation_ID, Created_On)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 e) != 0 ||
        sp_stmt_bind_text(w->insert, 1, a->run_id, e) != 0 || sp_stmt_bind_text(w->insert, 2, w->hub, e) != 0 ||
        sp_stmt_bind_text(w->insert, 3, a->component, e) != 0 ||
        sp_stmt_bind_text(w->insert, 4, a->entity_type, e) != 0 ||
        sp_stmt_bind_text(w->insert, 5, a->entity_key, e) != 0 ||
        sp_stmt_bind_text(w->insert, 6, a->category, e) != 0 ||
        sp_stmt_bind_text(w->insert, 7, message, e) != 0 ||
        sp_stmt_bind_int(w->insert, 8, a->http_status, e) != 0 ||
        sp_stmt_bind_text(w->insert, 9, a->correlation_id, e) != 0 ||
        sp_stmt_bind_time(w->insert, 10, a->created_on > 0 ? a->created_on : now, e) != 0 ||
        sp_stmt_exec(w->insert, NULL, e) != 0)
        goto done;
    rc = 0;
done:
    if (rc != 0)
        sp_err_prefix(e, "writing an Action Center row for %s %s", a->entity_type, a->entity_key);
    return rc;
}

int sp_action_writer_resolve(sp_action_writer *w, const char *entity_type, const char *entity_key,
                             sp_err *e)
{
    if (prepared(w, &w->resolve,
                 "UPDATE spAAActionCenter SET Resolved_On = ? WHERE Hub_ID = ?"
                 " AND Entity_Type = ? AND Entity_Key = ? AND Resolved_On IS NULL",
                 e) != 0 ||
        sp_stmt_bind_time(w->resolve, 1, sp_clock_wall_ms(), e) != 0 ||
        sp_stmt_bind_text(w->resolve, 2, w->hub, e) != 0 ||
        sp_stmt_bind_text(w->resolve, 3, entity_type, e) != 0 ||
        sp_stmt_bind_text(w->resolve, 4, entity_key, e) != 0 || sp_stmt_exec(w->resolve, NULL, e) != 0)
        return -1;
    return 0;
}

int sp_action_add(sp_db *db, const char *hub, const sp_action *a, sp_err *e)
{
    sp_action_writer *w = NULL;
    int rc = sp_action_writer_open(db, hub, &w, e) == 0 ? sp_action_writer_add(w, a, 1, e) : -1;
    sp_action_writer_free(w);
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
    sp_action_writer *w = NULL;
    int rc = sp_action_writer_open(db, hub, &w, e) == 0 ? sp_action_writer_resolve(w, entity_type, entity_key, e)
                                                         : -1;
    sp_action_writer_free(w);
    return rc;
}
