/*
 * schema.h -- create spetl's tables from the SQL scripts in sql/.
 *
 * The scripts in sql/<dialect>/ are the single source of every table
 * definition: gp.sql (the Dynamics GP tables, for the sample database and
 * tests only), salespad.sql (SalesPad-style sp* tables) and spetl.sql
 * (spetl's own spAA* tables). They are read at run time from the first
 * directory that exists of: the one set with sp_schema_set_dir(), $SPETL_SQL_DIR,
 * <dir of the executable>/../share/spetl/sql, <exe dir>/../sql,
 * <exe dir>/../../sql, $SPETL_TOP/sql, /usr/local/share/spetl/sql,
 * /usr/share/spetl/sql. A DBA can read and run the same files by hand.
 *
 * Statement splitting (documented at the top of every script): when the
 * script has a line that is only "GO" (any case, blanks around it allowed),
 * it is split at those lines only and each batch is sent whole (SQL Server).
 * Otherwise a statement ends at a line whose last non-blank character is
 * ';', except inside a PostgreSQL $$-quoted body (an odd number of "$$" so
 * far in the statement) and inside a trigger's BEGIN ... END body (a CREATE
 * TRIGGER statement with BEGIN ends only at a line ending in "END;"). The
 * final ';' is not sent. Lines whose first non-blank characters are "--" are
 * dropped (so no trailing "-- comment;" can end a statement by accident).
 *
 * Errors: 0/-1 with sp_err (SP_EIO when a script cannot be found or read,
 * naming the places looked at; SP_EDB from the failing statement, prefixed
 * with "file:line").
 */
#ifndef SPETL_SCHEMA_H
#define SPETL_SCHEMA_H

#include "spetl/db.h"
#include "spetl/err.h"

/* Create spetl's own tables (spetl.sql) and the SalesPad-style tables
 * (salespad.sql) where missing. Safe to run any number of times. Never
 * creates or alters GP tables. */
int sp_schema_init(sp_db *db, sp_err *e);

/* Create the GP tables (gp.sql) with their DEX_ROW_TS triggers where
 * missing. For the sample builder and tests only: a real GP database
 * already has them. */
int sp_schema_create_gp(sp_db *db, sp_err *e);

/* Run one script "sql/<dialect>/<name>" (e.g. "spetl.sql") statement by
 * statement on db. */
int sp_schema_run_file(sp_db *db, const char *name, sp_err *e);

/* Override the directory of the scripts (the parent of sqlite/, postgresql/,
 * sqlserver/); NULL restores the search. The string is copied. */
void sp_schema_set_dir(const char *dir);

/* The directory that would be used now (for messages and `spetl --version`),
 * or NULL with SP_EIO naming the places tried. buf receives the path. */
const char *sp_schema_find_dir(char *buf, size_t n, sp_err *e);

/* Split one script into statements: calls fn(stmt, first_line, ctx) for each
 * (stmt is NUL-terminated, without the trailing ';' or GO; whitespace-only
 * statements are skipped). Stops and returns -1 when fn returns -1. Exposed
 * for tests and for the CLI's --print-sql. */
int sp_schema_split(const char *script, int (*fn)(const char *stmt, int line, void *ctx),
                    void *ctx, sp_err *e);

#endif
