/* export_sql.c -- the SELECT of an export level: its columns, its FROM (the
 * GP entity's tables), the join to the link table, the WHERE (which links,
 * the DBA's filter, the component's condition) and the bound parameters, in
 * order. Nothing here runs a statement (export_read.c does). */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "spetl/clock.h"

const char *sx_trimmed(sp_arena *a, const char *s)
{
    size_t n;
    if (s == NULL)
        return "";
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return sp_arena_strndup(a, s, n);
}

const char *sx_padded(sp_arena *a, const char *s, int width)
{
    size_t n = strlen(s);
    char *p;
    if (width <= 0 || n >= (size_t)width)
        return s;
    p = sp_arena_alloc(a, (size_t)width + 1);
    memcpy(p, s, n);
    memset(p + n, ' ', (size_t)width - n);
    p[width] = '\0';
    return p;
}

static const char *qual(const sp_job_column *c, sp_job_entity ent)
{
    const char *t = sp_job_entity_table(ent);
    if (c->table != NULL && strcmp(c->table, "SY01200") == 0)
        return "i";
    if (c->table != NULL && strcmp(c->table, "IV00105") == 0)
        return "p";
    (void)t;
    return "t";
}

const char *sp_export_from(sp_job_entity ent, const char *currency)
{
    (void)currency;
    switch (ent) {
    case SP_ENTITY_CUSTOMER:
        return "RM00101 t LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND "
               "i.Master_ID = t.CUSTNMBR AND i.ADRSCODE = t.ADRSCODE";
    case SP_ENTITY_CUSTOMER_ADDRESS:
        return "RM00102 t LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND "
               "i.Master_ID = t.CUSTNMBR AND i.ADRSCODE = t.ADRSCODE";
    case SP_ENTITY_ITEM:
        if (currency != NULL)
            return "IV00101 t LEFT JOIN IV00105 p ON p.ITEMNMBR = t.ITEMNMBR AND RTRIM(p.CURNCYID) = ?";
        return "IV00101 t LEFT JOIN IV00105 p ON p.ITEMNMBR = t.ITEMNMBR AND p.DEX_ROW_ID = "
               "(SELECT MIN(q.DEX_ROW_ID) FROM IV00105 q WHERE q.ITEMNMBR = t.ITEMNMBR)";
    case SP_ENTITY_PROSPECT:
        return "SOP00200 t";
    case SP_ENTITY_PROSPECT_CONTACT:
        return "spProspectContact t";
    default:
        return NULL;
    }
}

/* The FROM of level l. The e-mail join (SY01200) is left out when no column
 * of the level comes from it (a company mapping seldom has one).
 * SQLite keeps GP's CHAR padding as data: Master_ID char(31) never equals a
 * padded char(15) CUSTNMBR. There the e-mail join compares values with
 * SQLite's RTRIM collation (trailing spaces ignored, as RTRIM() would, without
 * a call and a copy per value), with a range on Master_ID so SY01200's key is
 * still used. */
static const char *from_for(sp_arena *a, const xlevel_rt *l, sp_dialect d)
{
    const char *f = l->lv->from;
    const char *join = "i.Master_ID = t.CUSTNMBR AND i.ADRSCODE = t.ADRSCODE";
    const char *left = " LEFT JOIN SY01200 i ON ";
    const char *at;
    int uses_i = 0;

    if (f == NULL || strstr(f, left) == NULL)
        return f;
    for (int i = 0; i < l->ncols && !uses_i; i++)
        uses_i = l->cols[i]->table != NULL && strcmp(l->cols[i]->table, "SY01200") == 0;
    if (!uses_i)   /* the join is the end of the FROM (sp_export_from) */
        return sp_arena_printf(a, "%.*s", (int)(strstr(f, left) - f), f);
    if (d != SP_DIALECT_SQLITE || (at = strstr(f, join)) == NULL)
        return f;
    return sp_arena_printf(a,
                           "%.*si.Master_ID >= RTRIM(t.CUSTNMBR) AND i.Master_ID < RTRIM(t.CUSTNMBR) || '!' "
                           "AND i.Master_ID = t.CUSTNMBR COLLATE RTRIM AND i.ADRSCODE = t.ADRSCODE COLLATE RTRIM%s",
                           (int)(at - f), f, at + strlen(join));
}

static void add_col(xlevel_rt *l, const sp_job_column *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < l->ncols; i++)
        if (l->cols[i] == c || strcmp(l->cols[i]->name, c->name) == 0)
            return;
    if (l->ncols < SX_MAX_COLS)
        l->cols[l->ncols++] = c;
}

size_t sx_col_max(const sp_job_column *c)
{
    if (strcmp(c->type, "char") == 0)
        return (size_t)c->width * 4 + 4;
    if (strcmp(c->type, "text") == 0)
        return 8000;
    return 64;
}

/* The GP columns a SQL hook of the level names in params= (the job checked
 * them against the level's entity): read even when the mapping sends none
 * of them, else the hook would be given NULL. */
static void add_hook_cols(xlevel_rt *l, const sp_job_hook *h)
{
    if (h == NULL || h->kind != SP_HOOK_SQL)
        return;
    for (size_t i = 0; i < h->nparams; i++)
        if (h->params[i] != NULL && (h->param_values == NULL || h->param_values[i] == NULL))
            add_col(l, sp_job_entity_column(l->lv->entity, h->params[i]));
}

/* The columns level lv reads: its keys, then those its mapping uses, then
 * those its hooks name. */
int sx_level_setup(xlevel_rt *l, const sp_export_level *lv, sp_err *e)
{
    const sp_job_mapping *m = lv->mapping;
    sp_hs_object o;

    memset(l, 0, sizeof(*l));
    l->lv = lv;
    if (lv->nkeys < 1 || lv->nkeys > SP_EXPORT_MAX_KEYS)
        return SP_ERR(e, SP_EINTERNAL, "export: %s has %d key columns (1..%d)", sp_job_entity_name(lv->entity),
                      lv->nkeys, SP_EXPORT_MAX_KEYS);
    while (l->nextras < SP_EXPORT_MAX_EXTRAS && lv->extras[l->nextras] != NULL)
        l->nextras++;
    for (int k = 0; k < lv->nkeys; k++) {
        l->keycol[k] = sp_job_entity_column(lv->entity, lv->keys[k]);
        if (l->keycol[k] == NULL)
            return SP_ERR(e, SP_EINTERNAL, "export: %s has no key column %s",
                          sp_job_entity_name(lv->entity), lv->keys[k]);
        l->key_width[k] = l->keycol[k]->width;
        add_col(l, l->keycol[k]);
    }
    for (size_t i = 0; i < m->nfields; i++) {
        const sp_job_field *f = &m->fields[i];
        if (f->source == SP_SOURCE_COLUMN)
            add_col(l, f->source_column);
        for (size_t j = 0; j < f->nparts; j++)
            if (f->parts[j].is_field)
                add_col(l, f->parts[j].column);
    }
    add_hook_cols(l, lv->pre_hook);
    add_hook_cols(l, lv->post_hook);
    if (sp_hs_object_parse(sp_job_object_name(m->object), &o) != 0)
        return SP_ERR(e, SP_EINTERNAL, "export: unknown object %s", sp_job_object_name(m->object));
    l->object = o;
    return 0;
}

/* The link-join key expression of a level: its key parts trimmed, joined
 * by '|'. */
static const char *key_expr(sp_arena *a, const xlevel_rt *l, sp_dialect d)
{
    /* a key column that is not text (SOP10100.SOPTYPE) is cast first */
    const char *k = strcmp(l->keycol[0]->type, "char") == 0
                        ? sp_arena_printf(a, "RTRIM(t.%s)", l->lv->keys[0])
                        : sp_arena_printf(a, "RTRIM(CAST(t.%s AS varchar(40)))", l->lv->keys[0]);
    const char *cat = sp_dialect_sql_of(d)->concat;

    for (int i = 1; i < l->lv->nkeys; i++)
        k = sp_arena_printf(a, "%s%s'|'%sRTRIM(CAST(t.%s AS varchar(40)))", k, cat, cat, l->lv->keys[i]);
    return k;
}

int sx_is_int_key(const sp_job_column *c)
{
    return strcmp(c->type, "smallint") == 0 || strcmp(c->type, "int") == 0 || strcmp(c->type, "tinyint") == 0 ||
           strcmp(c->type, "integer") == 0 || strcmp(c->type, "bigint") == 0;
}

void sx_p_int(xparams *p, const char *v)
{
    if (p->n < sizeof(p->v) / sizeof(p->v[0]))
        p->v[p->n++] = (xparam){3, v, 0, NULL};
}

void sx_key_pred(const xlevel_rt *l, int k, int after, const char *v, sp_buf *b, xparams *p, sp_err *e)
{
    const char *col = l->lv->keys[k];

    if (sx_is_int_key(l->keycol[k])) {
        sp_buf_printf(b, e, "t.%s %s ?", col, after > 0 ? ">" : after < 0 ? "<" : "=");
        sx_p_int(p, v);
        return;
    }
    /* after: past every stored padding of v; before: below v; equal: any
     * padding of v, the range keeps the key's index in use */
    sp_buf_printf(b, e,
                  after > 0   ? "t.%s > ? AND RTRIM(t.%s) <> ?"
                  : after < 0 ? "t.%s < ? AND RTRIM(t.%s) <> ?"
                              : "t.%s >= ? AND RTRIM(t.%s) = ?",
                  col, col);
    sx_p_text(p, v);
    sx_p_text(p, v);
}

/* (k1 after) OR (k1 equal AND k2 after) OR ... */
void sx_keyset_after(const xlevel_rt *l, int nkeys, const char *const *last, sp_buf *b, xparams *p, sp_err *e)
{
    sp_buf_printf(b, e, "(");
    for (int k = 0; k < nkeys; k++) {
        sp_buf_printf(b, e, k ? " OR (" : "(");
        for (int j = 0; j < k; j++) {
            sx_key_pred(l, j, 0, last[j], b, p, e);
            sp_buf_printf(b, e, " AND ");
        }
        sx_key_pred(l, k, 1, last[k], b, p, e);
        sp_buf_printf(b, e, ")");
    }
    sp_buf_printf(b, e, ")");
}

/* ---- parameters ------------------------------------------------------- */

void sx_p_text(xparams *p, const char *s)
{
    if (p->n < sizeof(p->v) / sizeof(p->v[0]))
        p->v[p->n++] = (xparam){0, s, 0, NULL};
}

static void p_time(xparams *p, int64_t ms)
{
    if (p->n < sizeof(p->v) / sizeof(p->v[0]))
        p->v[p->n++] = (xparam){1, NULL, ms, NULL};
}

/* A parameter of the DBA's filter, bound as its type says. */
static int bind_filter_param(sp_stmt *st, int idx, const sp_filter_param *fp, sp_err *e)
{
    if (fp->type == SP_FILTER_TEXT)
        return sp_stmt_bind_text(st, idx, fp->text, e);
    if (fp->type == SP_FILTER_NUMBER) {
        if (fp->is_integer) {
            char *end;
            long long v = strtoll(fp->text, &end, 10);
            return *end == '\0' ? sp_stmt_bind_int(st, idx, v, e) : sp_stmt_bind_numeric(st, idx, fp->text, e);
        }
        return sp_stmt_bind_numeric(st, idx, fp->text, e);
    }
    {
        int64_t ms;
        if (sp_time_parse(fp->text, &ms) != 0)
            return SP_ERR(e, SP_EJOB, "filter value '%s' is not a date", fp->text);
        return sp_stmt_bind_time(st, idx, ms, e);
    }
}

int sx_bind_all(sp_stmt *st, const xparams *p, sp_err *e)
{
    for (size_t i = 0; i < p->n; i++) {
        const xparam *x = &p->v[i];
        int idx = (int)i + 1, rc;
        if (x->kind == 0)
            rc = sp_stmt_bind_text(st, idx, x->text, e);
        else if (x->kind == 1)
            rc = sp_stmt_bind_time(st, idx, x->ms, e);
        else if (x->kind == 3) {
            char *end;
            long long v = strtoll(x->text, &end, 10);
            rc = end != x->text && *end == '\0'
                     ? sp_stmt_bind_int(st, idx, v, e)
                     : SP_ERR(e, SP_EDATA, "key part '%s' is not an integer", x->text);
        }
        else
            rc = bind_filter_param(st, idx, x->fp, e);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- the statement's text ------------------------------------------------ */

/* SELECT <cols>, l.HubSpot_ID, l.Payload_Hash FROM ... LEFT JOIN link ... */
void sx_select_head(xrun *r, const xlevel_rt *l, sp_arena *a, sp_buf *b, xparams *p, sp_err *e)
{
    sp_dialect d = sp_db_dialect(r->ctx->db);
    for (int i = 0; i < l->ncols; i++)
        sp_buf_printf(b, e, "%s%s.%s", i ? ", " : "", qual(l->cols[i], l->lv->entity),
                      l->cols[i]->name);
    sp_buf_printf(b, e, ", l.HubSpot_ID, l.Payload_Hash");
    /* the stored length of each key part: keys equal once trimmed are told apart */
    for (int k = 0; k < l->lv->nkeys; k++)
        sp_buf_printf(b, e, ", %s(CAST(t.%s AS varchar(200))) AS " SX_KLEN_COL "%d",
                      sp_dialect_sql_of(d)->stored_length, l->lv->keys[k], k);
    for (int x = 0; x < l->nextras; x++)
        sp_buf_printf(b, e, ", %s", l->lv->extras[x]);
    sp_buf_printf(b, e,
                  " FROM %s LEFT JOIN spAAIntegratedEntityLink l ON "
                  "l.Hub_ID = ? AND l.Entity_Type = ? AND l.Entity_Key = %s",
                  from_for(a, l, d), key_expr(a, l, d));
    for (size_t i = 0; i < l->lv->nfrom_params; i++)
        sx_p_text(p, l->lv->from_params[i]);
    sx_p_text(p, r->ctx->hub);
    sx_p_text(p, l->lv->link_type);
}

void sx_where_common(xrun *r, const xlevel_rt *l, int with_filter, sp_buf *b, xparams *p, sp_err *e)
{
    if (l->lv->links == SP_EXPORT_ANY)
        sp_buf_printf(b, e, " WHERE 1 = 1");
    else
        sp_buf_printf(b, e, " WHERE l.HubSpot_ID IS %sNULL",
                      l->lv->links == SP_EXPORT_LINKED ? "NOT " : "");
    if (with_filter && r->filter != NULL) {
        sp_buf_printf(b, e, " AND (%s)", r->filter->sql);
        for (size_t i = 0; i < r->filter->nparams; i++)
            if (p->n < sizeof(p->v) / sizeof(p->v[0]))
                p->v[p->n++] = (xparam){2, NULL, 0, &r->filter->params[i]};
    }
    if (l->lv->where != NULL) {
        sp_buf_printf(b, e, " AND (%s)", l->lv->where);
        for (size_t i = 0; i < l->lv->nwhere_texts; i++)
            sx_p_text(p, l->lv->where_texts[i]);
        for (size_t i = 0; i < l->lv->nwhere_times; i++)
            p_time(p, l->lv->where_times[i]);
    }
}
