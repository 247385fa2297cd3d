/*
 * batch.c -- bulk writes: many rows per execution, every failed row known.
 *
 * Rows are collected in column-wise arrays (rows_per_exec of them) and
 * written in "units", each one SQLExecute:
 *   - an INSERT INTO t (cols) VALUES (?, ...) is rewritten as a multi-row
 *     INSERT ... VALUES (...), (...), ... of up to 100 rows: both drivers plan
 *     or compile an INSERT per parameter-array row, which on GP's wide tables
 *     (100+ columns with defaults) costs more than the write itself; a flush
 *     is cut in units of 100 rows or a power of two below, so the batch keeps
 *     one prepared statement per size whatever the flushes' row counts.
 *     On SQLite the statements start with a WITH that names nothing: the
 *     SQLite ODBC driver keeps a statement compiled only when it starts with
 *     SELECT, PRAGMA, EXPLAIN or WITH, and compiles any other again at every
 *     SQLExecute;
 *   - a batch asked to pack (sp_batch_pack) runs such an INSERT instead as
 *     INSERT INTO t (cols) SELECT ... FROM <the dialect's JSON rows>, its one
 *     parameter the unit's rows as a JSON array of arrays: one short
 *     statement whatever the unit's size (on PostgreSQL psqlODBC's work per
 *     bound parameter, 800 for 100 rows of 8, costs more than the JSON);
 *   - any other statement runs as a parameter array (SQL_ATTR_PARAMSET_SIZE).
 * A unit that fails is undone alone -- by a savepoint around it (SQLite, SQL
 * Server), or by psqlODBC itself, whose default "statement" rollback level
 * wraps every SQLExecute in a savepoint of its own (ours would not survive
 * its RELEASE) -- and its rows are then run one at a time, each undone alone
 * if it fails, so every failing row is known by index and SQLSTATE and every
 * other row is written. The drivers' per-row status arrays alone cannot say
 * this (psqlODBC marks every row of a failed round trip as failed; SQLite
 * ODBC stops at the failing row and leaves the array as it was); they are
 * still checked. Without a caller's transaction a flush is its own
 * transaction: one commit per flush.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_internal.h"
#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/json.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/utf16.h"

#define BATCH_ROWS_MAX 5000
#define BATCH_FAILURES_KEPT 100
#define MULTI_ROWS_MAX 100
#define MULTI_SLOTS 8            /* multi_max rows, then 2, 4 .. 64 rows (below 128) */
_Static_assert(MULTI_ROWS_MAX < (1 << MULTI_SLOTS), "a slot for every power of two below MULTI_ROWS_MAX");

typedef struct bcol {
    sp_type type;
    size_t max_len;
    size_t width;                /* bytes per row in data */
    char *data;                  /* cap * width */
    SQLLEN *ind;                 /* cap */
    SQLSMALLINT ctype, sqltype, digits;
    SQLULEN colsize;
    int64_t last_ms;             /* time: the last value converted, and what it became */
    char last[64];
    SQLLEN last_ind;             /* 0: none yet */
} bcol;

struct sp_batch {
    sp_db *db;
    SQLHSTMT h;                  /* the statement as given (arrays, single rows) */
    char *sql;
    /* multi-row INSERT rewriting */
    char *ins_prefix;            /* "INSERT INTO t (a, b) VALUES" or NULL */
    char *ins_tuple;             /* "(?, ?)" */
    int multi_max;               /* rows per multi-row statement */
    /* the multi-row INSERTs, each prepared once for the batch's life: slot 0
     * for multi_max rows, slot i for 2^i rows (a flush cuts its rows in
     * those sizes: a page's new links, a different count every page, then
     * reuse the same few statements instead of preparing one per page) */
    SQLHSTMT hm[MULTI_SLOTS];
    int hm_at[MULTI_SLOTS];      /* the row its parameters are bound at, -1 none: the
                                    arrays never move, so binding there again is skipped */
    /* packed units (sp_batch_pack): the statement, its parameter's text */
    SQLHSTMT hp;
    sp_buf pack;
    SQLLEN pack_ind;
    int nparams;
    bcol *cols;
    unsigned char *set;          /* per param: set in the row being built */
    int cap;
    int n;                       /* rows filled in the arrays */
    int64_t first_row;           /* index (among all rows added) of array row 0 */
    SQLUSMALLINT *status;
    SQLULEN processed;
    int64_t done, failed;
    sp_batch_failure fails[BATCH_FAILURES_KEPT];
    int nfails;
};

void sp_batch_free(sp_batch *b)
{
    if (b == NULL)
        return;
    if (b->h != SQL_NULL_HSTMT)
        SQLFreeHandle(SQL_HANDLE_STMT, b->h);
    for (int i = 0; i < MULTI_SLOTS; i++)
        if (b->hm[i] != SQL_NULL_HSTMT)
            SQLFreeHandle(SQL_HANDLE_STMT, b->hm[i]);
    if (b->hp != SQL_NULL_HSTMT)
        SQLFreeHandle(SQL_HANDLE_STMT, b->hp);
    sp_buf_free(&b->pack);
    free(b->ins_prefix);
    free(b->ins_tuple);
    for (int i = 0; i < b->nparams && b->cols != NULL; i++) {
        free(b->cols[i].data);
        free(b->cols[i].ind);
    }
    free(b->cols);
    free(b->set);
    free(b->status);
    free(b->sql);
    free(b);
}

void sp_batch_reset(sp_batch *b)
{
    if (b == NULL)
        return;
    b->n = 0;
    b->first_row = 0;
    b->done = 0;
    b->failed = 0;
    b->nfails = 0;
    memset(b->set, 0, (size_t)b->nparams);
}

/* Bind every parameter to row `row` of the arrays (0: the whole array). */
static int bind_at(sp_batch *b, int row, sp_err *e)
{
    for (int i = 0; i < b->nparams; i++) {
        bcol *c = &b->cols[i];
        if (!SQL_SUCCEEDED(SQLBindParameter(b->h, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, c->ctype,
                                            c->sqltype, c->colsize, c->digits,
                                            c->data + (size_t)row * c->width, (SQLLEN)c->width,
                                            c->ind + row))) {
            sp_db_diag(b->db, e, SQL_HANDLE_STMT, b->h, b->sql, "binding a parameter array");
            sp_err_prefix(e, "parameter %d", i + 1);
            return -1;
        }
    }
    return 0;
}

static int set_paramset_size(sp_batch *b, SQLULEN n, sp_err *e)
{
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(b->h, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)(uintptr_t)n, 0)))
        return sp_db_diag(b->db, e, SQL_HANDLE_STMT, b->h, b->sql, "setting the parameter array size");
    return 0;
}

/* Is sql "INSERT ... VALUES (?, ?, ...)" with exactly nparams ? in the one
 * tuple, nothing after it and no ? before it? Then *prefix_len is the length
 * up to and including VALUES. */
static int is_simple_insert(const char *sql, int nparams, size_t *prefix_len)
{
    const char *p = sql, *values = NULL;
    int n = 0;
    char quote = 0;

    while (isspace((unsigned char)*p))
        p++;
    if (strncasecmp(p, "INSERT", 6) != 0 || !isspace((unsigned char)p[6]))
        return 0;
    for (const char *q = p; *q != '\0'; q++) {
        if (quote != 0) {
            if (*q == quote)
                quote = 0;
            continue;
        }
        if (*q == '\'' || *q == '"') {
            quote = *q;
        } else if (*q == '?') {
            if (values == NULL)
                return 0;
        } else if (strncasecmp(q, "VALUES", 6) == 0 && isspace((unsigned char)q[-1]) &&
                   (q[6] == '(' || isspace((unsigned char)q[6]))) {
            if (values != NULL)
                return 0;
            values = q + 6;
        }
    }
    if (values == NULL || quote != 0)
        return 0;
    p = values;
    while (isspace((unsigned char)*p))
        p++;
    if (*p++ != '(')
        return 0;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p++ != '?')
            return 0;
        n++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p++ != ')')
            return 0;
        break;
    }
    while (isspace((unsigned char)*p) || *p == ';')
        p++;
    if (*p != '\0' || n != nparams)
        return 0;
    *prefix_len = (size_t)(values - sql);
    return 1;
}

int sp_batch_open(sp_db *db, const char *sql, const sp_param_spec *params, int nparams,
                  int rows_per_exec, sp_batch **out, sp_err *e)
{
    sp_batch *b;

    *out = NULL;
    if (nparams < 1 || nparams > 1000 || params == NULL)
        return SP_ERR(e, SP_EINTERNAL, "a batch needs 1..1000 parameters, got %d", nparams);
    if (rows_per_exec <= 0)
        rows_per_exec = 500;
    if (rows_per_exec > BATCH_ROWS_MAX)
        rows_per_exec = BATCH_ROWS_MAX;
    b = sp_xcalloc(1, sizeof(*b));
    b->db = db;
    b->h = SQL_NULL_HSTMT;
    for (int i = 0; i < MULTI_SLOTS; i++) {
        b->hm[i] = SQL_NULL_HSTMT;
        b->hm_at[i] = -1;
    }
    b->hp = SQL_NULL_HSTMT;
    b->sql = sp_xstrdup(sql);
    b->nparams = nparams;
    b->cap = rows_per_exec;
    b->cols = sp_xcalloc((size_t)nparams, sizeof(*b->cols));
    b->set = sp_xcalloc((size_t)nparams, 1);
    b->status = sp_xcalloc((size_t)b->cap, sizeof(*b->status));
    for (int i = 0; i < nparams; i++) {
        bcol *c = &b->cols[i];
        c->type = params[i].type;
        c->max_len = params[i].max_len > 0 ? params[i].max_len : 256;
        sp_db_param_types(db, c->type, c->max_len, &c->ctype, &c->sqltype, &c->colsize,
                          &c->digits);
        switch (c->ctype) {
        case SQL_C_SBIGINT:
            c->width = sizeof(int64_t);
            break;
        case SQL_C_DOUBLE:
            c->width = sizeof(double);
            break;
        case SQL_C_TYPE_TIMESTAMP:
            c->width = sizeof(SQL_TIMESTAMP_STRUCT);
            break;
        case SQL_C_WCHAR:        /* Windows' text: UTF-16, never more units than bytes */
            c->width = (c->max_len + 1) * sizeof(uint16_t);
            break;
        default:
            c->width = c->type == SP_TYPE_TIME ? 24 : c->max_len + 1;
            break;
        }
        c->data = sp_xcalloc((size_t)b->cap, c->width);
        c->ind = sp_xcalloc((size_t)b->cap, sizeof(SQLLEN));
    }
    if (sp_db_alloc_stmt(db, &b->h, e) < 0)
        goto fail;
    if (!SQL_SUCCEEDED(sp_odbc_prepare(b->h, sql))) {
        sp_db_diag(db, e, SQL_HANDLE_STMT, b->h, sql, "preparing a batch");
        goto fail;
    }
    SQLSetStmtAttr(b->h, SQL_ATTR_PARAM_BIND_TYPE, (SQLPOINTER)SQL_PARAM_BIND_BY_COLUMN, 0);
    SQLSetStmtAttr(b->h, SQL_ATTR_PARAM_STATUS_PTR, b->status, 0);
    SQLSetStmtAttr(b->h, SQL_ATTR_PARAMS_PROCESSED_PTR, &b->processed, 0);
    if (bind_at(b, 0, e) < 0)
        goto fail;
    {
        /* parameters a statement may have: SQLite's historic 999, SQL
         * Server's 2100, PostgreSQL's 65535 */
        size_t prefix_len;
        int maxp = sp_dialect_sql_of(db->dialect)->max_params;
        int m = maxp / nparams;
        if (m > MULTI_ROWS_MAX)
            m = MULTI_ROWS_MAX;
        if (m > b->cap)
            m = b->cap;
        if (m >= 2 && is_simple_insert(sql, nparams, &prefix_len)) {
            sp_buf t;
            b->ins_prefix = sp_xstrndup(sql, prefix_len);
            sp_buf_init(&t, (size_t)nparams * 3 + 8);
            sp_buf_puts(&t, "(", e);
            for (int i = 0; i < nparams; i++)
                sp_buf_puts(&t, i ? ", ?" : "?", e);
            sp_buf_puts(&t, ")", e);
            if (sp_buf_check(&t, e) != 0) {
                sp_buf_free(&t);
                goto fail;
            }
            b->ins_tuple = sp_xstrdup(sp_buf_str(&t));
            sp_buf_free(&t);
            b->multi_max = m;
        }
    }
    *out = b;
    return 0;
fail:
    sp_batch_free(b);
    return -1;
}

static bcol *cell(sp_batch *b, int idx, sp_type want, sp_err *e)
{
    if (idx < 1 || idx > b->nparams) {
        SP_ERR(e, SP_EINTERNAL, "batch parameter %d is out of range 1..%d", idx, b->nparams);
        return NULL;
    }
    bcol *c = &b->cols[idx - 1];
    if (c->type != want) {
        SP_ERR(e, SP_EINTERNAL, "batch parameter %d is declared as type %d, set as type %d", idx,
               (int)c->type, (int)want);
        return NULL;
    }
    b->set[idx - 1] = 1;
    return c;
}

static int put_text(sp_batch *b, int idx, sp_type type, const char *s, sp_err *e)
{
    bcol *c = cell(b, idx, type, e);
    if (c == NULL)
        return -1;
    if (s == NULL) {
        c->ind[b->n] = SQL_NULL_DATA;
        return 0;
    }
    size_t len = strlen(s);
    if (len > c->max_len) {
        b->set[idx - 1] = 0;
        return SP_ERR(e, SP_ETOOLARGE,
                      "batch parameter %d (row %lld): a value of %zu bytes is longer than its "
                      "bound of %zu bytes: \"%.40s...\"",
                      idx, (long long)(b->first_row + b->n), len, c->max_len, s);
    }
    char *dst = c->data + (size_t)b->n * c->width;
    if (c->ctype == SQL_C_WCHAR) {
        uint16_t *w = (uint16_t *)(void *)dst;
        len = sp_utf8_to_utf16(s, len, w, c->max_len + 1) * sizeof(*w);
    } else {
        memcpy(dst, s, len + 1);
    }
    c->ind[b->n] = (SQLLEN)len;
    return 0;
}

int sp_batch_text(sp_batch *b, int idx, const char *s, sp_err *e)
{
    return put_text(b, idx, SP_TYPE_TEXT, s, e);
}

int sp_batch_numeric(sp_batch *b, int idx, const char *decimal, sp_err *e)
{
    return put_text(b, idx, SP_TYPE_NUMERIC, decimal, e);
}

int sp_batch_int(sp_batch *b, int idx, int64_t v, sp_err *e)
{
    bcol *c = cell(b, idx, SP_TYPE_INT, e);
    if (c == NULL)
        return -1;
    memcpy(c->data + (size_t)b->n * c->width, &v, sizeof(v));
    c->ind[b->n] = 0;
    return 0;
}

int sp_batch_double(sp_batch *b, int idx, double v, sp_err *e)
{
    bcol *c = cell(b, idx, SP_TYPE_DOUBLE, e);
    if (c == NULL)
        return -1;
    memcpy(c->data + (size_t)b->n * c->width, &v, sizeof(v));
    c->ind[b->n] = 0;
    return 0;
}

int sp_batch_time(sp_batch *b, int idx, int64_t epoch_ms, sp_err *e)
{
    bcol *c = cell(b, idx, SP_TYPE_TIME, e);
    if (c == NULL)
        return -1;
    char *dst = c->data + (size_t)b->n * c->width;
    if (c->last_ind > 0 && c->last_ms == epoch_ms) {
        /* rows of one write mostly share a time: converted once */
        memcpy(dst, c->last, c->width < sizeof(c->last) ? c->width : sizeof(c->last));
        c->ind[b->n] = c->last_ind;
        return 0;
    }
    if (c->ctype == SQL_C_CHAR) {
        sp_time_sql(epoch_ms, dst, c->width);
        c->ind[b->n] = (SQLLEN)strlen(dst);
    } else {
        SQL_TIMESTAMP_STRUCT ts;
        sp_db_ms_to_ts(epoch_ms, &ts);
        memcpy(dst, &ts, sizeof(ts));
        c->ind[b->n] = (SQLLEN)sizeof(ts);
    }
    if (c->width <= sizeof(c->last)) {
        memcpy(c->last, dst, c->width);
        c->last_ms = epoch_ms;
        c->last_ind = c->ind[b->n];
    }
    return 0;
}

int sp_batch_null(sp_batch *b, int idx, sp_err *e)
{
    if (idx < 1 || idx > b->nparams)
        return SP_ERR(e, SP_EINTERNAL, "batch parameter %d is out of range 1..%d", idx, b->nparams);
    b->set[idx - 1] = 1;
    b->cols[idx - 1].ind[b->n] = SQL_NULL_DATA;
    return 0;
}

int sp_batch_add(sp_batch *b, sp_err *e)
{
    for (int i = 0; i < b->nparams; i++) {
        if (!b->set[i])
            b->cols[i].ind[b->n] = SQL_NULL_DATA;
        b->set[i] = 0;
    }
    b->n++;
    if (b->n >= b->cap)
        return sp_batch_flush(b, e);
    return 0;
}

static void record_failure(sp_batch *b, int64_t row, const char *state, long native,
                           const char *msg)
{
    b->failed++;
    if (b->nfails >= BATCH_FAILURES_KEPT)
        return;
    sp_batch_failure *f = &b->fails[b->nfails++];
    f->row = row;
    snprintf(f->sqlstate, sizeof(f->sqlstate), "%s", state);
    f->native = native;
    snprintf(f->message, sizeof(f->message), "%s", msg);
}

/* A savepoint around each unit, except on PostgreSQL (see the top). */
static int unit_begin(sp_batch *b, char *sp, size_t n, sp_err *e)
{
    if (b->db->dialect == SP_DIALECT_POSTGRESQL) {
        sp[0] = '\0';
        return 0;
    }
    snprintf(sp, n, "spetl_b%lu", ++b->db->savepoint_seq);
    return sp_db_savepoint(b->db, sp, e);
}

static int unit_end(sp_batch *b, const char *sp, int ok, sp_err *e)
{
    if (sp[0] == '\0')
        return 0;
    if (!ok && sp_db_rollback_to(b->db, sp, e) < 0)
        return -1;
    return sp_db_release(b->db, sp, e);
}

/* The slot of a unit of k rows: k is multi_max or a power of two below it
 * (unit_rows). */
static int multi_slot(const sp_batch *b, int k)
{
    int i = 0;
    if (k == b->multi_max)
        return 0;
    while ((1 << (i + 1)) <= k)
        i++;
    return i;
}

/* The rows of the next unit when n are left: multi_max, or the largest power
 * of two not above n (a statement prepared once serves every flush). */
static int unit_rows(const sp_batch *b, int n)
{
    int k = 1;
    if (b->ins_prefix == NULL)
        return n;
    if (n >= b->multi_max)
        return b->multi_max;
    if (b->hp != SQL_NULL_HSTMT)
        return n;   /* one packed statement fits every size */
    while (k * 2 <= n)
        k *= 2;
    return k;
}

/* The statement for k rows of the multi-row INSERT, prepared on first use. */
static SQLHSTMT multi_prepare(sp_batch *b, int k, sp_err *e)
{
    int slot = multi_slot(b, k);
    SQLHSTMT h = SQL_NULL_HSTMT;
    sp_buf sql;

    if (b->hm[slot] != SQL_NULL_HSTMT)
        return b->hm[slot];
    sp_buf_init(&sql, strlen(b->ins_prefix) + (size_t)k * (strlen(b->ins_tuple) + 2) + 64);
    /* kept compiled on SQLite (no row count is read here) */
    if (b->db->dialect == SP_DIALECT_SQLITE && sp_buf_puts(&sql, SP_SQLITE_KEPT, e) < 0)
        goto done;
    if (sp_buf_puts(&sql, b->ins_prefix, e) < 0)
        goto done;
    for (int r = 0; r < k; r++)
        if (sp_buf_puts(&sql, r ? ", " : " ", e) < 0 || sp_buf_puts(&sql, b->ins_tuple, e) < 0)
            goto done;
    if (sp_db_alloc_stmt(b->db, &h, e) < 0)
        goto done;
    if (!SQL_SUCCEEDED(sp_odbc_prepare(h, sp_buf_str(&sql)))) {
        sp_db_diag(b->db, e, SQL_HANDLE_STMT, h, b->sql, "preparing a multi-row insert");
        SQLFreeHandle(SQL_HANDLE_STMT, h);
        h = SQL_NULL_HSTMT;
        goto done;
    }
    b->hm[slot] = h;
done:
    sp_buf_free(&sql);
    return h;
}

/* Execute rows [start, start + k) as one multi-row INSERT: 1 ok, 0 failed
 * (the statement did not run), -1 could not even be prepared/bound. */
static int multi_exec(sp_batch *b, int start, int k, sp_err *e)
{
    SQLHSTMT hm = multi_prepare(b, k, e);
    int slot = multi_slot(b, k);

    if (hm == SQL_NULL_HSTMT)
        return -1;
    for (int r = 0; r < k && b->hm_at[slot] != start; r++) {
        for (int i = 0; i < b->nparams; i++) {
            bcol *c = &b->cols[i];
            int row = start + r;
            if (!SQL_SUCCEEDED(SQLBindParameter(hm, (SQLUSMALLINT)(r * b->nparams + i + 1),
                                                SQL_PARAM_INPUT, c->ctype, c->sqltype, c->colsize,
                                                c->digits, c->data + (size_t)row * c->width,
                                                (SQLLEN)c->width, c->ind + row))) {
                b->hm_at[slot] = -1;
                return sp_db_diag(b->db, e, SQL_HANDLE_STMT, hm, b->sql,
                                  "binding a multi-row insert");
            }
        }
        if (r == k - 1)
            b->hm_at[slot] = start;
    }
    SQLRETURN rc = SQLExecute(hm);
    SQLFreeStmt(hm, SQL_CLOSE);
    return SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA ? 1 : 0;
}

/* ---- packed units ---------------------------------------------------- */

/* The packed form of the simple INSERT: its prefix up to VALUES, then
 * SELECT item 0, item 1, ... FROM the dialect's JSON rows. */
static int pack_sql(const sp_batch *b, const sp_dialect_sql *d, sp_buf *sql, sp_err *e)
{
    size_t plen = strlen(b->ins_prefix) - 6;   /* without "VALUES" */

    sp_buf_append(sql, b->ins_prefix, plen, e);
    sp_buf_puts(sql, "SELECT ", e);
    for (int i = 0; i < b->nparams; i++) {
        const char *cast = !d->json_cast                   ? NULL
                           : b->cols[i].type == SP_TYPE_TIME ? d->timestamp
                           : b->cols[i].type == SP_TYPE_INT  ? "bigint"
                                                             : NULL;
        sp_buf_puts(sql, i ? ", " : "", e);
        sp_buf_puts(sql, cast ? "CAST(" : "", e);
        {
            const char *at = strchr(d->json_item, '#');   /* the index goes there */
            if (at == NULL)
                return SP_ERR(e, SP_EINTERNAL, "dialect %s: json_item has no #", d->name);
            sp_buf_append(sql, d->json_item, (size_t)(at - d->json_item), e);
            sp_buf_printf(sql, e, "%d%s", i, at + 1);
        }
        if (cast)
            sp_buf_printf(sql, e, " AS %s)", cast);
    }
    sp_buf_printf(sql, e, " FROM %s", d->json_rows);
    return sp_buf_check(sql, e);
}

int sp_batch_pack(sp_batch *b, sp_err *e)
{
    const sp_dialect_sql *d = sp_dialect_sql_of(b->db->dialect);
    sp_buf sql;
    int rc = -1;

    if (b->hp != SQL_NULL_HSTMT || b->ins_prefix == NULL || d->json_rows == NULL)
        return 0;
    for (int i = 0; i < b->nparams; i++) {
        const bcol *c = &b->cols[i];
        if ((c->type != SP_TYPE_TEXT && c->type != SP_TYPE_TIME && c->type != SP_TYPE_INT) ||
            c->ctype == SQL_C_WCHAR)
            return 0;   /* values the JSON text would not carry as they are */
    }
    sp_buf_init(&sql, 64 + (size_t)b->nparams * 64);
    if (pack_sql(b, d, &sql, e) != 0 || sp_db_alloc_stmt(b->db, &b->hp, e) < 0)
        goto done;
    if (!SQL_SUCCEEDED(sp_odbc_prepare(b->hp, sp_buf_str(&sql)))) {
        sp_db_diag(b->db, e, SQL_HANDLE_STMT, b->hp, sp_buf_str(&sql), "preparing a packed insert");
        SQLFreeHandle(SQL_HANDLE_STMT, b->hp);
        b->hp = SQL_NULL_HSTMT;
        goto done;
    }
    /* a row's values are at most 6 bytes a byte escaped, plus their quotes */
    sp_buf_init(&b->pack, (size_t)b->multi_max * ((size_t)b->nparams * 64 + 16) + 64);
    for (int i = 0; i < b->nparams; i++)
        b->pack.max += (size_t)b->multi_max * (b->cols[i].max_len * 6 + 8);
    rc = 0;
done:
    sp_buf_free(&sql);
    return rc;
}

/* Value r of column c into the JSON text (NULL: null). */
static void pack_value(sp_batch *b, const bcol *c, int r)
{
    const char *v = c->data + (size_t)r * c->width;
    char t[40];

    if (c->ind[r] == SQL_NULL_DATA) {
        sp_buf_puts(&b->pack, "null", NULL);
    } else if (c->ctype == SQL_C_SBIGINT) {
        int64_t i;
        memcpy(&i, v, sizeof(i));
        sp_buf_printf(&b->pack, NULL, "%lld", (long long)i);
    } else if (c->ctype == SQL_C_TYPE_TIMESTAMP) {
        SQL_TIMESTAMP_STRUCT ts;
        memcpy(&ts, v, sizeof(ts));
        snprintf(t, sizeof(t), "%04d-%02u-%02u %02u:%02u:%02u.%03lu", (int)ts.year, (unsigned)ts.month,
                 (unsigned)ts.day, (unsigned)ts.hour, (unsigned)ts.minute, (unsigned)ts.second,
                 (unsigned long)(ts.fraction / 1000000));
        sp_json_quote(&b->pack, t);
    } else {
        sp_json_quote(&b->pack, v);   /* text, or SQLite's time as text */
    }
}

/* Execute rows [start, start + k) as the packed statement: 1 ok, 0 failed,
 * -1 could not be bound. A count of rows written other than k is a failure
 * (the rows then go one at a time). */
static int packed_exec(sp_batch *b, int start, int k, sp_err *e)
{
    SQLLEN written = -1;
    SQLRETURN rc;

    sp_buf_reset(&b->pack);
    sp_buf_puts(&b->pack, "[", e);
    for (int r = start; r < start + k; r++) {
        sp_buf_puts(&b->pack, r > start ? ",[" : "[", e);
        for (int i = 0; i < b->nparams; i++) {
            if (i)
                sp_buf_puts(&b->pack, ",", e);
            pack_value(b, &b->cols[i], r);
        }
        sp_buf_puts(&b->pack, "]", e);
    }
    sp_buf_puts(&b->pack, "]", e);
    if (sp_buf_check(&b->pack, e) != 0)
        return -1;
    b->pack_ind = (SQLLEN)b->pack.len;
    if (!SQL_SUCCEEDED(SQLBindParameter(b->hp, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_LONGVARCHAR, b->pack.len, 0,
                                        b->pack.data, b->pack_ind, &b->pack_ind)))
        return sp_db_diag(b->db, e, SQL_HANDLE_STMT, b->hp, b->sql, "binding a packed insert");
    rc = SQLExecute(b->hp);
    if (SQL_SUCCEEDED(rc) && !SQL_SUCCEEDED(SQLRowCount(b->hp, &written)))
        written = -1;
    SQLFreeStmt(b->hp, SQL_CLOSE);
    return SQL_SUCCEEDED(rc) && written == k ? 1 : 0;
}

/* Execute rows [start, start + k) as a parameter array: 1 ok, 0 failed. */
static int array_exec(sp_batch *b, int start, int k, sp_err *e)
{
    if (set_paramset_size(b, (SQLULEN)k, e) < 0 || bind_at(b, start, e) < 0)
        return -1;
    for (int i = 0; i < k; i++)
        b->status[i] = SQL_PARAM_UNUSED;
    b->processed = 0;
    SQLRETURN rc = SQLExecute(b->h);
    int ok = SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA;
    if (ok && b->db->dialect != SP_DIALECT_SQLITE) {
        /* what the driver says per row (SQLite leaves the array as it was) */
        if (b->processed != (SQLULEN)k)
            ok = 0;
        for (int i = 0; ok && i < k; i++)
            if (b->status[i] == SQL_PARAM_ERROR || b->status[i] == SQL_PARAM_UNUSED)
                ok = 0;
    }
    SQLFreeStmt(b->h, SQL_CLOSE);
    return ok;
}

/* Run rows [start, start + k) one at a time, each undone alone on failure.
 * Returns the number that failed, or -1 when the connection itself failed
 * (first is then set). */
static int run_rows_singly(sp_batch *b, int start, int k, sp_err *first, int *have_first)
{
    int nfailed = 0;
    sp_err e2;

    if (set_paramset_size(b, 1, &e2) < 0)
        goto broken;
    for (int r = start; r < start + k; r++) {
        char sp[32];
        if (bind_at(b, r, &e2) < 0 || unit_begin(b, sp, sizeof(sp), &e2) < 0)
            goto broken;
        SQLRETURN rc = SQLExecute(b->h);
        int ok = SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA;
        char state[6] = "", msg[256] = "";
        long native = 0;
        if (!ok)
            sp_db_diag_first(b->db, SQL_HANDLE_STMT, b->h, state, &native, msg, sizeof(msg));
        SQLFreeStmt(b->h, SQL_CLOSE);
        if (unit_end(b, sp, ok, &e2) < 0)
            goto broken;
        if (ok) {
            b->done++;
            continue;
        }
        int64_t row = b->first_row + r;
        record_failure(b, row, state, native, msg);
        if (!*have_first) {
            SP_ERR(first, SP_EDB, "row %lld of the batch failed: [%s] %s", (long long)row, state, msg);
            sp_err_sql(first, state, native, b->sql);
            *have_first = 1;
        }
        nfailed++;
        if (strncmp(state, "08", 2) == 0)
            return -1;   /* the connection is gone: no point going on */
    }
    return nfailed;
broken:
    *first = e2;
    *have_first = 1;
    return -1;
}

int sp_batch_flush(sp_batch *b, sp_err *e)
{
    int own_txn = !b->db->in_txn;
    int rc = -1, have_first = 0, broken = 0;
    int64_t done_before = b->done;
    sp_err first, e2;

    if (b->n == 0)
        return 0;
    sp_err_clear(&first);
    if (own_txn && sp_db_set_autocommit(b->db, 0, e) < 0)
        goto out;
    for (int start = 0; start < b->n && !broken;) {
        int k = unit_rows(b, b->n - start);
        char sp[32];
        int ok;
        if (unit_begin(b, sp, sizeof(sp), &e2) < 0) {
            first = e2;
            have_first = 1;
            broken = 1;
            break;
        }
        ok = b->hp != SQL_NULL_HSTMT && k > 1   ? packed_exec(b, start, k, &e2)
             : b->ins_prefix != NULL && k > 1 ? multi_exec(b, start, k, &e2)
                                              : array_exec(b, start, k, &e2);
        if (ok < 0 || unit_end(b, sp, ok == 1, ok < 0 ? &first : &e2) < 0) {
            if (ok < 0)
                first = e2;
            have_first = 1;
            broken = 1;
            break;
        }
        if (ok == 1) {
            b->done += k;
        } else {
            SP_DEBUG("db", "a unit of %d rows failed; running its rows one by one", k);
            if (run_rows_singly(b, start, k, &first, &have_first) < 0)
                broken = 1;
        }
        start += k;
    }
    if (own_txn) {
        if (!broken && sp_db_end_tran(b->db, 1, &e2) == 0) {
            /* committed */
        } else {
            if (!broken) {
                first = e2;
                have_first = 1;
            }
            sp_db_end_tran(b->db, 0, &e2);
            b->done = done_before;   /* nothing of this flush was kept */
            broken = 1;
        }
        if (sp_db_set_autocommit(b->db, 1, &e2) < 0 && !have_first) {
            first = e2;
            have_first = 1;
        }
    }
    if (!have_first) {
        rc = 0;
    } else {
        *e = first;
        if (broken)
            sp_err_prefix(e, "executing a batch of %d rows", b->n);
    }
    if (set_paramset_size(b, 1, &e2) == 0)
        bind_at(b, 0, &e2);
out:
    b->first_row += b->n;
    b->n = 0;
    return rc;
}

int64_t sp_batch_rows_done(const sp_batch *b)
{
    return b->done;
}

int64_t sp_batch_rows_failed(const sp_batch *b)
{
    return b->failed;
}

int sp_batch_nfailures(const sp_batch *b)
{
    return b->nfails;
}

const sp_batch_failure *sp_batch_failure_at(const sp_batch *b, int i)
{
    if (i < 0 || i >= b->nfails)
        return NULL;
    return &b->fails[i];
}
