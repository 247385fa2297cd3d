/* hs_search.c -- POST {base}/search: filters, one sort, offset paging, the result cap, index lag. */
#include "hubsim.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/clock.h"
#include "spetl/mem.h"

#define MAX_GROUPS 5
#define MAX_FILTERS 6
#define MAX_LIMIT 200

typedef enum op {
    OP_EQ, OP_NEQ, OP_LT, OP_LTE, OP_GT, OP_GTE, OP_BETWEEN, OP_IN, OP_NOT_IN,
    OP_HAS, OP_NOT_HAS, OP_TOKEN, OP_NOT_TOKEN
} op;

static const char *const OP_NAMES[] = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN",
                                       "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
                                       "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"};

typedef struct operand {
    const char *s;   /* text (borrowed from the body) */
    double num;      /* numeric/epoch ms when the property is typed */
} operand;

typedef struct filter {
    const hs_prop *p;
    int numeric;     /* compare as numbers (number, date, datetime) */
    op o;
    operand v, hi;
    operand *vals;
    size_t nvals;
} filter;

typedef struct group {
    filter f[MAX_FILTERS];
    int n;
} group;

static int is_numeric(const hs_prop *p)
{
    return p->type == HS_T_NUMBER || p->type == HS_T_DATE || p->type == HS_T_DATETIME;
}

/* A property value as a number: numbers parse, dates and datetimes become epoch ms. */
static int to_number(const hs_prop *p, const char *s, double *out)
{
    if (p->type == HS_T_NUMBER)
        return hs_parse_number(s, out);
    {
        int64_t ms;
        if (sp_time_parse(s, &ms) != 0)
            return 0;
        *out = (double)ms;
        return 1;
    }
}

static int operand_parse(const hs_prop *p, int numeric, const json_t *j, operand *o, char *err,
                         size_t n)
{
    if (json_is_string(j)) {
        o->s = json_string_value(j);
    } else if (json_is_integer(j) || json_is_real(j)) {
        /* numbers are accepted as values too; keep them as numbers */
        o->s = NULL;
        o->num = json_is_integer(j) ? (double)json_integer_value(j) : json_real_value(j);
        if (!numeric) {
            snprintf(err, n, "Filter value for %s must be a string", p->name);
            return -1;
        }
        return 0;
    } else if (json_is_boolean(j)) {
        o->s = json_is_true(j) ? "true" : "false";
    } else {
        snprintf(err, n, "Filter on %s needs a value", p->name);
        return -1;
    }
    if (numeric && !to_number(p, o->s, &o->num)) {
        snprintf(err, n, "%.100s is not a valid %s value for %s", o->s, hs_ptype_name(p->type), p->name);
        return -1;
    }
    return 0;
}

static void groups_free(group *g, int ng)
{
    for (int i = 0; i < ng; i++)
        for (int k = 0; k < g[i].n; k++)
            free(g[i].f[k].vals);
}

static int compile_filter(hs_table *t, const json_t *jf, filter *f, char *err, size_t n)
{
    const char *name = json_string_value(json_object_get(jf, "propertyName"));
    const char *opn = json_string_value(json_object_get(jf, "operator"));
    int found = -1;
    memset(f, 0, sizeof(*f));
    if (name == NULL || opn == NULL) {
        snprintf(err, n, "Each filter needs propertyName and operator");
        return -1;
    }
    f->p = hs_prop_find(t, name);
    if (f->p == NULL) {
        snprintf(err, n, "Property \"%.100s\" does not exist for object type %s", name, hs_obj_type_id(t->obj));
        return -1;
    }
    for (int i = 0; i < (int)(sizeof(OP_NAMES) / sizeof(OP_NAMES[0])); i++)
        if (strcmp(opn, OP_NAMES[i]) == 0)
            found = i;
    if (found < 0) {
        snprintf(err, n, "Unknown filter operator %.50s", opn);
        return -1;
    }
    f->o = (op)found;
    f->numeric = is_numeric(f->p);
    switch (f->o) {
    case OP_HAS:
    case OP_NOT_HAS:
        return 0;
    case OP_IN:
    case OP_NOT_IN: {
        const json_t *vals = json_object_get(jf, "values");
        size_t i;
        json_t *v;
        if (!json_is_array(vals) || json_array_size(vals) == 0) {
            snprintf(err, n, "Operator %s on %s needs a non-empty 'values' array", opn, name);
            return -1;
        }
        f->nvals = json_array_size(vals);
        f->vals = sp_xcalloc(f->nvals, sizeof(*f->vals));
        json_array_foreach(vals, i, v) {
            if (operand_parse(f->p, f->numeric, v, &f->vals[i], err, n) != 0)
                return -1;
        }
        return 0;
    }
    case OP_BETWEEN:
        if (operand_parse(f->p, f->numeric, json_object_get(jf, "value"), &f->v, err, n) != 0 ||
            operand_parse(f->p, f->numeric, json_object_get(jf, "highValue"), &f->hi, err, n) != 0)
            return -1;
        return 0;
    case OP_TOKEN:
    case OP_NOT_TOKEN:
        f->numeric = 0;
        /* fall through */
    default:
        return operand_parse(f->p, f->numeric, json_object_get(jf, "value"), &f->v, err, n);
    }
}

static int cmp_operand(const filter *f, const char *val, double num, const operand *o)
{
    if (f->numeric)
        return num < o->num ? -1 : num > o->num ? 1 : 0;
    return strcasecmp(val, o->s);
}

static int token_match(const char *value, const char *pattern)
{
    char *v = hs_lower(value), *pat = hs_lower(pattern);
    int hit = 0;
    if (strchr(pat, '*') != NULL) {
        hit = fnmatch(pat, v, 0) == 0;
    } else {
        hit = strcmp(v, pat) == 0;
    }
    if (!hit) {
        /* tokens: words split on whitespace, then on any non-alphanumeric character */
        for (int pass = 0; pass < 2 && !hit; pass++) {
            char *copy = sp_xstrdup(v);
            char *p = copy;
            while (*p && !hit) {
                char *start, save;
                while (*p && (pass == 0 ? isspace((unsigned char)*p) : !isalnum((unsigned char)*p)))
                    p++;
                start = p;
                while (*p && !(pass == 0 ? isspace((unsigned char)*p) : !isalnum((unsigned char)*p)))
                    p++;
                save = *p;
                *p = '\0';
                if (*start)
                    hit = strchr(pat, '*') != NULL ? fnmatch(pat, start, 0) == 0 : strcmp(start, pat) == 0;
                *p = save;
            }
            free(copy);
        }
    }
    free(v);
    free(pat);
    return hit;
}

static int filter_match(const filter *f, const json_t *props)
{
    const char *val = json_string_value(json_object_get(props, f->p->name));
    double num = 0;
    int has = val != NULL && val[0] != '\0';
    if (has && f->numeric && !to_number(f->p, val, &num))
        has = 0;
    switch (f->o) {
    case OP_HAS: return has;
    case OP_NOT_HAS: return !has;
    case OP_EQ: return has && cmp_operand(f, val, num, &f->v) == 0;
    case OP_NEQ: return !has || cmp_operand(f, val, num, &f->v) != 0;
    case OP_LT: return has && cmp_operand(f, val, num, &f->v) < 0;
    case OP_LTE: return has && cmp_operand(f, val, num, &f->v) <= 0;
    case OP_GT: return has && cmp_operand(f, val, num, &f->v) > 0;
    case OP_GTE: return has && cmp_operand(f, val, num, &f->v) >= 0;
    case OP_BETWEEN:
        return has && cmp_operand(f, val, num, &f->v) >= 0 && cmp_operand(f, val, num, &f->hi) <= 0;
    case OP_IN:
    case OP_NOT_IN: {
        int any = 0;
        for (size_t i = 0; has && i < f->nvals && !any; i++)
            any = cmp_operand(f, val, num, &f->vals[i]) == 0;
        return f->o == OP_IN ? any : !any;
    }
    case OP_TOKEN: return has && token_match(val, f->v.s);
    case OP_NOT_TOKEN: return !has || !token_match(val, f->v.s);
    }
    return 0;
}

static const char *const QUERY_PROPS[] = {"name", "domain", "website", "phone", "email", "firstname",
                                          "lastname", "company", "dealname", "hs_sku", NULL};

static int query_match(const json_t *props, const char *q)
{
    for (const char *const *p = QUERY_PROPS; *p != NULL; p++) {
        const char *v = json_string_value(json_object_get(props, *p));
        if (v != NULL && strcasestr(v, q) != NULL)
            return 1;
    }
    return 0;
}

/* ---- sorting ------------------------------------------------------------------ */

typedef struct hit {
    hs_rec *r;
    json_t *props;          /* the version search sees */
    int64_t updated_ms;
    const char *s;
    double num;
    int has;
} hit;

typedef struct sort_spec {
    int numeric, desc;
} sort_spec;

static int hit_cmp(const void *a, const void *b, void *arg)
{
    const hit *x = a, *y = b;
    const sort_spec *ss = arg;
    int sort_numeric = ss->numeric, sort_desc = ss->desc;
    int c = 0;
    if (x->has != y->has)
        c = x->has ? 1 : -1;   /* no value sorts first ascending */
    else if (x->has)
        c = sort_numeric ? (x->num < y->num ? -1 : x->num > y->num ? 1 : 0) : strcasecmp(x->s, y->s);
    if (sort_desc)
        c = -c;
    if (c == 0)   /* stable tiebreak: id ascending in both directions */
        c = x->r->id < y->r->id ? -1 : x->r->id > y->r->id ? 1 : 0;
    return c;
}

static int parse_sort(hs_table *t, const json_t *sorts, const hs_prop **p, int *desc, char *err, size_t n)
{
    const json_t *s0;
    const char *name = NULL, *dir = NULL;
    *p = NULL;
    *desc = 0;
    if (sorts == NULL || !json_is_array(sorts) || json_array_size(sorts) == 0)
        return 0;
    s0 = json_array_get(sorts, 0);
    if (json_is_string(s0)) {
        name = json_string_value(s0);
        if (name[0] == '-') {
            name++;
            *desc = 1;
        }
    } else if (json_is_object(s0)) {
        name = json_string_value(json_object_get(s0, "propertyName"));
        dir = json_string_value(json_object_get(s0, "direction"));
        if (dir != NULL && strcmp(dir, "DESCENDING") == 0)
            *desc = 1;
        else if (dir != NULL && strcmp(dir, "ASCENDING") != 0) {
            snprintf(err, n, "Sort direction must be ASCENDING or DESCENDING, not %.50s", dir);
            return -1;
        }
    }
    if (name == NULL) {
        snprintf(err, n, "Each sort needs a propertyName");
        return -1;
    }
    *p = hs_prop_find(t, name);
    if (*p == NULL) {
        snprintf(err, n, "Cannot sort by property \"%.100s\": it does not exist for object type %s", name,
                 hs_obj_type_id(t->obj));
        return -1;
    }
    return 0;
}

static int parse_int_field(const json_t *j, long long *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return 0;
    }
    if (json_is_string(j)) {
        char *end;
        const char *s = json_string_value(j);
        errno = 0;
        *out = strtoll(s, &end, 10);
        return errno != 0 || *end != '\0' || *s == '\0' ? -1 : 0;
    }
    return -1;
}

void hs_handle_search(hs_ctx *c, hs_resp *r)
{
    hs_sim *sim = c->sim;
    hs_store *s = &sim->store;
    hs_table *t = &s->t[c->obj];
    const json_t *fg = json_object_get(c->body, "filterGroups");
    const json_t *jl = json_object_get(c->body, "limit"), *ja = json_object_get(c->body, "after");
    const char *query = json_string_value(json_object_get(c->body, "query"));
    json_t *want = json_object_get(c->body, "properties");
    group groups[MAX_GROUPS];
    int ng = 0, cap, desc;
    long long limit = 10, after = 0;
    const hs_prop *sp;
    char err[512];
    hit *hits = NULL;
    size_t nhits = 0, cap_hits = 0;
    int64_t now;

    r->search = 1;
    if (hs_require(c, r, c->body, "PublicObjectSearchRequest",
                   (const char *const[]){"after", "filterGroups", "limit", "properties", "sorts", NULL}) != 0)
        return;
    {
        size_t gi;
        json_t *g;
        json_array_foreach(fg, gi, g) {
            if (hs_require(c, r, g, "FilterGroup", (const char *const[]){"filters", NULL}) != 0 ||
                hs_require_each(c, r, json_object_get(g, "filters"), "Filter",
                                (const char *const[]){"operator", "propertyName", NULL}) != 0)
                return;
        }
    }
    memset(groups, 0, sizeof(groups));
    if (jl != NULL && (parse_int_field(jl, &limit) != 0 || limit < 1 || limit > MAX_LIMIT)) {
        snprintf(err, sizeof(err), "limit must be an integer from 1 to %d", MAX_LIMIT);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", err);
        return;
    }
    if (ja != NULL && !json_is_null(ja) && (parse_int_field(ja, &after) != 0 || after < 0)) {
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", "after must be a non-negative integer paging offset");
        return;
    }
    if (query != NULL && strlen(query) > 3000) {
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", "query is longer than 3000 characters");
        return;
    }
    pthread_mutex_lock(&sim->mu);
    cap = sim->cfg.search_cap;
    pthread_mutex_unlock(&sim->mu);
    if (after + limit > cap) {
        snprintf(err, sizeof(err),
                 "Search results are limited to %d records per query: after (%lld) + limit (%lld) goes past the limit. Narrow the query instead of paging further.",
                 cap, after, limit);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", err);
        return;
    }
    if (fg != NULL && !json_is_array(fg)) {
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", "filterGroups must be an array");
        return;
    }
    if (json_array_size(fg) > MAX_GROUPS) {
        snprintf(err, sizeof(err), "Too many filter groups: %zu (at most %d)", json_array_size(fg), MAX_GROUPS);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", err);
        return;
    }
    pthread_rwlock_rdlock(&s->lock);
    {
        size_t gi;
        json_t *g;
        json_array_foreach(fg, gi, g) {
            const json_t *fs = json_object_get(g, "filters");
            size_t fi;
            json_t *f;
            if (!json_is_array(fs) || json_array_size(fs) > MAX_FILTERS) {
                snprintf(err, sizeof(err), "Each filter group needs 'filters' with at most %d filters", MAX_FILTERS);
                goto bad;
            }
            json_array_foreach(fs, fi, f) {
                groups[ng].n++;
                if (compile_filter(t, f, &groups[ng].f[fi], err, sizeof(err)) != 0) {
                    ng++;
                    goto bad;
                }
            }
            ng++;
        }
    }
    if (parse_sort(t, json_object_get(c->body, "sorts"), &sp, &desc, err, sizeof(err)) != 0)
        goto bad;

    now = hs_now_mono(sim);
    for (size_t i = 0; i < t->n; i++) {
        hs_rec *rec = t->recs[i];
        int ok = ng == 0;
        int64_t upd;
        json_t *props = rec->archived ? NULL : hs_rec_searchable(rec, now, &upd);
        if (props == NULL)
            continue;
        for (int g = 0; g < ng && !ok; g++) {
            int all = 1;
            for (int k = 0; k < groups[g].n && all; k++)
                all = filter_match(&groups[g].f[k], props);
            ok = all && groups[g].n > 0;
        }
        if (ok && query != NULL && query[0] != '\0')
            ok = query_match(props, query);
        if (!ok)
            continue;
        if (nhits == cap_hits) {
            cap_hits = cap_hits ? cap_hits * 2 : 256;
            hits = sp_xrealloc(hits, cap_hits * sizeof(*hits));
        }
        hits[nhits].r = rec;
        hits[nhits].props = props;
        hits[nhits].updated_ms = upd;
        hits[nhits].s = NULL;
        hits[nhits].has = 0;
        if (sp != NULL) {
            const char *v = json_string_value(json_object_get(props, sp->name));
            hits[nhits].s = v;
            hits[nhits].has = v != NULL && v[0] != '\0';
            if (hits[nhits].has && is_numeric(sp))
                hits[nhits].has = to_number(sp, v, &hits[nhits].num);
        }
        nhits++;
    }
    if (sp != NULL && nhits > 1) {
        sort_spec ss;
        ss.numeric = is_numeric(sp);
        ss.desc = desc;
        qsort_r(hits, nhits, sizeof(*hits), hit_cmp, &ss);
    }
    {
        hs_out o;
        const json_t *w = json_is_array(want) && json_array_size(want) > 0 ? want : NULL;
        size_t end = (size_t)(after + limit) < nhits ? (size_t)(after + limit) : nhits;
        char buf[32];
        hs_out_init(&o, 4096 + (size_t)limit * 512);
        snprintf(buf, sizeof(buf), "%zu", nhits);
        hs_out_puts(&o, "{\"total\":");
        hs_out_puts(&o, buf);
        hs_out_puts(&o, ",\"results\":[");
        for (size_t i = (size_t)after; i < end; i++) {
            if (i > (size_t)after)
                hs_out_puts(&o, ",");
            hs_rec_write_as(&o, t, hits[i].r, hits[i].props, hits[i].updated_ms, w);
        }
        hs_out_puts(&o, "]");
        if ((size_t)(after + limit) < nhits) {
            snprintf(buf, sizeof(buf), "%lld", after + limit);
            hs_out_puts(&o, ",\"paging\":{\"next\":{\"after\":\"");
            hs_out_puts(&o, buf);
            hs_out_puts(&o, "\"}}");
        }
        hs_out_puts(&o, "}");
        r->status = 200;
        r->raw = hs_out_take(&o);
    }
    pthread_rwlock_unlock(&s->lock);
    groups_free(groups, ng);
    free(hits);
    return;
bad:
    pthread_rwlock_unlock(&s->lock);
    groups_free(groups, ng);
    free(hits);
    hs_resp_error(r, sim, 400, "VALIDATION_ERROR", err);
}
