/* hs_assoc.c -- associations v4 / 2026-03: batch create, default, read, archive; per-record routes. */
#include "hubsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/mem.h"

#define MAX_ASSOC_INPUTS 1000

static json_t *ctx_one(const char *key, const char *value)
{
    json_t *c = json_object(), *a = json_array();
    json_array_append_new(a, json_string(value));
    json_object_set_new(c, key, a);
    return c;
}

static json_t *id_obj(const char *id)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    return o;
}

static const char *input_id(const json_t *in, const char *side)
{
    const json_t *o = json_object_get(in, side);
    const json_t *id = json_object_get(o, "id");
    return json_string_value(id);
}

static hs_rec *live(hs_store *s, hs_obj o, const char *id)
{
    hs_rec *r = id != NULL ? hs_rec_find(&s->t[o], id) : NULL;
    return r != NULL && !r->archived ? r : NULL;
}

static json_t *not_found_error(hs_obj o, const char *id, const char *side)
{
    char *msg = sp_xasprintf("%s %s does not exist", hs_obj_singular(o), id != NULL ? id : "(missing id)");
    json_t *e = hs_standard_error("OBJECT_NOT_FOUND", msg,
                                  ctx_one(side, id != NULL ? id : ""), NULL);
    free(msg);
    return e;
}

/* The v4 routes answer record ids in results (fromObjectId, toObjectId) as JSON numbers
 * (int64), as HubSpot's v4 API does; the 2026-03 routes as strings, as their spec says.
 * Ids inside PublicObjectId ({"id": ...}) and in error context are strings on both. */
static int ids_as_numbers(const hs_ctx *c)
{
    return strncmp(c->path, "/crm/v4/", 8) == 0;
}

static void out_id(hs_out *o, const char *id, int number)
{
    if (number)
        hs_out_puts(o, id);
    else
        hs_out_str(o, id);
}

/* The association type specs of one record toward one object type, grouped by target. */
static json_t *to_list(hs_store *s, const hs_rec *r, hs_obj to, int number)
{
    json_t *list = json_array();
    for (size_t i = 0; i < r->nassoc; i++) {
        const hs_assoc *a = &r->assoc[i];
        char ids[24];
        json_t *entry = NULL, *types, *spec;
        const hs_assoc_type *ty;
        size_t k;
        json_t *e;
        if (a->to != to)
            continue;
        snprintf(ids, sizeof(ids), "%lld", (long long)a->to_id);
        if (live(s, to, ids) == NULL)
            continue;
        json_array_foreach(list, k, e) {
            const json_t *have = json_object_get(e, "toObjectId");
            if (number ? json_integer_value(have) == a->to_id : strcmp(json_string_value(have), ids) == 0)
                entry = e;
        }
        if (entry == NULL) {
            entry = json_object();
            json_object_set_new(entry, "toObjectId", number ? json_integer((json_int_t)a->to_id) : json_string(ids));
            json_object_set_new(entry, "associationTypes", json_array());
            json_array_append_new(list, entry);
        }
        types = json_object_get(entry, "associationTypes");
        ty = hs_assoc_type_find(a->type_id);
        spec = json_object();
        json_object_set_new(spec, "category", json_string("HUBSPOT_DEFINED"));
        json_object_set_new(spec, "typeId", json_integer(a->type_id));
        json_object_set_new(spec, "label", ty != NULL && ty->label != NULL ? json_string(ty->label) : json_null());
        json_array_append_new(types, spec);
    }
    return list;
}

/* The request body's schema: inputs[] of `item`, each with `req`; from/to PublicObjectIds when
 * named in req (to may be an array: archive), types[] AssociationSpecs. */
static int require_inputs(hs_ctx *c, hs_resp *r, const json_t *inputs, const char *item, const char *const *req)
{
    static const char *const id[] = {"id", NULL};
    static const char *const spec[] = {"associationCategory", "associationTypeId", NULL};
    size_t i;
    const json_t *in, *to;

    json_array_foreach(inputs, i, in) {
        if (hs_require(c, r, in, item, req) != 0)
            return -1;
        to = json_object_get(in, "to");
        if ((json_object_get(in, "from") != NULL &&
             hs_require(c, r, json_object_get(in, "from"), "PublicObjectId", id) != 0) ||
            (json_is_object(to) && hs_require(c, r, to, "PublicObjectId", id) != 0) ||
            (json_is_array(to) && hs_require_each(c, r, to, "PublicObjectId", id) != 0) ||
            hs_require_each(c, r, json_object_get(in, "types"), "AssociationSpec", spec) != 0)
            return -1;
    }
    return 0;
}

static int inputs_ok(hs_ctx *c, hs_resp *r, const char *schema, const char *item, const char *const *req,
                     json_t **inputs)
{
    char msg[256];
    *inputs = json_object_get(c->body, "inputs");
    if (!json_is_array(*inputs)) {
        snprintf(msg, sizeof(msg),
                 "Invalid input JSON: Cannot build %s, some of required attributes are not set [inputs]", schema);
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", msg);
        return -1;
    }
    if (require_inputs(c, r, *inputs, item, req) != 0)
        return -1;
    if (json_array_size(*inputs) > MAX_ASSOC_INPUTS) {
        snprintf(msg, sizeof(msg), "Batch input size %zu is larger than the limit of %d inputs per request",
                 json_array_size(*inputs), MAX_ASSOC_INPUTS);
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", msg);
        return -1;
    }
    return 0;
}

/* Close a batch reply written as text: errors (a JSON array, stolen), startedAt, completedAt;
 * the same document hs_batch_json builds. */
static void batch_text_end(hs_out *o, hs_sim *sim, json_t *errors, int64_t started_ms)
{
    char a[32], b[32], num[32];
    hs_out_puts(o, "]");
    if (json_array_size(errors) > 0) {
        snprintf(num, sizeof(num), "%zu", json_array_size(errors));
        hs_out_puts(o, ",\"numErrors\":");
        hs_out_puts(o, num);
        hs_out_puts(o, ",\"errors\":");
        hs_out_json(o, errors);
    }
    json_decref(errors);
    hs_out_puts(o, ",\"startedAt\":\"");
    hs_out_puts(o, hs_iso(started_ms, a));
    hs_out_puts(o, "\",\"completedAt\":\"");
    hs_out_puts(o, hs_iso(hs_now_wall(sim), b));
    hs_out_puts(o, "\"}");
}

static void batch_create(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    int64_t started = hs_now_wall(c->sim);
    json_t *inputs, *in, *errors;
    size_t i;
    int nres = 0;
    hs_out o;
    if (inputs_ok(c, r, "BatchInputPublicAssociationMultiPost", "PublicAssociationMultiPost",
                  (const char *const[]){"from", "to", "types", NULL}, &inputs) != 0)
        return;
    errors = json_array();
    /* the hot path: results written as text, not as a JSON tree */
    hs_out_init(&o, 1024 + json_array_size(inputs) * 160);
    hs_out_puts(&o, "{\"status\":\"COMPLETE\",\"results\":[");
    pthread_rwlock_wrlock(&s->lock);
    json_array_foreach(inputs, i, in) {
        const char *fid = input_id(in, "from"), *tid = input_id(in, "to");
        hs_rec *from = live(s, c->obj, fid), *to = live(s, c->obj2, tid);
        json_t *types = json_object_get(in, "types"), *ty;
        size_t k;
        int bad = 0, nlabels = 0;
        if (from == NULL) {
            json_array_append_new(errors, not_found_error(c->obj, fid, "fromObjectId"));
            continue;
        }
        if (to == NULL) {
            json_array_append_new(errors, not_found_error(c->obj2, tid, "toObjectId"));
            continue;
        }
        if (!json_is_array(types) || json_array_size(types) == 0) {
            json_array_append_new(errors, hs_standard_error("VALIDATION_ERROR",
                                                            "Each input needs at least one association type",
                                                            ctx_one("fromObjectId", fid), NULL));
            continue;
        }
        json_array_foreach(types, k, ty) {
            const json_t *jt = json_object_get(ty, "associationTypeId");
            const hs_assoc_type *at = json_is_integer(jt) ? hs_assoc_type_find((int)json_integer_value(jt)) : NULL;
            if (at == NULL || at->from != c->obj || at->to != c->obj2) {
                char *msg = sp_xasprintf("associationTypeId %lld is not valid from %s to %s",
                                         json_is_integer(jt) ? (long long)json_integer_value(jt) : -1LL,
                                         hs_obj_name(c->obj), hs_obj_name(c->obj2));
                json_array_append_new(errors, hs_standard_error("VALIDATION_ERROR", msg,
                                                                ctx_one("fromObjectId", fid), NULL));
                free(msg);
                bad = 1;
                break;
            }
        }
        if (bad)
            continue;
        hs_out_puts(&o, nres++ > 0 ? ",{\"fromObjectTypeId\":" : "{\"fromObjectTypeId\":");
        hs_out_str(&o, hs_obj_type_id(c->obj));
        hs_out_puts(&o, ",\"fromObjectId\":");
        out_id(&o, from->ids, ids_as_numbers(c));
        hs_out_puts(&o, ",\"toObjectTypeId\":");
        hs_out_str(&o, hs_obj_type_id(c->obj2));
        hs_out_puts(&o, ",\"toObjectId\":");
        out_id(&o, to->ids, ids_as_numbers(c));
        hs_out_puts(&o, ",\"labels\":[");
        json_array_foreach(types, k, ty) {
            const hs_assoc_type *at = hs_assoc_type_find((int)json_integer_value(json_object_get(ty, "associationTypeId")));
            hs_assoc_add(s, from, to, at->type_id);
            if (at->label != NULL) {
                if (nlabels++ > 0)
                    hs_out_puts(&o, ",");
                hs_out_str(&o, at->label);
            }
        }
        hs_out_puts(&o, "]}");
    }
    pthread_rwlock_unlock(&s->lock);
    r->status = json_array_size(errors) > 0 ? 207 : 201;
    batch_text_end(&o, c->sim, errors, started);
    r->raw = hs_out_take(&o);
}

static json_t *default_result(const char *fid, const char *tid, int type_id)
{
    json_t *o = json_object(), *spec = json_object();
    json_object_set_new(o, "from", id_obj(fid));
    json_object_set_new(o, "to", id_obj(tid));
    json_object_set_new(spec, "associationCategory", json_string("HUBSPOT_DEFINED"));
    json_object_set_new(spec, "associationTypeId", json_integer(type_id));
    json_object_set_new(o, "associationSpec", spec);
    return o;
}

static void batch_default(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    int64_t started = hs_now_wall(c->sim);
    const hs_assoc_type *d = hs_assoc_default(c->obj, c->obj2);
    json_t *inputs, *in, *results, *errors;
    size_t i;
    char msg[256];
    if (inputs_ok(c, r, "BatchInputPublicDefaultAssociationMultiPost", "PublicDefaultAssociationMultiPost",
                  (const char *const[]){"from", "to", NULL}, &inputs) != 0)
        return;
    if (d == NULL) {
        snprintf(msg, sizeof(msg), "There is no default association from %s to %s", hs_obj_name(c->obj),
                 hs_obj_name(c->obj2));
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", msg);
        return;
    }
    results = json_array();
    errors = json_array();
    pthread_rwlock_wrlock(&s->lock);
    json_array_foreach(inputs, i, in) {
        const char *fid = input_id(in, "from"), *tid = input_id(in, "to");
        hs_rec *from = live(s, c->obj, fid), *to = live(s, c->obj2, tid);
        if (from == NULL) {
            json_array_append_new(errors, not_found_error(c->obj, fid, "fromObjectId"));
        } else if (to == NULL) {
            json_array_append_new(errors, not_found_error(c->obj2, tid, "toObjectId"));
        } else {
            hs_assoc_add(s, from, to, d->type_id);
            json_array_append_new(results, default_result(from->ids, to->ids, d->type_id));
        }
    }
    pthread_rwlock_unlock(&s->lock);
    hs_resp_json(r, json_array_size(errors) > 0 ? 207 : 200, hs_batch_json(c->sim, results, errors, started));
}

static void batch_read(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    int64_t started = hs_now_wall(c->sim);
    json_t *inputs, *in, *results, *errors;
    size_t i;
    if (inputs_ok(c, r, "BatchInputPublicFetchAssociationsBatchRequest", "PublicFetchAssociationsBatchRequest",
                  (const char *const[]){"id", NULL}, &inputs) != 0)
        return;
    results = json_array();
    errors = json_array();
    pthread_rwlock_rdlock(&s->lock);
    json_array_foreach(inputs, i, in) {
        const char *fid = json_string_value(json_object_get(in, "id"));
        hs_rec *from = live(s, c->obj, fid);
        json_t *to = from != NULL ? to_list(s, from, c->obj2, ids_as_numbers(c)) : NULL;
        if (to == NULL || json_array_size(to) == 0) {
            char *msg = sp_xasprintf("No %s is associated with %s %s.", hs_obj_singular(c->obj2),
                                     hs_obj_singular(c->obj), fid != NULL ? fid : "(missing id)");
            json_t *ctx = ctx_one("fromObjectId", fid != NULL ? fid : "");
            json_t *e = hs_standard_error("OBJECT_NOT_FOUND", msg, ctx, NULL);
            json_object_set_new(e, "subCategory", json_string("crm.associations.NO_ASSOCIATIONS_FOUND"));
            json_array_append_new(errors, e);
            free(msg);
            json_decref(to);
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "from", id_obj(from->ids));
            json_object_set_new(o, "to", to);
            json_array_append_new(results, o);
        }
    }
    pthread_rwlock_unlock(&s->lock);
    hs_resp_json(r, json_array_size(errors) > 0 ? 207 : 200, hs_batch_json(c->sim, results, errors, started));
}

static void batch_archive(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    json_t *inputs, *in;
    size_t i;
    if (inputs_ok(c, r, "BatchInputPublicAssociationMultiArchive", "PublicAssociationMultiArchive",
                  (const char *const[]){"from", "to", NULL}, &inputs) != 0)
        return;
    pthread_rwlock_wrlock(&s->lock);
    json_array_foreach(inputs, i, in) {
        hs_rec *from = live(s, c->obj, input_id(in, "from"));
        json_t *tos = json_object_get(in, "to"), *t;
        size_t k;
        if (from == NULL)
            continue;
        if (json_is_object(tos)) {   /* accept a single {id} as well */
            hs_rec *to = live(s, c->obj2, json_string_value(json_object_get(tos, "id")));
            if (to != NULL)
                hs_assoc_remove_pair(s, from, to);
            continue;
        }
        json_array_foreach(tos, k, t) {
            hs_rec *to = live(s, c->obj2, json_string_value(json_object_get(t, "id")));
            if (to != NULL)
                hs_assoc_remove_pair(s, from, to);
        }
    }
    pthread_rwlock_unlock(&s->lock);
    r->status = 204;
}

/* Segments from c->base: batch/create | batch/associate/default | batch/read | batch/archive. */
void hs_handle_assoc(hs_ctx *c, hs_resp *r)
{
    int rest = c->nseg - c->base;
    const char *a = rest >= 1 ? c->seg[c->base] : "";
    const char *b = rest >= 2 ? c->seg[c->base + 1] : "";
    if (strcmp(c->method, "POST") != 0 || strcmp(a, "batch") != 0) {
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
    } else if (rest == 2 && strcmp(b, "create") == 0) {
        batch_create(c, r);
    } else if (rest == 3 && strcmp(b, "associate") == 0 && strcmp(c->seg[c->base + 2], "default") == 0) {
        batch_default(c, r);
    } else if (rest == 2 && strcmp(b, "read") == 0) {
        batch_read(c, r);
    } else if (rest == 2 && strcmp(b, "archive") == 0) {
        batch_archive(c, r);
    } else {
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
    }
}

/* Segments from c->base: ID associations TO  (GET)  |  ID associations default TO TOID  (PUT). */
void hs_handle_assoc_object(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    int rest = c->nseg - c->base;
    const char *id = c->seg[c->base];
    int to;
    if (rest == 3 && strcmp(c->method, "GET") == 0 && (to = hs_obj_parse(c->seg[c->base + 2])) >= 0) {
        hs_rec *from;
        pthread_rwlock_rdlock(&s->lock);
        from = live(s, c->obj, id);
        if (from == NULL) {
            char *msg = sp_xasprintf("%s %s does not exist", hs_obj_singular(c->obj), id);
            hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", msg);
            free(msg);
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "results", to_list(s, from, (hs_obj)to, ids_as_numbers(c)));
            hs_resp_json(r, 200, o);
        }
        pthread_rwlock_unlock(&s->lock);
    } else if (rest == 5 && strcmp(c->method, "PUT") == 0 && strcmp(c->seg[c->base + 2], "default") == 0 &&
               (to = hs_obj_parse(c->seg[c->base + 3])) >= 0) {
        const hs_assoc_type *d = hs_assoc_default(c->obj, (hs_obj)to);
        int64_t started = hs_now_wall(c->sim);
        hs_rec *from, *target;
        pthread_rwlock_wrlock(&s->lock);
        from = live(s, c->obj, id);
        target = live(s, (hs_obj)to, c->seg[c->base + 4]);
        if (d == NULL) {
            hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "There is no default association between these objects");
        } else if (from == NULL || target == NULL) {
            hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "One of the records does not exist");
        } else {
            json_t *results = json_array();
            hs_assoc_add(s, from, target, d->type_id);
            json_array_append_new(results, default_result(from->ids, target->ids, d->type_id));
            json_array_append_new(results, default_result(target->ids, from->ids, d->inverse_id));
            hs_resp_json(r, 200, hs_batch_json(c->sim, results, NULL, started));
        }
        pthread_rwlock_unlock(&s->lock);
    } else {
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
    }
}
