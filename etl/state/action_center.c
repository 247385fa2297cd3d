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

/* Prepared on first use, and kept compiled: a run writes these for every
 * failed or fixed record (their row counts are not read). */
static int prepared(sp_action_writer *w, sp_stmt **st, const char *sql, sp_err *e)
{
    return *st != NULL ? 0 : sp_stmt_prepare_kept(w->db, sql, st, e);
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

/* "key|%" for LIKE ... ESCAPE '!' (the key's own % _ ! match themselves). */
static char *children_of(const char *key)
{
    size_t n = strlen(key);
    char *out = sp_xmalloc(2 * n + 3), *o = out;

    for (const char *p = key; *p != '\0'; p++) {
        if (*p == '%' || *p == '_' || *p == '!')
            *o++ = '!';
        *o++ = *p;
    }
    *o++ = '|';
    *o++ = '%';
    *o = '\0';
    return out;
}

/* " AND Hub_ID = ? AND (Entity_Key = ? OR ...)" for what is given; vals in order. */
static int open_where(sp_buf *sql, const char *hub, const char *key, const char **vals, int *n,
                      char **owned, sp_err *e)
{
    *n = 0;
    *owned = NULL;
    if (sp_buf_puts(sql, " WHERE Resolved_On IS NULL", e) != 0)
        return -1;
    if (hub != NULL) {
        if (sp_buf_puts(sql, " AND Hub_ID = ?", e) != 0)
            return -1;
        vals[(*n)++] = hub;
    }
    if (key != NULL) {
        if (sp_buf_puts(sql, " AND (Entity_Key = ? OR Entity_Key LIKE ? ESCAPE '!')", e) != 0)
            return -1;
        *owned = children_of(key);
        vals[(*n)++] = key;
        vals[(*n)++] = *owned;
    }
    return 0;
}

static int fetch_actions(sp_stmt *st, int (*fn)(const sp_action *a, void *ctx), void *ctx,
                         sp_err *e)
{
    sp_action a;
    int64_t status;
    int got;

    while ((got = sp_stmt_fetch(st, e)) == 1) {
        memset(&a, 0, sizeof(a));
        if (sp_stmt_int(st, 0, &a.error_id, e) < 0 || sp_stmt_int(st, 7, &status, e) < 0 ||
            sp_stmt_time(st, 9, &a.created_on, e) < 0)
            return -1;
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
            return 0;
        }
    }
    return got < 0 ? -1 : 0;
}

int sp_action_list_key(sp_db *db, const char *hub, const char *key, int limit,
                       int (*fn)(const sp_action *a, void *ctx), void *ctx, sp_err *e)
{
    sp_stmt *st = NULL;
    sp_buf rest, sql;
    const char *vals[4];
    char *owned = NULL;
    int nvals, rc = -1;

    sp_buf_init(&rest, 2048);
    sp_buf_init(&sql, 2048);
    if (sp_buf_puts(&rest, "Error_ID, Run_ID, Component, Entity_Type, Entity_Key, Category,"
                           " Message, HTTP_Status, Correlation_ID, Created_On, Hub_ID"
                           " FROM spAAActionCenter", e) != 0 ||
        open_where(&rest, hub, key, vals, &nvals, &owned, e) != 0 ||
        sp_buf_puts(&rest, " ORDER BY Created_On DESC, Error_ID DESC", e) != 0 ||
        sp_db_sql_select_limit(db, &sql, sp_buf_str(&rest), limit, e) != 0 ||
        sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0 ||
        sp_stmt_set_text_max(st, "Message", sizeof(((sp_action *)0)->message) - 1, e) != 0)
        goto done;
    for (int i = 0; i < nvals; i++)
        if (sp_stmt_bind_text(st, i + 1, vals[i], e) != 0)
            goto done;
    if (sp_stmt_exec(st, NULL, e) != 0 || fetch_actions(st, fn, ctx, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    free(owned);
    sp_buf_free(&rest);
    sp_buf_free(&sql);
    return rc;
}

int sp_action_list(sp_db *db, const char *hub, int limit,
                   int (*fn)(const sp_action *a, void *ctx), void *ctx, sp_err *e)
{
    return sp_action_list_key(db, hub, NULL, limit, fn, ctx, e);
}

/* 1 when the table has the columns `--dismiss` writes. */
static int has_dismiss_columns(sp_db *db)
{
    sp_stmt *st = NULL;
    sp_err probe;
    int yes;

    sp_err_clear(&probe);
    yes = sp_stmt_prepare(db, "SELECT Dismissed_By, Dismissed_On FROM spAAActionCenter WHERE 1 = 0",
                          &st, &probe) == 0 &&
          sp_stmt_exec(st, NULL, &probe) == 0;
    sp_stmt_free(st);
    return yes;
}

int sp_action_dismiss(sp_db *db, const char *hub, const char *key, const char *who,
                      int64_t *dismissed, sp_err *e)
{
    sp_stmt *st = NULL;
    sp_buf sql;
    const char *vals[4];
    char *owned = NULL;
    int64_t now = sp_clock_wall_ms();
    int nvals, rc = -1;

    *dismissed = 0;
    sp_buf_init(&sql, 2048);
    if (!has_dismiss_columns(db)) {
        SP_ERR(e, SP_EDB, "spAAActionCenter has no Dismissed_By / Dismissed_On columns (created by "
                          "an older spetl): run `spetl init-db JOB` to add them");
        goto done;
    }
    if (sp_buf_puts(&sql, "UPDATE spAAActionCenter SET Resolved_On = ?, Dismissed_On = ?,"
                          " Dismissed_By = ?", e) != 0 ||
        open_where(&sql, hub, key, vals, &nvals, &owned, e) != 0 ||
        sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0 ||
        sp_stmt_bind_time(st, 1, now, e) != 0 || sp_stmt_bind_time(st, 2, now, e) != 0 ||
        sp_stmt_bind_text(st, 3, who, e) != 0)
        goto done;
    for (int i = 0; i < nvals; i++)
        if (sp_stmt_bind_text(st, i + 4, vals[i], e) != 0)
            goto done;
    if (sp_stmt_exec(st, dismissed, e) != 0)
        goto done;
    rc = 0;
done:
    if (rc != 0)
        sp_err_prefix(e, "dismissing Action Center rows");
    sp_stmt_free(st);
    free(owned);
    sp_buf_free(&sql);
    return rc;
}

int sp_action_upgrade(sp_db *db, sp_err *e)
{
    const sp_dialect_sql *dl = sp_dialect_sql_of(sp_db_dialect(db));
    const char *add = dl->add_column;
    const char *when = dl->timestamp;
    char sql[256];

    if (has_dismiss_columns(db))
        return 0;
    snprintf(sql, sizeof(sql), "ALTER TABLE spAAActionCenter %s Dismissed_By varchar(128) NULL", add);
    if (sp_db_exec(db, sql, NULL, e) != 0)
        goto failed;
    snprintf(sql, sizeof(sql), "ALTER TABLE spAAActionCenter %s Dismissed_On %s NULL", add, when);
    if (sp_db_exec(db, sql, NULL, e) != 0)
        goto failed;
    return 0;
failed:
    sp_err_prefix(e, "adding Dismissed_By / Dismissed_On to spAAActionCenter");
    return -1;
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
