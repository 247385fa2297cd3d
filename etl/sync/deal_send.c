/* deal_send.c -- a deal-export page's writes to HubSpot, in order, on the
 * caller's thread (steps 3 and 5 in flight together and with the next
 * pages' steps, the others each run to its end before the next; the page
 * is done when the last answer of 3 and 5 came):
 *
 *   1. which documents go on: not skipped or failed by the pre hook (it
 *      ran where the page was read), not already linked (one-time: a linked one is
 *      skipped), customer (or prospect) linked to a company, a next queue
 *      for its type, the document and its lines mapped
 *   2. deals: batch upsert by the deal mapping's key-property (unique)
 *   3. each deal associated to its company (deal -> company, 341)
 *   4. a deal the upsert did not create (a run stopped between HubSpot and
 *      its commit, or links deleted to export again): its line items are
 *      read (associations, then their SP_DEAL_LINE_KEY_PROP) and the lines
 *      they hold are taken as written
 *   5. the other lines: batch create, each with its association to its deal
 *      (line item -> deal, 20) in the same request; a line whose item is
 *      linked to a product carries hs_product_id
 *
 * A document is done when its deal and every line went through; a refusal
 * of any of them fails the document (it stays in its queue; the next run
 * upserts the same deal and creates only the lines it lacks). An operation
 * without an outcome (HubSpot unreachable, the daily limit, the token
 * refused) stops the run: nothing of the page is committed, and the next
 * run finds what this one wrote through steps 2 and 4. */
#include <stdlib.h>
#include <string.h>

#include "deal_internal.h"
#include "spetl/log.h"

int dl_soptype(const xrec *doc)
{
    char *end;
    long v = strtol(doc->k1, &end, 10);
    return end != doc->k1 && *end == '\0' && v >= 1 && v <= 6 ? (int)v : 0;
}

void dl_fail(xpage *pg, xrec *doc, int status, const char *category, const char *message, const char *corr)
{
    if (doc->outcome == O_FAILED)
        return;
    sx_rec_fail(doc, status, category, message, corr, pg->arena);
    doc->pend = 0;
}

xrec *dl_doc_of(xpage *pg, const xrec *line)
{
    return line->parent >= 0 ? &pg->recs[0][line->parent] : NULL;
}

/* Step 1. */
void dl_classify(drun *d, xpage *pg)
{
    const char *q = d->spec->queue;

    for (size_t i = 0; i < pg->n[0]; i++) {
        xrec *x = &pg->recs[0][i];
        int prospect = x->extras[DX_PROSPECT] != NULL && strcmp(x->extras[DX_PROSPECT], "1") == 0;
        const char *who = x->extras[DX_CUSTOMER] ? x->extras[DX_CUSTOMER] : "";

        x->pend = 0;
        if (x->outcome == O_FAILED || x->outcome == O_SKIPPED)   /* its pre hook's answer */
            continue;
        if (x->link_id != NULL) {
            x->outcome = O_SKIPPED;   /* exported once: never again */
            continue;
        }
        x->pend = 1;
        if (x->extras[DX_COMPANY] == NULL || x->extras[DX_COMPANY][0] == '\0')
            dl_fail(pg, x, 0, "NOT_LINKED",
                    sp_arena_printf(pg->arena,
                                    "%s %s is not linked to a HubSpot company: run %s (or company-link) "
                                    "first; the document stays in queue %s",
                                    prospect ? "prospect" : "customer", who,
                                    prospect ? "prospect-import or company-link" : "customer-export", q),
                    NULL);
        else if (dl_soptype(x) == 0 || d->next[dl_soptype(x)][0] == '\0')
            dl_fail(pg, x, 0, "NO_NEXT_QUEUE",
                    sp_arena_printf(pg->arena,
                                    "no next queue for %s documents in queue %s: add their row to "
                                    "spWorkflowQueueOrder or set next-queue=\"...\" on <deal-export>",
                                    dl_doc_type_name(dl_soptype(x)) ? dl_doc_type_name(dl_soptype(x)) : "these",
                                    q),
                    NULL);
    }
    for (size_t i = 0; i < pg->n[1]; i++) {
        xrec *l = &pg->recs[1][i];
        xrec *doc = dl_doc_of(pg, l);
        if (doc != NULL && doc->pend && l->outcome == O_FAILED)
            dl_fail(pg, doc, l->status, l->category,
                    sp_arena_printf(pg->arena, "line %s: %s", l->ekey, l->message), l->corr);
    }
}

/* The mapped properties, empty values left out (a create sets nothing for
 * them), and room for `more`. */
sp_hs_prop *dl_props_of(xpage *pg, const xrec *x, size_t more, size_t *np)
{
    sp_hs_prop *p = sp_arena_alloc(pg->arena, (x->map.n + more + 1) * sizeof(*p));
    size_t n = 0;

    for (size_t j = 0; j < x->map.n; j++)
        if (x->map.props[j].value[0] != '\0') {
            p[n].name = x->map.props[j].name;
            p[n].value = x->map.props[j].value;
            n++;
        }
    *np = n;
    return p;
}

/* An operation's error stops the run when it had no outcome for some
 * inputs: nothing of the page is committed. */
int dl_op_failed(const sp_hs_batch_result *res, const sp_err *op, const char *what, sp_err *e)
{
    if (res->n_not_done == 0 && op->code == SP_OK)
        return 0;
    *e = op->code != SP_OK ? *op : res->err;
    sp_err_prefix(e, "%s", what);
    return -1;
}

/* Step 2. */
static int send_deals(drun *d, xpage *pg, sp_err *e)
{
    xrec **who = sp_arena_alloc(pg->arena, (pg->n[0] + 1) * sizeof(*who));
    sp_hs_input *in = sp_arena_alloc(pg->arena, (pg->n[0] + 1) * sizeof(*in));
    sp_hs_batch b = {0};
    sp_hs_batch_result res = {0};
    sp_err op;
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < pg->n[0]; i++) {
        xrec *x = &pg->recs[0][i];
        if (!x->pend)
            continue;
        memset(&in[n], 0, sizeof(in[n]));
        in[n].id = x->map.key;
        in[n].props = dl_props_of(pg, x, 0, &in[n].nprops);
        who[n++] = x;
    }
    if (n == 0)
        return 0;
    b.kind = SP_HS_UPSERT;
    b.object = SP_HS_DEALS;
    b.id_property = d->spec->x.parent.mapping->key_property;
    b.inputs = in;
    b.n = n;
    sp_err_clear(&op);
    (void)sp_hs_batch_run(d->x.ctx->hs, &b, &res, &op);
    if (res.n_not_done == 0 && res.err.code == SP_OK)
        sp_err_clear(&op);   /* another page's failure, answered to that page */
    rc = dl_op_failed(&res, &op, "deals: batch upsert", e);
    for (size_t i = 0; rc == 0 && i < res.n; i++) {
        const sp_hs_item *it = &res.items[i];
        if (it->state == SP_HS_ITEM_OK) {
            who[i]->hs_id = sp_arena_strdup(pg->arena, it->rec.id);
            who[i]->retry = it->is_new == 1;
        } else {
            dl_fail(pg, who[i], it->status, it->category, it->message, it->correlation_id);
        }
    }
    sp_hs_batch_result_free(&res);
    return rc;
}

/* The outcome of an operation submitted with others (steps 3 and 5 go out
 * together): the records its inputs stand for, and the first error that
 * stops the run. */
static void assoc_done(sp_hs_batch_result *res, void *ud)
{
    dl_op *op = ud;

    if (dl_op_failed(res, &res->err, "deals: associating them to their companies", &op->w->err) != 0) {
        op->w->failed = 1;
        dl_op_end(op->w);
        return;
    }
    for (size_t i = 0; i < res->n; i++) {
        const sp_hs_item *it = &res->items[i];
        xrec *x = op->who[i];
        if (it->state != SP_HS_ITEM_OK)
            dl_fail(op->pg, x, it->status, it->category,
                    sp_arena_printf(op->pg->arena, "associating deal %s to company %s: %s", x->hs_id,
                                    x->extras[DX_COMPANY], it->message ? it->message : ""),
                    it->correlation_id);
    }
    dl_op_end(op->w);
}

/* Step 3: submitted, answered in assoc_done. */
static int assoc_companies(drun *d, xpage *pg, dl_wait *w, sp_err *e)
{
    dl_op *op = sp_arena_alloc(pg->arena, sizeof(*op));
    sp_hs_assoc_pair *pairs = sp_arena_alloc(pg->arena, (pg->n[0] + 1) * sizeof(*pairs));
    size_t n = 0;

    op->w = w;
    op->pg = pg;
    op->who = sp_arena_alloc(pg->arena, (pg->n[0] + 1) * sizeof(*op->who));
    for (size_t i = 0; i < pg->n[0]; i++) {
        xrec *x = &pg->recs[0][i];
        if (!x->pend)
            continue;
        pairs[n].from_id = x->hs_id;
        pairs[n].to_id = x->extras[DX_COMPANY];
        op->who[n++] = x;
    }
    if (n == 0)
        return 0;
    if (sp_hs_assoc_submit(d->x.ctx->hs, SP_HS_DEALS, SP_HS_COMPANIES,
                           sp_hs_assoc_type_id(SP_HS_DEALS, SP_HS_COMPANIES), pairs, n, assoc_done, op, e) != 0)
        return -1;
    w->pending++;
    return 0;
}

/* The page's last answer came: done (committed on the commit thread), or
 * dropped when the run must stop (nothing of it committed). */
static void page_end(dl_wait *w)
{
    xpage *pg = w->pg;
    drun *d = DRUN(pg);

    if (w->failed) {
        sp_sync_fail(d->x.sync, &w->err);
        sp_sync_page_drop(d->x.sync, pg);
        return;
    }
    for (size_t i = 0; i < pg->n[0]; i++) {
        xrec *x = &pg->recs[0][i];
        if (x->pend)
            x->outcome = O_CREATED;
    }
    for (size_t i = 0; i < pg->n[1]; i++) {
        xrec *l = &pg->recs[1][i];
        xrec *doc = dl_doc_of(pg, l);
        /* a document's lines: all written, or the document failed */
        if (doc != NULL && doc->outcome == O_CREATED && l->hs_id == NULL && l->outcome != O_SKIPPED)
            dl_fail(pg, doc, 0, "INTERNAL", sp_arena_printf(pg->arena, "line %s was not written", l->ekey), NULL);
    }
    sp_sync_page_done(d->x.sync, pg);
}

void dl_op_end(dl_wait *w)
{
    if (--w->pending == 0)
        page_end(w);
}

/* Steps 1, 2 and 4 run here; 3 and 5 are submitted and answer while the
 * next pages start (their upserts run the queue), so pages overlap their
 * round trips. */
int dl_send_page(drun *d, xpage *pg, sp_err *e)
{
    dl_wait *w = sp_arena_alloc(pg->arena, sizeof(*w));

    memset(w, 0, sizeof(*w));
    w->pg = pg;
    w->pending = 1;   /* this call's own: the page cannot end before it returns */
    dl_classify(d, pg);
    if (send_deals(d, pg, e) != 0 || (d->x.nlevels > 1 && dl_read_existing_lines(d, pg, e) != 0))
        return -1;
    /* the associations and the line items in flight together */
    if (assoc_companies(d, pg, w, e) != 0 || (d->x.nlevels > 1 && dl_create_lines(d, pg, w, e) != 0)) {
        w->failed = 1;   /* what was submitted answers first; then the page is dropped */
        w->err = *e;
    }
    dl_op_end(w);
    return 0;
}
