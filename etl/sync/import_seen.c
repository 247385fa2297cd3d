/* import_seen.c -- what keeps an import page written at once equal to the
 * same page written company by company when companies are matched
 * (try-match-before-import). The page path matches every company first and
 * inserts the unmatched ones afterwards; company by company, a company is
 * matched after the earlier ones were inserted, so a new customer of an
 * earlier company (two HubSpot companies of the same name) could be a
 * candidate of a later one. Each lookup of the import's own kind is
 * recorded as it runs (its rule, its HubSpot values, the keys it found);
 * after the inserts each is run again, the same SQL on the same values, and
 * must find the same keys, the company's own new key aside. Lookups only
 * add rows to what they find as GP rows are added, so when none changed, no
 * company's matching could have changed either; when one did, the caller
 * undoes the page and writes it company by company. The comparisons stay
 * where they are (the lookup's SQL, match.c): this only compares keys.
 *
 * Cost: the page's lookups are read ahead, one query per rule for all its
 * companies (sp_lookup_many), and matching is answered from them. When
 * matching wrote no GP rows (import-new-contacts adds addresses to matched
 * customers), the page's new records are the only GP rows added since, so
 * the check looks among them only (their keys: an index): a lookup that
 * finds one of them but its own company's finds something else. Otherwise
 * every lookup is run again whole and compared with what it found. */
#include "import_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct seen_call {
    struct seen_call *next;
    size_t comp;                      /* the page's company */
    const sp_job_rule_set *rs;
    size_t ri;
    const char **hs;                  /* the rule's HubSpot values, copied */
    char (*keys)[SP_MATCH_KEY];       /* what it found, in the lookup's order */
    size_t n;
    int capped;
} seen_call;

/* A lookup read ahead for the whole page (one query per rule). */
typedef struct ahead {
    struct ahead *next;               /* the same company's */
    const sp_job_rule_set *rs;
    size_t ri;
    const char **hs;
    sp_match_cand *cands;             /* what it found (keys and values copied) */
    size_t n;
    int capped;
} ahead;

struct im_seen {
    sp_arena *arena;
    size_t comp;
    seen_call *head, **tail;
    size_t ncalls;
    ahead **by_comp;                  /* [company]: its read-ahead lookups (NULL: none read) */
    ahead **all;
    size_t nall, capall;
    int gp_written;                   /* matching wrote GP rows (import-new-contacts) */
};

im_seen *im_seen_new(sp_arena *a)
{
    im_seen *s = sp_arena_alloc(a, sizeof(*s));

    s->arena = a;
    s->tail = &s->head;
    return s;
}

void im_seen_company(im_seen *s, size_t comp)
{
    s->comp = comp;
}

void im_seen_gp_written(im_seen *s)
{
    s->gp_written = 1;
}

static const char **copy_hs(sp_arena *a, const sp_job_rule_set *rs, size_t ri, const char *const *hs)
{
    size_t ncmp = rs->rules[ri].ncomparisons;
    const char **v = sp_arena_alloc(a, (ncmp + 1) * sizeof(*v));

    for (size_t k = 0; k < ncmp; k++)
        v[k] = sp_arena_strdup(a, hs[k]);
    return v;
}

/* The read-ahead lookup of the company being matched with these values. */
static const ahead *ahead_of(const im_seen *s, const sp_job_rule_set *rs, size_t ri, const char *const *hs)
{
    if (s->by_comp == NULL)
        return NULL;
    for (const ahead *a = s->by_comp[s->comp]; a != NULL; a = a->next) {
        size_t k = 0;
        if (a->rs != rs || a->ri != ri)
            continue;
        while (k < rs->rules[ri].ncomparisons && strcmp(a->hs[k], hs[k]) == 0)
            k++;
        if (k == rs->rules[ri].ncomparisons)
            return a;
    }
    return NULL;
}

int im_seen_lookup(void *ud, const sp_job_rule_set *rs, size_t ri, const char *const *hs, sp_match_cand *out,
                   size_t *n, int *capped, sp_err *e)
{
    im_run *r = ud;
    im_seen *s = r->seen;
    const ahead *a = ahead_of(s, rs, ri, hs);
    seen_call *c;

    if (a != NULL) {   /* read with the page's others */
        if (a->n > 0)
            memcpy(out, a->cands, a->n * sizeof(*out));
        *n = a->n;
        *capped = a->capped;
    } else if (sp_lookup_fn(r->lk[r->kind->company_lk], rs, ri, hs, out, n, capped, e) != 0) {
        return -1;
    }
    c = sp_arena_alloc(s->arena, sizeof(*c));
    c->comp = s->comp;
    c->rs = rs;
    c->ri = ri;
    c->hs = copy_hs(s->arena, rs, ri, hs);
    c->keys = sp_arena_alloc(s->arena, (*n + 1) * sizeof(*c->keys));
    for (size_t i = 0; i < *n; i++)
        memcpy(c->keys[i], out[i].key, sizeof(c->keys[i]));
    c->n = *n;
    c->capped = *capped;
    *s->tail = c;
    s->tail = &c->next;
    s->ncalls++;
    return 0;
}

/* ---- reading ahead ----------------------------------------------------------------- */

static const char *hs_get(const void *rec, const char *prop)
{
    return sp_hs_record_get(rec, prop);
}

/* An sp_match_lookup_fn that finds nothing, so that sp_match_run tries every
 * rule: the lookups the company may need, with the values it takes. */
static int collect(void *ud, const sp_job_rule_set *rs, size_t ri, const char *const *hs, sp_match_cand *out,
                   size_t *n, int *capped, sp_err *e)
{
    im_seen *s = ud;
    ahead *a = sp_arena_alloc(s->arena, sizeof(*a));

    (void)out;
    (void)e;
    *n = 0;
    *capped = 0;
    a->rs = rs;
    a->ri = ri;
    a->hs = copy_hs(s->arena, rs, ri, hs);
    a->next = s->by_comp[s->comp];
    s->by_comp[s->comp] = a;
    s->all = sp_arena_grow(s->arena, s->all, s->nall, &s->capall, sizeof(*s->all), 256);
    s->all[s->nall++] = a;
    return 0;
}

typedef struct batch {
    im_seen *s;
    ahead **of;                       /* [record of the query] */
} batch;

static int keep(void *ud, size_t i, const sp_match_cand *c, size_t n, int capped, sp_err *e)
{
    batch *b = ud;
    ahead *a = b->of[i];
    size_t ncmp = a->rs->rules[a->ri].ncomparisons;

    (void)e;
    a->cands = sp_arena_alloc(b->s->arena, (n + 1) * sizeof(*a->cands));
    for (size_t j = 0; j < n; j++) {
        memcpy(a->cands[j].key, c[j].key, sizeof(c[j].key));
        for (size_t k = 0; k < ncmp; k++)
            a->cands[j].gp[k] = sp_arena_strdup(b->s->arena, c[j].gp[k] ? c[j].gp[k] : "");
    }
    a->n = n;
    a->capped = capped;
    return 0;
}

int im_seen_read_ahead(im_run *r, const im_page *pg, const unsigned char *todo, sp_err *e)
{
    im_seen *s = r->seen;
    sp_lookup *lk = r->lk[r->kind->company_lk];
    const sp_job_rule_set *rs = r->kind->company_lk == IM_CUST ? r->imp->customer_matching : r->imp->prospect_matching;
    batch b = {s, NULL};
    const char *const **hs;

    if (s == NULL || lk == NULL || rs == NULL || pg->n == 0)
        return 0;
    s->by_comp = sp_arena_alloc(s->arena, pg->n * sizeof(*s->by_comp));
    for (size_t i = 0; i < pg->n; i++) {
        sp_match_io io = {hs_get, collect, s, NULL, NULL, pg->comps[i].rec->id};
        sp_match_result res;
        s->comp = i;
        if (todo[i] && sp_match_run(rs, pg->comps[i].rec, &io, &res, e) != 0)
            return -1;
    }
    b.of = sp_arena_alloc(s->arena, (s->nall + 1) * sizeof(*b.of));
    hs = sp_arena_alloc(s->arena, (s->nall + 1) * sizeof(*hs));
    for (size_t ri = 0; ri < rs->nrules; ri++) {
        size_t n = 0;
        for (size_t j = 0; j < s->nall; j++)
            if (s->all[j]->ri == ri) {
                b.of[n] = s->all[j];
                hs[n++] = s->all[j]->hs;
            }
        if (n > 0 && sp_lookup_many(lk, ri, hs, n, NULL, 0, keep, &b, e) != 0)
            return -1;
    }
    return 0;
}

/* ---- checking again ------------------------------------------------------------------- */

/* The page's company whose new key is key, or NULL. */
static const char *creator(const im_page *pg, const char *const *own, const char *key)
{
    for (size_t i = 0; i < pg->n; i++)
        if (own[i] != NULL && strcmp(own[i], key) == 0)
            return pg->comps[i].rec->id;
    return NULL;
}

/* Does the lookup find now (got[0..n), capped) what c found? */
static int same(const seen_call *c, const char *own, const sp_match_cand *got, size_t n, int capped,
                const char **first_new)
{
    size_t k = 0;

    *first_new = NULL;
    for (size_t i = 0; i < n; i++) {
        if (own != NULL && strcmp(got[i].key, own) == 0)
            continue;   /* the company's own new record */
        if (k == c->n || strcmp(got[i].key, c->keys[k]) != 0) {
            *first_new = got[i].key;
            return 0;
        }
        k++;
    }
    return k == c->n && capped == c->capped;
}

typedef struct recheck {
    im_run *r;
    const im_page *pg;
    const char *const *own;
    seen_call **of;                   /* [record of the query] */
    unsigned char *done;
    const char **keys;                /* the page's new keys: the check looks among them only */
    size_t nkeys;                     /* (0: among all records) */
} recheck;

/* SP_EDATA: lookup c finds something else now (added: the first new key). */
static int differs(const recheck *k, const seen_call *c, const char *added, sp_err *e)
{
    const char *by = added != NULL ? creator(k->pg, k->own, added) : NULL;
    char whose[160];

    if (by != NULL)
        snprintf(whose, sizeof(whose), ", the new %s of HubSpot company %s,", k->r->kind->word, by);
    return SP_ERR(e, SP_EDATA,
                  "HubSpot company %s: rule \"%s\" of rule set \"%s\" finds %s%s after the page's inserts "
                  "(before them: %zu %s record%s)",
                  k->pg->comps[c->comp].rec->id, c->rs->rules[c->ri].name, c->rs->id,
                  added != NULL ? added : "other records", by != NULL ? whose : "", c->n, k->r->kind->word,
                  c->n == 1 ? "" : "s");
}

static int compare(void *ud, size_t i, const sp_match_cand *got, size_t n, int capped, sp_err *e)
{
    recheck *k = ud;
    const seen_call *c = k->of[i];
    const char *added;

    k->done[i] = 1;
    if (k->nkeys > 0) {   /* among the page's new records only: none but its own may be found */
        for (size_t j = 0; j < n; j++)
            if (k->own[c->comp] == NULL || strcmp(got[j].key, k->own[c->comp]) != 0)
                return differs(k, c, got[j].key, e);
        return 0;
    }
    return same(c, k->own[c->comp], got, n, capped, &added) ? 0 : differs(k, c, added, e);
}

int im_seen_check(im_run *r, const im_page *pg, const char *const *own, sp_err *e)
{
    sp_lookup *lk = r->lk[r->kind->company_lk];
    im_seen *s = r->seen;
    recheck k = {r, pg, own, NULL, NULL, NULL, 0};
    const char *const **hs;
    size_t nrules = 0;

    if (s == NULL || s->ncalls == 0)
        return 0;
    k.of = sp_arena_alloc(s->arena, (s->ncalls + 1) * sizeof(*k.of));
    k.done = sp_arena_alloc(s->arena, s->ncalls + 1);
    hs = sp_arena_alloc(s->arena, (s->ncalls + 1) * sizeof(*hs));
    if (!s->gp_written && pg->n <= 200) {
        /* GP changed by the page's new records only: a lookup can find
         * nothing else than it found but one of them */
        k.keys = sp_arena_alloc(s->arena, (pg->n + 1) * sizeof(*k.keys));
        for (size_t i = 0; i < pg->n; i++)
            if (own[i] != NULL)
                k.keys[k.nkeys++] = own[i];
        if (k.nkeys == 0)
            return 0;
    }
    for (const seen_call *c = s->head; c != NULL; c = c->next)
        nrules = c->rs->nrules;   /* one rule set: the import's own kind's */
    for (size_t ri = 0; ri < nrules; ri++) {
        size_t n = 0;
        for (seen_call *c = s->head; c != NULL; c = c->next)
            if (c->ri == ri) {
                k.of[n] = c;
                hs[n++] = c->hs;
            }
        if (n == 0)
            continue;
        memset(k.done, 0, n);
        if (sp_lookup_many(lk, ri, hs, n, k.nkeys > 0 ? k.keys : NULL, k.nkeys, compare, &k, e) != 0)
            return -1;
        for (size_t i = 0; i < n; i++)   /* finds nothing now */
            if (!k.done[i] && compare(&k, i, NULL, 0, 0, e) != 0)
                return -1;
    }
    return 0;
}
