/* export_send.c -- a page's writes to HubSpot, stage by stage (sx_advance):
 * the parents' upserts and updates, re-resolving those whose HubSpot object
 * is gone, then the children's (a new contact: a create carrying its
 * association to its company), the children whose e-mail or key a contact
 * already holds (read back, then linked), the associations to their
 * parents; then the page is committed (export_commit.c). A stage's records
 * join the run's batch filling for their level and kind of write, shared by
 * the pages (xacc): it goes out at SX_BATCH records, when SX_BATCH_AGE
 * more pages have reached that write since its first record's page
 * (SX_READ_AGE for the conflicts' reads: sx_flush), when it would hold
 * records of more than SX_HOLD_PAGES pages, or at the end (as soon as no
 * batch in flight can add to it); each page counts its records not
 * answered (pending) and moves on when the batch holding the last one is
 * answered (on_result, settle). Runs on the caller's thread, inside
 * sp_hs_drain()/sp_hs_run(). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export_internal.h"
#include "spetl/log.h"
#include "spetl/mem.h"

typedef enum xkind {
    K_UPSERT = 0,
    K_UPDATE,
    K_READ,
    K_LINK_UPDATE,
    K_ASSOC,
    K_CREATE          /* a new contact, created with its association to its parent */
} xkind;

/* One batch sent: which records (of one page or several), in input order. */
typedef struct xop_ud {
    xrun *r;
    int level;
    xkind kind;
    size_t n;
    xref ref[];
} xop_ud;

#define REC(u, i) (&(u)->ref[i].pg->recs[(u)->level][(u)->ref[i].idx])

static const char *parent_id(xpage *pg, const xrec *x)
{
    const xrec *p;
    if (x->parent < 0)
        return NULL;
    p = &pg->recs[0][x->parent];
    if (p->outcome == O_FAILED || p->outcome == O_SKIPPED)
        return NULL;
    if (p->hs_id != NULL)
        return p->hs_id;
    if (p->outcome == O_NONE && p->send && p->op != OP_NONE)
        return NULL;   /* not written (the run stopped) */
    return p->link_id;
}

/* A write refused because another input of the same batch holds the same
 * e-mail ("Duplicate ... in batch input"): the message names that record
 * (for an address: its customer and address code), so the person fixing it
 * knows which two addresses share it. NULL: no such input. */
static const char *batch_twin(xpage *pg, const xop_ud *u, size_t i, const sp_hs_item *it)
{
    const xrec *x = REC(u, i);
    const char *mail = sp_map_get(&x->map, "email");

    if (mail == NULL || mail[0] == '\0' ||
        (it->status != 409 && (it->message == NULL || strcasestr(it->message, "duplicate") == NULL)))
        return NULL;
    for (size_t j = 0; j < u->n; j++) {
        const xrec *o = REC(u, j);
        const char *om = sp_map_get(&o->map, "email");
        if (j == i || om == NULL || strcasecmp(om, mail) != 0)
            continue;
        if (o->k2 != NULL && strcmp(pg->run->lv[u->level].lv->link_type, SP_LINK_CUSTOMER_ADDRESS) == 0)
            return sp_arena_printf(pg->arena, "%s (the e-mail %s is also that of customer %s, address %s)",
                                   it->message ? it->message : "", mail, o->k1, o->k2);
        return sp_arena_printf(pg->arena, "%s (the e-mail %s is also that of %s %s)",
                               it->message ? it->message : "", mail, pg->run->lv[u->level].lv->link_type,
                               o->ekey);
    }
    return NULL;
}

/* An input HubSpot refused: a gone object is unlinked (products) or
 * re-resolved, an e-mail held by another contact is read back, anything
 * else fails the record. */
static void item_failed(const xop_ud *u, size_t i, xrec *x, const sp_hs_item *it)
{
    xpage *pg = u->ref[i].pg;
    xrun *r = pg->run;
    const xlevel_rt *l = &r->lv[u->level];
    int gone = it->status == 404 || (it->category != NULL && strcmp(it->category, "OBJECT_NOT_FOUND") == 0);
    int dup;
    const char *twin;

    if (u->kind == K_UPDATE && gone && r->spec->link_by_sku) {
        /* products cannot be upserted (no unique properties): the
         * link goes, and the next run matches by hs_sku or creates */
        x->unlink = 1;
        sx_rec_fail(x, 404, "OBJECT_NOT_FOUND",
                    sp_arena_printf(pg->arena,
                                    "its HubSpot %s %s is gone (deleted or merged): unlinked; the next "
                                    "run links the product holding hs_sku %s, or creates one",
                                    sp_hs_object_name(l->object), x->link_id, x->map.key ? x->map.key : ""),
                    it->correlation_id, pg->arena);
        return;
    }
    if (u->kind == K_UPDATE && gone && l->lv->mapping->key_property != NULL) {
        SP_WARN(r->ctx->comp->name, "%s %s: its HubSpot %s %s is gone (%s); re-resolving it by %s",
                l->lv->link_type, x->ekey, sp_hs_object_name(l->object), x->link_id,
                it->message ? it->message : "404", l->lv->mapping->key_property);
        x->relinked = 1;
        x->gone_id = x->link_id;
        x->pend = 1;
        return;
    }
    if ((u->kind == K_UPSERT || u->kind == K_CREATE) && u->level == 1 && it->status == 409 &&
        it->existing_id != NULL && l->object == SP_HS_CONTACTS) {
        /* its e-mail, or its key (an earlier run created it and stopped
         * before its link was committed): the contact is read back */
        x->existing_id = sp_arena_strdup(pg->arena, it->existing_id);
        x->pend = 1;
        return;
    }
    twin = batch_twin(pg, u, i, it);
    dup = it->message != NULL && strcasestr(it->message, "duplicate") != NULL;
    if (u->kind == K_CREATE && (twin == NULL || !dup) &&
        (it->status == 409 || (it->category != NULL && strcmp(it->category, "CONFLICT") == 0))) {
        /* refused without naming the holder (an input of the batch with the
         * same e-mail is not the cause unless HubSpot says "duplicate": its
         * key may be taken): upserted by its key */
        x->retry = 1;
        x->pend = 1;
        return;
    }
    sx_rec_fail(x, it->status, it->category, twin ? twin : it->message, it->correlation_id, pg->arena);
}

/* The contact holding a child's e-mail, read back: linked to it when it
 * carries no other SalesPad key and no other record links it. */
static void conflict_read(const xop_ud *u, xpage *pg, xrec *x, const sp_hs_item *it)
{
    xrun *r = pg->run;
    const xlevel_rt *l = &r->lv[u->level];
    const char *kp = l->lv->mapping->key_property;
    const char *held = sp_hs_record_get(&it->rec, kp);
    const char *mail = sp_map_get(&x->map, "email") ? sp_map_get(&x->map, "email") : "";
    sp_link lk;
    int found = 0, lrc;
    sp_err le;

    sp_err_clear(&le);
    sp_sync_db_lock(r->sync);
    lrc = sp_link_get_by_hs(r->ctx->db, r->ctx->hub, sp_hs_object_name(l->object), x->existing_id, &lk, &found,
                            &le);
    sp_sync_db_unlock(r->sync);
    if (lrc != 0) {
        sp_sync_fail(r->sync, &le);
        return;
    }
    if (found && (strcmp(lk.entity_type, l->lv->link_type) != 0 || strcmp(lk.entity_key, x->ekey) != 0)) {
        /* a contact spetl already links to another record (a prospect contact, say) */
        sx_rec_fail(x, 409, "CONFLICT",
                    sp_arena_printf(pg->arena,
                                    "the e-mail %s is already the contact %s, linked to %s %s: not "
                                    "linked twice",
                                    mail, x->existing_id, lk.entity_type, lk.entity_key),
                    it->correlation_id, pg->arena);
    } else if (held == NULL || held[0] == '\0' || strcmp(held, x->map.key) == 0) {
        x->pend = 1;
    } else {
        sx_rec_fail(x, 409, "CONFLICT",
                    sp_arena_printf(pg->arena,
                                    "the e-mail %s is already the contact %s of another SalesPad "
                                    "record (%s %s): not linked twice",
                                    mail, x->existing_id, kp, held),
                    it->correlation_id, pg->arena);
    }
}

/* An input that went through. */
static void item_ok(const xop_ud *u, xpage *pg, xrec *x, const sp_hs_item *it)
{
    const xrun *r = u->r;

    switch (u->kind) {
    case K_UPSERT:
        x->hs_id = sp_arena_strdup(pg->arena, it->rec.id);
        x->outcome = x->relinked                               ? O_UPDATED
                     : it->is_new == 0 && !r->spec->link_by_sku ? O_LINKED
                                                                : O_CREATED;
        x->assoc = 1;
        break;
    case K_UPDATE:
        x->hs_id = x->link_id;
        /* an item found by its SKU: linked (and given the payload) */
        x->outcome = x->existing_id != NULL ? O_LINKED : O_UPDATED;
        break;
    case K_READ:
        conflict_read(u, pg, x, it);
        break;
    case K_LINK_UPDATE:
        x->hs_id = x->existing_id;
        x->outcome = O_LINKED;
        x->assoc = 1;
        break;
    case K_CREATE:
        x->hs_id = sp_arena_strdup(pg->arena, it->rec.id);
        x->outcome = O_CREATED;   /* associated by the create itself */
        break;
    case K_ASSOC:
        break;
    }
}

/* The batch's records are answered (or will not be): a page none of whose
 * records waits any more moves on. */
static void settle(const xref *ref, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        xpage *pg = ref[i].pg;
        if (--pg->pending == 0)
            sx_advance(pg);   /* its last record in this batch: not seen again below */
    }
}

static void on_result(sp_hs_batch_result *res, void *vud)
{
    xop_ud *u = vud;

    u->r->sent[u->level][u->kind]--;
    if (res->n_not_done > 0)
        sp_sync_fail(u->r->sync, &res->err);
    for (size_t i = 0; i < u->n && i < res->n; i++) {
        xrec *x = REC(u, i);
        const sp_hs_item *it = &res->items[i];

        if (it->state == SP_HS_ITEM_NOT_DONE)
            continue;
        if (it->state == SP_HS_ITEM_FAILED)
            item_failed(u, i, x, it);
        else
            item_ok(u, u->ref[i].pg, x, it);
    }
    settle(u->ref, u->n);
    free(u);
}

/* The input of x for a write of kind: its properties (creating: empty
 * values are left out, an empty e-mail is no e-mail) and the id it goes by. */
static void fill_input(xpage *pg, xkind kind, const xrec *x, sp_hs_input *in)
{
    sp_hs_prop *props = sp_arena_alloc(pg->arena, (x->map.n ? x->map.n : 1) * sizeof(*props));
    size_t np = 0;

    for (size_t j = 0; j < x->map.n; j++) {
        if (kind != K_UPDATE && x->map.props[j].value[0] == '\0')
            continue;
        props[np].name = x->map.props[j].name;
        props[np].value = x->map.props[j].value;
        np++;
    }
    in->props = props;
    in->nprops = np;
    if (kind == K_CREATE) {
        sp_hs_assoc_to *to = sp_arena_alloc(pg->arena, sizeof(*to));
        to->to_id = parent_id(pg, x);
        to->type_id = sp_hs_assoc_type_id(pg->run->lv[1].object, pg->run->lv[0].object);
        in->assocs = to;
        in->nassocs = 1;
        in->id = NULL;
        return;
    }
    in->id = kind == K_UPSERT ? (pg->run->spec->link_by_sku ? NULL : x->map.key)
             : kind == K_UPDATE ? x->link_id
                                : x->existing_id;
}

/* Submit u's inputs (or association pairs) to the client. */
static int send_batch(xop_ud *u, sp_hs_input *in, sp_hs_assoc_pair *pairs, sp_err *e)
{
    xrun *r = u->r;
    const xlevel_rt *l = &r->lv[u->level];
    static const char *const none[1] = {NULL};
    const char *kp = l->lv->mapping->key_property;
    sp_hs_batch b;

    if (u->kind == K_ASSOC)
        return sp_hs_assoc_submit(r->ctx->hs, l->object, r->lv[0].object,
                                  sp_hs_assoc_type_id(l->object, r->lv[0].object), pairs, u->n, on_result, u,
                                  e);
    memset(&b, 0, sizeof(b));
    b.kind = u->kind == K_UPSERT ? SP_HS_UPSERT : u->kind == K_READ ? SP_HS_READ : SP_HS_UPDATE;
    if (u->kind == K_UPSERT && r->spec->link_by_sku)
        b.kind = SP_HS_CREATE;   /* products: matched by hs_sku before (link_by_sku) */
    if (u->kind == K_CREATE) {
        b.kind = SP_HS_CREATE;
        b.flags = SP_HS_CREATE_KEYED;   /* the key property is unique: a second create is refused */
    }
    b.flags |= SP_HS_IDS_ONLY;   /* item_ok reads the id alone: replies parsed for that */
    b.object = l->object;
    b.id_property = u->kind == K_UPSERT && b.kind != SP_HS_CREATE ? kp : NULL;
    b.inputs = in;
    b.n = u->n;
    if (u->kind == K_READ) {
        b.properties = kp ? &l->lv->mapping->key_property : none;
        b.nproperties = kp ? 1 : 0;
    }
    return sp_hs_batch_submit(r->ctx->hs, &b, on_result, u, e);
}

/* Send the batch filling for level and kind (when the run has stopped:
 * settle its records unsent). */
static void flush_acc(xrun *r, int level, xkind kind)
{
    xacc *a = &r->acc[level][kind];
    size_t n = a->n;
    xop_ud *u;
    sp_hs_input *in;
    sp_hs_assoc_pair *pairs;
    sp_err e;
    int rc = -1;

    if (n == 0)
        return;
    u = sp_xmalloc(sizeof(*u) + n * sizeof(xref));
    u->r = r;
    u->level = level;
    u->kind = kind;
    u->n = n;
    memcpy(u->ref, a->ref, n * sizeof(xref));
    a->n = 0;
    a->pages = 0;
    in = sp_xcalloc(n, sizeof(*in));
    pairs = sp_xcalloc(n, sizeof(*pairs));
    for (size_t k = 0; k < n; k++) {
        xpage *pg = u->ref[k].pg;
        xrec *x = REC(u, k);
        if (kind == K_ASSOC) {
            pairs[k].from_id = x->hs_id;
            pairs[k].to_id = parent_id(pg, x);
        } else if (kind == K_READ) {
            in[k].id = x->existing_id;
        } else {
            fill_input(pg, kind, x, &in[k]);
        }
    }
    sp_err_clear(&e);
    r->sent[level][kind]++;
    if (!sp_sync_failed(r->sync) && (rc = send_batch(u, in, pairs, &e)) != 0)
        sp_sync_fail(r->sync, &e);
    free(in);
    free(pairs);
    if (rc != 0) {
        r->sent[level][kind]--;
        settle(u->ref, n);
        free(u);
    }
}

/* The stage order of the writes: a record joins a batch of a later kind
 * (or of the same, re-resolved) when an earlier batch is answered. */
static int rank(int level, int kind)
{
    if (level == 0)
        return 0;
    return kind == K_READ ? 2 : kind == K_LINK_UPDATE ? 3 : kind == K_ASSOC ? 4 : 1;
}

/* Can a batch sent and not answered still add records to the batch filling
 * for level and kind? A new contact's create waits only for its parent. */
static int fed(const xrun *r, int level, int kind)
{
    int want = rank(level, kind);

    for (int l = 0; l < 2; l++)
        for (int k = 0; k < SX_NKIND; k++) {
            int have = rank(l, k);
            if (r->sent[l][k] > 0 && (have < want || (have == want && !(level == 1 && kind == K_CREATE))))
                return 1;   /* an earlier write, or a re-resolve of the same rank */
        }
    return 0;
}

int sx_flush(xrun *r, int how)
{
    int sent = 0;

    for (int level = 0; level < 2; level++)
        for (int kind = 0; kind < SX_NKIND; kind++) {
            xacc *a = &r->acc[level][kind];
            int64_t age = kind == K_READ ? SX_READ_AGE : SX_BATCH_AGE;
            int go = how == SX_FLUSH_ALL || (how == SX_FLUSH_AGED && a->reached - a->first >= age) ||
                     (how == SX_FLUSH_FED && !fed(r, level, kind));
            if (a->n > 0 && go) {
                flush_acc(r, level, (xkind)kind);
                sent = 1;
            }
        }
    return sent;
}

/* The records of level picked by want() join the batch filling for their
 * kind (sent when full); 1 when some did. */
static int submit(xpage *pg, int level, xkind kind, int (*want)(xpage *, const xrec *))
{
    xrun *r = pg->run;
    int any = 0;

    if (sp_sync_failed(r->sync))
        return 0;
    r->acc[level][kind].reached++;
    for (size_t i = 0; i < pg->n[level]; i++) {
        xrec *x = &pg->recs[level][i];
        xacc *a = &r->acc[level][kind];
        if (!want(pg, x))
            continue;
        x->pend = 0;
        if (a->n > 0 && a->ref[a->n - 1].pg != pg && a->pages >= SX_HOLD_PAGES)
            flush_acc(r, level, kind);   /* memory: pages wait for it */
        pg->pending++;
        if (a->n == 0)
            a->first = a->reached;
        if (a->n == 0 || a->ref[a->n - 1].pg != pg)
            a->pages++;
        a->ref[a->n].pg = pg;
        a->ref[a->n].idx = i;
        if (++a->n == SX_BATCH)
            flush_acc(r, level, kind);
        any = 1;
    }
    return any;
}

/* A new contact (no link, no open Action Center row, its company known):
 * created with its association in the same request. The key property is
 * unique, so a create cannot make a duplicate: one refused because its key
 * or e-mail exists goes the upsert's way (item_failed). */
static int want_create(xpage *pg, const xrec *x)
{
    const xrun *r = pg->run;

    if (x->level != 1 || x->outcome != O_NONE || x->op != OP_UPSERT || !x->send || x->relinked ||
        x->retry || x->link_id != NULL || r->lv[1].object != SP_HS_CONTACTS ||
        r->lv[1].lv->mapping->key_property == NULL || x->map.key == NULL || x->map.key[0] == '\0')
        return 0;
    return x->parent >= 0 && parent_id(pg, x) != NULL && !sx_is_open(r, &r->lv[1], x);
}

static int want_upsert(xpage *pg, const xrec *x)
{
    if (x->outcome != O_NONE || x->op != OP_UPSERT || !x->send)
        return 0;
    if (x->level == 1 && x->parent >= 0 && parent_id(pg, x) == NULL)
        return 0;
    return !want_create(pg, x);
}

static int want_update(xpage *pg, const xrec *x)
{
    (void)pg;
    return x->outcome == O_NONE && x->op == OP_UPDATE && x->send && !x->relinked;
}

static int want_pend(xpage *pg, const xrec *x)
{
    (void)pg;
    return x->outcome == O_NONE && x->pend;
}

static int want_assoc(xpage *pg, const xrec *x)
{
    return x->level == 1 && x->assoc && x->hs_id != NULL && x->outcome != O_FAILED &&
           parent_id(pg, x) != NULL && pg->run->lv[1].object == SP_HS_CONTACTS;
}

static int want_reresolve(xpage *pg, const xrec *x)
{
    (void)pg;
    return x->outcome == O_NONE && x->pend && (x->relinked || x->retry);
}

/* The children's first writes. New children of parents that failed are
 * skipped (they could not be associated): the parent's Action Center row
 * says why. */
static int send_children(xpage *pg)
{
    xrun *r = pg->run;
    int sent = 0;

    for (size_t i = 0; i < pg->n[1]; i++) {
        xrec *x = &pg->recs[1][i];
        if (x->outcome == O_NONE && x->send && x->op == OP_UPSERT && x->parent >= 0 && parent_id(pg, x) == NULL &&
            !sp_sync_failed(r->sync))
            x->outcome = O_SKIPPED;
    }
    sent |= submit(pg, 1, K_CREATE, want_create);
    sent |= submit(pg, 1, K_UPSERT, want_upsert);
    sent |= submit(pg, 1, K_UPDATE, want_update);
    return sent;
}

/* What stage st submits; 1 when it submitted something (its results move
 * the page on), 0 when the page goes straight on to the next stage. */
static int run_stage(xpage *pg, xstage st)
{
    int children = pg->run->nlevels > 1, sent = 0;

    switch (st) {
    case ST_P_SEND:
        sent |= submit(pg, 0, K_UPSERT, want_upsert);
        sent |= submit(pg, 0, K_UPDATE, want_update);
        return sent;
    case ST_P_RERESOLVE:
        return submit(pg, 0, K_UPSERT, want_reresolve);
    case ST_C_SEND:
        return children && send_children(pg);
    case ST_C_RERESOLVE:
        return children && submit(pg, 1, K_UPSERT, want_reresolve);
    case ST_C_CONFLICT_READ:
        return children && submit(pg, 1, K_READ, want_pend);
    case ST_C_CONFLICT_UPDATE:
        return children && submit(pg, 1, K_LINK_UPDATE, want_pend);
    case ST_ASSOC:
        return children && submit(pg, 1, K_ASSOC, want_assoc);
    default:
        return 0;
    }
}

void sx_advance(xpage *pg)
{
    if (pg->stage == ST_START)
        pg->seq = pg->run->seq++;
    while (pg->stage < ST_COMMIT) {
        pg->stage++;
        if (pg->stage == ST_COMMIT) {
            sp_sync_page_done(pg->run->sync, pg);   /* committed (here or on the commit thread), then freed */
            return;
        }
        /* held while the stage submits: a batch settled meanwhile (the run
         * stopped) cannot move the page on under its own stage */
        pg->pending++;
        (void)run_stage(pg, pg->stage);
        if (--pg->pending > 0)
            return;   /* its records' results move it on (settle) */
    }
}
