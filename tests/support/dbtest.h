/*
 * dbtest.h -- open the test databases named by the environment that
 * tests/run-tests.sh (and run-bench.sh) set up:
 *   SQLite:      a file in $SPETL_TEST_TMP through the "SQLite3" driver of the
 *                generated odbcinst.ini ($ODBCSYSINI), or the driver's path
 *                $SPETL_TEST_SQLITE_DRIVER when there is no ini;
 *   PostgreSQL:  $SPETL_TEST_PG_CONN, in a schema of the test's own
 *                (t_<tag>, dropped and created afresh) so suites never collide.
 * Targets are numbered for Check loop tests: SP_DBTEST_SQLITE (0) and
 * SP_DBTEST_PG (1); SP_DBTEST_COUNT of them.
 *
 * A target whose variables are missing is unavailable: sp_dbtest_open()
 * returns 1 and notes why (sp_skip_note, skip.h) for the test's SP_SKIP_IF,
 * so a suite run by hand skips instead of failing. Under `make test` every
 * target is available.
 */
#ifndef SPETL_DBTEST_H
#define SPETL_DBTEST_H

#include <stddef.h>

#include "spetl/db.h"
#include "spetl/err.h"

enum { SP_DBTEST_SQLITE = 0, SP_DBTEST_PG = 1, SP_DBTEST_COUNT = 2 };

/* "sqlite" / "postgresql" */
const char *sp_dbtest_name(int target);

/* NULL when the target can be used, else why not ("SPETL_TEST_PG_CONN is not set"). */
const char *sp_dbtest_unavailable(int target);

/* The connection string for target and tag (tag: [a-z0-9_], at most 40
 * chars, unique per test), written into buf; NULL when unavailable. For
 * SQLite the file is $SPETL_TEST_TMP/<tag>.db; for PostgreSQL the string
 * carries ConnSettings that set search_path to t_<tag>. */
const char *sp_dbtest_conn(int target, const char *tag, char *buf, size_t n);

/* Start afresh (remove the SQLite file / drop and create the PostgreSQL
 * schema t_<tag>) and open a connection: 0 = *db open; 1 = target
 * unavailable (skip; *db NULL; the reason noted, see skip.h); -1 = error in e. */
int sp_dbtest_open(int target, const char *tag, sp_db **db, sp_err *e);

/* Open another connection to the same test database (no reset). */
int sp_dbtest_reopen(int target, const char *tag, sp_db **db, sp_err *e);

#endif
