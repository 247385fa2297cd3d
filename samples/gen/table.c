/*
 * table.c -- one destination table of the generator: a batch INSERT of the
 * columns the database really has.
 *
 * The generator knows more GP columns than a trimmed test schema may hold;
 * gen_table_open() reads the table's columns (SELECT * ... WHERE 1 = 0) and
 * binds only those present, so the sample works with the full GP DDL and
 * with a subset. A missing required column (a key) is an error naming it.
 * Text for a GP char(n) column is space-padded to n characters when `pad` is
 * on (SQLite keeps what it is given; PostgreSQL and SQL Server pad char(n)
 * themselves).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gen.h"
#include "spetl/mem.h"

int gen_table_open(gen_table *t, sp_db *db, const char *name, const gen_col *cols, int ncols,
                   int rows_per_exec, int pad, sp_err *e)
{
    sp_stmt *st = NULL;
    sp_buf sql;
    sp_param_spec specs[GEN_MAX_COLS];
    char q[160];
    int rc = -1, nparams = 0;

    memset(t, 0, sizeof(*t));
    sp_buf_init(&sql, 64 * 1024);
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
            if (cols[i].required) {
                rc = SP_ERR(e, SP_EDB, "table %s has no column %s, which the sample needs", name,
                            cols[i].name);
                goto done;
            }
            continue;
        }
        t->param[i] = ++nparams;
        specs[nparams - 1].type = cols[i].type;
        specs[nparams - 1].max_len = cols[i].width > 0 ? (size_t)cols[i].width * 2 + 1 : 64;
    }
    sp_stmt_free(st);
    st = NULL;

    if (sp_buf_printf(&sql, e, "INSERT INTO %s (", name) != 0)
        goto done;
    for (int i = 0, k = 0; i < ncols; i++)
        if (t->param[i] && sp_buf_printf(&sql, e, "%s%s", k++ ? ", " : "", cols[i].name) != 0)
            goto done;
    if (sp_buf_puts(&sql, ") VALUES (", e) != 0)
        goto done;
    for (int k = 0; k < nparams; k++)
        if (sp_buf_puts(&sql, k ? ", ?" : "?", e) != 0)
            goto done;
    if (sp_buf_puts(&sql, ")", e) != 0)
        goto done;
    if (sp_batch_open(db, sp_buf_str(&sql), specs, nparams, rows_per_exec, &t->batch, e) != 0) {
        sp_err_prefix(e, "preparing the insert into %s", name);
        goto done;
    }
    rc = 0;
done:
    sp_stmt_free(st);
    sp_buf_free(&sql);
    return rc;
}

void gen_table_close(gen_table *t)
{
    sp_batch_free(t->batch);
    t->batch = NULL;
}

int gen_put_text(gen_table *t, int col, const char *s, sp_err *e)
{
    int p = t->param[col];
    char padded[GEN_W(256) + 256];
    size_t len, chars;
    int width = t->cols[col].width;

    if (!p)
        return 0;
    if (!t->pad || width <= 0)
        return sp_batch_text(t->batch, p, s, e);
    len = strlen(s);
    chars = gen_utf8_len(s);
    if (len + (size_t)width + 1 > sizeof(padded))
        return SP_ERR(e, SP_EINTERNAL, "%s.%s: value too long to pad", t->name, t->cols[col].name);
    memcpy(padded, s, len);
    while (chars < (size_t)width) {
        padded[len++] = ' ';
        chars++;
    }
    padded[len] = '\0';
    return sp_batch_text(t->batch, p, padded, e);
}

int gen_put_int(gen_table *t, int col, int64_t v, sp_err *e)
{
    return t->param[col] ? sp_batch_int(t->batch, t->param[col], v, e) : 0;
}

int gen_put_money(gen_table *t, int col, double v, sp_err *e)
{
    char text[48];
    if (!t->param[col])
        return 0;
    snprintf(text, sizeof(text), "%.5f", v);
    return sp_batch_numeric(t->batch, t->param[col], text, e);
}

int gen_put_time(gen_table *t, int col, int64_t epoch_ms, sp_err *e)
{
    return t->param[col] ? sp_batch_time(t->batch, t->param[col], epoch_ms, e) : 0;
}

int gen_table_add(gen_table *t, sp_err *e)
{
    if (sp_batch_add(t->batch, e) != 0) {
        sp_err_prefix(e, "inserting into %s", t->name);
        return -1;
    }
    t->rows++;
    return 0;
}

int gen_table_flush(gen_table *t, sp_err *e)
{
    if (t->batch && sp_batch_flush(t->batch, e) != 0) {
        sp_err_prefix(e, "inserting into %s", t->name);
        return -1;
    }
    return 0;
}
