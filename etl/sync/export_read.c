/* export_read.c -- reading an export page: one page of parents (keyset on
 * the trimmed entity key, the component's filter bound, joined to the link
 * table) and their children (the parents' key range), fully into the page
 * arena with the cursor closed before anything is written; then mapped into
 * records (export_map.c) and given to the level's pre hook (export_hook.c,
 * on this source's connection; a program's answers received after the next
 * read, hook_level). Runs on the read-ahead thread when there is one. */
#include <stdio.h>
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
    sx_pre_hook_cancel(&src->fly);   /* the run stopped with a page held */
    if (src->held != NULL)
        sx_page_free(src->held);
    for (size_t i = 0; i < sizeof(src->reads) / sizeof(src->reads[0]); i++) {
        sp_stmt_free(src->reads[i].st);
        free(src->reads[i].sql);
    }
    free((void *)src->last_key[0]);
    free((void *)src->last_key[1]);
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

/* The link's columns and the stored key lengths a page read adds to the
 * level's: bounded by what they hold (spAAIntegratedEntityLink's
 * varchar(40) and varchar(64), a number), not by the connection's default
 * of 1,024 bytes. A block of 512 child rows held 2.7 MB of buffers, 4 KB a
 * row of them for these four values. */
static int bound_link_cols(sp_stmt *st, const xlevel_rt *l, sp_err *e)
{
    char name[32];

    if (sp_stmt_set_text_max(st, "HubSpot_ID", 40, e) != 0 || sp_stmt_set_text_max(st, "Payload_Hash", 64, e) != 0)
        return -1;
    for (int k = 0; k < l->lv->nkeys; k++) {
        snprintf(name, sizeof(name), SX_KLEN_COL "%d", k);
        if (sp_stmt_set_text_max(st, name, 24, e) != 0)
            return -1;
    }
    return 0;
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
    if (bound_link_cols(st, l, e) != 0) {
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
    for (int k = 0; k < l->lv->nkeys; k++)
        if (sp_stmt_int(st, l->ncols + 2 + k, &w->klen[k], e) < 0)
            return -1;
    for (int x = 0; x < l->nextras; x++) {
        const char *v = sp_stmt_text(st, l->ncols + 2 + l->lv->nkeys + x);
        w->extras[x] = v != NULL ? sp_arena_strdup(a, v) : NULL;
    }
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
        rows = sp_xgrow(rows, n, &cap, sizeof(*rows), 64);
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

/* The trimmed first nparts key parts of row w, joined by '|'. */
const char *sx_row_key(sp_arena *a, const xlevel_rt *l, const xrow *w, int nparts)
{
    const char *k = sx_trimmed(a, w->vals[0]);
    (void)l;
    for (int i = 1; i < nparts; i++)
        k = sp_arena_printf(a, "%s|%s", k, sx_trimmed(a, w->vals[i]));
    return k;
}

static void order_by(const xlevel_rt *l, int nkeys, sp_buf *b, sp_err *e)
{
    for (int k = 0; k < nkeys; k++)
        sp_buf_printf(b, e, "%st.%s", k ? ", " : " ORDER BY ", l->lv->keys[k]);
}

/* One record (--key): its key parts, '|' between them (the last part takes
 * the rest, so a '|' in it stays). A key of fewer parts matches nothing. */
static void key_where(const xlevel_rt *l, sp_arena *a, const char *key, sp_buf *b, xparams *p, sp_err *e)
{
    const char *at = key;

    for (int k = 0; k < l->lv->nkeys; k++) {
        const char *bar = k + 1 < l->lv->nkeys ? strchr(at, '|') : NULL;
        const char *part = bar ? sp_arena_strndup(a, at, (size_t)(bar - at)) : at;
        if (k + 1 < l->lv->nkeys && bar == NULL) {
            sp_buf_printf(b, e, " AND 1 = 0");
            return;
        }
        sp_buf_printf(b, e, " AND ");
        sx_key_pred(l, k, 0, part, b, p, e);
        at = bar ? bar + 1 : at;
    }
}

int sx_sql_key_rows(xrun *r, sp_arena *a, const char *const *parts, sp_buf *sql, xparams *p, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];

    sp_buf_printf(sql, e, "SELECT ");
    sx_select_head(r, l0, a, sql, p, e);
    sx_where_common(r, l0, 1, sql, p, e);
    for (int k = 0; k < l0->lv->nkeys; k++) {
        sp_buf_printf(sql, e, " AND ");
        sx_key_pred(l0, k, 0, parts[k], sql, p, e);
    }
    order_by(l0, l0->lv->nkeys, sql, e);
    if (sql->len >= SX_SQL_MAX - 1)
        return SP_ERR(e, SP_EINTERNAL, "export: SQL text too long");
    return sp_buf_check(sql, e);
}

int sx_sql_parents(xrun *r, sp_arena *a, const char *const *last_key, sp_buf *sql, xparams *p, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];
    sp_buf rest;
    int rc = -1;

    sp_buf_init(&rest, SX_SQL_MAX);
    sx_select_head(r, l0, a, &rest, p, e);
    sx_where_common(r, l0, 1, &rest, p, e);
    if (last_key[0] != NULL) {
        /* after the last key, whatever trailing spaces its rows were stored with */
        sp_buf_printf(&rest, e, " AND ");
        sx_keyset_after(l0, l0->lv->nkeys, last_key, &rest, p, e);
    }
    if (r->ctx->key != NULL)
        key_where(l0, a, r->ctx->key, &rest, p, e);
    order_by(l0, l0->lv->nkeys, &rest, e);
    /* a refused append: the text lacks a piece; one row more than a page:
     * does the page's last key go on? */
    if (sp_buf_check(&rest, e) == 0 &&
        sp_db_sql_select_limit(r->ctx->db, sql, sp_buf_str(&rest), r->spec->per_page + 1L, e) == 0)
        rc = sql->len >= SX_SQL_MAX - 1 || rest.len >= SX_SQL_MAX - 1
                 ? SP_ERR(e, SP_EINTERNAL, "export: SQL text too long")
                 : 0;
    sp_buf_free(&rest);
    return rc;
}

/* The row after a full page (read to peek) has the page's last key once
 * trimmed (stored with other trailing spaces): the last key's rows are held
 * back for the next page, so a key's rows are read together. A page of one
 * key only is read again with every row of that key. */
static int keep_key_together(xrun *r, xsrc *src, xpage *pg, xrow **rows, size_t *n, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];
    const char *last = sx_row_key(pg->arena, l0, &(*rows)[*n - 1], l0->lv->nkeys);
    const char *parts[SP_EXPORT_MAX_KEYS];
    size_t g = 1;
    sp_buf sql;
    xparams *p;
    int rc = -1;

    while (g < *n && strcmp(sx_row_key(pg->arena, l0, &(*rows)[*n - 1 - g], l0->lv->nkeys), last) == 0)
        g++;
    if (g < *n) {
        *n -= g;
        return 0;
    }
    p = sp_xcalloc(1, sizeof(*p));
    sp_buf_init(&sql, SX_SQL_MAX);
    for (int k = 0; k < l0->lv->nkeys; k++)
        parts[k] = sx_trimmed(pg->arena, (*rows)[*n - 1].vals[k]);
    if (sx_sql_key_rows(r, pg->arena, parts, &sql, p, e) == 0)
        rc = read_rows(src, l0, sp_buf_str(&sql), p, SX_MAX_CHILD_ROWS, pg->arena, rows, n, e);
    sp_buf_free(&sql);
    free(p);
    return rc;
}

/* The parents of the next page into *rows; *eof when there was nothing left
 * or this page is the last. */
static int read_parents(xrun *r, xsrc *src, xpage *pg, const char *const *last_key, xrow **rows, size_t *n,
                        int *eof, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];
    sp_buf sql;
    xparams *p = sp_xcalloc(1, sizeof(*p));
    int rc = -1;

    sp_buf_init(&sql, SX_SQL_MAX);
    if (sx_sql_parents(r, pg->arena, last_key, &sql, p, e) != 0)
        goto done;
    if (read_rows(src, l0, sp_buf_str(&sql), p, r->spec->per_page + 1, pg->arena, rows, n, e) != 0)
        goto done;
    *eof = *n == 0 || (long)*n <= r->spec->per_page || r->ctx->key != NULL;
    if (!*eof) {
        (*n)--;   /* the peeked row starts the next page */
        if (strcmp(sx_row_key(pg->arena, l0, &(*rows)[*n], l0->lv->nkeys),
                   sx_row_key(pg->arena, l0, &(*rows)[*n - 1], l0->lv->nkeys)) == 0 &&
            keep_key_together(r, src, pg, rows, n, e) != 0)
            goto done;
    }
    rc = 0;
done:
    sp_buf_free(&sql);
    free(p);
    return rc;
}

/* A bound of key part k: t.K >= v (ge) or t.K <= v padded to its width. */
static void key_bound(const xlevel_rt *l, int k, int ge, sp_arena *a, const char *v, sp_buf *b, xparams *p,
                      sp_err *e)
{
    if (sx_is_int_key(l->keycol[k])) {
        sp_buf_printf(b, e, "t.%s %s ?", l->lv->keys[k], ge ? ">=" : "<=");
        sx_p_int(p, v);
        return;
    }
    sp_buf_printf(b, e, "t.%s %s ?", l->lv->keys[k], ge ? ">=" : "<=");
    sx_p_text(p, ge ? v : sx_padded(a, v, l->key_width[k]));
}

/* The children's rows between the page's first and last parent key: on one
 * key part its range; on two, (K1, K2) from (first1, first2) to (last1,
 * last2) (a superset when K1 is text stored with other paddings: the rows
 * are matched to the parents by key after the read). */
static void children_range(xrun *r, sp_arena *a, const char *const *first, const char *const *last, sp_buf *b,
                           xparams *p, sp_err *e)
{
    const xlevel_rt *l1 = &r->lv[1];
    const char *f1 = first[0], *t1 = last[0];

    sp_buf_printf(b, e, " AND ");
    key_bound(l1, 0, 1, a, f1, b, p, e);
    sp_buf_printf(b, e, " AND ");
    key_bound(l1, 0, 0, a, t1, b, p, e);
    if (r->lv[0].lv->nkeys < 2)
        return;
    /* (K1 > f1 OR K2 >= f2) AND (K1 < t1 OR K2 <= t2): within [f1, t1] on K1 */
    sp_buf_printf(b, e, " AND (");
    sx_key_pred(l1, 0, 1, f1, b, p, e);
    sp_buf_printf(b, e, " OR ");
    key_bound(l1, 1, 1, a, first[1], b, p, e);
    sp_buf_printf(b, e, ") AND (");
    sx_key_pred(l1, 0, -1, t1, b, p, e);
    sp_buf_printf(b, e, " OR ");
    key_bound(l1, 1, 0, a, last[1], b, p, e);
    sp_buf_printf(b, e, ")");
}

int sx_sql_children(xrun *r, sp_arena *a, const char *const *first, const char *const *last, sp_buf *sql,
                    xparams *p, sp_err *e)
{
    const xlevel_rt *l1 = &r->lv[1];

    sp_buf_printf(sql, e, "SELECT ");
    sx_select_head(r, l1, a, sql, p, e);
    sx_where_common(r, l1, 0, sql, p, e);
    children_range(r, a, first, last, sql, p, e);
    order_by(l1, l1->lv->nkeys, sql, e);
    if (sql->len >= SX_SQL_MAX - 1)
        return SP_ERR(e, SP_EINTERNAL, "export: SQL text too long");
    return sp_buf_check(sql, e);
}

/* The level's pre hook on the page's records. Overlapped (program hooks,
 * sx_pre_hook_overlap): the call is received only after the next read (the
 * program works meanwhile), before the next call is sent: the page's parents'
 * call while its children are read, its children's while the next page's
 * parents are (the page is returned one read late, sx_read_next). Each call
 * is received before the next is sent: the program sees what it would. */
static int hook_level(xrun *r, xsrc *src, xpage *pg, int level, sp_err *e)
{
    if (sx_pre_hook_recv(r, src->db, &src->fly, e) != 0 ||
        sx_pre_hook_send(r, src->db, pg, level, &src->fly, e) != 0)
        return -1;
    return sx_pre_hook_overlap(r) ? 0 : sx_pre_hook_recv(r, src->db, &src->fly, e);
}

/* The child rows of the page's parents (the parents' key range, then only
 * the rows whose key is a parent's) into records, each with its parent. */
static int read_children(xrun *r, xsrc *src, xpage *pg, const xrow *rows, size_t n, sp_err *e)
{
    const xlevel_rt *l1 = &r->lv[1];
    int np = r->lv[0].lv->nkeys;   /* the child's first keys are its parent's */
    const char *first[2] = {NULL, NULL}, *last[2] = {NULL, NULL};
    sp_keyhash h;
    xrow *crows = NULL;
    size_t cn = 0, kn = 0, pi;
    sp_buf sql;
    xparams *p = sp_xcalloc(1, sizeof(*p));
    int rc = -1;

    sp_buf_init(&sql, SX_SQL_MAX);
    for (int k = 0; k < np && k < 2; k++) {
        first[k] = sx_trimmed(pg->arena, rows[0].vals[k]);
        last[k] = sx_trimmed(pg->arena, rows[n - 1].vals[k]);
    }
    if (sx_sql_children(r, pg->arena, first, last, &sql, p, e) != 0 ||
        read_rows(src, l1, sp_buf_str(&sql), p, SX_MAX_CHILD_ROWS, pg->arena, &crows, &cn, e) != 0)
        goto done;
    sp_kh_init(&h, pg->arena, pg->n[0]);
    for (size_t i = 0; i < pg->n[0]; i++)
        sp_kh_put(&h, pg->recs[0][i].ekey, i);
    /* keep only the children of this page's parents (in place: the rows are the page's) */
    for (size_t i = 0; i < cn; i++)
        if (sp_kh_get(&h, sx_row_key(pg->arena, l1, &crows[i], np), &pi))
            crows[kn++] = crows[i];
    sx_make_recs(r, pg, 1, crows, kn);
    sx_fail_collisions(r, pg, 1);
    if (hook_level(r, src, pg, 1, e) != 0)
        goto done;
    /* make_recs may drop rows (address types): match parents again by key */
    for (size_t i = 0; i < pg->n[1]; i++) {
        xrec *c = &pg->recs[1][i];
        c->pkey = np == 1 ? c->k1 : sp_arena_printf(pg->arena, "%s|%s", c->k1, c->k2);
        c->parent = sp_kh_get(&h, c->pkey, &pi) ? (int)pi : -1;
    }
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

    if (read_parents(r, src, pg, last_key, &rows, &n, eof, e) != 0)
        return -1;
    if (n == 0)
        return 0;
    sx_make_recs(r, pg, 0, rows, n);
    sx_fail_collisions(r, pg, 0);
    if (hook_level(r, src, pg, 0, e) != 0)
        return -1;
    /* the last key read, kept across pages */
    for (int k = 0; k < r->lv[0].lv->nkeys && k < 2; k++) {
        free((void *)last_key[k]);
        last_key[k] = sp_xstrdup(sx_trimmed(pg->arena, rows[n - 1].vals[k]));
    }
    if (r->nlevels > 1 && read_children(r, src, pg, rows, n, e) != 0)
        return -1;
    return 0;
}

/* The page held (overlap) once its last call is received; 0: none. */
static int give_held(xrun *r, xsrc *src, xpage **out, sp_err *e)
{
    if (sx_pre_hook_recv(r, src->db, &src->fly, e) != 0)
        return -1;
    *out = src->held;
    src->held = NULL;
    return *out != NULL;
}

int sx_read_next(xrun *r, xsrc *src, xpage **out, sp_err *e)
{
    xpage *pg;

    for (;;) {
        if (src->eof)
            return give_held(r, src, out, e);
        pg = page_new(r);
        if (read_page(r, src, pg, src->last_key, &src->eof, e) != 0) {
            if (src->fly.pg == pg)
                sx_pre_hook_cancel(&src->fly);
            sx_page_free(pg);
            return -1;
        }
        if (pg->n[0] == 0) {
            sx_page_free(pg);
            src->eof = 1;
            continue;
        }
        if (src->fly.pg != pg) {   /* not overlapped: the page is whole */
            *out = pg;
            return 1;
        }
        *out = src->held;
        src->held = pg;
        if (*out != NULL)
            return 1;
    }
}
