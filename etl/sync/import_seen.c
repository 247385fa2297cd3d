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
 * where they are (the lookup's SQL, match.c): this only compares keys. */
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

struct im_seen {
    sp_arena *arena;
    size_t comp;
    seen_call *head, **tail;
    size_t ncalls;
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

int im_seen_lookup(void *ud, const sp_job_rule_set *rs, size_t ri, const char *const *hs, sp_match_cand *out,
                   size_t *n, int *capped, sp_err *e)
{
    im_run *r = ud;
    im_seen *s = r->seen;
    size_t ncmp = rs->rules[ri].ncomparisons;
    seen_call *c;

    if (sp_lookup_fn(r->lk[r->kind->company_lk], rs, ri, hs, out, n, capped, e) != 0)
        return -1;
    c = sp_arena_alloc(s->arena, sizeof(*c));
    c->comp = s->comp;
    c->rs = rs;
    c->ri = ri;
    c->hs = sp_arena_alloc(s->arena, (ncmp + 1) * sizeof(*c->hs));
    for (size_t k = 0; k < ncmp; k++)
        c->hs[k] = sp_arena_strdup(s->arena, hs[k]);
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

int im_seen_check(im_run *r, const im_page *pg, const char *const *own, sp_err *e)
{
    sp_lookup *lk = r->lk[r->kind->company_lk];
    sp_match_cand *got;
    size_t n;
    int capped;

    if (r->seen == NULL || r->seen->ncalls == 0)
        return 0;
    got = sp_arena_alloc(r->seen->arena, SP_MATCH_FETCH * sizeof(*got));
    sp_lookup_parent(lk, NULL);
    for (const seen_call *c = r->seen->head; c != NULL; c = c->next) {
        const char *mine = own[c->comp], *added, *by;
        char whose[160];
        if (sp_lookup_fn(lk, c->rs, c->ri, c->hs, got, &n, &capped, e) != 0)
            return -1;
        if (same(c, mine, got, n, capped, &added))
            continue;
        by = added != NULL ? creator(pg, own, added) : NULL;
        if (by != NULL)
            snprintf(whose, sizeof(whose), ", the new %s of HubSpot company %s,", r->kind->word, by);
        return SP_ERR(e, SP_EDATA,
                      "HubSpot company %s: rule \"%s\" of rule set \"%s\" finds %s%s after the page's inserts "
                      "(before them: %zu %s record%s)",
                      pg->comps[c->comp].rec->id, c->rs->rules[c->ri].name, c->rs->id,
                      added != NULL ? added : "other records", by != NULL ? whose : "", c->n, r->kind->word,
                      c->n == 1 ? "" : "s");
    }
    return 0;
}
