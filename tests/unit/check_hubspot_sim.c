/* check_hubspot_sim.c -- the HubSpot client against the simulator
 * (bin/hubspot-sim, a separate process on 127.0.0.1): batches, partial
 * failure, bisection, retries, rate limits, the daily stop, search past the
 * cap, properties, associations, both API versions, bounds. Skips (passing)
 * when SPETL_SIM is not set, saying why. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/sim.h"
#include "../support/skip.h"
#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/err.h"
#include "spetl/hs_verify.h"
#include "spetl/hubspot.h"
#include "spetl/log.h"
#include "spetl/mem.h"

#define TOKEN "pat-na1-11111111-2222-3333-4444-555555555555"

static sp_sim *sim;
static char *log_text;
static size_t log_len;
static FILE *log_f;

static int have_sim(void)
{
    return getenv("SPETL_SIM") != NULL;
}

static void start_sim(const char *const *extra)
{
    sp_err e;
    char line[1024];
    const char *args[16];
    size_t n = 0;

    args[n++] = "--token";
    args[n++] = TOKEN;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 15; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    if (sp_sim_start(args, &sim, &e) != 0)
        ck_abort_msg("simulator did not start: %s", sp_err_format(&e, line, sizeof(line)));
    log_f = open_memstream(&log_text, &log_len);
    sp_log_set_stream(log_f);
    sp_log_set_level(SP_LOG_INFO);
}

static void stop_sim(void)
{
    sp_sim_stop(sim);
    sim = NULL;
    sp_log_set_stream(NULL);
    if (log_f != NULL)
        fclose(log_f);
    log_f = NULL;
    free(log_text);
    log_text = NULL;
    sp_log_reset();
}

/* The log written so far. */
static const char *logs(void)
{
    fflush(log_f);
    return log_text != NULL ? log_text : "";
}

static json_t *ctl(const char *method, const char *path, const char *body)
{
    char *out = NULL;
    int status = 0;
    sp_err e;
    json_t *j;
    char line[1024];

    if (sp_sim_control(sim, method, path, body, &out, &status, &e) != 0)
        ck_abort_msg("%s %s: %s", method, path, sp_err_format(&e, line, sizeof(line)));
    ck_assert_msg(status >= 200 && status < 300, "%s %s -> %d %s", method, path, status, out ? out : "");
    j = json_loads(out != NULL ? out : "null", JSON_DECODE_ANY, NULL);
    free(out);
    return j;
}

static void ctl_ok(const char *method, const char *path, const char *body)
{
    json_decref(ctl(method, path, body));
}

static long long stat_of(const char *name)
{
    json_t *j = ctl("GET", "/_sim/stats", NULL);
    long long v = json_integer_value(json_object_get(j, name));
    json_decref(j);
    return v;
}

/* Requests the simulator counted for "METHOD PATH" (by_endpoint). */
static long long endpoint_count(const char *key)
{
    json_t *j = ctl("GET", "/_sim/stats", NULL);
    long long v = json_integer_value(json_object_get(json_object_get(j, "by_endpoint"), key));
    json_decref(j);
    return v;
}

static size_t record_count(const char *obj)
{
    char path[128];
    json_t *j;
    size_t n;

    snprintf(path, sizeof(path), "/_sim/records/%s", obj);
    j = ctl("GET", path, NULL);
    n = json_array_size(json_object_get(j, "results"));
    json_decref(j);
    return n;
}

static size_t duplicate_count(const char *obj, const char *prop)
{
    char path[160];
    json_t *j;
    size_t n;

    snprintf(path, sizeof(path), "/_sim/duplicates/%s?property=%s", obj, prop);
    j = ctl("GET", path, NULL);
    n = json_array_size(json_object_get(j, "duplicates"));
    json_decref(j);
    return n;
}

static sp_hs_client *client_with(const char *version, const char *token, int rate, size_t max_body)
{
    sp_hs_config cfg;
    sp_hs_client *c = NULL;
    sp_err e;
    char line[1024];

    memset(&cfg, 0, sizeof(cfg));
    cfg.base_url = sp_sim_base_url(sim);
    cfg.token = token;
    cfg.api_version = version;
    cfg.rate_10s = rate;
    cfg.search_per_sec = -1;
    cfg.backoff_base_ms = 20;
    cfg.backoff_cap_ms = 200;
    cfg.retry_budget_ms = 30000;
    cfg.max_attempts = 10;
    cfg.request_timeout_ms = 5000;
    cfg.max_body = max_body;
    cfg.seed = 42;
    if (sp_hs_client_new(&cfg, &c, &e) != 0)
        ck_abort_msg("client: %s", sp_err_format(&e, line, sizeof(line)));
    return c;
}

static sp_hs_client *client(void)
{
    return client_with(NULL, TOKEN, 190, 0);
}

/* The unique key property every test object carries. */
static void setup_key(sp_hs_client *c, sp_hs_object o, const char *name)
{
    sp_hs_property_def d = {name, "GP key", "spetl", "SalesPad key", NULL, NULL, 1};
    sp_err e;
    char line[1024];

    if (sp_hs_property_group_create(c, o, "spetl", "SalesPad", &e) != 0 ||
        sp_hs_property_create(c, o, &d, NULL, &e) != 0)
        ck_abort_msg("setup: %s", sp_err_format(&e, line, sizeof(line)));
}

/* n company inputs with keys PREFIX0000.., name NAMEPFX-i, type OTHER. */
typedef struct inputs {
    sp_hs_input *in;
    sp_hs_prop *props;
    char (*keys)[32];
    char (*names)[48];
    size_t n;
} inputs;

static void make_inputs(inputs *x, size_t n, const char *prefix, const char *name_prefix)
{
    x->n = n;
    x->in = sp_xcalloc(n, sizeof(*x->in));
    x->props = sp_xcalloc(n * 3, sizeof(*x->props));
    x->keys = sp_xcalloc(n, sizeof(*x->keys));
    x->names = sp_xcalloc(n, sizeof(*x->names));
    for (size_t i = 0; i < n; i++) {
        snprintf(x->keys[i], sizeof(x->keys[i]), "%s%05zu", prefix, i);
        snprintf(x->names[i], sizeof(x->names[i]), "%s-%zu", name_prefix, i);
        x->props[i * 3].name = "name";
        x->props[i * 3].value = x->names[i];
        x->props[i * 3 + 1].name = "type";
        x->props[i * 3 + 1].value = "OTHER";
        x->props[i * 3 + 2].name = "gp_key";
        x->props[i * 3 + 2].value = x->keys[i];
        x->in[i].id = x->keys[i];
        x->in[i].props = &x->props[i * 3];
        x->in[i].nprops = 3;
    }
}

static void free_inputs(inputs *x)
{
    free(x->in);
    free(x->props);
    free(x->keys);
    free(x->names);
}

static int upsert(sp_hs_client *c, inputs *x, unsigned flags, sp_hs_batch_result *r, sp_err *e)
{
    sp_hs_batch b = {SP_HS_UPSERT, SP_HS_COMPANIES, "gp_key", x->in, x->n, NULL, 0, flags};
    return sp_hs_batch_run(c, &b, r, e);
}

#define SIM_TEST(name) \
    START_TEST(name) \
    { \
        SP_SKIP_IF(!have_sim(), "SPETL_SIM is not set"); \
        name##_body(); \
    } \
    END_TEST

/* ---- batch upsert: create, then update ---------------------------------- */

static void upsert_creates_then_updates_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    char line[1024];
    sp_hs_stats st;

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 250, "UPS", "Aaron Fitness");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 250);
    ck_assert_int_eq(r.requests, 3);
    for (size_t i = 0; i < r.n; i++) {
        ck_assert_int_eq(r.items[i].is_new, 1);
        ck_assert_str_eq(sp_hs_record_get(&r.items[i].rec, "name"), x.names[i]);
        ck_assert_uint_gt(strlen(r.items[i].rec.id), 10); /* ids past 2^32, as text */
    }
    sp_hs_batch_result_free(&r);
    for (size_t i = 0; i < x.n; i++)
        snprintf(x.names[i], sizeof(x.names[i]), "Renamed-%zu", i);
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), 0);
    ck_assert_uint_eq(r.n_ok, 250);
    for (size_t i = 0; i < r.n; i++) {
        ck_assert_int_eq(r.items[i].is_new, 0);
        ck_assert_str_eq(sp_hs_record_get(&r.items[i].rec, "name"), x.names[i]);
    }
    sp_hs_batch_result_free(&r);
    ck_assert_uint_eq(record_count("companies"), 250);
    ck_assert_uint_eq(duplicate_count("companies", "gp_key"), 0);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/upsert"), 6);
    sp_hs_get_stats(c, &st);
    ck_assert_int_gt(st.max_in_flight, 1); /* the three chunks ran together */
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(upsert_creates_then_updates)

/* ---- 10 submitted batches run concurrently, one callback each ----------- */

typedef struct tally {
    int calls;
    size_t ok;
} tally;

static void count_cb(sp_hs_batch_result *r, void *ud)
{
    tally *t = ud;
    t->calls++;
    t->ok += r->n_ok;
}

static void submitted_batches_run_together_body(void)
{
    sp_hs_client *c;
    inputs x;
    sp_err e;
    tally t = {0, 0};

    start_sim((const char *const[]){"--latency-ms", "50", NULL});
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 1000, "CON", "Concurrent");
    for (int k = 0; k < 10; k++) {
        sp_hs_batch b = {SP_HS_UPSERT, SP_HS_COMPANIES, "gp_key", x.in + k * 100, 100, NULL, 0, 0};
        ck_assert_int_eq(sp_hs_batch_submit(c, &b, count_cb, &t, &e), 0);
    }
    ck_assert_uint_eq(sp_hs_pending(c), 10);
    ck_assert_int_eq(sp_hs_run(c, &e), 0);
    ck_assert_int_eq(t.calls, 10);
    ck_assert_uint_eq(t.ok, 1000);
    ck_assert_uint_eq(sp_hs_pending(c), 0);
    ck_assert_int_ge(stat_of("max_in_flight"), 4);
    ck_assert_uint_eq(record_count("companies"), 1000);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(submitted_batches_run_together)

/* ---- 429 storm ----------------------------------------------------------- */

static void storm_of_429_loses_nothing_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    char line[1024];
    sp_hs_stats st;
    long long sim429;

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    ctl_ok("POST", "/_sim/config", "{\"rate_10s\":14}");
    ctl_ok("POST", "/_sim/faults",
           "{\"next\":[{\"status\":429,\"policy\":\"TEN_SECONDLY_ROLLING\"},"
           "{\"status\":429,\"policy\":\"TEN_SECONDLY_ROLLING\"},{\"status\":429,\"policy\":\"TEN_SECONDLY_ROLLING\"},"
           "{\"status\":429,\"policy\":\"TEN_SECONDLY_ROLLING\"},{\"status\":429,\"policy\":\"TEN_SECONDLY_ROLLING\"}],"
           "\"match\":\"batch/upsert\"}");
    make_inputs(&x, 1200, "STM", "Storm");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 1200);
    sp_hs_batch_result_free(&r);
    sp_hs_get_stats(c, &st);
    sim429 = stat_of("status_429");
    ck_assert_int_ge(sim429, 5);
    ck_assert_int_eq(st.throttled, sim429);     /* every 429 was handled */
    ck_assert_int_le(st.limit_10s, 13);         /* adopted the server's Max of 14 */
    ck_assert_uint_eq(record_count("companies"), 1200);
    ck_assert_uint_eq(duplicate_count("companies", "gp_key"), 0);
    ck_assert_ptr_nonnull(strstr(logs(), "rate limited (429 TEN_SECONDLY_ROLLING"));
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(storm_of_429_loses_nothing)

/* ---- 5xx ------------------------------------------------------------------ */

static void ten_percent_5xx_every_record_once_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    char line[1024];
    sp_hs_stats st;

    start_sim((const char *const[]){"--seed", "7", NULL});
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    ctl_ok("POST", "/_sim/config", "{\"fail_5xx_pct\":10}");
    make_inputs(&x, 3000, "FXX", "Flaky");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 3000);
    sp_hs_batch_result_free(&r);
    sp_hs_get_stats(c, &st);
    ck_assert_int_gt(stat_of("status_5xx"), 0);
    ck_assert_int_eq(st.retries, stat_of("status_5xx"));
    ck_assert_uint_eq(record_count("companies"), 3000);
    ck_assert_uint_eq(duplicate_count("companies", "gp_key"), 0);
    ck_assert_ptr_nonnull(strstr(logs(), "attempt 1 of 10 failed (status 5"));
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(ten_percent_5xx_every_record_once)

/* ---- dropped connections -------------------------------------------------- */

static void drops_retry_upserts_not_creates_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x, y;
    sp_err e;
    char line[1024];

    start_sim((const char *const[]){"--seed", "11", NULL});
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    ctl_ok("POST", "/_sim/config", "{\"drop_pct\":10}");
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"drop\":true}],\"match\":\"batch/upsert\"}");
    make_inputs(&x, 2000, "DRP", "Dropped");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 2000);
    sp_hs_batch_result_free(&r);
    ck_assert_int_gt(stat_of("dropped"), 0);
    ck_assert_uint_eq(record_count("companies"), 2000);
    ck_assert_uint_eq(duplicate_count("companies", "gp_key"), 0);

    /* a create whose connection drops after it was sent: outcome unknown */
    ctl_ok("POST", "/_sim/config", "{\"drop_pct\":0}");
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"drop\":true}],\"match\":\"batch/create\"}");
    make_inputs(&y, 100, "CRT", "Created");
    {
        sp_hs_batch b = {SP_HS_CREATE, SP_HS_COMPANIES, NULL, y.in, y.n, NULL, 0, 0};
        ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), -1);
    }
    ck_assert_int_eq(e.code, SP_EHUBSPOT);
    ck_assert_msg(strstr(e.msg, "POST /crm/objects/2026-03/companies/batch/create: outcome unknown") == e.msg,
                  "%s", e.msg);
    ck_assert_uint_eq(r.n_not_done, 100);
    ck_assert_int_eq(r.err.code, SP_EHUBSPOT);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/create"), 1);
    free_inputs(&x);
    free_inputs(&y);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(drops_retry_upserts_not_creates)

static void drop_after_processing_upsert_no_duplicate_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"drop_after_processing\":true}],\"match\":\"batch/upsert\"}");
    make_inputs(&x, 100, "DAP", "After");
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), 0);
    ck_assert_uint_eq(r.n_ok, 100);
    /* written by the dropped attempt, found again by the retry */
    for (size_t i = 0; i < r.n; i++)
        ck_assert_int_eq(r.items[i].is_new, 0);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/upsert"), 2);
    ck_assert_uint_eq(record_count("companies"), 100);
    ck_assert_uint_eq(duplicate_count("companies", "gp_key"), 0);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(drop_after_processing_upsert_no_duplicate)

/* ---- partial failure -------------------------------------------------------- */

static void multi_status_fails_bad_records_alone_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    sp_hs_prop unknown[3];

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 100, "MST", "Multi");
    x.props[17 * 3 + 1].value = "NOT_A_TYPE";
    x.props[60 * 3 + 1].value = "SPACESHIP";
    unknown[0] = x.props[42 * 3];
    unknown[1] = x.props[42 * 3 + 2];
    unknown[2].name = "no_such_property";
    unknown[2].value = "x";
    x.in[42].props = unknown;
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), 0);
    ck_assert_uint_eq(r.n_ok, 97);
    ck_assert_uint_eq(r.n_failed, 3);
    ck_assert_int_eq(r.requests, 1);
    for (size_t i = 0; i < r.n; i++) {
        const sp_hs_item *it = &r.items[i];
        if (i != 17 && i != 42 && i != 60) {
            ck_assert_int_eq(it->state, SP_HS_ITEM_OK);
            continue;
        }
        ck_assert_int_eq(it->state, SP_HS_ITEM_FAILED);
        ck_assert_int_eq(it->status, 400);
        ck_assert_str_eq(it->category, "VALIDATION_ERROR");
        ck_assert_str_eq(it->code, i == 42 ? "PROPERTY_DOESNT_EXIST" : "INVALID_OPTION");
        ck_assert_ptr_nonnull(strstr(it->message, i == 42 ? "no_such_property" : (i == 17 ? "NOT_A_TYPE" : "SPACESHIP")));
    }
    sp_hs_item_err(&r.items[17], &e);
    ck_assert_int_eq(e.code, SP_EDATA);
    ck_assert_int_eq(e.http_status, 400);
    ck_assert_str_eq(e.category, "VALIDATION_ERROR");
    /* the 207's correlation id (its X-HubSpot-Correlation-Id) names each failed record */
    ck_assert_uint_eq(strlen(e.correlation_id), 36);
    ck_assert_str_eq(r.items[42].correlation_id, r.items[17].correlation_id);
    sp_hs_batch_result_free(&r);
    ck_assert_uint_eq(record_count("companies"), 97);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(multi_status_fails_bad_records_alone)

/* SP_HS_IDS_ONLY: replies parsed for ids alone (etl/hubspot/slim.c): each
 * OK item has its id, is_new and the key property, nothing else; a 207's
 * errors fail their records as before; without trace ids results are still
 * matched to their inputs by the key property. */
static void ids_only_replies_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    char line[1024];

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 100, "IDO", "IdsOnly");
    x.props[17 * 3 + 1].value = "NOT_A_TYPE";
    x.props[60 * 3 + 1].value = "SPACESHIP";
    ck_assert_msg(upsert(c, &x, SP_HS_IDS_ONLY, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 98);
    ck_assert_uint_eq(r.n_failed, 2);
    ck_assert_int_eq(r.requests, 1);
    for (size_t i = 0; i < r.n; i++) {
        const sp_hs_item *it = &r.items[i];
        if (i == 17 || i == 60) {
            ck_assert_int_eq(it->state, SP_HS_ITEM_FAILED);
            ck_assert_int_eq(it->status, 400);
            ck_assert_str_eq(it->category, "VALIDATION_ERROR");
            ck_assert_str_eq(it->code, "INVALID_OPTION");
            ck_assert_ptr_nonnull(strstr(it->message, i == 17 ? "NOT_A_TYPE" : "SPACESHIP"));
            ck_assert_uint_eq(strlen(it->correlation_id), 36);
            continue;
        }
        ck_assert_int_eq(it->state, SP_HS_ITEM_OK);
        ck_assert_int_eq(it->is_new, 1);
        ck_assert_uint_gt(strlen(it->rec.id), 10);
        ck_assert_uint_eq(it->rec.nprops, 1);
        ck_assert_str_eq(sp_hs_record_get(&it->rec, "gp_key"), x.keys[i]);
        ck_assert_ptr_null(sp_hs_record_get(&it->rec, "name"));
        ck_assert_ptr_null(it->rec.created_at);
    }
    sp_hs_batch_result_free(&r);
    /* again without trace ids: matched by gp_key, updated, the same ids */
    x.props[17 * 3 + 1].value = "OTHER";
    x.props[60 * 3 + 1].value = "OTHER";
    for (size_t i = 0; i < x.n; i++)
        x.in[i].nprops = 2;
    ck_assert_msg(upsert(c, &x, SP_HS_IDS_ONLY | SP_HS_NO_TRACE_IDS, &r, &e) == 0, "%s",
                  sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 100);
    for (size_t i = 0; i < r.n; i++) {
        ck_assert_str_eq(sp_hs_record_get(&r.items[i].rec, "gp_key"), x.keys[i]);
        ck_assert_int_eq(r.items[i].is_new, i == 17 || i == 60 ? 1 : 0);
    }
    sp_hs_batch_result_free(&r);
    ck_assert_uint_eq(record_count("companies"), 100);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(ids_only_replies)

static void whole_batch_400_is_bisected_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    sp_hs_stats st;

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 100, "BIS", "Bisect");
    x.props[73 * 3 + 1].value = "NOT_A_TYPE";
    /* without trace ids results are matched on gp_key, which the client adds */
    for (size_t i = 0; i < x.n; i++)
        x.in[i].nprops = 2;
    ck_assert_int_eq(upsert(c, &x, SP_HS_NO_TRACE_IDS, &r, &e), 0);
    ck_assert_uint_eq(r.n_ok, 99);
    ck_assert_uint_eq(r.n_failed, 1);
    ck_assert_int_eq(r.items[73].state, SP_HS_ITEM_FAILED);
    ck_assert_int_eq(r.items[73].status, 400);
    ck_assert_str_eq(r.items[73].category, "VALIDATION_ERROR");
    ck_assert_uint_gt(strlen(r.items[73].correlation_id), 0);
    /* 1 + 2 per level of halving down to one record (100 -> 50 -> 25 -> 13 -> 7 -> 4 -> 2 -> 1) */
    ck_assert_int_eq(r.requests, 15);
    sp_hs_get_stats(c, &st);
    ck_assert_int_eq(st.bisections, 7);
    ck_assert_str_eq(sp_hs_record_get(&r.items[99].rec, "gp_key"), "BIS00099");
    sp_hs_batch_result_free(&r);
    ck_assert_uint_eq(record_count("companies"), 99);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(whole_batch_400_is_bisected)

static void duplicate_email_carries_existing_id_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    sp_err e;
    sp_hs_prop p1[2] = {{"email", "Jane@Example.com"}, {"firstname", "Jane"}};
    sp_hs_prop p2[2] = {{"email", "jane@example.com"}, {"firstname", "Jane again"}};
    sp_hs_prop p3[2] = {{"email", "bob@example.com"}, {"firstname", "Bob"}};
    sp_hs_input first[1] = {{NULL, p1, 2, NULL, 0}};
    sp_hs_input second[2] = {{NULL, p2, 2, NULL, 0}, {NULL, p3, 2, NULL, 0}};
    sp_hs_batch b = {SP_HS_CREATE, SP_HS_CONTACTS, NULL, first, 1, NULL, 0, 0};
    char existing[32];

    start_sim(NULL);
    c = client();
    ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), 0);
    ck_assert_uint_eq(r.n_ok, 1);
    snprintf(existing, sizeof(existing), "%s", r.items[0].rec.id);
    sp_hs_batch_result_free(&r);
    b.inputs = second;
    b.n = 2;
    ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), 0);
    ck_assert_int_eq(r.items[0].state, SP_HS_ITEM_FAILED);
    ck_assert_int_eq(r.items[0].status, 409);
    ck_assert_str_eq(r.items[0].category, "CONFLICT");
    ck_assert_str_eq(r.items[0].existing_id, existing);
    ck_assert_int_eq(r.items[1].state, SP_HS_ITEM_OK);
    ck_assert_str_eq(sp_hs_record_get(&r.items[1].rec, "email"), "bob@example.com");
    sp_hs_batch_result_free(&r);
    ck_assert_uint_eq(record_count("contacts"), 2);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(duplicate_email_carries_existing_id)

/* ---- reading past the search cap ---------------------------------------------- */

typedef struct seen {
    char *ids;          /* ids as 11-digit text, set bitmap over id - base */
    long long base;
    long long span;
    long long delivered;
    long long dups;
    int64_t last_done;
    int out_of_order;
} seen;

static int on_page(const sp_hs_record *recs, size_t n, const sp_hs_window *w, void *ud, sp_err *e)
{
    seen *s = ud;

    (void)e;
    if (w->done_before < s->last_done)
        s->out_of_order++;
    s->last_done = w->done_before;
    for (size_t i = 0; i < n; i++) {
        long long id = strtoll(recs[i].id, NULL, 10) - s->base;
        s->delivered++;
        if (id < 0 || id >= s->span)
            continue;
        if (s->ids[id])
            s->dups++;
        s->ids[id] = 1;
    }
    return 0;
}

static void seed_companies(size_t n, int64_t start_ms, int64_t step_ms, int equal)
{
    sp_buf b;
    sp_err e;
    char iso[32];

    sp_buf_init(&b, (size_t)64 << 20);
    sp_buf_puts(&b, "{\"records\":[", &e);
    for (size_t i = 0; i < n; i++) {
        int64_t t = equal ? start_ms : start_ms + (int64_t)i * step_ms;
        sp_time_iso8601(t, iso, sizeof(iso));
        sp_buf_printf(&b, &e, "%s{\"properties\":{\"name\":\"Seed %zu\"},\"createdate\":\"%s\"}", i ? "," : "", i, iso);
    }
    sp_buf_puts(&b, "]}", &e);
    ctl_ok("POST", "/_sim/seed/companies", sp_buf_str(&b));
    sp_buf_free(&b);
}

static void read_since_crosses_the_cap_body(void)
{
    sp_hs_client *c;
    sp_err e;
    char line[1024];
    int64_t t0 = 1767225600000LL; /* 2026-01-01 */
    seen s;
    sp_hs_since q;
    sp_hs_since_stats st;
    json_t *all;
    const char *first_id;
    long long count = 0;

    start_sim(NULL);
    c = client();
    /* 9,000 spread over 30 days, 10,500 at one millisecond, 5,500 after */
    seed_companies(9000, t0, 288000, 0);
    seed_companies(10500, t0 + 2592000000LL, 0, 1);
    seed_companies(5500, t0 + 2592000000LL + 1, 60000, 0);
    all = ctl("GET", "/_sim/records/companies", NULL);
    ck_assert_uint_eq(json_array_size(json_object_get(all, "results")), 25000);
    first_id = json_string_value(json_object_get(json_array_get(json_object_get(all, "results"), 0), "id"));
    memset(&s, 0, sizeof(s));
    s.base = strtoll(first_id, NULL, 10) - 100;
    s.span = 100000;
    s.ids = sp_xcalloc((size_t)s.span, 1);
    json_decref(all);

    memset(&q, 0, sizeof(q));
    q.object = SP_HS_COMPANIES;
    q.date_property = "createdate";
    q.since_ms = t0 + 3600000;
    q.lookback_ms = 3600000; /* back to t0: everything */
    q.until_ms = t0 + 4000000000LL;
    q.properties = (const char *const[]){"name"};
    q.nproperties = 1;
    ck_assert_msg(sp_hs_read_since(c, &q, on_page, &s, &st, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    for (long long i = 0; i < s.span; i++)
        count += s.ids[i];
    ck_assert_int_eq(count, 25000);
    ck_assert_int_eq(s.delivered, 25000);
    ck_assert_int_eq(s.dups, 0);
    ck_assert_int_eq(s.out_of_order, 0);
    ck_assert_int_eq(st.records, 25000);
    ck_assert_int_gt(st.splits, 0);
    ck_assert_int_gt(st.id_ranges, 0);
    free(s.ids);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(read_since_crosses_the_cap)

/* ---- daily limit ---------------------------------------------------------------- */

typedef struct daily_tally {
    int calls;
    size_t ok, not_done;
    sp_code code;
} daily_tally;

static void daily_cb(sp_hs_batch_result *r, void *ud)
{
    daily_tally *t = ud;
    t->calls++;
    t->ok += r->n_ok;
    t->not_done += r->n_not_done;
    if (r->n_not_done > 0)
        t->code = r->err.code;
}

static void daily_limit_stops_cleanly_body(void)
{
    sp_hs_client *c;
    inputs x;
    sp_err e;
    daily_tally t = {0, 0, 0, SP_OK};
    long long writes_before;
    sp_hs_account acct;
    const char *at;

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    ck_assert_int_eq(sp_hs_account_details(c, &acct, &e), 0);
    ck_assert_str_eq(acct.time_zone, "US/Eastern");
    ctl_ok("POST", "/_sim/config", "{\"daily\":6}");
    writes_before = stat_of("requests");
    make_inputs(&x, 2000, "DLY", "Daily");
    for (int k = 0; k < 20; k++) {
        sp_hs_batch b = {SP_HS_UPSERT, SP_HS_COMPANIES, "gp_key", x.in + k * 100, 100, NULL, 0, 0};
        ck_assert_int_eq(sp_hs_batch_submit(c, &b, daily_cb, &t, &e), 0);
    }
    ck_assert_int_eq(sp_hs_run(c, &e), -1);
    ck_assert_int_eq(e.code, SP_EDAILY);
    ck_assert_msg(strstr(e.msg, "HubSpot's daily API request limit for this account is spent (429 DAILY on POST "
                                "/crm/objects/2026-03/companies/batch/upsert); it resets at midnight in the "
                                "account's time zone (US/Eastern), ") == e.msg,
                  "%s", e.msg);
    /* -05:00: the next midnight there is 05:00 UTC */
    at = strstr(e.msg, "(US/Eastern), ");
    ck_assert_ptr_nonnull(at);
    ck_assert_msg(strncmp(at + 14 + 10, "T05:00:00.000Z", 14) == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "the run stopped cleanly"));
    ck_assert_int_eq(e.http_status, 429);
    ck_assert_int_eq(t.calls, 20);                 /* every batch answered, done or cancelled */
    ck_assert_uint_eq(t.ok + t.not_done, 2000);
    ck_assert_uint_eq(t.ok, record_count("companies"));
    ck_assert_int_eq(t.code, SP_EDAILY);
    ck_assert_int_le(stat_of("requests") - writes_before, 6 + 8 + 2);
    {
        sp_hs_batch b = {SP_HS_UPSERT, SP_HS_COMPANIES, "gp_key", x.in, 1, NULL, 0, 0};
        ck_assert_int_eq(sp_hs_batch_submit(c, &b, daily_cb, &t, &e), -1);
        ck_assert_int_eq(e.code, SP_EDAILY);
    }
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(daily_limit_stops_cleanly)

/* ---- auth ------------------------------------------------------------------------- */

static void wrong_token_is_refused_and_never_shown_body(void)
{
    sp_hs_client *c;
    sp_hs_account a;
    sp_err e;
    char line[1024];
    const char *wrong = "pat-na1-wrong-token-0000";

    start_sim(NULL);
    c = client_with(NULL, wrong, 190, 0);
    ck_assert_int_eq(sp_hs_account_details(c, &a, &e), -1);
    ck_assert_int_eq(e.code, SP_EAUTH);
    ck_assert_int_eq(e.http_status, 401);
    sp_err_format(&e, line, sizeof(line));
    ck_assert_msg(strstr(line, "HubSpot refused the token (401") == line, "%s", line);
    ck_assert_ptr_nonnull(strstr(line, "check HUBSPOT_TOKEN / token file; the private app may have been deleted"));
    ck_assert_ptr_null(strstr(line, wrong));
    ck_assert_ptr_null(strstr(logs(), wrong));
    ck_assert_ptr_null(strstr(logs(), "Bearer"));
    sp_hs_client_free(c);
    /* the right token works and the hub id comes back */
    c = client();
    ck_assert_msg(sp_hs_account_details(c, &a, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_gt(strlen(a.portal_id), 0);
    ck_assert_ptr_null(strstr(logs(), TOKEN));
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(wrong_token_is_refused_and_never_shown)

static void missing_scope_names_the_scope_body(void)
{
    sp_hs_client *c;
    sp_hs_page p;
    sp_err e;

    start_sim((const char *const[]){"--scopes", "crm.objects.contacts.read", NULL});
    c = client();
    ck_assert_int_eq(sp_hs_list(c, SP_HS_COMPANIES, NULL, 0, NULL, 10, &p, &e), -1);
    ck_assert_int_eq(e.code, SP_EAUTH);
    ck_assert_int_eq(e.http_status, 403);
    ck_assert_msg(strstr(e.msg, "the HubSpot token lacks scopes for GET /crm/objects/2026-03/companies (403 "
                                "MISSING_SCOPES): grant ") == e.msg, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "crm.objects.companies.read"));
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(missing_scope_names_the_scope)

/* ---- properties, associations, versions ------------------------------------------ */

static void properties_setup_twice_is_safe_body(void)
{
    sp_hs_client *c;
    sp_hs_property_def d = {"gp_customer_number", "GP customer number", "spetl", "CUSTNMBR", NULL, NULL, 1};
    sp_hs_properties props;
    const sp_hs_property *p;
    sp_err e;
    char line[1024];
    int created = -1;

    start_sim(NULL);
    c = client();
    for (int round = 0; round < 2; round++) {
        ck_assert_msg(sp_hs_property_group_create(c, SP_HS_COMPANIES, "spetl", "SalesPad", &e) == 0, "%s",
                      sp_err_format(&e, line, sizeof(line)));
        ck_assert_msg(sp_hs_property_create(c, SP_HS_COMPANIES, &d, &created, &e) == 0, "%s",
                      sp_err_format(&e, line, sizeof(line)));
        ck_assert_int_eq(created, round == 0);
    }
    ck_assert_int_eq(sp_hs_properties_read(c, SP_HS_COMPANIES, &props, &e), 0);
    p = sp_hs_properties_find(&props, "gp_customer_number");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->has_unique_value, 1);
    ck_assert_str_eq(p->group_name, "spetl");
    p = sp_hs_properties_find(&props, "type");
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->noptions, 5);
    ck_assert_str_eq(p->options[0], "PROSPECT");
    sp_hs_properties_free(&props);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(properties_setup_twice_is_safe)

static void run_versioned(const char *version)
{
    sp_hs_client *c = client_with(version, TOKEN, 190, 0);
    sp_hs_batch_result r;
    sp_hs_page page;
    sp_err e;
    char line[1024];
    inputs x;
    sp_hs_prop cp[2] = {{"email", "v@example.com"}, {"firstname", "Vee"}};
    sp_hs_input cin[1] = {{NULL, cp, 1, NULL, 0}};
    sp_hs_batch cb = {SP_HS_CREATE, SP_HS_CONTACTS, NULL, cin, 1, NULL, 0, 0};
    sp_hs_assoc_pair pair;
    char company[32], contact[32];
    sp_hs_filter f = {"name", "EQ", "Versioned-0", NULL, NULL, 0};
    sp_hs_filter_group g = {&f, 1};
    sp_hs_search_req q;
    int status;
    json_t *j;
    char *text = NULL;
    char path[256], body[128];

    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 1, "VER", "Versioned");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    snprintf(company, sizeof(company), "%s", r.items[0].rec.id);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(sp_hs_batch_run(c, &cb, &r, &e), 0);
    snprintf(contact, sizeof(contact), "%s", r.items[0].rec.id);
    sp_hs_batch_result_free(&r);
    pair.from_id = contact;
    pair.to_id = company;
    ck_assert_msg(sp_hs_assoc_create(c, SP_HS_CONTACTS, SP_HS_COMPANIES,
                                     sp_hs_assoc_type_id(SP_HS_CONTACTS, SP_HS_COMPANIES), &pair, 1, &r, &e) == 0,
                  "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 1);
    ck_assert_str_eq(r.items[0].rec.id, contact);
    sp_hs_batch_result_free(&r);
    /* read the association back */
    snprintf(path, sizeof(path), "%s/contacts/companies/batch/read",
             strcmp(version, "v3") == 0 ? "/crm/v4/associations" : "/crm/associations/2026-03");
    snprintf(body, sizeof(body), "{\"inputs\":[{\"id\":\"%s\"}]}", contact);
    ck_assert_int_eq(sp_hs_raw(c, "POST", path, body, 1, &status, &text, &e), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(text);
    j = json_loads(text, 0, NULL);
    free(text);
    {
        const json_t *to = json_object_get(json_array_get(json_object_get(j, "results"), 0), "to");
        const json_t *tid = json_object_get(json_array_get(to, 0), "toObjectId");
        char got[32];
        if (json_is_integer(tid))
            snprintf(got, sizeof(got), "%" JSON_INTEGER_FORMAT, json_integer_value(tid));
        else
            snprintf(got, sizeof(got), "%s", json_string_value(tid) ? json_string_value(tid) : "");
        ck_assert_str_eq(got, company);
    }
    json_decref(j);
    memset(&q, 0, sizeof(q));
    q.groups = &g;
    q.ngroups = 1;
    ck_assert_int_eq(sp_hs_search(c, SP_HS_COMPANIES, &q, &page, &e), 0);
    ck_assert_uint_eq(page.n, 1);
    ck_assert_int_eq(page.total, 1);
    ck_assert_str_eq(page.recs[0].id, company);
    sp_hs_page_free(&page);
    ck_assert_int_eq(sp_hs_get(c, SP_HS_COMPANIES, company, NULL, (const char *const[]){"name"}, 1, &page, &e), 0);
    ck_assert_uint_eq(page.n, 1);
    ck_assert_str_eq(sp_hs_record_get(&page.recs[0], "name"), "Versioned-0");
    sp_hs_page_free(&page);
    ck_assert_int_eq(sp_hs_get(c, SP_HS_COMPANIES, "VER00000", "gp_key", NULL, 0, &page, &e), 0);
    ck_assert_uint_eq(page.n, 1);
    ck_assert_str_eq(page.recs[0].id, company);
    sp_hs_page_free(&page);
    ck_assert_int_eq(sp_hs_get(c, SP_HS_COMPANIES, "99999999999", NULL, NULL, 0, &page, &e), 0);
    ck_assert_uint_eq(page.n, 0);
    sp_hs_page_free(&page);
    free_inputs(&x);
    sp_hs_client_free(c);
}

static void both_api_versions_hit_their_paths_body(void)
{
    start_sim(NULL);
    run_versioned("v3");
    ck_assert_int_eq(endpoint_count("POST /crm/v3/objects/companies/batch/upsert"), 1);
    ck_assert_int_eq(endpoint_count("POST /crm/v4/associations/contacts/companies/batch/create"), 1);
    ck_assert_int_eq(endpoint_count("POST /crm/v3/objects/companies/search"), 1);
    ck_assert_int_eq(endpoint_count("POST /crm/v3/properties/companies"), 1);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/upsert"), 0);
    ctl_ok("POST", "/_sim/reset", "{}");
    run_versioned("2026-03");
    ck_assert_int_eq(endpoint_count("POST /crm/v3/objects/companies/batch/upsert"), 0);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/upsert"), 1);
    ck_assert_int_eq(endpoint_count("POST /crm/v4/associations/contacts/companies/batch/create"), 0);
    ck_assert_int_eq(endpoint_count("POST /crm/associations/2026-03/contacts/companies/batch/create"), 1);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/search"), 1);
    ck_assert_int_eq(endpoint_count("POST /crm/properties/2026-03/companies"), 1);
    stop_sim();
}
SIM_TEST(both_api_versions_hit_their_paths)

/* The account's deal pipelines on both API versions; an error reply carries
 * its correlation id. */
static void deal_pipelines_read_body(void)
{
    sp_hs_client *c;
    sp_hs_pipelines pl;
    const sp_hs_pipeline *p;
    sp_err e;
    char line[1024];

    start_sim(NULL);
    ctl_ok("POST", "/_sim/pipelines/deals",
           "{\"pipelines\":[{\"id\":\"renewals\",\"label\":\"Renewals\",\"stages\":[{\"id\":\"r-open\",\"label\":\"Open\"}]}]}");
    c = client_with("v3", TOKEN, 190, 0);
    ck_assert_msg(sp_hs_deal_pipelines_read(c, &pl, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(pl.n, 2);
    p = sp_hs_pipeline_find(&pl, "default");
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->label, "Sales Pipeline");
    ck_assert_uint_eq(p->nstages, 7);
    ck_assert_str_eq(p->stages[5].id, "closedwon");
    ck_assert_str_eq(p->stages[5].label, "Closed Won");
    ck_assert_int_eq(sp_hs_pipeline_has_stage(p, "closedlost"), 1);
    ck_assert_int_eq(sp_hs_pipeline_has_stage(p, "r-open"), 0);
    ck_assert_int_eq(sp_hs_pipeline_has_stage(sp_hs_pipeline_find(&pl, "renewals"), "r-open"), 1);
    ck_assert_ptr_null(sp_hs_pipeline_find(&pl, "Default"));
    sp_hs_pipelines_free(&pl);
    sp_hs_client_free(c);
    ck_assert_int_eq(endpoint_count("GET /crm/v3/pipelines/deals"), 1);
    c = client_with("2026-03", TOKEN, 190, 0);
    ck_assert_int_eq(sp_hs_deal_pipelines_read(c, &pl, &e), 0);
    ck_assert_uint_eq(pl.n, 2);
    sp_hs_pipelines_free(&pl);
    ck_assert_int_eq(endpoint_count("GET /crm/pipelines/2026-03/deals"), 1);
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"status\":400}],\"match\":\"pipelines\"}");
    ck_assert_int_eq(sp_hs_deal_pipelines_read(c, &pl, &e), -1);
    ck_assert_int_eq(e.http_status, 400);
    ck_assert_msg(strstr(e.msg, "GET /crm/pipelines/2026-03/deals") != NULL, "%s", e.msg);
    ck_assert_msg(e.correlation_id[0] != '\0', "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_ptr_null(pl.arena);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(deal_pipelines_read)

/* ---- paging, bounds, malformed replies --------------------------------------------- */

static void list_pages_and_body_bound_body(void)
{
    sp_hs_client *c;
    sp_hs_page p;
    sp_err e;
    char line[1024];
    const char *after = NULL;
    char cursor[64] = "";
    size_t total = 0;
    int pages = 0;

    start_sim(NULL);
    seed_companies(250, 1767225600000LL, 1000, 0);
    c = client();
    do {
        ck_assert_msg(sp_hs_list(c, SP_HS_COMPANIES, (const char *const[]){"name"}, 1, after, 100, &p, &e) == 0,
                      "%s", sp_err_format(&e, line, sizeof(line)));
        total += p.n;
        pages++;
        if (p.next_after != NULL) {
            snprintf(cursor, sizeof(cursor), "%s", p.next_after);
            after = cursor;
        } else {
            after = NULL;
        }
        sp_hs_page_free(&p);
    } while (after != NULL && pages < 10);
    ck_assert_uint_eq(total, 250);
    ck_assert_int_eq(pages, 3);
    sp_hs_client_free(c);

    c = client_with(NULL, TOKEN, 190, 2000);
    ck_assert_int_eq(sp_hs_list(c, SP_HS_COMPANIES, NULL, 0, NULL, 100, &p, &e), -1);
    ck_assert_int_eq(e.code, SP_ETOOLARGE);
    ck_assert_str_eq(e.msg, "GET /crm/objects/2026-03/companies: the response body exceeds the bound of 2000 bytes");
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(list_pages_and_body_bound)

static void malformed_json_is_an_error_with_context_body(void)
{
    sp_hs_client *c;
    sp_hs_page p;
    sp_hs_search_req q;
    sp_err e;

    start_sim(NULL);
    c = client();
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"malformed\":true}],\"match\":\"/search\"}");
    memset(&q, 0, sizeof(q));
    ck_assert_int_eq(sp_hs_search(c, SP_HS_CONTACTS, &q, &p, &e), -1);
    ck_assert_int_eq(e.code, SP_EHUBSPOT);
    ck_assert_int_eq(e.http_status, 200);
    ck_assert_msg(strstr(e.msg, "POST /crm/objects/2026-03/contacts/search: malformed JSON in the 200 reply (") == e.msg,
                  "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "; body starts: "));
    /* the next search is fine */
    ck_assert_int_eq(sp_hs_search(c, SP_HS_CONTACTS, &q, &p, &e), 0);
    ck_assert_uint_eq(p.n, 0);
    sp_hs_page_free(&p);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(malformed_json_is_an_error_with_context)

static void http_to_a_remote_host_is_refused_body(void)
{
    sp_hs_config cfg;
    sp_hs_client *c = NULL;
    sp_err e;

    memset(&cfg, 0, sizeof(cfg));
    cfg.token = TOKEN;
    cfg.base_url = "http://api.hubapi.com";
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), -1);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(e.code, SP_EJOB);
    ck_assert_ptr_nonnull(strstr(e.msg, "plain http is refused for host api.hubapi.com"));
    ck_assert_ptr_null(strstr(e.msg, TOKEN));
    sp_log_reset();
}
SIM_TEST(http_to_a_remote_host_is_refused)

/* ---- timeouts, give-up, read and update batches, search's per-second limit ---- */

static void timeouts_retry_reads_not_creates_body(void)
{
    sp_hs_client *c;
    sp_hs_config cfg;
    sp_hs_batch_result r;
    sp_hs_page p;
    inputs x;
    sp_err e;
    char line[1024];

    start_sim(NULL);
    memset(&cfg, 0, sizeof(cfg));
    cfg.base_url = sp_sim_base_url(sim);
    cfg.token = TOKEN;
    cfg.request_timeout_ms = 500;
    cfg.backoff_base_ms = 20;
    cfg.seed = 1;
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 10, "TMO", "Timeout");
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), 0);
    sp_hs_batch_result_free(&r);
    /* a read that times out is sent again */
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"delay_ms\":1500}],\"match\":\"/companies/\"}");
    ck_assert_msg(sp_hs_get(c, SP_HS_COMPANIES, "TMO00003", "gp_key", NULL, 0, &p, &e) == 0, "%s",
                  sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(p.n, 1);
    sp_hs_page_free(&p);
    ck_assert_int_eq(endpoint_count("GET /crm/objects/2026-03/companies/{objectId}"), 2);
    ck_assert_ptr_nonnull(strstr(logs(), "GET /crm/objects/2026-03/companies/{id} attempt 1 of 8 failed (Timeout was reached)"));
    /* a create that times out after it was sent is not */
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"delay_ms\":1500}],\"match\":\"batch/create\"}");
    {
        sp_hs_prop cp[1] = {{"name", "Slow Co"}};
        sp_hs_input in[1] = {{NULL, cp, 1, NULL, 0}};
        sp_hs_batch b = {SP_HS_CREATE, SP_HS_COMPANIES, NULL, in, 1, NULL, 0, 0};
        ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), -1);
        ck_assert_str_eq(e.msg, "POST /crm/objects/2026-03/companies/batch/create: outcome unknown (Timeout was "
                                "reached after the request was sent): HubSpot may or may not have written it, and "
                                "a create is not retried blindly; look the records up (or upsert by a unique "
                                "property) before sending them again");
        sp_hs_batch_result_free(&r);
    }
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/create"), 1);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(timeouts_retry_reads_not_creates)

static void give_up_names_request_attempts_status_body(void)
{
    sp_hs_client *c;
    sp_hs_config cfg;
    sp_hs_page p;
    sp_err e;

    start_sim(NULL);
    memset(&cfg, 0, sizeof(cfg));
    cfg.base_url = sp_sim_base_url(sim);
    cfg.token = TOKEN;
    cfg.backoff_base_ms = 10;
    cfg.max_attempts = 3;
    cfg.seed = 3;
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"status\":503},{\"status\":500},{\"status\":503}],\"match\":\"companies\"}");
    ck_assert_int_eq(sp_hs_list(c, SP_HS_COMPANIES, NULL, 0, NULL, 10, &p, &e), -1);
    ck_assert_int_eq(e.code, SP_EHUBSPOT);
    ck_assert_int_eq(e.http_status, 503);
    ck_assert_uint_gt(strlen(e.correlation_id), 0);
    ck_assert_msg(strstr(e.msg, "GET /crm/objects/2026-03/companies gave up after 3 attempts in ") == e.msg, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, " s (attempts spent): last status 503 SERVICE_UNAVAILABLE, correlationId "));
    ck_assert_ptr_nonnull(strstr(e.msg, e.correlation_id));
    ck_assert_ptr_nonnull(strstr(logs(), "attempt 1 of 3 failed (status 503 SERVICE_UNAVAILABLE"));
    ck_assert_ptr_nonnull(strstr(logs(), "attempt 2 of 3 failed (status 500 INTERNAL_ERROR"));
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(give_up_names_request_attempts_status)

static void batch_read_and_update_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    char line[1024];
    char ids[3][32];
    sp_hs_input rin[4];
    sp_hs_prop up[3][1];
    sp_hs_input uin[3];

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 3, "RDU", "ReadUpdate");
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), 0);
    for (int i = 0; i < 3; i++)
        snprintf(ids[i], sizeof(ids[i]), "%s", r.items[i].rec.id);
    sp_hs_batch_result_free(&r);
    /* read by id, one missing: 207, the missing one fails alone */
    memset(rin, 0, sizeof(rin));
    rin[0].id = ids[2];
    rin[1].id = "99999999999";
    rin[2].id = ids[0];
    {
        sp_hs_batch b = {SP_HS_READ, SP_HS_COMPANIES, NULL, rin, 3, (const char *const[]){"name", "gp_key"}, 2, 0};
        ck_assert_msg(sp_hs_batch_run(c, &b, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    }
    ck_assert_int_eq(r.items[0].state, SP_HS_ITEM_OK);
    ck_assert_str_eq(r.items[0].rec.id, ids[2]);
    ck_assert_str_eq(sp_hs_record_get(&r.items[0].rec, "name"), "ReadUpdate-2");
    ck_assert_int_eq(r.items[1].state, SP_HS_ITEM_FAILED);
    ck_assert_int_eq(r.items[1].status, 404);
    ck_assert_str_eq(r.items[1].category, "OBJECT_NOT_FOUND");
    ck_assert_int_eq(r.items[2].state, SP_HS_ITEM_OK);
    ck_assert_str_eq(sp_hs_record_get(&r.items[2].rec, "gp_key"), "RDU00000");
    sp_hs_batch_result_free(&r);
    /* one id asked for twice gets one result from HubSpot: it answers both */
    rin[0].id = ids[1];
    rin[1].id = ids[0];
    rin[2].id = ids[1];
    {
        sp_hs_batch b = {SP_HS_READ, SP_HS_COMPANIES, NULL, rin, 3, (const char *const[]){"name"}, 1, 0};
        ck_assert_msg(sp_hs_batch_run(c, &b, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    }
    ck_assert_int_eq(r.n_ok, 3);
    ck_assert_str_eq(r.items[0].rec.id, ids[1]);
    ck_assert_str_eq(r.items[1].rec.id, ids[0]);
    ck_assert_str_eq(r.items[2].rec.id, ids[1]);
    sp_hs_batch_result_free(&r);
    /* read by the unique property */
    rin[0].id = "RDU00001";
    {
        sp_hs_batch b = {SP_HS_READ, SP_HS_COMPANIES, "gp_key", rin, 1, (const char *const[]){"name"}, 1, 0};
        ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), 0);
    }
    ck_assert_int_eq(r.items[0].state, SP_HS_ITEM_OK);
    ck_assert_str_eq(r.items[0].rec.id, ids[1]);
    sp_hs_batch_result_free(&r);
    /* update by id */
    for (int i = 0; i < 3; i++) {
        up[i][0].name = "city";
        up[i][0].value = i == 1 ? "Fargo" : "Bismarck";
        uin[i] = (sp_hs_input){ids[i], up[i], 1, NULL, 0};
    }
    {
        sp_hs_batch b = {SP_HS_UPDATE, SP_HS_COMPANIES, NULL, uin, 3, NULL, 0, 0};
        ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), 0);
    }
    ck_assert_uint_eq(r.n_ok, 3);
    ck_assert_str_eq(r.items[1].rec.id, ids[1]);
    ck_assert_str_eq(sp_hs_record_get(&r.items[1].rec, "city"), "Fargo");
    sp_hs_batch_result_free(&r);
    /* archive one, then it reads as missing */
    {
        sp_hs_input ain[1] = {{ids[0], NULL, 0, NULL, 0}};
        sp_hs_batch b = {SP_HS_ARCHIVE, SP_HS_COMPANIES, NULL, ain, 1, NULL, 0, 0};
        ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), 0);
        ck_assert_uint_eq(r.n_ok, 1);
        sp_hs_batch_result_free(&r);
        b.kind = SP_HS_READ;
        ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), 0);
        ck_assert_int_eq(r.items[0].state, SP_HS_ITEM_FAILED);
        ck_assert_int_eq(r.items[0].status, 404);
        sp_hs_batch_result_free(&r);
    }
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(batch_read_and_update)

static void search_secondly_limit_is_honoured_body(void)
{
    sp_hs_client *c;
    sp_hs_config cfg;
    sp_err e;
    char line[1024];
    seen s;
    sp_hs_since q;
    sp_hs_since_stats st;
    sp_hs_stats cs;
    json_t *all;
    int64_t t0 = 1767225600000LL;

    start_sim(NULL);
    seed_companies(1500, t0, 1000, 0);
    all = ctl("GET", "/_sim/records/companies", NULL);
    memset(&s, 0, sizeof(s));
    s.base = strtoll(json_string_value(json_object_get(json_array_get(json_object_get(all, "results"), 0), "id")), NULL, 10);
    s.span = 10000;
    s.ids = sp_xcalloc((size_t)s.span, 1);
    json_decref(all);
    ctl_ok("POST", "/_sim/config", "{\"search_per_sec\":2}");
    memset(&cfg, 0, sizeof(cfg));
    cfg.base_url = sp_sim_base_url(sim);
    cfg.token = TOKEN;
    cfg.search_per_sec = 5; /* more than the simulator grants: it answers 429 SECONDLY */
    cfg.seed = 5;
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    memset(&q, 0, sizeof(q));
    q.object = SP_HS_COMPANIES;
    q.date_property = "createdate";
    q.since_ms = t0;
    q.until_ms = t0 + 86400000;
    q.page_limit = 100;
    ck_assert_msg(sp_hs_read_since(c, &q, on_page, &s, &st, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_int_eq(s.delivered, 1500);
    ck_assert_int_eq(s.dups, 0);
    ck_assert_int_eq(st.requests, 16);
    sp_hs_get_stats(c, &cs);
    ck_assert_int_gt(stat_of("status_429"), 0);
    ck_assert_int_eq(cs.throttled, stat_of("status_429"));
    ck_assert_ptr_nonnull(strstr(logs(), "rate limited (429 SECONDLY"));
    free(s.ids);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(search_secondly_limit_is_honoured)

/* ---- association ids sent as JSON numbers -------------------------------------------- */

static void association_ids_as_numbers_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    char line[1024];
    char companies[3][32], contacts[3][32], path[256], body[128];
    sp_hs_prop cp[3][1] = {{{"email", "n0@example.com"}}, {{"email", "n1@example.com"}}, {{"email", "n2@example.com"}}};
    sp_hs_input cin[3] = {{NULL, cp[0], 1, NULL, 0}, {NULL, cp[1], 1, NULL, 0}, {NULL, cp[2], 1, NULL, 0}};
    sp_hs_batch cb = {SP_HS_CREATE, SP_HS_CONTACTS, NULL, cin, 3, NULL, 0, 0};
    sp_hs_assoc_pair pairs[3];
    int status;
    json_t *j;
    char *text = NULL;
    const json_t *tid;

    start_sim(NULL);
    /* ids past 2^53: a double would round 9007199254740993 to ...992 */
    ctl_ok("POST", "/_sim/config", "{\"next_id\":9007199254740993}");
    c = client_with("v3", TOKEN, 190, 0); /* v4 associations: ids come back as numbers */
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    make_inputs(&x, 3, "NUM", "Numbers");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    for (int i = 0; i < 3; i++)
        snprintf(companies[i], sizeof(companies[i]), "%s", r.items[i].rec.id);
    sp_hs_batch_result_free(&r);
    ck_assert_str_eq(companies[0], "9007199254740993");
    ck_assert_int_eq(sp_hs_batch_run(c, &cb, &r, &e), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(contacts[i], sizeof(contacts[i]), "%s", r.items[i].rec.id);
        pairs[i].from_id = contacts[i];
        pairs[i].to_id = companies[2 - i];
    }
    sp_hs_batch_result_free(&r);
    ck_assert_msg(sp_hs_assoc_create(c, SP_HS_CONTACTS, SP_HS_COMPANIES, 279, pairs, 3, &r, &e) == 0, "%s",
                  sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 3);
    ck_assert_int_eq(r.requests, 1); /* each result matched its pair on the first reply */
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq(r.items[i].rec.id, contacts[i]);
    sp_hs_batch_result_free(&r);
    /* the simulator did send numbers, and they are the ids exactly */
    snprintf(path, sizeof(path), "/crm/v4/associations/contacts/companies/batch/read");
    snprintf(body, sizeof(body), "{\"inputs\":[{\"id\":\"%s\"}]}", contacts[2]);
    ck_assert_int_eq(sp_hs_raw(c, "POST", path, body, 1, &status, &text, &e), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(text);
    j = json_loads(text, 0, NULL);
    free(text);
    ck_assert_ptr_nonnull(j);
    tid = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(j, "results"), 0), "to"), 0),
                          "toObjectId");
    ck_assert(json_is_integer(tid));
    ck_assert_int_eq(json_integer_value(tid), 9007199254740993LL);
    json_decref(j);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(association_ids_as_numbers)

/* ---- replies that do not account for every input ------------------------------------ */

static void create_companies(sp_hs_client *c, inputs *x, sp_hs_batch_result *r, sp_err *e, int *rc)
{
    sp_hs_batch b = {SP_HS_CREATE, SP_HS_COMPANIES, NULL, x->in, x->n, NULL, 0, 0};
    *rc = sp_hs_batch_run(c, &b, r, e);
}

static void unnamed_error_fails_its_input_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x, y, z;
    sp_err e;
    char line[1024];
    int rc;

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    /* upsert: the 207's error names no input; the one input without a result failed */
    make_inputs(&x, 3, "UNE", "Unnamed");
    x.props[1 * 3 + 1].value = "NOT_A_TYPE";
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"unnamed_errors\":true}],\"match\":\"batch/upsert\"}");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 2);
    ck_assert_uint_eq(r.n_failed, 1);
    ck_assert_int_eq(r.items[1].state, SP_HS_ITEM_FAILED);
    ck_assert_str_eq(r.items[1].category, "VALIDATION_ERROR");
    ck_assert_str_eq(r.items[1].code, "INVALID_OPTION");
    ck_assert_ptr_nonnull(strstr(r.items[1].message, "NOT_A_TYPE"));
    ck_assert_int_eq(r.items[0].state, SP_HS_ITEM_OK);
    ck_assert_int_eq(r.items[2].state, SP_HS_ITEM_OK);
    ck_assert_int_eq(r.requests, 1);
    sp_hs_batch_result_free(&r);
    /* create: the same */
    make_inputs(&y, 3, "UNC", "UnnamedCreate");
    y.props[2 * 3 + 1].value = "SPACESHIP";
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"unnamed_errors\":true}],\"match\":\"batch/create\"}");
    create_companies(c, &y, &r, &e, &rc);
    ck_assert_msg(rc == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 2);
    ck_assert_int_eq(r.items[2].state, SP_HS_ITEM_FAILED);
    ck_assert_ptr_nonnull(strstr(r.items[2].message, "SPACESHIP"));
    sp_hs_batch_result_free(&r);
    /* fewer unnamed errors than inputs left without an outcome: which failed is unknown, so
     * an upsert sends them again and gets a named answer for each */
    make_inputs(&z, 3, "UNM", "UnnamedMixed");
    z.props[1 * 3 + 1].value = "NOT_A_TYPE";
    ctl_ok("POST", "/_sim/faults",
           "{\"next\":[{\"unnamed_errors\":true,\"omit_result\":true}],\"match\":\"batch/upsert\"}");
    ck_assert_msg(upsert(c, &z, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_int_eq(r.requests, 2);
    ck_assert_int_eq(r.items[0].state, SP_HS_ITEM_OK);
    ck_assert_int_eq(r.items[0].is_new, 1);
    ck_assert_int_eq(r.items[1].state, SP_HS_ITEM_FAILED);
    ck_assert_str_eq(r.items[1].code, "INVALID_OPTION");
    ck_assert_int_eq(r.items[2].state, SP_HS_ITEM_OK);
    ck_assert_int_eq(r.items[2].is_new, 0); /* written by the first call */
    sp_hs_batch_result_free(&r);
    ck_assert_uint_eq(record_count("companies"), 2 + 2 + 2);
    ck_assert_uint_eq(duplicate_count("companies", "gp_key"), 0);
    free_inputs(&x);
    free_inputs(&y);
    free_inputs(&z);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(unnamed_error_fails_its_input)

static void omitted_result_resends_upserts_not_creates_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x, y;
    sp_err e;
    char line[1024];
    int rc;

    start_sim(NULL);
    c = client();
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    /* upsert: the input left out of the reply is sent again and found */
    make_inputs(&x, 3, "OMU", "Omitted");
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"omit_result\":true}],\"match\":\"batch/upsert\"}");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 3);
    ck_assert_int_eq(r.requests, 2);
    ck_assert_int_eq(r.items[2].is_new, 0);
    ck_assert_uint_gt(strlen(r.items[2].rec.id), 10);
    ck_assert_str_eq(sp_hs_record_get(&r.items[2].rec, "gp_key"), "OMU00002");
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/upsert"), 2);
    ck_assert_uint_eq(record_count("companies"), 3);
    ck_assert_ptr_nonnull(strstr(logs(), "1 input(s) got neither a result nor an error that names them; sending"));
    /* create: not sent again (it could duplicate the record); no outcome, and the run is told */
    make_inputs(&y, 3, "OMC", "OmittedCreate");
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"omit_result\":true}],\"match\":\"batch/create\"}");
    create_companies(c, &y, &r, &e, &rc);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(e.code, SP_EHUBSPOT);
    ck_assert_msg(strstr(e.msg, "batch/create: outcome unknown for 1 input(s)") != NULL, "%s", e.msg);
    ck_assert_uint_eq(r.n_ok, 2);
    ck_assert_uint_eq(r.n_not_done, 1);
    ck_assert_int_eq(r.items[2].state, SP_HS_ITEM_NOT_DONE);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count("POST /crm/objects/2026-03/companies/batch/create"), 1);
    ck_assert_uint_eq(record_count("companies"), 6);
    free_inputs(&x);
    free_inputs(&y);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(omitted_result_resends_upserts_not_creates)

/* ---- a huge Retry-After: no overflow, no sleep past the retry budget --------------- */

static void huge_retry_after_gives_up_within_budget_body(void)
{
    sp_hs_client *c;
    sp_hs_batch_result r;
    inputs x;
    sp_err e;
    char line[1024];
    sp_fake_clock f;
    const char *path = "POST /crm/objects/2026-03/companies/batch/upsert";

    start_sim(NULL);
    c = client(); /* retry budget 30 s */
    setup_key(c, SP_HS_COMPANIES, "gp_key");
    memset(&f, 0, sizeof(f));
    sp_fake_clock_install(&f, 1767225600000LL);
    make_inputs(&x, 3, "RAF", "RetryAfter");
    /* 8 hours: past the budget, so the request gives up at once and pauses nobody */
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"status\":429,\"retry_after\":\"30000\"}],\"match\":\"batch/upsert\"}");
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), -1);
    ck_assert_int_eq(e.code, SP_EHUBSPOT);
    ck_assert_msg(strstr(e.msg, "gave up after 1 attempt") != NULL && strstr(e.msg, "retry time budget spent") != NULL &&
                      strstr(e.msg, "Retry-After 30000 s") != NULL,
                  "%s", e.msg);
    ck_assert_uint_eq(r.n_not_done, 3);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count(path), 1);
    /* the next request is not held back by the wait the first one refused */
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 3);
    sp_hs_batch_result_free(&r);
    ck_assert_int_le(f.slept_ms, 30000);
    /* too large to multiply by 1000: read as a day, not as garbage (it was undefined) */
    ctl_ok("POST", "/_sim/faults",
           "{\"next\":[{\"status\":429,\"retry_after\":\"99999999999999999999\"}],\"match\":\"batch/upsert\"}");
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), -1);
    ck_assert_msg(strstr(e.msg, "retry time budget spent") != NULL && strstr(e.msg, "Retry-After 86400 s") != NULL,
                  "%s", e.msg);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count(path), 3);
    ck_assert_int_le(f.slept_ms, 30000);
    /* an HTTP date far away is clamped the same way */
    ctl_ok("POST", "/_sim/faults",
           "{\"next\":[{\"status\":429,\"retry_after\":\"Fri, 31 Dec 9999 23:59:59 GMT\"}],\"match\":\"batch/upsert\"}");
    ck_assert_int_eq(upsert(c, &x, 0, &r, &e), -1);
    ck_assert_msg(strstr(e.msg, "Retry-After 86400 s") != NULL, "%s", e.msg);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count(path), 4);
    ck_assert_int_le(f.slept_ms, 30000);
    /* a short one is honoured: one pause, then the retry succeeds */
    ctl_ok("POST", "/_sim/faults", "{\"next\":[{\"status\":429,\"retry_after\":\"2\"}],\"match\":\"batch/upsert\"}");
    ck_assert_msg(upsert(c, &x, 0, &r, &e) == 0, "%s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_uint_eq(r.n_ok, 3);
    sp_hs_batch_result_free(&r);
    ck_assert_int_eq(endpoint_count(path), 6);
    ck_assert_int_ge(f.slept_ms, 2000);
    ck_assert_int_le(f.slept_ms, 30000);
    sp_clock_set(NULL);
    free_inputs(&x);
    sp_hs_client_free(c);
    stop_sim();
}
SIM_TEST(huge_retry_after_gives_up_within_budget)

static Suite *sim_suite(void)
{
    const struct {
        const char *name;
        const TTest *test;
    } tests[] = {
        {"upsert_creates_then_updates", upsert_creates_then_updates},
        {"submitted_batches_run_together", submitted_batches_run_together},
        {"storm_of_429_loses_nothing", storm_of_429_loses_nothing},
        {"ten_percent_5xx_every_record_once", ten_percent_5xx_every_record_once},
        {"drops_retry_upserts_not_creates", drops_retry_upserts_not_creates},
        {"drop_after_processing_upsert_no_duplicate", drop_after_processing_upsert_no_duplicate},
        {"multi_status_fails_bad_records_alone", multi_status_fails_bad_records_alone},
        {"ids_only_replies", ids_only_replies},
        {"whole_batch_400_is_bisected", whole_batch_400_is_bisected},
        {"duplicate_email_carries_existing_id", duplicate_email_carries_existing_id},
        {"read_since_crosses_the_cap", read_since_crosses_the_cap},
        {"daily_limit_stops_cleanly", daily_limit_stops_cleanly},
        {"wrong_token_is_refused_and_never_shown", wrong_token_is_refused_and_never_shown},
        {"missing_scope_names_the_scope", missing_scope_names_the_scope},
        {"properties_setup_twice_is_safe", properties_setup_twice_is_safe},
        {"both_api_versions_hit_their_paths", both_api_versions_hit_their_paths},
        {"list_pages_and_body_bound", list_pages_and_body_bound},
        {"malformed_json_is_an_error_with_context", malformed_json_is_an_error_with_context},
        {"http_to_a_remote_host_is_refused", http_to_a_remote_host_is_refused},
        {"timeouts_retry_reads_not_creates", timeouts_retry_reads_not_creates},
        {"give_up_names_request_attempts_status", give_up_names_request_attempts_status},
        {"batch_read_and_update", batch_read_and_update},
        {"search_secondly_limit_is_honoured", search_secondly_limit_is_honoured},
        {"huge_retry_after_gives_up_within_budget", huge_retry_after_gives_up_within_budget},
        {"unnamed_error_fails_its_input", unnamed_error_fails_its_input},
        {"association_ids_as_numbers", association_ids_as_numbers},
        {"omitted_result_resends_upserts_not_creates", omitted_result_resends_upserts_not_creates},
        {"deal_pipelines_read", deal_pipelines_read},
    };
    Suite *s = suite_create("hubspot_sim");

    /* one case per test: CK_RUN_CASE=name runs one */
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        TCase *tc = tcase_create(tests[i].name);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sim_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
