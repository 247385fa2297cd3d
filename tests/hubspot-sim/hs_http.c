/* hs_http.c -- the libmicrohttpd handler: routing, auth, scopes, rate limits, faults, latency, stats. */
#include "hubsim.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mem.h"

#define BODY_MAX (64u * 1024u * 1024u)
#define MAX_SEGS 16

typedef struct hs_req {
    sp_buf body;            /* reserved once from Content-Length: no regrowth on the hot path */
    int too_large;
    int api;                /* counted in in_flight */
} hs_req;

typedef void (*handler_fn)(hs_ctx *c, hs_resp *r);

typedef enum route_kind { R_NONE, R_OBJECTS, R_ASSOC, R_ASSOC_OBJECT, R_PROPS, R_DETAILS, R_USAGE, R_PIPELINES } route_kind;

typedef struct route {
    route_kind kind;
    int search;
    int write;              /* needs a write scope */
    char tmpl[512];         /* "POST /crm/v3/objects/contacts/batch/upsert" */
} route;

/* ---- configuration ------------------------------------------------------------ */

void hs_config_defaults(hs_config *c)
{
    memset(c, 0, sizeof(*c));
    c->max_batch = 100;
    c->search_cap = 10000;
}

json_t *hs_config_json(const hs_config *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "rate_10s", json_integer(c->rate_10s));
    json_object_set_new(o, "search_per_sec", json_integer(c->search_per_sec));
    json_object_set_new(o, "daily", json_integer(c->daily));
    json_object_set_new(o, "latency_ms", json_integer(c->latency_ms));
    json_object_set_new(o, "jitter_ms", json_integer(c->jitter_ms));
    json_object_set_new(o, "search_lag_ms", json_integer(c->search_lag_ms));
    json_object_set_new(o, "fail_5xx_pct", json_real(c->fail_5xx_pct));
    json_object_set_new(o, "drop_pct", json_real(c->drop_pct));
    json_object_set_new(o, "slow_pct", json_real(c->slow_pct));
    json_object_set_new(o, "slow_ms", json_integer(c->slow_ms));
    json_object_set_new(o, "malformed_pct", json_real(c->malformed_pct));
    json_object_set_new(o, "max_batch", json_integer(c->max_batch));
    json_object_set_new(o, "search_cap", json_integer(c->search_cap));
    json_object_set_new(o, "lenient", json_boolean(c->lenient));
    return o;
}

int hs_config_apply(hs_config *c, const json_t *in, char *msg, size_t n)
{
    hs_config next = *c;
    const char *k;
    json_t *v;
    if (!json_is_object(in)) {
        snprintf(msg, n, "config body must be a JSON object");
        return -1;
    }
    json_object_foreach((json_t *)in, k, v) {
        double d;
        if (strcmp(k, "lenient") == 0 && json_is_boolean(v)) {
            next.lenient = json_is_true(v);
            continue;
        }
        if (!json_is_number(v)) {
            snprintf(msg, n, "config %s must be a number", k);
            return -1;
        }
        d = json_number_value(v);
        if (d < 0 || d > 1e12) {
            snprintf(msg, n, "config %s is out of range: %g", k, d);
            return -1;
        }
        if (strcmp(k, "rate_10s") == 0) next.rate_10s = (int)d;
        else if (strcmp(k, "search_per_sec") == 0) next.search_per_sec = (int)d;
        else if (strcmp(k, "daily") == 0) next.daily = (long)d;
        else if (strcmp(k, "latency_ms") == 0) next.latency_ms = (int)d;
        else if (strcmp(k, "jitter_ms") == 0) next.jitter_ms = (int)d;
        else if (strcmp(k, "search_lag_ms") == 0) next.search_lag_ms = (int)d;
        else if (strcmp(k, "fail_5xx_pct") == 0) next.fail_5xx_pct = d;
        else if (strcmp(k, "drop_pct") == 0) next.drop_pct = d;
        else if (strcmp(k, "slow_pct") == 0) next.slow_pct = d;
        else if (strcmp(k, "slow_ms") == 0) next.slow_ms = (int)d;
        else if (strcmp(k, "malformed_pct") == 0) next.malformed_pct = d;
        else if (strcmp(k, "max_batch") == 0 && d >= 1) next.max_batch = (int)d;
        else if (strcmp(k, "search_cap") == 0 && d >= 1) next.search_cap = (int)d;
        else {
            snprintf(msg, n, "unknown or invalid config key %s", k);
            return -1;
        }
    }
    if (next.fail_5xx_pct > 100 || next.drop_pct > 100 || next.slow_pct > 100 || next.malformed_pct > 100) {
        snprintf(msg, n, "percentages must be from 0 to 100");
        return -1;
    }
    *c = next;
    return 0;
}

/* ---- the published schemas' required attributes ------------------------------------ */

int hs_require(hs_ctx *c, hs_resp *r, const json_t *obj, const char *schema, const char *const *names)
{
    char missing[256] = "", msg[512];
    size_t used = 0;
    int lenient;

    pthread_mutex_lock(&c->sim->mu);
    lenient = c->sim->cfg.lenient;
    pthread_mutex_unlock(&c->sim->mu);
    if (lenient)
        return 0;
    for (const char *const *n = names; *n != NULL; n++) {
        const json_t *v = json_object_get(obj, *n);
        if (v != NULL && !json_is_null(v))
            continue;
        if (used < sizeof(missing))
            used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? ", " : "", *n);
    }
    if (used == 0)
        return 0;
    snprintf(msg, sizeof(msg), "Invalid input JSON: Cannot build %s, some of required attributes are not set [%s]",
             schema, missing);
    hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", msg);
    return -1;
}

int hs_require_each(hs_ctx *c, hs_resp *r, const json_t *arr, const char *schema, const char *const *names)
{
    size_t i;
    const json_t *v;

    json_array_foreach(arr, i, v) {
        if (hs_require(c, r, v, schema, names) != 0)
            return -1;
    }
    return 0;
}

/* ---- simulator state ------------------------------------------------------------- */

static void window_free(void *p)
{
    hs_window *w = p;
    free(w->ts);
    free(w);
}

void hs_sim_init(hs_sim *sim, uint64_t seed)
{
    memset(sim, 0, sizeof(*sim));
    hs_config_defaults(&sim->cfg);
    pthread_mutex_init(&sim->mu, NULL);
    pthread_mutex_init(&sim->rng_mu, NULL);
    pthread_mutex_init(&sim->stop_mu, NULL);
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&sim->stop_cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    hs_store_init(&sim->store);
    hs_map_init(&sim->stats.by_endpoint);
    hs_map_init(&sim->token_windows);
    sim->prng = seed != 0 ? seed : 0x9E3779B97F4A7C15ULL;
    sim->portal_id = 41234567;
}

static void faults_clear(hs_sim *sim)
{
    for (size_t i = 0; i < sim->nfaults; i++) {
        free(sim->faults[i].match);
        free(sim->faults[i].body_match);
    }
    sim->nfaults = 0;
}

void hs_sim_free(hs_sim *sim)
{
    faults_clear(sim);
    free(sim->faults);
    hs_map_free(&sim->stats.by_endpoint, free);
    hs_map_free(&sim->token_windows, window_free);
    free(sim->search_window.ts);
    hs_store_free(&sim->store);
    pthread_mutex_destroy(&sim->mu);
    pthread_mutex_destroy(&sim->rng_mu);
    pthread_mutex_destroy(&sim->stop_mu);
    pthread_cond_destroy(&sim->stop_cv);
    free(sim->token);
    for (int i = 0; i < sim->nscopes; i++)
        free(sim->scopes[i]);
    free(sim->scopes);
}

void hs_sim_reset(hs_sim *sim)
{
    pthread_rwlock_wrlock(&sim->store.lock);
    hs_store_clear(&sim->store);
    pthread_rwlock_unlock(&sim->store.lock);
    pthread_mutex_lock(&sim->mu);
    faults_clear(sim);
    hs_map_free(&sim->stats.by_endpoint, free);
    hs_map_free(&sim->token_windows, window_free);
    free(sim->search_window.ts);
    memset(&sim->search_window, 0, sizeof(sim->search_window));
    {
        int in_flight = sim->stats.in_flight;
        memset(&sim->stats, 0, sizeof(sim->stats));
        sim->stats.in_flight = in_flight;
        sim->stats.max_in_flight = in_flight;
    }
    hs_map_init(&sim->stats.by_endpoint);
    sim->daily_used = 0;
    __atomic_store_n(&sim->clock_offset_ms, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&sim->mu);
}

void hs_sim_sleep(hs_sim *sim, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&sim->stop_mu);
    while (!sim->stopping && pthread_cond_timedwait(&sim->stop_cv, &sim->stop_mu, &until) == 0)
        ;
    pthread_mutex_unlock(&sim->stop_mu);
}

void hs_sim_stopping(hs_sim *sim)
{
    pthread_mutex_lock(&sim->stop_mu);
    sim->stopping = 1;
    pthread_cond_broadcast(&sim->stop_cv);
    pthread_mutex_unlock(&sim->stop_mu);
}

void hs_stats_count_write(hs_sim *sim, int created, int updated, int archived)
{
    pthread_mutex_lock(&sim->mu);
    sim->stats.created += (uint64_t)created;
    sim->stats.updated += (uint64_t)updated;
    sim->stats.archived += (uint64_t)archived;
    sim->stats.writes += (uint64_t)(created + updated + archived);
    pthread_mutex_unlock(&sim->mu);
}

/* ---- rolling windows ----------------------------------------------------------------- */

/* Take one slot if fewer than max requests fell in the last span ms. Caller holds mu. */
static int window_take(hs_window *w, int64_t now, int64_t span, int max, int *remaining)
{
    while (w->count > 0 && w->ts[w->head] <= now - span) {
        w->head = (w->head + 1) % w->cap;
        w->count--;
    }
    if (max <= 0) {
        *remaining = -1;
        return 1;
    }
    if (w->count >= (size_t)max) {
        *remaining = 0;
        return 0;
    }
    if (w->count == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        int64_t *ts = sp_xmalloc(cap * sizeof(*ts));
        for (size_t i = 0; i < w->count; i++)
            ts[i] = w->ts[(w->head + i) % w->cap];
        free(w->ts);
        w->ts = ts;
        w->cap = cap;
        w->head = 0;
    }
    w->ts[(w->head + w->count) % w->cap] = now;
    w->count++;
    *remaining = max - (int)w->count;
    return 1;
}

static int window_remaining(hs_window *w, int64_t now, int64_t span, int max)
{
    while (w->count > 0 && w->ts[w->head] <= now - span) {
        w->head = (w->head + 1) % w->cap;
        w->count--;
    }
    return max - (int)w->count > 0 ? max - (int)w->count : 0;
}

/* ---- query strings ----------------------------------------------------------------------- */

const char *hs_query(const hs_ctx *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct qlist {
    const char *name;
    json_t *out;
} qlist;

static enum MHD_Result qlist_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    qlist *q = cls;
    (void)kind;
    if (strcmp(key, q->name) == 0) {
        const char *s = value != NULL ? value : "";
        if (q->out == NULL)
            q->out = json_array();
        while (*s) {
            const char *e = strchr(s, ',');
            size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
            if (n > 0)
                json_array_append_new(q->out, json_stringn(s, n));
            s += n;
            if (*s == ',')
                s++;
        }
    }
    return MHD_YES;
}

json_t *hs_query_list(const hs_ctx *c, const char *name)
{
    qlist q = {name, NULL};
    MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, qlist_it, &q);
    return q.out;
}

/* ---- routing ---------------------------------------------------------------------------------- */

static int is_version(const char *s)
{
    /* date versions: 2026-03, 2026-09-beta ... */
    return strlen(s) >= 7 && s[0] >= '0' && s[0] <= '9' && s[4] == '-';
}

static void tmpl_build(route *rt, const char *method, char **seg, int nseg, int id_at, int id2_at,
                       const char *id_name, const char *id2_name)
{
    size_t n = 0;
    n += (size_t)snprintf(rt->tmpl + n, sizeof(rt->tmpl) - n, "%s ", method);
    for (int i = 0; i < nseg && n < sizeof(rt->tmpl); i++) {
        const char *s = i == id_at ? id_name : i == id2_at ? id2_name : seg[i];
        n += (size_t)snprintf(rt->tmpl + n, sizeof(rt->tmpl) - n, "/%s", s);
    }
}

static void route_find(hs_ctx *c, route *rt)
{
    char **seg = c->seg;
    int n = c->nseg;
    const char *m = c->method;
    int o = -1, o2 = -1;
    memset(rt, 0, sizeof(*rt));
    snprintf(rt->tmpl, sizeof(rt->tmpl), "%s (unknown path)", m);
    if (n >= 1 && strcmp(seg[0], "crm") == 0 && n >= 4) {
        int objects = (strcmp(seg[1], "v3") == 0 && strcmp(seg[2], "objects") == 0) ||
                      (strcmp(seg[1], "objects") == 0 && is_version(seg[2]));
        int v4objects = strcmp(seg[1], "v4") == 0 && strcmp(seg[2], "objects") == 0;
        int assoc = (strcmp(seg[1], "v4") == 0 && strcmp(seg[2], "associations") == 0) ||
                    (strcmp(seg[1], "associations") == 0 && (is_version(seg[2]) || strcmp(seg[2], "v4") == 0));
        int props = (strcmp(seg[1], "v3") == 0 && strcmp(seg[2], "properties") == 0) ||
                    (strcmp(seg[1], "properties") == 0 && is_version(seg[2]));
        int pipes = (strcmp(seg[1], "v3") == 0 && strcmp(seg[2], "pipelines") == 0) ||
                    (strcmp(seg[1], "pipelines") == 0 && is_version(seg[2]));
        o = hs_obj_parse(seg[3]);
        if (o < 0)
            return;
        c->obj = (hs_obj)o;
        c->base = 4;
        if ((objects || v4objects) && n >= 6 && strcmp(seg[5], "associations") == 0) {
            rt->kind = R_ASSOC_OBJECT;
            rt->write = strcmp(m, "GET") != 0;
            tmpl_build(rt, m, seg, n, 4, n == 9 ? 8 : -1, "{objectId}", "{toObjectId}");
        } else if (objects) {
            int rest = n - 4;
            rt->kind = R_OBJECTS;
            rt->search = rest == 1 && strcmp(seg[4], "search") == 0;
            rt->write = !(strcmp(m, "GET") == 0 || rt->search ||
                          (rest == 2 && strcmp(seg[4], "batch") == 0 && strcmp(seg[5], "read") == 0));
            if (rest == 1 && !rt->search && strcmp(seg[4], "batch") != 0)
                tmpl_build(rt, m, seg, n, 4, -1, "{objectId}", NULL);
            else
                tmpl_build(rt, m, seg, n, -1, -1, NULL, NULL);
        } else if (assoc && n >= 5 && (o2 = hs_obj_parse(seg[4])) >= 0) {
            c->obj2 = (hs_obj)o2;
            c->base = 5;
            rt->kind = R_ASSOC;
            rt->write = !(n == 7 && strcmp(seg[6], "read") == 0);
            tmpl_build(rt, m, seg, n, -1, -1, NULL, NULL);
        } else if (pipes) {
            rt->kind = R_PIPELINES;
            rt->write = strcmp(m, "GET") != 0;
            tmpl_build(rt, m, seg, n, n == 5 ? 4 : -1, -1, "{pipelineId}", NULL);
        } else if (props) {
            rt->kind = R_PROPS;
            rt->write = strcmp(m, "GET") != 0;
            if (n == 5 && strcmp(seg[4], "groups") != 0)
                tmpl_build(rt, m, seg, n, 4, -1, "{propertyName}", NULL);
            else
                tmpl_build(rt, m, seg, n, -1, -1, NULL, NULL);
        }
    } else if (n >= 3 && strcmp(seg[0], "account-info") == 0 &&
               (strcmp(seg[1], "v3") == 0 || is_version(seg[1]))) {
        if (n == 3 && strcmp(seg[2], "details") == 0)
            rt->kind = R_DETAILS;
        else if (n == 5 && strcmp(seg[2], "api-usage") == 0 && strcmp(seg[3], "daily") == 0 &&
                 strcmp(seg[4], "private-apps") == 0)
            rt->kind = R_USAGE;
        if (rt->kind != R_NONE)
            tmpl_build(rt, m, seg, n, -1, -1, NULL, NULL);
    }
}

/* The scopes a route needs: at most two alternatives for each of two objects. */
static int scope_granted(hs_sim *sim, const char *scope)
{
    for (int i = 0; i < sim->nscopes; i++)
        if (strcmp(sim->scopes[i], scope) == 0)
            return 1;
    return 0;
}

static int scopes_check(hs_sim *sim, const hs_ctx *c, const route *rt, json_t **missing)
{
    hs_obj objs[2];
    int nobj = 0;
    const char *kind;
    *missing = NULL;
    if (sim->scopes == NULL || rt->kind == R_DETAILS || rt->kind == R_USAGE)
        return 1;
    objs[nobj++] = c->obj;
    if (rt->kind == R_ASSOC)
        objs[nobj++] = c->obj2;
    kind = rt->kind == R_PROPS ? "schemas" : "objects";
    for (int i = 0; i < nobj; i++) {
        char scope[128];
        snprintf(scope, sizeof(scope), "crm.%s.%s.%s", kind, hs_obj_name(objs[i]), rt->write ? "write" : "read");
        if (scope_granted(sim, scope))
            continue;
        if ((objs[i] == HS_PRODUCTS || objs[i] == HS_LINE_ITEMS) && rt->kind != R_PROPS &&
            scope_granted(sim, "e-commerce"))
            continue;
        if (*missing == NULL)
            *missing = json_array();
        json_array_append_new(*missing, json_string(scope));
    }
    return *missing == NULL;
}

/* ---- canned responses ----------------------------------------------------------------------- */

static void resp_429(hs_sim *sim, hs_resp *r, const char *policy)
{
    char uuid[37];
    json_t *o = json_object();
    const char *msg = strcmp(policy, "DAILY") == 0      ? "You have reached your daily limit."
                      : strcmp(policy, "SECONDLY") == 0 ? "You have reached your secondly limit."
                                                        : "You have reached your ten_secondly_rolling limit.";
    hs_uuid(sim, uuid);
    json_object_set_new(o, "status", json_string("error"));
    json_object_set_new(o, "message", json_string(msg));
    json_object_set_new(o, "errorType", json_string("RATE_LIMIT"));
    json_object_set_new(o, "correlationId", json_string(uuid));
    json_object_set_new(o, "policyName", json_string(policy));
    hs_resp_json(r, 429, o);
}

static void resp_status(hs_sim *sim, hs_resp *r, int status)
{
    char html[256];
    if (status == 502 || status == 504) {
        const char *what = status == 502 ? "Bad Gateway" : "Gateway Time-out";
        snprintf(html, sizeof(html),
                 "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
                 status, what, status, what);
        r->status = status;
        r->raw = sp_xstrdup(html);
        r->ctype = "text/html";
        return;
    }
    if (status == 429) {
        resp_429(sim, r, "TEN_SECONDLY_ROLLING");
    } else if (status >= 500) {
        hs_resp_error(r, sim, status, status == 503 ? "SERVICE_UNAVAILABLE" : "INTERNAL_ERROR",
                      status == 503 ? "The service is temporarily unavailable. Please try again later."
                                    : "An internal error occurred. Please try again later.");
    } else {
        char msg[64];
        snprintf(msg, sizeof(msg), "Injected error status %d", status);
        hs_resp_error(r, sim, status, status == 401 ? "INVALID_AUTHENTICATION" : "VALIDATION_ERROR", msg);
    }
}

static void handle_details(hs_ctx *c, hs_resp *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "portalId", json_integer(c->sim->portal_id));
    json_object_set_new(o, "accountType", json_string("STANDARD"));
    json_object_set_new(o, "timeZone", json_string("US/Eastern"));
    json_object_set_new(o, "companyCurrency", json_string("USD"));
    json_object_set_new(o, "additionalCurrencies", json_array());
    json_object_set_new(o, "utcOffset", json_string("-05:00"));
    json_object_set_new(o, "utcOffsetMilliseconds", json_integer(-18000000));
    json_object_set_new(o, "uiDomain", json_string("app.hubspot.com"));
    json_object_set_new(o, "dataHostingLocation", json_string("na1"));
    hs_resp_json(r, 200, o);
}

static void handle_usage(hs_ctx *c, hs_resp *r)
{
    hs_sim *sim = c->sim;
    json_t *o = json_object(), *res = json_array(), *u = json_object();
    char now[32], reset[32];
    int64_t wall = hs_now_wall(sim);
    long limit, used;
    pthread_mutex_lock(&sim->mu);
    limit = sim->cfg.daily;
    used = sim->daily_used;
    pthread_mutex_unlock(&sim->mu);
    json_object_set_new(u, "name", json_string("private-apps-api-calls-daily"));
    json_object_set_new(u, "usageLimit", json_integer(limit > 0 ? limit : 1000000));
    json_object_set_new(u, "currentUsage", json_integer(used));
    json_object_set_new(u, "collectedAt", json_string(hs_iso(wall, now)));
    json_object_set_new(u, "fetchStatus", json_string("SUCCESS"));
    json_object_set_new(u, "resetsAt", json_string(hs_iso((wall / 86400000 + 1) * 86400000, reset)));
    json_array_append_new(res, u);
    json_object_set_new(o, "results", res);
    hs_resp_json(r, 200, o);
}

/* ---- the request ------------------------------------------------------------------------------- */

typedef struct decision {
    int status;             /* answer with this instead of handling */
    char policy[32];        /* for 429 */
    int drop, drop_after, malformed;
    int omit_result, unnamed_errors, unnamed_holders;
    char retry_after[48];   /* Retry-After header text, "" = none */
    int64_t sleep_ms;
    int rl_max, rl_remaining; /* -1 = no header */
    long daily_max, daily_remaining;
    char correlation_id[37]; /* X-HubSpot-Correlation-Id of a reply without one in its body */
} decision;

static int fault_matches(const hs_fault *f, const char *path, const char *body, size_t len)
{
    return (f->match == NULL || strstr(path, f->match) != NULL) &&
           (f->body_match == NULL || (body != NULL && memmem(body, len, f->body_match, strlen(f->body_match)) != NULL));
}

/* Decide under mu: auth was checked; consume limits, pick faults. */
static void decide(hs_sim *sim, const char *token, const char *path, const char *body, size_t len, int search,
                   decision *d)
{
    hs_fault f;
    int have_fault = 0;
    int64_t now = hs_now_mono(sim);
    memset(d, 0, sizeof(*d));
    d->rl_max = -1;
    d->daily_max = -1;
    for (size_t i = 0; i < sim->nfaults; i++) {
        if (fault_matches(&sim->faults[i], path, body, len)) {
            f = sim->faults[i];
            memmove(&sim->faults[i], &sim->faults[i + 1], (sim->nfaults - i - 1) * sizeof(*sim->faults));
            sim->nfaults--;
            have_fault = 1;
            break;
        }
    }
    if (have_fault) {
        d->sleep_ms += f.delay_ms;
        d->drop = f.drop;
        d->drop_after = f.drop_after;
        d->malformed = f.malformed;
        d->omit_result = f.omit_result;
        d->unnamed_errors = f.unnamed_errors;
        d->unnamed_holders = f.unnamed_holders;
        snprintf(d->retry_after, sizeof(d->retry_after), "%s", f.retry_after);
        if (f.status == 429) {
            d->status = 429;
            snprintf(d->policy, sizeof(d->policy), "%s", f.policy[0] ? f.policy : "TEN_SECONDLY_ROLLING");
        } else if (f.status != 0) {
            d->status = f.status;
        }
        free(f.match);
        free(f.body_match);
    }
    if (d->status == 0 && !d->drop) {
        hs_window *w = NULL;
        int remaining = -1, ok = 1;
        if (sim->cfg.daily > 0 && sim->daily_used >= sim->cfg.daily) {
            d->status = 429;
            snprintf(d->policy, sizeof(d->policy), "DAILY");
            ok = 0;
        } else if (search) {
            ok = window_take(&sim->search_window, now, 1000, sim->cfg.search_per_sec, &remaining);
            if (!ok) {
                d->status = 429;
                snprintf(d->policy, sizeof(d->policy), "SECONDLY");
            }
        } else {
            w = hs_map_get(&sim->token_windows, token);
            if (w == NULL) {
                w = sp_xcalloc(1, sizeof(*w));
                hs_map_put(&sim->token_windows, token, w);
            }
            ok = window_take(w, now, 10000, sim->cfg.rate_10s, &remaining);
            if (!ok) {
                d->status = 429;
                snprintf(d->policy, sizeof(d->policy), "TEN_SECONDLY_ROLLING");
            }
        }
        if (ok)
            sim->daily_used++;
        if (!search && sim->cfg.rate_10s > 0) {
            d->rl_max = sim->cfg.rate_10s;
            d->rl_remaining = ok ? remaining : 0;
        }
    }
    if (!search && sim->cfg.rate_10s > 0 && d->rl_max < 0) {
        hs_window *w = hs_map_get(&sim->token_windows, token);
        d->rl_max = sim->cfg.rate_10s;
        d->rl_remaining = w != NULL ? window_remaining(w, now, 10000, sim->cfg.rate_10s) : sim->cfg.rate_10s;
    }
    if (!search && sim->cfg.daily > 0) {
        d->daily_max = sim->cfg.daily;
        d->daily_remaining = sim->cfg.daily - sim->daily_used > 0 ? sim->cfg.daily - sim->daily_used : 0;
    }
    if (!have_fault) {   /* random faults */
        if (sim->cfg.drop_pct > 0 && hs_rand_pct(sim) < sim->cfg.drop_pct) {
            d->drop = 1;
        } else if (d->status == 0 && sim->cfg.fail_5xx_pct > 0 && hs_rand_pct(sim) < sim->cfg.fail_5xx_pct) {
            static const int codes[] = {500, 502, 503, 504};
            d->status = codes[hs_rand(sim) % 4];
        } else if (sim->cfg.malformed_pct > 0 && hs_rand_pct(sim) < sim->cfg.malformed_pct) {
            d->malformed = 1;
        }
        if (sim->cfg.slow_pct > 0 && hs_rand_pct(sim) < sim->cfg.slow_pct)
            d->sleep_ms += sim->cfg.slow_ms;
    }
    d->sleep_ms += sim->cfg.latency_ms;
    if (sim->cfg.jitter_ms > 0)
        d->sleep_ms += (int64_t)(hs_rand(sim) % (uint64_t)(sim->cfg.jitter_ms + 1));
}

static void add_header_num(struct MHD_Response *resp, const char *name, long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld", v);
    MHD_add_response_header(resp, name, buf);
}

typedef struct dumpbuf {
    char *data;
    size_t len, cap;
} dumpbuf;

static int dump_cb(const char *buffer, size_t size, void *data)
{
    dumpbuf *d = data;
    if (d->len + size + 1 > d->cap) {
        while (d->len + size + 1 > d->cap)
            d->cap *= 2;
        d->data = sp_xrealloc(d->data, d->cap);
    }
    memcpy(d->data + d->len, buffer, size);
    d->len += size;
    d->data[d->len] = '\0';
    return 0;
}

/* json_dumps grows its buffer from 16 bytes; replies here are often tens of KB. */
static char *dump(const json_t *j)
{
    dumpbuf d = {NULL, 0, 64 * 1024};
    d.data = sp_xmalloc(d.cap);
    d.data[0] = '\0';
    json_dump_callback(j, dump_cb, &d, JSON_COMPACT);
    return d.data;
}

/* What names an input in a batch error (objectWriteTraceId, ids, ...): dropped by the
 * unnamed_errors fault. */
static void strip_error_names(json_t *errors)
{
    static const char *const names[] = {"objectWriteTraceId", "ids", "id", "fromObjectId", "toObjectId"};
    size_t i;
    json_t *err;

    json_array_foreach(errors, i, err) {
        json_t *ctx = json_object_get(err, "context");
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            json_object_del(ctx, names[k]);
            json_object_del(err, names[k]);
        }
    }
}

/* What names the record holding a unique value in a 409 (context.existingId, "Existing ID: N"
 * in the message): dropped by the unnamed_holders fault, a conflict whose holder is not said. */
static void strip_holder(json_t *err)
{
    const char *msg = json_string_value(json_object_get(err, "message"));
    const char *at = msg != NULL ? strstr(msg, " Existing ID:") : NULL;

    json_object_del(json_object_get(err, "context"), "existingId");
    if (at != NULL)
        json_object_set_new(err, "message", json_stringn(msg, (size_t)(at - msg)));
}

static void strip_error_holders(json_t *reply)
{
    json_t *errors = json_object_get(reply, "errors"), *err;
    size_t i;

    if (errors == NULL) {
        strip_holder(reply);   /* a whole-request error */
        return;
    }
    json_array_foreach(errors, i, err)
        strip_holder(err);
}

/* Reply faults applied after the call was processed: a batch reply whose last result is left
 * out (omit_result), whose errors name no input (unnamed_errors), or whose conflicts name no
 * holder (unnamed_holders). Other replies pass. */
static void rewrite_batch_reply(hs_resp *r, const decision *d)
{
    json_t *j = r->json;
    json_t *results;

    if (!d->omit_result && !d->unnamed_errors && !d->unnamed_holders)
        return;
    if (j == NULL && r->raw != NULL) {
        j = json_loads(r->raw, 0, NULL);
        if (j == NULL)
            return;
        free(r->raw);
        r->raw = NULL;
        r->json = j;
    }
    results = json_object_get(j, "results");
    if (d->omit_result && json_array_size(results) > 0)
        json_array_remove(results, json_array_size(results) - 1);
    if (d->unnamed_errors)
        strip_error_names(json_object_get(j, "errors"));
    if (d->unnamed_holders)
        strip_error_holders(j);
}

static enum MHD_Result reply(struct MHD_Connection *conn, hs_resp *r, const decision *d)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char *body = NULL;
    size_t len = 0;
    if (d != NULL)
        rewrite_batch_reply(r, d);
    if (r->raw != NULL) {
        body = r->raw;
        r->raw = NULL;
    } else if (r->json != NULL) {
        body = dump(r->json);
    }
    if (body != NULL)
        len = strlen(body);
    if (d != NULL && d->malformed) {
        /* cut the body in the middle: a truncated, unparseable JSON document */
        if (len < 2) {
            free(body);
            body = sp_xstrdup("{\"status\":");
            len = strlen(body);
        } else {
            len = len / 2;
            body[len] = '\0';
        }
    }
    resp = MHD_create_response_from_buffer(len, body != NULL ? body : (void *)"",
                                           body != NULL ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (r->status != 204)
        MHD_add_response_header(resp, "Content-Type",
                                r->ctype != NULL ? r->ctype : "application/json;charset=utf-8");
    if (d != NULL && d->retry_after[0] != '\0')
        MHD_add_response_header(resp, "Retry-After", d->retry_after);
    if (d != NULL && !r->search) {
        if (d->rl_max >= 0) {
            add_header_num(resp, "X-HubSpot-RateLimit-Max", d->rl_max);
            add_header_num(resp, "X-HubSpot-RateLimit-Remaining", d->rl_remaining);
            add_header_num(resp, "X-HubSpot-RateLimit-Interval-Milliseconds", 10000);
        }
        if (d->daily_max >= 0) {
            add_header_num(resp, "X-HubSpot-RateLimit-Daily", d->daily_max);
            add_header_num(resp, "X-HubSpot-RateLimit-Daily-Remaining", d->daily_remaining);
        }
    }
    /* HubSpot names every reply with a correlation id; an error body carries
     * the same one, a 207's per-record errors carry none of their own. */
    if (r->json != NULL && json_is_string(json_object_get(r->json, "correlationId")))
        MHD_add_response_header(resp, "X-HubSpot-Correlation-Id",
                                json_string_value(json_object_get(r->json, "correlationId")));
    else if (d != NULL && d->correlation_id[0] != '\0')
        MHD_add_response_header(resp, "X-HubSpot-Correlation-Id", d->correlation_id);
    ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void count_endpoint(hs_sim *sim, const char *tmpl)
{
    uint64_t *n = hs_map_get(&sim->stats.by_endpoint, tmpl);
    if (n == NULL) {
        n = sp_xcalloc(1, sizeof(*n));
        hs_map_put(&sim->stats.by_endpoint, tmpl, n);
    }
    (*n)++;
}

static void count_status(hs_sim *sim, int status)
{
    pthread_mutex_lock(&sim->mu);
    if (status == 429)
        sim->stats.status_429++;
    else if (status >= 500)
        sim->stats.status_5xx++;
    else if (status >= 400)
        sim->stats.status_4xx++;
    pthread_mutex_unlock(&sim->mu);
}

static int split_path(char *path, char **seg)
{
    int n = 0;
    char *p = path;
    while (*p) {
        while (*p == '/')
            *p++ = '\0';
        if (!*p)
            break;
        if (n == MAX_SEGS)
            return -1;
        seg[n++] = p;
        while (*p && *p != '/')
            p++;
    }
    return n;
}

static enum MHD_Result dispatch(hs_sim *sim, struct MHD_Connection *conn, const char *url,
                                const char *method, hs_req *rq)
{
    hs_ctx c;
    hs_resp r;
    route rt;
    decision d;
    char *path = sp_xstrdup(url);
    char *seg[MAX_SEGS];
    const char *auth;
    const char *token = NULL;
    int control = strncmp(url, "/_sim/", 6) == 0 || strcmp(url, "/_sim") == 0;
    enum MHD_Result ret;
    int64_t t0 = sp_clock_now_ms();

    memset(&c, 0, sizeof(c));
    memset(&r, 0, sizeof(r));
    c.sim = sim;
    c.conn = conn;
    c.method = method;
    c.path = url;
    c.seg = seg;
    c.nseg = split_path(path, seg);
    c.raw_body = rq->body.data;
    c.raw_len = rq->body.len;

    if (rq->too_large) {
        hs_resp_error(&r, sim, 413, "VALIDATION_ERROR", "Request body is too large");
        ret = reply(conn, &r, NULL);
        goto done;
    }
    if (c.nseg < 0) {
        hs_resp_error(&r, sim, 414, "VALIDATION_ERROR", "Request path has too many segments");
        ret = reply(conn, &r, NULL);
        goto done;
    }
    if (rq->body.len > 0 && (strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
                             strcmp(method, "PUT") == 0)) {
        json_error_t je;
        c.body = hs_json_parse(rq->body.data, rq->body.len, &je);
        if (c.body == NULL || !json_is_object(c.body)) {
            char msg[512];
            snprintf(msg, sizeof(msg), "Invalid input JSON on line %d, column %d: %s", je.line, je.column,
                     c.body == NULL ? je.text : "the body must be a JSON object");
            json_decref(c.body);
            c.body = NULL;
            if (control) {
                hs_resp_error(&r, sim, 400, "VALIDATION_ERROR", msg);
                ret = reply(conn, &r, NULL);
                goto done;
            }
            r.raw = sp_xstrdup(msg);   /* reported after auth and limits, below */
        }
    }
    if (control) {
        if (c.body == NULL)
            c.body = json_object();
        hs_handle_control(&c, &r);
        ret = reply(conn, &r, NULL);
        goto done;
    }

    route_find(&c, &rt);
    pthread_mutex_lock(&sim->mu);
    sim->stats.requests++;
    count_endpoint(sim, rt.tmpl);
    pthread_mutex_unlock(&sim->mu);

    auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0 && auth[7] != '\0')
        token = auth + 7;
    if (token == NULL || (sim->token != NULL && strcmp(token, sim->token) != 0)) {
        free(r.raw);
        r.raw = NULL;
        hs_resp_error(&r, sim, 401, "INVALID_AUTHENTICATION",
                      token == NULL
                          ? "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
                          : "The access token provided is not valid for this account. Check that it is current and was copied in full.");
        count_status(sim, 401);
        ret = reply(conn, &r, NULL);
        goto done;
    }
    if (rt.kind == R_NONE) {
        free(r.raw);
        r.raw = NULL;
        hs_resp_error(&r, sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
        count_status(sim, 404);
        ret = reply(conn, &r, NULL);
        goto done;
    }
    {
        json_t *missing;
        if (!scopes_check(sim, &c, &rt, &missing)) {
            json_t *ctx = json_object(), *errs = json_array(), *e = json_object(), *ectx = json_object();
            json_object_set(ctx, "requiredGranularScopes", missing);
            json_object_set_new(ectx, "requiredGranularScopes", missing);
            json_object_set_new(e, "message", json_string("One or more of the following scopes are required."));
            json_object_set_new(e, "context", ectx);
            json_array_append_new(errs, e);
            free(r.raw);
            r.raw = NULL;
            hs_resp_json(&r, 403, hs_error_json(sim, "MISSING_SCOPES",
                                                "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
                                                errs, ctx));
            count_status(sim, 403);
            ret = reply(conn, &r, NULL);
            goto done;
        }
    }

    pthread_mutex_lock(&sim->mu);
    decide(sim, token, url, c.raw_body, c.raw_len, rt.search, &d);
    pthread_mutex_unlock(&sim->mu);
    if (d.sleep_ms > 0)
        hs_sim_sleep(sim, d.sleep_ms);
    if (d.drop) {
        pthread_mutex_lock(&sim->mu);
        sim->stats.dropped++;
        pthread_mutex_unlock(&sim->mu);
        free(r.raw);
        r.raw = NULL;
        ret = MHD_NO;
        goto done;
    }
    if (d.status == 429) {
        free(r.raw);
        r.raw = NULL;
        resp_429(sim, &r, d.policy);
    } else if (d.status != 0) {
        free(r.raw);
        r.raw = NULL;
        resp_status(sim, &r, d.status);
    } else if (r.raw != NULL) {
        char *msg = r.raw;
        r.raw = NULL;
        hs_resp_error(&r, sim, 400, "VALIDATION_ERROR", msg);
        free(msg);
    } else if ((strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0) && c.body == NULL &&
               !(rt.kind == R_ASSOC_OBJECT)) {
        hs_resp_error(&r, sim, 400, "VALIDATION_ERROR", "Invalid input JSON: the request needs a JSON body");
    } else {
        r.status = 200;
        switch (rt.kind) {
        case R_OBJECTS: hs_handle_objects(&c, &r); break;
        case R_ASSOC: hs_handle_assoc(&c, &r); break;
        case R_ASSOC_OBJECT: hs_handle_assoc_object(&c, &r); break;
        case R_PROPS: hs_handle_props(&c, &r); break;
        case R_PIPELINES: hs_handle_pipelines(&c, &r); break;
        case R_DETAILS: handle_details(&c, &r); break;
        case R_USAGE: handle_usage(&c, &r); break;
        default: hs_resp_error(&r, sim, 404, "OBJECT_NOT_FOUND", "Resource not found"); break;
        }
    }
    r.search = rt.search;
    count_status(sim, r.status);
    if (d.drop_after) {
        pthread_mutex_lock(&sim->mu);
        sim->stats.dropped++;
        pthread_mutex_unlock(&sim->mu);
        ret = MHD_NO;
        goto done;
    }
    hs_uuid(sim, d.correlation_id);
    ret = reply(conn, &r, &d);
    hs_heap_hugepages();
done:
    if (sim->verbose)
        fprintf(stderr, "hubspot-sim: %s %s -> %d (%lld ms)\n", method, url, ret == MHD_NO ? 0 : r.status,
                (long long)(sp_clock_now_ms() - t0));
    json_decref(r.json);
    free(r.raw);
    json_decref(c.body);
    free(path);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    hs_sim *sim = cls;
    hs_req *rq = *req_cls;
    (void)version;
    if (rq == NULL) {
        rq = sp_xcalloc(1, sizeof(*rq));
        sp_buf_init(&rq->body, BODY_MAX);
        rq->api = strncmp(url, "/_sim", 5) != 0;
        if (rq->api) {
            pthread_mutex_lock(&sim->mu);
            sim->stats.in_flight++;
            if (sim->stats.in_flight > sim->stats.max_in_flight)
                sim->stats.max_in_flight = sim->stats.in_flight;
            pthread_mutex_unlock(&sim->mu);
        }
        *req_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        sp_err e;
        if (rq->body.data == NULL) {
            const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
            unsigned long long n = cl != NULL ? strtoull(cl, NULL, 10) : 0;
            if (n > 0 && n <= BODY_MAX) {
                rq->body.data = sp_xmalloc((size_t)n + 1);
                rq->body.cap = (size_t)n + 1;
                rq->body.data[0] = '\0';
            }
        }
        if (!rq->too_large && sp_buf_append(&rq->body, upload_data, *upload_data_size, &e) != 0) {
            rq->too_large = 1;
            sp_buf_free(&rq->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(sim, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    hs_sim *sim = cls;
    hs_req *rq = *req_cls;
    (void)conn;
    (void)toe;
    if (rq == NULL)
        return;
    if (rq->api) {
        pthread_mutex_lock(&sim->mu);
        sim->stats.in_flight--;
        pthread_mutex_unlock(&sim->mu);
    }
    sp_buf_free(&rq->body);
    free(rq);
    *req_cls = NULL;
}

/* MHD's own messages: dropped connections log "internal error" on purpose; show them with --verbose. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    hs_sim *sim = cls;
    if (!sim->verbose)
        return;
    fputs("hubspot-sim: libmicrohttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

struct MHD_Daemon *hs_http_start(hs_sim *sim, int listen_fd, int threads)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (threads > 0)
        return MHD_start_daemon(flags | MHD_USE_POLL, 0, NULL, NULL, on_request, sim,
                                MHD_OPTION_LISTEN_SOCKET, listen_fd,
                                MHD_OPTION_EXTERNAL_LOGGER, mhd_log, sim,
                                MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, sim,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                                MHD_OPTION_END);
    return MHD_start_daemon(flags | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL, NULL,
                            on_request, sim,
                            MHD_OPTION_LISTEN_SOCKET, listen_fd,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, sim,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, sim,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                            MHD_OPTION_END);
}
