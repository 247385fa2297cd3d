/* pipelines.c -- the account's deal pipelines and their stages (see hs_verify.h):
 * GET /crm/pipelines/{version}/deals, or /crm/v3/pipelines/deals with api-version v3. */
#include "spetl/hs_verify.h"

#include <stdio.h>
#include <string.h>

#include "hs_internal.h"

#define PROPS_ROOT "/crm/properties/"

/* One Pipeline object into out (strings in the arena); archived stages are left out. */
static int pipeline_from(const json_t *pl, sp_arena *a, sp_hs_pipeline *out)
{
    const json_t *stages = json_object_get(pl, "stages"), *st;
    const char *id = hs_json_text(a, json_object_get(pl, "id"));
    sp_hs_stage *list;
    size_t i, n = 0;

    if (id == NULL || !json_is_array(stages))
        return -1;
    list = sp_arena_alloc(a, (json_array_size(stages) + 1) * sizeof(*list));
    json_array_foreach(stages, i, st) {
        const char *sid = hs_json_text(a, json_object_get(st, "id"));
        const char *label = hs_json_text(a, json_object_get(st, "label"));
        if (sid == NULL)
            return -1;
        if (json_is_true(json_object_get(st, "archived")))
            continue;
        list[n].id = sid;
        list[n].label = label != NULL ? label : "";
        n++;
    }
    out->id = id;
    out->label = hs_json_text(a, json_object_get(pl, "label"));
    if (out->label == NULL)
        out->label = "";
    out->stages = list;
    out->nstages = n;
    return 0;
}

static int pipelines_fn(const hs_reply *r, void *ud, sp_err *e)
{
    sp_hs_pipelines *out = ud;
    const json_t *results = json_object_get(r->json, "results"), *pl;
    size_t i;

    if (r->status < 200 || r->status >= 300)
        return hs_reply_err(r, e);
    if (!json_is_array(results))
        return hs_shape_err(r, "no results array of pipelines", e);
    out->items = sp_arena_alloc(out->arena, (json_array_size(results) + 1) * sizeof(*out->items));
    json_array_foreach(results, i, pl) {
        if (json_is_true(json_object_get(pl, "archived")))
            continue;
        if (pipeline_from(pl, out->arena, &out->items[out->n]) != 0)
            return hs_shape_err(r, "a pipeline or stage without an id, or a pipeline without stages", e);
        out->n++;
    }
    return 0;
}

int sp_hs_deal_pipelines_read(sp_hs_client *c, sp_hs_pipelines *out, sp_err *e)
{
    char path[160];

    memset(out, 0, sizeof(*out));
    out->arena = sp_arena_new(0);
    if (c->v3 || strncmp(c->props_prefix, PROPS_ROOT, strlen(PROPS_ROOT)) != 0)
        snprintf(path, sizeof(path), "/crm/v3/pipelines/deals");
    else   /* the date version the other calls use */
        snprintf(path, sizeof(path), "/crm/pipelines/%s/deals", c->props_prefix + strlen(PROPS_ROOT));
    if (hs_call_with(c, "GET", path, NULL, NULL, HS_IDEMPOTENT, pipelines_fn, out, e) != 0) {
        sp_hs_pipelines_free(out);
        return -1;
    }
    return 0;
}

void sp_hs_pipelines_free(sp_hs_pipelines *p)
{
    if (p == NULL)
        return;
    sp_arena_free(p->arena);
    memset(p, 0, sizeof(*p));
}

const sp_hs_pipeline *sp_hs_pipeline_find(const sp_hs_pipelines *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].id, id) == 0)
            return &p->items[i];
    return NULL;
}

int sp_hs_pipeline_has_stage(const sp_hs_pipeline *p, const char *stage)
{
    for (size_t i = 0; i < p->nstages; i++)
        if (strcmp(p->stages[i].id, stage) == 0)
            return 1;
    return 0;
}
