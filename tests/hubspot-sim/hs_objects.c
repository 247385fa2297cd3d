/* hs_objects.c -- CRM object endpoints: list, create, read, update, archive, batch (see hubsim.h). */
#include "hubsim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/mem.h"

/* One input of a write, from validation to result. */
typedef struct plan {
    int is_create;
    hs_rec *target;          /* update: the record */
    json_t *norm;            /* normalised properties (owned) */
    json_t *assoc;           /* create-time associations (borrowed from the body) */
    const char *trace;       /* objectWriteTraceId */
    hs_prop *id_prop;        /* upsert: the unique property matched on */
    const char *id_value;
    hs_rec *done;            /* the record written */
    /* error */
    int status;              /* 0 = valid */
    const char *category;
    char *message;
    json_t *details;         /* ErrorDetail array (owned) or NULL */
    json_t *context;         /* extra context (owned) or NULL */
} plan;

static void plan_fail(plan *p, int status, const char *category, char *message, json_t *details,
                      json_t *context)
{
    if (p->status != 0) {   /* keep the first error */
        free(message);
        json_decref(details);
        json_decref(context);
        return;
    }
    p->status = status;
    p->category = category;
    p->message = message;
    p->details = details;
    p->context = context;
}

static void plan_free(plan *p)
{
    json_decref(p->norm);
    free(p->message);
    json_decref(p->details);
    json_decref(p->context);
}

static json_t *ctx_one(const char *key, const char *value)
{
    json_t *c = json_object(), *a = json_array();
    json_array_append_new(a, json_string(value));
    json_object_set_new(c, key, a);
    return c;
}

/* ---- the published schemas' required attributes (strict unless --lenient) ---- */

static const char *const REQ_FOR_CREATE[] = {"associations", "properties", NULL};
static const char *const REQ_ID_PROPS[] = {"id", "properties", NULL};
static const char *const REQ_ID[] = {"id", NULL};

/* Create-time associations: PublicAssociationsForObject {to{id}, types[AssociationSpec]}. */
static int require_assoc_list(hs_ctx *c, hs_resp *r, const json_t *assocs)
{
    size_t i;
    const json_t *a;
    static const char *const req[] = {"to", "types", NULL};
    static const char *const spec[] = {"associationCategory", "associationTypeId", NULL};

    json_array_foreach(assocs, i, a) {
        if (hs_require(c, r, a, "PublicAssociationsForObject", req) != 0 ||
            hs_require(c, r, json_object_get(a, "to"), "PublicObjectId", REQ_ID) != 0 ||
            hs_require_each(c, r, json_object_get(a, "types"), "AssociationSpec", spec) != 0)
            return -1;
    }
    return 0;
}

/* Validate the properties of one input into p->norm. */
static void plan_props(hs_table *t, plan *p, json_t *props)
{
    json_t *details = json_array(), *legacy = json_array();
    p->norm = json_object();
    if (props != NULL && !json_is_object(props)) {
        plan_fail(p, 400, "VALIDATION_ERROR",
                  sp_xstrdup("Invalid input JSON: 'properties' must be an object of property names to string values"),
                  NULL, NULL);
    } else if (hs_validate_props(t, props, 0, p->norm, details, legacy) > 0 ||
               hs_validate_deal_stage(t, p->norm, p->target, details, legacy) > 0) {
        char *text = json_dumps(legacy, JSON_COMPACT);
        plan_fail(p, 400, "VALIDATION_ERROR", sp_xasprintf("Property values were not valid: %s", text),
                  details, NULL);
        free(text);
        details = NULL;
    }
    json_decref(details);
    json_decref(legacy);
}

/* Create-time associations: [{to:{id}, types:[{associationCategory, associationTypeId}]}]. */
static void plan_assoc(hs_store *s, hs_table *t, plan *p, json_t *assoc)
{
    size_t i;
    json_t *a;
    if (assoc == NULL || p->status != 0)
        return;
    if (!json_is_array(assoc)) {
        plan_fail(p, 400, "VALIDATION_ERROR", sp_xstrdup("Invalid input JSON: 'associations' must be an array"),
                  NULL, NULL);
        return;
    }
    json_array_foreach(assoc, i, a) {
        const char *to_id = json_string_value(json_object_get(json_object_get(a, "to"), "id"));
        json_t *types = json_object_get(a, "types");
        size_t k;
        json_t *ty;
        if (to_id == NULL || !json_is_array(types) || json_array_size(types) == 0) {
            plan_fail(p, 400, "VALIDATION_ERROR",
                      sp_xstrdup("Invalid input JSON: each association needs to.id and at least one type"),
                      NULL, NULL);
            return;
        }
        json_array_foreach(types, k, ty) {
            json_t *tid = json_object_get(ty, "associationTypeId");
            const char *cat = json_string_value(json_object_get(ty, "associationCategory"));
            const hs_assoc_type *at = json_is_integer(tid) ? hs_assoc_type_find((int)json_integer_value(tid)) : NULL;
            hs_rec *to;
            if (at == NULL || at->from != t->obj || cat == NULL || strcmp(cat, "HUBSPOT_DEFINED") != 0) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%lld", json_is_integer(tid) ? (long long)json_integer_value(tid) : -1LL);
                plan_fail(p, 400, "VALIDATION_ERROR",
                          sp_xasprintf("Association type id %s is not valid from %s (category %s)",
                                       json_is_integer(tid) ? buf : "(missing)", hs_obj_singular(t->obj),
                                       cat != NULL ? cat : "(missing)"),
                          NULL, ctx_one("associationTypeId", buf));
                return;
            }
            to = hs_rec_find(&s->t[at->to], to_id);
            if (to == NULL || to->archived) {
                plan_fail(p, 400, "VALIDATION_ERROR",
                          sp_xasprintf("Cannot associate to %s %s: it does not exist", hs_obj_singular(at->to), to_id),
                          NULL, ctx_one("toObjectId", to_id));
                return;
            }
        }
    }
    p->assoc = assoc;
}

static void apply_assoc(hs_store *s, hs_rec *from, json_t *assoc)
{
    size_t i;
    json_t *a;
    json_array_foreach(assoc, i, a) {
        const char *to_id = json_string_value(json_object_get(json_object_get(a, "to"), "id"));
        json_t *types = json_object_get(a, "types");
        size_t k;
        json_t *ty;
        json_array_foreach(types, k, ty) {
            const hs_assoc_type *at = hs_assoc_type_find((int)json_integer_value(json_object_get(ty, "associationTypeId")));
            hs_rec *to = at != NULL ? hs_rec_find(&s->t[at->to], to_id) : NULL;
            if (to != NULL)
                hs_assoc_add(s, from, to, at->type_id);
        }
    }
}

/* The value a unique property will hold after the plan is applied (NULL = unchanged/none). */
static const char *plan_value(const plan *p, const hs_prop *u)
{
    const char *v = json_string_value(json_object_get(p->norm, u->name));
    if (v == NULL && p->is_create && p->id_prop == u)
        v = p->id_value;
    return v;
}

static char *conflict_message(hs_table *t, const hs_prop *u, const char *value, const hs_rec *holder)
{
    if (t->obj == HS_CONTACTS && strcmp(u->name, "email") == 0)
        return sp_xasprintf("Contact already exists. Existing ID: %s", holder->ids);
    return sp_xasprintf("A %s with %s \"%s\" already exists. Existing ID: %s", hs_obj_singular(t->obj),
                        u->name, value, holder->ids);
}

/* Unique values against the store and against earlier inputs of the same batch. */
static void plan_unique(hs_table *t, plan *plans, size_t n)
{
    hs_map seen;
    hs_map_init(&seen);
    for (size_t i = 0; i < n; i++) {
        plan *p = &plans[i];
        if (p->status != 0)
            continue;
        for (size_t k = 0; k < t->nprops && p->status == 0; k++) {
            hs_prop *u = t->props[k];
            const char *v, *key;
            hs_rec *holder;
            char kbuf[256], sbuf[512], *owned, *skey;
            size_t prev;
            int len;
            if (!u->unique)
                continue;
            v = plan_value(p, u);
            if (v == NULL || v[0] == '\0')
                continue;
            holder = hs_rec_find_unique(t, u, v);
            if (holder != NULL && holder != p->target) {
                plan_fail(p, 409, "CONFLICT", conflict_message(t, u, v, holder), NULL,
                          ctx_one("existingId", holder->ids));
                break;
            }
            key = hs_unique_key_buf(u, v, kbuf, sizeof(kbuf), &owned);
            len = snprintf(sbuf, sizeof(sbuf), "%s\x1f%s", u->name, key);
            skey = len >= 0 && (size_t)len < sizeof(sbuf) ? sbuf : sp_xasprintf("%s\x1f%s", u->name, key);
            prev = (size_t)hs_map_get(&seen, skey);
            if (prev != 0) {
                plan_fail(p, 409, "CONFLICT",
                          sp_xasprintf("Duplicate value \"%s\" for unique property %s: inputs %zu and %zu of this batch",
                                       v, u->name, prev - 1, i),
                          NULL, NULL);
            } else {
                hs_map_put(&seen, skey, (void *)(i + 1));
            }
            if (skey != sbuf)
                free(skey);
            free(owned);
        }
    }
    hs_map_free(&seen, NULL);
}

static void apply_plans(hs_sim *sim, hs_table *t, plan *plans, size_t n)
{
    hs_store *s = &sim->store;
    int64_t now = hs_now_wall(sim);
    int64_t mono = hs_now_mono(sim), visible;
    int created = 0, updated = 0;
    pthread_mutex_lock(&sim->mu);
    visible = mono + sim->cfg.search_lag_ms;
    pthread_mutex_unlock(&sim->mu);
    for (size_t i = 0; i < n; i++) {
        plan *p = &plans[i];
        if (p->status != 0)
            continue;
        if (p->is_create) {
            if (p->id_prop != NULL && json_object_get(p->norm, p->id_prop->name) == NULL)
                json_object_set_new(p->norm, p->id_prop->name, json_string(p->id_value));
            p->done = hs_rec_create(s, t, p->norm, now, now, visible);
            if (p->assoc != NULL)
                apply_assoc(s, p->done, p->assoc);
            created++;
        } else {
            hs_rec_update(t, p->target, p->norm, now, visible, mono);
            p->done = p->target;
            updated++;
        }
    }
    hs_stats_count_write(sim, created, updated, 0);
}

static json_t *plan_error_json(const plan *p)
{
    json_t *ctx = p->context != NULL ? json_deep_copy(p->context) : json_object();
    if (p->trace != NULL) {
        json_t *a = json_array();
        json_array_append_new(a, json_string(p->trace));
        json_object_set_new(ctx, "objectWriteTraceId", a);
    }
    return hs_standard_error(p->category, p->message, ctx,
                             p->details != NULL ? json_deep_copy(p->details) : NULL);
}

static void whole_error(hs_resp *r, hs_sim *sim, const plan *p)
{
    hs_resp_json(r, p->status,
                 hs_error_json(sim, p->category, p->message,
                               p->details != NULL ? json_deep_copy(p->details) : NULL,
                               p->context != NULL ? json_deep_copy(p->context) : NULL));
}

/* ---- look-ups ---------------------------------------------------------------------- */

/* Find by id or by idProperty; sets *bad to a message (malloc'd) when idProperty is not unique. */
static hs_rec *lookup(hs_table *t, const char *id, const char *id_prop, char **bad)
{
    hs_prop *p;
    *bad = NULL;
    if (id_prop == NULL || strcmp(id_prop, "hs_object_id") == 0)
        return hs_rec_find(t, id);
    p = hs_prop_find(t, id_prop);
    if (p == NULL || !p->unique) {
        *bad = sp_xasprintf("Unable to perform update/upsert by non-unique %s property %s",
                            hs_obj_type_id(t->obj), id_prop);
        return NULL;
    }
    return hs_rec_find_unique(t, p, id);
}

static json_t *want_props(hs_ctx *c, json_t *body_props)
{
    json_t *w = NULL;
    if (json_is_array(body_props) && json_array_size(body_props) > 0)
        w = json_incref(body_props);
    else
        w = hs_query_list(c, "properties");
    if (w != NULL && json_array_size(w) == 0) {
        json_decref(w);
        w = NULL;
    }
    return w;
}

static int query_bool(hs_ctx *c, const char *name)
{
    const char *v = hs_query(c, name);
    return v != NULL && strcmp(v, "true") == 0;
}

static void not_found(hs_resp *r, hs_sim *sim, const char *id)
{
    hs_resp_json(r, 404, hs_error_json(sim, "OBJECT_NOT_FOUND",
                                       "Object not found.  objectId are usually numeric.", NULL,
                                       ctx_one("id", id)));
}

/* ---- list ------------------------------------------------------------------------------- */

static void list_records(hs_ctx *c, hs_table *t, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    const char *lim = hs_query(c, "limit"), *after = hs_query(c, "after");
    long limit = 10;
    long long after_id = 0;
    int archived = query_bool(c, "archived");
    json_t *want = want_props(c, NULL), *assocs = hs_query_list(c, "associations");
    hs_out out;
    size_t lo, hi;
    int count = 0;
    hs_rec *next = NULL;

    if (lim != NULL) {
        char *end;
        errno = 0;
        limit = strtol(lim, &end, 10);
        if (errno != 0 || *end != '\0' || limit < 1) {
            hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "limit must be a positive integer");
            goto done;
        }
        if (limit > 100)
            limit = 100;
    }
    if (after != NULL && after[0] != '\0') {
        char *end;
        errno = 0;
        after_id = strtoll(after, &end, 10);
        if (errno != 0 || *end != '\0' || after_id < 0) {
            hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "after is not a valid paging cursor");
            goto done;
        }
    }
    pthread_rwlock_rdlock(&s->lock);
    lo = 0;
    hi = t->n;
    while (lo < hi) {   /* first record with id >= after */
        size_t mid = (lo + hi) / 2;
        if (t->recs[mid]->id < after_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    hs_out_init(&out, 4096 + (size_t)limit * 512);
    hs_out_puts(&out, "{\"results\":[");
    for (size_t i = lo; i < t->n; i++) {
        hs_rec *rec = t->recs[i];
        char *extra = NULL;
        if (rec->archived != archived)
            continue;
        if (count == limit) {
            next = rec;
            break;
        }
        if (assocs != NULL) {
            json_t *a = hs_rec_assoc_json(s, rec, assocs);
            if (json_object_size(a) > 0) {
                hs_out x;
                hs_out_init(&x, 256);
                hs_out_puts(&x, ",\"associations\":");
                hs_out_json(&x, a);
                extra = hs_out_take(&x);
            }
            json_decref(a);
        }
        if (count > 0)
            hs_out_puts(&out, ",");
        hs_rec_write(&out, t, rec, want, 0, extra);
        free(extra);
        count++;
    }
    hs_out_puts(&out, "]");
    if (next != NULL) {
        hs_out_puts(&out, ",\"paging\":{\"next\":{\"after\":");
        hs_out_str(&out, next->ids);
        hs_out_puts(&out, ",\"link\":\"?after=");
        hs_out_puts(&out, next->ids);
        hs_out_puts(&out, "\"}}");
    }
    hs_out_puts(&out, "}");
    pthread_rwlock_unlock(&s->lock);
    r->status = 200;
    r->raw = hs_out_take(&out);
done:
    json_decref(want);
    json_decref(assocs);
}

/* ---- single record ------------------------------------------------------------------------- */

static void create_one(hs_ctx *c, hs_table *t, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    plan p;
    json_t *props = json_object_get(c->body, "properties");
    if (hs_require(c, r, c->body, "SimplePublicObjectInputForCreate", REQ_FOR_CREATE) != 0 ||
        require_assoc_list(c, r, json_object_get(c->body, "associations")) != 0)
        return;
    memset(&p, 0, sizeof(p));
    p.is_create = 1;
    pthread_rwlock_wrlock(&s->lock);
    if (props == NULL)
        plan_fail(&p, 400, "VALIDATION_ERROR",
                  sp_xstrdup("Invalid input JSON: Cannot build SimplePublicObjectInputForCreate, some of required attributes are not set [properties]"),
                  NULL, NULL);
    else
        plan_props(t, &p, props);
    plan_assoc(s, t, &p, json_object_get(c->body, "associations"));
    plan_unique(t, &p, 1);
    if (p.status != 0) {
        whole_error(r, c->sim, &p);
    } else {
        apply_plans(c->sim, t, &p, 1);
        hs_resp_json(r, 201, hs_rec_json(t, p.done, NULL, 1));
    }
    pthread_rwlock_unlock(&s->lock);
    plan_free(&p);
}

static void read_one(hs_ctx *c, hs_table *t, const char *id, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    json_t *want = want_props(c, NULL), *assocs = hs_query_list(c, "associations");
    int archived = query_bool(c, "archived");
    char *bad;
    hs_rec *rec;
    pthread_rwlock_rdlock(&s->lock);
    rec = lookup(t, id, hs_query(c, "idProperty"), &bad);
    if (bad != NULL) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", bad);
        free(bad);
    } else if (rec == NULL || rec->archived != archived) {
        not_found(r, c->sim, id);
    } else {
        json_t *o = hs_rec_json(t, rec, want, 0);
        if (assocs != NULL) {
            json_t *a = hs_rec_assoc_json(s, rec, assocs);
            if (json_object_size(a) > 0)
                json_object_set_new(o, "associations", a);
            else
                json_decref(a);
        }
        hs_resp_json(r, 200, o);
    }
    pthread_rwlock_unlock(&s->lock);
    json_decref(want);
    json_decref(assocs);
}

static void update_one(hs_ctx *c, hs_table *t, const char *id, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    plan p;
    char *bad;
    if (hs_require(c, r, c->body, "SimplePublicObjectInput", (const char *const[]){"properties", NULL}) != 0)
        return;
    memset(&p, 0, sizeof(p));
    pthread_rwlock_wrlock(&s->lock);
    p.target = lookup(t, id, hs_query(c, "idProperty"), &bad);
    if (bad != NULL) {
        plan_fail(&p, 400, "VALIDATION_ERROR", bad, NULL, NULL);
    } else if (p.target == NULL || p.target->archived) {
        plan_fail(&p, 404, "OBJECT_NOT_FOUND", sp_xstrdup("Object not found.  objectId are usually numeric."),
                  NULL, ctx_one("id", id));
    } else {
        plan_props(t, &p, json_object_get(c->body, "properties"));
        plan_unique(t, &p, 1);
    }
    if (p.status != 0) {
        whole_error(r, c->sim, &p);
    } else {
        apply_plans(c->sim, t, &p, 1);
        hs_resp_json(r, 200, hs_rec_json(t, p.done, NULL, 1));
    }
    pthread_rwlock_unlock(&s->lock);
    plan_free(&p);
}

static void archive_one(hs_ctx *c, hs_table *t, const char *id, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    hs_rec *rec;
    pthread_rwlock_wrlock(&s->lock);
    rec = hs_rec_find(t, id);
    if (rec != NULL && !rec->archived) {
        hs_rec_archive(t, rec, hs_now_wall(c->sim));
        hs_stats_count_write(c->sim, 0, 0, 1);
    }
    pthread_rwlock_unlock(&s->lock);
    r->status = 204;
}

/* ---- batch -------------------------------------------------------------------------------- */

enum { B_CREATE, B_UPDATE, B_UPSERT };

static int batch_inputs(hs_ctx *c, hs_resp *r, const char *schema, json_t **inputs)
{
    hs_sim *sim = c->sim;
    int max;
    size_t i;
    json_t *in;
    char msg[256];
    *inputs = json_object_get(c->body, "inputs");
    if (!json_is_array(*inputs)) {
        snprintf(msg, sizeof(msg),
                 "Invalid input JSON: Cannot build %s, some of required attributes are not set [inputs]", schema);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
        return -1;
    }
    pthread_mutex_lock(&sim->mu);
    max = sim->cfg.max_batch;
    pthread_mutex_unlock(&sim->mu);
    if (json_array_size(*inputs) > (size_t)max) {
        snprintf(msg, sizeof(msg), "Batch input size %zu is larger than the limit of %d inputs per request",
                 json_array_size(*inputs), max);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
        return -1;
    }
    json_array_foreach(*inputs, i, in) {
        if (!json_is_object(in)) {
            snprintf(msg, sizeof(msg), "Invalid input JSON: inputs[%zu] is not an object", i);
            hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
            return -1;
        }
    }
    return 0;
}

/* Duplicate ids in update/upsert inputs refuse the whole batch, as HubSpot does. */
static int duplicate_ids(hs_ctx *c, hs_table *t, json_t *inputs, hs_resp *r)
{
    hs_map seen;
    size_t i;
    json_t *in;
    int dup = 0;
    hs_map_init(&seen);
    json_array_foreach(inputs, i, in) {
        const char *id = json_string_value(json_object_get(in, "id"));
        const char *idp = json_string_value(json_object_get(in, "idProperty"));
        hs_prop *p = idp != NULL ? hs_prop_find(t, idp) : NULL;
        const char *key;
        char kbuf[256], *owned = NULL;
        if (id == NULL)
            continue;
        key = p != NULL && p->unique ? hs_unique_key_buf(p, id, kbuf, sizeof(kbuf), &owned) : id;
        if (hs_map_get(&seen, key) != NULL) {
            char *msg = sp_xasprintf("Duplicate IDs found in batch input: [%s]. IDs must be unique", id);
            hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", msg);
            free(msg);
            dup = 1;
        } else {
            hs_map_put(&seen, key, (void *)1);
        }
        free(owned);
        if (dup)
            break;
    }
    hs_map_free(&seen, NULL);
    return dup;
}

/* Each input of a batch write has what its schema requires. */
static int require_batch_items(hs_ctx *c, hs_resp *r, int kind, const json_t *inputs)
{
    static const char *const items[] = {"SimplePublicObjectBatchInputForCreate", "SimplePublicObjectBatchInput",
                                        "SimplePublicObjectBatchInputUpsert"};
    size_t i;
    const json_t *in;

    if (hs_require_each(c, r, inputs, items[kind], kind == B_CREATE ? REQ_FOR_CREATE : REQ_ID_PROPS) != 0)
        return -1;
    json_array_foreach(inputs, i, in) {
        if (kind == B_CREATE && require_assoc_list(c, r, json_object_get(in, "associations")) != 0)
            return -1;
    }
    return 0;
}

static void batch_write(hs_ctx *c, hs_table *t, int kind, hs_resp *r)
{
    hs_sim *sim = c->sim;
    hs_store *s = &sim->store;
    static const char *const schemas[] = {"BatchInputSimplePublicObjectBatchInputForCreate",
                                          "BatchInputSimplePublicObjectBatchInput",
                                          "BatchInputSimplePublicObjectBatchInputUpsert"};
    int64_t started = hs_now_wall(sim);
    json_t *inputs, *in;
    plan *plans = NULL;
    size_t n, i;
    int traced = 0, failed = 0, first_bad = -1;

    if (batch_inputs(c, r, schemas[kind], &inputs) != 0 || require_batch_items(c, r, kind, inputs) != 0)
        return;
    n = json_array_size(inputs);
    plans = sp_xcalloc(n ? n : 1, sizeof(*plans));
    pthread_rwlock_wrlock(&s->lock);
    if (kind != B_CREATE && duplicate_ids(c, t, inputs, r))
        goto unlock;
    json_array_foreach(inputs, i, in) {
        plan *p = &plans[i];
        const char *id = json_string_value(json_object_get(in, "id"));
        const char *idp = json_string_value(json_object_get(in, "idProperty"));
        p->trace = json_string_value(json_object_get(in, "objectWriteTraceId"));
        if (p->trace != NULL)
            traced = 1;
        if (kind == B_CREATE) {
            p->is_create = 1;
        } else if (id == NULL) {
            plan_fail(p, 400, "VALIDATION_ERROR",
                      sp_xstrdup("Invalid input JSON: Cannot build SimplePublicObjectBatchInput, some of required attributes are not set [id]"),
                      NULL, NULL);
        } else if (kind == B_UPDATE) {
            char *bad;
            p->target = lookup(t, id, idp, &bad);
            if (bad != NULL)
                plan_fail(p, 400, "VALIDATION_ERROR", bad, NULL, NULL);
            else if (p->target == NULL || p->target->archived)
                plan_fail(p, 404, "OBJECT_NOT_FOUND",
                          sp_xstrdup("Object not found.  objectId are usually numeric."), NULL,
                          ctx_one("id", id));
        } else {   /* upsert */
            hs_prop *u = idp != NULL ? hs_prop_find(t, idp) : NULL;
            if (idp == NULL) {
                plan_fail(p, 400, "VALIDATION_ERROR",
                          sp_xstrdup("idProperty is required for upsert: name a property with unique values"),
                          NULL, NULL);
            } else if (u == NULL || !u->unique) {
                plan_fail(p, 400, "VALIDATION_ERROR",
                          sp_xasprintf("Unable to perform update/upsert by non-unique %s property %s",
                                       hs_obj_type_id(t->obj), idp),
                          NULL, NULL);
            } else {
                p->id_prop = u;
                p->id_value = id;
                p->target = hs_rec_find_unique(t, u, id);
                p->is_create = p->target == NULL;
            }
        }
        if (p->status == 0)
            plan_props(t, p, json_object_get(in, "properties"));
        if (p->status == 0 && p->id_prop != NULL && p->is_create) {
            /* the id becomes the unique property's value: validate it like one */
            json_t *one = json_object(), *norm = json_object(), *det = json_array(), *leg = json_array();
            json_object_set_new(one, p->id_prop->name, json_string(p->id_value));
            if (hs_validate_props(t, one, 0, norm, det, leg) > 0) {
                char *text = json_dumps(leg, JSON_COMPACT);
                plan_fail(p, 400, "VALIDATION_ERROR", sp_xasprintf("Property values were not valid: %s", text),
                          det, NULL);
                det = NULL;
                free(text);
            } else if (json_object_get(p->norm, p->id_prop->name) == NULL) {
                /* the new record holds the id, normalised like any value (emails in lower case) */
                json_object_set(p->norm, p->id_prop->name, json_object_get(norm, p->id_prop->name));
            }
            json_decref(one);
            json_decref(norm);
            json_decref(det);
            json_decref(leg);
        }
        if (kind == B_CREATE)
            plan_assoc(s, t, p, json_object_get(in, "associations"));
    }
    plan_unique(t, plans, n);
    for (i = 0; i < n; i++) {
        if (plans[i].status != 0) {
            failed++;
            if (first_bad < 0)
                first_bad = (int)i;
        }
    }
    if (failed > 0 && !traced) {
        whole_error(r, sim, &plans[first_bad]);
    } else {
        /* the hot path: written as text, not as a JSON tree */
        hs_out o;
        char a[32], b[32], num[32];
        int first = 1;
        apply_plans(sim, t, plans, n);
        hs_out_init(&o, 4096 + n * 768);
        hs_out_puts(&o, "{\"status\":\"COMPLETE\",\"results\":[");
        hs_out extra;
        hs_out_init(&extra, 256);
        for (i = 0; i < n; i++) {
            plan *p = &plans[i];
            if (p->status != 0)
                continue;
            extra.len = 0;
            extra.data[0] = '\0';
            if (kind == B_UPSERT)
                hs_out_puts(&extra, p->is_create ? ",\"new\":true" : ",\"new\":false");
            if (p->trace != NULL) {
                hs_out_puts(&extra, ",\"objectWriteTraceId\":");
                hs_out_str(&extra, p->trace);
            }
            if (!first)
                hs_out_puts(&o, ",");
            first = 0;
            hs_rec_write(&o, t, p->done, NULL, 1, extra.data);
        }
        free(extra.data);
        hs_out_puts(&o, "]");
        if (failed > 0) {
            snprintf(num, sizeof(num), "%d", failed);
            hs_out_puts(&o, ",\"numErrors\":");
            hs_out_puts(&o, num);
            hs_out_puts(&o, ",\"errors\":[");
            first = 1;
            for (i = 0; i < n; i++) {
                json_t *e;
                if (plans[i].status == 0)
                    continue;
                if (!first)
                    hs_out_puts(&o, ",");
                first = 0;
                e = plan_error_json(&plans[i]);
                hs_out_json(&o, e);
                json_decref(e);
            }
            hs_out_puts(&o, "]");
        }
        hs_out_puts(&o, ",\"startedAt\":\"");
        hs_out_puts(&o, hs_iso(started, a));
        hs_out_puts(&o, "\",\"completedAt\":\"");
        hs_out_puts(&o, hs_iso(hs_now_wall(sim), b));
        hs_out_puts(&o, "\"}");
        r->status = failed > 0 ? 207 : (kind == B_CREATE ? 201 : 200);
        r->raw = hs_out_take(&o);
    }
unlock:
    pthread_rwlock_unlock(&s->lock);
    for (i = 0; i < n; i++)
        plan_free(&plans[i]);
    free(plans);
}

static void batch_read(hs_ctx *c, hs_table *t, hs_resp *r)
{
    hs_sim *sim = c->sim;
    hs_store *s = &sim->store;
    int64_t started = hs_now_wall(sim);
    json_t *inputs, *in, *want, *results, *missing, *errors;
    const char *idp = json_string_value(json_object_get(c->body, "idProperty"));
    int archived = query_bool(c, "archived");
    hs_map seen;
    size_t i;

    if (batch_inputs(c, r, "BatchReadInputSimplePublicObjectId", &inputs) != 0 ||
        hs_require(c, r, c->body, "BatchReadInputSimplePublicObjectId",
                   (const char *const[]){"inputs", "properties", "propertiesWithHistory", NULL}) != 0 ||
        hs_require_each(c, r, inputs, "SimplePublicObjectId", REQ_ID) != 0)
        return;
    want = want_props(c, json_object_get(c->body, "properties"));
    results = json_array();
    missing = json_array();
    errors = json_array();
    hs_map_init(&seen);
    pthread_rwlock_rdlock(&s->lock);
    json_array_foreach(inputs, i, in) {
        const char *id = json_string_value(json_object_get(in, "id"));
        char *bad;
        hs_rec *rec;
        if (id == NULL)
            continue;
        rec = lookup(t, id, idp, &bad);
        if (bad != NULL) {
            hs_resp_error(r, sim, 400, "VALIDATION_ERROR", bad);
            free(bad);
            pthread_rwlock_unlock(&s->lock);
            json_decref(results);
            json_decref(missing);
            json_decref(errors);
            goto done;
        }
        if ((rec == NULL || rec->archived) && !archived && idp == NULL) {
            hs_rec *into = hs_merged_into(t, id);   /* a merged id reads as the survivor */
            if (into != NULL)
                rec = into;
        }
        if (rec == NULL || rec->archived != archived) {
            json_array_append_new(missing, json_string(id));
            continue;
        }
        if (hs_map_get(&seen, rec->ids) != NULL)
            continue;
        hs_map_put(&seen, rec->ids, rec);
        json_array_append_new(results, hs_rec_json(t, rec, want, 0));
    }
    pthread_rwlock_unlock(&s->lock);
    if (json_array_size(missing) > 0) {
        json_t *ctx = json_object();
        char *msg = sp_xasprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.",
                                 hs_obj_upper(t->obj));
        json_object_set_new(ctx, "ids", missing);
        json_array_append_new(errors, hs_standard_error("OBJECT_NOT_FOUND", msg, ctx, NULL));
        free(msg);
        hs_resp_json(r, 207, hs_batch_json(sim, results, errors, started));
    } else {
        json_decref(missing);
        hs_resp_json(r, 200, hs_batch_json(sim, results, errors, started));
    }
done:
    hs_map_free(&seen, NULL);
    json_decref(want);
}

static void batch_archive(hs_ctx *c, hs_table *t, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    json_t *inputs, *in;
    size_t i;
    int n = 0;
    int64_t now = hs_now_wall(c->sim);
    if (batch_inputs(c, r, "BatchInputSimplePublicObjectId", &inputs) != 0 ||
        hs_require_each(c, r, inputs, "SimplePublicObjectId", REQ_ID) != 0)
        return;
    pthread_rwlock_wrlock(&s->lock);
    json_array_foreach(inputs, i, in) {
        const char *id = json_string_value(json_object_get(in, "id"));
        hs_rec *rec = id != NULL ? hs_rec_find(t, id) : NULL;
        if (rec != NULL && !rec->archived) {
            hs_rec_archive(t, rec, now);
            n++;
        }
    }
    pthread_rwlock_unlock(&s->lock);
    hs_stats_count_write(c->sim, 0, 0, n);
    r->status = 204;
}

/* ---- route ----------------------------------------------------------------------------------- */

void hs_handle_objects(hs_ctx *c, hs_resp *r)
{
    hs_table *t = &c->sim->store.t[c->obj];
    int rest = c->nseg - c->base;
    const char *m = c->method;
    const char *a = rest >= 1 ? c->seg[c->base] : NULL;

    if (rest == 0 && strcmp(m, "GET") == 0) {
        list_records(c, t, r);
    } else if (rest == 0 && strcmp(m, "POST") == 0) {
        create_one(c, t, r);
    } else if (rest == 1 && strcmp(a, "search") == 0 && strcmp(m, "POST") == 0) {
        hs_handle_search(c, r);
    } else if (rest == 1 && strcmp(a, "merge") == 0 && strcmp(m, "POST") == 0) {
        hs_handle_merge(c, t, r);
    } else if (rest == 1 && strcmp(a, "search") != 0 && strcmp(a, "batch") != 0) {
        if (strcmp(m, "GET") == 0)
            read_one(c, t, a, r);
        else if (strcmp(m, "PATCH") == 0)
            update_one(c, t, a, r);
        else if (strcmp(m, "DELETE") == 0)
            archive_one(c, t, a, r);
        else
            hs_resp_error(r, c->sim, 405, "VALIDATION_ERROR", "Method not allowed");
    } else if (rest == 2 && strcmp(a, "batch") == 0 && strcmp(m, "POST") == 0) {
        const char *op = c->seg[c->base + 1];
        if (strcmp(op, "create") == 0)
            batch_write(c, t, B_CREATE, r);
        else if (strcmp(op, "update") == 0)
            batch_write(c, t, B_UPDATE, r);
        else if (strcmp(op, "upsert") == 0)
            batch_write(c, t, B_UPSERT, r);
        else if (strcmp(op, "read") == 0)
            batch_read(c, t, r);
        else if (strcmp(op, "archive") == 0)
            batch_archive(c, t, r);
        else
            hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
    } else {
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
    }
}
