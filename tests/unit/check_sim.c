/* check_sim.c -- the HubSpot simulator behaves like HubSpot (driven over HTTP with tests/support/sim.h). */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../support/sim.h"
#include "../support/skip.h"
#include "spetl/err.h"
#include "spetl/mem.h"

/* ---- helpers ---------------------------------------------------------------- */

/* Start a simulator, or NULL (test skipped) when none is built and SPETL_SIM is unset. The
 * tests that use SIM() exercise other behaviour with HubSpot's looser historical bodies, so
 * they run it --lenient; the schema checks have tests of their own (SIM_STRICT). */
static sp_sim *sim_start(const char *const *args, int lenient)
{
    sp_sim *s = NULL;
    sp_err e;
    const char *all[24];
    size_t n = 0;
    if (lenient)
        all[n++] = "--lenient";
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 23; i++)
        all[n++] = args[i];
    all[n] = NULL;
    args = all;
    if (sp_sim_binary() == NULL) {
        if (getenv("SPETL_SIM") != NULL)
            ck_abort_msg("SPETL_SIM=%s is not an executable simulator", getenv("SPETL_SIM"));
        sp_skip_note("no bin/hubspot-sim here and SPETL_SIM is unset");
        return NULL;
    }
    if (sp_sim_start(args, &s, &e) != 0)
        ck_abort_msg("starting the simulator: %s", e.msg);
    return s;
}

/* Stop and insist on a clean exit: under make asan a leak or a sanitizer report fails the test. */
static void sim_down(sp_sim *s)
{
    ck_assert_int_eq(sp_sim_stop_status(s), 0);
}

#define SIM(var, ...)                                              \
    const char *const var##_args[] = {__VA_ARGS__, NULL};          \
    sp_sim *var = sim_start(var##_args[0] != NULL ? var##_args : NULL, 1); \
    SP_SKIP_IF(var == NULL, "%s", sp_skip_why())

#define SIM_STRICT(var, ...)                                       \
    const char *const var##_args[] = {__VA_ARGS__, NULL};          \
    sp_sim *var = sim_start(var##_args[0] != NULL ? var##_args : NULL, 0); \
    SP_SKIP_IF(var == NULL, "%s", sp_skip_why())

/* One request; the reply parsed as JSON (NULL when empty). */
static json_t *req(sp_sim *s, const char *method, const char *path, const char *body, int *status)
{
    sp_sim_response r;
    sp_err e;
    json_t *j = NULL;
    json_error_t je;
    if (sp_sim_request(s, method, path, body, &r, &e) != 0)
        ck_abort_msg("%s %s: %s", method, path, e.msg);
    *status = r.status;
    if (r.body_len > 0) {
        j = json_loadb(r.body, r.body_len, 0, &je);
        if (j == NULL)
            ck_abort_msg("%s %s: reply is not JSON: %.300s", method, path, r.body);
    }
    sp_sim_response_free(&r);
    return j;
}

static char *fmt(const char *f, ...) SP_PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
    va_list ap;
    char *out;
    va_start(ap, f);
    if (vasprintf(&out, f, ap) < 0)
        out = NULL;
    va_end(ap);
    ck_assert_ptr_nonnull(out);
    return out;
}

/* "a.0.b": objects by key, arrays by index. */
static json_t *jp(json_t *j, const char *path)
{
    const char *p = path;
    while (*p && j != NULL) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        char *tok = sp_xstrndup(p, n);
        if (json_is_array(j)) {
            char *end;
            long i = strtol(tok, &end, 10);
            j = *end == '\0' ? json_array_get(j, (size_t)i) : NULL;
        } else {
            j = json_object_get(j, tok);
        }
        free(tok);
        p += n;
        if (*p == '.')
            p++;
    }
    return j;
}

static const char *jps(json_t *j, const char *path)
{
    const char *s = json_string_value(jp(j, path));
    return s != NULL ? s : "(absent)";
}

static long long jpi(json_t *j, const char *path)
{
    json_t *v = jp(j, path);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
    return json_integer_value(v);
}

static size_t jpn(json_t *j, const char *path)
{
    return json_array_size(jp(j, path));
}

static void expect(sp_sim *s, const char *method, const char *path, const char *body, int want)
{
    int st;
    json_t *j = req(s, method, path, body, &st);
    if (st != want) {
        char *text = j != NULL ? json_dumps(j, 0) : NULL;
        ck_abort_msg("%s %s: status %d, wanted %d: %.500s", method, path, st, want, text != NULL ? text : "");
    }
    json_decref(j);
}

static size_t record_count(sp_sim *s, const char *obj)
{
    int st;
    char *path = fmt("/_sim/records/%s", obj);
    json_t *j = req(s, "GET", path, NULL, &st);
    size_t n;
    ck_assert_int_eq(st, 200);
    n = jpn(j, "results");
    json_decref(j);
    free(path);
    return n;
}

static long long stat_of(sp_sim *s, const char *path)
{
    int st;
    json_t *j = req(s, "GET", "/_sim/stats", NULL, &st);
    json_t *v;
    long long n;
    ck_assert_int_eq(st, 200);
    v = jp(j, path);
    n = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(j);
    return n;
}

/* ---- batch writes --------------------------------------------------------------- */

START_TEST(batch_upsert_creates_then_updates)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    char id1[32];
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert",
            "{\"inputs\":[{\"id\":\"Ann@Example.com\",\"idProperty\":\"email\",\"properties\":{\"firstname\":\"Ann\"}},"
            "{\"id\":\"bob@example.com\",\"idProperty\":\"email\",\"properties\":{\"firstname\":\"Bob\"}}]}",
            &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "status"), "COMPLETE");
    ck_assert_uint_eq(jpn(j, "results"), 2);
    ck_assert(json_is_true(jp(j, "results.0.new")));
    ck_assert(json_is_true(jp(j, "results.1.new")));
    ck_assert_str_eq(jps(j, "results.0.properties.email"), "ann@example.com");
    ck_assert_str_eq(jps(j, "results.0.properties.firstname"), "Ann");
    snprintf(id1, sizeof(id1), "%s", jps(j, "results.0.id"));
    ck_assert_msg(strtoll(id1, NULL, 10) > 4294967296LL, "id %s does not exceed 2^32", id1);
    ck_assert_str_eq(jps(j, "results.0.properties.hs_object_id"), id1);
    json_decref(j);

    /* the same email in another case updates the same record */
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert",
            "{\"inputs\":[{\"id\":\"ANN@example.com\",\"idProperty\":\"email\",\"properties\":{\"lastname\":\"Lee\"}}]}", &st);
    ck_assert_int_eq(st, 200);
    ck_assert(json_is_false(jp(j, "results.0.new")));
    ck_assert_str_eq(jps(j, "results.0.id"), id1);
    ck_assert_str_eq(jps(j, "results.0.properties.lastname"), "Lee");
    ck_assert_str_eq(jps(j, "results.0.properties.firstname"), "Ann");
    ck_assert_str_eq(jps(j, "results.0.properties.email"), "ann@example.com");
    json_decref(j);
    ck_assert_uint_eq(record_count(s, "contacts"), 2);
    ck_assert_int_eq(stat_of(s, "created"), 2);
    ck_assert_int_eq(stat_of(s, "updated"), 1);
    sim_down(s);
}
END_TEST

/* Bodies the simulator's own reader takes (plain ASCII, simple escapes, a repeated key, integers)
 * and those it leaves to Jansson (\u escapes, UTF-8, reals, errors) read the same way. */
START_TEST(request_bodies_read_as_jansson_reads_them)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert",
            "{\"inputs\":[{\"id\":\"c1@example.com\",\"idProperty\":\"email\",\"properties\":"
            "{\"firstname\":\"A\\\"b\\\\c\\/d\\te\",\"lastname\":\"x\",\"lastname\":\"Last\"}}]}",
            &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "results.0.properties.firstname"), "A\"b\\c/d\te");
    ck_assert_str_eq(jps(j, "results.0.properties.lastname"), "Last");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert",
            "{\"inputs\":[{\"id\":\"c2@example.com\",\"idProperty\":\"email\",\"properties\":"
            "{\"firstname\":\"Gen\\u00e8ve\",\"lastname\":\"Z\xc3\xbcrich\"}}]}",
            &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "results.0.properties.firstname"), "Gen\xc3\xa8ve");
    ck_assert_str_eq(jps(j, "results.0.properties.lastname"), "Z\xc3\xbcrich");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/companies",
            "{\"properties\":{\"name\":\"N\",\"numberofemployees\":-12,\"annualrevenue\":1.5}}", &st);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(jps(j, "properties.numberofemployees"), "-12");
    ck_assert_str_eq(jps(j, "properties.annualrevenue"), "1.5");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert", "{\"inputs\":[{\"id\":\"x\"},]}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "message"), "Invalid input JSON on line 1, column 23: unexpected token near ']'");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert", "{\"inputs\":[]} x", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "message"), "Invalid input JSON on line 1, column 15: end of file expected near 'x'");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert", "{\"inputs\":01}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "message"), "Invalid input JSON on line 1, column 11: invalid token near '0'");
    json_decref(j);
    sim_down(s);
}
END_TEST

START_TEST(duplicate_email_is_409)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    char *want;
    j = req(s, "POST", "/crm/v3/objects/contacts", "{\"properties\":{\"email\":\"Dup@Example.com\"}}", &st);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(jps(j, "properties.email"), "dup@example.com");
    want = fmt("Contact already exists. Existing ID: %s", jps(j, "id"));
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/contacts", "{\"properties\":{\"email\":\"DUP@example.com\"}}", &st);
    ck_assert_int_eq(st, 409);
    ck_assert_str_eq(jps(j, "status"), "error");
    ck_assert_str_eq(jps(j, "category"), "CONFLICT");
    ck_assert_str_eq(jps(j, "message"), want);
    ck_assert_uint_eq(strlen(jps(j, "correlationId")), 36);
    json_decref(j);
    /* batch create: the conflict refuses the whole batch without trace ids */
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/create",
            "{\"inputs\":[{\"properties\":{\"email\":\"new@example.com\"}},{\"properties\":{\"email\":\"dup@example.com\"}}]}", &st);
    ck_assert_int_eq(st, 409);
    ck_assert_str_eq(jps(j, "message"), want);
    json_decref(j);
    ck_assert_uint_eq(record_count(s, "contacts"), 1);
    free(want);
    sim_down(s);
}
END_TEST

START_TEST(batch_with_trace_ids_splits_into_207)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    j = req(s, "POST", "/crm/v3/objects/companies/batch/create",
            "{\"inputs\":[{\"properties\":{\"name\":\"A\"},\"objectWriteTraceId\":\"t1\"},"
            "{\"properties\":{\"name\":\"B\",\"no_such_prop\":\"x\"},\"objectWriteTraceId\":\"t2\"},"
            "{\"properties\":{\"name\":\"C\"},\"objectWriteTraceId\":\"t3\"}]}",
            &st);
    ck_assert_int_eq(st, 207);
    ck_assert_uint_eq(jpn(j, "results"), 2);
    ck_assert_str_eq(jps(j, "results.0.objectWriteTraceId"), "t1");
    ck_assert_str_eq(jps(j, "results.1.properties.name"), "C");
    ck_assert_int_eq(jpi(j, "numErrors"), 1);
    ck_assert_str_eq(jps(j, "errors.0.status"), "error");
    ck_assert_str_eq(jps(j, "errors.0.category"), "VALIDATION_ERROR");
    ck_assert_str_eq(jps(j, "errors.0.context.objectWriteTraceId.0"), "t2");
    ck_assert_str_eq(jps(j, "errors.0.errors.0.code"), "PROPERTY_DOESNT_EXIST");
    ck_assert_str_eq(jps(j, "errors.0.errors.0.message"), "Property \"no_such_prop\" does not exist");
    ck_assert_str_eq(jps(j, "errors.0.errors.0.context.propertyName.0"), "no_such_prop");
    json_decref(j);
    ck_assert_uint_eq(record_count(s, "companies"), 2);
    sim_down(s);
}
END_TEST

START_TEST(batch_without_trace_ids_is_refused_whole)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    j = req(s, "POST", "/crm/v3/objects/companies/batch/create",
            "{\"inputs\":[{\"properties\":{\"name\":\"A\"}},{\"properties\":{\"name\":\"B\",\"no_such_prop\":\"x\"}}]}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "category"), "VALIDATION_ERROR");
    ck_assert_str_eq(jps(j, "errors.0.code"), "PROPERTY_DOESNT_EXIST");
    ck_assert_msg(strncmp(jps(j, "message"), "Property values were not valid: [{\"isValid\":false,", 49) == 0,
                  "message: %s", jps(j, "message"));
    json_decref(j);
    ck_assert_uint_eq(record_count(s, "companies"), 0);
    sim_down(s);
}
END_TEST

static char *inputs_of(int n)
{
    char *body = sp_xstrdup("{\"inputs\":[");
    for (int i = 0; i < n; i++) {
        char *next = fmt("%s%s{\"properties\":{\"name\":\"Co %d\"}}", body, i ? "," : "", i);
        free(body);
        body = next;
    }
    {
        char *next = fmt("%s]}", body);
        free(body);
        body = next;
    }
    return body;
}

START_TEST(more_than_max_batch_is_400)
{
    SIM(s, NULL);
    int st;
    char *b101 = inputs_of(101), *b100 = inputs_of(100);
    json_t *j = req(s, "POST", "/crm/v3/objects/companies/batch/create", b101, &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "category"), "VALIDATION_ERROR");
    ck_assert_str_eq(jps(j, "message"), "Batch input size 101 is larger than the limit of 100 inputs per request");
    json_decref(j);
    expect(s, "POST", "/crm/v3/objects/companies/batch/create", b100, 201);
    ck_assert_uint_eq(record_count(s, "companies"), 100);
    free(b101);
    free(b100);
    sim_down(s);
}
END_TEST

START_TEST(property_values_are_validated)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    j = req(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"A\",\"type\":\"CUSTOMER\"}}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "errors.0.code"), "INVALID_OPTION");
    ck_assert_str_eq(jps(j, "errors.0.message"),
                     "CUSTOMER was not one of the allowed options: [PROSPECT, PARTNER, RESELLER, VENDOR, OTHER]");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/deals", "{\"properties\":{\"dealname\":\"D\",\"closedate\":\"2026-01-05T10:00:00Z\"}}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "errors.0.code"), "INVALID_DATE");
    ck_assert_str_eq(jps(j, "errors.0.message"), "2026-01-05T10:00:00Z is at 10:00:00.000 UTC, not midnight!");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/deals", "{\"properties\":{\"dealname\":\"D\",\"amount\":\"12,5\"}}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "errors.0.code"), "INVALID_INTEGER");
    ck_assert_str_eq(jps(j, "errors.0.message"), "12,5 was not a valid number.");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"A\",\"hs_object_id\":\"5\"}}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "errors.0.code"), "READ_ONLY_VALUE");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/contacts", "{\"properties\":{\"email\":\"not-an-email\"}}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "errors.0.code"), "INVALID_EMAIL");
    json_decref(j);
    /* valid: a date at midnight as epoch ms, a number, an option; values come back as strings */
    j = req(s, "POST", "/crm/v3/objects/deals",
            "{\"properties\":{\"dealname\":\"D\",\"closedate\":\"1767571200000\",\"amount\":\"12.50\",\"dealstage\":\"closedwon\",\"pipeline\":\"default\"}}",
            &st);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(jps(j, "properties.closedate"), "2026-01-05");
    ck_assert_str_eq(jps(j, "properties.amount"), "12.50");
    json_decref(j);
    ck_assert_uint_eq(record_count(s, "companies"), 0);
    ck_assert_uint_eq(record_count(s, "deals"), 1);
    sim_down(s);
}
END_TEST

/* ---- deal pipelines ----------------------------------------------------------------- */

START_TEST(deal_pipelines_listed_and_stages_checked)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    char *path;
    const char *id;

    /* HubSpot's default deal pipeline, on both path styles */
    j = req(s, "GET", "/crm/pipelines/2026-03/deals", NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_uint_eq(json_array_size(jp(j, "results")), 1);
    ck_assert_str_eq(jps(j, "results.0.id"), "default");
    ck_assert_str_eq(jps(j, "results.0.label"), "Sales Pipeline");
    ck_assert_uint_eq(json_array_size(jp(j, "results.0.stages")), 7);
    ck_assert_str_eq(jps(j, "results.0.stages.0.id"), "appointmentscheduled");
    ck_assert_str_eq(jps(j, "results.0.stages.0.label"), "Appointment Scheduled");
    ck_assert_str_eq(jps(j, "results.0.stages.5.id"), "closedwon");
    ck_assert_str_eq(jps(j, "results.0.stages.6.id"), "closedlost");
    ck_assert_str_eq(jps(j, "results.0.stages.5.metadata.probability"), "1.0");
    ck_assert(json_is_false(jp(j, "results.0.archived")) && json_is_string(jp(j, "results.0.createdAt")));
    json_decref(j);
    j = req(s, "GET", "/crm/v3/pipelines/deals", NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "results.0.stages.1.id"), "qualifiedtobuy");
    json_decref(j);
    j = req(s, "GET", "/crm/v3/pipelines/companies", NULL, &st);
    ck_assert_int_eq(st, 400);
    json_decref(j);

    /* a stage of no pipeline, then a stage of another pipeline: refused like an invalid option */
    j = req(s, "POST", "/crm/v3/objects/deals", "{\"properties\":{\"dealname\":\"D\",\"dealstage\":\"closedwonn\"}}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "category"), "VALIDATION_ERROR");
    ck_assert_str_eq(jps(j, "errors.0.code"), "INVALID_OPTION");
    json_decref(j);
    j = req(s, "POST", "/_sim/pipelines/deals", "{\"pipelines\":[{\"id\":\"renewals\",\"label\":\"Renewals\"}]}", &st);
    ck_assert_int_eq(st, 400);
    json_decref(j);
    j = req(s, "POST", "/_sim/pipelines/deals",
            "{\"pipelines\":[{\"id\":\"renewals\",\"label\":\"Renewals\",\"stages\":[{\"id\":\"r-open\",\"label\":\"Open\"},"
            "{\"id\":\"r-won\",\"label\":\"Won\",\"probability\":\"1.0\"}]}]}",
            &st);
    ck_assert_int_eq(st, 200);
    ck_assert_uint_eq(json_array_size(jp(j, "results")), 2);
    json_decref(j);
    j = req(s, "GET", "/crm/pipelines/2026-03/deals", NULL, &st);
    ck_assert_str_eq(jps(j, "results.1.id"), "renewals");
    ck_assert_str_eq(jps(j, "results.1.stages.1.label"), "Won");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/deals/batch/create",
            "{\"inputs\":[{\"properties\":{\"dealname\":\"A\",\"pipeline\":\"renewals\",\"dealstage\":\"r-won\"}},"
            "{\"properties\":{\"dealname\":\"B\",\"pipeline\":\"default\",\"dealstage\":\"r-won\"}}]}",
            &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "errors.0.code"), "INVALID_OPTION");
    ck_assert_str_eq(jps(j, "errors.0.context.propertyName.0"), "dealstage");
    ck_assert_msg(strstr(jps(j, "message"), "Property values were not valid: [{\"isValid\":false,") == jps(j, "message") &&
                      strstr(jps(j, "message"), "r-won is not a stage of pipeline default") != NULL,
                  "%s", jps(j, "message"));
    json_decref(j);
    ck_assert_uint_eq(record_count(s, "deals"), 0);
    /* without a pipeline a deal is in "default" */
    j = req(s, "POST", "/crm/v3/objects/deals", "{\"properties\":{\"dealname\":\"C\",\"dealstage\":\"r-open\"}}", &st);
    ck_assert_int_eq(st, 400);
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/deals",
            "{\"properties\":{\"dealname\":\"A\",\"pipeline\":\"renewals\",\"dealstage\":\"r-open\"}}", &st);
    ck_assert_int_eq(st, 201);
    id = jps(j, "id");
    path = fmt("/crm/v3/objects/deals/%s", id);
    json_decref(j);
    /* an update's stage is checked against the deal's own pipeline */
    j = req(s, "PATCH", path, "{\"properties\":{\"dealstage\":\"r-won\"}}", &st);
    ck_assert_int_eq(st, 200);
    json_decref(j);
    j = req(s, "PATCH", path, "{\"properties\":{\"dealstage\":\"closedwon\"}}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "errors.0.code"), "INVALID_OPTION");
    json_decref(j);
    free(path);
    /* a reset brings back the default pipeline alone */
    json_decref(req(s, "POST", "/_sim/reset", "{}", &st));
    j = req(s, "GET", "/crm/v3/pipelines/deals", NULL, &st);
    ck_assert_uint_eq(json_array_size(jp(j, "results")), 1);
    json_decref(j);
    sim_down(s);
}
END_TEST

/* ---- search ----------------------------------------------------------------------- */

static json_t *search(sp_sim *s, const char *obj, const char *body, int *st)
{
    char *path = fmt("/crm/v3/objects/%s/search", obj);
    json_t *j = req(s, "POST", path, body, st);
    free(path);
    return j;
}

static long long search_total(sp_sim *s, const char *obj, const char *body)
{
    int st;
    json_t *j = search(s, obj, body, &st);
    long long n;
    ck_assert_msg(st == 200, "search %s: status %d", body, st);
    n = jpi(j, "total");
    json_decref(j);
    return n;
}

#define F1(prop, op, val) \
    "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"" prop "\",\"operator\":\"" op "\"," val "}]}]}"

START_TEST(search_filters_sort_and_paging)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    expect(s, "POST", "/_sim/seed/companies",
           "{\"records\":["
           "{\"properties\":{\"name\":\"Alpha Fitness\",\"numberofemployees\":\"10\",\"domain\":\"alpha.com\"},\"createdate\":\"2026-01-01T00:00:00Z\"},"
           "{\"properties\":{\"name\":\"Beta Foods\",\"numberofemployees\":\"250\"},\"createdate\":\"2026-02-01T00:00:00Z\"},"
           "{\"properties\":{\"name\":\"Gamma\",\"numberofemployees\":\"10\",\"domain\":\"gamma.io\"},\"createdate\":\"2026-03-01T00:00:00Z\"},"
           "{\"properties\":{\"name\":\"Delta Fitness\"},\"createdate\":1775001600000}]}",
           200);
    ck_assert_int_eq(search_total(s, "companies", F1("numberofemployees", "GT", "\"value\":\"9\"")), 3);
    ck_assert_int_eq(search_total(s, "companies", F1("numberofemployees", "GTE", "\"value\":\"250\"")), 1);
    ck_assert_int_eq(search_total(s, "companies", F1("numberofemployees", "LT", "\"value\":\"100\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("numberofemployees", "EQ", "\"value\":\"10\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("numberofemployees", "NEQ", "\"value\":\"10\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "EQ", "\"value\":\"gamma\"")), 1);
    ck_assert_int_eq(search_total(s, "companies", F1("domain", "HAS_PROPERTY", "\"value\":\"\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("domain", "NOT_HAS_PROPERTY", "\"value\":\"\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "CONTAINS_TOKEN", "\"value\":\"fitness\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "CONTAINS_TOKEN", "\"value\":\"fit*\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "IN", "\"values\":[\"alpha fitness\",\"Gamma\"]")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "NOT_IN", "\"values\":[\"Gamma\"]")), 3);
    /* datetime compares as epoch ms, ISO or ms in the value */
    ck_assert_int_eq(search_total(s, "companies", F1("createdate", "GTE", "\"value\":\"2026-02-01T00:00:00.000Z\"")), 3);
    ck_assert_int_eq(search_total(s, "companies", F1("createdate", "BETWEEN", "\"value\":\"1767225600000\",\"highValue\":\"1769904000000\"")), 2);
    ck_assert_int_eq(search_total(s, "companies", F1("createdate", "LT", "\"value\":\"1769904000000\"")), 1);
    /* groups are ORed */
    ck_assert_int_eq(search_total(s, "companies",
                                  "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"name\",\"operator\":\"EQ\",\"value\":\"Gamma\"}]},"
                                  "{\"filters\":[{\"propertyName\":\"numberofemployees\",\"operator\":\"GT\",\"value\":\"100\"}]}]}"),
                     2);
    /* one sort, descending, ties broken by id ascending; paging by offset */
    j = search(s, "companies",
               "{\"sorts\":[{\"propertyName\":\"numberofemployees\",\"direction\":\"DESCENDING\"}],\"limit\":2,\"properties\":[\"name\"]}",
               &st);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(jpi(j, "total"), 4);
    ck_assert_str_eq(jps(j, "results.0.properties.name"), "Beta Foods");
    ck_assert_str_eq(jps(j, "results.1.properties.name"), "Alpha Fitness");
    ck_assert_str_eq(jps(j, "paging.next.after"), "2");
    ck_assert_ptr_null(jp(j, "results.0.properties.domain"));
    json_decref(j);
    j = search(s, "companies",
               "{\"sorts\":[{\"propertyName\":\"numberofemployees\",\"direction\":\"DESCENDING\"}],\"limit\":2,\"after\":\"2\",\"properties\":[\"name\"]}",
               &st);
    ck_assert_str_eq(jps(j, "results.0.properties.name"), "Gamma");
    ck_assert_str_eq(jps(j, "results.1.properties.name"), "Delta Fitness");
    ck_assert_ptr_null(jp(j, "paging"));
    json_decref(j);
    /* unknown operator and too many groups are 400 */
    j = search(s, "companies", F1("name", "LIKE", "\"value\":\"x\""), &st);
    ck_assert_int_eq(st, 400);
    json_decref(j);
    j = search(s, "companies", "{\"limit\":201}", &st);
    ck_assert_int_eq(st, 400);
    json_decref(j);
    sim_down(s);
}
END_TEST

START_TEST(search_stops_at_the_cap)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    size_t seen = 0;
    /* 10,050 companies in five seed calls */
    for (int chunk = 0; chunk < 5; chunk++) {
        char *body = sp_xstrdup("{\"records\":[");
        size_t len = strlen(body), cap = 200000;
        body = sp_xrealloc(body, cap);
        for (int i = 0; i < 2010; i++)
            len += (size_t)snprintf(body + len, cap - len, "%s{\"properties\":{\"name\":\"Co %d\"}}", i ? "," : "",
                                    chunk * 2010 + i);
        snprintf(body + len, cap - len, "]}");
        expect(s, "POST", "/_sim/seed/companies", body, 200);
        free(body);
    }
    ck_assert_uint_eq(record_count(s, "companies"), 10050);
    for (int after = 0; after < 10000; after += 200) {
        char *body = fmt("{\"limit\":200,\"after\":\"%d\",\"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"ASCENDING\"}]}", after);
        j = search(s, "companies", body, &st);
        ck_assert_int_eq(st, 200);
        ck_assert_int_eq(jpi(j, "total"), 10050);
        ck_assert_uint_eq(jpn(j, "results"), 200);
        seen += jpn(j, "results");
        if (after == 9800)
            ck_assert_str_eq(jps(j, "paging.next.after"), "10000");
        json_decref(j);
        free(body);
    }
    ck_assert_uint_eq(seen, 10000);
    j = search(s, "companies", "{\"limit\":200,\"after\":\"10000\"}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "category"), "VALIDATION_ERROR");
    ck_assert_msg(strstr(jps(j, "message"), "limited to 10000") != NULL, "message: %s", jps(j, "message"));
    json_decref(j);
    j = search(s, "companies", "{\"limit\":200,\"after\":\"9900\"}", &st);
    ck_assert_int_eq(st, 400);
    json_decref(j);
    sim_down(s);
}
END_TEST

START_TEST(search_lags_behind_writes)
{
    SIM(s, "--search-lag-ms", "60000");
    int st;
    json_t *j;
    const char *by_name = F1("name", "EQ", "\"value\":\"Lagging\"");
    char *path;
    j = req(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"Lagging\"}}", &st);
    ck_assert_int_eq(st, 201);
    path = fmt("/crm/v3/objects/companies/%s", jps(j, "id"));
    json_decref(j);
    ck_assert_int_eq(search_total(s, "companies", by_name), 0);
    /* reads by id see it at once */
    expect(s, "GET", path, NULL, 200);
    expect(s, "POST", "/_sim/clock", "{\"advance_ms\":60001}", 200);
    ck_assert_int_eq(search_total(s, "companies", by_name), 1);
    /* after an update search still sees the previous version until the lag has passed */
    expect(s, "PATCH", path, "{\"properties\":{\"name\":\"Renamed\"}}", 200);
    j = search(s, "companies", by_name, &st);
    ck_assert_int_eq(jpi(j, "total"), 1);
    ck_assert_str_eq(jps(j, "results.0.properties.name"), "Lagging");
    json_decref(j);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "EQ", "\"value\":\"Renamed\"")), 0);
    expect(s, "POST", "/_sim/clock", "{\"advance_ms\":60001}", 200);
    ck_assert_int_eq(search_total(s, "companies", by_name), 0);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "EQ", "\"value\":\"Renamed\"")), 1);
    free(path);
    /* seeded records are visible at once */
    expect(s, "POST", "/_sim/seed/companies", "{\"records\":[{\"properties\":{\"name\":\"Seeded\"}}]}", 200);
    ck_assert_int_eq(search_total(s, "companies", F1("name", "EQ", "\"value\":\"Seeded\"")), 1);
    sim_down(s);
}
END_TEST

/* ---- limits, auth, faults ------------------------------------------------------------ */

START_TEST(ten_second_limit_429)
{
    SIM(s, "--rate-10s", "3", "--daily", "1000");
    sp_sim_response r;
    sp_err e;
    char buf[64];
    json_t *j;
    json_error_t je;
    for (int i = 0; i < 3; i++) {
        char want[8];
        ck_assert_int_eq(sp_sim_request(s, "GET", "/crm/v3/objects/companies", NULL, &r, &e), 0);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(sp_sim_header(&r, "X-HubSpot-RateLimit-Max", buf, sizeof(buf)), "3");
        snprintf(want, sizeof(want), "%d", 2 - i);
        ck_assert_str_eq(sp_sim_header(&r, "X-HubSpot-RateLimit-Remaining", buf, sizeof(buf)), want);
        ck_assert_str_eq(sp_sim_header(&r, "X-HubSpot-RateLimit-Interval-Milliseconds", buf, sizeof(buf)), "10000");
        ck_assert_str_eq(sp_sim_header(&r, "X-HubSpot-RateLimit-Daily", buf, sizeof(buf)), "1000");
        sp_sim_response_free(&r);
    }
    /* search is exempt from the 10-second window and carries no rate-limit headers */
    ck_assert_int_eq(sp_sim_request(s, "POST", "/crm/v3/objects/companies/search", "{}", &r, &e), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_null(sp_sim_header(&r, "X-HubSpot-RateLimit-Max", buf, sizeof(buf)));
    ck_assert_ptr_null(sp_sim_header(&r, "X-HubSpot-RateLimit-Daily", buf, sizeof(buf)));
    sp_sim_response_free(&r);
    ck_assert_int_eq(sp_sim_request(s, "GET", "/crm/v3/objects/companies", NULL, &r, &e), 0);
    ck_assert_int_eq(r.status, 429);
    ck_assert_str_eq(sp_sim_header(&r, "X-HubSpot-RateLimit-Remaining", buf, sizeof(buf)), "0");
    j = json_loads(r.body, 0, &je);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(jps(j, "status"), "error");
    ck_assert_str_eq(jps(j, "message"), "You have reached your ten_secondly_rolling limit.");
    ck_assert_str_eq(jps(j, "errorType"), "RATE_LIMIT");
    ck_assert_str_eq(jps(j, "policyName"), "TEN_SECONDLY_ROLLING");
    ck_assert_uint_eq(strlen(jps(j, "correlationId")), 36);
    json_decref(j);
    sp_sim_response_free(&r);
    ck_assert_int_eq(stat_of(s, "status_429"), 1);
    /* the window rolls */
    expect(s, "POST", "/_sim/clock", "{\"advance_ms\":10001}", 200);
    expect(s, "GET", "/crm/v3/objects/companies", NULL, 200);
    sim_down(s);
}
END_TEST

START_TEST(daily_and_search_limits_429)
{
    SIM(s, "--daily", "3", "--search-per-sec", "1");
    int st;
    json_t *j;
    expect(s, "POST", "/crm/v3/objects/contacts/search", "{}", 200);
    j = req(s, "POST", "/crm/v3/objects/contacts/search", "{}", &st);
    ck_assert_int_eq(st, 429);
    ck_assert_str_eq(jps(j, "policyName"), "SECONDLY");
    ck_assert_str_eq(jps(j, "message"), "You have reached your secondly limit.");
    json_decref(j);
    expect(s, "GET", "/crm/v3/objects/contacts", NULL, 200);
    expect(s, "GET", "/account-info/v3/details", NULL, 200);
    j = req(s, "GET", "/crm/v3/objects/contacts", NULL, &st);
    ck_assert_int_eq(st, 429);
    ck_assert_str_eq(jps(j, "policyName"), "DAILY");
    ck_assert_str_eq(jps(j, "message"), "You have reached your daily limit.");
    json_decref(j);
    sim_down(s);
}
END_TEST

START_TEST(wrong_token_is_401)
{
    SIM(s, "--token", "pat-na1-right");
    int st;
    json_t *j;
    expect(s, "GET", "/crm/v3/objects/contacts", NULL, 200);
    sp_sim_set_token(s, "pat-na1-wrong");
    j = req(s, "GET", "/crm/v3/objects/contacts", NULL, &st);
    ck_assert_int_eq(st, 401);
    ck_assert_str_eq(jps(j, "category"), "INVALID_AUTHENTICATION");
    json_decref(j);
    sp_sim_set_token(s, NULL);
    j = req(s, "GET", "/crm/v3/objects/contacts", NULL, &st);
    ck_assert_int_eq(st, 401);
    ck_assert_msg(strncmp(jps(j, "message"), "Authentication credentials not found.", 37) == 0, "%s", jps(j, "message"));
    json_decref(j);
    /* control endpoints need no token */
    expect(s, "GET", "/_sim/stats", NULL, 200);
    sim_down(s);
}
END_TEST

START_TEST(missing_scope_is_403)
{
    SIM(s, "--scopes", "crm.objects.contacts.read,crm.schemas.contacts.read");
    int st;
    json_t *j;
    expect(s, "GET", "/crm/v3/objects/contacts", NULL, 200);
    expect(s, "GET", "/crm/v3/properties/contacts", NULL, 200);
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/upsert", "{\"inputs\":[]}", &st);
    ck_assert_int_eq(st, 403);
    ck_assert_str_eq(jps(j, "category"), "MISSING_SCOPES");
    ck_assert_str_eq(jps(j, "context.requiredGranularScopes.0"), "crm.objects.contacts.write");
    ck_assert_str_eq(jps(j, "errors.0.context.requiredGranularScopes.0"), "crm.objects.contacts.write");
    json_decref(j);
    sim_down(s);
}
END_TEST

START_TEST(queued_faults_apply_in_order)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    sp_sim_response r;
    sp_err e;
    j = req(s, "POST", "/_sim/faults", "{\"next\":[{\"status\":500},{\"status\":429,\"policy\":\"SECONDLY\"}],\"match\":\"/companies\"}", &st);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(jpi(j, "pending"), 2);
    json_decref(j);
    expect(s, "GET", "/crm/v3/objects/contacts", NULL, 200);   /* does not match */
    j = req(s, "GET", "/crm/v3/objects/companies", NULL, &st);
    ck_assert_int_eq(st, 500);
    ck_assert_str_eq(jps(j, "category"), "INTERNAL_ERROR");
    json_decref(j);
    j = req(s, "GET", "/crm/v3/objects/companies", NULL, &st);
    ck_assert_int_eq(st, 429);
    ck_assert_str_eq(jps(j, "policyName"), "SECONDLY");
    json_decref(j);
    expect(s, "GET", "/crm/v3/objects/companies", NULL, 200);

    /* a drop closes the connection with no reply and writes nothing */
    expect(s, "POST", "/_sim/faults", "{\"next\":[{\"drop\":true}]}", 200);
    ck_assert_int_eq(sp_sim_request(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"A\"}}", &r, &e), -1);
    ck_assert_int_eq(e.code, SP_EIO);
    ck_assert_msg(strstr(e.msg, "without a response") != NULL, "%s", e.msg);
    ck_assert_uint_eq(record_count(s, "companies"), 0);
    /* drop_after_processing writes, then drops: the outcome-unknown case */
    expect(s, "POST", "/_sim/faults", "{\"next\":[{\"drop_after_processing\":true}]}", 200);
    ck_assert_int_eq(sp_sim_request(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"B\"}}", &r, &e), -1);
    ck_assert_uint_eq(record_count(s, "companies"), 1);
    /* a malformed reply is not JSON */
    expect(s, "POST", "/_sim/faults", "{\"next\":[{\"malformed\":true}]}", 200);
    ck_assert_int_eq(sp_sim_request(s, "GET", "/crm/v3/objects/companies", NULL, &r, &e), 0);
    ck_assert_int_eq(r.status, 200);
    {
        json_error_t je;
        json_t *bad = json_loadb(r.body, r.body_len, 0, &je);
        ck_assert_ptr_null(bad);
    }
    sp_sim_response_free(&r);
    ck_assert_int_eq(stat_of(s, "dropped"), 2);
    ck_assert_int_eq(stat_of(s, "status_5xx"), 1);
    ck_assert_int_eq(stat_of(s, "faults_pending"), 0);
    sim_down(s);
}
END_TEST

START_TEST(stats_count_by_endpoint)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    char *path;
    j = req(s, "POST", "/crm/v3/objects/contacts", "{\"properties\":{\"email\":\"x@example.com\"}}", &st);
    path = fmt("/crm/v3/objects/contacts/%s", jps(j, "id"));
    json_decref(j);
    expect(s, "GET", path, NULL, 200);
    expect(s, "GET", "/crm/v3/objects/contacts/x@example.com?idProperty=email", NULL, 200);
    expect(s, "POST", "/crm/v3/objects/contacts/batch/upsert",
           "{\"inputs\":[{\"id\":\"y@example.com\",\"idProperty\":\"email\",\"properties\":{}}]}", 200);
    expect(s, "POST", "/crm/v3/objects/contacts/batch/upsert",
           "{\"inputs\":[{\"id\":\"y@example.com\",\"idProperty\":\"email\",\"properties\":{}}]}", 200);
    j = req(s, "GET", "/_sim/stats", NULL, &st);
    ck_assert_int_eq(jpi(j, "requests"), 5);
    ck_assert_int_eq(jpi(j, "by_endpoint.POST /crm/v3/objects/contacts/batch/upsert"), 2);
    ck_assert_int_eq(jpi(j, "by_endpoint.GET /crm/v3/objects/contacts/{objectId}"), 2);
    ck_assert_int_eq(jpi(j, "by_endpoint.POST /crm/v3/objects/contacts"), 1);
    ck_assert_int_eq(jpi(j, "writes"), 3);
    ck_assert_int_eq(jpi(j, "max_in_flight"), 1);
    json_decref(j);
    expect(s, "POST", "/_sim/reset", "{}", 200);
    ck_assert_int_eq(stat_of(s, "requests"), 0);
    ck_assert_uint_eq(record_count(s, "contacts"), 0);
    free(path);
    sim_down(s);
}
END_TEST

/* ---- associations, properties, paths ------------------------------------------------- */

static char *create_id(sp_sim *s, const char *obj, const char *props)
{
    int st;
    char *path = fmt("/crm/v3/objects/%s", obj), *body = fmt("{\"properties\":%s}", props);
    json_t *j = req(s, "POST", path, body, &st);
    char *id;
    ck_assert_msg(st == 201, "create %s: %d", obj, st);
    id = sp_xstrdup(jps(j, "id"));
    json_decref(j);
    free(path);
    free(body);
    return id;
}

START_TEST(associations_v4_and_create_time)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    char *co = create_id(s, "companies", "{\"name\":\"Acme\"}");
    char *ct = create_id(s, "contacts", "{\"email\":\"a@acme.com\"}");
    char *deal = create_id(s, "deals", "{\"dealname\":\"Order 1\"}");
    char *body, *li;

    body = fmt("{\"inputs\":[{\"from\":{\"id\":\"%s\"},\"to\":{\"id\":\"%s\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":279}]}]}", ct, co);
    j = req(s, "POST", "/crm/v4/associations/contacts/companies/batch/create", body, &st);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(jps(j, "results.0.fromObjectTypeId"), "0-1");
    /* v4 sends record ids as numbers (past 2^32), 2026-03 as strings */
    ck_assert_int_eq(jpi(j, "results.0.toObjectId"), strtoll(co, NULL, 10));
    ck_assert_int_eq(jpi(j, "results.0.fromObjectId"), strtoll(ct, NULL, 10));
    ck_assert_int_gt(jpi(j, "results.0.toObjectId"), 4294967296LL);
    json_decref(j);
    free(body);
    body = fmt("{\"inputs\":[{\"id\":\"%s\"}]}", co);
    j = req(s, "POST", "/crm/associations/2026-03/companies/contacts/batch/read", body, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "results.0.from.id"), co);
    ck_assert_str_eq(jps(j, "results.0.to.0.toObjectId"), ct);
    ck_assert_int_eq(jpi(j, "results.0.to.0.associationTypes.0.typeId"), 280);
    json_decref(j);
    free(body);
    /* default association deal -> company is 341 */
    body = fmt("{\"inputs\":[{\"from\":{\"id\":\"%s\"},\"to\":{\"id\":\"%s\"}}]}", deal, co);
    j = req(s, "POST", "/crm/v4/associations/deals/companies/batch/associate/default", body, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(jpi(j, "results.0.associationSpec.associationTypeId"), 341);
    json_decref(j);
    free(body);
    /* create-time association: line item -> deal (20), read back from the deal (19) */
    body = fmt("{\"properties\":{\"name\":\"Widget\",\"quantity\":\"2\",\"price\":\"10.5\"},\"associations\":[{\"to\":{\"id\":\"%s\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":20}]}]}", deal);
    j = req(s, "POST", "/crm/v3/objects/line_items", body, &st);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(jps(j, "properties.amount"), "21.00");
    li = sp_xstrdup(jps(j, "id"));
    json_decref(j);
    free(body);
    body = fmt("{\"inputs\":[{\"id\":\"%s\"}]}", deal);
    j = req(s, "POST", "/crm/v4/associations/deals/line_items/batch/read", body, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(jpi(j, "results.0.to.0.toObjectId"), strtoll(li, NULL, 10));
    ck_assert_int_eq(jpi(j, "results.0.to.0.associationTypes.0.typeId"), 19);
    json_decref(j);
    free(body);
    /* v3 read with associations=companies */
    body = fmt("/crm/v3/objects/contacts/%s?associations=companies", ct);
    j = req(s, "GET", body, NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "associations.companies.results.0.id"), co);
    json_decref(j);
    free(body);
    /* a bad type or a missing record is a per-input error (207) */
    body = fmt("{\"inputs\":[{\"from\":{\"id\":\"%s\"},\"to\":{\"id\":\"%s\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":999}]},"
               "{\"from\":{\"id\":\"1\"},\"to\":{\"id\":\"%s\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":279}]}]}", ct, co, co);
    j = req(s, "POST", "/crm/v4/associations/contacts/companies/batch/create", body, &st);
    ck_assert_int_eq(st, 207);
    ck_assert_int_eq(jpi(j, "numErrors"), 2);
    ck_assert_str_eq(jps(j, "errors.1.category"), "OBJECT_NOT_FOUND");
    json_decref(j);
    free(body);
    /* a create-time association with a bad type refuses that input */
    body = fmt("{\"inputs\":[{\"properties\":{\"email\":\"b@acme.com\"},\"objectWriteTraceId\":\"ok\",\"associations\":[{\"to\":{\"id\":\"%s\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":279}]}]},"
               "{\"properties\":{\"email\":\"c@acme.com\"},\"objectWriteTraceId\":\"bad\",\"associations\":[{\"to\":{\"id\":\"%s\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":341}]}]}]}", co, co);
    j = req(s, "POST", "/crm/v3/objects/contacts/batch/create", body, &st);
    ck_assert_int_eq(st, 207);
    ck_assert_uint_eq(jpn(j, "results"), 1);
    ck_assert_str_eq(jps(j, "errors.0.context.objectWriteTraceId.0"), "bad");
    ck_assert_str_eq(jps(j, "errors.0.message"), "Association type id 341 is not valid from contact (category HUBSPOT_DEFINED)");
    json_decref(j);
    free(body);
    /* a record without associations: 207 with NO_ASSOCIATIONS_FOUND */
    body = fmt("{\"inputs\":[{\"id\":\"%s\"}]}", deal);
    j = req(s, "POST", "/crm/v4/associations/deals/contacts/batch/read", body, &st);
    ck_assert_int_eq(st, 207);
    ck_assert_str_eq(jps(j, "errors.0.subCategory"), "crm.associations.NO_ASSOCIATIONS_FOUND");
    json_decref(j);
    free(body);
    free(co);
    free(ct);
    free(deal);
    free(li);
    sim_down(s);
}
END_TEST

START_TEST(custom_unique_property)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    const char *prop = "{\"name\":\"gp_custnmbr\",\"label\":\"GP customer number\",\"type\":\"string\","
                       "\"fieldType\":\"text\",\"groupName\":\"spetl\",\"hasUniqueValue\":true}";
    j = req(s, "POST", "/crm/v3/properties/companies", prop, &st);
    ck_assert_int_eq(st, 400);   /* the group does not exist yet */
    json_decref(j);
    expect(s, "POST", "/crm/v3/properties/companies/groups", "{\"name\":\"spetl\",\"label\":\"spetl\"}", 201);
    j = req(s, "POST", "/crm/v3/properties/companies", prop, &st);
    ck_assert_int_eq(st, 201);
    ck_assert(json_is_true(jp(j, "hasUniqueValue")));
    ck_assert_str_eq(jps(j, "groupName"), "spetl");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/properties/companies", prop, &st);
    ck_assert_int_eq(st, 409);
    json_decref(j);
    j = req(s, "GET", "/crm/properties/2026-03/companies/gp_custnmbr", NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "type"), "string");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/companies/batch/upsert",
            "{\"inputs\":[{\"id\":\"AARONFIT0001\",\"idProperty\":\"gp_custnmbr\",\"properties\":{\"name\":\"Aaron Fitness\"}}]}", &st);
    ck_assert_int_eq(st, 200);
    ck_assert(json_is_true(jp(j, "results.0.new")));
    ck_assert_str_eq(jps(j, "results.0.properties.gp_custnmbr"), "AARONFIT0001");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/companies/batch/upsert",
            "{\"inputs\":[{\"id\":\"AARONFIT0001\",\"idProperty\":\"gp_custnmbr\",\"properties\":{\"city\":\"Boise\"}}]}", &st);
    ck_assert_int_eq(st, 200);
    ck_assert(json_is_false(jp(j, "results.0.new")));
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"Other\",\"gp_custnmbr\":\"AARONFIT0001\"}}", &st);
    ck_assert_int_eq(st, 409);
    ck_assert_str_eq(jps(j, "category"), "CONFLICT");
    json_decref(j);
    ck_assert_uint_eq(record_count(s, "companies"), 1);
    /* hs_sku is not unique by default: no upsert by it */
    j = req(s, "GET", "/crm/v3/properties/products/hs_sku", NULL, &st);
    ck_assert(json_is_false(jp(j, "hasUniqueValue")));
    json_decref(j);
    j = req(s, "POST", "/crm/v3/objects/products/batch/upsert",
            "{\"inputs\":[{\"id\":\"SKU1\",\"idProperty\":\"hs_sku\",\"properties\":{\"name\":\"P\"}}]}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "message"), "Unable to perform update/upsert by non-unique 0-7 property hs_sku");
    json_decref(j);
    /* products and line items take no unique-value properties (issue 8, item 11) */
    expect(s, "POST", "/crm/v3/properties/products/groups", "{\"name\":\"spetl\",\"label\":\"spetl\"}", 201);
    expect(s, "POST", "/crm/v3/properties/line_items/groups", "{\"name\":\"spetl\",\"label\":\"spetl\"}", 201);
    j = req(s, "POST", "/crm/v3/properties/products",
            "{\"name\":\"gp_item_number\",\"label\":\"GP item\",\"type\":\"string\",\"fieldType\":\"text\","
            "\"groupName\":\"spetl\",\"hasUniqueValue\":true}", &st);
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(jps(j, "category"), "VALIDATION_ERROR");
    ck_assert_str_eq(jps(j, "message"), "Unique value properties are not supported for object type 0-7");
    json_decref(j);
    j = req(s, "POST", "/crm/v3/properties/line_items",
            "{\"name\":\"gp_line\",\"label\":\"GP line\",\"type\":\"string\",\"fieldType\":\"text\","
            "\"groupName\":\"spetl\",\"hasUniqueValue\":true}", &st);
    ck_assert_int_eq(st, 400);
    json_decref(j);
    j = req(s, "GET", "/crm/v3/properties/products/gp_item_number", NULL, &st);
    ck_assert_int_eq(st, 404);
    json_decref(j);
    expect(s, "POST", "/crm/v3/properties/products",
           "{\"name\":\"gp_item_number\",\"label\":\"GP item\",\"type\":\"string\",\"fieldType\":\"text\","
           "\"groupName\":\"spetl\"}", 201);
    /* company type options come from the definition */
    j = req(s, "GET", "/crm/v3/properties/companies/type", NULL, &st);
    ck_assert_str_eq(jps(j, "type"), "enumeration");
    ck_assert_str_eq(jps(j, "options.4.value"), "OTHER");
    json_decref(j);
    sim_down(s);
}
END_TEST

START_TEST(both_path_styles_and_account)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    char *path;
    j = req(s, "POST", "/crm/objects/2026-03/0-3", "{\"properties\":{\"dealname\":\"Dated\"}}", &st);
    ck_assert_int_eq(st, 201);
    path = fmt("/crm/v3/objects/deals/%s?properties=dealname", jps(j, "id"));
    json_decref(j);
    j = req(s, "GET", path, NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(jps(j, "properties.dealname"), "Dated");
    json_decref(j);
    j = req(s, "GET", "/crm/properties/2026-03/contacts/email", NULL, &st);
    ck_assert(json_is_true(jp(j, "hasUniqueValue")));
    json_decref(j);
    j = req(s, "GET", "/account-info/v3/details", NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(jpi(j, "portalId"), 41234567);
    ck_assert_str_eq(jps(j, "companyCurrency"), "USD");
    ck_assert_str_eq(jps(j, "dataHostingLocation"), "na1");
    json_decref(j);
    j = req(s, "GET", "/account-info/v3/api-usage/daily/private-apps", NULL, &st);
    ck_assert_str_eq(jps(j, "results.0.name"), "private-apps-api-calls-daily");
    ck_assert_int_eq(jpi(j, "results.0.currentUsage"), 5);   /* this call counts too */
    json_decref(j);
    free(path);
    sim_down(s);
}
END_TEST

START_TEST(read_archive_list_and_duplicates)
{
    SIM(s, NULL);
    int st;
    json_t *j;
    char *a = create_id(s, "companies", "{\"name\":\"A\",\"domain\":\"same.com\"}");
    char *b = create_id(s, "companies", "{\"name\":\"B\",\"domain\":\"SAME.com\"}");
    char *body = fmt("{\"inputs\":[{\"id\":\"%s\"},{\"id\":\"123\"}],\"properties\":[\"name\"]}", a), *path;
    j = req(s, "POST", "/crm/v3/objects/companies/batch/read", body, &st);
    ck_assert_int_eq(st, 207);
    ck_assert_str_eq(jps(j, "results.0.properties.name"), "A");
    ck_assert_str_eq(jps(j, "errors.0.category"), "OBJECT_NOT_FOUND");
    ck_assert_str_eq(jps(j, "errors.0.context.ids.0"), "123");
    json_decref(j);
    free(body);
    j = req(s, "GET", "/_sim/duplicates/companies?property=domain", NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert_uint_eq(jpn(j, "duplicates"), 1);
    ck_assert_uint_eq(jpn(j, "duplicates.0.ids"), 2);
    json_decref(j);
    path = fmt("/crm/v3/objects/companies/%s", b);
    expect(s, "DELETE", path, NULL, 204);
    expect(s, "GET", path, NULL, 404);
    j = req(s, "GET", "/crm/v3/objects/companies?archived=true", NULL, &st);
    ck_assert_uint_eq(jpn(j, "results"), 1);
    ck_assert_str_eq(jps(j, "results.0.id"), b);
    json_decref(j);
    j = req(s, "GET", "/crm/v3/objects/companies?limit=1", NULL, &st);
    ck_assert_uint_eq(jpn(j, "results"), 1);
    ck_assert_str_eq(jps(j, "results.0.id"), a);
    ck_assert_ptr_null(jp(j, "paging"));
    json_decref(j);
    j = req(s, "GET", "/_sim/duplicates/companies?property=domain", NULL, &st);
    ck_assert_uint_eq(jpn(j, "duplicates"), 0);
    json_decref(j);
    free(path);
    free(a);
    free(b);
    sim_down(s);
}
END_TEST

START_TEST(random_faults_follow_the_seed)
{
    SIM(s, "--seed", "42", "--jitter-ms", "3", "--drop-pct", "25", "--fail-5xx-pct", "25", "--malformed-pct", "20");
    int ok = 0, bad_json = 0, failed = 0, dropped = 0;
    for (int i = 0; i < 60; i++) {
        sp_sim_response r;
        sp_err e;
        if (sp_sim_request(s, "GET", "/crm/v3/objects/companies", NULL, &r, &e) != 0) {
            ck_assert_int_eq(e.code, SP_EIO);
            dropped++;
            continue;
        }
        if (r.status >= 500) {
            failed++;
        } else {
            json_error_t je;
            json_t *j = json_loadb(r.body, r.body_len, 0, &je);
            ck_assert_int_eq(r.status, 200);
            if (j == NULL)
                bad_json++;
            else
                ok++;
            json_decref(j);
        }
        sp_sim_response_free(&r);
    }
    ck_assert_int_eq(ok + bad_json + failed + dropped, 60);
    ck_assert_int_gt(ok, 0);
    ck_assert_int_gt(bad_json, 0);
    ck_assert_int_gt(failed, 0);
    ck_assert_int_gt(dropped, 0);
    ck_assert_int_eq(stat_of(s, "dropped"), dropped);
    ck_assert_int_eq(stat_of(s, "status_5xx"), failed);
    ck_assert_int_eq(stat_of(s, "requests"), 60);
    sim_down(s);
}
END_TEST

typedef struct par_arg {
    sp_sim *s;
    const char *path;
} par_arg;

static void *par_get(void *p)
{
    par_arg *a = p;
    sp_sim_response r;
    sp_err e;
    /* the reply may never come: the simulator is stopped while this call sleeps */
    if (sp_sim_request(a->s, "GET", a->path, NULL, &r, &e) == 0)
        sp_sim_response_free(&r);
    return NULL;
}

START_TEST(a_sleeping_reply_does_not_hold_up_others)
{
    SIM(s, "--latency-ms", "0");
    pthread_t th;
    par_arg a = {s, "/crm/v3/objects/deals"};
    int waited = 0;
    expect(s, "POST", "/_sim/faults", "{\"next\":[{\"delay_ms\":600000}],\"match\":\"/deals\"}", 200);
    ck_assert_int_eq(pthread_create(&th, NULL, par_get, &a), 0);
    while (stat_of(s, "in_flight") != 1) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        ck_assert_msg(++waited < 1500, "the delayed call never arrived");
        nanosleep(&ts, NULL);
    }
    /* another call is answered while the first one sleeps in its own thread */
    expect(s, "GET", "/crm/v3/objects/companies", NULL, 200);
    ck_assert_int_eq(stat_of(s, "in_flight"), 1);
    ck_assert_int_eq(stat_of(s, "max_in_flight"), 2);
    sim_down(s);   /* a stop wakes the sleeper */
    pthread_join(th, NULL);
}
END_TEST

START_TEST(simulator_exits_cleanly)
{
    SIM(s, NULL);
    expect(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"A\"}}", 201);
    ck_assert_int_eq(sp_sim_stop_status(s), 0);
    /* sp_sim_stop: the contract's form, for a handle or NULL */
    sp_sim_stop(NULL);
}
END_TEST

/* The body lacks what the schema requires: 400 VALIDATION_ERROR naming the schema and the
 * attributes, as HubSpot's deserialiser answers. */
static void expect_required(sp_sim *s, const char *path, const char *body, const char *message)
{
    int st;
    json_t *j = req(s, "POST", path, body, &st);
    ck_assert_msg(st == 400, "%s %s: status %d, wanted 400", path, body, st);
    ck_assert_str_eq(jps(j, "category"), "VALIDATION_ERROR");
    ck_assert_str_eq(jps(j, "message"), message);
    json_decref(j);
}

START_TEST(strict_schema_refuses_missing_required_attributes)
{
    const char *read_no_history = "{\"inputs\":[{\"id\":\"1\"}],\"properties\":[\"email\"]}";
    int st;
    json_t *j;
    sp_err e;
    SIM_STRICT(s, NULL);
    /* the customer-export defect: a batch read without propertiesWithHistory */
    expect_required(s, "/crm/objects/2026-03/contacts/batch/read", read_no_history,
                    "Invalid input JSON: Cannot build BatchReadInputSimplePublicObjectId, some of required "
                    "attributes are not set [propertiesWithHistory]");
    j = req(s, "POST", "/crm/objects/2026-03/contacts/batch/read",
            "{\"inputs\":[{\"id\":\"1\"}],\"properties\":[\"email\"],\"propertiesWithHistory\":[]}", &st);
    ck_assert_int_eq(st, 207); /* accepted; id 1 does not exist */
    json_decref(j);
    expect_required(s, "/crm/v3/objects/companies/batch/create", "{\"inputs\":[{\"properties\":{\"name\":\"A\"}}]}",
                    "Invalid input JSON: Cannot build SimplePublicObjectBatchInputForCreate, some of required "
                    "attributes are not set [associations]");
    expect_required(s, "/crm/v3/objects/companies/batch/upsert",
                    "{\"inputs\":[{\"id\":\"k\",\"idProperty\":\"domain\"}]}",
                    "Invalid input JSON: Cannot build SimplePublicObjectBatchInputUpsert, some of required "
                    "attributes are not set [properties]");
    expect_required(s, "/crm/v3/objects/companies/batch/update", "{\"inputs\":[{\"properties\":{}}]}",
                    "Invalid input JSON: Cannot build SimplePublicObjectBatchInput, some of required attributes "
                    "are not set [id]");
    expect_required(s, "/crm/v3/objects/companies/batch/archive", "{\"inputs\":[{}]}",
                    "Invalid input JSON: Cannot build SimplePublicObjectId, some of required attributes are not "
                    "set [id]");
    expect_required(s, "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"A\"}}",
                    "Invalid input JSON: Cannot build SimplePublicObjectInputForCreate, some of required "
                    "attributes are not set [associations]");
    expect_required(s, "/crm/objects/2026-03/companies/search", "{\"filterGroups\":[],\"limit\":10}",
                    "Invalid input JSON: Cannot build PublicObjectSearchRequest, some of required attributes are "
                    "not set [after, properties, sorts]");
    expect_required(s, "/crm/objects/2026-03/companies/search",
                    "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"name\"}]}],\"limit\":10,"
                    "\"after\":\"0\",\"properties\":[],\"sorts\":[]}",
                    "Invalid input JSON: Cannot build Filter, some of required attributes are not set [operator]");
    expect_required(s, "/crm/associations/2026-03/contacts/companies/batch/create",
                    "{\"inputs\":[{\"from\":{\"id\":\"1\"},\"to\":{\"id\":\"2\"}}]}",
                    "Invalid input JSON: Cannot build PublicAssociationMultiPost, some of required attributes "
                    "are not set [types]");
    expect_required(s, "/crm/v4/associations/contacts/companies/batch/create",
                    "{\"inputs\":[{\"from\":{\"id\":\"1\"},\"to\":{\"id\":\"2\"},\"types\":"
                    "[{\"associationTypeId\":279}]}]}",
                    "Invalid input JSON: Cannot build AssociationSpec, some of required attributes are not set "
                    "[associationCategory]");
    expect_required(s, "/crm/v4/associations/contacts/companies/batch/read", "{\"inputs\":[{\"after\":\"x\"}]}",
                    "Invalid input JSON: Cannot build PublicFetchAssociationsBatchRequest, some of required "
                    "attributes are not set [id]");
    /* lenient mode (switched at run time) takes the old bodies */
    ck_assert_int_eq(sp_sim_set_lenient(s, 1, &e), 0);
    j = req(s, "POST", "/crm/objects/2026-03/contacts/batch/read", read_no_history, &st);
    ck_assert_int_eq(st, 207);
    json_decref(j);
    expect(s, "POST", "/crm/v3/objects/companies", "{\"properties\":{\"name\":\"A\"}}", 201);
    ck_assert_int_eq(sp_sim_set_lenient(s, 0, &e), 0);
    expect_required(s, "/crm/objects/2026-03/contacts/batch/read", read_no_history,
                    "Invalid input JSON: Cannot build BatchReadInputSimplePublicObjectId, some of required "
                    "attributes are not set [propertiesWithHistory]");
    sim_down(s);
}
END_TEST

START_TEST(lenient_flag_accepts_old_bodies)
{
    int st;
    json_t *j;
    SIM(s, NULL); /* started --lenient */
    j = req(s, "POST", "/crm/objects/2026-03/contacts/batch/read", "{\"inputs\":[{\"id\":\"1\"}],\"properties\":[]}",
            &st);
    ck_assert_int_eq(st, 207);
    json_decref(j);
    j = req(s, "GET", "/_sim/config", NULL, &st);
    ck_assert_int_eq(st, 200);
    ck_assert(json_is_true(json_object_get(j, "lenient")));
    json_decref(j);
    expect(s, "POST", "/crm/objects/2026-03/companies/search", "{}", 200);
    sim_down(s);
}
END_TEST

static Suite *sim_suite(void)
{
    Suite *su = suite_create("sim");
    TCase *tc = tcase_create("sim");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, batch_upsert_creates_then_updates);
    tcase_add_test(tc, request_bodies_read_as_jansson_reads_them);
    tcase_add_test(tc, duplicate_email_is_409);
    tcase_add_test(tc, batch_with_trace_ids_splits_into_207);
    tcase_add_test(tc, batch_without_trace_ids_is_refused_whole);
    tcase_add_test(tc, more_than_max_batch_is_400);
    tcase_add_test(tc, property_values_are_validated);
    tcase_add_test(tc, deal_pipelines_listed_and_stages_checked);
    tcase_add_test(tc, search_filters_sort_and_paging);
    tcase_add_test(tc, search_stops_at_the_cap);
    tcase_add_test(tc, search_lags_behind_writes);
    tcase_add_test(tc, ten_second_limit_429);
    tcase_add_test(tc, daily_and_search_limits_429);
    tcase_add_test(tc, wrong_token_is_401);
    tcase_add_test(tc, missing_scope_is_403);
    tcase_add_test(tc, queued_faults_apply_in_order);
    tcase_add_test(tc, stats_count_by_endpoint);
    tcase_add_test(tc, associations_v4_and_create_time);
    tcase_add_test(tc, custom_unique_property);
    tcase_add_test(tc, both_path_styles_and_account);
    tcase_add_test(tc, read_archive_list_and_duplicates);
    tcase_add_test(tc, random_faults_follow_the_seed);
    tcase_add_test(tc, a_sleeping_reply_does_not_hold_up_others);
    tcase_add_test(tc, simulator_exits_cleanly);
    tcase_add_test(tc, strict_schema_refuses_missing_required_attributes);
    tcase_add_test(tc, lenient_flag_accepts_old_bodies);
    suite_add_tcase(su, tc);
    return su;
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
