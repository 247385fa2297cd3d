/*
 * values.c -- one GP table the writer inserts into: which column gets what
 * (the plan), the INSERT prepared once with every column of the table
 * (GP's own tables have no defaults a writer may rely on: GP writes every
 * column), and the conversion and check of each mapped value against its
 * column's type and width. Values are always bound, never SQL text.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/mem.h"
#include "spetl/utf8.h"

/* 1900-01-01, GP's empty date */
#define GP_EMPTY_DATE_MS (-2208988800000LL)

/* The role of column c of entity en; -1: the writer leaves it to the
 * database (DEX_ROW_ID, DEX_ROW_TS) or writes it elsewhere (INET1). */
static int role_of(sp_job_entity en, const sp_job_column *c)
{
    const char *n = c->name;
    if (strcmp(c->table, sp_job_entity_table(en)) != 0 || strcmp(n, "DEX_ROW_ID") == 0 ||
        strcmp(n, "DEX_ROW_TS") == 0)
        return -1;
    if (c->key)
        return (en == SP_ENTITY_CUSTOMER_ADDRESS && strcmp(n, "CUSTNMBR") == 0) ||
                       (en == SP_ENTITY_PROSPECT_CONTACT && strcmp(n, "PROSPID") == 0)
                   ? GPW_PARENT
                   : GPW_KEY;
    if (en == SP_ENTITY_CUSTOMER && (strcmp(n, "ADRSCODE") == 0 || strcmp(n, "PRBTADCD") == 0 ||
                                     strcmp(n, "PRSTADCD") == 0 || strcmp(n, "STADDRCD") == 0))
        return GPW_POINTER;
    if (strcmp(n, "CREATDDT") == 0 || strcmp(n, "MODIFDT") == 0)
        return GPW_TODAY;
    if (strcmp(n, "Created_On") == 0 || strcmp(n, "Modified_On") == 0)
        return GPW_NOW;
    if (en == SP_ENTITY_PROSPECT_CONTACT && strcmp(n, "Is_Primary") == 0)
        return GPW_PRIMARY;
    if (en == SP_ENTITY_PROSPECT_CONTACT && strcmp(n, "Email") == 0)
        return GPW_EMAIL;
    return GPW_VALUE;
}

int gpw_table_open(sp_gpw *w, gpw_table *t, sp_job_entity en, sp_err *e)
{
    size_t n = 0;
    const sp_job_column *cols = sp_job_entity_columns(en, &n);
    sp_buf sql;
    int rc = -1;

    t->entity = en;
    t->table = sp_job_entity_table(en);
    t->cols = sp_xcalloc(n, sizeof(*t->cols));
    t->vals = sp_xcalloc(n, sizeof(*t->vals));
    t->src = sp_xcalloc(n, sizeof(*t->src));
    sp_buf_init(&sql, 16384);
    if (sp_buf_printf(&sql, e, "INSERT INTO %s (", t->table) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        int r = role_of(en, &cols[i]);
        if (r < 0)
            continue;
        t->cols[t->ncols].col = &cols[i];
        t->cols[t->ncols].role = (gpw_role)r;
        if (sp_buf_printf(&sql, e, "%s%s", t->ncols ? ", " : "", cols[i].name) < 0)
            goto done;
        t->ncols++;
    }
    if (sp_buf_puts(&sql, ") VALUES (", e) < 0)
        goto done;
    for (int i = 0; i < t->ncols; i++)
        if (sp_buf_puts(&sql, i ? ", ?" : "?", e) < 0)
            goto done;
    if (sp_buf_puts(&sql, ")", e) < 0 || sp_stmt_prepare(w->db, sp_buf_str(&sql), &t->ins, e) < 0)
        goto done;
    t->sql = sp_xstrdup(sp_buf_str(&sql));
    rc = 0;
done:
    sp_buf_free(&sql);
    return rc;
}

/* The batch parameter of column c: its type and longest value in bytes. */
static int param_of(const sp_job_column *c, sp_param_spec *ps)
{
    const char *ty = c->type;

    memset(ps, 0, sizeof(*ps));
    if (strcmp(ty, "char") == 0 || strcmp(ty, "text") == 0) {
        ps->type = SP_TYPE_TEXT;
        ps->max_len = c->width > 0 ? (size_t)c->width * 4 : 8000;   /* UTF-8: 4 bytes a character */
    } else if (strcmp(ty, "numeric") == 0) {
        ps->type = SP_TYPE_NUMERIC;
        ps->max_len = 40;
    } else if (strcmp(ty, "datetime") == 0) {
        ps->type = SP_TYPE_TIME;
    } else if (strcmp(ty, "int") == 0 || strcmp(ty, "smallint") == 0 || strcmp(ty, "tinyint") == 0) {
        ps->type = SP_TYPE_INT;
    } else {
        return -1;
    }
    return 0;
}

int gpw_table_batch(sp_gpw *w, gpw_table *t, int rows, sp_err *e)
{
    sp_param_spec *ps;
    int rc = -1;

    if (t->batch != NULL)
        return 0;
    ps = sp_xcalloc((size_t)t->ncols + 1, sizeof(*ps));
    for (int i = 0; i < t->ncols; i++)
        if (param_of(t->cols[i].col, &ps[i]) < 0) {
            SP_ERR(e, SP_EINTERNAL, "%s.%s is %s: not written by a batch", t->table, t->cols[i].col->name,
                   t->cols[i].col->type);
            goto done;
        }
    rc = sp_batch_open(w->db, t->sql, ps, t->ncols, rows, &t->batch, e);
done:
    free(ps);
    return rc;
}

void gpw_table_free(gpw_table *t)
{
    sp_stmt_free(t->ins);
    sp_batch_free(t->batch);
    free(t->sql);
    free(t->cols);
    free(t->vals);
    free(t->src);
    memset(t, 0, sizeof(*t));
}

void gpw_err_context(sp_gpw *w, const sp_gpw_value *src, sp_err *e)
{
    if (src != NULL && src->pos.line > 0)
        sp_err_at_input(e, w->job_path != NULL ? w->job_path : "job", src->pos.line, src->pos.col);
    sp_err_record(e, NULL, w->hubspot_id);
}

int gpw_table_take(sp_gpw *w, gpw_table *t, const sp_gpw_value *v, size_t n, const char **inet1,
                   sp_err *e)
{
    for (int i = 0; i < t->ncols; i++) {
        t->vals[i] = NULL;
        t->src[i] = NULL;
    }
    for (size_t j = 0; j < n; j++) {
        int i;
        if (v[j].column == NULL)
            continue;
        if (inet1 != NULL && strcasecmp(v[j].column, "INET1") == 0) {
            *inet1 = v[j].value;
            continue;
        }
        for (i = 0; i < t->ncols && strcasecmp(t->cols[i].col->name, v[j].column) != 0; i++)
            ;
        if (i == t->ncols || t->cols[i].role == GPW_KEY || t->cols[i].role == GPW_PARENT ||
            t->cols[i].role == GPW_POINTER || t->cols[i].role == GPW_PRIMARY) {
            SP_ERR(e, SP_EJOB, "company %s: %s.%s %s", w->hubspot_id, t->table, v[j].column,
                   i == t->ncols ? "is not a column the import writes"
                                 : "is set by spetl (key-generation, contact-keys): it cannot be mapped");
            gpw_err_context(w, &v[j], e);
            return -1;
        }
        t->vals[i] = v[j].value;
        t->src[i] = &v[j];
    }
    return 0;
}

/* Characters of UTF-8 text (a byte that is not valid UTF-8 counts as one). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len; n++) {
        size_t k = sp_utf8_seq(s + i, len - i);
        i += k ? k : 1;
    }
    return n;
}

int gpw_check_width(sp_gpw *w, const char *table, const char *column, int width, const char *value,
                    const sp_gpw_value *src, sp_err *e)
{
    size_t chars = utf8_chars(value);
    if (width <= 0 || chars <= (size_t)width)
        return 0;
    SP_ERR(e, SP_EDATA,
           "company %s: %s.%s is char(%d) and the value has %zu characters: \"%.40s...\"; shorten "
           "it in HubSpot or cut it with a max-length transform in the mapping",
           w->hubspot_id, table, column, width, chars, value);
    gpw_err_context(w, src, e);
    return -1;
}

/* An integer of a GP integer type, "true"/"false" as 1/0 (HubSpot booleans). */
static int parse_int(const char *type, const char *s, int64_t *out)
{
    char *end;
    int64_t lo = -2147483648LL, hi = 2147483647LL;
    if (strcmp(type, "tinyint") == 0)
        lo = 0, hi = 255;
    else if (strcmp(type, "smallint") == 0)
        lo = -32768, hi = 32767;
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
        *out = strcasecmp(s, "true") == 0;
        return 0;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* A decimal that fits numeric(19,5): at most 14 digits before the point. */
static int valid_numeric(const char *s)
{
    size_t ip = 0, fp = 0;
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    while (isdigit((unsigned char)*p))
        p++, ip++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            fp++;
    return *p == '\0' && ip + fp > 0 && ip <= 14;
}

/* Parameter idx of the row: bound to the prepared INSERT, or set in the
 * page's batch while sp_gpw_insert_many() runs (t->many). */
static int put_text(gpw_table *t, int idx, const char *s, sp_err *e)
{
    return t->many != NULL ? sp_batch_text(t->many, idx, s, e) : sp_stmt_bind_text(t->ins, idx, s, e);
}

static int put_numeric(gpw_table *t, int idx, const char *s, sp_err *e)
{
    return t->many != NULL ? sp_batch_numeric(t->many, idx, s, e) : sp_stmt_bind_numeric(t->ins, idx, s, e);
}

static int put_time(gpw_table *t, int idx, int64_t ms, sp_err *e)
{
    return t->many != NULL ? sp_batch_time(t->many, idx, ms, e) : sp_stmt_bind_time(t->ins, idx, ms, e);
}

static int put_int(gpw_table *t, int idx, int64_t v, sp_err *e)
{
    return t->many != NULL ? sp_batch_int(t->many, idx, v, e) : sp_stmt_bind_int(t->ins, idx, v, e);
}

/* Bind the value v (NULL: GP's default) of column c to parameter idx. */
static int bind_value(sp_gpw *w, gpw_table *t, int idx, const sp_job_column *c, const char *v,
                      const sp_gpw_value *src, sp_err *e)
{
    const char *type = c->type;
    int64_t i64 = 0;
    int bad = 0;

    if (strcmp(type, "char") == 0 || strcmp(type, "text") == 0) {
        if (v != NULL && gpw_check_width(w, t->table, c->name, c->width, v, src, e) < 0)
            return -1;
        return put_text(t, idx, v != NULL ? v : "", e);
    }
    if (strcmp(type, "numeric") == 0) {
        if (v != NULL && !valid_numeric(v))
            bad = 1;
        else
            return put_numeric(t, idx, v != NULL ? v : "0", e);
    } else if (strcmp(type, "datetime") == 0) {
        if (v == NULL)
            i64 = GP_EMPTY_DATE_MS;
        else if (sp_time_parse_date(v, &i64, NULL) < 0)
            bad = 1;
        if (!bad)
            return put_time(t, idx, i64, e);
    } else {
        if (v != NULL && parse_int(type, v, &i64) < 0)
            bad = 1;
        else
            return put_int(t, idx, i64, e);
    }
    SP_ERR(e, SP_EDATA, "company %s: %s.%s is %s and \"%.60s\" is not such a value", w->hubspot_id,
           t->table, c->name, type, v);
    gpw_err_context(w, src, e);
    return -1;
}

int gpw_table_insert(sp_gpw *w, gpw_table *t, const gpw_row_keys *k, sp_err *e)
{
    for (int i = 0; i < t->ncols; i++) {
        const gpw_col *gc = &t->cols[i];
        const char *v = t->vals[i];
        char buf[8];
        int rc;
        switch (gc->role) {
        case GPW_KEY: v = k->key; break;
        case GPW_PARENT: v = k->parent; break;
        case GPW_POINTER: v = k->pointer != NULL ? k->pointer : ""; break;
        case GPW_PRIMARY:
            snprintf(buf, sizeof(buf), "%d", k->primary ? 1 : 0);
            v = buf;
            break;
        case GPW_EMAIL:
            if (v == NULL)
                v = k->email;
            break;
        default: break;
        }
        if (v == NULL && (gc->role == GPW_TODAY || gc->role == GPW_NOW))
            rc = put_time(t, i + 1, gc->role == GPW_TODAY ? w->today_ms : w->now_ms, e);
        else
            rc = bind_value(w, t, i + 1, gc->col, v, t->src[i], e);
        if (rc < 0)
            return -1;
    }
    if ((t->many != NULL ? sp_batch_add(t->many, e) : sp_stmt_exec(t->ins, NULL, e)) < 0) {
        sp_err_prefix(e, "company %s: inserting into %s (key %s)", w->hubspot_id, t->table, k->key);
        sp_err_record(e, NULL, w->hubspot_id);
        return -1;
    }
    return 0;
}
