/* deal_commit.c -- a deal-export page in ONE database transaction, on the
 * commit thread holding the run's connection: each document that went
 * through whole is linked to its deal and each of its lines to its line
 * item, gets one audit row (spSalesDocumentAudit) naming its items that had
 * no HubSpot product, and moves to its next queue; its open Action Center
 * rows are resolved. A failed document gets its Action Center row and stays
 * in its queue. A run killed before the commit leaves none of these: the
 * next run finds the deal by its key and the line items through it. Also
 * --dry-run's printing. */
#include <stdio.h>
#include <string.h>

#include "deal_internal.h"
#include "spetl/clock.h"
#include "spetl/log.h"

static const char *const doc_types[7] = {NULL, "QUOTE", "ORDER", "INVOICE", "RETURN", "BACKORDER", "FULFILLMENT"};

const char *dl_doc_type_name(int soptype)
{
    return soptype >= 1 && soptype <= 6 ? doc_types[soptype] : NULL;
}

static void link_of(drun *d, const char *type, const xrec *x, const char *object, sp_link *lk)
{
    (void)d;
    memset(lk, 0, sizeof(*lk));
    snprintf(lk->entity_type, sizeof(lk->entity_type), "%s", type);
    snprintf(lk->entity_key, sizeof(lk->entity_key), "%s", x->ekey);
    snprintf(lk->hs_object, sizeof(lk->hs_object), "%s", object);
    snprintf(lk->hs_id, sizeof(lk->hs_id), "%s", x->hs_id);
    snprintf(lk->payload_hash, sizeof(lk->payload_hash), "%s", x->hash);
}

/* A link written over the one that exists (or in place of a new row the
 * batch refused). */
static int upsert_link(drun *d, const char *type, const xrec *x, const char *object, sp_err *e)
{
    sp_link lk;

    if (d->x.link_put == NULL && sp_link_writer_open(d->x.ctx->db, &d->x.link_put, e) != 0)
        return -1;
    link_of(d, type, x, object, &lk);
    return sp_link_writer_put(d->x.link_put, d->x.ctx->hub, &lk, e);
}

/* What a row of the new links' batch stands for. */
struct dl_newrow {
    const char *type, *object;
    const xrec *x;
};

/* A link: a row of the page's multi-row INSERT when there was none at the
 * read, else an upsert. */
static int put_link(drun *d, xpage *pg, const char *type, const xrec *x, const char *object, sp_err *e)
{
    if (x->linked_before)
        return upsert_link(d, type, x, object, e);
    if (d->new_links == NULL && sp_link_batch_open(d->x.ctx->db, &d->new_links, e) != 0)
        return -1;
    d->rows = sp_arena_grow(pg->arena, d->rows, d->nrows, &d->caprows, sizeof(*d->rows), 256);
    d->rows[d->nrows++] = (struct dl_newrow){type, object, x};
    /* a refused row (1): written again at the flush */
    return sp_link_batch_add(d->new_links, d->x.ctx->hub, type, x->ekey, object, x->hs_id, x->hash, sp_clock_wall_ms(),
                             e) < 0
               ? -1
               : 0;
}

/* The page's new links; a row the batch refused (a link written since the
 * read) is written again as an upsert. */
static int flush_links(drun *d, sp_err *e)
{
    int nf;

    if (d->new_links == NULL || d->nrows == 0)
        return 0;
    if (sp_batch_flush(d->new_links, e) == 0 && sp_batch_rows_failed(d->new_links) == 0)
        return 0;
    nf = sp_batch_nfailures(d->new_links);
    if (sp_batch_rows_failed(d->new_links) > nf)
        return SP_ERR(e, SP_EDB, "writing %lld links failed", (long long)sp_batch_rows_failed(d->new_links));
    sp_err_clear(e);
    for (int i = 0; i < nf; i++) {
        const sp_batch_failure *f = sp_batch_failure_at(d->new_links, i);
        const struct dl_newrow *w;
        if (f->row < 0 || (size_t)f->row >= d->nrows)
            return SP_ERR(e, SP_EINTERNAL, "link batch: row %lld out of range", (long long)f->row);
        w = &d->rows[f->row];
        if (upsert_link(d, w->type, w->x, w->object, e) != 0)
            return -1;
    }
    return 0;
}

/* The document's number as its key holds it: "TYPE|NUMBER" -> NUMBER. */
static const char *doc_number(const xrec *doc)
{
    return doc->k2 != NULL ? doc->k2 : "";
}

/* Its audit row: the items of its lines that had no HubSpot product. */
static int audit(drun *d, xpage *pg, size_t di, const xrec *doc, sp_err *e)
{
    sp_buf note;
    sp_err full;
    int missing = 0, rc = 0, cut = 0;

    sp_buf_init(&note, 1800);   /* Note holds 2,000 characters */
    sp_err_clear(&full);
    for (size_t i = 0; i < pg->n[1]; i++) {
        const xrec *l = &pg->recs[1][i];
        if (l->parent != (int)di || l->hs_id == NULL ||   /* left out by its pre hook */
            (l->extras[LX_PRODUCT] != NULL && l->extras[LX_PRODUCT][0] != '\0'))
            continue;
        const char *piece = sp_arena_printf(pg->arena, "%sline %s item %s", missing ? ", " : "",
                                            l->ekey + strlen(doc->ekey) + 1,
                                            l->extras[LX_ITEM] ? l->extras[LX_ITEM] : "");
        if (cut || note.len + strlen(piece) >= 1700)
            cut = 1;   /* the rest: counted */
        else
            sp_buf_puts(&note, piece, &full);
        missing++;
    }
    if (missing == 0)
        goto done;
    if (d->audit == NULL &&
        sp_stmt_prepare(d->x.ctx->db,
                        "INSERT INTO spSalesDocumentAudit (Sales_Doc_Type, Sales_Doc_Num, Created_On, Created_By, "
                        "Note) VALUES (?, ?, ?, ?, ?)",
                        &d->audit, e) != 0) {
        rc = -1;
        goto done;
    }
    rc = sp_stmt_bind_text(d->audit, 1, dl_doc_type_name(dl_soptype(doc)), e) != 0 ||
                 sp_stmt_bind_text(d->audit, 2, doc_number(doc), e) != 0 ||
                 sp_stmt_bind_time(d->audit, 3, sp_clock_wall_ms(), e) != 0 ||
                 sp_stmt_bind_text(d->audit, 4, "spetl deal-export", e) != 0 ||
                 sp_stmt_bind_text(d->audit, 5,
                                   sp_arena_printf(pg->arena, "HubSpot deal %s: no HubSpot product for %d line%s: %s%s",
                                                   doc->hs_id, missing, missing == 1 ? "" : "s", sp_buf_str(&note),
                                                   cut ? " ..." : " (run product-export first)"),
                                   e) != 0 ||
                 sp_stmt_exec(d->audit, NULL, e) != 0
             ? -1
             : 0;
done:
    sp_buf_free(&note);
    return rc;
}

/* Its move to the next queue (still in its queue: moved meanwhile, left). */
static int move(drun *d, sp_arena *pg_arena, const xrec *doc, sp_err *e)
{
    if (d->move == NULL &&
        sp_stmt_prepare(d->x.ctx->db,
                        "UPDATE SOP10100 SET BACHNUMB = ? WHERE SOPTYPE = ? AND SOPNUMBE >= ? AND SOPNUMBE <= ? "
                        "AND RTRIM(SOPNUMBE) = ? AND RTRIM(BACHNUMB) = ?",
                        &d->move, e) != 0)
        return -1;
    /* the number as stored with any padding: a range of the key (PKSOP10100) */
    return sp_stmt_bind_text(d->move, 1, d->next[dl_soptype(doc)], e) != 0 ||
                   sp_stmt_bind_int(d->move, 2, dl_soptype(doc), e) != 0 ||
                   sp_stmt_bind_text(d->move, 3, doc_number(doc), e) != 0 ||
                   sp_stmt_bind_text(d->move, 4, sx_padded(pg_arena, doc_number(doc), 21), e) != 0 ||
                   sp_stmt_bind_text(d->move, 5, doc_number(doc), e) != 0 ||
                   sp_stmt_bind_text(d->move, 6, d->spec->queue, e) != 0 || sp_stmt_exec(d->move, NULL, e) != 0
               ? -1
               : 0;
}

static int commit_done(drun *d, xpage *pg, size_t di, const xrec *doc, sp_err *e)
{
    if (put_link(d, pg, SP_LINK_SALES_DOCUMENT, doc, "deals", e) != 0)
        return -1;
    for (size_t i = 0; i < pg->n[1]; i++) {
        const xrec *l = &pg->recs[1][i];
        if (l->parent != (int)di || l->hs_id == NULL)   /* left out by its pre hook */
            continue;
        if (put_link(d, pg, SP_LINK_SALES_LINE, l, "line_items", e) != 0)
            return -1;
        d->lines++;
    }
    if (audit(d, pg, di, doc, e) != 0 || move(d, pg->arena, doc, e) != 0)
        return -1;
    if (sx_is_open(&d->x, &d->x.lv[0], doc) &&
        sp_action_writer_resolve(d->x.actions, SP_LINK_SALES_DOCUMENT, doc->ekey, e) != 0)
        return -1;
    d->x.ctx->counts.created++;
    return 0;
}

static int commit_failed(drun *d, const xrec *doc, sp_err *e)
{
    sp_action a;

    memset(&a, 0, sizeof(a));
    snprintf(a.run_id, sizeof(a.run_id), "%s", d->x.ctx->run_id);
    snprintf(a.component, sizeof(a.component), "%s", d->x.ctx->comp->name);
    snprintf(a.entity_type, sizeof(a.entity_type), "%s", SP_LINK_SALES_DOCUMENT);
    snprintf(a.entity_key, sizeof(a.entity_key), "%s", doc->ekey);
    snprintf(a.category, sizeof(a.category), "%s", doc->category && doc->category[0] ? doc->category : "ERROR");
    snprintf(a.message, sizeof(a.message), "%s", doc->message ? doc->message : "");
    a.http_status = doc->status;
    snprintf(a.correlation_id, sizeof(a.correlation_id), "%s", doc->corr ? doc->corr : "");
    a.created_on = sp_clock_wall_ms();
    if (sp_action_writer_add(d->x.actions, &a, sx_is_open(&d->x, &d->x.lv[0], doc), e) != 0)
        return -1;
    SP_WARN(d->x.ctx->comp->name, "document %s failed: %s%s%s", doc->ekey, a.category, ": ", a.message);
    d->x.ctx->counts.failed++;
    return 0;
}

/* The post hooks, in the page's transaction (their writes go with its
 * links and queue moves): first the lines of the documents that went
 * through whole, and a line its hook skipped or failed holds its document
 * back (no document is linked or moved without all its lines); then those
 * documents still going through. */
static int post_hooks(drun *d, xpage *pg, sp_err *e)
{
    if (d->x.spec->hooks == NULL)
        return 0;
    for (size_t i = 0; i < pg->n[1]; i++) {
        xrec *l = &pg->recs[1][i];
        const xrec *doc = dl_doc_of(pg, l);
        if (doc == NULL || doc->outcome != O_CREATED)
            l->send = 0;   /* its document is not linked: nor is it */
    }
    if (d->x.nlevels > 1 && sx_post_hook(&d->x, pg, 1, e) != 0)
        return -1;
    for (size_t i = 0; i < pg->n[1]; i++) {
        const xrec *l = &pg->recs[1][i];
        xrec *doc = dl_doc_of(pg, l);
        if (!l->send || l->hs_id == NULL || doc == NULL || doc->outcome != O_CREATED)
            continue;
        if (l->outcome == O_FAILED)
            dl_fail(pg, doc, 0, "HOOK", sp_arena_printf(pg->arena, "line %s: %s", l->ekey, l->message), NULL);
        else if (l->outcome == O_SKIPPED) {
            doc->outcome = O_SKIPPED;
            doc->message = sp_arena_printf(pg->arena, "line %s: %s", l->ekey, l->message ? l->message : "");
        }
    }
    return sx_post_hook(&d->x, pg, 0, e);
}

int dl_commit_page(xpage *pg, sp_err *e)
{
    drun *d = DRUN(pg);
    int rc = -1;

    if (sp_db_begin(d->x.ctx->db, e) != 0)
        return -1;
    d->nrows = d->caprows = 0;   /* the rows live in the page's arena */
    if (d->new_links != NULL)
        sp_batch_reset(d->new_links);
    if (post_hooks(d, pg, e) != 0)
        goto done;
    for (size_t i = 0; i < pg->n[0]; i++) {
        const xrec *doc = &pg->recs[0][i];
        if (doc->outcome == O_CREATED ? commit_done(d, pg, i, doc, e) != 0
            : doc->outcome == O_FAILED ? commit_failed(d, doc, e) != 0
                                       : 0)
            goto done;
        if (doc->outcome == O_SKIPPED)
            d->x.ctx->counts.skipped++;
    }
    if (flush_links(d, e) != 0 || sp_db_commit(d->x.ctx->db, e) != 0)
        goto done;
    rc = 0;
done:
    if (rc != 0) {
        sp_db_rollback(d->x.ctx->db, NULL);
        sp_err_prefix(e, "committing a page of documents");
    }
    return rc;
}

/* ---- --dry-run -------------------------------------------------------------- */

static void dry_rec(const char *what, const xrec *x, const char *extra, sp_arena *a)
{
    sp_diff df;
    sp_buf out;
    sp_err e;

    sp_payload_diff(x->map.props, x->map.n, NULL, a, &df);
    sp_buf_init(&out, 1 << 20);
    sp_err_clear(&e);
    sp_payload_diff_format(&df, "    ", 0, &out, &e);
    printf("  %s %s%s\n%s", what, x->ekey, extra, sp_buf_str(&out));
    sp_buf_free(&out);
}

void dl_dry_print(drun *d, xpage *pg)
{
    for (size_t i = 0; i < pg->n[0]; i++) {
        xrec *x = &pg->recs[0][i];
        if (x->outcome == O_SKIPPED || x->outcome == O_FAILED) {
            printf("SALES_DOCUMENT %s: %s%s\n", x->ekey, x->outcome == O_SKIPPED ? "skipped: " : "would fail: ",
                   x->outcome == O_SKIPPED ? (x->message ? x->message : "already exported (linked)") : x->message);
            d->x.ctx->counts.skipped += x->outcome == O_SKIPPED;
            d->x.ctx->counts.failed += x->outcome == O_FAILED;
            continue;
        }
        printf("SALES_DOCUMENT %s -> deal (upsert by %s = %s), associated to company %s, then queue %s -> %s\n",
               x->ekey, d->spec->x.parent.mapping->key_property, x->map.key ? x->map.key : "",
               x->extras[DX_COMPANY], d->spec->queue, d->next[dl_soptype(x)]);
        dry_rec("deal", x, "", pg->arena);
        for (size_t j = 0; j < pg->n[1]; j++) {
            const xrec *l = &pg->recs[1][j];
            if (l->parent != (int)i)
                continue;
            if (l->outcome == O_SKIPPED) {
                printf("  line item %s: skipped: %s\n", l->ekey, l->message ? l->message : "");
                continue;
            }
            dry_rec("line item", l,
                    l->extras[LX_PRODUCT] && l->extras[LX_PRODUCT][0]
                        ? sp_arena_printf(pg->arena, " (product %s)", l->extras[LX_PRODUCT])
                        : sp_arena_printf(pg->arena, " (item %s has no HubSpot product: audit row)",
                                          l->extras[LX_ITEM] ? l->extras[LX_ITEM] : ""),
                    pg->arena);
        }
        d->x.ctx->counts.created++;
    }
    fflush(stdout);
}
