/*
 * odbcrec.c -- a recording ODBC driver for tests: it claims to be
 * "Microsoft SQL Server", writes every statement text it is asked to prepare
 * or execute to a file, and answers as an empty database would.
 *
 * Why a driver and not a mode of etl/db/: the texts it records are the ones
 * spetl's unchanged db layer hands to the driver manager for the SQL Server
 * dialect (after every builder, splitter and savepoint of etl/db/), so the
 * test parses what a real SQL Server would receive, through the same calls.
 *
 * Connection string keys (loaded by unixODBC with Driver=/path/odbcrec.so):
 *   Record=<file>   append each text, followed by a line holding only "\x1e"
 *   Tables=all|none INFORMATION_SCHEMA look-ups find every table (default)
 *                   or none
 * Answers: a query has the columns named by its select list and no rows
 * (one row "1" for an INFORMATION_SCHEMA look-up with Tables=all, one row
 * "0" for a select list that starts with COUNT(...)); any other
 * statement affects 1 row, every row of a parameter array succeeds.
 * Only unixODBC's ANSI entry points are given; nothing is checked.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sql.h>
#include <sqlext.h>

#define REC_COLS 64

typedef struct rec_env {
    int unused;
} rec_env;

typedef struct rec_dbc {
    char record[512];
    int tables_none;
} rec_dbc;

typedef struct rec_stmt {
    rec_dbc *dbc;
    char *sql;
    int ncols;
    char names[REC_COLS][64];
    int rows_left;
    SQLULEN paramset;
    SQLUSMALLINT *param_status;
    SQLULEN *processed;
    SQLULEN *fetched;
    SQLUSMALLINT *row_status;
    SQLPOINTER col1_buf;
    SQLLEN col1_len;
    SQLLEN *col1_ind;
    int desc_dummy;
    const char *row_value;
} rec_stmt;

static void conn_key(const char *conn, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    const char *p = conn;

    out[0] = '\0';
    while (p != NULL && *p != '\0') {
        while (*p == ';' || *p == ' ')
            p++;
        if (strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t l = strcspn(p + kl + 1, ";");
            snprintf(out, n, "%.*s", (int)l, p + kl + 1);
            return;
        }
        p = strchr(p, ';');
    }
}

static void record(rec_dbc *d, const char *sql, SQLINTEGER len)
{
    FILE *f;

    if (d->record[0] == '\0' || (f = fopen(d->record, "a")) == NULL)
        return;
    if (len == SQL_NTS)
        fputs(sql, f);
    else
        fwrite(sql, 1, (size_t)len, f);
    fputs("\n\x1e\n", f);
    fclose(f);
}

/* Is word w at p (case-insensitive, whole word)? */
static int word_at(const char *p, const char *w)
{
    size_t l = strlen(w);
    return strncasecmp(p, w, l) == 0 && !isalnum((unsigned char)p[l]) && p[l] != '_';
}

/* The output name of one select item [b, e): its alias or last identifier. */
static void item_name(const char *b, const char *e, char *out, size_t n)
{
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    const char *s = e;
    while (s > b && (isalnum((unsigned char)s[-1]) || s[-1] == '_'))
        s--;
    if (s == e)
        snprintf(out, n, "c");
    else
        snprintf(out, n, "%.*s", (int)(e - s), s);
}

/* Columns of a query: the top-level items between SELECT and FROM. */
static void describe(rec_stmt *st)
{
    const char *p = st->sql, *item, *first;
    int depth = 0;

    st->ncols = 0;
    while (isspace((unsigned char)*p))
        p++;
    if (!word_at(p, "SELECT"))
        return;
    p += 6;
    while (isspace((unsigned char)*p))
        p++;
    if (word_at(p, "TOP")) {
        p = strchr(p, ')');
        p = p != NULL ? p + 1 : st->sql + strlen(st->sql);
    }
    if (word_at(p, "DISTINCT"))
        p += 8;
    while (isspace((unsigned char)*p))
        p++;
    first = p;
    for (item = p; *p != '\0' && st->ncols < REC_COLS; p++) {
        if (*p == '\'') {
            const char *q = strchr(p + 1, '\'');
            if (q == NULL)
                return;
            p = q;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            depth--;
        } else if (depth == 0 && (*p == ',' || (isspace((unsigned char)p[-1]) &&
                                                word_at(p, "FROM")))) {
            item_name(item, p, st->names[st->ncols], sizeof(st->names[0]));
            st->ncols++;
            if (*p != ',')
                break;
            item = p + 1;
        }
    }
    if (*p == '\0' && item < p && st->ncols < REC_COLS)
        item_name(item, p, st->names[st->ncols++], sizeof(st->names[0]));
    st->row_value = "1";
    st->rows_left = st->ncols > 0 && !st->dbc->tables_none && strstr(st->sql, "INFORMATION_SCHEMA");
    if (st->ncols > 0 && strncasecmp(first, "COUNT(", 6) == 0) {
        st->row_value = "0";   /* an aggregate has its one row */
        st->rows_left = 1;
    }
}

SQLRETURN SQL_API SQLAllocHandle(SQLSMALLINT type, SQLHANDLE in, SQLHANDLE *out)
{
    switch (type) {
    case SQL_HANDLE_ENV:
        *out = calloc(1, sizeof(rec_env));
        break;
    case SQL_HANDLE_DBC:
        *out = calloc(1, sizeof(rec_dbc));
        break;
    case SQL_HANDLE_STMT: {
        rec_stmt *st = calloc(1, sizeof(*st));
        if (st != NULL)
            st->dbc = in;
        *out = st;
        break;
    }
    default:
        return SQL_ERROR;
    }
    return *out != NULL ? SQL_SUCCESS : SQL_ERROR;
}

SQLRETURN SQL_API SQLFreeHandle(SQLSMALLINT type, SQLHANDLE h)
{
    if (type == SQL_HANDLE_STMT && h != NULL)
        free(((rec_stmt *)h)->sql);
    free(h);
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLSetEnvAttr(SQLHENV h, SQLINTEGER a, SQLPOINTER v, SQLINTEGER l)
{
    (void)h, (void)a, (void)v, (void)l;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLDriverConnect(SQLHDBC h, SQLHWND w, SQLCHAR *in, SQLSMALLINT inl,
                                   SQLCHAR *out, SQLSMALLINT outmax, SQLSMALLINT *outl,
                                   SQLUSMALLINT how)
{
    rec_dbc *d = h;
    char conn[2048], tables[16];

    (void)w, (void)how;
    snprintf(conn, sizeof(conn), "%.*s", inl == SQL_NTS ? (int)strlen((char *)in) : (int)inl,
             (char *)in);
    conn_key(conn, "Record", d->record, sizeof(d->record));
    conn_key(conn, "Tables", tables, sizeof(tables));
    d->tables_none = strcasecmp(tables, "none") == 0;
    if (out != NULL && outmax > 0)
        snprintf((char *)out, (size_t)outmax, "%s", conn);
    if (outl != NULL)
        *outl = (SQLSMALLINT)strlen(conn);
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLConnect(SQLHDBC h, SQLCHAR *dsn, SQLSMALLINT dl, SQLCHAR *u, SQLSMALLINT ul,
                             SQLCHAR *p, SQLSMALLINT pl)
{
    (void)h, (void)dsn, (void)dl, (void)u, (void)ul, (void)p, (void)pl;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLDisconnect(SQLHDBC h)
{
    (void)h;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLGetInfo(SQLHDBC h, SQLUSMALLINT what, SQLPOINTER v, SQLSMALLINT max,
                             SQLSMALLINT *len)
{
    const char *s = NULL;

    (void)h;
    switch (what) {
    case SQL_DBMS_NAME:
        s = "Microsoft SQL Server";
        break;
    case SQL_DBMS_VER:
        s = "16.00.4135";
        break;
    case SQL_DRIVER_ODBC_VER:
        s = "03.80";
        break;
    case SQL_DRIVER_NAME:
        s = "odbcrec.so";
        break;
    case SQL_DRIVER_VER:
        s = "01.00.0000";
        break;
    default:
        break;
    }
    if (s != NULL) {
        if (v != NULL && max > 0)
            snprintf(v, (size_t)max, "%s", s);
        if (len != NULL)
            *len = (SQLSMALLINT)strlen(s);
    } else if (what == SQL_CURSOR_COMMIT_BEHAVIOR || what == SQL_CURSOR_ROLLBACK_BEHAVIOR) {
        *(SQLUSMALLINT *)v = SQL_CB_PRESERVE;
    } else if (v != NULL) {
        *(SQLUSMALLINT *)v = 0;   /* 0 / "" / no for everything else */
    }
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLSetConnectAttr(SQLHDBC h, SQLINTEGER a, SQLPOINTER v, SQLINTEGER l)
{
    (void)h, (void)a, (void)v, (void)l;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLGetConnectAttr(SQLHDBC h, SQLINTEGER a, SQLPOINTER v, SQLINTEGER max,
                                    SQLINTEGER *l)
{
    (void)h, (void)a, (void)max;
    if (v != NULL)
        *(SQLUINTEGER *)v = 0;
    if (l != NULL)
        *l = sizeof(SQLUINTEGER);
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLEndTran(SQLSMALLINT t, SQLHANDLE h, SQLSMALLINT how)
{
    (void)t, (void)h, (void)how;
    return SQL_SUCCESS;
}

/* Entry points call each other through these: a call by the exported name
 * would reach the driver manager's function of that name. */
static SQLRETURN rec_prepare(SQLHSTMT h, SQLCHAR *sql, SQLINTEGER len)
{
    rec_stmt *st = h;
    size_t l = len == SQL_NTS ? strlen((char *)sql) : (size_t)len;

    free(st->sql);
    st->sql = malloc(l + 1);
    if (st->sql == NULL)
        return SQL_ERROR;
    memcpy(st->sql, sql, l);
    st->sql[l] = '\0';
    record(st->dbc, st->sql, SQL_NTS);
    return SQL_SUCCESS;
}

static SQLRETURN rec_execute(SQLHSTMT h)
{
    rec_stmt *st = h;

    describe(st);
    for (SQLULEN i = 0; st->param_status != NULL && i < (st->paramset ? st->paramset : 1); i++)
        st->param_status[i] = SQL_PARAM_SUCCESS;
    if (st->processed != NULL)
        *st->processed = st->paramset ? st->paramset : 1;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLPrepare(SQLHSTMT h, SQLCHAR *sql, SQLINTEGER len)
{
    return rec_prepare(h, sql, len);
}

SQLRETURN SQL_API SQLExecute(SQLHSTMT h)
{
    return rec_execute(h);
}

SQLRETURN SQL_API SQLExecDirect(SQLHSTMT h, SQLCHAR *sql, SQLINTEGER len)
{
    if (rec_prepare(h, sql, len) != SQL_SUCCESS)
        return SQL_ERROR;
    return rec_execute(h);
}

SQLRETURN SQL_API SQLBindParameter(SQLHSTMT h, SQLUSMALLINT i, SQLSMALLINT io, SQLSMALLINT ct,
                                   SQLSMALLINT pt, SQLULEN size, SQLSMALLINT dd, SQLPOINTER v,
                                   SQLLEN max, SQLLEN *ind)
{
    (void)h, (void)i, (void)io, (void)ct, (void)pt, (void)size, (void)dd, (void)v, (void)max;
    (void)ind;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLNumParams(SQLHSTMT h, SQLSMALLINT *n)
{
    (void)h;
    *n = 0;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLNumResultCols(SQLHSTMT h, SQLSMALLINT *n)
{
    *n = (SQLSMALLINT)((rec_stmt *)h)->ncols;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLDescribeCol(SQLHSTMT h, SQLUSMALLINT c, SQLCHAR *name, SQLSMALLINT max,
                                 SQLSMALLINT *namelen, SQLSMALLINT *type, SQLULEN *size,
                                 SQLSMALLINT *dd, SQLSMALLINT *nullable)
{
    rec_stmt *st = h;
    const char *n = c >= 1 && c <= st->ncols ? st->names[c - 1] : "c";

    if (name != NULL && max > 0)
        snprintf((char *)name, (size_t)max, "%s", n);
    if (namelen != NULL)
        *namelen = (SQLSMALLINT)strlen(n);
    if (type != NULL)
        *type = SQL_VARCHAR;
    if (size != NULL)
        *size = 255;
    if (dd != NULL)
        *dd = 0;
    if (nullable != NULL)
        *nullable = SQL_NULLABLE;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLBindCol(SQLHSTMT h, SQLUSMALLINT c, SQLSMALLINT ct, SQLPOINTER v, SQLLEN max,
                             SQLLEN *ind)
{
    rec_stmt *st = h;

    (void)ct;
    if (c == 1) {
        st->col1_buf = v;
        st->col1_len = max;
        st->col1_ind = ind;
    }
    return SQL_SUCCESS;
}

static SQLRETURN rec_fetch(SQLHSTMT h)
{
    rec_stmt *st = h;

    if (st->rows_left <= 0) {
        if (st->fetched != NULL)
            *st->fetched = 0;
        return SQL_NO_DATA;
    }
    st->rows_left--;
    if (st->col1_buf != NULL && st->col1_len > 1)
        snprintf(st->col1_buf, (size_t)st->col1_len, "%s", st->row_value);
    if (st->col1_ind != NULL)
        *st->col1_ind = 1;
    if (st->fetched != NULL)
        *st->fetched = 1;
    if (st->row_status != NULL)
        st->row_status[0] = SQL_ROW_SUCCESS;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLFetch(SQLHSTMT h)
{
    return rec_fetch(h);
}

SQLRETURN SQL_API SQLFetchScroll(SQLHSTMT h, SQLSMALLINT o, SQLLEN off)
{
    (void)o, (void)off;
    return rec_fetch(h);
}

SQLRETURN SQL_API SQLRowCount(SQLHSTMT h, SQLLEN *n)
{
    rec_stmt *st = h;
    *n = st->ncols > 0 ? -1 : 1;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLSetStmtAttr(SQLHSTMT h, SQLINTEGER a, SQLPOINTER v, SQLINTEGER l)
{
    rec_stmt *st = h;

    (void)l;
    switch (a) {
    case SQL_ATTR_PARAMSET_SIZE:
        st->paramset = (SQLULEN)(uintptr_t)v;
        break;
    case SQL_ATTR_PARAM_STATUS_PTR:
        st->param_status = v;
        break;
    case SQL_ATTR_PARAMS_PROCESSED_PTR:
        st->processed = v;
        break;
    case SQL_ATTR_ROWS_FETCHED_PTR:
        st->fetched = v;
        break;
    case SQL_ATTR_ROW_STATUS_PTR:
        st->row_status = v;
        break;
    default:
        break;
    }
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLGetStmtAttr(SQLHSTMT h, SQLINTEGER a, SQLPOINTER v, SQLINTEGER max,
                                 SQLINTEGER *l)
{
    rec_stmt *st = h;

    (void)max;
    if (a == SQL_ATTR_APP_ROW_DESC || a == SQL_ATTR_APP_PARAM_DESC || a == SQL_ATTR_IMP_ROW_DESC ||
        a == SQL_ATTR_IMP_PARAM_DESC)
        *(SQLPOINTER *)v = &st->desc_dummy;
    else if (v != NULL)
        *(SQLULEN *)v = 0;
    if (l != NULL)
        *l = sizeof(SQLPOINTER);
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLFreeStmt(SQLHSTMT h, SQLUSMALLINT opt)
{
    rec_stmt *st = h;
    if (opt == SQL_CLOSE)
        st->rows_left = 0;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLCloseCursor(SQLHSTMT h)
{
    ((rec_stmt *)h)->rows_left = 0;
    return SQL_SUCCESS;
}

SQLRETURN SQL_API SQLMoreResults(SQLHSTMT h)
{
    (void)h;
    return SQL_NO_DATA;
}

SQLRETURN SQL_API SQLGetDiagRec(SQLSMALLINT t, SQLHANDLE h, SQLSMALLINT rec, SQLCHAR *state,
                                SQLINTEGER *native, SQLCHAR *msg, SQLSMALLINT max,
                                SQLSMALLINT *len)
{
    (void)t, (void)h, (void)rec, (void)state, (void)native, (void)msg, (void)max, (void)len;
    return SQL_NO_DATA;
}
