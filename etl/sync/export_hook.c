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

/* The level's hook (pre or post) on its records, sent into c. */
static int level_send(xrun *r, sp_db *db, xpage *pg, int level, int post, xhookcall *c, sp_err *e)
{
    const sp_export_level *lv = r->lv[level].lv;
    size_t n = pg->n[level];

    memset(c, 0, sizeof(*c));
    c->pg = pg, c->level = level, c->post = post;
    c->hook = post ? lv->post_hook : lv->pre_hook;
    if (c->hook == NULL || r->spec->hooks == NULL || n == 0)
        return 0;
    c->hr = sp_arena_alloc(pg->arena, n * sizeof(*c->hr));
    c->idx = sp_arena_alloc(pg->arena, n * sizeof(*c->idx));
    c->k = gather(r, pg, level, post, c->hr, c->idx);
    if (c->k > 0 && sp_hooks_send(r->spec->hooks, c->hook, db, c->hr, c->k, pg->arena, e) != 0) {
        c->pg = NULL;
        sp_err_record(e, r->ctx->comp->name, NULL);
        return -1;
    }
    return 0;
}

/* c's answers into its records. A program pre hook needs no connection: a
 * page read on the run's one (SQLite) holds its lock, given up while it
 * waits for the program, so the commit thread writes the pages before
 * meanwhile (not when the answers are in already: the lock would then be
 * taken back after a commit). */
static int level_recv(xrun *r, sp_db *db, xhookcall *c, sp_err *e)
{
    xpage *pg = c->pg;
    int idle = !c->post && c->hook != NULL && c->hook->kind == SP_HOOK_PROGRAM && db == r->ctx->db &&
               r->sync != NULL;
    int rc;

    if (pg == NULL || c->k == 0)
        goto done;
    idle = idle && !sp_hooks_ready(r->spec->hooks, c->hook);
    if (idle)
        sp_sync_db_unlock(r->sync);
    rc = sp_hooks_recv(r->spec->hooks, c->hook, c->hr, c->k, pg->arena, e);
    if (idle)
        sp_sync_db_lock(r->sync);
    if (rc != 0) {
        c->pg = NULL;
        sp_err_record(e, r->ctx->comp->name, NULL);
        return -1;
    }
    for (size_t j = 0; j < c->k; j++)
        answer(r->lv[c->level].lv, pg, &pg->recs[c->level][c->idx[j]], &c->hr[j], c->post);
done:
    c->pg = NULL;
    return 0;
}

static int run_level(xrun *r, sp_db *db, xpage *pg, int level, int post, sp_err *e)
{
    xhookcall c;

    if (level_send(r, db, pg, level, post, &c, e) != 0)
        return -1;
    return level_recv(r, db, &c, e);
}

int sx_pre_hook_send(xrun *r, sp_db *db, xpage *pg, int level, xhookcall *c, sp_err *e)
{
    return level_send(r, db, pg, level, 0, c, e);
}

int sx_pre_hook_recv(xrun *r, sp_db *db, xhookcall *c, sp_err *e)
{
    xpage *pg = c->pg;
    int level = c->level;

    if (pg == NULL)
        return 0;
    if (level_recv(r, db, c, e) != 0)
        return -1;
    sx_decide_recs(r, pg, level);
    return 0;
}

void sx_pre_hook_cancel(xhookcall *c)
{
    if (c->pg != NULL && c->k > 0)
        sp_hooks_cancel(c->pg->run->spec->hooks, c->hook);
    c->pg = NULL;
}

int sx_pre_hook_overlap(const xrun *r)
{
    int programs = 0;

    for (int l = 0; l < r->nlevels; l++) {
        const sp_job_hook *h = r->lv[l].lv->pre_hook;
        if (h != NULL && h->kind != SP_HOOK_PROGRAM)
            return 0;
        programs += h != NULL;
    }
    return programs > 0 && r->spec->hooks != NULL;
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
