/* setup.c -- the HubSpot properties and objects a job needs (see setup.h). */
#include "spetl/setup.h"

#include <stdlib.h>
#include <string.h>

#include "spetl/export.h"
#include "spetl/log.h"

static int object_of(sp_job_object o, sp_hs_object *out)
{
    return sp_hs_object_parse(sp_job_object_name(o), out);
}

const char *sp_setup_field_type(const sp_job_field *f, const char **field_type)
{
    const char *type = "string", *ft = "text";

    for (size_t i = 0; i < f->ntransforms; i++) {
        switch (f->transforms[i].kind) {
        case SP_XF_DATE:
            type = "date", ft = "date";
            break;
        case SP_XF_DATETIME:
            type = "datetime", ft = "date";
            break;
        case SP_XF_NUMBER:
            type = "number", ft = "number";
            break;
        case SP_XF_TRIM:
            break;
        default:   /* text out of any value */
            type = "string", ft = "text";
            break;
        }
    }
    if (field_type != NULL)
        *field_type = ft;
    return type;
}

static void add(sp_setup_need *list, size_t *n, size_t max, sp_hs_object obj, const char *prop,
                int unique, const sp_job_mapping *m, const sp_job_field *f)
{
    sp_job_pos pos = f->pos;
    const char *ft, *type = f->source == SP_SOURCE_TEMPLATE ? "string" : sp_setup_field_type(f, &ft);

    if (f->source == SP_SOURCE_TEMPLATE || unique)
        type = "string", ft = "text";   /* a unique value is text (or a number) */

    for (size_t i = 0; i < *n; i++) {
        if (list[i].object == obj && strcmp(list[i].property, prop) == 0) {
            if (unique && !list[i].unique) {
                list[i].unique = 1;
                list[i].mapping = m->id;
                list[i].pos = pos;
            }
            return;
        }
    }
    if (*n == max)
        return;
    list[*n].object = obj;
    list[*n].property = prop;
    list[*n].unique = unique;
    list[*n].type = type;
    list[*n].field_type = ft;
    list[*n].mapping = m->id;
    list[*n].pos = pos;
    (*n)++;
}

/* deal-export's lines carry their key in a plain property of its own
 * (line items take no unique ones): SP_DEAL_LINE_KEY_PROP. */
static void deal_line_key(const sp_job *job, sp_setup_need *list, size_t *n)
{
    const sp_job_component *c = job->components[SP_COMP_DEAL_EXPORT];

    if (c == NULL || !c->u.deal.export_lines || c->u.deal.line_mapping == NULL)
        return;
    for (size_t i = 0; i < *n; i++)
        if (list[i].object == SP_HS_LINE_ITEMS && strcmp(list[i].property, SP_DEAL_LINE_KEY_PROP) == 0)
            return;
    memset(&list[*n], 0, sizeof(list[*n]));
    list[*n].object = SP_HS_LINE_ITEMS;
    list[*n].property = SP_DEAL_LINE_KEY_PROP;
    list[*n].type = "string";
    list[*n].field_type = "text";
    list[*n].mapping = c->u.deal.line_mapping->id;
    list[*n].pos = c->pos;
    (*n)++;
}

int sp_setup_needs(const sp_job *job, const sp_setup_need **out, size_t *n, sp_err *e)
{
    size_t max = 0;
    sp_setup_need *list;

    *n = 0;
    for (size_t i = 0; i < job->nmappings; i++)
        for (size_t j = 0; j < job->mappings[i].nfields; j++)
            max += 1 + job->mappings[i].fields[j].nparts;
    list = sp_arena_alloc(job->arena, (max + 2) * sizeof(*list));
    for (size_t i = 0; i < job->nmappings; i++) {
        const sp_job_mapping *m = &job->mappings[i];
        sp_hs_object obj;

        if (object_of(m->object, &obj) != 0)
            return SP_ERR(e, SP_EINTERNAL, "mapping %s: object %s unknown to the client", m->id,
                          sp_job_object_name(m->object));
        for (size_t j = 0; j < m->nfields; j++) {
            const sp_job_field *f = &m->fields[j];
            if (!m->is_import) {
                /* products and line items take no unique properties: a
                 * products mapping's key is hs_sku, matched by search */
                add(list, n, max, obj, f->target,
                    m->key_property != NULL && strcmp(m->key_property, f->target) == 0 &&
                        obj != SP_HS_PRODUCTS && obj != SP_HS_LINE_ITEMS,
                    m, f);
            } else if (f->source == SP_SOURCE_PROPERTY) {
                add(list, n, max, obj, f->source_name, 0, m, f);
            } else if (f->source == SP_SOURCE_TEMPLATE) {
                for (size_t k = 0; k < f->nparts; k++)
                    if (f->parts[k].is_field)
                        add(list, n, max, obj, f->parts[k].text, 0, m, f);
            }
        }
    }
    deal_line_key(job, list, n);
    *out = list;
    return 0;
}

unsigned sp_setup_objects(const sp_job *job)
{
    unsigned mask = 0;
    sp_hs_object obj;

    for (size_t i = 0; i < job->nmappings; i++)
        if (object_of(job->mappings[i].object, &obj) == 0)
            mask |= 1u << obj;
    if (job->components[SP_COMP_COMPANY_LINK] != NULL ||
        job->components[SP_COMP_CUSTOMER_IMPORT] != NULL ||
        job->components[SP_COMP_PROSPECT_IMPORT] != NULL)
        mask |= 1u << SP_HS_COMPANIES | 1u << SP_HS_CONTACTS;
    return mask;
}

/* The export mappings a component writes with (NULL slots skipped). */
static size_t component_mappings(const sp_job_component *c, const sp_job_mapping **out)
{
    size_t n = 0;

    switch (c->kind) {
    case SP_COMP_CUSTOMER_EXPORT:
        out[n++] = c->u.customer_export.customer_mapping;
        out[n++] = c->u.customer_export.address_mapping;
        break;
    case SP_COMP_CUSTOMER_UPDATES:
    case SP_COMP_PROSPECT_UPDATES:
        out[n++] = c->u.updates.company_mapping;
        out[n++] = c->u.updates.contact_mapping;
        break;
    case SP_COMP_PRODUCT_EXPORT:
        out[n++] = c->u.product.item_mapping;
        break;
    case SP_COMP_DEAL_EXPORT:
        out[n++] = c->u.deal.deal_mapping;
        out[n++] = c->u.deal.line_mapping;
        break;
    default:
        break;
    }
    return n;
}

static int is_number(const char *s)
{
    char *end;

    if (s == NULL || *s == '\0')
        return 0;
    (void)strtod(s, &end);
    return *end == '\0';
}

static int has_transform(const sp_job_field *f, sp_job_transform_kind k)
{
    for (size_t i = 0; i < f->ntransforms; i++)
        if (f->transforms[i].kind == k)
            return 1;
    return 0;
}

/* Does a property of type have room for what the field sends? Text fits a
 * text property; a date a date or datetime one; a datetime a datetime one; a
 * number a number one. */
static int type_fits(const char *implied, const char *type)
{
    if (strcmp(implied, "date") == 0)
        return strcmp(type, "date") == 0 || strcmp(type, "datetime") == 0;
    if (strcmp(implied, "string") == 0)
        return 1;   /* what a text value may go into is checked above */
    return strcmp(implied, type) == 0;
}

/* One field against its property definition; a problem is logged and counted. */
static void check_field(const sp_job *job, const sp_job_mapping *m, const sp_job_field *f,
                        const sp_hs_properties *have, int *problems)
{
    const sp_hs_property *p = sp_hs_properties_find(have, f->target);
    const char *obj = sp_job_object_name(m->object);
    const char *type;

    if (p == NULL) {
        SP_ERROR(NULL, "%s:%d:%d: HubSpot %s have no property \"%s\" (mapping %s): fix the name or "
                 "run `spetl setup-hubspot %s`",
                 job->path, f->pos.line, f->pos.col, obj, f->target, m->id, job->path);
        (*problems)++;
        return;
    }
    type = p->type != NULL ? p->type : "string";
    /* a deal's pipeline and stage: deal-export checks them against the pipelines (deal_pipeline.c) */
    if (m->object == SP_OBJECT_DEALS && (strcmp(f->target, "pipeline") == 0 || strcmp(f->target, "dealstage") == 0))
        return;
    if (f->source == SP_SOURCE_VALUE && strcmp(type, "enumeration") == 0 && p->noptions > 0 &&
        f->ntransforms == 0) {
        size_t i;
        for (i = 0; i < p->noptions; i++)
            if (strcmp(p->options[i], f->source_name) == 0)
                break;
        if (i == p->noptions) {
            char opts[512] = "";
            size_t used = 0;
            for (size_t k = 0; k < p->noptions && used + 1 < sizeof(opts); k++) {
                int w = snprintf(opts + used, sizeof(opts) - used, "%s%s", k ? ", " : "",
                                 p->options[k]);
                if (w > 0)
                    used += (size_t)w < sizeof(opts) - used ? (size_t)w : sizeof(opts) - used - 1;
            }
            SP_ERROR(NULL, "%s:%d:%d: \"%s\" is not an option of the %s property %s (options: %s)",
                     job->path, f->pos.line, f->pos.col, f->source_name, obj, f->target, opts);
            (*problems)++;
        }
    } else if (f->source == SP_SOURCE_VALUE && strcmp(type, "number") == 0 &&
               !is_number(f->source_name)) {
        SP_ERROR(NULL, "%s:%d:%d: \"%s\" is not a number, and %s property %s is a number", job->path,
                 f->pos.line, f->pos.col, f->source_name, obj, f->target);
        (*problems)++;
    } else if (f->source == SP_SOURCE_COLUMN && strcmp(type, "date") == 0 &&
               !has_transform(f, SP_XF_DATE)) {
        SP_ERROR(NULL, "%s:%d:%d: %s property %s is a date (midnight UTC): add transform=\"date\" to "
                 "the field that reads %s",
                 job->path, f->pos.line, f->pos.col, obj, f->target, f->source_name);
        (*problems)++;
    } else if (f->source == SP_SOURCE_COLUMN && strcmp(type, "datetime") == 0 &&
               !has_transform(f, SP_XF_DATE) && !has_transform(f, SP_XF_DATETIME)) {
        SP_ERROR(NULL, "%s:%d:%d: %s property %s is a datetime: add transform=\"datetime\" (or "
                 "\"date\") to the field that reads %s",
                 job->path, f->pos.line, f->pos.col, obj, f->target, f->source_name);
        (*problems)++;
    } else if (f->source != SP_SOURCE_TEMPLATE && !type_fits(sp_setup_field_type(f, NULL), type)) {
        const char *ft, *implied = sp_setup_field_type(f, &ft);
        SP_ERROR(NULL, "%s:%d:%d: %s property %s is a %s (fieldType %s), but this field sends a %s "
                 "(its transform): HubSpot would show the raw value; delete the property and run "
                 "`spetl setup-hubspot %s` to make it a %s (fieldType %s), or change the transform",
                 job->path, f->pos.line, f->pos.col, obj, f->target, type,
                 p->field_type ? p->field_type : "?", implied, job->path, implied, ft);
        (*problems)++;
    }
}

/* The export mappings the components use, each once. */
static size_t export_mappings(const sp_job_component *const *comps, size_t ncomps, const sp_job_mapping **maps)
{
    size_t nmaps = 0;

    for (size_t i = 0; i < ncomps; i++) {
        const sp_job_mapping *m[2];
        size_t n = component_mappings(comps[i], m);
        for (size_t k = 0; k < n; k++) {
            size_t j;
            if (m[k] == NULL || m[k]->is_import)
                continue;
            for (j = 0; j < nmaps && maps[j] != m[k]; j++)
                ;
            if (j == nmaps)
                maps[nmaps++] = m[k];
        }
    }
    return nmaps;
}

int sp_setup_prefetch(sp_hs_client *hs, const sp_job_component *const *comps, size_t ncomps, sp_err *e)
{
    const sp_job_mapping *maps[2 * SP_COMP_COUNT];
    size_t nmaps = export_mappings(comps, ncomps, maps);
    sp_hs_object o;

    for (size_t i = 0; i < nmaps; i++)
        if (object_of(maps[i]->object, &o) == 0 && sp_hs_properties_prefetch(hs, o, e) != 0)
            return -1;
    return 0;
}

int sp_setup_check_mappings(sp_hs_client *hs, const sp_job *job,
                            const sp_job_component *const *comps, size_t ncomps, sp_err *e)
{
    const sp_job_mapping *maps[2 * SP_COMP_COUNT];
    size_t nmaps = export_mappings(comps, ncomps, maps);
    int problems = 0;

    if (sp_setup_prefetch(hs, comps, ncomps, e) != 0)   /* the reads go together */
        return -1;
    for (int obj = 0; obj < SP_HS_OBJECT_COUNT; obj++) {
        sp_hs_properties have = {0};
        int used = 0;
        sp_hs_object o;

        for (size_t i = 0; i < nmaps; i++)
            if (object_of(maps[i]->object, &o) == 0 && (int)o == obj)
                used = 1;
        if (!used)
            continue;
        if (sp_hs_properties_read(hs, (sp_hs_object)obj, &have, e) != 0) {
            sp_err_prefix(e, "reading the %s property definitions", sp_hs_object_name((sp_hs_object)obj));
            return -1;
        }
        for (size_t i = 0; i < nmaps; i++) {
            if (object_of(maps[i]->object, &o) != 0 || (int)o != obj)
                continue;
            for (size_t j = 0; j < maps[i]->nfields; j++)
                check_field(job, maps[i], &maps[i]->fields[j], &have, &problems);
        }
        sp_hs_properties_free(&have);
    }
    if (problems > 0)
        return SP_ERR(e, SP_EJOB,
                      "%s: %d mapping problem%s against HubSpot's properties; nothing was written",
                      job->path, problems, problems == 1 ? "" : "s");
    return 0;
}
