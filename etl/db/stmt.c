/*
 * stmt.c -- prepared statements: bound parameters, block-cursor reads into
 * fixed per-column buffers, right-trimmed text, typed getters, and keyset
 * paging (chunked re-execution by key) for large parameterised reads.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_internal.h"
#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/mem.h"
#include "spetl/utf16.h"

#define KEYSET_MAX_KEYS 8
#define KEYSET_MAX_PARAMS (KEYSET_MAX_KEYS * (KEYSET_MAX_KEYS + 1) / 2)
#define COL_NAME_MAX 129
#define PARAM_MAX 2000   /* highest parameter index accepted */

typedef struct col_decl {
    char *name;                  /* NULL: the default */
    size_t max;
} col_decl;

typedef struct sp_col {
    char name[COL_NAME_MAX];
    SQLSMALLINT sqltype;
    size_t max;                  /* bound in bytes, without the NUL */
    char *buf;                   /* rows_alloc * (max + 1) */
    SQLLEN *ind;                 /* rows_alloc */
#ifdef _WIN32
    uint16_t *wbuf;              /* the bound UTF-16 cells, rows_alloc * (max + 1) */
#endif
    /* the current row */
    char *val;
    size_t len;
    int is_null;
} sp_col;

struct sp_stmt {
    sp_db *db;
    char *sql;                   /* statement text (keyset: the first chunk's) */
    SQLHSTMT h;
    /* parameters, 1-based: params[idx - 1] */
    sp_value *params;
    int nparams;                 /* highest index bound */
    size_t params_cap;
    /* declared column bounds */
    col_decl *decls;
    int ndecls;
    size_t text_max;
    int fetch_rows;
    /* result */
    int has_result;
    int eof;
    int ncols;
    sp_col *cols;
    int rows_alloc;
    int rows_cap;                /* rows a block may grow to (fetch_rows, fetch_mem_max) */
    int rows_want;               /* the next execute's block: a full block asks for more */
    SQLULEN fetched;
    SQLUSMALLINT *status;
    SQLULEN pos;
    int64_t row_count;
    int no_count;                /* sp_stmt_prepare_kept on SQLite: no row count */
    SQLHSTMT cur;                /* handle whose cursor is open */
    int bound_h, bound_next;     /* columns bound to h / h_next */
    /* keyset paging */
    int keyset;
    char *sql_next;
    SQLHSTMT h_next;
    int nkeys;
    char *key_name[KEYSET_MAX_KEYS];     /* result column name of each key */
    int key_col[KEYSET_MAX_KEYS];
    char *last_key[KEYSET_MAX_KEYS];     /* raw (untrimmed) value of the last row */
    SQLLEN last_key_len[KEYSET_MAX_KEYS];
    sp_value key_params[KEYSET_MAX_PARAMS];
    char *key_param_text[KEYSET_MAX_PARAMS];
    int where_params;
    int chunk_rows;
    int64_t chunk_seen;
};

/* ---- helpers ---------------------------------------------------------------- */

static const char *stmt_text(const sp_stmt *st)
{
    return st->sql != NULL ? st->sql : "";
}

static int count_placeholders(const char *sql)
{
    int n = 0;
    char quote = 0;

    for (const char *p = sql; *p != '\0'; p++) {
        if (quote != 0) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?') {
            n++;
        }
    }
    return n;
}

static void value_clear(sp_value *v)
{
    free(v->text);
    free(v->wtext);
    memset(v, 0, sizeof(*v));
}

static void cols_free(sp_stmt *st)
{
    for (int i = 0; i < st->ncols; i++) {
        free(st->cols[i].buf);
        free(st->cols[i].ind);
#ifdef _WIN32
        free(st->cols[i].wbuf);
#endif
    }
    free(st->cols);
    free(st->status);
    st->cols = NULL;
    st->status = NULL;
    st->ncols = 0;
    st->rows_alloc = 0;
}

void sp_stmt_free(sp_stmt *st)
{
    if (st == NULL)
        return;
    if (st->h != SQL_NULL_HSTMT)
        SQLFreeHandle(SQL_HANDLE_STMT, st->h);
    if (st->h_next != SQL_NULL_HSTMT)
        SQLFreeHandle(SQL_HANDLE_STMT, st->h_next);
    for (size_t i = 0; i < st->params_cap; i++)
        value_clear(&st->params[i]);
    free(st->params);
    for (int i = 0; i < st->ndecls; i++)
        free(st->decls[i].name);
    free(st->decls);
    cols_free(st);
    for (int k = 0; k < KEYSET_MAX_KEYS; k++) {
        free(st->key_name[k]);
        free(st->last_key[k]);
    }
    for (int k = 0; k < KEYSET_MAX_PARAMS; k++) {
        free(st->key_param_text[k]);
        free(st->key_params[k].wtext);
    }
    free(st->sql);
    free(st->sql_next);
    free(st);
}

static sp_stmt *stmt_new(sp_db *db)
{
    sp_stmt *st = sp_xcalloc(1, sizeof(*st));
    st->db = db;
    st->h = SQL_NULL_HSTMT;
    st->h_next = SQL_NULL_HSTMT;
    st->cur = SQL_NULL_HSTMT;
    st->text_max = db->opts.text_max;
    st->fetch_rows = db->opts.fetch_rows;
    return st;
}

static int stmt_prepare_handle(sp_stmt *st, SQLHSTMT *h, const char *sql, sp_err *e)
{
    if (sp_db_alloc_stmt(st->db, h, e) < 0)
        return -1;
    if (!SQL_SUCCEEDED(sp_odbc_prepare(*h, sql)))
        return sp_db_diag(st->db, e, SQL_HANDLE_STMT, *h, sql, "preparing");
    return 0;
}

int sp_stmt_prepare(sp_db *db, const char *sql, sp_stmt **out, sp_err *e)
{
    sp_stmt *st = stmt_new(db);

    *out = NULL;
    st->sql = sp_xstrdup(sql);
    if (stmt_prepare_handle(st, &st->h, sql, e) < 0) {
        sp_stmt_free(st);
        return -1;
    }
    *out = st;
    return 0;
}

/* The SQLite ODBC driver compiles an INSERT, UPDATE or DELETE again at every
 * SQLExecute (its SQLPrepare keeps only a statement starting with SELECT or
 * WITH compiled): a WITH that names nothing makes it keep the statement. Its
 * row count then reads 0, hence no_count. */
int sp_stmt_prepare_kept(sp_db *db, const char *sql, sp_stmt **out, sp_err *e)
{
    sp_stmt *st = NULL;
    char *kept = NULL;
    int rc;

    if (db->dialect != SP_DIALECT_SQLITE)
        return sp_stmt_prepare(db, sql, out, e);
    *out = NULL;
    st = stmt_new(db);
    st->sql = sp_xstrdup(sql);   /* messages quote the statement as written */
    st->no_count = 1;
    kept = sp_xasprintf("%s%s", SP_SQLITE_KEPT, sql);
    rc = stmt_prepare_handle(st, &st->h, kept, e);
    free(kept);
    if (rc < 0) {
        sp_stmt_free(st);
        return -1;
    }
    *out = st;
    return 0;
}

/* ---- parameters ---------------------------------------------------------------- */

static sp_value *param_slot(sp_stmt *st, int idx, sp_err *e)
{
    if (idx < 1 || idx > PARAM_MAX) {
        SP_ERR(e, SP_EINTERNAL, "parameter index %d is out of range 1..%d", idx, PARAM_MAX);
        return NULL;
    }
    if ((size_t)idx > st->params_cap) {
        size_t was = st->params_cap;
        st->params = sp_xgrow(st->params, (size_t)idx - 1, &st->params_cap, sizeof(*st->params), 8);
        memset(st->params + was, 0, (st->params_cap - was) * sizeof(*st->params));
    }
    if (idx > st->nparams)
        st->nparams = idx;
    sp_value *v = &st->params[idx - 1];
    value_clear(v);
    v->set = 1;
    return v;
}

int sp_stmt_bind_text(sp_stmt *st, int idx, const char *s, sp_err *e)
{
    sp_value *v = param_slot(st, idx, e);
    if (v == NULL)
        return -1;
    v->type = SP_TYPE_TEXT;
    if (s == NULL)
        v->is_null = 1;
    else
        v->text = sp_xstrdup(s);
    return 0;
}

int sp_stmt_bind_int(sp_stmt *st, int idx, int64_t val, sp_err *e)
{
    sp_value *v = param_slot(st, idx, e);
    if (v == NULL)
        return -1;
    v->type = SP_TYPE_INT;
    v->i = val;
    return 0;
}

int sp_stmt_bind_double(sp_stmt *st, int idx, double val, sp_err *e)
{
    sp_value *v = param_slot(st, idx, e);
    if (v == NULL)
        return -1;
    v->type = SP_TYPE_DOUBLE;
    v->d = val;
    return 0;
}

int sp_stmt_bind_numeric(sp_stmt *st, int idx, const char *decimal, sp_err *e)
{
    sp_value *v = param_slot(st, idx, e);
    if (v == NULL)
        return -1;
    v->type = SP_TYPE_NUMERIC;
    if (decimal == NULL)
        v->is_null = 1;
    else
        v->text = sp_xstrdup(decimal);
    return 0;
}

int sp_stmt_bind_time(sp_stmt *st, int idx, int64_t epoch_ms, sp_err *e)
{
    sp_value *v = param_slot(st, idx, e);
    if (v == NULL)
        return -1;
    v->type = SP_TYPE_TIME;
    v->i = epoch_ms;
    return 0;
}

int sp_stmt_bind_null(sp_stmt *st, int idx, sp_type type, sp_err *e)
{
    sp_value *v = param_slot(st, idx, e);
    if (v == NULL)
        return -1;
    v->type = type;
    v->is_null = 1;
    return 0;
}

/* The buffer of a text parameter: its UTF-8 as is, or (Windows, bound as
 * SQL_C_WCHAR) its UTF-16 in v->wtext. */
static SQLPOINTER text_param(sp_value *v, SQLSMALLINT ctype, size_t tlen, SQLLEN *buflen)
{
    if (ctype != SQL_C_WCHAR) {
        v->ind = (SQLLEN)tlen;
        *buflen = (SQLLEN)tlen + 1;
        return v->text;
    }
    free(v->wtext);
    v->wtext = sp_xmalloc((tlen + 1) * sizeof(*v->wtext));
    size_t units = sp_utf8_to_utf16(v->text, tlen, v->wtext, tlen + 1);
    v->ind = (SQLLEN)(units * sizeof(*v->wtext));
    *buflen = (SQLLEN)((units + 1) * sizeof(*v->wtext));
    return v->wtext;
}

/* SQLBindParameter for one value. */
static int bind_value(sp_stmt *st, SQLHSTMT h, int idx, sp_value *v, const char *sql, sp_err *e)
{
    SQLSMALLINT ctype, sqltype, digits;
    SQLULEN colsize;
    SQLPOINTER ptr = NULL;
    SQLLEN buflen = 0;
    size_t tlen = v->text ? strlen(v->text) : 0;

    /* A stable declared size (255 / 4000 / exact) keeps SQL Server's plan
     * cache from filling with one plan per length. */
    size_t declared = tlen <= 255 ? 255 : tlen <= 4000 ? 4000 : tlen;
    sp_db_param_types(st->db, v->type, declared, &ctype, &sqltype, &colsize, &digits);
    if (v->is_null) {
        v->ind = SQL_NULL_DATA;
        ptr = v->tstext;
        buflen = 0;
    } else {
        switch (v->type) {
        case SP_TYPE_INT:
            ptr = &v->i;
            v->ind = 0;
            break;
        case SP_TYPE_DOUBLE:
            ptr = &v->d;
            v->ind = 0;
            break;
        case SP_TYPE_TIME:
            if (ctype == SQL_C_CHAR) {
                sp_time_sql(v->i, v->tstext, sizeof(v->tstext));
                ptr = v->tstext;
                v->ind = (SQLLEN)strlen(v->tstext);
                buflen = (SQLLEN)sizeof(v->tstext);
            } else {
                sp_db_ms_to_ts(v->i, &v->ts);
                ptr = &v->ts;
                v->ind = (SQLLEN)sizeof(v->ts);
                buflen = (SQLLEN)sizeof(v->ts);
            }
            break;
        case SP_TYPE_TEXT:
        case SP_TYPE_NUMERIC:
        default:
            ptr = text_param(v, ctype, tlen, &buflen);
            break;
        }
    }
    if (!SQL_SUCCEEDED(SQLBindParameter(h, (SQLUSMALLINT)idx, SQL_PARAM_INPUT, ctype, sqltype,
                                        colsize, digits, ptr, buflen, &v->ind))) {
        sp_db_diag(st->db, e, SQL_HANDLE_STMT, h, sql, "binding a parameter");
        sp_err_prefix(e, "parameter %d", idx);
        return -1;
    }
    return 0;
}

static int bind_params(sp_stmt *st, SQLHSTMT h, const char *sql, int expected, sp_err *e)
{
    SQLFreeStmt(h, SQL_RESET_PARAMS);
    if (st->nparams > expected)
        return SP_ERR(e, SP_EINTERNAL, "parameter %d is bound but the statement has only %d ?: %.120s",
                      st->nparams, expected, sql);
    for (int i = 1; i <= expected; i++) {
        if (i > st->nparams || !st->params[i - 1].set)
            return SP_ERR(e, SP_EINTERNAL, "parameter %d of %d is not bound: %.120s", i, expected,
                          sql);
        if (bind_value(st, h, i, &st->params[i - 1], sql, e) < 0)
            return -1;
    }
    return 0;
}

/* ---- result columns ---------------------------------------------------------------- */

int sp_stmt_set_text_max(sp_stmt *st, const char *col, size_t max, sp_err *e)
{
    if (max == 0 || max > ((size_t)64 << 20))
        return SP_ERR(e, SP_EINTERNAL, "a column bound of %zu bytes is out of range 1..64 MiB", max);
    if (col == NULL) {
        st->text_max = max;
        return 0;
    }
    for (int i = 0; i < st->ndecls; i++) {
        if (strcasecmp(st->decls[i].name, col) == 0) {
            st->decls[i].max = max;
            return 0;
        }
    }
    st->decls = sp_xrealloc(st->decls, (size_t)(st->ndecls + 1) * sizeof(*st->decls));
    st->decls[st->ndecls].name = sp_xstrdup(col);
    st->decls[st->ndecls].max = max;
    st->ndecls++;
    return 0;
}

void sp_stmt_set_fetch_rows(sp_stmt *st, int rows)
{
    st->fetch_rows = rows > 0 ? (rows > 10000 ? 10000 : rows) : st->db->opts.fetch_rows;
}

static size_t col_bound(const sp_stmt *st, const char *name)
{
    for (int i = 0; i < st->ndecls; i++)
        if (strcasecmp(st->decls[i].name, name) == 0)
            return st->decls[i].max;
    return st->text_max;
}

static int bind_cols_to(sp_stmt *st, SQLHSTMT h, sp_err *e)
{
    SQLSetStmtAttr(h, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)SQL_BIND_BY_COLUMN, 0);
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(h, SQL_ATTR_ROW_ARRAY_SIZE,
                                      (SQLPOINTER)(intptr_t)st->rows_alloc, 0)))
        return sp_db_diag(st->db, e, SQL_HANDLE_STMT, h, stmt_text(st), "setting the rows per fetch");
    SQLSetStmtAttr(h, SQL_ATTR_ROWS_FETCHED_PTR, &st->fetched, 0);
    SQLSetStmtAttr(h, SQL_ATTR_ROW_STATUS_PTR, st->status, 0);
    for (int i = 0; i < st->ncols; i++) {
        sp_col *c = &st->cols[i];
#ifdef _WIN32
        /* UTF-16 (the narrow API would give the ANSI code page): load_row converts */
        SQLRETURN rc = SQLBindCol(h, (SQLUSMALLINT)(i + 1), SQL_C_WCHAR, c->wbuf,
                                  (SQLLEN)((c->max + 1) * sizeof(*c->wbuf)), c->ind);
#else
        SQLRETURN rc = SQLBindCol(h, (SQLUSMALLINT)(i + 1), SQL_C_CHAR, c->buf,
                                  (SQLLEN)(c->max + 1), c->ind);
#endif
        if (!SQL_SUCCEEDED(rc))
            return sp_db_diag(st->db, e, SQL_HANDLE_STMT, h, stmt_text(st), "binding a result column");
    }
    return 0;
}

/* The row buffers for a block of rows (statuses and every column's). */
static void alloc_rows(sp_stmt *st, size_t rows)
{
    st->rows_alloc = (int)rows;
    st->status = sp_xcalloc(rows, sizeof(*st->status));
    for (int i = 0; i < st->ncols; i++) {
        sp_col *c = &st->cols[i];
        c->buf = sp_xmalloc(rows * (c->max + 1));
        c->ind = sp_xcalloc(rows, sizeof(*c->ind));
#ifdef _WIN32
        c->wbuf = sp_xmalloc(rows * (c->max + 1) * sizeof(*c->wbuf));
#endif
    }
}

/* A statement's first block is small (a lookup of one row need not hold
 * 4 MB of buffers); a result that fills a block makes the next execute's
 * four times larger, up to rows_cap. Keyset reads size theirs by chunk. */
#define FIRST_BLOCK_ROWS 32

static void grow_rows(sp_stmt *st)
{
    free(st->status);
    for (int i = 0; i < st->ncols; i++) {
        free(st->cols[i].buf);
        free(st->cols[i].ind);
#ifdef _WIN32
        free(st->cols[i].wbuf);
#endif
    }
    alloc_rows(st, (size_t)st->rows_want);
    st->bound_h = st->bound_next = 0;
}

/* Describe the result of h and allocate/bind the column buffers. */
static int setup_cols(sp_stmt *st, SQLHSTMT h, SQLSMALLINT ncols, sp_err *e)
{
    size_t row_bytes = sizeof(SQLUSMALLINT);
    size_t rows;

    st->cols = sp_xcalloc((size_t)ncols, sizeof(*st->cols));
    st->ncols = ncols;
    for (int i = 0; i < ncols; i++) {
        sp_col *c = &st->cols[i];
        if (!SQL_SUCCEEDED(sp_odbc_describe_col(h, (SQLUSMALLINT)(i + 1), c->name, sizeof(c->name),
                                                &c->sqltype)))
            return sp_db_diag(st->db, e, SQL_HANDLE_STMT, h, stmt_text(st), "describing a result column");
        c->max = col_bound(st, c->name);
        row_bytes += c->max + 1 + sizeof(SQLLEN);
#ifdef _WIN32
        row_bytes += (c->max + 1) * sizeof(*c->wbuf);
#endif
    }
    rows = st->db->opts.fetch_mem_max / row_bytes;
    if (rows < 1)
        rows = 1;
    if (rows > (size_t)st->fetch_rows)
        rows = (size_t)st->fetch_rows;
    if (st->keyset && rows > (size_t)st->chunk_rows)
        rows = (size_t)st->chunk_rows;
    st->rows_cap = (int)rows;
    if (!st->keyset && rows > FIRST_BLOCK_ROWS)
        rows = FIRST_BLOCK_ROWS;
    st->rows_want = (int)rows;
    alloc_rows(st, rows);
    return bind_cols_to(st, h, e);
}

/* ---- execution ------------------------------------------------------------------ */

static void close_cursor(sp_stmt *st)
{
    if (st->cur != SQL_NULL_HSTMT)
        SQLFreeStmt(st->cur, SQL_CLOSE);
    st->cur = SQL_NULL_HSTMT;
    st->fetched = 0;
    st->pos = 0;
}

void sp_stmt_close_cursor(sp_stmt *st)
{
    close_cursor(st);
    st->has_result = 0;
    st->eof = 1;
}

/* Execute handle h (prepared with sql) with its parameters bound. */
static int exec_handle(sp_stmt *st, SQLHSTMT h, const char *sql, int64_t *rows, sp_err *e)
{
    SQLRETURN rc;
    SQLSMALLINT ncols = 0;

    rc = SQLExecute(h);
    if (rc != SQL_NO_DATA && !SQL_SUCCEEDED(rc))
        return sp_db_diag(st->db, e, SQL_HANDLE_STMT, h, sql, "executing");
    if (rows != NULL) {
        SQLLEN n = -1;
        *rows = rc == SQL_NO_DATA ? 0 : SQL_SUCCEEDED(SQLRowCount(h, &n)) ? (int64_t)n : -1;
    }
    if (!SQL_SUCCEEDED(SQLNumResultCols(h, &ncols)))
        return sp_db_diag(st->db, e, SQL_HANDLE_STMT, h, sql, "reading the result's columns");
    if (ncols > 0) {
        int *bound = h == st->h ? &st->bound_h : &st->bound_next;
        if (st->cols != NULL && ncols == st->ncols && st->rows_want > st->rows_alloc)
            grow_rows(st);
        if (st->cols == NULL) {
            if (setup_cols(st, h, ncols, e) < 0)
                return -1;
            *bound = 1;
        } else if (ncols != st->ncols) {
            return SP_ERR(e, SP_EINTERNAL, "the result changed from %d to %d columns: %.120s",
                          st->ncols, (int)ncols, sql);
        } else if (!*bound) {
            if (bind_cols_to(st, h, e) < 0)
                return -1;
            *bound = 1;
        }
        st->cur = h;
        st->has_result = 1;
        st->eof = 0;
    } else {
        SQLFreeStmt(h, SQL_CLOSE);
    }
    st->fetched = 0;
    st->pos = 0;
    return 0;
}

int sp_stmt_exec(sp_stmt *st, int64_t *rows, sp_err *e)
{
    if (rows != NULL && st->no_count)
        return SP_ERR(e, SP_EINTERNAL, "a statement kept compiled has no row count: %.120s", stmt_text(st));
    close_cursor(st);
    st->has_result = 0;
    st->eof = 0;
    st->row_count = 0;
    st->chunk_seen = 0;
    if (bind_params(st, st->h, st->sql, st->keyset ? st->where_params : count_placeholders(st->sql),
                    e) < 0)
        return -1;
    return exec_handle(st, st->h, st->sql, rows, e);
}

/* ---- keyset paging ------------------------------------------------------------------ */

static int append_keypred(sp_buf *b, const sp_keyset_spec *spec, sp_err *e)
{
    if (sp_buf_puts(b, "(", e) < 0)
        return -1;
    for (int k = 0; k < spec->nkeys; k++) {
        if (sp_buf_puts(b, k ? " OR (" : "(", e) < 0)
            return -1;
        for (int j = 0; j < k; j++)
            if (sp_buf_printf(b, e, "%s = ? AND ", spec->keys[j]) < 0)
                return -1;
        if (sp_buf_printf(b, e, "%s > ?)", spec->keys[k]) < 0)
            return -1;
    }
    return sp_buf_puts(b, ")", e);
}

int sp_sql_keyset_select(sp_dialect d, const sp_keyset_spec *spec, int after_key, sp_buf *b,
                         sp_err *e)
{
    int sqlserver = sp_dialect_sql_of(d)->top;
    int next = after_key;
    int chunk = spec->chunk_rows > 0 ? spec->chunk_rows : 1000;

    if (spec->nkeys < 1 || spec->nkeys > KEYSET_MAX_KEYS || spec->keys == NULL ||
        spec->select == NULL || spec->from == NULL)
        return SP_ERR(e, SP_EINTERNAL, "keyset read needs select, from and 1..%d keys",
                      KEYSET_MAX_KEYS);
    for (int k = 0; k < spec->nkeys; k++)
        if (sp_db_check_ident(spec->keys[k], "key column", e) < 0)
            return -1;

    if (sqlserver ? sp_buf_printf(b, e, "SELECT TOP (%d) ", chunk) : sp_buf_puts(b, "SELECT ", e))
        return -1;
    if (sp_buf_printf(b, e, "%s FROM %s", spec->select, spec->from) < 0)
        return -1;
    if (spec->where != NULL && spec->where[0] != '\0') {
        if (sp_buf_printf(b, e, " WHERE (%s)", spec->where) < 0)
            return -1;
        if (next && (sp_buf_puts(b, " AND ", e) < 0 || append_keypred(b, spec, e) < 0))
            return -1;
    } else if (next) {
        if (sp_buf_puts(b, " WHERE ", e) < 0 || append_keypred(b, spec, e) < 0)
            return -1;
    }
    if (sp_buf_puts(b, " ORDER BY ", e) < 0)
        return -1;
    for (int k = 0; k < spec->nkeys; k++)
        if (sp_buf_printf(b, e, "%s%s", k ? ", " : "", spec->keys[k]) < 0)
            return -1;
    if (!sqlserver && sp_buf_printf(b, e, " LIMIT %d", chunk) < 0)
        return -1;
    return 0;
}

int sp_stmt_prepare_keyset(sp_db *db, const sp_keyset_spec *spec, sp_stmt **out, sp_err *e)
{
    sp_stmt *st = NULL;
    sp_buf b;
    int rc = -1;

    *out = NULL;
    sp_buf_init(&b, 64 * 1024);
    if (spec->nkeys < 1 || spec->nkeys > KEYSET_MAX_KEYS || spec->keys == NULL ||
        spec->select == NULL || spec->from == NULL) {
        SP_ERR(e, SP_EINTERNAL, "keyset read needs select, from and 1..%d keys", KEYSET_MAX_KEYS);
        goto done;
    }
    for (int k = 0; k < spec->nkeys; k++)
        if (sp_db_check_ident(spec->keys[k], "key column", e) < 0)
            goto done;
    st = stmt_new(db);
    st->keyset = 1;
    st->nkeys = spec->nkeys;
    st->chunk_rows = spec->chunk_rows > 0 ? spec->chunk_rows : 1000;
    st->where_params = spec->where ? count_placeholders(spec->where) : 0;
    for (int k = 0; k < spec->nkeys; k++) {
        const char *dot = strrchr(spec->keys[k], '.');
        st->key_name[k] = sp_xstrdup(dot ? dot + 1 : spec->keys[k]);
    }
    if (sp_sql_keyset_select(db->dialect, spec, 0, &b, e) < 0)
        goto done;
    st->sql = sp_xstrdup(sp_buf_str(&b));
    sp_buf_reset(&b);
    if (sp_sql_keyset_select(db->dialect, spec, 1, &b, e) < 0)
        goto done;
    st->sql_next = sp_xstrdup(sp_buf_str(&b));
    if (stmt_prepare_handle(st, &st->h, st->sql, e) < 0 ||
        stmt_prepare_handle(st, &st->h_next, st->sql_next, e) < 0)
        goto done;
    rc = 0;
done:
    sp_buf_free(&b);
    if (rc == 0) {
        *out = st;
    } else {
        if (st != NULL)
            sp_err_prefix(e, "preparing a keyset read of %s", spec->from);
        sp_stmt_free(st);
    }
    return rc;
}

static int is_int_type(SQLSMALLINT t)
{
    return t == SQL_INTEGER || t == SQL_SMALLINT || t == SQL_TINYINT || t == SQL_BIGINT ||
           t == SQL_BIT;
}

static int is_time_type(SQLSMALLINT t)
{
    return t == SQL_TYPE_TIMESTAMP || t == SQL_TIMESTAMP || t == SQL_TYPE_DATE || t == SQL_DATE;
}

/* Find the key columns in the result (first execution). */
static int keyset_find_keys(sp_stmt *st, sp_err *e)
{
    for (int k = 0; k < st->nkeys; k++) {
        int c = sp_stmt_col_index(st, st->key_name[k]);
        if (c < 0)
            return SP_ERR(e, SP_EINTERNAL, "keyset key %s is not in the select list: %.120s",
                          st->key_name[k], st->sql);
        st->key_col[k] = c;
        if (st->last_key[k] == NULL)
            st->last_key[k] = sp_xmalloc(st->cols[c].max + 1);
    }
    return 0;
}

/* Bind the where parameters and the last key values to h_next and run it. */
static int keyset_next_chunk(sp_stmt *st, sp_err *e)
{
    int p = st->where_params;
    sp_value kv[KEYSET_MAX_KEYS];

    close_cursor(st);
    if (bind_params(st, st->h_next, st->sql_next, st->where_params, e) < 0)
        return -1;
    for (int k = 0; k < st->nkeys; k++) {
        const sp_col *c = &st->cols[st->key_col[k]];
        sp_value *v = &kv[k];
        memset(v, 0, sizeof(*v));
        if (st->last_key_len[k] == SQL_NULL_DATA)
            return SP_ERR(e, SP_EDATA, "keyset key %s is NULL in the last row read: keys must "
                          "not be NULL", c->name);
        char *raw = st->last_key[k];
        raw[st->last_key_len[k]] = '\0';
        if (is_int_type(c->sqltype)) {
            char *end;
            errno = 0;
            long long x = strtoll(raw, &end, 10);
            if (errno != 0 || end == raw)
                return SP_ERR(e, SP_EDATA, "keyset key %s value \"%.60s\" is not an integer",
                              c->name, raw);
            v->type = SP_TYPE_INT;
            v->i = x;
        } else if (is_time_type(c->sqltype) && st->db->dialect != SP_DIALECT_SQLITE) {
            int64_t ms;
            if (sp_time_parse(raw, &ms) < 0)
                return SP_ERR(e, SP_EDATA, "keyset key %s value \"%.60s\" is not a timestamp",
                              c->name, raw);
            v->type = SP_TYPE_TIME;
            v->i = ms;
        } else {
            /* the exact stored text (untrimmed), so padded values compare right */
            v->type = SP_TYPE_TEXT;
            v->text = raw;
        }
    }
    /* key predicate: k1 > ? OR (k1 = ? AND k2 > ?) ... : key j appears in order */
    int slot = 0;
    for (int k = 0; k < st->nkeys; k++) {
        for (int j = 0; j <= k; j++) {
            sp_value *dst = &st->key_params[slot];
            free(st->key_param_text[slot]);
            free(dst->wtext);
            st->key_param_text[slot] = NULL;
            *dst = kv[j];
            if (kv[j].text != NULL) {
                st->key_param_text[slot] = sp_xstrdup(kv[j].text);
                dst->text = st->key_param_text[slot];
            }
            if (bind_value(st, st->h_next, ++p, dst, st->sql_next, e) < 0)
                return -1;
            slot++;
        }
    }
    st->chunk_seen = 0;
    return exec_handle(st, st->h_next, st->sql_next, NULL, e);
}

/* ---- fetching ---------------------------------------------------------------------- */

/* The length of row r's cell of c in c->buf (its indicator): on Windows
 * the bound UTF-16 converted to UTF-8 there first (a value longer than the
 * bound keeps its indicator, which load_row refuses). */
static SQLLEN cell_len(sp_col *c, SQLULEN r)
{
    SQLLEN ind = c->ind[r];
#ifdef _WIN32
    if (ind >= 0 && (size_t)ind / sizeof(*c->wbuf) <= c->max)
        ind = (SQLLEN)sp_utf16_to_utf8(c->wbuf + r * (c->max + 1), (size_t)ind / sizeof(*c->wbuf),
                                       c->buf + r * (c->max + 1), c->max + 1);
#endif
    return ind;
}

static int load_row(sp_stmt *st, SQLULEN r, sp_err *e)
{
    if (st->status[r] == SQL_ROW_ERROR)
        return SP_ERR(e, SP_EDB, "the driver reported an error for row %lld of the result",
                      (long long)(st->row_count + 1));
    for (int i = 0; i < st->ncols; i++) {
        sp_col *c = &st->cols[i];
        SQLLEN ind = cell_len(c, r);
        c->val = c->buf + r * (c->max + 1);
        if (ind == SQL_NULL_DATA) {
            c->is_null = 1;
            c->len = 0;
            c->val[0] = '\0';
            continue;
        }
        if (ind == SQL_NO_TOTAL || ind < 0 || (size_t)ind > c->max) {
            SP_ERR(e, SP_ETOOLARGE,
                   "column %s: a value of %s%lld bytes (row %lld) is longer than the column's "
                   "bound of %zu bytes; declare a larger bound for it (sp_stmt_set_text_max)",
                   c->name, ind == SQL_NO_TOTAL ? "more than " : "",
                   (long long)(ind == SQL_NO_TOTAL ? (SQLLEN)c->max : ind),
                   (long long)(st->row_count + 1), c->max);
            sp_err_sql(e, "01004", 0, st->sql);
            return -1;
        }
        c->is_null = 0;
        c->len = (size_t)ind;
        c->val[c->len] = '\0';
    }
    if (st->keyset) {
        /* keys must be unique: ORDER BY puts duplicates side by side */
        if (st->row_count > 0) {
            int same = 1;
            for (int k = 0; k < st->nkeys && same; k++) {
                const sp_col *c = &st->cols[st->key_col[k]];
                same = !c->is_null && st->last_key_len[k] == (SQLLEN)c->len &&
                       memcmp(st->last_key[k], c->val, c->len) == 0;
            }
            if (same) {
                const sp_col *c0 = &st->cols[st->key_col[0]];
                size_t shown = c0->len;
                while (shown > 0 && c0->val[shown - 1] == ' ')
                    shown--;
                return SP_ERR(e, SP_EINTERNAL,
                              "keyset keys are not unique: two rows have %s = \"%.*s\"%s; "
                              "add key columns until they identify one row",
                              st->key_name[0], (int)(shown < 60 ? shown : 60), c0->val,
                              st->nkeys > 1 ? " (and the same other keys)" : "");
            }
        }
        for (int k = 0; k < st->nkeys; k++) {
            const sp_col *c = &st->cols[st->key_col[k]];
            if (c->is_null) {
                st->last_key_len[k] = SQL_NULL_DATA;
            } else {
                memcpy(st->last_key[k], c->val, c->len);
                st->last_key_len[k] = (SQLLEN)c->len;
            }
        }
    }
    for (int i = 0; i < st->ncols; i++) {
        sp_col *c = &st->cols[i];
        while (c->len > 0 && c->val[c->len - 1] == ' ')
            c->len--;
        c->val[c->len] = '\0';
    }
    st->row_count++;
    return 1;
}

int sp_stmt_fetch(sp_stmt *st, sp_err *e)
{
    if (!st->has_result || st->eof)
        return 0;
    if (st->keyset && st->row_count == 0 && st->fetched == 0 && st->chunk_seen == 0 &&
        keyset_find_keys(st, e) < 0)
        return -1;
    for (;;) {
        if (st->pos < st->fetched) {
            SQLULEN r = st->pos++;
            if (st->status[r] == SQL_ROW_NOROW)
                continue;
            return load_row(st, r, e);
        }
        SQLRETURN rc = SQLFetch(st->cur);
        if (rc == SQL_NO_DATA) {
            if (st->keyset && st->chunk_seen >= st->chunk_rows) {
                if (keyset_next_chunk(st, e) < 0)
                    return -1;
                continue;
            }
            close_cursor(st);
            st->eof = 1;
            return 0;
        }
        if (!SQL_SUCCEEDED(rc)) {
            sp_db_diag(st->db, e, SQL_HANDLE_STMT, st->cur, st->keyset ? st->sql_next : st->sql,
                       "fetching rows");
            close_cursor(st);
            st->eof = 1;
            return -1;
        }
        if (rc == SQL_SUCCESS_WITH_INFO) {
            /* truncation (01004) is detected per row from the lengths */
        }
        st->pos = 0;
        st->chunk_seen += (int64_t)st->fetched;
        if (!st->keyset && st->fetched == (SQLULEN)st->rows_alloc && st->rows_alloc < st->rows_cap)
            st->rows_want = st->rows_alloc * 4 < st->rows_cap ? st->rows_alloc * 4 : st->rows_cap;
        if (st->fetched == 0) {
            close_cursor(st);
            st->eof = 1;
            return 0;
        }
    }
}

int64_t sp_stmt_row_count(const sp_stmt *st)
{
    return st->row_count;
}

/* ---- columns and values ------------------------------------------------------------ */

int sp_stmt_ncols(const sp_stmt *st)
{
    return st->ncols;
}

const char *sp_stmt_col_name(const sp_stmt *st, int col)
{
    if (col < 0 || col >= st->ncols)
        return NULL;
    return st->cols[col].name;
}

int sp_stmt_col_index(const sp_stmt *st, const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL)
        name = dot + 1;
    for (int i = 0; i < st->ncols; i++)
        if (strcasecmp(st->cols[i].name, name) == 0)
            return i;
    return -1;
}

static const sp_col *cur_col(const sp_stmt *st, int col)
{
    if (col < 0 || col >= st->ncols || st->row_count == 0 || st->cols[col].val == NULL)
        return NULL;
    return &st->cols[col];
}

int sp_stmt_is_null(const sp_stmt *st, int col)
{
    const sp_col *c = cur_col(st, col);
    return c == NULL || c->is_null;
}

const char *sp_stmt_text(const sp_stmt *st, int col)
{
    const sp_col *c = cur_col(st, col);
    return c == NULL || c->is_null ? NULL : c->val;
}

size_t sp_stmt_len(const sp_stmt *st, int col)
{
    const sp_col *c = cur_col(st, col);
    return c == NULL || c->is_null ? 0 : c->len;
}

static const char *col_label(const sp_stmt *st, int col)
{
    return col >= 0 && col < st->ncols ? st->cols[col].name : "?";
}

int sp_stmt_int(const sp_stmt *st, int col, int64_t *out, sp_err *e)
{
    const char *s = sp_stmt_text(st, col);
    char *end;
    long long v;

    *out = 0;
    if (s == NULL)
        return 1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end != s && *end == '.') {
        /* numeric(19,5) holding a whole number: "3.00000" */
        const char *f = end + 1;
        while (*f == '0')
            f++;
        if (*f == '\0')
            end = (char *)f;
    }
    if (errno != 0 || end == s || *end != '\0')
        return SP_ERR(e, SP_EDATA, "column %s: \"%.60s\" is not an integer", col_label(st, col), s);
    *out = v;
    return 0;
}

int sp_stmt_double(const sp_stmt *st, int col, double *out, sp_err *e)
{
    const char *s = sp_stmt_text(st, col);
    char *end;
    double v;

    *out = 0;
    if (s == NULL)
        return 1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return SP_ERR(e, SP_EDATA, "column %s: \"%.60s\" is not a number", col_label(st, col), s);
    *out = v;
    return 0;
}

int sp_stmt_time(const sp_stmt *st, int col, int64_t *epoch_ms, sp_err *e)
{
    const char *s = sp_stmt_text(st, col);
    char tmp[64];
    size_t n;

    *epoch_ms = 0;
    if (s == NULL)
        return 1;
    snprintf(tmp, sizeof(tmp), "%s", s);
    n = strlen(tmp);
    /* a PostgreSQL timestamptz in UTC prints "+00" */
    if (n > 3 && strcmp(tmp + n - 3, "+00") == 0)
        tmp[n - 3] = '\0';
    if (strlen(s) >= sizeof(tmp) || sp_time_parse(tmp, epoch_ms) < 0)
        return SP_ERR(e, SP_EDATA, "column %s: \"%.60s\" is not a timestamp", col_label(st, col),
                      s);
    return 0;
}

const char *sp_stmt_text_by(const sp_stmt *st, const char *name)
{
    return sp_stmt_text(st, sp_stmt_col_index(st, name));
}

static int by_name(const sp_stmt *st, const char *name, sp_err *e)
{
    int c = sp_stmt_col_index(st, name);
    if (c < 0)
        SP_ERR(e, SP_EINTERNAL, "the result has no column %s: %.120s", name, stmt_text(st));
    return c;
}

int sp_stmt_int_by(const sp_stmt *st, const char *name, int64_t *out, sp_err *e)
{
    int c = by_name(st, name, e);
    if (c < 0)
        return -1;
    return sp_stmt_int(st, c, out, e);
}

int sp_stmt_time_by(const sp_stmt *st, const char *name, int64_t *epoch_ms, sp_err *e)
{
    int c = by_name(st, name, e);
    if (c < 0)
        return -1;
    return sp_stmt_time(st, c, epoch_ms, e);
}
