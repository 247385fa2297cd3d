/* hs_store.c -- records, unique indexes and associations in memory (see hubsim.h). */
#include "hubsim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/mem.h"

/* ---- association types (HUBSPOT_DEFINED) ---------------------------------- */

static const hs_assoc_type TYPES[] = {
    {HS_CONTACTS, HS_COMPANIES, 279, 280, NULL, "contact_to_company_unlabeled", 1},
    {HS_COMPANIES, HS_CONTACTS, 280, 279, NULL, "company_to_contact_unlabeled", 1},
    {HS_CONTACTS, HS_COMPANIES, 1, 2, "Primary", "contact_to_company", 0},
    {HS_COMPANIES, HS_CONTACTS, 2, 1, "Primary", "company_to_contact", 0},
    {HS_DEALS, HS_COMPANIES, 341, 342, NULL, "deal_to_company_unlabeled", 1},
    {HS_COMPANIES, HS_DEALS, 342, 341, NULL, "company_to_deal_unlabeled", 1},
    {HS_DEALS, HS_COMPANIES, 5, 6, "Primary", "deal_to_company", 0},
    {HS_COMPANIES, HS_DEALS, 6, 5, "Primary", "company_to_deal", 0},
    {HS_DEALS, HS_LINE_ITEMS, 19, 20, NULL, "deal_to_line_item", 1},
    {HS_LINE_ITEMS, HS_DEALS, 20, 19, NULL, "line_item_to_deal", 1},
    {HS_DEALS, HS_CONTACTS, 3, 4, NULL, "deal_to_contact", 1},
    {HS_CONTACTS, HS_DEALS, 4, 3, NULL, "contact_to_deal", 1},
};
#define NTYPES (sizeof(TYPES) / sizeof(TYPES[0]))

const hs_assoc_type *hs_assoc_type_find(int type_id)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (TYPES[i].type_id == type_id)
            return &TYPES[i];
    return NULL;
}

const hs_assoc_type *hs_assoc_default(hs_obj from, hs_obj to)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (TYPES[i].from == from && TYPES[i].to == to && TYPES[i].is_default)
            return &TYPES[i];
    return NULL;
}

/* ---- store ---------------------------------------------------------------- */

static void table_init(hs_table *t, hs_obj o)
{
    memset(t, 0, sizeof(*t));
    t->obj = o;
    hs_map_init(&t->by_id);
    hs_map_init(&t->prop_by_name);
    t->groups = json_array();
    hs_props_install_defaults(t);
    if (o == HS_DEALS)
        hs_pipelines_install_default(t);
}

static void rec_free(hs_rec *r)
{
    json_decref(r->props);
    json_decref(r->indexed);
    free(r->assoc);
    free(r);
}

static void table_free(hs_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        rec_free(t->recs[i]);
    free(t->recs);
    hs_map_free(&t->by_id, NULL);
    for (size_t i = 0; i < t->nprops; i++)
        hs_prop_free(t->props[i]);
    free(t->props);
    hs_map_free(&t->prop_by_name, NULL);
    json_decref(t->groups);
    json_decref(t->iso);
    json_decref(t->pipelines);
    memset(t, 0, sizeof(*t));
}

void hs_store_init(hs_store *s)
{
    pthread_rwlock_init(&s->lock, NULL);
    for (int i = 0; i < HS_NOBJ; i++)
        table_init(&s->t[i], (hs_obj)i);
    s->next_id = HS_FIRST_ID;
}

void hs_store_free(hs_store *s)
{
    for (int i = 0; i < HS_NOBJ; i++)
        table_free(&s->t[i]);
    pthread_rwlock_destroy(&s->lock);
}

void hs_store_clear(hs_store *s)
{
    for (int i = 0; i < HS_NOBJ; i++) {
        table_free(&s->t[i]);
        table_init(&s->t[i], (hs_obj)i);
    }
    s->next_id = HS_FIRST_ID;
}

/* ---- look-ups ----------------------------------------------------------------- */

hs_rec *hs_rec_find(hs_table *t, const char *id)
{
    return hs_map_get(&t->by_id, id);
}

char *hs_unique_key(const hs_prop *p, const char *value)
{
    /* Emails are unique regardless of case; custom unique values compare exactly. */
    if (strcmp(p->name, "email") == 0)
        return hs_lower(value);
    return sp_xstrdup(value);
}

const char *hs_unique_key_buf(const hs_prop *p, const char *value, char *buf, size_t n, char **owned)
{
    size_t len;
    *owned = NULL;
    if (strcmp(p->name, "email") != 0)
        return value;
    len = strlen(value);
    if (len >= n) {
        *owned = hs_lower(value);
        return *owned;
    }
    for (size_t i = 0; i <= len; i++)
        buf[i] = (char)tolower((unsigned char)value[i]);
    return buf;
}

hs_rec *hs_rec_find_unique(hs_table *t, const hs_prop *p, const char *value)
{
    char buf[256], *owned;
    hs_rec *r;
    (void)t;
    if (!p->unique || value[0] == '\0')
        return NULL;
    r = hs_map_get(&p->index, hs_unique_key_buf(p, value, buf, sizeof(buf), &owned));
    free(owned);
    return r;
}

static void index_del(hs_prop *p, hs_rec *r, const char *value)
{
    char buf[256], *owned;
    const char *key = hs_unique_key_buf(p, value, buf, sizeof(buf), &owned);
    if (hs_map_get(&p->index, key) == r)
        hs_map_del(&p->index, key);
    free(owned);
}

static void index_put(hs_prop *p, hs_rec *r, const char *value)
{
    char buf[256], *owned;
    if (value[0] == '\0')
        return;
    hs_map_put(&p->index, hs_unique_key_buf(p, value, buf, sizeof(buf), &owned), r);
    free(owned);
}

/* ---- writes --------------------------------------------------------------------- */

/* The ISO text of ms as a shared JSON string (a batch writes one time into many records). */
static json_t *iso_json(hs_table *t, int64_t ms)
{
    if (t->iso == NULL || t->iso_ms != ms) {
        char buf[32];
        json_decref(t->iso);
        t->iso = json_string(hs_iso(ms, buf));
        t->iso_ms = ms;
    }
    return t->iso;
}

static void set_dates(hs_table *t, hs_rec *r, int created)
{
    json_t *upd = iso_json(t, r->updated_ms);
    json_object_set(r->props, "hs_lastmodifieddate", upd);
    if (r->obj == HS_CONTACTS)
        json_object_set(r->props, "lastmodifieddate", upd);
    if (created)
        json_object_set(r->props, "createdate", iso_json(t, r->created_ms));
}

void hs_rec_compute(hs_table *t, hs_rec *r)
{
    const char *q, *p;
    double qv, pv;
    (void)t;
    if (r->obj != HS_LINE_ITEMS)
        return;
    q = json_string_value(json_object_get(r->props, "quantity"));
    p = json_string_value(json_object_get(r->props, "price"));
    if (q != NULL && p != NULL && hs_parse_number(q, &qv) && hs_parse_number(p, &pv)) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.2f", qv * pv);
        json_object_set_new(r->props, "amount", json_string(buf));
    } else {
        json_object_del(r->props, "amount");
    }
}

hs_rec *hs_rec_create(hs_store *s, hs_table *t, json_t *props, int64_t created_ms,
                      int64_t updated_ms, int64_t visible_at)
{
    hs_rec *r = sp_xcalloc(1, sizeof(*r));
    const char *k;
    json_t *v;
    void *tmp;

    r->id = s->next_id++;
    snprintf(r->ids, sizeof(r->ids), "%lld", (long long)r->id);
    r->obj = t->obj;
    r->created_ms = created_ms;
    r->updated_ms = updated_ms;
    r->visible_at = visible_at;
    /* The record takes the validated object over (no copy): unset values leave it, the
     * others keep their order. String values are never modified in place. */
    r->props = json_incref(props);
    json_object_foreach_safe(props, tmp, k, v) {
        const char *sv = json_string_value(v);
        if (sv == NULL || sv[0] == '\0')
            json_object_del(props, k);
    }
    json_object_set_new(r->props, "hs_object_id", json_string(r->ids));
    set_dates(t, r, 1);
    hs_rec_compute(t, r);
    for (size_t i = 0; i < t->nprops; i++) {
        hs_prop *p = t->props[i];
        const char *sv;
        if (!p->unique)
            continue;
        sv = json_string_value(json_object_get(r->props, p->name));
        if (sv != NULL)
            index_put(p, r, sv);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->recs = sp_xrealloc(t->recs, t->cap * sizeof(*t->recs));
    }
    t->recs[t->n++] = r;
    hs_map_put(&t->by_id, r->ids, r);
    return r;
}

void hs_rec_update(hs_table *t, hs_rec *r, json_t *props, int64_t now_ms, int64_t visible_at,
                   int64_t now_mono)
{
    const char *k;
    json_t *v;
    if (visible_at > now_mono && now_mono >= r->visible_at) {
        /* the version search knows until this write is indexed: a shallow copy, strings shared */
        json_decref(r->indexed);
        r->indexed = json_copy(r->props);
        r->indexed_updated_ms = r->updated_ms;
    } else if (visible_at <= now_mono) {
        json_decref(r->indexed);
        r->indexed = NULL;
    }
    json_object_foreach(props, k, v) {
        const char *sv = json_string_value(v);
        hs_prop *p = hs_prop_find(t, k);
        const char *old = json_string_value(json_object_get(r->props, k));
        if (sv == NULL)
            continue;
        if (p != NULL && p->unique && !r->archived) {
            if (old != NULL)
                index_del(p, r, old);
            index_put(p, r, sv);
        }
        if (sv[0] == '\0')
            json_object_del(r->props, k);
        else
            json_object_set(r->props, k, v);
    }
    if (now_ms > r->updated_ms)
        r->updated_ms = now_ms;
    r->visible_at = visible_at;
    set_dates(t, r, 0);
    hs_rec_compute(t, r);
}

void hs_rec_archive(hs_table *t, hs_rec *r, int64_t now_ms)
{
    if (r->archived)
        return;
    for (size_t i = 0; i < t->nprops; i++) {
        hs_prop *p = t->props[i];
        const char *sv;
        if (!p->unique)
            continue;
        sv = json_string_value(json_object_get(r->props, p->name));
        if (sv != NULL)
            index_del(p, r, sv);
    }
    r->archived = 1;
    r->archived_ms = now_ms;
}

/* ---- associations ------------------------------------------------------------------ */

static void assoc_push(hs_rec *r, hs_obj to, int64_t to_id, int type_id)
{
    for (size_t i = 0; i < r->nassoc; i++)
        if (r->assoc[i].to == to && r->assoc[i].to_id == to_id && r->assoc[i].type_id == type_id)
            return;
    if (r->nassoc == r->cap_assoc) {
        r->cap_assoc = r->cap_assoc ? r->cap_assoc * 2 : 4;
        r->assoc = sp_xrealloc(r->assoc, r->cap_assoc * sizeof(*r->assoc));
    }
    r->assoc[r->nassoc].to = to;
    r->assoc[r->nassoc].to_id = to_id;
    r->assoc[r->nassoc].type_id = type_id;
    r->nassoc++;
}

int hs_assoc_add(hs_store *s, hs_rec *from, hs_rec *to, int type_id)
{
    const hs_assoc_type *ty = hs_assoc_type_find(type_id);
    (void)s;
    if (ty == NULL || ty->from != from->obj || ty->to != to->obj)
        return -1;
    assoc_push(from, to->obj, to->id, ty->type_id);
    assoc_push(to, from->obj, from->id, ty->inverse_id);
    if (!ty->is_default) {
        /* A labelled association always comes with the unlabelled one. */
        const hs_assoc_type *d = hs_assoc_default(from->obj, to->obj);
        if (d != NULL) {
            assoc_push(from, to->obj, to->id, d->type_id);
            assoc_push(to, from->obj, from->id, d->inverse_id);
        }
    }
    return 0;
}

static void assoc_drop(hs_rec *r, hs_obj to, int64_t to_id)
{
    size_t j = 0;
    for (size_t i = 0; i < r->nassoc; i++) {
        if (r->assoc[i].to == to && r->assoc[i].to_id == to_id)
            continue;
        r->assoc[j++] = r->assoc[i];
    }
    r->nassoc = j;
}

void hs_assoc_remove_pair(hs_store *s, hs_rec *from, hs_rec *to)
{
    (void)s;
    assoc_drop(from, to->obj, to->id);
    assoc_drop(to, from->obj, from->id);
}

/* ---- record JSON ----------------------------------------------------------------------- */

static void put_prop(hs_table *t, const hs_rec *r, json_t *out, const char *name)
{
    json_t *v;
    if (json_object_get(out, name) != NULL)
        return;
    v = json_object_get(r->props, name);
    if (v != NULL)
        json_object_set(out, name, v);   /* shared: values are replaced, never changed in place */
    else if (hs_prop_find(t, name) != NULL)
        json_object_set_new(out, name, json_null());   /* defined, no value: HubSpot sends null */
}

json_t *hs_rec_json(hs_table *t, const hs_rec *r, const json_t *want, int all)
{
    json_t *o = json_object(), *props = json_object();
    char buf[32];

    if (want != NULL) {
        size_t i;
        json_t *n;
        json_array_foreach(want, i, n) {
            if (json_is_string(n))
                put_prop(t, r, props, json_string_value(n));
        }
    } else {
        const char *const *d = hs_default_props(t->obj);
        for (; *d != NULL; d++)
            put_prop(t, r, props, *d);
        if (all) {
            const char *k;
            json_t *v;
            json_object_foreach(r->props, k, v)
                put_prop(t, r, props, k);
        }
    }
    json_object_set_new(o, "id", json_string(r->ids));
    json_object_set_new(o, "properties", props);
    json_object_set_new(o, "createdAt", json_string(hs_iso(r->created_ms, buf)));
    json_object_set_new(o, "updatedAt", json_string(hs_iso(r->updated_ms, buf)));
    json_object_set_new(o, "archived", json_boolean(r->archived));
    if (r->archived)
        json_object_set_new(o, "archivedAt", json_string(hs_iso(r->archived_ms, buf)));
    return o;
}

static int written(const json_t *want, size_t upto, const char *name)
{
    for (size_t i = 0; i < upto; i++)
        if (json_is_string(json_array_get(want, i)) && strcmp(json_string_value(json_array_get(want, i)), name) == 0)
            return 1;
    return 0;
}

static void write_prop(hs_out *o, hs_table *t, const json_t *props, const char *name, int *first)
{
    const char *v = json_string_value(json_object_get(props, name));
    if (v == NULL && hs_prop_find(t, name) == NULL)
        return;
    if (!*first)
        hs_out_puts(o, ",");
    *first = 0;
    hs_out_str(o, name);
    if (v != NULL) {
        hs_out_puts(o, ":");
        hs_out_str(o, v);
    } else {
        hs_out_puts(o, ":null");
    }
}

json_t *hs_rec_searchable(const hs_rec *r, int64_t now, int64_t *updated_ms)
{
    if (now >= r->visible_at) {
        *updated_ms = r->updated_ms;
        return r->props;
    }
    *updated_ms = r->indexed_updated_ms;
    return r->indexed;
}

static void rec_write(hs_out *o, hs_table *t, const hs_rec *r, json_t *props, int64_t updated_ms,
                      const json_t *want, int all, const char *extra);

void hs_rec_write(hs_out *o, hs_table *t, const hs_rec *r, const json_t *want, int all, const char *extra)
{
    rec_write(o, t, r, r->props, r->updated_ms, want, all, extra);
}

void hs_rec_write_as(hs_out *o, hs_table *t, const hs_rec *r, json_t *props, int64_t updated_ms,
                     const json_t *want)
{
    rec_write(o, t, r, props, updated_ms, want, 0, NULL);
}

static void rec_write(hs_out *o, hs_table *t, const hs_rec *r, json_t *props, int64_t updated_ms,
                      const json_t *want, int all, const char *extra)
{
    char buf[32];
    int first = 1;
    hs_out_puts(o, "{\"id\":");
    hs_out_str(o, r->ids);
    hs_out_puts(o, ",\"properties\":{");
    if (want != NULL) {
        size_t i;
        json_t *n;
        json_array_foreach(want, i, n) {
            if (json_is_string(n) && !written(want, i, json_string_value(n)))
                write_prop(o, t, props, json_string_value(n), &first);
        }
    } else {
        const char *const *defaults = hs_default_props(t->obj);
        for (const char *const *d = defaults; *d != NULL; d++)
            write_prop(o, t, props, *d, &first);
        if (all) {
            const char *k;
            json_t *v;
            json_object_foreach(props, k, v) {
                int dflt = 0;
                for (const char *const *d = defaults; *d != NULL && !dflt; d++)
                    dflt = strcmp(*d, k) == 0;
                if (!dflt)
                    write_prop(o, t, props, k, &first);
            }
        }
    }
    hs_out_puts(o, "},\"createdAt\":\"");
    hs_out_puts(o, hs_iso(r->created_ms, buf));
    hs_out_puts(o, "\",\"updatedAt\":\"");
    hs_out_puts(o, hs_iso(updated_ms, buf));
    hs_out_puts(o, r->archived ? "\",\"archived\":true" : "\",\"archived\":false");
    if (r->archived) {
        hs_out_puts(o, ",\"archivedAt\":\"");
        hs_out_puts(o, hs_iso(r->archived_ms, buf));
        hs_out_puts(o, "\"");
    }
    if (extra != NULL)
        hs_out_puts(o, extra);
    hs_out_puts(o, "}");
}

json_t *hs_rec_assoc_json(hs_store *s, const hs_rec *r, const json_t *types)
{
    json_t *out = json_object();
    size_t i;
    json_t *n;
    json_array_foreach(types, i, n) {
        int o = json_is_string(n) ? hs_obj_parse(json_string_value(n)) : -1;
        json_t *results;
        if (o < 0 || json_object_get(out, hs_obj_name((hs_obj)o)) != NULL)
            continue;
        results = json_array();
        for (size_t k = 0; k < r->nassoc; k++) {
            const hs_assoc *a = &r->assoc[k];
            const hs_assoc_type *ty;
            char ids[24];
            hs_rec *to;
            json_t *e;
            if (a->to != (hs_obj)o)
                continue;
            snprintf(ids, sizeof(ids), "%lld", (long long)a->to_id);
            to = hs_rec_find(&s->t[o], ids);
            if (to == NULL || to->archived)
                continue;
            ty = hs_assoc_type_find(a->type_id);
            e = json_object();
            json_object_set_new(e, "id", json_string(ids));
            json_object_set_new(e, "type", json_string(ty != NULL ? ty->v3_name : "unknown"));
            json_array_append_new(results, e);
        }
        if (json_array_size(results) > 0) {
            json_t *c = json_object();
            json_object_set_new(c, "results", results);
            json_object_set_new(out, hs_obj_name((hs_obj)o), c);
        } else {
            json_decref(results);
        }
    }
    return out;
}
