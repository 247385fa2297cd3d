/* deal-export: each sales document (SOP10100) in the component's workflow
 * queue (BACHNUMB) becomes, once, a HubSpot deal (batch upsert by the deal
 * mapping's key-property) associated to the company linked to its customer;
 * with export-lines its lines (SOP10200, kit components included) become
 * line items associated to the deal, each with hs_product_id when its item
 * is linked to a product (else an audit row on the document names it). A
 * document that went through whole is linked (SALES_DOCUMENT "SOPTYPE|
 * SOPNUMBE", its lines SALES_LINE "SOPTYPE|SOPNUMBE|LNITMSEQ|CMPNTSEQ")
 * and moves to the next queue (next-queue, else spWorkflowQueueOrder's for
 * its type) in the same transaction. Already linked: skipped, whatever its
 * queue. Customer not linked to a company: an Action Center row, the
 * document stays. A prospect's document (PROSPECT = 1, CUSTNMBR its
 * PROSPID) is associated the same way to the company its prospect is
 * linked to (PROSPECT link), and reported the same way when it is not.
 * The engine is etl/sync/deal*.c (export.h, sp_deal_run). */
#include "spetl/components.h"

#include <string.h>

#include "spetl/export.h"
#include "spetl/hook.h"

void sp_deal_spec_init(const sp_run_ctx *ctx, sp_deal_spec_parts *parts)
{
    const sp_job_deal_export *x = &ctx->comp->u.deal;
    sp_export_level *lines = &parts->lines;
    sp_deal_spec *spec = &parts->spec;

    memset(parts, 0, sizeof(*parts));
    parts->hub[0] = ctx->hub;
    parts->queue[0] = x->queue;
    parts->queue[1] = x->queue;
    lines->entity = SP_ENTITY_SALES_LINE;
    lines->link_type = SP_LINK_SALES_LINE;
    lines->mapping = x->line_mapping;
    lines->from = "SOP10200 t LEFT JOIN spAAIntegratedEntityLink pl ON pl.Hub_ID = ? AND pl.Entity_Type = 'ITEM' "
                 "AND pl.Entity_Key = RTRIM(t.ITEMNMBR)";
    lines->from_params = parts->hub;
    lines->nfrom_params = 1;
    lines->keys[0] = "SOPTYPE";
    lines->keys[1] = "SOPNUMBE";
    lines->keys[2] = "LNITMSEQ";
    lines->keys[3] = "CMPNTSEQ";
    lines->nkeys = 4;
    lines->links = SP_EXPORT_ANY;
    lines->send = 1;
    lines->keyless = 1;
    lines->extras[0] = "pl.HubSpot_ID AS x_product";
    lines->extras[1] = "t.ITEMNMBR AS x_item";

    spec->x.parent.entity = SP_ENTITY_SALES_DOCUMENT;
    spec->x.parent.link_type = SP_LINK_SALES_DOCUMENT;
    spec->x.parent.mapping = x->deal_mapping;
    spec->x.parent.from = "SOP10100 t LEFT JOIN spAAIntegratedEntityLink cl ON cl.Hub_ID = ? AND cl.Entity_Type = "
                         "CASE WHEN t.PROSPECT = 1 THEN 'PROSPECT' ELSE 'CUSTOMER' END "
                         "AND cl.Entity_Key = RTRIM(t.CUSTNMBR)";
    spec->x.parent.from_params = parts->hub;
    spec->x.parent.nfrom_params = 1;
    spec->x.parent.keys[0] = "SOPTYPE";
    spec->x.parent.keys[1] = "SOPNUMBE";
    spec->x.parent.nkeys = 2;
    spec->x.parent.links = SP_EXPORT_ANY;   /* linked ones are counted as skipped */
    spec->x.parent.send = 1;
    spec->x.parent.where = "t.BACHNUMB >= ? AND RTRIM(t.BACHNUMB) = ?";
    spec->x.parent.where_texts = parts->queue;
    spec->x.parent.nwhere_texts = 2;
    spec->x.parent.extras[0] = "cl.HubSpot_ID AS x_company";
    spec->x.parent.extras[1] = "t.CUSTNMBR AS x_customer";
    spec->x.parent.extras[2] = "t.PROSPECT AS x_prospect";
    /* pre-export and post-export see documents and lines alike (the record's "type" tells) */
    spec->x.parent.pre_hook = lines->pre_hook = x->pre_export;
    spec->x.parent.post_hook = lines->post_hook = x->post_export;
    spec->x.child = x->export_lines && x->line_mapping != NULL ? lines : NULL;
    spec->x.per_page = x->per_page > 0 ? x->per_page : 100;
    spec->queue = x->queue;
    spec->next_queue = x->next_queue;
}

int sp_comp_deal_export(sp_run_ctx *ctx, sp_err *e)
{
    sp_deal_spec_parts parts;
    sp_hooks *hooks = NULL;
    int rc;

    sp_deal_spec_init(ctx, &parts);
    if (sp_hooks_open(ctx, &hooks, e) != 0)
        return -1;
    parts.spec.x.hooks = hooks;
    rc = sp_deal_run(ctx, &parts.spec, e);
    sp_hooks_close(hooks);
    return rc;
}
