/* lookup_internal.h -- shared by lookup.c (one record a query) and
 * lookup_many.c (many a query) only. */
#ifndef SPETL_LOOKUP_INTERNAL_H
#define SPETL_LOOKUP_INTERNAL_H

#include "spetl/buf.h"
#include "spetl/link.h"

enum { PAD = 255 };

struct sp_lookup {
    sp_db *db;
    sp_dialect d;
    const sp_job_rule_set *rs;
    sp_stmt **st;              /* [rule * 2 + with_parent], prepared on first use */
    sp_stmt **many;            /* [rule]: sp_lookup_many's, for many_n[rule] records */
    size_t *many_n;
    const char *parent;
    sp_arena *arena;           /* values handed out by one call */
};

typedef struct lk_ent {
    const char *table;         /* FROM ... t */
    const char *k1, *k2;       /* key columns (k2 NULL for one) */
    const char *parent;        /* the parent key column of a contact entity */
} lk_ent;

const lk_ent *lk_ent_of(sp_job_entity e);
int lk_uses_email(const sp_job_rule *r);
/* lead, "table t" and, for INET1, the e-mail row i. */
int lk_put_from(sp_buf *b, sp_dialect d, const lk_ent *en, const sp_job_rule *r, const char *lead, sp_err *e);
/* Comparison c's predicate; v: its value expressions ("?" or a column),
 * as many as lk_bind_cmp binds (3 for digits, 2 for exact on SQLite);
 * ci and prefix take theirs upper-cased ("UPPER(?)"). */
int lk_put_pred(sp_buf *b, sp_dialect d, const sp_job_comparison *c, const char *const *v, sp_err *e);
int lk_bind_cmp(sp_lookup *l, sp_stmt *st, const sp_job_comparison *c, const char *hs, int *p, sp_err *e);
/* The key of the row at columns col (and col + 1 for two). */
void lk_put_key(sp_match_cand *c, sp_stmt *st, int col, int two);

#endif
