/* export_sku.c -- products have no unique property to upsert by: before a
 * page's writes, its unlinked items are searched by hs_sku (the mapping's
 * key) in batches of 100; an item found once is linked (updated by id with
 * its payload), found several times is reported, not found is created. The
 * next run finds what a killed run created the same way. */
#include <string.h>

#include "export_internal.h"

/* Search results: the records of the page whose hs_sku they hold. */
static void match_skus(xpage *pg, const sp_hs_page *hp)
{
    for (size_t j = 0; j < hp->n; j++) {
        const char *sku = sp_hs_record_get(&hp->recs[j], "hs_sku");
        for (size_t i = 0; sku != NULL && i < pg->n[0]; i++) {
            xrec *x = &pg->recs[0][i];
            if (x->op != OP_UPSERT || x->outcome == O_FAILED || x->map.key == NULL || strcmp(x->map.key, sku) != 0)
                continue;
            if (x->existing_id != NULL) {
                sx_rec_fail(x, 409, "AMBIGUOUS",
                            sp_arena_printf(pg->arena,
                                            "several HubSpot products have hs_sku %s (%s, %s, ...): "
                                            "not linked; remove the duplicates or link one by hand",
                                            sku, x->existing_id, hp->recs[j].id),
                            NULL, pg->arena);
            } else {
                x->existing_id = sp_arena_strdup(pg->arena, hp->recs[j].id);
            }
        }
    }
}

/* Search the products holding one of the m SKUs vals, every result page. */
static int search_skus(xrun *r, xpage *pg, const char **vals, size_t m, sp_err *e)
{
    static const char *const props[] = {"hs_sku"};
    sp_hs_filter f = {"hs_sku", "IN", NULL, NULL, vals, m};
    sp_hs_filter_group g = {&f, 1};
    sp_hs_search_req q;
    const char *after = NULL;

    memset(&q, 0, sizeof(q));
    q.groups = &g;
    q.ngroups = 1;
    q.properties = props;
    q.nproperties = 1;
    q.limit = 200;
    do {
        sp_hs_page hp;
        memset(&hp, 0, sizeof(hp));
        q.after = after;
        if (sp_hs_search(r->ctx->hs, SP_HS_PRODUCTS, &q, &hp, e) != 0)
            return -1;
        match_skus(pg, &hp);
        after = hp.next_after ? sp_arena_strdup(pg->arena, hp.next_after) : NULL;
        sp_hs_page_free(&hp);
    } while (after != NULL);
    return 0;
}

int sx_link_by_sku(xrun *r, xpage *pg, sp_err *e)
{
    const char **vals = sp_arena_alloc(pg->arena, (pg->n[0] ? pg->n[0] : 1) * sizeof(char *));
    size_t nv = 0;

    for (size_t i = 0; i < pg->n[0]; i++)
        if (pg->recs[0][i].op == OP_UPSERT && pg->recs[0][i].outcome == O_NONE)
            vals[nv++] = pg->recs[0][i].map.key;   /* the mapped hs_sku (the key-property) */
    for (size_t off = 0; off < nv; off += 100)
        if (search_skus(r, pg, vals + off, nv - off < 100 ? nv - off : 100, e) != 0)
            return -1;
    /* found once: link (update by id with the payload), not create */
    for (size_t i = 0; i < pg->n[0]; i++) {
        xrec *x = &pg->recs[0][i];
        if (x->op == OP_UPSERT && x->outcome == O_NONE && x->existing_id != NULL) {
            x->op = OP_UPDATE;
            x->link_id = x->existing_id;
        }
    }
    return 0;
}
