/*
 * db_internal.h -- shared between the files of etl/db/ only (never included
 * outside it): the connection struct, diagnostics, parameter binding.
 */
#ifndef SPETL_DB_INTERNAL_H
#define SPETL_DB_INTERNAL_H

#ifdef _WIN32
/* Windows' ODBC headers need its types (the Makefile sets NOGDI: GDI defines SP_ERROR). */
#include <windows.h>
#endif
#include <sql.h>
#include <sqlext.h>
#include <stdint.h>

#include "spetl/db.h"

#define SP_DB_STMT_TEXT_MAX 200   /* chars of a statement kept in an error */

struct sp_db {
    SQLHENV env;
    SQLHDBC dbc;
    sp_dialect dialect;
    char dbms[160];              /* "PostgreSQL 15.5" */
    char *conn_redacted;         /* the string used, password redacted */
    sp_db_opts opts;
    int in_txn;
    int manual_commit;           /* autocommit off: sp_db_begin(), or a batch's own flush */
    unsigned long savepoint_seq;
};

/* Fill e (SP_EDB) from the diagnostic records of handle h: "what: [SQLSTATE]
 * msg | msg", sqlstate/native of the first record, the statement's first 200
 * chars. Registered secrets are redacted. Returns -1. */
int sp_db_diag(const sp_db *db, sp_err *e, SQLSMALLINT htype, SQLHANDLE h, const char *stmt,
               const char *what);

/* The first diagnostic record of h into state/native/msg (msg bounded, one line). */
void sp_db_diag_first(const sp_db *db, SQLSMALLINT htype, SQLHANDLE h, char state[6],
                      long *native, char *msg, size_t msgn);
/* The SQLite driver answers HY000 for everything: map its native codes to
 * the standard classes (19 constraint -> 23000, 5/6 busy/locked -> HYT00). */
void sp_db_fix_sqlstate(const sp_db *db, char state[6], long native);

/* Allocate a statement handle on db. */
int sp_db_alloc_stmt(sp_db *db, SQLHSTMT *out, sp_err *e);

/* One bound value (a parameter of sp_stmt, or a cell of sp_batch). */
typedef struct sp_value {
    int set;                     /* bound by the caller */
    sp_type type;
    int is_null;
    int64_t i;
    double d;
    SQL_TIMESTAMP_STRUCT ts;
    char tstext[24];             /* SQLite: "YYYY-MM-DD HH:MM:SS.fff" */
    char *text;                  /* TEXT/NUMERIC, owned (sp_stmt) */
    uint16_t *wtext;             /* Windows: text as UTF-16 when bound so, owned */
    SQLLEN ind;
} sp_value;

/* C type, SQL type, column size and decimal digits for a parameter of
 * `type` on this dialect (text_len: the max length for TEXT/NUMERIC). */
void sp_db_param_types(const sp_db *db, sp_type type, size_t text_len, SQLSMALLINT *ctype,
                       SQLSMALLINT *sqltype, SQLULEN *colsize, SQLSMALLINT *digits);

/* Epoch ms -> timestamp struct / SQLite text. */
void sp_db_ms_to_ts(int64_t ms, SQL_TIMESTAMP_STRUCT *ts);

/* Savepoints: sp_db_savepoint() and the others are public (db.h). */
/* Autocommit switch without touching in_txn bookkeeping. */
int sp_db_set_autocommit(sp_db *db, int on, sp_err *e);
int sp_db_end_tran(sp_db *db, int commit, sp_err *e);

/* ---- text across the ODBC API (odbc_text.c) ----------------------------------
 * spetl's text is UTF-8. Through the narrow API Windows' driver manager and
 * drivers read and write the ANSI code page (CP1252) instead, so on Windows
 * statements, connection strings and diagnostics go through the W functions
 * and text cells are SQL_C_WCHAR (UTF-16, include/spetl/utf16.h); on POSIX
 * these are the narrow calls (unixODBC's drivers speak UTF-8 there). */
/* Put before an INSERT, UPDATE or DELETE on SQLite, it makes the ODBC
 * driver keep the statement compiled between executions (it compiles any
 * other statement again at every SQLExecute); the statement's row count
 * then reads 0. */
#define SP_SQLITE_KEPT "WITH spetl_kept AS (SELECT 1) "

SQLRETURN sp_odbc_prepare(SQLHSTMT h, const char *sql);
SQLRETURN sp_odbc_exec_direct(SQLHSTMT h, const char *sql);
SQLRETURN sp_odbc_driver_connect(SQLHDBC h, const char *conn);
/* Diagnostic record i of h: state (6 bytes) and text (UTF-8, n bytes), terminated. */
SQLRETURN sp_odbc_diag_rec(SQLSMALLINT htype, SQLHANDLE h, SQLSMALLINT i, char state[6],
                           SQLINTEGER *native, char *text, size_t n);
/* Column col's name (UTF-8, n bytes) and SQL type. */
SQLRETURN sp_odbc_describe_col(SQLHSTMT h, SQLUSMALLINT col, char *name, size_t n,
                               SQLSMALLINT *sqltype);
#endif
