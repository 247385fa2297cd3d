/*
 * table.c -- one destination table of the generator: batched multi-row
 * INSERTs of the columns the database really has.
 *
 * Columns: the generator knows more GP columns than a trimmed test schema
 * may hold; gen_table_open() reads the table's columns (SELECT * ... WHERE
 * 1 = 0) and binds only those present, so the sample works with the full GP
 * DDL and with a subset. A missing required column (a key) is an error.
 *
 * Speed: the SQLite ODBC driver runs a parameter array row by row and a
 * profile shows SQLite's parser and code generator busy for every row;
 * psqlODBC sends one INSERT per row (100 per round trip). A GP table has
 * 100+ columns with defaults and triggers, so each statement is costly. Rows
 * are therefore grouped `group` at a time into one
 * "INSERT ... VALUES (...), (...), ..." (at most GEN_GROUP_PARAMS parameters,
 * within SQL Server's 2,100), executed through a parameter array of groups.
 * The rows of an unfinished group are kept here (values copied) and go
 * through a one-row statement when the table is flushed.
 *
 * Padding: text for a GP char(n) column is space-padded to n characters when
 * `pad` is on (SQLite keeps what it is given; PostgreSQL and SQL Server pad
 * char(n) themselves).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "spetl/mem.h"

#define GEN_GROUP_PARAMS 1000   /* sp_batch_open() takes at most 1000 */
#define GEN_GROUP_ROWS 100

static size_t col_max_len(const gen_col *c)
{
    return c->width > 0 ? (size_t)c->width * 2 + 1 : 64;
}

static int open_insert(gen_table *t, sp_db *db, int rows, int groups_per_exec, sp_batch **out,
                       sp_err *e)
{
    sp_buf sql;
    sp_param_spec *specs = sp_xcalloc((size_t)(t->nparams * rows), sizeof(*specs));
    int rc = -1;

    sp_buf_init(&sql, 1024 * 1024);
    if (sp_buf_printf(&sql, e, "INSERT INTO %s (", t->name) != 0)
        goto done;
    for (int i = 0, k = 0; i < t->ncols; i++)
        if (t->param[i] && sp_buf_printf(&sql, e, "%s%s", k++ ? ", " : "", t->cols[i].name) != 0)
            goto done;
    if (sp_buf_puts(&sql, ") VALUES ", e) != 0)
        goto done;
    for (int r = 0; r < rows; r++) {
        if (sp_buf_puts(&sql, r ? ", (" : "(", e) != 0)
            goto done;
        for (int k = 0; k < t->nparams; k++)
            if (sp_buf_puts(&sql, k ? ", ?" : "?", e) != 0)
                goto done;
        if (sp_buf_puts(&sql, ")", e) != 0)
            goto done;
    }
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < t->ncols; i++)
            if (t->param[i]) {
                sp_param_spec *s = &specs[r * t->nparams + t->param[i] - 1];
                s->type = t->cols[i].type;
                s->max_len = col_max_len(&t->cols[i]);
            }
    if (sp_batch_open(db, sp_buf_str(&sql), specs, t->nparams * rows, groups_per_exec, out,
                      e) != 0) {
        sp_err_prefix(e, "preparing the insert into %s", t->name);
        goto done;
    }
    rc = 0;
done:
    free(specs);
    sp_buf_free(&sql);
    return rc;
}

int gen_table_open(gen_table *t, sp_db *db, const char *name, const gen_col *cols, int ncols,
                   int rows_per_exec, int pad, sp_err *e)
{
    sp_stmt *st = NULL;
    char q[160];
    int rc = -1;
    size_t row_bytes = 0;

    memset(t, 0, sizeof(*t));
    t->name = name;
    t->cols = cols;
    t->ncols = ncols;
    t->pad = pad;
    if (ncols > GEN_MAX_COLS) {
        rc = SP_ERR(e, SP_EINTERNAL, "table %s: %d columns, at most %d", name, ncols, GEN_MAX_COLS);
        goto done;
    }
    snprintf(q, sizeof(q), "SELECT * FROM %s WHERE 1 = 0", name);
    if (sp_stmt_prepare(db, q, &st, e) != 0 || sp_stmt_exec(st, NULL, e) != 0) {
        sp_err_prefix(e, "reading the columns of %s (create the tables with --create-schema)",
                      name);
        goto done;
    }
    for (int i = 0; i < ncols; i++) {
        if (sp_stmt_col_index(st, cols[i].name) < 0) {
            if (cols[i].flags & GEN_COL_REQUIRED) {
                rc = SP_ERR(e, SP_EDB, "table %s has no column %s, which the sample needs", name,
                            cols[i].name);
                goto done;
            }
            continue;
        }
        t->param[i] = ++t->nparams;
        row_bytes += col_max_len(&cols[i]) + 1;
    }
    sp_stmt_free(st);
    st = NULL;

    t->group = GEN_GROUP_PARAMS / t->nparams;
    if (t->group > GEN_GROUP_ROWS)
        t->group = GEN_GROUP_ROWS;
    if (t->group < 1)
        t->group = 1;
    if (t->group > rows_per_exec)
        t->group = rows_per_exec;
    t->vals = sp_xcalloc((size_t)(t->group * t->nparams), sizeof(gen_val));
    t->pool_cap = row_bytes * (size_t)t->group;
    t->pool = sp_xmalloc(t->pool_cap);
    if (open_insert(t, db, 1, rows_per_exec, &t->one, e) != 0)
        goto done;
    if (t->group > 1 &&
        open_insert(t, db, t->group, (rows_per_exec + t->group - 1) / t->group, &t->many, e) != 0)
        goto done;
    rc = 0;
done:
    sp_stmt_free(st);
    return rc;
}

void gen_table_close(gen_table *t)
{
    sp_batch_free(t->one);
    sp_batch_free(t->many);
    free(t->vals);
    free(t->pool);
    t->one = t->many = NULL;
    t->vals = NULL;
    t->pool = NULL;
}

static gen_val *slot(gen_table *t, int col)
{
    return &t->vals[t->pending * t->nparams + t->param[col] - 1];
}

int gen_put_text(gen_table *t, int col, const char *s, sp_err *e)
{
    gen_val *v;
    size_t len, chars, width, need;

    if (!t->param[col])
        return 0;
    len = strlen(s);
    width = (size_t)t->cols[col].width;
    chars = gen_utf8_len(s);
    if (!t->pad || width == 0 || (t->cols[col].flags & GEN_COL_VARCHAR) || chars >= width)
        width = chars;
    need = len + (width - chars) + 1;
    if (t->pool_used + need > t->pool_cap)
        return SP_ERR(e, SP_ETOOLARGE, "%s.%s: value of %zu bytes is longer than the column allows",
                      t->name, t->cols[col].name, len);
    v = slot(t, col);
    v->text = t->pool + t->pool_used;
    memcpy(v->text, s, len);
    memset(v->text + len, ' ', width - chars);
    v->text[len + width - chars] = '\0';
    t->pool_used += need;
    v->set = 1;
    return 0;
}

int gen_put_int(gen_table *t, int col, int64_t v, sp_err *e)
{
    (void)e;
    if (t->param[col]) {
        slot(t, col)->i = v;
        slot(t, col)->set = 1;
    }
    return 0;
}

int gen_put_money(gen_table *t, int col, double v, sp_err *e)
{
    char text[48];
    snprintf(text, sizeof(text), "%.5f", v);
    return gen_put_text(t, col, text, e);
}

int gen_put_time(gen_table *t, int col, int64_t epoch_ms, sp_err *e)
{
    return gen_put_int(t, col, epoch_ms, e);
}

/* Move row r of the buffer into parameters base+1.. of batch b. */
static int emit(gen_table *t, sp_batch *b, int r, int base, sp_err *e)
{
    for (int i = 0; i < t->ncols; i++) {
        int p = t->param[i];
        gen_val *v;
        int rc;
        if (!p)
            continue;
        v = &t->vals[r * t->nparams + p - 1];
        if (!v->set)
            return SP_ERR(e, SP_EINTERNAL, "%s.%s was not set for row %lld", t->name,
                          t->cols[i].name, (long long)t->rows);
        switch (t->cols[i].type) {
        case SP_TYPE_TEXT: rc = sp_batch_text(b, base + p, v->text, e); break;
        case SP_TYPE_NUMERIC: rc = sp_batch_numeric(b, base + p, v->text, e); break;
        case SP_TYPE_TIME: rc = sp_batch_time(b, base + p, v->i, e); break;
        default: rc = sp_batch_int(b, base + p, v->i, e); break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static void reset_group(gen_table *t)
{
    memset(t->vals, 0, (size_t)(t->group * t->nparams) * sizeof(gen_val));
    t->pending = 0;
    t->pool_used = 0;
}

int gen_table_add(gen_table *t, sp_err *e)
{
    t->pending++;
    t->rows++;
    if (t->pending < t->group)
        return 0;
    if (t->group == 1) {
        if (emit(t, t->one, 0, 0, e) != 0 || sp_batch_add(t->one, e) != 0)
            goto fail;
    } else {
        for (int r = 0; r < t->group; r++)
            if (emit(t, t->many, r, r * t->nparams, e) != 0)
                goto fail;
        if (sp_batch_add(t->many, e) != 0)
            goto fail;
    }
    reset_group(t);
    return 0;
fail:
    sp_err_prefix(e, "inserting into %s", t->name);
    return -1;
}

int gen_table_flush(gen_table *t, sp_err *e)
{
    if (!t->one)
        return 0;
    for (int r = 0; r < t->pending; r++)
        if (emit(t, t->one, r, 0, e) != 0 || sp_batch_add(t->one, e) != 0)
            goto fail;
    reset_group(t);
    if ((t->many && sp_batch_flush(t->many, e) != 0) || sp_batch_flush(t->one, e) != 0)
        goto fail;
    return 0;
fail:
    sp_err_prefix(e, "inserting into %s", t->name);
    return -1;
}
