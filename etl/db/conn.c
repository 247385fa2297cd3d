/*
 * conn.c -- connections: connection strings (parsing, redaction, streaming
 * options), connect with clear failures, dialect detection, diagnostics,
 * simple execution, transactions, dialect SQL fragments.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_internal.h"
#include "spetl/buf.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/platform.h"

#define CONN_MAX 4096

/* ---- connection strings ------------------------------------------------ */

/* One key=value pair of a connection string. Values may be braced: {a;b}
 * with "}}" standing for "}". */
typedef struct conn_pair {
    const char *key;
    size_t keylen;
    const char *val;             /* raw, braces included */
    size_t vallen;
    const char *end;             /* after the pair and its ';' */
} conn_pair;

/* Parse the pair at *p; 1 when one was found, 0 at the end. */
static int conn_next(const char **p, conn_pair *out)
{
    const char *s = *p;

    while (*s == ';' || *s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    out->key = s;
    while (*s != '\0' && *s != '=' && *s != ';')
        s++;
    out->keylen = (size_t)(s - out->key);
    while (out->keylen > 0 && isspace((unsigned char)out->key[out->keylen - 1]))
        out->keylen--;
    if (*s != '=') {
        out->val = s;
        out->vallen = 0;
    } else {
        s++;
        out->val = s;
        if (*s == '{') {
            s++;
            while (*s != '\0') {
                if (*s == '}') {
                    if (s[1] == '}') {
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                s++;
            }
            while (*s != '\0' && *s != ';')
                s++;
        } else {
            while (*s != '\0' && *s != ';')
                s++;
        }
        out->vallen = (size_t)(s - out->val);
    }
    if (*s == ';')
        s++;
    out->end = s;
    *p = s;
    return 1;
}

static int key_is(const conn_pair *cp, const char *name)
{
    return cp->keylen == strlen(name) && strncasecmp(cp->key, name, cp->keylen) == 0;
}

static int key_is_password(const conn_pair *cp)
{
    return key_is(cp, "PWD") || key_is(cp, "password");
}

/* The unbraced value of key into buf ("" when absent); returns 1 when found. */
static int conn_get(const char *conn, const char *key, char *buf, size_t n)
{
    conn_pair cp;
    const char *p = conn;

    if (n > 0)
        buf[0] = '\0';
    while (conn_next(&p, &cp)) {
        if (!key_is(&cp, key))
            continue;
        const char *v = cp.val;
        size_t len = cp.vallen, o = 0;
        if (len >= 1 && v[0] == '{') {
            v++;
            len--;
            if (len > 0 && v[len - 1] == '}')
                len--;
        }
        for (size_t i = 0; i < len && o + 1 < n; i++) {
            buf[o++] = v[i];
            if (v[i] == '}' && i + 1 < len && v[i + 1] == '}')
                i++;
        }
        if (n > 0)
            buf[o] = '\0';
        return 1;
    }
    return 0;
}

static int conn_has(const char *conn, const char *key)
{
    char tmp[8];
    return conn_get(conn, key, tmp, sizeof(tmp));
}

const char *sp_db_redact_conn(const char *conn, char *buf, size_t n)
{
    const char *p = conn ? conn : "";
    const char *copied = p;       /* text before this is already in buf */
    size_t o = 0;
    conn_pair cp;

    if (n == 0)
        return buf;
    buf[0] = '\0';
#define PUT(s, len)                                                                       \
    do {                                                                                  \
        size_t l_ = (len);                                                                \
        if (o + l_ >= n)                                                                  \
            l_ = n - 1 - o;                                                               \
        memcpy(buf + o, (s), l_);                                                         \
        o += l_;                                                                          \
        buf[o] = '\0';                                                                    \
    } while (0)
    while (conn_next(&p, &cp)) {
        if (!key_is_password(&cp) || cp.vallen == 0)
            continue;
        PUT(copied, (size_t)(cp.val - copied));
        PUT("<redacted>", strlen("<redacted>"));
        copied = cp.val + cp.vallen;
    }
    PUT(copied, strlen(copied));
#undef PUT
    return buf;
}

/* Register every password value of conn as a log secret. */
static void conn_register_secrets(const char *conn)
{
    conn_pair cp;
    const char *p = conn;
    char val[512];

    while (conn_next(&p, &cp)) {
        if (!key_is_password(&cp) || cp.vallen == 0)
            continue;
        char key[16];
        size_t kl = cp.keylen < sizeof(key) - 1 ? cp.keylen : sizeof(key) - 1;
        memcpy(key, cp.key, kl);
        key[kl] = '\0';
        if (conn_get(conn, key, val, sizeof(val)) && val[0] != '\0')
            sp_log_secret(val);
        /* the braced form too, as it may be echoed */
        if (cp.vallen < sizeof(val) && cp.val[0] == '{') {
            memcpy(val, cp.val, cp.vallen);
            val[cp.vallen] = '\0';
            sp_log_secret(val);
        }
    }
}

static int ci_contains(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, nl) == 0)
            return 1;
    return 0;
}

static sp_dialect dialect_from_driver(const char *driver)
{
    if (ci_contains(driver, "sqlite"))
        return SP_DIALECT_SQLITE;
    if (ci_contains(driver, "postgres") || ci_contains(driver, "psqlodbc"))
        return SP_DIALECT_POSTGRESQL;
    if (ci_contains(driver, "sql server") || ci_contains(driver, "sqlncli") ||
        ci_contains(driver, "msodbcsql"))
        return SP_DIALECT_SQLSERVER;
    return SP_DIALECT_OTHER;
}

static sp_dialect dialect_from_dbms(const char *dbms)
{
    if (ci_contains(dbms, "sqlite"))
        return SP_DIALECT_SQLITE;
    if (ci_contains(dbms, "postgres"))
        return SP_DIALECT_POSTGRESQL;
    if (ci_contains(dbms, "sql server"))
        return SP_DIALECT_SQLSERVER;
    return SP_DIALECT_OTHER;
}

/* conn plus the streaming options dialect d needs and conn lacks. */
static int conn_with_options(const char *conn, sp_dialect d, const sp_db_opts *o, sp_buf *out,
                             sp_err *e)
{
    size_t len = strlen(conn);

    sp_buf_reset(out);
    if (sp_buf_puts(out, conn, e) < 0)
        return -1;
    if (len > 0 && conn[len - 1] != ';' && sp_buf_puts(out, ";", e) < 0)
        return -1;
    if (d == SP_DIALECT_SQLITE) {
        if (!conn_has(conn, "StepAPI") && sp_buf_puts(out, "StepAPI=1;", e) < 0)
            return -1;
        if (!conn_has(conn, "Timeout") &&
            sp_buf_printf(out, e, "Timeout=%d;", o->busy_timeout_ms) < 0)
            return -1;
        if (o->no_create && !conn_has(conn, "NoCreat") && sp_buf_puts(out, "NoCreat=1;", e) < 0)
            return -1;
    } else if (d == SP_DIALECT_POSTGRESQL) {
        if (!conn_has(conn, "UseDeclareFetch") && sp_buf_puts(out, "UseDeclareFetch=1;", e) < 0)
            return -1;
        if (!conn_has(conn, "Fetch") && sp_buf_printf(out, e, "Fetch=%d;", o->fetch_rows) < 0)
            return -1;
    }
    return 0;
}

/* ---- diagnostics --------------------------------------------------------- */

static void one_line(char *s)
{
    for (; *s != '\0'; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
}

void sp_db_fix_sqlstate(const sp_db *db, char state[6], long native)
{
    if (db == NULL || db->dialect != SP_DIALECT_SQLITE || strcmp(state, "HY000") != 0)
        return;
    if (native == 19)
        memcpy(state, "23000", 6);
    else if (native == 5 || native == 6)
        memcpy(state, "HYT00", 6);
}

void sp_db_diag_first(const sp_db *db, SQLSMALLINT htype, SQLHANDLE h, char state[6],
                      long *native, char *msg, size_t msgn)
{
    char st[6] = "", text[768];
    SQLINTEGER nat = 0;

    memcpy(state, "HY000", 6);
    *native = 0;
    if (msgn > 0)
        msg[0] = '\0';
    /* the first error record; warnings (class 01) only when there is no error */
    for (SQLSMALLINT i = 1; h != NULL && i <= 8; i++) {
        if (!SQL_SUCCEEDED(sp_odbc_diag_rec(htype, h, i, st, &nat, text, sizeof(text))))
            break;
        if (i > 1 && strncmp(st, "01", 2) == 0)
            continue;
        memcpy(state, st, 5);
        state[5] = '\0';
        *native = (long)nat;
        sp_db_fix_sqlstate(db, state, *native);
        snprintf(msg, msgn, "%s", text);
        one_line(msg);
        sp_log_redact(msg);
        if (strncmp(state, "01", 2) != 0)
            break;
    }
}

int sp_db_diag(const sp_db *db, sp_err *e, SQLSMALLINT htype, SQLHANDLE h, const char *stmt,
               const char *what)
{
    char all[900];
    size_t o = 0;
    char state[6] = "HY000";
    long native = 0;
    SQLSMALLINT i;

    all[0] = '\0';
    for (i = 1; h != NULL && i <= 8 && o + 16 < sizeof(all); i++) {
        char st[6] = "", text[768];
        SQLINTEGER nat = 0;
        if (!SQL_SUCCEEDED(sp_odbc_diag_rec(htype, h, i, st, &nat, text, sizeof(text))))
            break;
        if (i == 1 || (strncmp(state, "01", 2) == 0 && strncmp(st, "01", 2) != 0)) {
            /* the first error record; a warning (01xxx) only when no error follows */
            memcpy(state, st, 5);
            state[5] = '\0';
            native = (long)nat;
            sp_db_fix_sqlstate(db, state, native);
        }
        char shown[6];
        memcpy(shown, st, 5);
        shown[5] = '\0';
        sp_db_fix_sqlstate(db, shown, (long)nat);
        int w = snprintf(all + o, sizeof(all) - o, "%s[%s] %s", i > 1 ? " | " : "", shown, text);
        if (w < 0)
            break;
        o += (size_t)w;
        if (o >= sizeof(all))
            o = sizeof(all) - 1;
    }
    if (all[0] == '\0')
        snprintf(all, sizeof(all), "[HY000] the driver gave no diagnostic");
    /* drop trailing blanks/semicolons some drivers add, make it one line */
    one_line(all);
    o = strlen(all);
    while (o > 0 && (all[o - 1] == ' ' || all[o - 1] == ';'))
        all[--o] = '\0';
    sp_log_redact(all);
    SP_ERR(e, SP_EDB, "%s: %s", what, all);
    if (stmt != NULL) {
        char cut[SP_DB_STMT_TEXT_MAX + 1];
        snprintf(cut, sizeof(cut), "%s", stmt);
        one_line(cut);
        sp_log_redact(cut);
        sp_err_sql(e, state, native, cut);
    } else {
        sp_err_sql(e, state, native, NULL);
    }
    return -1;
}

/* ---- open / close ------------------------------------------------------- */

static void opts_defaults(sp_db_opts *o, const sp_db_opts *in)
{
    memset(o, 0, sizeof(*o));
    if (in != NULL)
        *o = *in;
    if (o->fetch_rows <= 0)
        o->fetch_rows = 500;
    if (o->fetch_rows > 10000)
        o->fetch_rows = 10000;
    if (o->busy_timeout_ms <= 0)
        o->busy_timeout_ms = 5000;
    if (o->login_timeout_s <= 0)
        o->login_timeout_s = 15;
    if (o->text_max == 0)
        o->text_max = 1024;
    if (o->fetch_mem_max == 0)
        o->fetch_mem_max = (size_t)4 << 20;
}

static void db_disconnect(sp_db *db)
{
    if (db->dbc != SQL_NULL_HDBC) {
        SQLDisconnect(db->dbc);
        SQLFreeHandle(SQL_HANDLE_DBC, db->dbc);
        db->dbc = SQL_NULL_HDBC;
    }
}

/* Connect db->dbc with the full string; on failure fill e with a message
 * naming driver and server. */
static int db_connect(sp_db *db, const char *full, const char *orig, sp_err *e)
{
    SQLRETURN rc;
    char driver[128], server[128], port[16], dsn[128], database[256];
    char where[512], red[1024];

    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, db->env, &db->dbc))) {
        db->dbc = SQL_NULL_HDBC;
        return sp_db_diag(db, e, SQL_HANDLE_ENV, db->env, NULL, "allocating an ODBC connection");
    }
    SQLSetConnectAttr(db->dbc, SQL_ATTR_LOGIN_TIMEOUT,
                      (SQLPOINTER)(intptr_t)db->opts.login_timeout_s, 0);
    rc = sp_odbc_driver_connect(db->dbc, full);
    if (SQL_SUCCEEDED(rc))
        return 0;

    conn_get(orig, "Driver", driver, sizeof(driver));
    conn_get(orig, "DSN", dsn, sizeof(dsn));
    if (!conn_get(orig, "Server", server, sizeof(server)))
        conn_get(orig, "Servername", server, sizeof(server));
    conn_get(orig, "Port", port, sizeof(port));
    conn_get(orig, "Database", database, sizeof(database));
    if (driver[0] != '\0')
        snprintf(where, sizeof(where), "driver \"%s\"", driver);
    else
        snprintf(where, sizeof(where), "DSN \"%s\"", dsn);
    if (server[0] != '\0') {
        size_t l = strlen(where);
        snprintf(where + l, sizeof(where) - l, ", server %s%s%s", server, port[0] ? ":" : "",
                 port);
    } else if (database[0] != '\0') {
        size_t l = strlen(where);
        snprintf(where + l, sizeof(where) - l, ", database %s", database);
    }
    sp_db_diag(db, e, SQL_HANDLE_DBC, db->dbc, NULL, "connect");
    {
        /* Re-word: "cannot connect (driver ..., server ...; password redacted): [08001] ..." */
        char cause[SP_ERR_MSG_MAX];
        snprintf(cause, sizeof(cause), "%s", e->msg + strlen("connect: "));
        sp_db_redact_conn(orig, red, sizeof(red));
        sp_log_redact(where);
        SP_ERR(e, SP_EDB, "cannot connect to the database (%s; password redacted): %s; connection string: %s",
               where, cause, red);
        char state[6];
        long native;
        char dummy[8];
        sp_db_diag_first(db, SQL_HANDLE_DBC, db->dbc, state, &native, dummy, sizeof(dummy));
        sp_err_sql(e, state, native, NULL);
    }
    db_disconnect(db);
    return -1;
}

/* The SQLite driver says only "connect failed" when NoCreat=1 meets a
 * missing file: name the path instead. */
static void sqlite_missing_file(const char *conn, sp_err *e)
{
    char path[512], cwd[512];

    if (!conn_get(conn, "Database", path, sizeof(path)) || path[0] == '\0' ||
        sp_path_stat(path) != SP_PATH_NONE)
        return;
    if (!sp_path_is_absolute(path) && sp_os_cwd(cwd, sizeof(cwd)) == 0)
        SP_ERR(e, SP_EDB,
               "the SQLite database %s does not exist (relative to %s): check Database= in the "
               "connection string; spetl does not create a database file",
               path, cwd);
    else
        SP_ERR(e, SP_EDB,
               "the SQLite database %s does not exist: check Database= in the connection "
               "string; spetl does not create a database file",
               path);
}

/* SQLite's page cache is per connection and counts in the RSS whole once
 * a run has read that much (a customer-export reads far more). 1 MiB in
 * place of SQLite's 2 MiB: peak RSS of a customer-export -1 MB at 10,000
 * and 100,000 customers, its CPU not measurably changed (2026-12-07). */
#define SQLITE_CACHE_KIB 1024

static int sqlite_setup(sp_db *db, sp_err *e)
{
    char sql[64];

    if (db->dialect != SP_DIALECT_SQLITE)
        return 0;
    snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", SQLITE_CACHE_KIB);
    return sp_db_exec(db, sql, NULL, e);
}

int sp_db_open(sp_db **out, const char *conn, const sp_db_opts *opts, sp_err *e)
{
    sp_db *db = NULL;
    sp_buf full;
    char *conn_norm = NULL;
    char driver[128];
    int rc = -1;
    sp_dialect guess;

    *out = NULL;
    sp_buf_init(&full, CONN_MAX);
    if (conn == NULL || conn[0] == '\0') {
        SP_ERR(e, SP_EUSAGE, "no database connection string given");
        goto done;
    }
    if (strlen(conn) >= CONN_MAX) {
        SP_ERR(e, SP_ETOOLARGE, "the connection string is longer than %d bytes", CONN_MAX - 1);
        goto done;
    }
    conn_norm = strchr(conn, '=') ? sp_xstrdup(conn) : sp_xasprintf("DSN=%s;", conn);
    conn_register_secrets(conn_norm);

    db = sp_xcalloc(1, sizeof(*db));
    opts_defaults(&db->opts, opts);
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &db->env))) {
        db->env = SQL_NULL_HENV;
        SP_ERR(e, SP_EDB, "cannot allocate an ODBC environment (is unixODBC installed?)");
        goto done;
    }
    SQLSetEnvAttr(db->env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);

    conn_get(conn_norm, "Driver", driver, sizeof(driver));
    guess = dialect_from_driver(driver);
    if (conn_with_options(conn_norm, guess, &db->opts, &full, e) < 0)
        goto done;
    if (db_connect(db, sp_buf_str(&full), conn_norm, e) < 0) {
        if (guess == SP_DIALECT_SQLITE && db->opts.no_create)
            sqlite_missing_file(conn_norm, e);
        goto done;
    }

    {
        char name[80] = "", ver[64] = "";
        SQLSMALLINT l = 0;
        SQLGetInfo(db->dbc, SQL_DBMS_NAME, name, sizeof(name), &l);
        SQLGetInfo(db->dbc, SQL_DBMS_VER, ver, sizeof(ver), &l);
        snprintf(db->dbms, sizeof(db->dbms), "%s %s", name, ver);
        db->dialect = dialect_from_dbms(name);
    }
    if (guess != db->dialect &&
        (db->dialect == SP_DIALECT_SQLITE || db->dialect == SP_DIALECT_POSTGRESQL)) {
        /* A DSN: only now do we know the driver. Reconnect with the options
         * that make reads stream, unless the DSN string already has them. */
        sp_buf again;
        sp_buf_init(&again, CONN_MAX);
        if (conn_with_options(conn_norm, db->dialect, &db->opts, &again, e) < 0) {
            sp_buf_free(&again);
            goto done;
        }
        if (strcmp(sp_buf_str(&again), sp_buf_str(&full)) != 0) {
            db_disconnect(db);
            sp_buf_reset(&full);
            sp_buf_puts(&full, sp_buf_str(&again), e);
            if (sp_buf_check(&full, e) != 0 || db_connect(db, sp_buf_str(&full), conn_norm, e) < 0) {
                sp_buf_free(&again);
                goto done;
            }
        }
        sp_buf_free(&again);
    }
    {
        char red[CONN_MAX + 64];
        sp_db_redact_conn(sp_buf_str(&full), red, sizeof(red));
        db->conn_redacted = sp_xstrdup(red);
    }
    SP_DEBUG("db", "connected to %s (%s) with %s", db->dbms, sp_dialect_name(db->dialect),
             db->conn_redacted);
    if (sqlite_setup(db, e) != 0)
        goto done;
    rc = 0;
done:
    if (rc == 0) {
        *out = db;
    } else if (db != NULL) {
        sp_db_close(db);
    }
    free(conn_norm);
    sp_buf_free(&full);
    return rc;
}

void sp_db_close(sp_db *db)
{
    if (db == NULL)
        return;
    if (db->in_txn && db->dbc != SQL_NULL_HDBC)
        SQLEndTran(SQL_HANDLE_DBC, db->dbc, SQL_ROLLBACK);
    db_disconnect(db);
    if (db->env != SQL_NULL_HENV)
        SQLFreeHandle(SQL_HANDLE_ENV, db->env);
    free(db->conn_redacted);
    free(db);
}

sp_dialect sp_db_dialect(const sp_db *db)
{
    return db->dialect;
}

const char *sp_dialect_name(sp_dialect d)
{
    return sp_dialect_sql_of(d)->name;
}

const char *sp_db_server_version(const sp_db *db)
{
    return db->dbms;
}

const char *sp_db_conn_redacted(const sp_db *db)
{
    return db->conn_redacted ? db->conn_redacted : "";
}

int sp_db_check_ident(const char *name, const char *what, sp_err *e)
{
    const char *p = name;
    int parts = 0;
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > 128)
        goto bad;
    for (;;) {
        if (!(isalpha((unsigned char)*p) || *p == '_'))
            goto bad;
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        parts++;
        if (*p == '\0')
            break;
        if (*p != '.' || parts == 3)
            goto bad;
        p++;
    }
    return 0;
bad:
    return SP_ERR(e, SP_EJOB,
                  "%s \"%.*s\" is not a plain SQL name (letters, digits and _, optionally "
                  "schema-qualified)",
                  what ? what : "name", 130, name ? name : "");
}

/* ---- dialect helpers -------------------------------------------------------- */

const char *sp_db_sql_now(const sp_db *db)
{
    return sp_sql_now(db->dialect);
}

const char *sp_sql_now(sp_dialect d)
{
    return sp_dialect_sql_of(d)->now;
}

int sp_db_sql_select_limit(const sp_db *db, sp_buf *out, const char *rest, long limit, sp_err *e)
{
    return sp_sql_select_limit(db->dialect, out, rest, limit, e);
}

int sp_sql_select_limit(sp_dialect d, sp_buf *out, const char *rest, long limit, sp_err *e)
{
    if (limit <= 0)
        return SP_ERR(e, SP_EINTERNAL, "row limit %ld is not positive", limit);
    if (sp_dialect_sql_of(d)->top)
        return sp_buf_printf(out, e, "SELECT TOP (%ld) %s", limit, rest);
    return sp_buf_printf(out, e, "SELECT %s LIMIT %ld", rest, limit);
}

int sp_db_sql_upsert(const sp_db *db, sp_buf *out, const char *table, const char *const *keys,
                     int nkeys, const char *const *cols, int ncols, sp_err *e)
{
    return sp_sql_upsert(db->dialect, out, table, keys, nkeys, cols, ncols, e);
}

int sp_sql_upsert(sp_dialect d, sp_buf *out, const char *table, const char *const *keys, int nkeys,
                  const char *const *cols, int ncols, sp_err *e)
{
    int i;

    if (nkeys < 1 || ncols < 0)
        return SP_ERR(e, SP_EINTERNAL, "upsert into %s needs at least one key column", table);
    if (sp_db_check_ident(table, "table", e) < 0)
        return -1;
    for (i = 0; i < nkeys; i++)
        if (sp_db_check_ident(keys[i], "column", e) < 0)
            return -1;
    for (i = 0; i < ncols; i++)
        if (sp_db_check_ident(cols[i], "column", e) < 0)
            return -1;

    if (sp_dialect_sql_of(d)->upsert_merge) {
        if (sp_buf_printf(out, e, "MERGE INTO %s WITH (HOLDLOCK) AS tgt USING (SELECT ", table) < 0)
            return -1;
        for (i = 0; i < nkeys + ncols; i++) {
            const char *c = i < nkeys ? keys[i] : cols[i - nkeys];
            if (sp_buf_printf(out, e, "%s? AS %s", i ? ", " : "", c) < 0)
                return -1;
        }
        if (sp_buf_puts(out, ") AS src ON ", e) < 0)
            return -1;
        for (i = 0; i < nkeys; i++)
            if (sp_buf_printf(out, e, "%stgt.%s = src.%s", i ? " AND " : "", keys[i], keys[i]) < 0)
                return -1;
        if (ncols > 0) {
            if (sp_buf_puts(out, " WHEN MATCHED THEN UPDATE SET ", e) < 0)
                return -1;
            for (i = 0; i < ncols; i++)
                if (sp_buf_printf(out, e, "%s%s = src.%s", i ? ", " : "", cols[i], cols[i]) < 0)
                    return -1;
        }
        if (sp_buf_puts(out, " WHEN NOT MATCHED THEN INSERT (", e) < 0)
            return -1;
        for (i = 0; i < nkeys + ncols; i++)
            if (sp_buf_printf(out, e, "%s%s", i ? ", " : "",
                              i < nkeys ? keys[i] : cols[i - nkeys]) < 0)
                return -1;
        if (sp_buf_puts(out, ") VALUES (", e) < 0)
            return -1;
        for (i = 0; i < nkeys + ncols; i++)
            if (sp_buf_printf(out, e, "%ssrc.%s", i ? ", " : "",
                              i < nkeys ? keys[i] : cols[i - nkeys]) < 0)
                return -1;
        return sp_buf_puts(out, ");", e);
    }

    if (sp_buf_printf(out, e, "INSERT INTO %s (", table) < 0)
        return -1;
    for (i = 0; i < nkeys + ncols; i++)
        if (sp_buf_printf(out, e, "%s%s", i ? ", " : "", i < nkeys ? keys[i] : cols[i - nkeys]) < 0)
            return -1;
    if (sp_buf_puts(out, ") VALUES (", e) < 0)
        return -1;
    for (i = 0; i < nkeys + ncols; i++)
        if (sp_buf_puts(out, i ? ", ?" : "?", e) < 0)
            return -1;
    if (sp_buf_puts(out, ") ON CONFLICT (", e) < 0)
        return -1;
    for (i = 0; i < nkeys; i++)
        if (sp_buf_printf(out, e, "%s%s", i ? ", " : "", keys[i]) < 0)
            return -1;
    if (ncols == 0)
        return sp_buf_puts(out, ") DO NOTHING", e);
    if (sp_buf_puts(out, ") DO UPDATE SET ", e) < 0)
        return -1;
    for (i = 0; i < ncols; i++)
        if (sp_buf_printf(out, e, "%s%s = excluded.%s", i ? ", " : "", cols[i], cols[i]) < 0)
            return -1;
    return 0;
}

/* ---- execution ---------------------------------------------------------------- */

int sp_db_alloc_stmt(sp_db *db, SQLHSTMT *out, sp_err *e)
{
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, db->dbc, out))) {
        *out = SQL_NULL_HSTMT;
        return sp_db_diag(db, e, SQL_HANDLE_DBC, db->dbc, NULL, "allocating a statement");
    }
    return 0;
}

int sp_db_exec(sp_db *db, const char *sql, int64_t *rows, sp_err *e)
{
    SQLHSTMT h = SQL_NULL_HSTMT;
    SQLRETURN rc;
    int ret = -1;

    if (rows != NULL)
        *rows = -1;
    if (sp_db_alloc_stmt(db, &h, e) < 0)
        return -1;
    rc = sp_odbc_exec_direct(h, sql);
    if (rc == SQL_NO_DATA) {
        if (rows != NULL)
            *rows = 0;
    } else if (!SQL_SUCCEEDED(rc)) {
        sp_db_diag(db, e, SQL_HANDLE_STMT, h, sql, "executing");
        goto done;
    } else if (rows != NULL) {
        SQLLEN n = -1;
        if (SQL_SUCCEEDED(SQLRowCount(h, &n)))
            *rows = (int64_t)n;
    }
    ret = 0;
done:
    SQLFreeHandle(SQL_HANDLE_STMT, h);
    return ret;
}

int sp_db_refresh_stats(sp_db *db, const char *table, sp_err *e)
{
    char sql[160];

    if (sp_db_check_ident(table, "table", e) != 0)
        return -1;
    if (db->dialect != SP_DIALECT_POSTGRESQL)
        return 0;
    snprintf(sql, sizeof(sql), "ANALYZE %s", table);
    return sp_db_exec(db, sql, NULL, e);
}

int sp_db_table_exists(sp_db *db, const char *name, int *exists, sp_err *e)
{
    const char *dot = strrchr(name, '.');
    const char *sql;
    sp_stmt *st = NULL;
    char schema[130] = "";
    int rc = -1, r;

    *exists = 0;
    if (sp_db_check_ident(name, "table", e) < 0)
        return -1;
    if (dot != NULL) {
        const char *s = name;
        const char *d1 = strchr(name, '.');
        if (d1 != dot)
            s = d1 + 1;  /* db.schema.table: take the schema part */
        snprintf(schema, sizeof(schema), "%.*s", (int)(dot - s), s);
        name = dot + 1;
    }
    sql = schema[0] ? sp_dialect_sql_of(db->dialect)->table_exists_in
                    : sp_dialect_sql_of(db->dialect)->table_exists;
    if (sp_stmt_prepare(db, sql, &st, e) < 0 || sp_stmt_bind_text(st, 1, name, e) < 0 ||
        sp_stmt_bind_text(st, 2, schema[0] ? schema : "-", e) < 0 || sp_stmt_exec(st, NULL, e) < 0)
        goto done;
    r = sp_stmt_fetch(st, e);
    if (r < 0)
        goto done;
    *exists = r;
    rc = 0;
done:
    if (rc < 0)
        sp_err_prefix(e, "checking whether table %s exists", name);
    sp_stmt_free(st);
    return rc;
}

/* ---- transactions ---------------------------------------------------------------- */

int sp_db_set_autocommit(sp_db *db, int on, sp_err *e)
{
    SQLRETURN rc = SQLSetConnectAttr(db->dbc, SQL_ATTR_AUTOCOMMIT,
                                     (SQLPOINTER)(intptr_t)(on ? SQL_AUTOCOMMIT_ON
                                                               : SQL_AUTOCOMMIT_OFF),
                                     SQL_IS_UINTEGER);
    if (!SQL_SUCCEEDED(rc))
        return sp_db_diag(db, e, SQL_HANDLE_DBC, db->dbc, NULL,
                          on ? "turning autocommit on" : "turning autocommit off");
    db->manual_commit = !on;
    return 0;
}

int sp_db_end_tran(sp_db *db, int commit, sp_err *e)
{
    SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, db->dbc, commit ? SQL_COMMIT : SQL_ROLLBACK);
    if (!SQL_SUCCEEDED(rc))
        return sp_db_diag(db, e, SQL_HANDLE_DBC, db->dbc, NULL, commit ? "commit" : "rollback");
    return 0;
}

int sp_db_begin(sp_db *db, sp_err *e)
{
    if (db->in_txn)
        return SP_ERR(e, SP_EINTERNAL, "a transaction is already open on this connection");
    if (sp_db_set_autocommit(db, 0, e) < 0)
        return -1;
    db->in_txn = 1;
    return 0;
}

int sp_db_commit(sp_db *db, sp_err *e)
{
    int rc;
    sp_err e2;

    if (!db->in_txn)
        return SP_ERR(e, SP_EINTERNAL, "commit without a transaction");
    rc = sp_db_end_tran(db, 1, e);
    if (rc < 0) {
        /* a failed commit leaves nothing half-done: roll back what is left */
        SQLEndTran(SQL_HANDLE_DBC, db->dbc, SQL_ROLLBACK);
    }
    db->in_txn = 0;
    if (sp_db_set_autocommit(db, 1, rc < 0 ? &e2 : e) < 0 && rc == 0)
        rc = -1;
    return rc;
}

int sp_db_rollback(sp_db *db, sp_err *e)
{
    int rc;
    sp_err e2;

    if (!db->in_txn)
        return 0;
    rc = sp_db_end_tran(db, 0, e);
    db->in_txn = 0;
    if (sp_db_set_autocommit(db, 1, rc < 0 ? &e2 : e) < 0 && rc == 0)
        rc = -1;
    return rc;
}

int sp_db_in_transaction(const sp_db *db)
{
    return db->in_txn;
}

/* A savepoint's name: a plain name without dots, at most 32 characters
 * (SQL Server's limit), inside a transaction. */
static int savepoint_sql(sp_db *db, const char *verb, const char *name, char *sql, size_t n,
                         sp_err *e)
{
    sp_err e2;
    if (name == NULL || strchr(name, '.') != NULL || strlen(name) > 32 ||
        sp_db_check_ident(name, "savepoint", &e2) < 0)
        return SP_ERR(e, SP_EINTERNAL, "savepoint name \"%.40s\" is not a plain name of at most "
                      "32 characters", name ? name : "");
    if (!db->manual_commit)
        return SP_ERR(e, SP_EINTERNAL, "savepoint %s outside a transaction (sp_db_begin first)",
                      name);
    snprintf(sql, n, "%s%s", verb, name);
    return 0;
}

int sp_db_savepoint(sp_db *db, const char *name, sp_err *e)
{
    char sql[96];
    if (savepoint_sql(db, sp_dialect_sql_of(db->dialect)->savepoint, name, sql, sizeof(sql), e) < 0)
        return -1;
    return sp_db_exec(db, sql, NULL, e);
}

int sp_db_rollback_to(sp_db *db, const char *name, sp_err *e)
{
    char sql[96];
    if (savepoint_sql(db, sp_dialect_sql_of(db->dialect)->rollback_to, name, sql, sizeof(sql),
                      e) < 0)
        return -1;
    return sp_db_exec(db, sql, NULL, e);
}

int sp_db_release(sp_db *db, const char *name, sp_err *e)
{
    char sql[96];
    const char *release = sp_dialect_sql_of(db->dialect)->release;
    if (savepoint_sql(db, release ? release : "", name, sql, sizeof(sql), e) < 0)
        return -1;
    if (release == NULL)
        return 0;   /* SQL Server has no RELEASE; the savepoint simply stays */
    return sp_db_exec(db, sql, NULL, e);
}

int sp_err_is_unique_violation(const sp_err *e)
{
    if (e == NULL || e->code != SP_EDB)
        return 0;
    if (strcmp(e->sqlstate, "23505") == 0)
        return 1;   /* PostgreSQL (and the standard's unique_violation) */
    if (strcmp(e->sqlstate, "23000") != 0)
        return 0;
    if (e->native == 2627 || e->native == 2601)
        return 1;   /* SQL Server: PRIMARY KEY / UNIQUE constraint, unique index */
    /* SQLite: 23000 is any constraint (native 19); its text tells which */
    return e->native == 19 &&
           (strstr(e->msg, "UNIQUE constraint") != NULL ||
            strstr(e->msg, "PRIMARY KEY must be unique") != NULL ||
            strstr(e->msg, "is not unique") != NULL);
}

/* ---- parameter types ---------------------------------------------------------------- */

void sp_db_param_types(const sp_db *db, sp_type type, size_t text_len, SQLSMALLINT *ctype,
                       SQLSMALLINT *sqltype, SQLULEN *colsize, SQLSMALLINT *digits)
{
    size_t varchar_max = sp_dialect_sql_of(db->dialect)->varchar_max;

    *digits = 0;
    switch (type) {
    case SP_TYPE_INT:
        *ctype = SQL_C_SBIGINT;
        *sqltype = SQL_BIGINT;
        *colsize = 19;
        break;
    case SP_TYPE_DOUBLE:
        *ctype = SQL_C_DOUBLE;
        *sqltype = SQL_DOUBLE;
        *colsize = 15;
        break;
    case SP_TYPE_NUMERIC:
        *ctype = SQL_C_CHAR;
        *sqltype = SQL_NUMERIC;
        *colsize = 38;
        *digits = 10;
        break;
    case SP_TYPE_TIME:
        if (db->dialect == SP_DIALECT_SQLITE) {
            /* SQLite keeps timestamps as text: write the one text form */
            *ctype = SQL_C_CHAR;
            *sqltype = SQL_VARCHAR;
            *colsize = 23;
        } else {
            *ctype = SQL_C_TYPE_TIMESTAMP;
            *sqltype = SQL_TYPE_TIMESTAMP;
            *colsize = 23;
            *digits = 3;
        }
        break;
    case SP_TYPE_TEXT:
    default:
        *colsize = text_len > 0 ? text_len : 1;
#ifdef _WIN32
        /* UTF-16 (the narrow API would read the ANSI code page); nvarchar(n)
         * ends at half varchar(n)'s bytes, in characters */
        *ctype = SQL_C_WCHAR;
        *sqltype = varchar_max > 0 && text_len > varchar_max / 2 ? SQL_WLONGVARCHAR : SQL_WVARCHAR;
#else
        *ctype = SQL_C_CHAR;
        *sqltype = varchar_max > 0 && text_len > varchar_max ? SQL_LONGVARCHAR : SQL_VARCHAR;
#endif
        break;
    }
}

void sp_db_ms_to_ts(int64_t ms, SQL_TIMESTAMP_STRUCT *ts)
{
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rem = ms - days * 86400000;
    /* civil_from_days (Howard Hinnant's algorithm, public domain) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    memset(ts, 0, sizeof(*ts));
    ts->year = (SQLSMALLINT)(y + (m <= 2));
    ts->month = (SQLUSMALLINT)m;
    ts->day = (SQLUSMALLINT)d;
    ts->hour = (SQLUSMALLINT)(rem / 3600000);
    ts->minute = (SQLUSMALLINT)(rem / 60000 % 60);
    ts->second = (SQLUSMALLINT)(rem / 1000 % 60);
    ts->fraction = (SQLUINTEGER)(rem % 1000) * 1000000u;
}
