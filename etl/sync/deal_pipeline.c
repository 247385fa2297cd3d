/* deal_pipeline.c -- deal-export's pipeline and stage against the account
 * (export.h, sp_deal_check_pipeline): the values the deal mapping's
 * "pipeline" and "dealstage" can take (a constant, a template without
 * columns, what a lookup table can give), each run through the field's
 * transforms and default as the mapper would, then checked against the
 * account's deal pipelines. A value a column feeds cannot be known ahead:
 * it is left to HubSpot, which refuses that deal alone. */
#include <stdio.h>
#include <string.h>

#include "spetl/export.h"
#include "spetl/hs_verify.h"
#include "spetl/mapping.h"

#define DP_MAX 128

/* What a field can send: known values (each with the lookup entry it comes
 * from, or NULL), open when a column can feed other values too, absent when
 * the mapping has no such field. "" = nothing is sent. */
typedef struct dp_values {
    int open, absent;
    size_t n;
    const char *v[DP_MAX];
    const sp_job_lookup *lk[DP_MAX];
    const sp_job_lookup_entry *from[DP_MAX];
} dp_values;

static void put(dp_values *d, const char *v, const sp_job_lookup *lk, const sp_job_lookup_entry *from)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i], v) == 0)
            return;
    if (d->n < DP_MAX) {
        d->v[d->n] = v;
        d->lk[d->n] = lk;
        d->from[d->n] = from;
        d->n++;
    }
}

/* The field's source alone: a constant, or a template of literal text only. */
static void source_values(const sp_job_field *f, sp_arena *a, dp_values *d)
{
    char *text = sp_arena_strdup(a, "");

    if (f->source == SP_SOURCE_VALUE) {
        put(d, f->source_name, NULL, NULL);
        return;
    }
    if (f->source == SP_SOURCE_TEMPLATE) {
        for (size_t i = 0; i < f->nparts; i++) {
            if (f->parts[i].is_field) {
                d->open = 1;
                return;
            }
            text = sp_arena_printf(a, "%s%s", text, f->parts[i].text);
        }
        put(d, text, NULL, NULL);
        return;
    }
    d->open = 1;
}

/* One transform over d: known values mapped (a value it refuses fails its
 * record: dropped); a lookup also gives its entries for the open values. */
static void transform(const sp_job_transform *t, sp_arena *a, dp_values *d)
{
    dp_values in = *d;
    const sp_job_lookup *lk = t->lookup;

    d->n = 0;
    for (size_t i = 0; i < in.n; i++) {
        const char *out = NULL, *why = NULL;
        if (t->kind == SP_XF_LOOKUP && in.v[i][0] != '\0') {
            const char *to = sp_job_lookup_find(lk, in.v[i]);
            if (to != NULL)
                put(d, to, lk, NULL);
            else if (lk->missing == SP_LOOKUP_KEEP)
                put(d, in.v[i], in.lk[i], in.from[i]);
            else if (lk->missing == SP_LOOKUP_EMPTY)
                put(d, "", NULL, NULL);
        } else if (sp_map_transform(t, 0, in.v[i], a, &out, &why) == 0) {
            put(d, out, in.lk[i], in.from[i]);
        }
    }
    if (t->kind == SP_XF_LOOKUP && in.open) {
        for (size_t i = 0; i < lk->nentries; i++)
            put(d, lk->entries[i].to, lk, &lk->entries[i]);
        if (lk->missing == SP_LOOKUP_EMPTY)
            put(d, "", NULL, NULL);
        d->open = lk->missing == SP_LOOKUP_KEEP;
    }
}

static const sp_job_field *field_of(const sp_job_mapping *m, const char *target)
{
    for (size_t i = 0; m != NULL && i < m->nfields; i++)
        if (strcmp(m->fields[i].target, target) == 0)
            return &m->fields[i];
    return NULL;
}

static void field_values(const sp_job_mapping *m, const char *target, sp_arena *a, dp_values *d)
{
    const sp_job_field *f = field_of(m, target);

    memset(d, 0, sizeof(*d));
    if (f == NULL) {
        d->absent = 1;
        return;
    }
    source_values(f, a, d);
    for (size_t i = 0; i < f->ntransforms; i++)
        transform(&f->transforms[i], a, d);
    for (size_t i = 0; i < d->n; i++)   /* an empty result takes the default */
        if (d->v[i][0] == '\0' && f->default_value != NULL)
            d->v[i] = f->default_value;
}

/* "p" (Label): s1 (S1), s2 (S2) ... for each pipeline of the list (all when NULL). */
static void list_pipelines(const sp_hs_pipelines *all, const sp_hs_pipeline *const *only, size_t nonly,
                           char *out, size_t n)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < (only != NULL ? nonly : all->n) && used < n; i++) {
        const sp_hs_pipeline *p = only != NULL ? only[i] : &all->items[i];
        used += (size_t)snprintf(out + used, n - used, "%s\"%s\" (%s):", i ? "; " : "", p->id, p->label);
        for (size_t k = 0; k < p->nstages && used < n; k++)
            used += (size_t)snprintf(out + used, n - used, "%s %s (%s)", k ? "," : "", p->stages[k].id,
                                     p->stages[k].label);
    }
}

/* " (from lookup "id" at FILE:LINE)" for a value a lookup entry gave. */
static void origin(const sp_job *job, const dp_values *d, size_t i, char *out, size_t n)
{
    out[0] = '\0';
    if (d->lk[i] != NULL && d->from[i] != NULL)
        snprintf(out, n, " (from lookup \"%s\" at %s:%d)", d->lk[i]->id, job->path, d->from[i]->pos.line);
    else if (d->lk[i] != NULL)
        snprintf(out, n, " (from lookup \"%s\")", d->lk[i]->id);
}

static int fail_at(const sp_job *job, const sp_job_mapping *m, const char *target, sp_err *e)
{
    const sp_job_field *f = field_of(m, target);
    sp_job_pos pos = f != NULL ? f->pos : m->pos;

    sp_err_at_input(e, job->path, pos.line, pos.col);
    return -1;
}

/* Every known pipeline value exists; the pipelines a deal can be in go to in[]. */
static int check_pipelines(const sp_job *job, const sp_job_mapping *m, const dp_values *pv,
                           const sp_hs_pipelines *all, const sp_hs_pipeline **in, size_t *nin, sp_err *e)
{
    char list[768], from[256];

    *nin = 0;
    for (size_t i = 0; i <= pv->n; i++) {
        /* no field, or an empty value: HubSpot puts the deal in the default pipeline */
        const char *id = i < pv->n ? pv->v[i] : pv->absent ? "default" : NULL;
        const sp_hs_pipeline *p;
        if (id == NULL)
            break;
        if (id[0] == '\0')
            id = "default";
        p = sp_hs_pipeline_find(all, id);
        if (p == NULL) {
            list_pipelines(all, NULL, 0, list, sizeof(list));
            origin(job, pv, i, from, sizeof(from));
            SP_ERR(e, SP_EJOB, "<%s> pipeline \"%s\"%s is not a deal pipeline of this HubSpot account%s; its "
                   "pipelines and their stages: %s", m->id, id, from,
                   i == pv->n || pv->v[i][0] == '\0' ? " (a deal sent without one goes to \"default\")" : "",
                   all->n > 0 ? list : "none");
            return fail_at(job, m, i < pv->n ? "pipeline" : "dealstage", e);
        }
        in[(*nin)++] = p;
    }
    return 0;
}

static int check_stages(const sp_job *job, const sp_job_mapping *m, const dp_values *sv, const sp_hs_pipelines *all,
                        const sp_hs_pipeline *const *in, size_t nin, sp_err *e)
{
    char list[768], from[256];

    for (size_t i = 0; i < sv->n; i++) {
        int found = 0;
        if (sv->v[i][0] == '\0')
            continue;
        for (size_t k = 0; k < (in != NULL ? nin : all->n) && !found; k++)
            found = sp_hs_pipeline_has_stage(in != NULL ? in[k] : &all->items[k], sv->v[i]);
        if (found)
            continue;
        list_pipelines(all, in, nin, list, sizeof(list));
        origin(job, sv, i, from, sizeof(from));
        if (in != NULL && nin == 1)
            SP_ERR(e, SP_EJOB, "<%s> dealstage \"%s\"%s is not a stage of pipeline %s", m->id, sv->v[i], from, list);
        else
            SP_ERR(e, SP_EJOB, "<%s> dealstage \"%s\"%s is not a stage of %s pipeline: %s", m->id, sv->v[i], from,
                   in != NULL ? "its" : "any", list);
        return fail_at(job, m, "dealstage", e);
    }
    return 0;
}

int sp_deal_check_pipeline(sp_hs_client *hs, const sp_job *job, const sp_job_component *comp, sp_err *e)
{
    const sp_job_mapping *m = comp->u.deal.deal_mapping;
    sp_hs_pipelines all = {0};
    const sp_hs_pipeline *in[DP_MAX + 1];
    sp_arena *a = sp_arena_new(0);
    dp_values *pv = sp_arena_alloc(a, sizeof(*pv)), *sv = sp_arena_alloc(a, sizeof(*sv));
    size_t nin = 0;
    int rc = -1;

    field_values(m, "pipeline", a, pv);
    field_values(m, "dealstage", a, sv);
    if (m == NULL || (sv->n == 0 && pv->n == 0 && !pv->absent)) {
        rc = 0;   /* nothing known ahead: every value comes from a column */
        goto done;
    }
    if (sp_hs_deal_pipelines_read(hs, &all, e) != 0)
        goto done;
    if (check_pipelines(job, m, pv, &all, in, &nin, e) != 0 ||
        check_stages(job, m, sv, &all, pv->open ? NULL : in, nin, e) != 0)
        goto done;
    rc = 0;
done:
    sp_hs_pipelines_free(&all);
    sp_arena_free(a);
    return rc;
}
