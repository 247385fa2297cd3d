/* deal_lines.c -- a page's line items (steps 4 and 5 of deal_send.c).
 * HubSpot line items take no unique-value properties, so a create sent
 * twice makes two: idempotency comes through the deal. A deal the upsert
 * created has no line items yet, so its lines are created at once; any
 * other deal's line items are read first (associations batch read, then a
 * batch read of their SP_DEAL_LINE_KEY_PROP, which every line carries) and
 * only the lines none of them holds are created. */
#include <stdlib.h>
#include <string.h>

#include "deal_internal.h"
#include "spetl/log.h"

/* The line items of the deals in ids: their ids into *lids (arena). */
static int assoc_line_ids(drun *d, xpage *pg, const char **ids, size_t n, const char ***lids, size_t *nl,
                          sp_err *e)
{
    sp_hs_assoc_lists lists = {0};
    size_t total = 0, k = 0;

    if (sp_hs_assoc_read(d->x.ctx->hs, SP_HS_DEALS, SP_HS_LINE_ITEMS, ids, n, &lists, e) != 0) {
        sp_err_prefix(e, "deals: reading the line items of deals that existed");
        return -1;
    }
    for (size_t i = 0; i < lists.n; i++)
        total += lists.items[i].n;
    *lids = sp_arena_alloc(pg->arena, (total + 1) * sizeof(**lids));
    for (size_t i = 0; i < lists.n; i++)
        for (size_t j = 0; j < lists.items[i].n; j++)
            (*lids)[k++] = sp_arena_strdup(pg->arena, lists.items[i].to_ids[j]);
    *nl = k;
    sp_hs_assoc_lists_free(&lists);
    return 0;
}

/* The key each of the line items lids holds, into h (key -> index in lids). */
static int line_keys(drun *d, xpage *pg, const char **lids, size_t n, sp_keyhash *h, sp_err *e)
{
    static const char *const props[] = {SP_DEAL_LINE_KEY_PROP};
    sp_hs_input *in = sp_arena_alloc(pg->arena, (n + 1) * sizeof(*in));
    sp_hs_batch b = {0};
    sp_hs_batch_result res = {0};
    sp_err op;
    int rc;

    for (size_t i = 0; i < n; i++) {
        memset(&in[i], 0, sizeof(in[i]));
        in[i].id = lids[i];
    }
    b.kind = SP_HS_READ;
    b.object = SP_HS_LINE_ITEMS;
    b.inputs = in;
    b.n = n;
    b.properties = props;
    b.nproperties = 1;
    sp_err_clear(&op);
    (void)sp_hs_batch_run(d->x.ctx->hs, &b, &res, &op);
    rc = dl_op_failed(&res, &op, "line items: reading their keys", e);
    sp_kh_init(h, pg->arena, n);
    for (size_t i = 0; rc == 0 && i < res.n; i++) {
        const char *k = res.items[i].state == SP_HS_ITEM_OK
                            ? sp_hs_record_get(&res.items[i].rec, SP_DEAL_LINE_KEY_PROP)
                            : NULL;   /* gone since: not one of ours any more */
        if (k != NULL && k[0] != '\0')
            sp_kh_put(h, sp_arena_strdup(pg->arena, k), i);
    }
    sp_hs_batch_result_free(&res);
    return rc;
}

int dl_read_existing_lines(drun *d, xpage *pg, sp_err *e)
{
    const char **ids = sp_arena_alloc(pg->arena, (pg->n[0] + 1) * sizeof(*ids)), **lids = NULL;
    size_t n = 0, nl = 0, at;
    sp_keyhash h;

    for (size_t i = 0; i < pg->n[0]; i++)
        if (pg->recs[0][i].pend && !pg->recs[0][i].retry)
            ids[n++] = pg->recs[0][i].hs_id;
    if (n == 0)
        return 0;
    if (assoc_line_ids(d, pg, ids, n, &lids, &nl, e) != 0)
        return -1;
    if (nl == 0)
        return 0;
    if (line_keys(d, pg, lids, nl, &h, e) != 0)
        return -1;
    for (size_t i = 0; i < pg->n[1]; i++) {
        xrec *l = &pg->recs[1][i];
        xrec *doc = dl_doc_of(pg, l);
        if (doc == NULL || !doc->pend || doc->retry || !sp_kh_get(&h, l->ekey, &at))
            continue;
        l->hs_id = lids[at];   /* written by an earlier run */
        l->outcome = O_CREATED;
    }
    SP_DEBUG(d->x.ctx->comp->name, "%zu deal%s existed with %zu line item%s", n, n == 1 ? "" : "s", nl,
             nl == 1 ? "" : "s");
    return 0;
}

/* The create input of line l of document doc. */
static void line_input(xpage *pg, const xrec *l, const xrec *doc, sp_hs_input *in)
{
    sp_hs_prop *p;
    sp_hs_assoc_to *to = sp_arena_alloc(pg->arena, sizeof(*to));
    size_t n, has_product = 0;

    memset(in, 0, sizeof(*in));
    p = dl_props_of(pg, l, 2, &n);
    for (size_t j = 0; j < n; j++)
        has_product |= strcmp(p[j].name, "hs_product_id") == 0;
    if (!has_product && l->extras[LX_PRODUCT] != NULL && l->extras[LX_PRODUCT][0] != '\0') {
        p[n].name = "hs_product_id";   /* HubSpot copies the product; the mapped values apply on top */
        p[n++].value = l->extras[LX_PRODUCT];
    }
    p[n].name = SP_DEAL_LINE_KEY_PROP;
    p[n++].value = l->ekey;
    to->to_id = doc->hs_id;
    to->type_id = sp_hs_assoc_type_id(SP_HS_LINE_ITEMS, SP_HS_DEALS);
    in->props = p;
    in->nprops = n;
    in->assocs = to;
    in->nassocs = 1;
}

static void lines_done(sp_hs_batch_result *res, void *ud)
{
    dl_op *op = ud;
    xpage *pg = op->pg;

    if (dl_op_failed(res, &res->err, "line items: batch create", &op->w->err) != 0) {
        op->w->failed = 1;
        dl_op_end(op->w);
        return;
    }
    for (size_t i = 0; i < res->n; i++) {
        const sp_hs_item *it = &res->items[i];
        xrec *l = op->who[i];
        if (it->state == SP_HS_ITEM_OK) {
            l->hs_id = sp_arena_strdup(pg->arena, it->rec.id);
            l->outcome = O_CREATED;
            continue;
        }
        sx_rec_fail(l, it->status, it->category, it->message, it->correlation_id, pg->arena);
        dl_fail(pg, dl_doc_of(pg, l), it->status, it->category,
                sp_arena_printf(pg->arena, "line %s: %s", l->ekey, it->message ? it->message : ""),
                it->correlation_id);
    }
    dl_op_end(op->w);
}

int dl_create_lines(drun *d, xpage *pg, dl_wait *w, sp_err *e)
{
    dl_op *op = sp_arena_alloc(pg->arena, sizeof(*op));
    sp_hs_input *in = sp_arena_alloc(pg->arena, (pg->n[1] + 1) * sizeof(*in));
    sp_hs_batch b = {0};
    size_t n = 0;

    op->w = w;
    op->pg = pg;
    op->who = sp_arena_alloc(pg->arena, (pg->n[1] + 1) * sizeof(*op->who));
    for (size_t i = 0; i < pg->n[1]; i++) {
        xrec *l = &pg->recs[1][i];
        xrec *doc = dl_doc_of(pg, l);
        if (doc == NULL || !doc->pend || l->hs_id != NULL || l->outcome == O_FAILED || l->outcome == O_SKIPPED)
            continue;   /* a line its pre hook skipped is left out of the deal */
        line_input(pg, l, doc, &in[n]);
        op->who[n++] = l;
    }
    if (n == 0)
        return 0;
    b.kind = SP_HS_CREATE;
    b.object = SP_HS_LINE_ITEMS;
    b.inputs = in;
    b.n = n;
    if (sp_hs_batch_submit(d->x.ctx->hs, &b, lines_done, op, e) != 0)
        return -1;
    w->pending++;
    return 0;
}
