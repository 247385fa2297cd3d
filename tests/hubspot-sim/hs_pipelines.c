/* hs_pipelines.c -- deal pipelines (see hubsim.h): the account's list
 * (GET /crm/pipelines/{version}/deals, /crm/v3/pipelines/deals), the tests' control
 * (POST /_sim/pipelines/deals) and which stage a deal may take. The deals table keeps
 * them as Pipeline objects; the enumeration options of the deal properties "pipeline"
 * and "dealstage" follow them, as in HubSpot. */
#include "hubsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/mem.h"

/* HubSpot's default deal pipeline: stage ids, labels and win probabilities. */
static const struct {
    const char *id, *label, *probability;
} DEFAULT_STAGES[] = {
    {"appointmentscheduled", "Appointment Scheduled", "0.2"},
    {"qualifiedtobuy", "Qualified To Buy", "0.4"},
    {"presentationscheduled", "Presentation Scheduled", "0.6"},
    {"decisionmakerboughtin", "Decision Maker Bought-In", "0.8"},
    {"contractsent", "Contract Sent", "0.9"},
    {"closedwon", "Closed Won", "1.0"},
    {"closedlost", "Closed Lost", "0.0"},
};

static json_t *stage_json(const char *id, const char *label, int order, const char *probability,
                          const char *when)
{
    json_t *meta = json_object();
    double p = 0;

    (void)hs_parse_number(probability, &p);
    json_object_set_new(meta, "isClosed", json_string(p >= 1.0 || p <= 0.0 ? "true" : "false"));
    json_object_set_new(meta, "probability", json_string(probability));
    return json_pack("{s:s, s:s, s:i, s:o, s:b, s:s, s:s, s:s}", "id", id, "label", label, "displayOrder",
                     order, "metadata", meta, "archived", 0, "createdAt", when, "updatedAt", when,
                     "writePermissions", "CRM_PERMISSIONS_ENFORCEMENT");
}

static json_t *pipeline_json(const char *id, const char *label, int order, json_t *stages, const char *when)
{
    return json_pack("{s:s, s:s, s:i, s:o, s:b, s:s, s:s}", "id", id, "label", label, "displayOrder", order,
                     "stages", stages, "archived", 0, "createdAt", when, "updatedAt", when);
}

static json_t *option(const char *label, const char *value, int order)
{
    return json_pack("{s:s, s:s, s:i, s:b}", "label", label, "value", value, "displayOrder", order, "hidden", 0);
}

/* The options of "pipeline" and "dealstage": every pipeline, every stage of every pipeline. */
static void sync_options(hs_table *t)
{
    hs_prop *pp = hs_prop_find(t, "pipeline"), *sp = hs_prop_find(t, "dealstage");
    json_t *popts = json_array(), *sopts = json_array(), *pl, *st;
    size_t i, k;

    json_array_foreach(t->pipelines, i, pl) {
        json_array_append_new(popts, option(json_string_value(json_object_get(pl, "label")),
                                            json_string_value(json_object_get(pl, "id")), (int)i));
        json_array_foreach(json_object_get(pl, "stages"), k, st)
            json_array_append_new(sopts, option(json_string_value(json_object_get(st, "label")),
                                                json_string_value(json_object_get(st, "id")),
                                                (int)json_array_size(sopts)));
    }
    if (pp != NULL) {
        json_decref(pp->options);
        pp->options = popts;
        popts = NULL;
    }
    if (sp != NULL) {
        json_decref(sp->options);
        sp->options = sopts;
        sopts = NULL;
    }
    json_decref(popts);
    json_decref(sopts);
}

void hs_pipelines_install_default(hs_table *t)
{
    json_t *stages = json_array();
    char when[32];

    hs_iso(0, when);   /* HubSpot's default pipeline and stages: createdAt = 0 */
    for (size_t i = 0; i < sizeof(DEFAULT_STAGES) / sizeof(DEFAULT_STAGES[0]); i++)
        json_array_append_new(stages, stage_json(DEFAULT_STAGES[i].id, DEFAULT_STAGES[i].label, (int)i,
                                                 DEFAULT_STAGES[i].probability, when));
    json_decref(t->pipelines);
    t->pipelines = json_array();
    json_array_append_new(t->pipelines, pipeline_json("default", "Sales Pipeline", 0, stages, when));
    sync_options(t);
}

/* The index of pipeline id, or the array's size when there is none. */
static size_t pipeline_index(const hs_table *t, const char *id)
{
    size_t i;
    json_t *pl;

    json_array_foreach(t->pipelines, i, pl)
        if (strcmp(json_string_value(json_object_get(pl, "id")), id) == 0)
            return i;
    return json_array_size(t->pipelines);
}

static json_t *find_pipeline(const hs_table *t, const char *id)
{
    return json_array_get(t->pipelines, pipeline_index(t, id));
}

static int has_stage(const json_t *pl, const char *stage)
{
    size_t i;
    json_t *st;

    json_array_foreach(json_object_get(pl, "stages"), i, st)
        if (strcmp(json_string_value(json_object_get(st, "id")), stage) == 0)
            return 1;
    return 0;
}

static const char *value_of(const json_t *norm, const hs_rec *target, const char *name)
{
    const char *v = json_string_value(json_object_get(norm, name));

    if (v == NULL && target != NULL)
        v = json_string_value(json_object_get(target->props, name));
    return v != NULL && v[0] != '\0' ? v : NULL;
}

char *hs_deal_stage_problem(const hs_table *t, const json_t *norm, const hs_rec *target, const char **stage)
{
    const char *pipeline = value_of(norm, target, "pipeline");
    const json_t *pl, *st;
    char *list, *msg;
    size_t i;

    *stage = value_of(norm, target, "dealstage");
    if (t->pipelines == NULL || (json_object_get(norm, "pipeline") == NULL &&
                                 json_object_get(norm, "dealstage") == NULL))
        return NULL;
    if (pipeline == NULL)
        pipeline = "default";   /* HubSpot puts a deal without one in the default pipeline */
    pl = find_pipeline(t, pipeline);
    if (pl == NULL) {
        *stage = NULL;   /* the pipeline is the problem */
        return sp_xasprintf("%.200s is not a deal pipeline of this account", pipeline);
    }
    if (*stage == NULL || has_stage(pl, *stage))
        return NULL;
    list = sp_xstrdup("");
    json_array_foreach(json_object_get(pl, "stages"), i, st) {
        char *next = sp_xasprintf("%s%s%s", list, i ? ", " : "", json_string_value(json_object_get(st, "id")));
        free(list);
        list = next;
    }
    msg = sp_xasprintf("%.200s is not a stage of pipeline %.200s; its stages: [%s]", *stage, pipeline, list);
    free(list);
    return msg;
}

/* ---- GET /crm/pipelines/{version}/deals ------------------------------------------ */

void hs_handle_pipelines(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    json_t *results;

    if (c->obj != HS_DEALS) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "the simulator has pipelines for deals only");
        return;
    }
    if (strcmp(c->method, "GET") != 0 || c->nseg != 4) {
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND",
                      "the simulator only lists deal pipelines (GET); tests change them with POST /_sim/pipelines/deals");
        return;
    }
    pthread_rwlock_rdlock(&s->lock);
    results = json_deep_copy(s->t[HS_DEALS].pipelines);
    pthread_rwlock_unlock(&s->lock);
    hs_resp_json(r, 200, json_pack("{s:o}", "results", results));
}

/* ---- POST /_sim/pipelines/deals ---------------------------------------------------- */

/* One pipeline of the control body as a Pipeline object, or NULL with msg. */
static json_t *parse_pipeline(const json_t *in, size_t i, int order, const char *when, char *msg, size_t n)
{
    const char *id = json_string_value(json_object_get(in, "id"));
    const char *label = json_string_value(json_object_get(in, "label"));
    const json_t *stages = json_object_get(in, "stages"), *st;
    json_t *out;
    size_t k;

    if (id == NULL || id[0] == '\0' || label == NULL || json_array_size(stages) == 0) {
        snprintf(msg, n, "pipelines[%zu] needs \"id\", \"label\" and \"stages\": [{\"id\",\"label\"},...]", i);
        return NULL;
    }
    out = json_array();
    json_array_foreach(stages, k, st) {
        const char *sid = json_string_value(json_object_get(st, "id"));
        const char *slabel = json_string_value(json_object_get(st, "label"));
        const char *prob = json_string_value(json_object_get(st, "probability"));
        if (sid == NULL || sid[0] == '\0' || slabel == NULL) {
            snprintf(msg, n, "pipelines[%zu].stages[%zu] needs \"id\" and \"label\"", i, k);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, stage_json(sid, slabel, (int)k, prob != NULL ? prob : "0.5", when));
    }
    return pipeline_json(id, label, order, out, when);
}

void hs_control_pipelines(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    hs_table *t = &s->t[HS_DEALS];
    const json_t *list = json_object_get(c->body, "pipelines"), *in;
    json_t *parsed = json_array(), *pl;
    char when[32], msg[256];
    size_t i;

    if (c->obj != HS_DEALS || !json_is_array(list)) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR",
                      "POST /_sim/pipelines/deals takes {\"pipelines\":[{\"id\",\"label\",\"stages\":[...]}],"
                      "\"replace\":false}");
        json_decref(parsed);
        return;
    }
    hs_iso(hs_now_wall(c->sim), when);
    pthread_rwlock_wrlock(&s->lock);
    json_array_foreach(list, i, in) {
        json_t *one = parse_pipeline(in, i, (int)(json_array_size(t->pipelines) + i), when, msg, sizeof(msg));
        if (one == NULL) {
            pthread_rwlock_unlock(&s->lock);
            hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", msg);
            json_decref(parsed);
            return;
        }
        json_array_append_new(parsed, one);
    }
    if (json_is_true(json_object_get(c->body, "replace")))
        json_array_clear(t->pipelines);
    json_array_foreach(parsed, i, pl) {
        size_t k = pipeline_index(t, json_string_value(json_object_get(pl, "id")));
        if (k < json_array_size(t->pipelines)) {   /* replaced: it keeps its place */
            json_object_set(pl, "displayOrder", json_object_get(json_array_get(t->pipelines, k), "displayOrder"));
            json_array_set(t->pipelines, k, pl);
        } else {
            json_array_append(t->pipelines, pl);
        }
    }
    sync_options(t);
    hs_resp_json(r, 200, json_pack("{s:o}", "results", json_deep_copy(t->pipelines)));
    pthread_rwlock_unlock(&s->lock);
    json_decref(parsed);
}
