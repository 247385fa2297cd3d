/* lookup.c -- the GP side of a matching rule set: one parameterised SELECT per
 * rule (link.h says which SQL each comparison becomes and what it costs). */
#include "lookup_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/log.h"
#include "spetl/mem.h"

const lk_ent *lk_ent_of(sp_job_entity e)
{
    static const lk_ent t[] = {
        {"RM00101", "CUSTNMBR", NULL, NULL},
        {"RM00102", "CUSTNMBR", "ADRSCODE", "CUSTNMBR"},
        {"SOP00200", "PROSPID", NULL, NULL},
        {"spProspectContact", "PROSPID", "Contact_ID", "PROSPID"},
    };
    return (int)e >= 0 && e <= SP_ENTITY_PROSPECT_CONTACT ? &t[e] : NULL;
}

int lk_uses_email(const sp_job_rule *r)
{
    for (size_t k = 0; k < r->ncomparisons; k++)
        if (strcmp(r->comparisons[k].column->table, "SY01200") == 0)
            return 1;
    return 0;
}

/* FROM: the table, and for INET1 the e-mail row of the record's address
 * (SQLite keeps CHAR padding as data: compare trimmed there, with a range on
 * Master_ID so SY01200's key still serves). */
int lk_put_from(sp_buf *b, sp_dialect d, const lk_ent *en, const sp_job_rule *r, const char *lead, sp_err *e)
{
    if (sp_buf_printf(b, e, "%s%s t", lead, en->table) != 0)
        return -1;
    if (!lk_uses_email(r))
        return 0;
    if (d == SP_DIALECT_SQLITE)
        return sp_buf_puts(b, " LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND i.Master_ID >= RTRIM(t.CUSTNMBR)"
                              " AND i.Master_ID < RTRIM(t.CUSTNMBR) || '!' AND RTRIM(i.Master_ID) = RTRIM(t.CUSTNMBR)"
                              " AND RTRIM(i.ADRSCODE) = RTRIM(t.ADRSCODE)", e);
    return sp_buf_puts(b, " LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND i.Master_ID = t.CUSTNMBR"
                          " AND i.ADRSCODE = t.ADRSCODE", e);
}

int lk_put_pred(sp_buf *b, sp_dialect d, const sp_job_comparison *c, const char *const *v, sp_err *e)
{
    char x[160];
    int ss = d == SP_DIALECT_SQLSERVER;

    snprintf(x, sizeof(x), "%s.%s", strcmp(c->column->table, "SY01200") == 0 ? "i" : "t", c->column->name);
    switch (c->how) {
    case SP_COMPARE_EXACT:
        if (d == SP_DIALECT_SQLITE)
            return sp_buf_printf(b, e, "%s >= %s AND %s <= %s", x, v[0], x, v[1]);
        return sp_buf_printf(b, e, "%s = %s", x, v[0]);
    case SP_COMPARE_CI:
        return sp_buf_printf(b, e, "UPPER(REPLACE(%s, ' ', '')) = %s", x, v[0]);
    case SP_COMPARE_DIGITS:
        return sp_buf_printf(b, e,
                             "REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(%s, ' ', ''), '-', ''), "
                             "'(', ''), ')', ''), '.', ''), '+', ''), '/', '') IN (%s, %s, %s)",
                             x, v[0], v[1], v[2]);
    case SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE:
        return sp_buf_printf(b, e, "LOWER(%s) LIKE %s", x, v[0]);
    case SP_COMPARE_PREFIX:
        return sp_buf_printf(b, e, "RTRIM(%s) <> '' AND UPPER(RTRIM(%s)) = %s(%s, 1, %s(RTRIM(%s)))", x, x,
                             ss ? "SUBSTRING" : "SUBSTR", v[0], ss ? "LEN" : "LENGTH", x);
    }
    return SP_ERR(e, SP_EINTERNAL, "unknown comparison %d", (int)c->how);
}

/* A comparison's value(s) in the one-record SELECT: its parameters. */
static const char *const *one_value(sp_job_compare how)
{
    static const char *const plain[] = {"?", "?", "?"}, *const upper[] = {"UPPER(?)"};

    return how == SP_COMPARE_CI || how == SP_COMPARE_PREFIX ? upper : plain;
}

int sp_lookup_sql(sp_dialect d, const sp_job_rule_set *rs, size_t ri, int with_parent, sp_buf *out, sp_err *e)
{
    const lk_ent *en = lk_ent_of(rs->entity);
    const sp_job_rule *r = &rs->rules[ri];
    sp_buf rest;
    int rc = -1;

    if (en == NULL)
        return SP_ERR(e, SP_EINTERNAL, "rule set %s: entity %d cannot be matched", rs->id, (int)rs->entity);
    sp_buf_init(&rest, 16384);
    if (sp_buf_printf(&rest, e, "t.%s%s%s", en->k1, en->k2 ? ", t." : "", en->k2 ? en->k2 : "") != 0)
        goto done;
    for (size_t k = 0; k < r->ncomparisons; k++)
        if (sp_buf_printf(&rest, e, ", %s.%s AS c%zu", strcmp(r->comparisons[k].column->table, "SY01200") == 0 ? "i" : "t",
                          r->comparisons[k].column->name, k) != 0)
            goto done;
    if (lk_put_from(&rest, d, en, r, " FROM ", e) != 0 || sp_buf_puts(&rest, " WHERE ", e) != 0)
        goto done;
    for (size_t k = 0; k < r->ncomparisons; k++)
        if ((k > 0 && sp_buf_puts(&rest, " AND ", e) != 0) ||
            lk_put_pred(&rest, d, &r->comparisons[k], one_value(r->comparisons[k].how), e) != 0)
            goto done;
    if (with_parent && (d == SP_DIALECT_SQLITE ? sp_buf_printf(&rest, e, " AND t.%s >= ? AND t.%s <= ?", en->parent, en->parent)
                                               : sp_buf_printf(&rest, e, " AND t.%s = ?", en->parent)) != 0)
        goto done;
    if (sp_buf_printf(&rest, e, " ORDER BY t.%s%s%s", en->k1, en->k2 ? ", t." : "", en->k2 ? en->k2 : "") != 0 ||
        sp_buf_check(&rest, e) != 0)
        goto done;
    rc = sp_sql_select_limit(d, out, sp_buf_str(&rest), SP_MATCH_FETCH, e);
done:
    sp_buf_free(&rest);
    return rc;
}

/* Can rs be matched by SQL lookups? */
static int lookup_check(const sp_job_rule_set *rs, sp_err *e)
{
    if (lk_ent_of(rs->entity) == NULL)
        return SP_ERR(e, SP_EJOB, "rule set \"%s\": %s records cannot be matched", rs->id,
                      sp_job_entity_name(rs->entity));
    for (size_t ri = 0; ri < rs->nrules; ri++)
        for (size_t k = 0; k < rs->rules[ri].ncomparisons; k++)
            if (strcmp(rs->rules[ri].comparisons[k].column->type, "char") != 0)
                return SP_ERR(e, SP_EJOB, "rule \"%s\" of rule set \"%s\" compares %s, a %s column: matching "
                              "compares text columns only", rs->rules[ri].name, rs->id,
                              rs->rules[ri].comparisons[k].column->name, rs->rules[ri].comparisons[k].column->type);
    return 0;
}

int sp_lookup_open(sp_db *db, const char *job_path, const sp_job_rule_set *rs, sp_lookup **out, sp_err *e)
{
    sp_lookup *l;

    *out = NULL;
    if (rs == NULL)
        return 0;
    if (lookup_check(rs, e) != 0) {
        sp_err_at_input(e, job_path, rs->pos.line, rs->pos.col);
        return -1;
    }
    l = sp_xcalloc(1, sizeof(*l));
    l->db = db;
    l->d = sp_db_dialect(db);
    l->rs = rs;
    l->st = sp_xcalloc(rs->nrules * 2 + 1, sizeof(*l->st));
    l->many = sp_xcalloc(rs->nrules + 1, sizeof(*l->many));
    l->many_n = sp_xcalloc(rs->nrules + 1, sizeof(*l->many_n));
    l->arena = sp_arena_new(0);
    *out = l;
    return 0;
}

void sp_lookup_free(sp_lookup *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->rs->nrules * 2; i++)
        sp_stmt_free(l->st[i]);
    for (size_t i = 0; i < l->rs->nrules; i++)
        sp_stmt_free(l->many[i]);
    free(l->st);
    free(l->many);
    free(l->many_n);
    sp_arena_free(l->arena);
    free(l);
}

void sp_lookup_parent(sp_lookup *l, const char *parent)
{
    l->parent = parent;
}

static sp_stmt *stmt_for(sp_lookup *l, size_t ri, int wp, sp_err *e)
{
    sp_stmt **slot = &l->st[ri * 2 + (size_t)wp];
    sp_buf sql;

    if (*slot != NULL)
        return *slot;
    sp_buf_init(&sql, 32768);
    if (sp_lookup_sql(l->d, l->rs, ri, wp, &sql, e) == 0 && sp_stmt_prepare(l->db, sp_buf_str(&sql), slot, e) == 0)
        SP_DEBUG("company-link", "rule \"%s\" of \"%s\": %s", l->rs->rules[ri].name, l->rs->id, sp_buf_str(&sql));
    sp_buf_free(&sql);
    return *slot;
}

/* Bind the value(s) of comparison k from parameter *p on. */
int lk_bind_cmp(sp_lookup *l, sp_stmt *st, const sp_job_comparison *c, const char *hs, int *p, sp_err *e)
{
    char v[1100];

    switch (c->how) {
    case SP_COMPARE_EXACT:
        sp_match_norm(SP_COMPARE_EXACT, hs, v, sizeof(v) - PAD);
        if (sp_stmt_bind_text(st, (*p)++, v, e) != 0)
            return -1;
        if (l->d != SP_DIALECT_SQLITE)
            return 0;
        memset(v + strlen(v), ' ', PAD);
        v[sizeof(v) - 1] = '\0';
        return sp_stmt_bind_text(st, (*p)++, v, e);
    case SP_COMPARE_CI:
        sp_match_norm(c->how, hs, v, sizeof(v));
        return sp_stmt_bind_text(st, (*p)++, v, e);
    case SP_COMPARE_DIGITS: {
        /* the number as it is, with GP's empty extension, with the country code */
        char d[64], x[80], one[80];
        sp_match_norm(c->how, hs, d, sizeof(d));
        snprintf(x, sizeof(x), "%s0000", d);
        snprintf(one, sizeof(one), "1%s", d);
        return sp_stmt_bind_text(st, (*p)++, d, e) != 0 || sp_stmt_bind_text(st, (*p)++, x, e) != 0 ||
                       sp_stmt_bind_text(st, (*p)++, one, e) != 0
                   ? -1
                   : 0;
    }
    case SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE: {
        char dom[1024];
        sp_match_norm(c->how, hs, dom, sizeof(dom));
        for (char *q = dom; *q; q++)
            if (*q == '%' || *q == '_' || *q == '\\' || *q == '[')
                *q = '_';
        snprintf(v, sizeof(v), "%%%s%%", dom);
        return sp_stmt_bind_text(st, (*p)++, v, e);
    }
    case SP_COMPARE_PREFIX:
        sp_match_norm(SP_COMPARE_EXACT, hs, v, sizeof(v));
        return sp_stmt_bind_text(st, (*p)++, v, e);
    }
    return SP_ERR(e, SP_EINTERNAL, "unknown comparison");
}

void lk_put_key(sp_match_cand *c, sp_stmt *st, int col, int two)
{
    const char *k1 = sp_stmt_text(st, col), *k2 = two ? sp_stmt_text(st, col + 1) : NULL;

    if (two)
        snprintf(c->key, sizeof(c->key), "%s|%s", k1 ? k1 : "", k2 ? k2 : "");
    else
        snprintf(c->key, sizeof(c->key), "%s", k1 ? k1 : "");
}

int sp_lookup_fn(void *ud, const sp_job_rule_set *rs, size_t ri, const char *const *hs, sp_match_cand *out,
                 size_t *n, int *capped, sp_err *e)
{
    sp_lookup *l = ud;
    const sp_job_rule *r = &rs->rules[ri];
    const lk_ent *en = lk_ent_of(rs->entity);
    int two = en != NULL && en->k2 != NULL, p = 1, got;
    int wp = l->parent != NULL && en != NULL && en->parent != NULL;
    sp_stmt *st = en != NULL ? stmt_for(l, ri, wp, e) : NULL;
    static const sp_job_column parent_col = {"parent", "", "char", 15, 1};
    const sp_job_comparison parent_cmp = {{0, 0}, "parent", &parent_col, SP_COMPARE_EXACT};

    *n = 0;
    *capped = 0;
    sp_arena_reset(l->arena);
    if (st == NULL)
        return -1;
    for (size_t k = 0; k < r->ncomparisons; k++)
        if (lk_bind_cmp(l, st, &r->comparisons[k], hs[k], &p, e) != 0)
            return -1;
    if ((wp && lk_bind_cmp(l, st, &parent_cmp, l->parent, &p, e) != 0) || sp_stmt_exec(st, NULL, e) != 0)
        return -1;
    while ((got = sp_stmt_fetch(st, e)) == 1) {
        if (*n == SP_MATCH_FETCH - 1) {
            *capped = 1;
            sp_stmt_close_cursor(st);
            break;
        }
        lk_put_key(&out[*n], st, 0, two);
        for (size_t k = 0; k < r->ncomparisons; k++) {
            const char *v = sp_stmt_text(st, (two ? 2 : 1) + (int)k);
            out[*n].gp[k] = sp_arena_strdup(l->arena, v ? v : "");
        }
        (*n)++;
    }
    if (got < 0)
        sp_err_prefix(e, "matching by rule \"%s\" of rule set \"%s\"", r->name, rs->id);
    return got < 0 ? -1 : 0;
}
