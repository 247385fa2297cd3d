/* setup.c -- the HubSpot properties and objects a job needs (see setup.h). */
#include "spetl/setup.h"

#include <string.h>

static int object_of(sp_job_object o, sp_hs_object *out)
{
    return sp_hs_object_parse(sp_job_object_name(o), out);
}

static void add(sp_setup_need *list, size_t *n, size_t max, sp_hs_object obj, const char *prop,
                int unique, const sp_job_mapping *m, sp_job_pos pos)
{
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
    list[*n].mapping = m->id;
    list[*n].pos = pos;
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
    list = sp_arena_alloc(job->arena, (max + 1) * sizeof(*list));
    for (size_t i = 0; i < job->nmappings; i++) {
        const sp_job_mapping *m = &job->mappings[i];
        sp_hs_object obj;

        if (object_of(m->object, &obj) != 0)
            return SP_ERR(e, SP_EINTERNAL, "mapping %s: object %s unknown to the client", m->id,
                          sp_job_object_name(m->object));
        for (size_t j = 0; j < m->nfields; j++) {
            const sp_job_field *f = &m->fields[j];
            if (!m->is_import) {
                add(list, n, max, obj, f->target,
                    m->key_property != NULL && strcmp(m->key_property, f->target) == 0, m, f->pos);
            } else if (f->source == SP_SOURCE_PROPERTY) {
                add(list, n, max, obj, f->source_name, 0, m, f->pos);
            } else if (f->source == SP_SOURCE_TEMPLATE) {
                for (size_t k = 0; k < f->nparts; k++)
                    if (f->parts[k].is_field)
                        add(list, n, max, obj, f->parts[k].text, 0, m, f->pos);
            }
        }
    }
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
