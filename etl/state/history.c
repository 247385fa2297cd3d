/* history.c -- spAARunHistory: one row per component run, with retention. */
#include "spetl/state.h"

#include <stdio.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"

int sp_history_start(sp_db *db, const char *hub, const char *run_id, const char *job,
                     const char *component, int64_t started_on, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    if (sp_stmt_prepare(db,
                        "INSERT INTO spAARunHistory (Run_ID, Hub_ID, Job_Name, Component,"
                        " Started_On, Status, Records_Read, Records_Created, Records_Updated,"
                        " Records_Linked, Records_Unchanged, Records_Skipped, Records_Failed,"
                        " Message) VALUES (?, ?, ?, ?, ?, 'running', 0, 0, 0, 0, 0, 0, 0, '')",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, run_id, e) != 0 || sp_stmt_bind_text(st, 2, hub, e) != 0 ||
        sp_stmt_bind_text(st, 3, job, e) != 0 || sp_stmt_bind_text(st, 4, component, e) != 0 ||
        sp_stmt_bind_time(st, 5, started_on, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "writing run history");
    return rc;
}

int sp_history_finish(sp_db *db, const char *hub, const char *run_id, const char *component,
                      const char *status, const sp_counts *c, const char *message, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;
    char msg[512];

    snprintf(msg, sizeof(msg), "%s", message != NULL ? message : "");
    sp_log_redact(msg);   /* the history is read by people: no secret in it */
    if (sp_stmt_prepare(db,
                        "UPDATE spAARunHistory SET Finished_On = ?, Status = ?, Records_Read = ?,"
                        " Records_Created = ?, Records_Updated = ?, Records_Linked = ?,"
                        " Records_Unchanged = ?, Records_Skipped = ?, Records_Failed = ?,"
                        " Message = ? WHERE Run_ID = ? AND Hub_ID = ? AND Component = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_time(st, 1, sp_clock_wall_ms(), e) != 0 ||
        sp_stmt_bind_text(st, 2, status, e) != 0 || sp_stmt_bind_int(st, 3, c->read, e) != 0 ||
        sp_stmt_bind_int(st, 4, c->created, e) != 0 ||
        sp_stmt_bind_int(st, 5, c->updated, e) != 0 ||
        sp_stmt_bind_int(st, 6, c->linked, e) != 0 ||
        sp_stmt_bind_int(st, 7, c->unchanged, e) != 0 ||
        sp_stmt_bind_int(st, 8, c->skipped, e) != 0 ||
        sp_stmt_bind_int(st, 9, c->failed, e) != 0 || sp_stmt_bind_text(st, 10, msg, e) != 0 ||
        sp_stmt_bind_text(st, 11, run_id, e) != 0 || sp_stmt_bind_text(st, 12, hub, e) != 0 ||
        sp_stmt_bind_text(st, 13, component, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "writing run history");
    return rc;
}

static int delete_older(sp_db *db, const char *sql, const char *hub, int64_t cutoff,
                        int64_t *deleted, sp_err *e)
{
    sp_stmt *st = NULL;
    int64_t n = 0;
    int rc = -1;

    if (sp_stmt_prepare(db, sql, &st, e) != 0 || sp_stmt_bind_text(st, 1, hub, e) != 0 ||
        sp_stmt_bind_time(st, 2, cutoff, e) != 0 || sp_stmt_exec(st, &n, e) != 0)
        goto done;
    if (n > 0)
        *deleted += n;
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

int sp_history_prune(sp_db *db, const char *hub, int retention_days, int64_t *deleted, sp_err *e)
{
    int64_t cutoff = sp_clock_wall_ms() - (int64_t)retention_days * 86400000LL;

    *deleted = 0;
    if (retention_days <= 0)
        return 0;
    if (delete_older(db, "DELETE FROM spAARunHistory WHERE Hub_ID = ? AND Started_On < ?", hub,
                     cutoff, deleted, e) != 0 ||
        delete_older(db,
                     "DELETE FROM spAAActionCenter WHERE Hub_ID = ? AND Resolved_On IS NOT NULL"
                     " AND Created_On < ?",
                     hub, cutoff, deleted, e) != 0) {
        sp_err_prefix(e, "pruning history older than %d days", retention_days);
        return -1;
    }
    return 0;
}

int sp_history_list(sp_db *db, const char *hub, int limit,
                    int (*fn)(const sp_history_row *row, void *ctx), void *ctx, sp_err *e)
{
    sp_stmt *st = NULL;
    sp_buf sql;
    sp_history_row r;
    int rc = -1, got;

    sp_buf_init(&sql, 2048);
    if (sp_db_sql_select_limit(db, &sql,
                               hub != NULL
                                   ? "Run_ID, Job_Name, Component, Started_On, Finished_On, Status,"
                                     " Records_Read, Records_Created, Records_Updated, Records_Linked,"
                                     " Records_Unchanged, Records_Skipped, Records_Failed, Message,"
                                     " Hub_ID FROM spAARunHistory WHERE Hub_ID = ?"
                                     " ORDER BY Started_On DESC, Run_ID DESC, Component"
                                   : "Run_ID, Job_Name, Component, Started_On, Finished_On, Status,"
                                     " Records_Read, Records_Created, Records_Updated, Records_Linked,"
                                     " Records_Unchanged, Records_Skipped, Records_Failed, Message,"
                                     " Hub_ID FROM spAARunHistory"
                                     " ORDER BY Started_On DESC, Run_ID DESC, Component",
                               limit, e) != 0 ||
        sp_stmt_prepare(db, sp_buf_str(&sql), &st, e) != 0 ||
        (hub != NULL && sp_stmt_bind_text(st, 1, hub, e) != 0) || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((got = sp_stmt_fetch(st, e)) == 1) {
        int64_t *nums[] = {&r.counts.read,    &r.counts.created,   &r.counts.updated,
                           &r.counts.linked,  &r.counts.unchanged, &r.counts.skipped,
                           &r.counts.failed};
        memset(&r, 0, sizeof(r));
        snprintf(r.run_id, sizeof(r.run_id), "%s", sp_stmt_text(st, 0));
        snprintf(r.job, sizeof(r.job), "%s", sp_stmt_text(st, 1));
        snprintf(r.component, sizeof(r.component), "%s", sp_stmt_text(st, 2));
        if (sp_stmt_time(st, 3, &r.started_on, e) < 0 || sp_stmt_time(st, 4, &r.finished_on, e) < 0)
            goto done;
        snprintf(r.status, sizeof(r.status), "%s", sp_stmt_text(st, 5));
        for (int i = 0; i < 7; i++)
            if (sp_stmt_int(st, 6 + i, nums[i], e) < 0)
                goto done;
        snprintf(r.message, sizeof(r.message), "%s",
                 sp_stmt_text(st, 13) != NULL ? sp_stmt_text(st, 13) : "");
        snprintf(r.hub, sizeof(r.hub), "%s", sp_stmt_text(st, 14));
        if (fn(&r, ctx) != 0) {
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
