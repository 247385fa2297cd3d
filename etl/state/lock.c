/* lock.c -- spAARunLock: one run per hub at a time, with stale take-over.
 *
 * A lock is taken over when its heartbeat is older than the stale time, or at
 * once when its holder ran on this host (same host name) and its process is
 * gone. The risk left: two machines that share a host name, where the pid of
 * a live run on the other is free here; give each machine its own name. */
#include "spetl/state.h"

#include <stdio.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/platform.h"

const char *sp_run_id_new(char *buf, size_t n)
{
    char ts[32];
    unsigned int rnd = 0;
    int64_t now = sp_clock_wall_ms();

    if (sp_os_random(&rnd, sizeof(rnd)) != 0)
        rnd = 0;
    if (rnd == 0)
        rnd = (unsigned int)(now ^ (int64_t)sp_os_pid() * 2654435761LL);
    sp_time_iso8601(now, ts, sizeof(ts));
    /* 2026-11-27T05:43:00.123Z -> 20261127T054300Z */
    snprintf(buf, n, "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%d-%04x", ts, ts + 5, ts + 8, ts + 11, ts + 14,
             ts + 17, (int)sp_os_pid(), rnd & 0xffffu);
    return buf;
}

typedef struct holder {
    char run_id[40];
    char host[128];
    int64_t pid;
    int64_t acquired_on;
    int64_t heartbeat_on;
} holder;

static int read_holder(sp_db *db, const char *hub, holder *h, int *found, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1, got;

    *found = 0;
    memset(h, 0, sizeof(*h));
    if (sp_stmt_prepare(db,
                        "SELECT Run_ID, Host, PID, Acquired_On, Heartbeat_On FROM spAARunLock"
                        " WHERE Hub_ID = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    got = sp_stmt_fetch(st, e);
    if (got < 0)
        goto done;
    if (got == 1) {
        snprintf(h->run_id, sizeof(h->run_id), "%s", sp_stmt_text(st, 0));
        snprintf(h->host, sizeof(h->host), "%s", sp_stmt_text(st, 1) ? sp_stmt_text(st, 1) : "");
        if (sp_stmt_int(st, 2, &h->pid, e) < 0 || sp_stmt_time(st, 3, &h->acquired_on, e) < 0 ||
            sp_stmt_time(st, 4, &h->heartbeat_on, e) < 0)
            goto done;
        *found = 1;
        sp_stmt_close_cursor(st);
    }
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

static int try_insert(sp_db *db, const char *hub, const char *run_id, const char *host,
                      int64_t now, int *inserted, sp_err *e)
{
    sp_stmt *st = NULL;
    sp_err ins;
    int rc = -1;

    *inserted = 0;
    sp_err_clear(&ins);
    if (sp_stmt_prepare(db,
                        "INSERT INTO spAARunLock (Hub_ID, Run_ID, Host, PID, Acquired_On,"
                        " Heartbeat_On) VALUES (?, ?, ?, ?, ?, ?)",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, hub, e) != 0 || sp_stmt_bind_text(st, 2, run_id, e) != 0 ||
        sp_stmt_bind_text(st, 3, host, e) != 0 || sp_stmt_bind_int(st, 4, sp_os_pid(), e) != 0 ||
        sp_stmt_bind_time(st, 5, now, e) != 0 || sp_stmt_bind_time(st, 6, now, e) != 0)
        goto done;
    if (sp_stmt_exec(st, NULL, &ins) == 0) {
        *inserted = 1;
    } else if (strncmp(ins.sqlstate, "23", 2) != 0 && ins.sqlstate[0] != '\0' &&
               strcmp(ins.sqlstate, "HY000") != 0) {
        /* Not a key violation (SQLite reports those as HY000): a real error. */
        *e = ins;
        goto done;
    }
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

/* 1 when the holder ran on this host and its process is gone: no such
 * process (ESRCH; EPERM means it exists), or the process with that pid
 * started after the lock was taken, so it is another one that reuses the pid. */
static int holder_is_dead_here(const holder *h, const char *host)
{
    if (strcmp(h->host, host) != 0)
        return 0;
    return sp_os_pid_gone(h->pid, h->acquired_on);
}

int sp_lock_acquire(sp_db *db, const char *hub, const char *run_id, int64_t stale_after_ms,
                    sp_err *e)
{
    char host[128] = "unknown";
    char since[32];
    holder h;
    sp_stmt *st = NULL;
    int64_t now = sp_clock_wall_ms();
    int64_t rows = 0;
    int inserted, found, dead, rc = -1;

    sp_os_host_name(host, sizeof(host));
    if (try_insert(db, hub, run_id, host, now, &inserted, e) != 0)
        goto done;
    if (inserted) {
        rc = 0;
        goto done;
    }
    if (read_holder(db, hub, &h, &found, e) != 0)
        goto done;
    if (!found) {
        /* Released between our insert and our read: try once more. */
        if (try_insert(db, hub, run_id, host, now, &inserted, e) != 0)
            goto done;
        if (inserted) {
            rc = 0;
            goto done;
        }
        SP_ERR(e, SP_ELOCKED, "the run lock of hub %s changed hands while taking it; try again",
               hub);
        goto done;
    }
    dead = holder_is_dead_here(&h, host);
    if (!dead && now - h.heartbeat_on < stale_after_ms) {
        sp_time_iso8601(h.acquired_on, since, sizeof(since));
        SP_ERR(e, SP_ELOCKED,
               "another run holds the lock of hub %s: run %s on %s (pid %lld) since %s; "
               "wait for it to finish (a lock without a heartbeat for %lld s is taken over)",
               hub, h.run_id, h.host, (long long)h.pid, since, (long long)(stale_after_ms / 1000));
        goto done;
    }
    /* Stale: take it over, but only if nobody else did first. */
    if (sp_stmt_prepare(db,
                        "UPDATE spAARunLock SET Run_ID = ?, Host = ?, PID = ?, Acquired_On = ?,"
                        " Heartbeat_On = ? WHERE Hub_ID = ? AND Run_ID = ?",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, run_id, e) != 0 || sp_stmt_bind_text(st, 2, host, e) != 0 ||
        sp_stmt_bind_int(st, 3, sp_os_pid(), e) != 0 || sp_stmt_bind_time(st, 4, now, e) != 0 ||
        sp_stmt_bind_time(st, 5, now, e) != 0 || sp_stmt_bind_text(st, 6, hub, e) != 0 ||
        sp_stmt_bind_text(st, 7, h.run_id, e) != 0 || sp_stmt_exec(st, &rows, e) != 0)
        goto done;
    if (rows != 1) {
        SP_ERR(e, SP_ELOCKED, "another run took the stale lock of hub %s first", hub);
        goto done;
    }
    sp_time_iso8601(h.heartbeat_on, since, sizeof(since));
    if (dead)
        SP_WARN("lock", "took over the lock of run %s on this host (%s): its process %lld is gone "
                        "(last heartbeat %s)", h.run_id, h.host, (long long)h.pid, since);
    else
        SP_WARN("lock", "took over the stale lock of run %s on %s (pid %lld, last heartbeat %s)",
                h.run_id, h.host, (long long)h.pid, since);
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

/* Run sql (UPDATE/DELETE ... WHERE Hub_ID = ? AND Run_ID = ?, after the
 * time when with_time) on run_id's lock row; *rows = rows it touched. */
static int update_mine(sp_db *db, const char *sql, const char *hub, const char *run_id,
                       int with_time, int64_t *rows, sp_err *e)
{
    sp_stmt *st = NULL;
    int p = 1, rc = -1;

    if (sp_stmt_prepare(db, sql, &st, e) != 0 ||
        (with_time && sp_stmt_bind_time(st, p++, sp_clock_wall_ms(), e) != 0) ||
        sp_stmt_bind_text(st, p++, hub, e) != 0 || sp_stmt_bind_text(st, p, run_id, e) != 0 ||
        sp_stmt_exec(st, rows, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

int sp_lock_heartbeat(sp_db *db, const char *hub, const char *run_id, sp_err *e)
{
    int64_t rows = 0;

    if (update_mine(db, "UPDATE spAARunLock SET Heartbeat_On = ? WHERE Hub_ID = ? AND Run_ID = ?", hub,
                    run_id, 1, &rows, e) != 0)
        return -1;
    if (rows == 0)
        return SP_ERR(e, SP_ELOCKED,
                      "run %s no longer holds the run lock of hub %s (another run took it over as stale, "
                      "or it was deleted): this run stops so that two runs never write at once",
                      run_id, hub);
    return 0;
}

int sp_lock_release(sp_db *db, const char *hub, const char *run_id, sp_err *e)
{
    return update_mine(db, "DELETE FROM spAARunLock WHERE Hub_ID = ? AND Run_ID = ?", hub, run_id,
                       0, NULL, e);
}
