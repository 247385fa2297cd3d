/* product-export: items passing the filter. HubSpot products take no
 * unique-value properties, so the item mapping's key-property is hs_sku (the
 * job loader refuses another): an unlinked item whose mapped hs_sku one
 * HubSpot product holds is linked to it (updated by id with the mapped
 * payload; one batched search per page); several such products are an
 * ambiguity, reported; none: created by batch create. A run stopped between
 * HubSpot's create and the link finds the product by the same search on the
 * next run. A linked product that is gone (404) is unlinked and reported;
 * the next run matches or creates it.
 * Linked items whose payload hash changed are updated; unchanged ones send
 * nothing. The price comes from IV00105: the row of the job's price
 * currency, or without one the item's first row. */
#include "spetl/components.h"

#include <string.h>

#include "spetl/export.h"
#include "spetl/hook.h"

int sp_comp_product_export(sp_run_ctx *ctx, sp_err *e)
{
    const sp_job_product_export *p = &ctx->comp->u.product;
    const char *cur[1] = {p->price_currency};
    sp_export_spec spec;
    sp_hooks *hooks = NULL;
    int rc;

    memset(&spec, 0, sizeof(spec));
    spec.parent.entity = SP_ENTITY_ITEM;
    spec.parent.link_type = SP_LINK_ITEM;
    spec.parent.mapping = p->item_mapping;
    spec.parent.from = sp_export_from(SP_ENTITY_ITEM, p->price_currency);
    if (p->price_currency != NULL) {
        spec.parent.from_params = cur;
        spec.parent.nfrom_params = 1;
    }
    spec.parent.keys[0] = "ITEMNMBR";
    spec.parent.nkeys = 1;
    spec.parent.links = SP_EXPORT_ANY;
    spec.parent.send = 1;
    spec.parent.filter = p->filter;
    spec.per_page = p->per_page > 0 ? p->per_page : 100;
    spec.link_by_sku = 1;
    spec.parent.pre_hook = p->pre_export;
    spec.parent.post_hook = p->post_export;
    if (sp_hooks_open(ctx, &hooks, e) != 0)
        return -1;
    spec.hooks = hooks;
    rc = sp_export_run(ctx, &spec, e);
    sp_hooks_close(hooks);
    return rc;
}
