/* export_read.c -- reading an export page: one page of parents (keyset on
 * the trimmed entity key, the component's filter bound, joined to the link
 * table) and their children (the parents' key range), fully into the page
 * arena with the cursor closed before anything is written; then mapped into
 * records (export_map.c) and given to the level's pre hook (export_hook.c,
 * on this source's connection). Runs on the read-ahead thread when there is one. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export_internal.h"

xsrc *sx_src_open(sp_db *db)
{
    xsrc *src = sp_xcalloc(1, sizeof(*src));
    src->db = db;
    return src;
}

void sx_src_close(xsrc *src)
{
    if (src == NULL)
        return;
    for (size_t i = 0; i < sizeof(src->reads) / sizeof(src->reads[0]); i++) {
        sp_stmt_free(src->reads[i].st);
        free(src->reads[i].sql);
    }
    free((void *)src->last);
    free(src);
}

static xpage *page_new(xrun *r)
{
    xpage *pg = sp_xcalloc(1, sizeof(*pg));
    pg->run = r;
    pg->arena = sp_arena_new(0);
    return pg;
}

void sx_page_free(xpage *pg)
{
    sp_arena_free(pg->arena);
    free(pg);
}

/* The statement for sql: prepared the first time, re-executed after that
 * (no new column buffers, no new plan per page). */
static int read_stmt(xsrc *src, const xlevel_rt *l, const char *sql, sp_stmt **out, sp_err *e)
{
    size_t i, n = sizeof(src->reads) / sizeof(src->reads[0]);
    sp_stmt *st = NULL;

    for (i = 0; i < n && src->reads[i].sql != NULL; i++)
        if (strcmp(src->reads[i].sql, sql) == 0) {
            *out = src->reads[i].st;
            return 0;
        }
    if (i == n)
        return SP_ERR(e, SP_EINTERNAL, "export: more than %zu page reads", n);
    if (sp_stmt_prepare(src->db, sql, &st, e) != 0)
        return -1;
    for (int c = 0; c < l->ncols; c++)
        if (sp_stmt_set_text_max(st, l->cols[c]->name, sx_col_max(l->cols[c]), e) != 0) {
            sp_stmt_free(st);
            return -1;
        }
    src->reads[i].sql = sp_xstrdup(sql);
    src->reads[i].st = st;
    *out = st;
    return 0;
}

/* The current row of st into w: the level's columns, then the link's id and
 * hash, then the stored length of each key part. */
static int copy_row(sp_stmt *st, const xlevel_rt *l, sp_arena *a, xrow *w, sp_err *e)
{
    const char *id, *h;

    w->vals = sp_arena_alloc(a, (size_t)(l->ncols ? l->ncols : 1) * sizeof(char *));
    for (int i = 0; i < l->ncols; i++) {
        const char *v = sp_stmt_text(st, i);
        w->vals[i] = v != NULL ? sp_arena_strdup(a, v) : NULL;
    }
    id = sp_stmt_text(st, l->ncols);
    h = sp_stmt_text(st, l->ncols + 1);
    w->link_id = id != NULL && id[0] ? sp_arena_strdup(a, id) : NULL;
    w->link_hash = h != NULL ? sp_arena_strdup(a, h) : NULL;
    for (int k = 0; k < l->lv->nkeys && k < 2; k++)
        if (sp_stmt_int(st, l->ncols + 2 + k, &w->klen[k], e) < 0)
            return -1;
    return 0;
}

/* Run sql, read every row into the page arena, close the cursor. */
static int read_rows(xsrc *src, const xlevel_rt *l, const char *sql, const xparams *p, long max,
                     sp_arena *a, xrow **out, size_t *nout, sp_err *e)
{
    sp_stmt *st = NULL;
    size_t cap = 64, n = 0;
    xrow *rows = sp_xmalloc(cap * sizeof(*rows));
    int rc = -1, f;

    if (read_stmt(src, l, sql, &st, e) != 0 || sx_bind_all(st, p, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1) {
        if ((long)n >= max) {
            SP_ERR(e, SP_ETOOLARGE, "more than %ld rows for one page of %s", max,
                   sp_job_entity_name(l->lv->entity));
            goto done;
        }
        if (n == cap) {
            cap *= 2;
            rows = sp_xrealloc(rows, cap * sizeof(*rows));
        }
        if (copy_row(st, l, a, &rows[n++], e) != 0)
            goto done;
    }
    if (f < 0)
        goto done;
    {
        xrow *copy = sp_arena_alloc(a, (n ? n : 1) * sizeof(*copy));
        memcpy(copy, rows, n * sizeof(*copy));
        *out = copy;
        *nout = n;
    }
    rc = 0;
done:
    if (st != NULL)
        sp_stmt_close_cursor(st);   /* closed before anything is written */
    free(rows);
    return rc;
}

/* The row after a full page (read to peek) has the page's last key once
 * trimmed (stored with other trailing spaces): the last key's rows are held
 * back for the next page, so a key's rows are read together. A page of one
 * key only is read again with every row of that key. */
static int keep_key_together(xrun *r, xsrc *src, xpage *pg, xrow **rows, size_t *n, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];
    const char *last = sx_trimmed(pg->arena, (*rows)[*n - 1].vals[0]);
    size_t g = 1;
    sp_buf sql;
    xparams *p;
    int rc = -1;

    while (g < *n && strcmp(sx_trimmed(pg->arena, (*rows)[*n - 1 - g].vals[0]), last) == 0)
        g++;
    if (g < *n) {
        *n -= g;
        return 0;
    }
    p = sp_xcalloc(1, sizeof(*p));
    sp_buf_init(&sql, SX_SQL_MAX);
    sp_buf_printf(&sql, e, "SELECT ");
    sx_select_head(r, l0, pg->arena, &sql, p, e);
    sx_where_common(r, l0, 1, &sql, p, e);
    sp_buf_printf(&sql, e, " AND t.%s >= ? AND RTRIM(t.%s) = ? ORDER BY t.%s", l0->lv->keys[0],
                  l0->lv->keys[0], l0->lv->keys[0]);
    sx_p_text(p, last);
    sx_p_text(p, last);
    if (sql.len >= SX_SQL_MAX - 1)
        SP_ERR(e, SP_EINTERNAL, "export: SQL text too long");
    else
        rc = read_rows(src, l0, sp_buf_str(&sql), p, SX_MAX_CHILD_ROWS, pg->arena, rows, n, e);
    sp_buf_free(&sql);
    free(p);
    return rc;
}

/* The parents of the next page into *rows; *eof when there was nothing left
 * or this page is the last. */
static int read_parents(xrun *r, xsrc *src, xpage *pg, const char *last_key, xrow **rows, size_t *n,
                        int *eof, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];
    sp_buf sql, rest;
    xparams *p = sp_xcalloc(1, sizeof(*p));
    int rc = -1;

    sp_buf_init(&sql, SX_SQL_MAX);
    sp_buf_init(&rest, SX_SQL_MAX);
    sx_select_head(r, l0, pg->arena, &rest, p, e);
    sx_where_common(r, l0, 1, &rest, p, e);
    if (last_key != NULL) {
        /* after the last key, whatever trailing spaces its rows were stored with */
        sp_buf_printf(&rest, e, " AND t.%s > ? AND RTRIM(t.%s) <> ?", l0->lv->keys[0], l0->lv->keys[0]);
        sx_p_text(p, last_key);
        sx_p_text(p, last_key);
    }
    if (r->ctx->key != NULL) {
        sp_buf_printf(&rest, e, " AND RTRIM(t.%s) = ?", l0->lv->keys[0]);
        sx_p_text(p, r->ctx->key);
    }
    sp_buf_printf(&rest, e, " ORDER BY t.%s", l0->lv->keys[0]);
    if (sp_buf_check(&rest, e) != 0)   /* a refused append: the text lacks a piece */
        goto done;
    /* one row more than a page: does the page's last key go on? */
    if (sp_db_sql_select_limit(r->ctx->db, &sql, sp_buf_str(&rest), r->spec->per_page + 1L, e) != 0)
        goto done;
    if (read_rows(src, l0, sp_buf_str(&sql), p, r->spec->per_page + 1, pg->arena, rows, n, e) != 0)
        goto done;
    *eof = *n == 0 || (long)*n <= r->spec->per_page || r->ctx->key != NULL;
    if (!*eof) {
        (*n)--;   /* the peeked row starts the next page */
        if (strcmp(sx_trimmed(pg->arena, (*rows)[*n].vals[0]), sx_trimmed(pg->arena, (*rows)[*n - 1].vals[0])) == 0 &&
            keep_key_together(r, src, pg, rows, n, e) != 0)
            goto done;
    }
    rc = 0;
done:
    if (rc == 0 && (sql.len >= SX_SQL_MAX - 1 || rest.len >= SX_SQL_MAX - 1))
        rc = SP_ERR(e, SP_EINTERNAL, "export: SQL text too long");
    sp_buf_free(&sql);
    sp_buf_free(&rest);
    free(p);
    return rc;
}

/* The child rows of the page's parents (the parents' key range, then only
 * the rows whose key is a parent's) into records, each with its parent. */
static int read_children(xrun *r, xsrc *src, xpage *pg, const xrow *rows, size_t n, sp_err *e)
{
    const xlevel_rt *l1 = &r->lv[1];
    sp_keyhash h;
    xrow *crows = NULL, *keep;
    size_t cn = 0, kn = 0, pi;
    sp_buf sql;
    xparams *p = sp_xcalloc(1, sizeof(*p));
    int rc = -1;

    sp_buf_init(&sql, SX_SQL_MAX);
    sp_buf_printf(&sql, e, "SELECT ");
    sx_select_head(r, l1, pg->arena, &sql, p, e);
    sx_where_common(r, l1, 0, &sql, p, e);
    sp_buf_printf(&sql, e, " AND t.%s >= ? AND t.%s <= ? ORDER BY t.%s, t.%s", l1->lv->keys[0],
                  l1->lv->keys[0], l1->lv->keys[0], l1->lv->keys[1]);
    sx_p_text(p, sx_trimmed(pg->arena, rows[0].vals[0]));
    sx_p_text(p, sx_padded(pg->arena, sx_trimmed(pg->arena, rows[n - 1].vals[0]), l1->key_width[0]));
    if (sp_buf_check(&sql, e) != 0 ||
        read_rows(src, l1, sp_buf_str(&sql), p, SX_MAX_CHILD_ROWS, pg->arena, &crows, &cn, e) != 0)
        goto done;
    sp_kh_init(&h, pg->arena, pg->n[0]);
    for (size_t i = 0; i < pg->n[0]; i++)
        sp_kh_put(&h, pg->recs[0][i].k1, i);
    /* keep only the children of this page's parents */
    keep = sp_arena_alloc(pg->arena, (cn ? cn : 1) * sizeof(*keep));
    for (size_t i = 0; i < cn; i++)
        if (sp_kh_get(&h, sx_trimmed(pg->arena, crows[i].vals[0]), &pi))
            keep[kn++] = crows[i];
    sx_make_recs(r, pg, 1, keep, kn);
    sx_fail_collisions(r, pg, 1);
    if (sx_pre_hook(r, src->db, pg, 1, e) != 0)
        goto done;
    /* make_recs may drop rows (address types): match parents again by key */
    for (size_t i = 0; i < pg->n[1]; i++)
        pg->recs[1][i].parent = sp_kh_get(&h, pg->recs[1][i].k1, &pi) ? (int)pi : -1;
    rc = 0;
done:
    if (rc == 0 && sql.len >= SX_SQL_MAX - 1)
        rc = SP_ERR(e, SP_EINTERNAL, "export: SQL text too long");
    sp_buf_free(&sql);
    free(p);
    return rc;
}

/* Read the next page after *last_key (kept across pages, malloc'd); *eof
 * when there was nothing left or this page is the last. */
static int read_page(xrun *r, xsrc *src, xpage *pg, const char **last_key, int *eof, sp_err *e)
{
    xrow *rows = NULL;
    size_t n = 0;

    if (read_parents(r, src, pg, *last_key, &rows, &n, eof, e) != 0)
        return -1;
    if (n == 0)
        return 0;
    sx_make_recs(r, pg, 0, rows, n);
    sx_fail_collisions(r, pg, 0);
    if (sx_pre_hook(r, src->db, pg, 0, e) != 0)
        return -1;
    /* the last key read, kept across pages */
    free((void *)*last_key);
    *last_key = sp_xstrdup(sx_trimmed(pg->arena, rows[n - 1].vals[0]));
    if (r->nlevels > 1 && read_children(r, src, pg, rows, n, e) != 0)
        return -1;
    return 0;
}

int sx_read_next(xrun *r, xsrc *src, xpage **out, sp_err *e)
{
    xpage *pg;

    if (src->eof)
        return 0;
    pg = page_new(r);
    if (read_page(r, src, pg, &src->last, &src->eof, e) != 0) {
        sx_page_free(pg);
        return -1;
    }
    if (pg->n[0] == 0) {
        sx_page_free(pg);
        src->eof = 1;
        return 0;
    }
    *out = pg;
    return 1;
}
