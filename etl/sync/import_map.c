/* import_map.c -- a HubSpot company and its contacts through the import
 * mappings (etl/pipeline/mapping.c: transforms, GP column widths and types)
 * into what the GP writer takes (gp_write.h). Everything lives in the
 * company's row arena (r->row). */
#include "import_internal.h"

#include "spetl/mapping.h"

#include <string.h>

static const char *rec_get(void *ctx, const char *property)
{
    const sp_hs_record *rec = ctx;

    if (strcmp(property, "hs_object_id") == 0 && sp_hs_record_get(rec, property) == NULL)
        return rec->id;
    return sp_hs_record_get(rec, property);
}

/* The mapped values of the columns of table (NULL: every column). */
static sp_gpw_value *values_of(im_run *r, const sp_job_mapping *m, const sp_map_out *mo, const char *table,
                               size_t *n)
{
    sp_gpw_value *v = sp_arena_alloc(r->row, (mo->n + 1) * sizeof(*v));

    *n = 0;
    for (size_t i = 0; i < mo->n; i++) {
        const sp_job_column *col = mo->columns != NULL ? mo->columns[i] : NULL;
        if (table != NULL && col != NULL && col->table != NULL && strcmp(col->table, table) != 0)
            continue;
        v[*n].column = mo->props[i].name;
        v[*n].value = mo->props[i].value;
        v[*n].pos = i < m->nfields ? m->fields[i].pos : m->pos;
        (*n)++;
    }
    return v;
}

int im_map_company(im_run *r, im_page *pg, const im_company *c, sp_gpw_company *out, sp_err *e)
{
    const sp_job_mapping *m = r->imp->company_mapping;
    const char *from = r->imp->key_generation.from_property ? r->imp->key_generation.from_property : "name";
    sp_map_out mo;

    (void)pg;
    memset(out, 0, sizeof(*out));
    if (m == NULL)
        return SP_ERR(e, SP_EJOB, "%s has no %s import mapping", r->ctx->comp->name, r->kind->word);
    if (sp_map_import(m, r->ctx->job->path, rec_get, (void *)c->rec, r->row, &mo, e) != 0)
        return -1;
    out->hubspot_id = c->rec->id;
    out->key_source = rec_get((void *)c->rec, from);
    out->values = values_of(r, m, &mo, NULL, &out->nvalues);   /* INET1 too: the writer's (gp_write.h) */
    return 0;
}

/* Contacts which[0..n) of c (indexes into c->contacts): out[0..n). A contact
 * HubSpot did not return is left out by the caller. */
int im_map_contacts(im_run *r, im_page *pg, const im_company *c, const size_t *which, size_t n,
                    sp_gpw_contact *out, sp_err *e)
{
    const sp_job_mapping *m = r->imp->contact_mapping;

    for (size_t i = 0; i < n; i++) {
        const im_contact *k = &pg->contacts[c->contacts[which[i]]];
        sp_map_out mo;
        const char *mail;
        memset(&out[i], 0, sizeof(out[i]));
        out[i].hubspot_id = k->id;
        out[i].email = sp_hs_record_get(k->rec, "email");
        if (m == NULL)
            continue;   /* no contact mapping: keys and e-mail only */
        if (sp_map_import(m, r->ctx->job->path, rec_get, (void *)k->rec, r->row, &mo, e) != 0) {
            sp_err_prefix(e, "contact %s", k->id);
            return -1;
        }
        if ((mail = sp_map_get(&mo, "INET1")) != NULL)
            out[i].email = mail;   /* as the mapping made it (lower, cut) */
        out[i].values = values_of(r, m, &mo, NULL, &out[i].nvalues);
    }
    return 0;
}
