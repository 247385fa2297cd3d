/* export_hook.c -- the export levels' hooks (include/spetl/hook.h, the
 * rules in include/spetl/export.h): the pre hook on a page's mapped records
 * where the page is read (the read-ahead thread, on its connection), before
 * the hash and the decision; the post hook on the records HubSpot took, on
 * the commit thread, inside the page's transaction before the links. */
#include <string.h>

#include "export_internal.h"
#include "spetl/hook.h"

/* The level's GP column names, once per call (page arena). */
static const char **col_names(const xlevel_rt *l, sp_arena *a)
{
    const char **v = sp_arena_alloc(a, (size_t)(l->ncols + 1) * sizeof(*v));

    for (int i = 0; i < l->ncols; i++)
        v[i] = l->cols[i]->name;
    return v;
}

/* The hook records of the level's records that pass want(); idx[k] is the
 * page index of hook record k. */
static size_t gather(xrun *r, xpage *pg, int level, int post, sp_hook_rec *hr, size_t *idx)
{
    const xlevel_rt *l = &r->lv[level];
    const char **names = col_names(l, pg->arena);
    size_t k = 0;

    for (size_t i = 0; i < pg->n[level]; i++) {
        xrec *x = &pg->recs[level][i];
        int want = post ? x->outcome == O_CREATED || x->outcome == O_UPDATED || x->outcome == O_LINKED
                        : x->outcome == O_NONE;
        if (!x->send || !want)
            continue;
        memset(&hr[k], 0, sizeof(hr[k]));
        hr[k].type = l->lv->link_type;
        hr[k].key = x->ekey;
        hr[k].hubspot_id = post ? x->hs_id : x->link_id;
        hr[k].gp_names = names;
        hr[k].gp_values = x->row;
        hr[k].ngp = x->row != NULL ? (size_t)l->ncols : 0;
        hr[k].props = x->map.props;
        hr[k].nprops = x->map.n;
        idx[k++] = i;
    }
    return k;
}

/* Record x takes hook record h's answer. */
static void answer(const sp_export_level *lv, xpage *pg, xrec *x, const sp_hook_rec *h, int post)
{
    if (h->action == SP_HOOK_FAIL) {
        sx_rec_fail(x, 0, "HOOK", h->message, NULL, pg->arena);
    } else if (h->action == SP_HOOK_SKIP) {
        x->outcome = O_SKIPPED;
        x->message = h->message;
    } else if (!post && h->changed) {
        x->map.props = h->props;
        x->map.n = h->nprops;
        if (lv->mapping->key_property != NULL)
            x->map.key = sp_map_get(&x->map, lv->mapping->key_property);
    }
}

static int run_level(xrun *r, sp_db *db, xpage *pg, int level, int post, sp_err *e)
{
    const sp_export_level *lv = r->lv[level].lv;
    const sp_job_hook *hook = post ? lv->post_hook : lv->pre_hook;
    size_t n = pg->n[level], k;
    sp_hook_rec *hr;
    size_t *idx;

    if (hook == NULL || r->spec->hooks == NULL || n == 0)
        return 0;
    hr = sp_arena_alloc(pg->arena, n * sizeof(*hr));
    idx = sp_arena_alloc(pg->arena, n * sizeof(*idx));
    k = gather(r, pg, level, post, hr, idx);
    if (k == 0)
        return 0;
    if (sp_hooks_run(r->spec->hooks, hook, db, hr, k, pg->arena, e) != 0) {
        sp_err_record(e, r->ctx->comp->name, NULL);
        return -1;
    }
    for (size_t j = 0; j < k; j++)
        answer(lv, pg, &pg->recs[level][idx[j]], &hr[j], post);
    return 0;
}

int sx_pre_hook(xrun *r, sp_db *db, xpage *pg, int level, sp_err *e)
{
    if (run_level(r, db, pg, level, 0, e) != 0)
        return -1;
    sx_decide_recs(r, pg, level);
    return 0;
}

int sx_post_hooks(xrun *r, xpage *pg, sp_err *e)
{
    for (int lv = 0; lv < r->nlevels; lv++)
        if (run_level(r, r->ctx->db, pg, lv, 1, e) != 0)
            return -1;
    return 0;
}

int sx_post_hook(xrun *r, xpage *pg, int level, sp_err *e)
{
    return run_level(r, r->ctx->db, pg, level, 1, e);
}
