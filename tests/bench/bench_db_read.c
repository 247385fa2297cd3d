/*
 * bench_db_read.c -- how fast and how flat the database layer reads.
 *
 * For each test database (SQLite, PostgreSQL; see tests/support/dbtest.h)
 * it inserts N GP-shaped customer rows (RM00101 from sql/<dialect>/gp.sql,
 * sp_batch with 1000 rows a flush -- multi-row INSERTs of 100 rows -- in one
 * transaction), then streams them back
 * three ways: a block cursor over an unparameterised SELECT, keyset paging
 * with a bound filter (WHERE MODIFDT >= ?, chunks of 1000), and -- for
 * comparison -- a block cursor over the same parameterised SELECT (which
 * the SQLite driver buffers whole: the reason keyset paging exists). Each
 * step runs in its own child process so that its peak RSS (VmHWM) is its
 * own. Prints figures; never fails on them (target: peak RSS < 30 MB for
 * the streaming reads).
 *
 *   SPETL_BENCH_ROWS   rows to insert (default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "spetl/clock.h"
#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/schema.h"

#define TAG "bench_db_read"
#define T0 1767225600000LL   /* 2026-01-01T00:00:00Z */

static long g_rows = 200000;

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static void fail(const char *what, const sp_err *e)
{
    char buf[1400];
    fprintf(stderr, "bench_db_read: %s: %s\n", what, sp_err_format(e, buf, sizeof(buf)));
    exit(1);
}

static void report(int target, const char *step, long rows, int64_t ms)
{
    double secs = ms > 0 ? (double)ms / 1000.0 : 0.001;
    printf("%-10s %-44s %8ld rows %8.2f s %10.0f rows/s  peak RSS %6.1f MB\n",
           sp_dbtest_name(target), step, rows, secs, (double)rows / secs, (double)vm_hwm_kb() / 1024.0);
    fflush(stdout);
}

static void step_insert(int target)
{
    sp_db *db = NULL;
    sp_batch *b = NULL;
    sp_err e;
    char key[32], name[80], addr[80], phone[32];
    static const sp_param_spec ps[10] = {
        {SP_TYPE_TEXT, 15}, {SP_TYPE_TEXT, 65}, {SP_TYPE_TEXT, 15}, {SP_TYPE_TEXT, 61},
        {SP_TYPE_TEXT, 35}, {SP_TYPE_TEXT, 29}, {SP_TYPE_TEXT, 11}, {SP_TYPE_TEXT, 21},
        {SP_TYPE_TIME, 0},  {SP_TYPE_TIME, 0},
    };

    sp_err_clear(&e);
    if (sp_dbtest_open(target, TAG, &db, &e) != 0)
        fail("open", &e);
    if (sp_schema_create_gp(db, &e) < 0)
        fail("creating the GP tables", &e);
    int64_t t = sp_clock_now_ms();
    if (sp_db_begin(db, &e) < 0 ||
        sp_batch_open(db, "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME, CUSTCLAS, ADDRESS1, CITY, STATE, "
                          "ZIP, PHONE1, CREATDDT, MODIFDT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      ps, 10, 1000, &b, &e) < 0)
        fail("preparing the insert", &e);
    for (long i = 0; i < g_rows; i++) {
        snprintf(key, sizeof(key), "CUST%08ld", i);
        snprintf(name, sizeof(name), "M\xc3\xbcller & S\xc3\xb6hne Customer %ld", i);
        snprintf(addr, sizeof(addr), "%ld Main St. Suite %ld", i % 9973, i % 400);
        snprintf(phone, sizeof(phone), "1312555%04ld", i % 10000);
        if (sp_batch_text(b, 1, key, &e) < 0 || sp_batch_text(b, 2, name, &e) < 0 ||
            sp_batch_text(b, 3, i % 3 ? "RETAIL" : "WHOLESALE", &e) < 0 ||
            sp_batch_text(b, 4, addr, &e) < 0 || sp_batch_text(b, 5, "Chicago", &e) < 0 ||
            sp_batch_text(b, 6, "IL", &e) < 0 || sp_batch_text(b, 7, "60603-0776", &e) < 0 ||
            sp_batch_text(b, 8, phone, &e) < 0 || sp_batch_time(b, 9, T0, &e) < 0 ||
            sp_batch_time(b, 10, T0 + (i % 1000) * 86400000LL, &e) < 0 || sp_batch_add(b, &e) < 0)
            fail("inserting", &e);
    }
    if (sp_batch_flush(b, &e) < 0 || sp_db_commit(db, &e) < 0)
        fail("inserting", &e);
    t = sp_clock_now_ms() - t;
    if (sp_batch_rows_done(b) != g_rows) {
        fprintf(stderr, "bench_db_read: %lld rows inserted, expected %ld\n",
                (long long)sp_batch_rows_done(b), g_rows);
        exit(1);
    }
    report(target, "insert, sp_batch of 1000 rows, 1 txn", g_rows, t);
    sp_batch_free(b);
    sp_db_close(db);
}

static const char SELECT_COLS[] =
    "CUSTNMBR, CUSTNAME, CUSTCLAS, ADDRESS1, ADDRESS2, CITY, STATE, ZIP, PHONE1, MODIFDT, DEX_ROW_TS";

static long drain(sp_stmt *st, sp_err *e)
{
    long n = 0;
    int r;
    size_t bytes = 0;
    int64_t ms;

    while ((r = sp_stmt_fetch(st, e)) == 1) {
        bytes += sp_stmt_len(st, 0) + sp_stmt_len(st, 1) + sp_stmt_len(st, 3);
        if (sp_stmt_time(st, 9, &ms, e) < 0)
            return -1;
        n++;
    }
    if (r < 0 || bytes == 0)
        return -1;
    return n;
}

static void step_read(int target, int mode)
{
    sp_db *db = NULL;
    sp_stmt *st = NULL;
    sp_err e;
    char sql[512];
    long n;
    const char *label;

    sp_err_clear(&e);
    if (sp_dbtest_reopen(target, TAG, &db, &e) != 0)
        fail("open", &e);
    int64_t t = sp_clock_now_ms();
    if (mode == 0) {
        label = "block cursor, SELECT without parameters";
        snprintf(sql, sizeof(sql), "SELECT %s FROM RM00101 ORDER BY CUSTNMBR", SELECT_COLS);
        if (sp_stmt_prepare(db, sql, &st, &e) < 0 || sp_stmt_exec(st, NULL, &e) < 0)
            fail(label, &e);
    } else if (mode == 1) {
        static const char *const keys[] = {"CUSTNMBR"};
        sp_keyset_spec spec = {.select = SELECT_COLS, .from = "RM00101", .where = "MODIFDT >= ?",
                               .keys = keys, .nkeys = 1, .chunk_rows = 1000};
        label = "keyset paging, WHERE MODIFDT >= ?, 1000/chunk";
        if (sp_stmt_prepare_keyset(db, &spec, &st, &e) < 0 || sp_stmt_bind_time(st, 1, T0, &e) < 0 ||
            sp_stmt_exec(st, NULL, &e) < 0)
            fail(label, &e);
    } else {
        label = "block cursor, WHERE MODIFDT >= ? (compare)";
        snprintf(sql, sizeof(sql), "SELECT %s FROM RM00101 WHERE MODIFDT >= ? ORDER BY CUSTNMBR",
                 SELECT_COLS);
        if (sp_stmt_prepare(db, sql, &st, &e) < 0 || sp_stmt_bind_time(st, 1, T0, &e) < 0 ||
            sp_stmt_exec(st, NULL, &e) < 0)
            fail(label, &e);
    }
    n = drain(st, &e);
    if (n < 0)
        fail(label, &e);
    t = sp_clock_now_ms() - t;
    if (n != g_rows) {
        fprintf(stderr, "bench_db_read: %s read %ld rows, expected %ld\n", label, n, g_rows);
        exit(1);
    }
    report(target, label, n, t);
    sp_stmt_free(st);
    sp_db_close(db);
}

/* Run one step in a child so its VmHWM is its own. */
static int in_child(int target, int step)
{
    pid_t pid;
    int status = 0;

    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        if (step == 0)
            step_insert(target);
        else
            step_read(target, step - 1);
        exit(0);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_db_read: %s step %d failed\n", sp_dbtest_name(target), step);
        return -1;
    }
    return 0;
}

int main(void)
{
    const char *rows = getenv("SPETL_BENCH_ROWS");
    int failed = 0;

    if (rows != NULL && rows[0] != '\0') {
        char *end;
        long v = strtol(rows, &end, 10);
        if (*end != '\0' || v < 1 || v > 100000000) {
            fprintf(stderr, "bench_db_read: SPETL_BENCH_ROWS=%s is not a row count\n", rows);
            return 2;
        }
        g_rows = v;
    }
    printf("bench_db_read: %ld GP-shaped RM00101 rows per driver; peak RSS is VmHWM of a child "
           "process per step (target < 30 MB for streaming reads)\n", g_rows);
    for (int target = 0; target < SP_DBTEST_COUNT; target++) {
        if (sp_dbtest_unavailable(target) != NULL) {
            printf("%-10s skipped: %s\n", sp_dbtest_name(target), sp_dbtest_unavailable(target));
            continue;
        }
        if (in_child(target, 0) < 0) {
            failed = 1;
            continue;
        }
        for (int step = 1; step <= 3; step++)
            if (in_child(target, step) < 0)
                failed = 1;
    }
    return failed;
}
