/*
 * db.h -- the database layer: the only code in spetl that calls ODBC.
 *
 * Purpose. Connect to SQLite, PostgreSQL or SQL Server through an ODBC
 * driver; run prepared statements whose values are always bound parameters
 * (never pasted into SQL text); read results in blocks with flat memory;
 * write in bulk with parameter arrays; run transactions. Dialect differences
 * (LIMIT vs TOP, upsert syntax, "now" in UTC) are answered here so callers
 * write one piece of code for every database.
 *
 * Handles and ownership.
 *   sp_db      one connection. sp_db_open() allocates it, sp_db_close() frees
 *              it (closing the connection; an open transaction is rolled
 *              back). Close every sp_stmt/sp_batch of a db before the db.
 *   sp_stmt    one prepared statement and, after execution, its result
 *              cursor. sp_stmt_prepare() / sp_stmt_prepare_keyset() allocate,
 *              sp_stmt_free() frees (NULL is fine).
 *   sp_batch   one prepared INSERT/UPDATE/DELETE with parameter arrays.
 *              sp_batch_open() allocates, sp_batch_free() frees (it does NOT
 *              flush: call sp_batch_flush() first).
 *   Strings passed in are copied when the call returns (bind a stack buffer
 *   freely). Strings handed out (sp_stmt_text(), column names) are owned by
 *   the statement: a value is valid until the next sp_stmt_fetch(),
 *   sp_stmt_exec() or sp_stmt_free() on that statement; copy it to keep it.
 *   No handle is thread-safe; one connection per thread.
 *
 * Errors. Every fallible function returns 0 on success and -1 on failure,
 * filling the caller's sp_err (see err.h). A driver error is SP_EDB with
 * sp_err_sql(SQLSTATE, native code, first 200 chars of the statement) set and
 * a message made of the driver's diagnostic records joined with " | "
 * (bounded). A value longer than its declared bound is SP_ETOOLARGE naming
 * the column or parameter. A value that cannot be converted (text that is not
 * an integer) is SP_EDATA naming the column. Misuse (bad index, wrong order
 * of calls) is SP_EINTERNAL. Exceptions to the 0/-1 rule are documented at
 * the function: sp_stmt_fetch() returns 1/0/-1 and the typed getters return
 * 1 for SQL NULL.
 *
 * Secrets. Any password in a connection string (PWD=, Pwd=, password=, any
 * case) is registered with sp_log_secret() on sp_db_open() and is shown as
 * <redacted> in every message this module makes; sp_db_redact_conn() prints
 * a connection string safely.
 *
 * Identifiers. Table and column names are written unquoted everywhere, so
 * PostgreSQL folds them to lower case consistently; column look-ups by name
 * are case-insensitive. Only values are parameters; identifiers and the
 * program's own integer page sizes are SQL text. Identifiers that come from
 * a job file must pass sp_db_check_ident() before they go into SQL text.
 *
 * Reading. Every result column is fetched as text into a fixed buffer per
 * column (block cursor, column-wise binding, N rows per fetch). The buffer
 * size is the column's declared maximum in bytes (sp_stmt_set_text_max()),
 * else the connection default (sp_db_opts.text_max, 1024 bytes) -- never the
 * size the driver reports. A longer value fails the fetch of that row with
 * SP_ETOOLARGE naming the column. Rows per fetch shrink so that the buffers
 * of one statement stay under sp_db_opts.fetch_mem_max. Every text value is
 * right-trimmed of spaces on read (GP CHAR columns come back padded on
 * SQL Server and PostgreSQL, not on SQLite). NULL is distinguished from ''.
 * Timestamps are read back as UTC epoch milliseconds (sp_stmt_time()).
 *
 * Streaming. A statement without parameters streams with flat memory on both
 * tested drivers (sp_db_open() adds StepAPI=1 for SQLite and
 * UseDeclareFetch=1;Fetch=N for psqlODBC when the string lacks them). The
 * SQLite driver holds the whole result of a query WITH parameters in memory:
 * read large parameterised results with sp_stmt_prepare_keyset(), which runs
 * "... WHERE (pred) AND key > last ORDER BY key" in chunks (composite keys
 * allowed) behind the same fetch/getter API. On SQLite a streaming read needs
 * autocommit on: do not read big results inside sp_db_begin().
 *
 * Timestamps. Bound as SQL_TYPE_TIMESTAMP with ColumnSize 23 and
 * DecimalDigits 3 (milliseconds kept); on SQLite they are bound as the text
 * "YYYY-MM-DD HH:MM:SS.fff" (always with milliseconds) so that text
 * comparisons with stored values work. All spetl timestamps are UTC.
 *
 * Transactions. Autocommit is on except between sp_db_begin() and
 * sp_db_commit()/sp_db_rollback(), which turn it back on. Default isolation
 * differs: SERIALIZABLE on SQLite (a writer locks the file; other
 * connections wait up to the busy timeout), READ COMMITTED on PostgreSQL and
 * SQL Server. A failed statement inside a transaction is undone alone on
 * SQLite, SQL Server and PostgreSQL (psqlODBC's default "statement" rollback
 * level; do not set Protocol=7.4-0 or -1 in the connection string, sp_batch
 * relies on it); the transaction stays open. Finish (or free) readers before
 * commit/rollback; a driver may close open cursors then.
 */
#ifndef SPETL_DB_H
#define SPETL_DB_H

#include <stddef.h>
#include <stdint.h>

#include "spetl/buf.h"
#include "spetl/err.h"

typedef struct sp_db sp_db;
typedef struct sp_stmt sp_stmt;
typedef struct sp_batch sp_batch;

typedef enum sp_dialect {
    SP_DIALECT_OTHER = 0,
    SP_DIALECT_SQLITE,
    SP_DIALECT_POSTGRESQL,
    SP_DIALECT_SQLSERVER
} sp_dialect;

/* Value types of parameters and batch columns. */
typedef enum sp_type {
    SP_TYPE_TEXT = 0,   /* UTF-8 text (char/varchar/nvarchar/text columns) */
    SP_TYPE_INT,        /* int64 (smallint, int, bigint, tinyint) */
    SP_TYPE_DOUBLE,     /* double */
    SP_TYPE_NUMERIC,    /* decimal given as text "123.45000" (numeric(19,5)) */
    SP_TYPE_TIME        /* UTC epoch milliseconds (datetime/timestamp) */
} sp_type;

/* Connection options; a zeroed struct (or NULL) means the defaults. */
typedef struct sp_db_opts {
    int fetch_rows;          /* rows per block fetch and psqlODBC Fetch=; 0 = 500 */
    int busy_timeout_ms;     /* SQLite Timeout= (lock wait); 0 = 5000 */
    int login_timeout_s;     /* SQL_ATTR_LOGIN_TIMEOUT; 0 = 15 */
    size_t text_max;         /* default bound of one fetched value, bytes; 0 = 1024 */
    size_t fetch_mem_max;    /* bound of one statement's fetch buffers; 0 = 4 MiB */
    int no_create;           /* SQLite: a database file that does not exist is an error
                                naming the path (NoCreat=1), not a new empty file */
} sp_db_opts;

/* ---- connection ------------------------------------------------------- */

/* Connect with an ODBC connection string or a DSN:
 *   "Driver=SQLite3;Database=x.db;"
 *   "Driver={PostgreSQL Unicode};Server=h;Port=5432;Database=d;Uid=u;Pwd=p;"
 *   "DSN=name;UID=u;PWD=p"   (a bare "name" without '=' is taken as DSN=name)
 * Adds the streaming options the driver needs when they are not given
 * (SQLite: StepAPI=1;Timeout=busy_timeout_ms; psqlODBC:
 * UseDeclareFetch=1;Fetch=fetch_rows), registers the password as a log
 * secret, detects the dialect. On failure *out is NULL and the message names
 * the driver and server, says the password was redacted, and carries the
 * driver's SQLSTATE. */
int sp_db_open(sp_db **out, const char *conn, const sp_db_opts *opts, sp_err *e);
void sp_db_close(sp_db *db);                    /* NULL is fine */

sp_dialect sp_db_dialect(const sp_db *db);
const char *sp_dialect_name(sp_dialect d);      /* "sqlite", "postgresql", "sqlserver", "other" */
/* The driver's SQL_DBMS_NAME and SQL_DBMS_VER, e.g. "PostgreSQL 15.5". */
const char *sp_db_server_version(const sp_db *db);
/* The connection string as actually used (with the added options),
 * password redacted. */
const char *sp_db_conn_redacted(const sp_db *db);

/* Copy conn into buf with the value of every PWD=/Pwd=/password= key (any
 * case, braced values too) replaced by <redacted>. Always NUL-terminates;
 * returns buf. */
const char *sp_db_redact_conn(const char *conn, char *buf, size_t n);

/* 0 when name is a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 128
 * chars) optionally qualified once or twice with '.' ("dbo.RM00101");
 * otherwise -1 with SP_EJOB naming what (e.g. "column") and the value. */
int sp_db_check_ident(const char *name, const char *what, sp_err *e);

/* ---- dialect helpers (SQL text fragments, no values) ------------------ */

/* Expression for the current UTC time with milliseconds, the same the
 * schema's DEFAULTs use: SQLite strftime('%Y-%m-%d %H:%M:%f','now'),
 * PostgreSQL (statement_timestamp() AT TIME ZONE 'UTC'), SQL Server
 * SYSUTCDATETIME(). */
const char *sp_db_sql_now(const sp_db *db);

/* Append "SELECT <rest>" limited to the first `limit` rows: SQL Server
 * "SELECT TOP (n) <rest>", others "SELECT <rest> LIMIT n". <rest> is the
 * select list onwards, e.g. "CUSTNMBR FROM RM00101 WHERE ... ORDER BY CUSTNMBR". */
int sp_db_sql_select_limit(const sp_db *db, sp_buf *out, const char *rest, long limit,
                           sp_err *e);

/* Append an upsert of one row into `table`: keys[] identify the row, cols[]
 * are the other columns (ncols may be 0). Parameters are ? in the order
 * keys..., cols... on every dialect. SQLite/PostgreSQL: INSERT ... ON
 * CONFLICT (keys) DO UPDATE SET c = excluded.c (needs a UNIQUE/PK on keys);
 * SQL Server: MERGE ... WITH (HOLDLOCK). Identifiers are checked. */
int sp_db_sql_upsert(const sp_db *db, sp_buf *out, const char *table,
                     const char *const *keys, int nkeys,
                     const char *const *cols, int ncols, sp_err *e);

/* The same builders for a dialect without a connection (SQL text for logs,
 * `--print-sql`, tests of the SQL Server forms). */
const char *sp_sql_now(sp_dialect d);
int sp_sql_select_limit(sp_dialect d, sp_buf *out, const char *rest, long limit, sp_err *e);
int sp_sql_upsert(sp_dialect d, sp_buf *out, const char *table, const char *const *keys, int nkeys,
                  const char *const *cols, int ncols, sp_err *e);

/* ---- the dialect differences, in one place (etl/db/dialect.c) ----------- */

/* What differs in SQL text from one database to the next. Every piece of
 * spetl that writes dialect-specific SQL takes it from here (the builders
 * above use it). A fragment ending in a space or '.' is followed by an
 * identifier. */
typedef struct sp_dialect_sql {
    const char *name;          /* "sqlserver": job dialect=, sp_dialect_name() */
    const char *dir;           /* scripts directory sql/<dir>/; NULL for OTHER */
    const char *now;           /* current UTC time with milliseconds (sp_sql_now()) */
    int top;                   /* 1: SELECT TOP (n) ...; 0: SELECT ... LIMIT n */
    const char *quote_open;    /* a quoted identifier: [COL] (SQL Server), "COL" */
    const char *quote_close;
    const char *concat;        /* string concatenation: " + " (SQL Server), " || " */
    const char *char_length;   /* characters of a text: LEN (ignores trailing blanks) / LENGTH */
    const char *stored_length; /* stored length, trailing blanks counted: DATALENGTH / LENGTH */
    const char *timestamp;     /* UTC timestamp column with ms: datetime2(3) / timestamp(3) / datetime */
    const char *identity;      /* generated key column: bigint IDENTITY(1,1) / ... AS IDENTITY /
                                  integer PRIMARY KEY AUTOINCREMENT */
    const char *returning;     /* INSERT handing back a generated column: "OUTPUT INSERTED."
                                  col (before VALUES) / "RETURNING " col (after VALUES) */
    int returning_before_values;
    const char *add_column;    /* ALTER TABLE t <add_column> c type: ADD / ADD COLUMN */
    const char *savepoint;     /* "SAVE TRANSACTION " name / "SAVEPOINT " name */
    const char *rollback_to;   /* "ROLLBACK TRANSACTION " / "ROLLBACK TO SAVEPOINT " name */
    const char *release;       /* "RELEASE SAVEPOINT " name; NULL: none (SQL Server) */
    int upsert_merge;          /* 1: MERGE ... WITH (HOLDLOCK); 0: INSERT ... ON CONFLICT */
    int max_params;            /* ? markers one statement may have (0: unknown) */
    int blank_padded;          /* 1: char values compare ignoring trailing blanks (SQL Server,
                                  PostgreSQL); 0: the padding is data (SQLite) */
    size_t varchar_max;        /* longest text parameter bound as varchar(n), in bytes (SQL
                                  Server 8000; nvarchar(n) half that); longer ones bind as the
                                  long type; 0: no limit */
    const char *table_exists;  /* a row when table ? exists in the current schema (2nd ?: any) */
    const char *table_exists_in; /* a row when table ? exists in schema ? */
    const char *json_rows;     /* FROM item: one row per element of the JSON array of arrays
                                  bound to its ?, the element as `value`; NULL: none */
    const char *json_item;     /* element # of `value` as text (a JSON null: NULL) */
    int json_cast;             /* 1: an item goes in a timestamp or bigint column only CAST */
} sp_dialect_sql;

/* The row of dialect d (never NULL; an unknown value is OTHER). */
const sp_dialect_sql *sp_dialect_sql_of(sp_dialect d);

/* ---- simple execution --------------------------------------------------- */

/* Run one statement without parameters and without results (DDL, SET ...).
 * *rows (may be NULL) gets SQLRowCount, -1 when the driver does not know. */
int sp_db_exec(sp_db *db, const char *sql, int64_t *rows, sp_err *e);

/* Bring the planner's statistics of a table up to date after it grew a lot
 * (PostgreSQL: ANALYZE, which autovacuum does only a minute or more later;
 * SQL Server updates statistics on its own and SQLite plans by index without
 * them: nothing is done there). */
int sp_db_refresh_stats(sp_db *db, const char *table, sp_err *e);

/* Does a table (or view) exist? Case-insensitive; name may be
 * "schema.table". *exists = 1/0. */
int sp_db_table_exists(sp_db *db, const char *name, int *exists, sp_err *e);

/* ---- transactions -------------------------------------------------------- */

int sp_db_begin(sp_db *db, sp_err *e);          /* autocommit off; nesting is SP_EINTERNAL */
int sp_db_commit(sp_db *db, sp_err *e);         /* autocommit back on, even on failure */
int sp_db_rollback(sp_db *db, sp_err *e);       /* autocommit back on; no-op outside one */
int sp_db_in_transaction(const sp_db *db);      /* 1/0 */

/* Savepoints inside sp_db_begin() (SQL Server: SAVE TRANSACTION). name must
 * pass sp_db_check_ident() without dots (SP_EINTERNAL otherwise); outside a
 * transaction they are SP_EINTERNAL. sp_db_rollback_to() undoes what followed
 * the savepoint and keeps it (roll back to it again, or release it);
 * sp_db_release() forgets it, keeping the work (a no-op on SQL Server, which
 * has no RELEASE: its savepoints end with the transaction). */
int sp_db_savepoint(sp_db *db, const char *name, sp_err *e);
int sp_db_rollback_to(sp_db *db, const char *name, sp_err *e);
int sp_db_release(sp_db *db, const char *name, sp_err *e);

/* 1 when e is a duplicate key (a PRIMARY KEY or UNIQUE constraint or index):
 * SQLSTATE 23505 (PostgreSQL), 23000 with native 2627/2601 (SQL Server), or
 * SQLite's 23000 (constraint) whose message says UNIQUE / PRIMARY KEY.
 * 0 for every other error (NOT NULL, CHECK, foreign key, anything else). */
int sp_err_is_unique_violation(const sp_err *e);

/* ---- prepared statements ------------------------------------------------- */

/* Prepare sql (with ? placeholders). Parameters are numbered from 1. */
int sp_stmt_prepare(sp_db *db, const char *sql, sp_stmt **out, sp_err *e);
/* The same, for an INSERT, UPDATE or DELETE executed many times whose row
 * count is not needed: on SQLite it stays compiled between executions (the
 * driver compiles such statements again at every execute otherwise), and
 * sp_stmt_exec() with rows != NULL is SP_EINTERNAL. Other databases: as
 * sp_stmt_prepare(). */
int sp_stmt_prepare_kept(sp_db *db, const char *sql, sp_stmt **out, sp_err *e);
void sp_stmt_free(sp_stmt *st);                 /* NULL is fine */

/* Bind a value to parameter idx (1-based). The value is copied; bindings stay
 * until changed, so re-executing with one parameter changed is cheap.
 * Binding idx greater than the number of ? is SP_EINTERNAL at exec time.
 * Text NULL pointer = SQL NULL. */
int sp_stmt_bind_text(sp_stmt *st, int idx, const char *s, sp_err *e);
int sp_stmt_bind_int(sp_stmt *st, int idx, int64_t v, sp_err *e);
int sp_stmt_bind_double(sp_stmt *st, int idx, double v, sp_err *e);
int sp_stmt_bind_numeric(sp_stmt *st, int idx, const char *decimal, sp_err *e);
int sp_stmt_bind_time(sp_stmt *st, int idx, int64_t epoch_ms, sp_err *e);
/* SQL NULL typed as `type` (some drivers need the type of a NULL). */
int sp_stmt_bind_null(sp_stmt *st, int idx, sp_type type, sp_err *e);

/* Declare the bound (bytes, without the NUL) of one result column by name
 * (case-insensitive, matched on execute), or of every column without its own
 * bound when col is NULL. Call before sp_stmt_exec(). */
int sp_stmt_set_text_max(sp_stmt *st, const char *col, size_t max, sp_err *e);
/* Rows per block fetch for this statement (default: the connection's). */
void sp_stmt_set_fetch_rows(sp_stmt *st, int rows);

/* Execute. For a query, opens the result (closing an earlier one); read it
 * with sp_stmt_fetch(). *rows (may be NULL) gets the affected row count
 * (SQLRowCount; -1 when unknown, e.g. for a query). */
int sp_stmt_exec(sp_stmt *st, int64_t *rows, sp_err *e);

/* Advance to the next row: 1 = a row is current, 0 = no more rows (the
 * cursor is closed), -1 = error (e filled; SP_ETOOLARGE when a value of this
 * row is longer than its column's bound). */
int sp_stmt_fetch(sp_stmt *st, sp_err *e);
/* Close the current result early (fetching the rest is not needed). */
void sp_stmt_close_cursor(sp_stmt *st);
/* Rows handed out by sp_stmt_fetch() since the last sp_stmt_exec(). */
int64_t sp_stmt_row_count(const sp_stmt *st);

/* Result columns (valid after sp_stmt_exec()), indexed from 0. */
int sp_stmt_ncols(const sp_stmt *st);
const char *sp_stmt_col_name(const sp_stmt *st, int col);   /* as the driver names it */
int sp_stmt_col_index(const sp_stmt *st, const char *name); /* case-insensitive; -1 when absent */

/* Values of the current row. col out of range is treated as NULL. */
int sp_stmt_is_null(const sp_stmt *st, int col);            /* 1/0 */
const char *sp_stmt_text(const sp_stmt *st, int col);       /* right-trimmed; NULL for SQL NULL */
size_t sp_stmt_len(const sp_stmt *st, int col);             /* bytes of sp_stmt_text(); 0 for NULL */
/* Typed getters: 0 = *out set; 1 = SQL NULL (*out = 0); -1 = SP_EDATA (the
 * text is not such a value; the message names the column and the text). */
int sp_stmt_int(const sp_stmt *st, int col, int64_t *out, sp_err *e);
int sp_stmt_double(const sp_stmt *st, int col, double *out, sp_err *e);
int sp_stmt_time(const sp_stmt *st, int col, int64_t *epoch_ms, sp_err *e);
/* By name: the same, looking the column up; an unknown name is SP_EINTERNAL
 * for the typed getters and NULL for sp_stmt_text_by(). */
const char *sp_stmt_text_by(const sp_stmt *st, const char *name);
int sp_stmt_int_by(const sp_stmt *st, const char *name, int64_t *out, sp_err *e);
int sp_stmt_time_by(const sp_stmt *st, const char *name, int64_t *epoch_ms, sp_err *e);

/* ---- keyset paging (large parameterised reads, flat memory) ------------- */

/* Reads  SELECT <select> FROM <from> WHERE (<where>) AND <key after last>
 * ORDER BY <keys>  in chunks of chunk_rows rows, each chunk a fresh
 * execution with the last row's key values bound (TOP on SQL Server, LIMIT
 * elsewhere). For keys (k1, k2) the "after" predicate is
 * k1 > ? OR (k1 = ? AND k2 > ?). The key columns must be unique together and
 * appear in <select> (an "alias.COL" key is found in the result as COL).
 * Bind the ? of <where> with sp_stmt_bind_*() (1-based, in order of <where>)
 * before sp_stmt_exec(); fetch and read values as for any statement. Key
 * values are re-bound with the type they were read as (integer keys stay
 * integers). sp_stmt_row_count() counts across chunks. */
typedef struct sp_keyset_spec {
    const char *select;       /* "CUSTNMBR, ADRSCODE, ADDRESS1" */
    const char *from;         /* "RM00102" or a join */
    const char *where;        /* predicate with ? placeholders, or NULL */
    const char *const *keys;  /* {"CUSTNMBR", "ADRSCODE"} */
    int nkeys;                /* 1..8 */
    int chunk_rows;           /* rows per execution; 0 = 1000 */
} sp_keyset_spec;

int sp_stmt_prepare_keyset(sp_db *db, const sp_keyset_spec *spec, sp_stmt **out, sp_err *e);

/* Append the SELECT a keyset read runs for dialect d: the first chunk
 * (after_key 0) or the following ones (after_key 1, with the key predicate
 * whose ? come after those of <where>). For logs and tests. */
int sp_sql_keyset_select(sp_dialect d, const sp_keyset_spec *spec, int after_key, sp_buf *out,
                         sp_err *e);

/* ---- bulk writes ------------------------------------------------------------ */

/* An sp_batch collects rows in column-wise arrays and writes them in units
 * of one execution each: an "INSERT INTO t (cols) VALUES (?, ...)" becomes a
 * multi-row INSERT of up to 100 rows (both drivers plan one INSERT per
 * parameter-array row, which on GP's 100-column tables costs 5-9 times the
 * write); any other statement runs as a parameter array (ODBC
 * SQL_ATTR_PARAMSET_SIZE). A unit that fails is undone alone and its rows
 * are run one by one, so each failing row is known by index and SQLSTATE and
 * every other row is written. Without a caller's transaction each flush is
 * one transaction. */

/* One parameter column of a batch: its type and, for TEXT and NUMERIC, the
 * maximum value length in bytes (0 = 256). A longer value is SP_ETOOLARGE
 * naming the parameter. */
typedef struct sp_param_spec {
    sp_type type;
    size_t max_len;
} sp_param_spec;

/* A failed row of a batch. row is the 0-based index of the row among all
 * rows added to this batch (the order of sp_batch_add() calls). */
typedef struct sp_batch_failure {
    int64_t row;
    char sqlstate[6];
    long native;
    char message[256];
} sp_batch_failure;

/* Prepare sql (INSERT/UPDATE/DELETE with nparams ? placeholders) for arrays
 * of rows_per_exec rows (0 = 500; at most 5000). */
int sp_batch_open(sp_db *db, const char *sql, const sp_param_spec *params, int nparams,
                  int rows_per_exec, sp_batch **out, sp_err *e);
void sp_batch_free(sp_batch *b);                /* NULL is fine; does not flush */
/* Write the units of a multi-row INSERT as one statement prepared once,
 * INSERT ... SELECT from its one parameter, the unit's rows as JSON, where
 * the dialect reads JSON rows (SQLite, PostgreSQL) and every parameter is
 * TEXT, INT or TIME (not on Windows, which binds text as UTF-16); otherwise
 * nothing changes. Same rows, failures and crash safety. -1: could not
 * prepare. */
int sp_batch_pack(sp_batch *b, sp_err *e);
/* Start over, keeping the prepared statements: drop the rows not yet
 * executed and forget the counts and failures (rows are numbered from 0
 * again). For a batch reused by one transaction after another. */
void sp_batch_reset(sp_batch *b);

/* Set parameter idx (1-based) of the row being built; a parameter not set
 * before sp_batch_add() is NULL. The setter must match the declared type
 * (sp_batch_int on a TEXT parameter is SP_EINTERNAL), except
 * sp_batch_null(), which fits every type. */
int sp_batch_text(sp_batch *b, int idx, const char *s, sp_err *e);   /* NULL s = SQL NULL */
int sp_batch_int(sp_batch *b, int idx, int64_t v, sp_err *e);
int sp_batch_double(sp_batch *b, int idx, double v, sp_err *e);
int sp_batch_numeric(sp_batch *b, int idx, const char *decimal, sp_err *e);
int sp_batch_time(sp_batch *b, int idx, int64_t epoch_ms, sp_err *e);
int sp_batch_null(sp_batch *b, int idx, sp_err *e);

/* End the current row; when the array is full it is executed (as
 * sp_batch_flush()). Returns -1 when that execution failed. */
int sp_batch_add(sp_batch *b, sp_err *e);
/* Execute the rows added and not yet executed (none: no-op). The per-row
 * status array decides: rows that failed are recorded (sp_batch_failure_at)
 * and the call returns -1 with e describing the first failure of this
 * execution ("row 17 of the batch failed: [23505] ..." with its SQLSTATE);
 * every other row is written (in the caller's transaction when one is open:
 * a failed row is undone alone, the transaction stays usable). */
int sp_batch_flush(sp_batch *b, sp_err *e);

int64_t sp_batch_rows_done(const sp_batch *b);   /* rows executed without error */
int64_t sp_batch_rows_failed(const sp_batch *b); /* rows reported failed */
/* Failures kept, oldest first (at most 100 are kept; rows_failed counts all). */
int sp_batch_nfailures(const sp_batch *b);
const sp_batch_failure *sp_batch_failure_at(const sp_batch *b, int i);

#endif
