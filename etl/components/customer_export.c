/* customer-export: unlinked customers that pass the filter become companies
 * (upsert by the customer mapping's key-property), their addresses of the
 * configured types contacts associated to the company (upsert by the address
 * mapping's key-property). With export-new-contacts on, new (unlinked)
 * addresses of already linked customers become contacts too; they go first,
 * so that a contact that fails in this run is not tried twice.
 *
 * E-mails: an empty e-mail is left out (the contact is created without
 * one); an invalid one is sent and HubSpot refuses that contact alone
 * (INVALID_EMAIL, an Action Center row): fix it in GP and the next run
 * creates it. An e-mail HubSpot already holds links the address to that
 * contact unless another SalesPad address owns it (then: reported). */
#include "spetl/components.h"

#include <string.h>

#include "spetl/export.h"
#include "spetl/hook.h"

static const char *address_keys_where(sp_dialect d)
{
    return d == SP_DIALECT_SQLSERVER
               ? "EXISTS (SELECT 1 FROM RM00102 a LEFT JOIN spAAIntegratedEntityLink la ON "
                 "la.Hub_ID = ? AND la.Entity_Type = 'CUSTOMER_ADDRESS' AND "
                 "la.Entity_Key = RTRIM(a.CUSTNMBR) + '|' + RTRIM(a.ADRSCODE) "
                 "WHERE a.CUSTNMBR = t.CUSTNMBR AND la.HubSpot_ID IS NULL)"
               : "EXISTS (SELECT 1 FROM RM00102 a LEFT JOIN spAAIntegratedEntityLink la ON "
                 "la.Hub_ID = ? AND la.Entity_Type = 'CUSTOMER_ADDRESS' AND "
                 "la.Entity_Key = RTRIM(a.CUSTNMBR) || '|' || RTRIM(a.ADRSCODE) "
                 "WHERE a.CUSTNMBR = t.CUSTNMBR AND la.HubSpot_ID IS NULL)";
}

/* The two passes over spec: new addresses of linked customers, then the
 * unlinked customers and their addresses. */
static int export_passes(sp_run_ctx *ctx, const sp_job_customer_export *x, sp_export_spec *spec, sp_err *e)
{
    const char *hub_param[1] = {ctx->hub};
    int64_t adopted = 0;

    if (sp_export_adopt_prospects(ctx, &adopted, e) != 0)
        return -1;
    /* new addresses of customers linked earlier */
    if (x->export_new_contacts && spec->child != NULL) {
        spec->parent.links = SP_EXPORT_LINKED;
        spec->parent.send = 0;
        spec->parent.where = address_keys_where(sp_db_dialect(ctx->db));
        spec->parent.where_texts = hub_param;
        spec->parent.nwhere_texts = 1;
        if (sp_export_run(ctx, spec, e) != 0)
            return -1;
    }
    /* unlinked customers and their addresses */
    spec->parent.links = SP_EXPORT_UNLINKED;
    spec->parent.send = 1;
    spec->parent.where = NULL;
    spec->parent.where_texts = NULL;
    spec->parent.nwhere_texts = 0;
    return sp_export_run(ctx, spec, e);
}

int sp_comp_customer_export(sp_run_ctx *ctx, sp_err *e)
{
    const sp_job_customer_export *x = &ctx->comp->u.customer_export;
    sp_export_level child;
    sp_export_spec spec;
    sp_hooks *hooks = NULL;
    int rc;

    memset(&child, 0, sizeof(child));
    child.entity = SP_ENTITY_CUSTOMER_ADDRESS;
    child.link_type = SP_LINK_CUSTOMER_ADDRESS;
    child.mapping = x->address_mapping;
    child.from = sp_export_from(SP_ENTITY_CUSTOMER_ADDRESS, NULL);
    child.keys[0] = "CUSTNMBR";
    child.keys[1] = "ADRSCODE";
    child.nkeys = 2;
    child.links = SP_EXPORT_UNLINKED;
    child.send = 1;
    if (!x->all_address_types) {
        child.only_codes = x->address_types;
        child.nonly_codes = x->naddress_types;
    }

    memset(&spec, 0, sizeof(spec));
    spec.parent.entity = SP_ENTITY_CUSTOMER;
    spec.parent.link_type = SP_LINK_CUSTOMER;
    spec.parent.mapping = x->customer_mapping;
    spec.parent.from = sp_export_from(SP_ENTITY_CUSTOMER, NULL);
    spec.parent.keys[0] = "CUSTNMBR";
    spec.parent.nkeys = 1;
    spec.parent.filter = x->filter;
    spec.child = x->address_mapping != NULL ? &child : NULL;
    spec.per_page = x->per_page > 0 ? x->per_page : 100;
    /* pre-export and post-export see companies and contacts alike (the record's "type" tells) */
    spec.parent.pre_hook = child.pre_hook = x->pre_export;
    spec.parent.post_hook = child.post_hook = x->post_export;

    if (sp_hooks_open(ctx, &hooks, e) != 0)
        return -1;
    spec.hooks = hooks;
    rc = export_passes(ctx, x, &spec, e);
    sp_hooks_close(hooks);
    return rc;
}
