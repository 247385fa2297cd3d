/* dbtest.c -- the test databases from the environment (see dbtest.h). */
#include "dbtest.h"
#include "skip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

const char *sp_dbtest_name(int target)
{
    return target == SP_DBTEST_SQLITE ? "sqlite" : "postgresql";
}

const char *sp_dbtest_unavailable(int target)
{
    if (target == SP_DBTEST_SQLITE) {
        if (env("SPETL_TEST_TMP") == NULL)
            return "SPETL_TEST_TMP is not set (run through tests/run-tests.sh)";
        if (env("ODBCSYSINI") == NULL && env("SPETL_TEST_SQLITE_DRIVER") == NULL)
            return "neither ODBCSYSINI nor SPETL_TEST_SQLITE_DRIVER is set";
        return NULL;
    }
    if (env("SPETL_TEST_PG_CONN") == NULL)
        return "SPETL_TEST_PG_CONN is not set (run through tests/run-tests.sh)";
    return NULL;
}

static int tag_ok(const char *tag)
{
    size_t n = strlen(tag);
    if (n == 0 || n > 40)
        return 0;
    for (const char *p = tag; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

const char *sp_dbtest_conn(int target, const char *tag, char *buf, size_t n)
{
    if (sp_dbtest_unavailable(target) != NULL || !tag_ok(tag))
        return NULL;
    if (target == SP_DBTEST_SQLITE) {
        const char *drv = env("ODBCSYSINI") ? "SQLite3" : env("SPETL_TEST_SQLITE_DRIVER");
        snprintf(buf, n, "Driver=%s;Database=%s/%s.db;", drv, env("SPETL_TEST_TMP"), tag);
    } else {
        const char *pg = env("SPETL_TEST_PG_CONN");
        size_t l = strlen(pg);
        snprintf(buf, n, "%s%sConnSettings={SET search_path TO t_%s};", pg,
                 l > 0 && pg[l - 1] != ';' ? ";" : "", tag);
    }
    return buf;
}

/* Why the test cannot run, for its SP_SKIP_IF (skip.h). */
static void say_skip(int target)
{
    sp_skip_note("%s: %s", sp_dbtest_name(target), sp_dbtest_unavailable(target));
}

int sp_dbtest_reopen(int target, const char *tag, sp_db **db, sp_err *e)
{
    char conn[2048];

    *db = NULL;
    if (sp_dbtest_unavailable(target) != NULL) {
        say_skip(target);
        return 1;
    }
    if (sp_dbtest_conn(target, tag, conn, sizeof(conn)) == NULL)
        return SP_ERR(e, SP_EINTERNAL, "bad test tag \"%s\"", tag);
    return sp_db_open(db, conn, NULL, e);
}

int sp_dbtest_open(int target, const char *tag, sp_db **db, sp_err *e)
{
    char path[1024], sql[256];

    *db = NULL;
    if (sp_dbtest_unavailable(target) != NULL) {
        say_skip(target);
        return 1;
    }
    if (!tag_ok(tag))
        return SP_ERR(e, SP_EINTERNAL, "bad test tag \"%s\"", tag);
    if (target == SP_DBTEST_SQLITE) {
        snprintf(path, sizeof(path), "%s/%s.db", env("SPETL_TEST_TMP"), tag);
        unlink(path);
        snprintf(path, sizeof(path), "%s/%s.db-journal", env("SPETL_TEST_TMP"), tag);
        unlink(path);
        return sp_dbtest_reopen(target, tag, db, e);
    }
    /* PostgreSQL: a fresh schema of our own, then connect into it */
    sp_db *admin = NULL;
    if (sp_db_open(&admin, env("SPETL_TEST_PG_CONN"), NULL, e) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS t_%s CASCADE", tag);
    int rc = sp_db_exec(admin, sql, NULL, e);
    if (rc == 0) {
        snprintf(sql, sizeof(sql), "CREATE SCHEMA t_%s", tag);
        rc = sp_db_exec(admin, sql, NULL, e);
    }
    sp_db_close(admin);
    if (rc < 0)
        return -1;
    return sp_dbtest_reopen(target, tag, db, e);
}
