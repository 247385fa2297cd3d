/* calls.c -- synchronous HubSpot calls: get, list, search, properties, account. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"

static const char *const object_names[SP_HS_OBJECT_COUNT] = {
    "companies", "contacts", "deals", "products", "line_items",
};

const char *sp_hs_object_name(sp_hs_object o)
{
    if ((int)o < 0 || o >= SP_HS_OBJECT_COUNT)
        return NULL;
    return object_names[o];
}

int sp_hs_object_parse(const char *name, sp_hs_object *out)
{
    for (int i = 0; i < SP_HS_OBJECT_COUNT; i++) {
        if (name != NULL && strcmp(name, object_names[i]) == 0) {
            *out = (sp_hs_object)i;
            return 0;
        }
    }
    return -1;
}

int sp_hs_assoc_type_id(sp_hs_object from, sp_hs_object to)
{
    static const struct {
        sp_hs_object from, to;
        int id;
    } t[] = {
        {SP_HS_CONTACTS, SP_HS_COMPANIES, 279}, {SP_HS_COMPANIES, SP_HS_CONTACTS, 280},
        {SP_HS_DEALS, SP_HS_COMPANIES, 341},    {SP_HS_COMPANIES, SP_HS_DEALS, 342},
        {SP_HS_LINE_ITEMS, SP_HS_DEALS, 20},    {SP_HS_DEALS, SP_HS_LINE_ITEMS, 19},
        {SP_HS_DEALS, SP_HS_CONTACTS, 3},       {SP_HS_CONTACTS, SP_HS_DEALS, 4},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].from == from && t[i].to == to)
            return t[i].id;
    return 0;
}

/* ",a,b" style comma list of escaped names after "properties=". */
static int put_prop_list(sp_buf *b, const char *const *props, size_t n, sp_err *e)
{
    for (size_t i = 0; i < n; i++)
        if ((i > 0 && sp_buf_puts(b, ",", e) != 0) || hs_url_escape(b, props[i], e) != 0)
            return -1;
    return 0;
}

static int page_fn(const hs_reply *r, void *ud, sp_err *e)
{
    sp_hs_page *out = ud;

    if (r->status < 200 || r->status >= 300)
        return hs_reply_err(r, e);
    return hs_page_from_reply(r, out, e);
}

static int get_fn(const hs_reply *r, void *ud, sp_err *e)
{
    sp_hs_page *out = ud;

    if (r->status == 404) {
        memset(out, 0, sizeof(*out));
        out->total = -1;
        return 0;
    }
    if (r->status < 200 || r->status >= 300)
        return hs_reply_err(r, e);
    memset(out, 0, sizeof(*out));
    out->total = -1;
    out->arena = sp_arena_new(0);
    out->recs = sp_arena_alloc(out->arena, sizeof(*out->recs));
    if (hs_record_from_json(r->json, out->arena, &out->recs[0]) != 0) {
        sp_hs_page_free(out);
        return hs_shape_err(r, "the record is not a JSON object", e);
    }
    out->n = 1;
    return 0;
}

int sp_hs_get(sp_hs_client *c, sp_hs_object o, const char *id, const char *id_property,
              const char *const *properties, size_t nproperties, sp_hs_page *out, sp_err *e)
{
    const char *obj = sp_hs_object_name(o);
    sp_buf p;
    char *what;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (obj == NULL || id == NULL || id[0] == '\0')
        return SP_ERR(e, SP_EINTERNAL, "HubSpot get needs an object and an id");
    sp_buf_init(&p, 64 * 1024);
    if (sp_buf_printf(&p, e, "%s/%s/", c->objects_prefix, obj) != 0 || hs_url_escape(&p, id, e) != 0 ||
        sp_buf_puts(&p, "?archived=false", e) != 0)
        goto done;
    if (nproperties > 0 && (sp_buf_puts(&p, "&properties=", e) != 0 || put_prop_list(&p, properties, nproperties, e) != 0))
        goto done;
    if (id_property != NULL && (sp_buf_puts(&p, "&idProperty=", e) != 0 || hs_url_escape(&p, id_property, e) != 0))
        goto done;
    what = sp_xasprintf("GET %s/%s/{id}", c->objects_prefix, obj);
    rc = hs_call_with(c, "GET", sp_buf_str(&p), what, NULL, HS_IDEMPOTENT, get_fn, out, e);
    free(what);
done:
    sp_buf_free(&p);
    return rc;
}

int sp_hs_list(sp_hs_client *c, sp_hs_object o, const char *const *properties, size_t nproperties,
               const char *after, int limit, sp_hs_page *out, sp_err *e)
{
    const char *obj = sp_hs_object_name(o);
    sp_buf p;
    char *what;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (obj == NULL)
        return SP_ERR(e, SP_EINTERNAL, "unknown HubSpot object %d", (int)o);
    if (limit <= 0 || limit > 100)
        limit = 100;
    sp_buf_init(&p, 64 * 1024);
    if (sp_buf_printf(&p, e, "%s/%s?limit=%d&archived=false", c->objects_prefix, obj, limit) != 0)
        goto done;
    if (after != NULL && after[0] != '\0' && (sp_buf_puts(&p, "&after=", e) != 0 || hs_url_escape(&p, after, e) != 0))
        goto done;
    if (nproperties > 0 && (sp_buf_puts(&p, "&properties=", e) != 0 || put_prop_list(&p, properties, nproperties, e) != 0))
        goto done;
    what = sp_xasprintf("GET %s/%s", c->objects_prefix, obj);
    rc = hs_call_with(c, "GET", sp_buf_str(&p), what, NULL, HS_IDEMPOTENT, page_fn, out, e);
    free(what);
done:
    sp_buf_free(&p);
    return rc;
}

/* ---- search -------------------------------------------------------------- */

static int put_filter(sp_buf *b, const sp_hs_filter *f, sp_err *e)
{
    if (f->property == NULL || f->op == NULL)
        return SP_ERR(e, SP_EINTERNAL, "a search filter needs a property and an operator");
    if (sp_buf_puts(b, "{\"propertyName\":", e) != 0 || hs_json_str(b, f->property, e) != 0 ||
        sp_buf_puts(b, ",\"operator\":", e) != 0 || hs_json_str(b, f->op, e) != 0)
        return -1;
    if (f->value != NULL && (sp_buf_puts(b, ",\"value\":", e) != 0 || hs_json_str(b, f->value, e) != 0))
        return -1;
    if (f->high_value != NULL && (sp_buf_puts(b, ",\"highValue\":", e) != 0 || hs_json_str(b, f->high_value, e) != 0))
        return -1;
    if (f->nvalues > 0) {
        if (sp_buf_puts(b, ",\"values\":[", e) != 0)
            return -1;
        for (size_t i = 0; i < f->nvalues; i++)
            if ((i > 0 && sp_buf_puts(b, ",", e) != 0) || hs_json_str(b, f->values[i], e) != 0)
                return -1;
        if (sp_buf_puts(b, "]", e) != 0)
            return -1;
    }
    return sp_buf_puts(b, "}", e);
}

static int search_body(const sp_hs_search_req *q, sp_buf *b, sp_err *e)
{
    int limit = q->limit > 0 ? q->limit : 200;

    if (q->ngroups > 5)
        return SP_ERR(e, SP_EINTERNAL, "HubSpot search takes at most 5 filter groups (%zu given)", q->ngroups);
    if (limit > 200)
        return SP_ERR(e, SP_EINTERNAL, "HubSpot search limit %d is over 200", limit);
    if (sp_buf_puts(b, "{\"filterGroups\":[", e) != 0)
        return -1;
    for (size_t g = 0; g < q->ngroups; g++) {
        if (sp_buf_puts(b, g ? ",{\"filters\":[" : "{\"filters\":[", e) != 0)
            return -1;
        for (size_t i = 0; i < q->groups[g].n; i++)
            if ((i > 0 && sp_buf_puts(b, ",", e) != 0) || put_filter(b, &q->groups[g].filters[i], e) != 0)
                return -1;
        if (sp_buf_puts(b, "]}", e) != 0)
            return -1;
    }
    if (sp_buf_puts(b, "]", e) != 0)
        return -1;
    /* PublicObjectSearchRequest requires sorts, properties and after too: sent
     * empty ([], "0" for the first page) rather than left out */
    if (sp_buf_puts(b, ",\"sorts\":[", e) != 0)
        return -1;
    if (q->sort_property != NULL &&
        (sp_buf_puts(b, "{\"propertyName\":", e) != 0 || hs_json_str(b, q->sort_property, e) != 0 ||
         sp_buf_printf(b, e, ",\"direction\":\"%s\"}", q->sort_descending ? "DESCENDING" : "ASCENDING") != 0))
        return -1;
    if (sp_buf_puts(b, "],\"properties\":[", e) != 0)
        return -1;
    for (size_t i = 0; i < q->nproperties; i++)
        if ((i > 0 && sp_buf_puts(b, ",", e) != 0) || hs_json_str(b, q->properties[i], e) != 0)
            return -1;
    if (sp_buf_puts(b, "]", e) != 0)
        return -1;
    if (q->query != NULL && (sp_buf_puts(b, ",\"query\":", e) != 0 || hs_json_str(b, q->query, e) != 0))
        return -1;
    if (sp_buf_printf(b, e, ",\"limit\":%d,\"after\":", limit) != 0 ||
        hs_json_str(b, q->after != NULL && q->after[0] != '\0' ? q->after : "0", e) != 0)
        return -1;
    return sp_buf_puts(b, "}", e);
}

int sp_hs_search(sp_hs_client *c, sp_hs_object o, const sp_hs_search_req *q, sp_hs_page *out, sp_err *e)
{
    const char *obj = sp_hs_object_name(o);
    sp_buf b;
    char *path, *what;
    int rc;

    memset(out, 0, sizeof(*out));
    if (obj == NULL)
        return SP_ERR(e, SP_EINTERNAL, "unknown HubSpot object %d", (int)o);
    sp_buf_init(&b, (size_t)1 << 20);
    if (search_body(q, &b, e) != 0) {
        sp_buf_free(&b);
        return -1;
    }
    path = sp_xasprintf("%s/%s/search", c->objects_prefix, obj);
    what = sp_xasprintf("POST %s", path);
    rc = hs_call_with(c, "POST", path, what, b.data, HS_IDEMPOTENT | HS_SEARCH, page_fn, out, e);
    free(path);
    free(what);
    return rc;
}

/* ---- properties ---------------------------------------------------------- */

static int props_fn(const hs_reply *r, void *ud, sp_err *e)
{
    sp_hs_properties *out = ud;
    const json_t *results = json_object_get(r->json, "results"), *v, *opts, *ov;
    size_t i, j;

    if (r->status < 200 || r->status >= 300)
        return hs_reply_err(r, e);
    if (!json_is_array(results))
        return hs_shape_err(r, "no results array of property definitions", e);
    out->arena = sp_arena_new(0);
    out->items = sp_arena_alloc(out->arena, (json_array_size(results) + 1) * sizeof(*out->items));
    json_array_foreach(results, i, v) {
        sp_hs_property *p = &out->items[out->n];
        if (!json_is_object(v) || !json_is_string(json_object_get(v, "name")))
            continue;
        p->name = hs_json_text(out->arena, json_object_get(v, "name"));
        p->label = hs_json_text(out->arena, json_object_get(v, "label"));
        p->type = hs_json_text(out->arena, json_object_get(v, "type"));
        p->field_type = hs_json_text(out->arena, json_object_get(v, "fieldType"));
        p->group_name = hs_json_text(out->arena, json_object_get(v, "groupName"));
        p->has_unique_value = json_is_true(json_object_get(v, "hasUniqueValue"));
        opts = json_object_get(v, "options");
        if (json_is_array(opts) && json_array_size(opts) > 0) {
            p->options = sp_arena_alloc(out->arena, json_array_size(opts) * sizeof(char *));
            json_array_foreach(opts, j, ov) {
                const char *val = hs_json_text(out->arena, json_object_get(ov, "value"));
                if (val != NULL)
                    p->options[p->noptions++] = val;
            }
        }
        out->n++;
    }
    return 0;
}

static void prefetch_done(sp_hs_client *c, const hs_reply *r, void *ud)
{
    struct hs_prefetch *p = ud;

    if (r->err != NULL) {
        p->failed = 1;
        p->err = *r->err;
    } else {
        p->failed = props_fn(r, &p->props, &p->err) != 0;
    }
    p->done = 1;
    hs_op_end(c, NULL);
}

int sp_hs_properties_prefetch(sp_hs_client *c, sp_hs_object o, sp_err *e)
{
    const char *obj = sp_hs_object_name(o);
    struct hs_prefetch *p;
    char *path;
    int rc;

    if (obj == NULL)
        return SP_ERR(e, SP_EINTERNAL, "unknown HubSpot object %d", (int)o);
    p = &c->prefetch[o];
    if (p->sent)
        return 0;
    memset(p, 0, sizeof(*p));
    path = sp_xasprintf("%s/%s?archived=false", c->props_prefix, obj);
    rc = hs_submit(c, "GET", path, NULL, NULL, HS_IDEMPOTENT, prefetch_done, p, e);
    free(path);
    if (rc != 0)
        return -1;
    p->sent = 1;
    hs_op_begin(c);
    return 0;
}

/* The answer of a read sent ahead: 1 (out or e), 0 none was sent. */
static int prefetched(sp_hs_client *c, sp_hs_object o, sp_hs_properties *out, sp_err *e)
{
    struct hs_prefetch *p = &c->prefetch[o];
    int failed;

    if (!p->sent)
        return 0;
    hs_run_until(c, &p->done);
    if (!p->done) {
        memset(p, 0, sizeof(*p));
        SP_ERR(e, SP_EINTERNAL, "reading the %s properties: the request queue ended without an answer",
               sp_hs_object_name(o));
        return -1;
    }
    failed = p->failed;
    if (failed)
        *e = p->err;
    else
        *out = p->props;
    memset(p, 0, sizeof(*p));
    return failed ? -1 : 1;
}

int sp_hs_properties_read(sp_hs_client *c, sp_hs_object o, sp_hs_properties *out, sp_err *e)
{
    const char *obj = sp_hs_object_name(o);
    char *path;
    int rc;

    memset(out, 0, sizeof(*out));
    if (obj == NULL)
        return SP_ERR(e, SP_EINTERNAL, "unknown HubSpot object %d", (int)o);
    rc = prefetched(c, o, out, e);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    path = sp_xasprintf("%s/%s?archived=false", c->props_prefix, obj);
    rc = hs_call_with(c, "GET", path, NULL, NULL, HS_IDEMPOTENT, props_fn, out, e);
    free(path);
    if (rc != 0)
        sp_hs_properties_free(out);
    return rc;
}

void sp_hs_properties_free(sp_hs_properties *p)
{
    if (p->arena != NULL)
        sp_arena_free(p->arena);
    memset(p, 0, sizeof(*p));
}

const sp_hs_property *sp_hs_properties_find(const sp_hs_properties *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return &p->items[i];
    return NULL;
}

/* 2xx: created; 409: it was there already. */
static int create_fn(const hs_reply *r, void *ud, sp_err *e)
{
    int *created = ud;

    if (r->status >= 200 && r->status < 300) {
        *created = 1;
        return 0;
    }
    if (r->status == 409) {
        *created = 0;
        return 0;
    }
    return hs_reply_err(r, e);
}

int sp_hs_property_group_create(sp_hs_client *c, sp_hs_object o, const char *name, const char *label,
                                sp_err *e)
{
    const char *obj = sp_hs_object_name(o);
    sp_buf b;
    char *path;
    int created = 0, rc;

    if (obj == NULL || name == NULL || label == NULL)
        return SP_ERR(e, SP_EINTERNAL, "a property group needs an object, a name and a label");
    sp_buf_init(&b, 64 * 1024);
    if (sp_buf_puts(&b, "{\"name\":", e) != 0 || hs_json_str(&b, name, e) != 0 ||
        sp_buf_puts(&b, ",\"label\":", e) != 0 || hs_json_str(&b, label, e) != 0 ||
        sp_buf_puts(&b, ",\"displayOrder\":-1}", e) != 0) {
        sp_buf_free(&b);
        return -1;
    }
    path = sp_xasprintf("%s/%s/groups", c->props_prefix, obj);
    /* Safe to repeat: a second create answers 409, which counts as done. */
    rc = hs_call_with(c, "POST", path, NULL, b.data, HS_IDEMPOTENT, create_fn, &created, e);
    free(path);
    return rc;
}

int sp_hs_property_create(sp_hs_client *c, sp_hs_object o, const sp_hs_property_def *d, int *created,
                          sp_err *e)
{
    const char *obj = sp_hs_object_name(o);
    sp_buf b;
    char *path;
    int made = 0, rc;

    if (created != NULL)
        *created = 0;
    if (obj == NULL || d->name == NULL || d->label == NULL || d->group_name == NULL)
        return SP_ERR(e, SP_EINTERNAL, "a property needs an object, a name, a label and a group");
    sp_buf_init(&b, 64 * 1024);
    if (sp_buf_puts(&b, "{\"name\":", e) != 0 || hs_json_str(&b, d->name, e) != 0 ||
        sp_buf_puts(&b, ",\"label\":", e) != 0 || hs_json_str(&b, d->label, e) != 0 ||
        sp_buf_puts(&b, ",\"type\":", e) != 0 || hs_json_str(&b, d->type ? d->type : "string", e) != 0 ||
        sp_buf_puts(&b, ",\"fieldType\":", e) != 0 || hs_json_str(&b, d->field_type ? d->field_type : "text", e) != 0 ||
        sp_buf_puts(&b, ",\"groupName\":", e) != 0 || hs_json_str(&b, d->group_name, e) != 0 ||
        (d->description != NULL &&
         (sp_buf_puts(&b, ",\"description\":", e) != 0 || hs_json_str(&b, d->description, e) != 0)) ||
        sp_buf_printf(&b, e, ",\"hasUniqueValue\":%s}", d->has_unique_value ? "true" : "false") != 0) {
        sp_buf_free(&b);
        return -1;
    }
    path = sp_xasprintf("%s/%s", c->props_prefix, obj);
    rc = hs_call_with(c, "POST", path, NULL, b.data, HS_IDEMPOTENT, create_fn, &made, e);
    free(path);
    if (rc == 0 && created != NULL)
        *created = made;
    if (rc != 0)
        sp_err_prefix(e, "creating %s property %s", obj, d->name);
    return rc;
}

/* ---- account ------------------------------------------------------------- */

static void copy_text(char *dst, size_t n, const json_t *v)
{
    if (json_is_string(v))
        snprintf(dst, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(dst, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        dst[0] = '\0';
}

static int account_fn(const hs_reply *r, void *ud, sp_err *e)
{
    sp_hs_account *a = ud;

    if (r->status < 200 || r->status >= 300)
        return hs_reply_err(r, e);
    if (!json_is_object(r->json) || json_object_get(r->json, "portalId") == NULL)
        return hs_shape_err(r, "no portalId in the account details", e);
    copy_text(a->portal_id, sizeof(a->portal_id), json_object_get(r->json, "portalId"));
    copy_text(a->account_type, sizeof(a->account_type), json_object_get(r->json, "accountType"));
    copy_text(a->time_zone, sizeof(a->time_zone), json_object_get(r->json, "timeZone"));
    copy_text(a->currency, sizeof(a->currency), json_object_get(r->json, "companyCurrency"));
    copy_text(a->ui_domain, sizeof(a->ui_domain), json_object_get(r->json, "uiDomain"));
    copy_text(a->data_hosting, sizeof(a->data_hosting), json_object_get(r->json, "dataHostingLocation"));
    if (json_is_integer(json_object_get(r->json, "utcOffsetMilliseconds"))) {
        a->has_utc_offset = 1;
        a->utc_offset_ms = json_integer_value(json_object_get(r->json, "utcOffsetMilliseconds"));
    }
    if (a->portal_id[0] == '\0')
        return hs_shape_err(r, "portalId is neither a number nor a string", e);
    return 0;
}

int sp_hs_account_details(sp_hs_client *c, sp_hs_account *out, sp_err *e)
{
    memset(out, 0, sizeof(*out));
    if (hs_call_with(c, "GET", "/account-info/v3/details", NULL, NULL, HS_IDEMPOTENT, account_fn, out, e) != 0)
        return -1;
    snprintf(c->time_zone, sizeof(c->time_zone), "%s", out->time_zone);
    c->has_utc_offset = out->has_utc_offset;
    c->utc_offset_ms = out->utc_offset_ms;
    return 0;
}
