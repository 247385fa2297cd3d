/*
 * batch.c -- bulk writes with column-wise parameter arrays.
 *
 * Each array is executed inside a unit that can be undone: our own short
 * transaction when the caller has none (one commit per array, also much
 * faster than autocommit per row), else a savepoint in the caller's
 * transaction -- except on PostgreSQL, where psqlODBC's default "statement"
 * rollback level already wraps every SQLExecute in a savepoint of its own
 * and rolls a failed one back whole (our own savepoints would not survive:
 * the driver's RELEASE after the next statement destroys every savepoint
 * set after its own). The drivers' per-row answers cannot be trusted alone
 * (psqlODBC marks every row of a failed round trip as failed and rolls all
 * of them back; SQLite ODBC stops at the failing row and leaves the status
 * array untouched), so when an array fails it is undone and its rows are
 * run one by one: each failing row is then known exactly, by index and
 * SQLSTATE, and every other row is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mem.h"

#define BATCH_ROWS_MAX 5000
#define BATCH_FAILURES_KEPT 100

typedef struct bcol {
    sp_type type;
    size_t max_len;
    size_t width;                /* bytes per row in data */
    char *data;                  /* cap * width */
    SQLLEN *ind;                 /* cap */
    SQLSMALLINT ctype, sqltype, digits;
    SQLULEN colsize;
} bcol;

struct sp_batch {
    sp_db *db;
    SQLHSTMT h;
    char *sql;
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
        default:
            c->width = c->type == SP_TYPE_TIME ? 24 : c->max_len + 1;
            break;
        }
        c->data = sp_xcalloc((size_t)b->cap, c->width);
        c->ind = sp_xcalloc((size_t)b->cap, sizeof(SQLLEN));
    }
    if (sp_db_alloc_stmt(db, &b->h, e) < 0)
        goto fail;
    if (!SQL_SUCCEEDED(SQLPrepare(b->h, (SQLCHAR *)sql, SQL_NTS))) {
        sp_db_diag(db, e, SQL_HANDLE_STMT, b->h, sql, "preparing a batch");
        goto fail;
    }
    SQLSetStmtAttr(b->h, SQL_ATTR_PARAM_BIND_TYPE, (SQLPOINTER)SQL_PARAM_BIND_BY_COLUMN, 0);
    SQLSetStmtAttr(b->h, SQL_ATTR_PARAM_STATUS_PTR, b->status, 0);
    SQLSetStmtAttr(b->h, SQL_ATTR_PARAMS_PROCESSED_PTR, &b->processed, 0);
    if (bind_at(b, 0, e) < 0)
        goto fail;
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
    memcpy(c->data + (size_t)b->n * c->width, s, len + 1);
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
    if (c->ctype == SQL_C_CHAR) {
        sp_time_sql(epoch_ms, dst, c->width);
        c->ind[b->n] = (SQLLEN)strlen(dst);
    } else {
        SQL_TIMESTAMP_STRUCT ts;
        sp_db_ms_to_ts(epoch_ms, &ts);
        memcpy(dst, &ts, sizeof(ts));
        c->ind[b->n] = (SQLLEN)sizeof(ts);
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

/* Run the n rows one at a time, each undoable on its own. Returns the
 * number of rows that failed, or -1 when the connection itself failed. */
static int run_rows_singly(sp_batch *b, int own_txn, int use_sp, sp_err *first, int *have_first)
{
    int nfailed = 0;
    sp_err e2;

    if (set_paramset_size(b, 1, &e2) < 0) {
        *first = e2;
        *have_first = 1;
        return -1;
    }
    for (int r = 0; r < b->n; r++) {
        char sp[32];
        snprintf(sp, sizeof(sp), "spetl_r%lu", ++b->db->savepoint_seq);
        if (bind_at(b, r, &e2) < 0 || (use_sp && sp_db_savepoint(b->db, sp, &e2) < 0)) {
            *first = e2;
            *have_first = 1;
            return -1;
        }
        SQLRETURN rc = SQLExecute(b->h);
        int ok = SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA;
        if (ok) {
            if (own_txn ? sp_db_end_tran(b->db, 1, &e2) < 0
                        : use_sp && sp_db_release(b->db, sp, &e2) < 0)
                ok = 0;
            else
                b->done++;
        } else {
            char state[6], msg[256];
            long native;
            int64_t row = b->first_row + r;
            sp_db_diag_first(b->db, SQL_HANDLE_STMT, b->h, state, &native, msg, sizeof(msg));
            record_failure(b, row, state, native, msg);
            if (!*have_first) {
                SP_ERR(first, SP_EDB, "row %lld of the batch failed: [%s] %s", (long long)row,
                       state, msg);
                sp_err_sql(first, state, native, b->sql);
                *have_first = 1;
            }
            nfailed++;
            if (own_txn)
                sp_db_end_tran(b->db, 0, &e2);
            else if (use_sp)
                sp_db_rollback_to(b->db, sp, &e2);
            if (strncmp(state, "08", 2) == 0)
                return -1;   /* the connection is gone: no point going on */
        }
        SQLFreeStmt(b->h, SQL_CLOSE);
    }
    return nfailed;
}

int sp_batch_flush(sp_batch *b, sp_err *e)
{
    int own_txn = !b->db->in_txn;
    int use_sp = !own_txn && b->db->dialect != SP_DIALECT_POSTGRESQL;
    int rc = -1, undone = 0;
    char sp[32];
    sp_err e2, first;
    int have_first = 0;

    if (b->n == 0)
        return 0;
    sp_err_clear(&first);
    snprintf(sp, sizeof(sp), "spetl_b%lu", ++b->db->savepoint_seq);
    if (own_txn ? sp_db_set_autocommit(b->db, 0, e) < 0
                : use_sp && sp_db_savepoint(b->db, sp, e) < 0)
        goto out;
    if (set_paramset_size(b, (SQLULEN)b->n, e) < 0 || bind_at(b, 0, e) < 0)
        goto undo;
    for (int i = 0; i < b->n; i++)
        b->status[i] = SQL_PARAM_UNUSED;
    b->processed = 0;

    SQLRETURN xrc = SQLExecute(b->h);
    int ok = SQL_SUCCEEDED(xrc) || xrc == SQL_NO_DATA;
    if (ok && b->db->dialect != SP_DIALECT_SQLITE) {
        /* check what the driver says per row (SQLite leaves the array as it was) */
        if (b->processed != (SQLULEN)b->n)
            ok = 0;
        for (int i = 0; ok && i < b->n; i++)
            if (b->status[i] == SQL_PARAM_ERROR || b->status[i] == SQL_PARAM_UNUSED)
                ok = 0;
    }
    SQLFreeStmt(b->h, SQL_CLOSE);
    if (ok) {
        if (own_txn ? sp_db_end_tran(b->db, 1, &e2) < 0
                    : use_sp && sp_db_release(b->db, sp, &e2) < 0) {
            first = e2;
            have_first = 1;
            ok = 0;
        }
    }
    if (ok) {
        b->done += b->n;
        rc = 0;
        goto undo_done;
    }
    /* Undo the array, then find the failing rows one by one. */
    SP_DEBUG("db", "a parameter array of %d rows failed; re-running it row by row", b->n);
    if (own_txn ? sp_db_end_tran(b->db, 0, e) < 0 : use_sp && sp_db_rollback_to(b->db, sp, e) < 0)
        goto undo;
    undone = 1;
    if (use_sp)
        sp_db_release(b->db, sp, &e2);
    {
        int nf = run_rows_singly(b, own_txn, use_sp, &first, &have_first);
        if (nf == 0 && !have_first) {
            rc = 0;
        } else {
            *e = first;
            if (nf < 0)
                sp_err_prefix(e, "executing a parameter array");
        }
    }
    /* back to whole-array binding */
    if (set_paramset_size(b, 1, &e2) == 0)
        bind_at(b, 0, &e2);
    goto undo_done;
undo:
    if (!undone) {
        if (own_txn)
            sp_db_end_tran(b->db, 0, &e2);
        else if (use_sp)
            sp_db_rollback_to(b->db, sp, &e2);
    }
undo_done:
    if (own_txn && sp_db_set_autocommit(b->db, 1, rc == 0 ? e : &e2) < 0)
        rc = -1;
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
