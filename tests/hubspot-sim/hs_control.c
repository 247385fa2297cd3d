/* hs_control.c -- the /_sim/ endpoints tests use: stats, records, duplicates, seed, pipelines, config, faults, reset, clock. */
#include "hubsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/mem.h"

/* message = what + arg */
static void bad(hs_resp *r, hs_sim *sim, int status, const char *what, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "%s%s", what, arg);
    hs_resp_error(r, sim, status, "VALIDATION_ERROR", msg);
}

static void stats(hs_sim *sim, hs_resp *r)
{
    json_t *o = json_object(), *by = json_object();
    size_t i = 0;
    const char *k;
    void *v;
    pthread_mutex_lock(&sim->mu);
    json_object_set_new(o, "requests", json_integer((json_int_t)sim->stats.requests));
    while (hs_map_next(&sim->stats.by_endpoint, &i, &k, &v))
        json_object_set_new(by, k, json_integer((json_int_t) * (uint64_t *)v));
    json_object_set_new(o, "by_endpoint", by);
    json_object_set_new(o, "status_429", json_integer((json_int_t)sim->stats.status_429));
    json_object_set_new(o, "status_5xx", json_integer((json_int_t)sim->stats.status_5xx));
    json_object_set_new(o, "status_4xx", json_integer((json_int_t)sim->stats.status_4xx));
    json_object_set_new(o, "dropped", json_integer((json_int_t)sim->stats.dropped));
    json_object_set_new(o, "writes", json_integer((json_int_t)sim->stats.writes));
    json_object_set_new(o, "created", json_integer((json_int_t)sim->stats.created));
    json_object_set_new(o, "updated", json_integer((json_int_t)sim->stats.updated));
    json_object_set_new(o, "archived", json_integer((json_int_t)sim->stats.archived));
    json_object_set_new(o, "max_in_flight", json_integer(sim->stats.max_in_flight));
    json_object_set_new(o, "in_flight", json_integer(sim->stats.in_flight));
    json_object_set_new(o, "daily_used", json_integer(sim->daily_used));
    json_object_set_new(o, "faults_pending", json_integer((json_int_t)sim->nfaults));
    pthread_mutex_unlock(&sim->mu);
    hs_resp_json(r, 200, o);
}

static void records(hs_sim *sim, hs_obj obj, hs_resp *r)
{
    hs_store *s = &sim->store;
    hs_table *t = &s->t[obj];
    json_t *res = json_array(), *o = json_object();
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = 0; i < t->n; i++) {
        hs_rec *rec = t->recs[i];
        json_t *j = hs_rec_json(t, rec, NULL, 0), *assoc = json_array();
        json_object_set_new(j, "properties", json_deep_copy(rec->props));
        for (size_t k = 0; k < rec->nassoc; k++) {
            json_t *a = json_object();
            char ids[24];
            snprintf(ids, sizeof(ids), "%lld", (long long)rec->assoc[k].to_id);
            json_object_set_new(a, "to_object", json_string(hs_obj_name(rec->assoc[k].to)));
            json_object_set_new(a, "to_id", json_string(ids));
            json_object_set_new(a, "type_id", json_integer(rec->assoc[k].type_id));
            json_array_append_new(assoc, a);
        }
        json_object_set_new(j, "associations", assoc);
        json_array_append_new(res, j);
    }
    pthread_rwlock_unlock(&s->lock);
    json_object_set_new(o, "results", res);
    hs_resp_json(r, 200, o);
}

static void duplicates(hs_ctx *c, hs_obj obj, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    hs_table *t = &s->t[obj];
    const char *prop = hs_query(c, "property");
    hs_map seen;   /* lower-cased value -> json array of ids (the first value seen kept at [0]) */
    json_t *dups = json_array(), *o;
    size_t i = 0;
    const char *k;
    void *v;
    if (prop == NULL) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "name the property: ?property=NAME");
        json_decref(dups);
        return;
    }
    hs_map_init(&seen);
    pthread_rwlock_rdlock(&s->lock);
    for (size_t n = 0; n < t->n; n++) {
        hs_rec *rec = t->recs[n];
        const char *val = json_string_value(json_object_get(rec->props, prop));
        char *key;
        json_t *entry;
        if (rec->archived || val == NULL || val[0] == '\0')
            continue;
        key = hs_lower(val);
        entry = hs_map_get(&seen, key);
        if (entry == NULL) {
            entry = json_object();
            json_object_set_new(entry, "value", json_string(val));
            json_object_set_new(entry, "ids", json_array());
            hs_map_put(&seen, key, entry);
        }
        json_array_append_new(json_object_get(entry, "ids"), json_string(rec->ids));
        free(key);
    }
    pthread_rwlock_unlock(&s->lock);
    while (hs_map_next(&seen, &i, &k, &v)) {
        json_t *entry = v;
        if (json_array_size(json_object_get(entry, "ids")) > 1)
            json_array_append(dups, entry);
    }
    hs_map_free(&seen, (void (*)(void *))json_decref);
    o = json_object();
    json_object_set_new(o, "property", json_string(prop));
    json_object_set_new(o, "duplicates", dups);
    hs_resp_json(r, 200, o);
}

static int parse_when(const json_t *j, int64_t *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return 0;
    }
    if (json_is_string(j))
        return sp_time_parse(json_string_value(j), out);
    return -1;
}

/* {"records":[{"properties":{},"createdate":"ISO|ms","associations":[{"to_object","to_id","type_id"?}]}]} */
static void seed(hs_ctx *c, hs_obj obj, hs_resp *r)
{
    hs_sim *sim = c->sim;
    hs_store *s = &sim->store;
    hs_table *t = &s->t[obj];
    json_t *recs = json_object_get(c->body, "records"), *in;
    json_t **norms = NULL;
    int64_t *created = NULL, *updated = NULL;
    hs_map seen;
    size_t n, i;
    char msg[1024];
    int failed = 0;
    int64_t now = hs_now_wall(sim);

    if (!json_is_array(recs)) {
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", "seed body needs \"records\": [...]");
        return;
    }
    n = json_array_size(recs);
    norms = sp_xcalloc(n ? n : 1, sizeof(*norms));
    created = sp_xcalloc(n ? n : 1, sizeof(*created));
    updated = sp_xcalloc(n ? n : 1, sizeof(*updated));
    hs_map_init(&seen);
    pthread_rwlock_wrlock(&s->lock);
    json_array_foreach(recs, i, in) {
        json_t *props = json_object_get(in, "properties"), *det = json_array(), *leg = json_array();
        json_t *cd = json_object_get(in, "createdate");
        json_t *assoc = json_object_get(in, "associations"), *a;
        int64_t when;
        size_t k;
        norms[i] = json_object();
        created[i] = updated[i] = now;
        if (props != NULL && !json_is_object(props)) {
            snprintf(msg, sizeof(msg), "records[%zu].properties must be an object", i);
            failed = 1;
        } else if (hs_validate_props(t, props, 1, norms[i], det, leg) > 0 ||
                   hs_validate_deal_stage(t, norms[i], NULL, det, leg) > 0) {
            char *text = json_dumps(leg, JSON_COMPACT);
            snprintf(msg, sizeof(msg), "records[%zu]: Property values were not valid: %.900s", i, text);
            free(text);
            failed = 1;
        }
        json_decref(det);
        json_decref(leg);
        if (failed)
            break;
        /* createdate (field or property) and the modified dates set the record's times */
        if (cd == NULL)
            cd = json_object_get(norms[i], "createdate");
        if (cd != NULL) {
            if (parse_when(cd, &when) != 0) {
                snprintf(msg, sizeof(msg), "records[%zu].createdate is not ISO 8601 or epoch ms", i);
                failed = 1;
                break;
            }
            created[i] = updated[i] = when;
        }
        if (json_object_get(norms[i], "hs_lastmodifieddate") != NULL &&
            parse_when(json_object_get(norms[i], "hs_lastmodifieddate"), &when) == 0)
            updated[i] = when;
        json_object_del(norms[i], "createdate");
        json_object_del(norms[i], "hs_lastmodifieddate");
        json_object_del(norms[i], "lastmodifieddate");
        json_object_del(norms[i], "hs_object_id");
        for (k = 0; k < t->nprops && !failed; k++) {
            hs_prop *u = t->props[k];
            const char *v = json_string_value(json_object_get(norms[i], u->name));
            hs_rec *holder;
            char *key, *skey;
            if (!u->unique || v == NULL || v[0] == '\0')
                continue;
            holder = hs_rec_find_unique(t, u, v);
            key = hs_unique_key(u, v);
            skey = sp_xasprintf("%s\x1f%s", u->name, key);
            if (holder != NULL || hs_map_get(&seen, skey) != NULL) {
                snprintf(msg, sizeof(msg), "records[%zu]: %s \"%s\" is already used by %s (unique property)",
                         i, u->name, v, holder != NULL ? holder->ids : "an earlier seed record");
                failed = 1;
            }
            hs_map_put(&seen, skey, (void *)1);
            free(skey);
            free(key);
        }
        if (failed)
            break;
        json_array_foreach(assoc, k, a) {
            int to = hs_obj_parse(json_string_value(json_object_get(a, "to_object")) != NULL
                                      ? json_string_value(json_object_get(a, "to_object")) : "");
            const char *to_id = json_string_value(json_object_get(a, "to_id"));
            json_t *ty = json_object_get(a, "type_id");
            const hs_assoc_type *at = NULL;
            hs_rec *target = NULL;
            if (to >= 0)
                at = json_is_integer(ty) ? hs_assoc_type_find((int)json_integer_value(ty))
                                         : hs_assoc_default(obj, (hs_obj)to);
            if (at != NULL && to_id != NULL)
                target = hs_rec_find(&s->t[at->to], to_id);
            if (at == NULL || at->from != obj || (to >= 0 && at->to != (hs_obj)to) || target == NULL) {
                snprintf(msg, sizeof(msg), "records[%zu].associations[%zu]: unknown target object, type or id", i, k);
                failed = 1;
                break;
            }
        }
        if (failed)
            break;
    }
    if (failed) {
        pthread_rwlock_unlock(&s->lock);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
    } else {
        json_t *ids = json_array(), *o = json_object();
        json_array_foreach(recs, i, in) {
            hs_rec *rec = hs_rec_create(s, t, norms[i], created[i], updated[i], 0);
            json_t *assoc = json_object_get(in, "associations"), *a;
            size_t k;
            json_array_foreach(assoc, k, a) {
                int to = hs_obj_parse(json_string_value(json_object_get(a, "to_object")));
                json_t *ty = json_object_get(a, "type_id");
                const hs_assoc_type *at = json_is_integer(ty) ? hs_assoc_type_find((int)json_integer_value(ty))
                                                              : hs_assoc_default(obj, (hs_obj)to);
                hs_rec *target = hs_rec_find(&s->t[at->to], json_string_value(json_object_get(a, "to_id")));
                hs_assoc_add(s, rec, target, at->type_id);
            }
            json_array_append_new(ids, json_string(rec->ids));
        }
        pthread_rwlock_unlock(&s->lock);
        json_object_set_new(o, "ids", ids);
        hs_resp_json(r, 200, o);
    }
    for (i = 0; i < n; i++)
        json_decref(norms[i]);
    free(norms);
    free(created);
    free(updated);
    hs_map_free(&seen, NULL);
}

/* "next_id": N moves the id counter forward (ids past 2^53 test exact id handling). */
static int config_next_id(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    json_t *nid = json_object_get(c->body, "next_id");
    int ok;
    if (nid == NULL)
        return 0;
    pthread_rwlock_wrlock(&s->lock);
    ok = json_is_integer(nid) && json_integer_value(nid) >= s->next_id;
    if (ok)
        s->next_id = json_integer_value(nid);
    pthread_rwlock_unlock(&s->lock);
    if (!ok) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "next_id must be an integer not below the next id");
        return -1;
    }
    json_object_del(c->body, "next_id");
    return 0;
}

static void config(hs_ctx *c, hs_resp *r)
{
    hs_sim *sim = c->sim;
    char msg[256];
    int rc = 0;
    json_t *o;
    if (strcmp(c->method, "POST") == 0 && config_next_id(c, r) != 0)
        return;
    pthread_mutex_lock(&sim->mu);
    if (strcmp(c->method, "POST") == 0)
        rc = hs_config_apply(&sim->cfg, c->body, msg, sizeof(msg));
    o = hs_config_json(&sim->cfg);
    pthread_mutex_unlock(&sim->mu);
    if (rc != 0) {
        json_decref(o);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
    } else {
        hs_resp_json(r, 200, o);
    }
}

/* {"next":[{"status":500},{"status":429,"policy":"...","retry_after":"120"},{"drop":true},
 *          {"drop_after_processing":true},{"delay_ms":3000},{"malformed":true},{"omit_result":true},
 *          {"unnamed_errors":true},{"unnamed_holders":true}], "match":"substring",
 *  "body_match":"substring"} */
static void faults(hs_ctx *c, hs_resp *r)
{
    hs_sim *sim = c->sim;
    json_t *next = json_object_get(c->body, "next"), *f, *o;
    const char *match = json_string_value(json_object_get(c->body, "match"));
    const char *body_match = json_string_value(json_object_get(c->body, "body_match"));
    hs_fault *parsed;
    size_t n, i;
    if (strcmp(c->method, "GET") == 0) {
        o = json_object();
        pthread_mutex_lock(&sim->mu);
        json_object_set_new(o, "pending", json_integer((json_int_t)sim->nfaults));
        pthread_mutex_unlock(&sim->mu);
        hs_resp_json(r, 200, o);
        return;
    }
    if (!json_is_array(next)) {
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", "faults body needs \"next\": [...]");
        return;
    }
    n = json_array_size(next);
    parsed = sp_xcalloc(n ? n : 1, sizeof(*parsed));
    json_array_foreach(next, i, f) {
        const char *k;
        json_t *v;
        if (!json_is_object(f)) {
            bad(r, sim, 400, "each fault must be a JSON object", "");
            goto fail;
        }
        json_object_foreach(f, k, v) {
            if (strcmp(k, "status") == 0 && json_is_integer(v) && json_integer_value(v) >= 100 &&
                json_integer_value(v) <= 599) {
                parsed[i].status = (int)json_integer_value(v);
            } else if (strcmp(k, "policy") == 0 && json_is_string(v) &&
                       (strcmp(json_string_value(v), "TEN_SECONDLY_ROLLING") == 0 ||
                        strcmp(json_string_value(v), "SECONDLY") == 0 ||
                        strcmp(json_string_value(v), "DAILY") == 0)) {
                snprintf(parsed[i].policy, sizeof(parsed[i].policy), "%s", json_string_value(v));
            } else if (strcmp(k, "drop") == 0 && json_is_boolean(v)) {
                parsed[i].drop = json_is_true(v);
            } else if (strcmp(k, "drop_after_processing") == 0 && json_is_boolean(v)) {
                parsed[i].drop_after = json_is_true(v);
            } else if (strcmp(k, "malformed") == 0 && json_is_boolean(v)) {
                parsed[i].malformed = json_is_true(v);
            } else if (strcmp(k, "omit_result") == 0 && json_is_boolean(v)) {
                parsed[i].omit_result = json_is_true(v);
            } else if (strcmp(k, "unnamed_errors") == 0 && json_is_boolean(v)) {
                parsed[i].unnamed_errors = json_is_true(v);
            } else if (strcmp(k, "unnamed_holders") == 0 && json_is_boolean(v)) {
                parsed[i].unnamed_holders = json_is_true(v);
            } else if (strcmp(k, "retry_after") == 0 && json_is_string(v) &&
                       json_string_length(v) < sizeof(parsed[i].retry_after) &&
                       strpbrk(json_string_value(v), "\r\n") == NULL) {
                snprintf(parsed[i].retry_after, sizeof(parsed[i].retry_after), "%s", json_string_value(v));
            } else if (strcmp(k, "delay_ms") == 0 && json_is_integer(v) && json_integer_value(v) >= 0 &&
                       json_integer_value(v) <= 600000) {
                parsed[i].delay_ms = (int)json_integer_value(v);
            } else {
                bad(r, sim, 400, "unknown or invalid fault field ", k);
                goto fail;
            }
        }
    }
    pthread_mutex_lock(&sim->mu);
    for (i = 0; i < n; i++) {
        if (sim->nfaults == sim->cap_faults) {
            sim->cap_faults = sim->cap_faults ? sim->cap_faults * 2 : 16;
            sim->faults = sp_xrealloc(sim->faults, sim->cap_faults * sizeof(*sim->faults));
        }
        parsed[i].match = match != NULL ? sp_xstrdup(match) : NULL;
        parsed[i].body_match = body_match != NULL ? sp_xstrdup(body_match) : NULL;
        sim->faults[sim->nfaults++] = parsed[i];
    }
    o = json_object();
    json_object_set_new(o, "pending", json_integer((json_int_t)sim->nfaults));
    pthread_mutex_unlock(&sim->mu);
    hs_resp_json(r, 200, o);
fail:
    free(parsed);
}

void hs_handle_control(hs_ctx *c, hs_resp *r)
{
    hs_sim *sim = c->sim;
    const char *what = c->nseg >= 2 ? c->seg[1] : "";
    int get = strcmp(c->method, "GET") == 0, post = strcmp(c->method, "POST") == 0;
    int obj = c->nseg == 3 ? hs_obj_parse(c->seg[2]) : -1;

    if (strcmp(what, "stats") == 0 && get && c->nseg == 2) {
        stats(sim, r);
    } else if (strcmp(what, "records") == 0 && get && obj >= 0) {
        records(sim, (hs_obj)obj, r);
    } else if (strcmp(what, "duplicates") == 0 && get && obj >= 0) {
        duplicates(c, (hs_obj)obj, r);
    } else if (strcmp(what, "seed") == 0 && post && obj >= 0) {
        seed(c, (hs_obj)obj, r);
    } else if (strcmp(what, "pipelines") == 0 && post && obj >= 0) {
        c->obj = (hs_obj)obj;
        hs_control_pipelines(c, r);
    } else if (strcmp(what, "config") == 0 && (get || post) && c->nseg == 2) {
        config(c, r);
    } else if (strcmp(what, "faults") == 0 && (get || post) && c->nseg == 2) {
        faults(c, r);
    } else if (strcmp(what, "reset") == 0 && post && c->nseg == 2) {
        hs_sim_reset(sim);
        hs_resp_json(r, 200, json_pack("{s:b}", "reset", 1));
    } else if (strcmp(what, "clock") == 0 && post && c->nseg == 2) {
        json_t *adv = json_object_get(c->body, "advance_ms");
        if (!json_is_integer(adv) || json_integer_value(adv) < 0) {
            hs_resp_error(r, sim, 400, "VALIDATION_ERROR", "clock body needs \"advance_ms\": N (N >= 0)");
        } else {
            int64_t off = __atomic_add_fetch(&sim->clock_offset_ms, (int64_t)json_integer_value(adv), __ATOMIC_RELAXED);
            hs_resp_json(r, 200, json_pack("{s:I}", "offset_ms", (json_int_t)off));
        }
    } else if (obj < 0 && c->nseg == 3) {
        bad(r, sim, 404, "unknown object type ", c->seg[2]);
    } else {
        bad(r, sim, 404, "unknown control endpoint ", c->path);
    }
}
