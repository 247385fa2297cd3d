/* export_map.c -- the rows of a page into records: trimmed keys (and the
 * keys as stored), the mapping (sp_map_export), then (after the pre hook,
 * export_hook.c) the payload hash and what is to be sent: unlinked = upsert by the mapping's
 * key-property, linked with another hash = update by id, same hash =
 * unchanged. Records whose keys are equal once trimmed all fail here.
 * Runs where the page is read (the read-ahead thread when there is one). */
#include <string.h>
#include <strings.h>

#include "export_internal.h"

void sx_rec_fail(xrec *x, int status, const char *category, const char *message, const char *corr,
                 sp_arena *a)
{
    x->outcome = O_FAILED;
    x->status = status;
    x->category = sp_arena_strdup(a, category ? category : "");
    x->message = sp_arena_strdup(a, message ? message : "");
    x->corr = sp_arena_strdup(a, corr ? corr : "");
}

typedef struct rowget {
    const xlevel_rt *l;
    const char **vals;
} rowget;

static const char *row_get(void *ctx, const sp_job_column *col)
{
    const rowget *g = ctx;
    for (int i = 0; i < g->l->ncols; i++)
        if (g->l->cols[i] == col || strcasecmp(g->l->cols[i]->name, col->name) == 0)
            return g->vals[i];
    return NULL;
}

/* How many trailing spaces a key part had as stored. */
static int stored_pad(const char *trimmed_key, int64_t stored_len)
{
    int64_t pad = stored_len - (int64_t)strlen(trimmed_key);
    return pad > 0 && pad < 4096 ? (int)pad : 0;
}

/* "a|b" in the arena (a record's entity key, part by part). */
static const char *join_bar(sp_arena *ar, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *out = sp_arena_alloc(ar, na + nb + 2);

    memcpy(out, a, na);
    out[na] = '|';
    memcpy(out + na + 1, b, nb + 1);
    return out;
}

/* The key of x as stored, quoted, its trailing spaces shown: 'K1  |K2 '.
 * Only a failure names it, so it is made only then. */
static const char *rawkey(sp_arena *a, const sp_export_level *lv, const xrec *x)
{
    const char *raw = "'";

    for (int k = 0; k < lv->nkeys; k++) {
        const char *part = sx_trimmed(a, x->src->vals[k]);
        raw = sp_arena_printf(a, "%s%s%s%*s", raw, k ? "|" : "", part, stored_pad(part, x->src->klen[k]), "");
    }
    return sp_arena_printf(a, "%s'", raw);
}

/* The keys and link of row w into x; 0 when the level keeps only some
 * second-key values (address types) and this is none of them. */
static int rec_keys(const sp_export_level *lv, const xrow *w, sp_arena *a, xrec *x)
{
    x->k1 = sx_trimmed(a, w->vals[0]);
    x->k2 = lv->nkeys > 1 ? sx_trimmed(a, w->vals[1]) : NULL;
    if (lv->only_codes != NULL && x->k2 != NULL) {
        int keep = 0;
        for (size_t c = 0; c < lv->nonly_codes && !keep; c++)
            keep = strcmp(lv->only_codes[c], x->k2) == 0;
        if (!keep)
            return 0;
    }
    x->ekey = x->k1;
    for (int k = 1; k < lv->nkeys; k++)
        x->ekey = join_bar(a, x->ekey, k == 1 ? x->k2 : sx_trimmed(a, w->vals[k]));
    x->src = w;
    for (int k = 0; k < SP_EXPORT_MAX_EXTRAS; k++)
        x->extras[k] = w->extras[k];
    x->link_id = w->link_id;
    x->link_hash = w->link_hash;
    x->linked_before = x->link_id != NULL;
    x->send = lv->send;
    return 1;
}

/* Map x from its row (what is sent is decided after the pre hook). */
static void rec_map(xrun *r, xpage *pg, const xlevel_rt *l, const xrow *w, xrec *x)
{
    const sp_export_level *lv = l->lv;
    rowget g = {l, w->vals};
    sp_err me;

    sp_err_clear(&me);
    x->row = w->vals;
    if (sp_map_export(lv->mapping, r->ctx->job->path, row_get, &g, pg->arena, &x->map, &me) != 0) {
        char line[1024];
        sx_rec_fail(x, 0, "MAPPING", sp_err_format(&me, line, sizeof(line)), NULL, pg->arena);
    }
}

/* Decide what is sent for x: unlinked = upsert, another hash = update. */
static void rec_decide(xpage *pg, const sp_export_level *lv, xrec *x)
{
    sp_payload_hash(x->map.props, x->map.n, x->hash);
    if (x->link_id == NULL && lv->keyless) {
        x->op = OP_NONE;   /* created by the engine that sends it */
    } else if (x->link_id == NULL) {
        if (x->map.key == NULL || x->map.key[0] == '\0') {
            sx_rec_fail(x, 0, "MAPPING",
                        sp_arena_printf(pg->arena, "the key property %s of mapping %s is empty",
                                        lv->mapping->key_property ? lv->mapping->key_property : "(none)",
                                        lv->mapping->id),
                        NULL, pg->arena);
            return;
        }
        x->op = OP_UPSERT;
    } else if (x->link_hash != NULL && strcmp(x->link_hash, x->hash) == 0) {
        x->outcome = O_UNCHANGED;
    } else {
        x->op = OP_UPDATE;
    }
}

void sx_make_recs(xrun *r, xpage *pg, int level, const xrow *rows, size_t n)
{
    const xlevel_rt *l = &r->lv[level];
    xrec *recs = sp_arena_alloc(pg->arena, (n ? n : 1) * sizeof(*recs));
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        xrec *x = &recs[k];

        memset(x, 0, sizeof(*x));
        x->level = level;
        x->parent = -1;
        if (!rec_keys(l->lv, &rows[i], pg->arena, x))
            continue;
        k++;
        if (x->send)
            rec_map(r, pg, l, &rows[i], x);
    }
    pg->recs[level] = recs;
    pg->n[level] = k;
}

void sx_decide_recs(xrun *r, xpage *pg, int level)
{
    for (size_t i = 0; i < pg->n[level]; i++)
        if (pg->recs[level][i].send && pg->recs[level][i].outcome == O_NONE)
            rec_decide(pg, r->lv[level].lv, &pg->recs[level][i]);
}

/* Records of one level whose keys are equal once trailing spaces are
 * trimmed (GP CHAR keys stored with different padding, 'X' and 'X '): in
 * HubSpot they would be one record, written by each in turn. All of them
 * fail, nothing is sent for them; the first carries the one Action Center
 * row, naming every stored key. A key's rows are all in one page
 * (export_read.c keeps them together). */
void sx_fail_collisions(xrun *r, xpage *pg, int level)
{
    const xlevel_rt *l = &r->lv[level];
    size_t n = pg->n[level];
    xrec *recs = pg->recs[level];
    sp_keyhash h;

    if (n < 2)
        return;
    sp_kh_init(&h, pg->arena, n);
    for (size_t i = 0; i < n; i++) {
        size_t first;
        sp_buf names;
        sp_err e;
        int count = 1;

        if (!sp_kh_get(&h, recs[i].ekey, &first)) {
            sp_kh_put(&h, recs[i].ekey, i);
            continue;
        }
        if (recs[i].quiet)
            continue;   /* reported with the first */
        sp_buf_init(&names, 4096);
        sp_err_clear(&e);
        sp_buf_puts(&names, rawkey(pg->arena, l->lv, &recs[first]), &e);
        for (size_t j = first + 1; j < n; j++)
            if (strcmp(recs[j].ekey, recs[first].ekey) == 0) {
                sp_buf_printf(&names, &e, " and %s", rawkey(pg->arena, l->lv, &recs[j]));
                recs[j].quiet = 1;
                sx_rec_fail(&recs[j], 0, "KEY_COLLISION", "see the row of the same key", NULL, pg->arena);
                count++;
            }
        sx_rec_fail(&recs[first], 0, "KEY_COLLISION",
                    sp_arena_printf(pg->arena,
                                    "%d %s rows have the key %s once trailing spaces are trimmed (stored as %s): "
                                    "HubSpot would hold one record for them, so nothing is sent for any; "
                                    "make their keys differ in GP",
                                    count, sp_job_entity_name(l->lv->entity), recs[first].ekey,
                                    sp_buf_str(&names)),
                    NULL, pg->arena);
        sp_buf_free(&names);
    }
}
