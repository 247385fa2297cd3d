/*
 * link.h -- finding existing GP records for HubSpot records (company-link,
 * and later the imports' try-match-before-import).
 *
 * sp_lookup: the GP side of a matching rule set. One parameterised SELECT per
 * rule, prepared on first use and kept for the run, returns the keys and the
 * compared columns of at most SP_MATCH_FETCH records; match.c then checks
 * each comparison exactly. The SQL of each comparison (X is the column,
 * t.COL or, for INET1, the e-mail row i.INET1):
 *   exact   SQLite: X >= ? AND X <= ? (the value, and the value followed by
 *           255 spaces: GP's CHAR padding is data there), an index range;
 *           PostgreSQL / SQL Server: X = ? (CHAR comparison ignores trailing
 *           spaces). The one comparison an index can serve (GP's keys).
 *   ci      UPPER(REPLACE(X, ' ', '')) = UPPER(?): a scan of the table.
 *   digits  X with ' ', '-', '(', ')', '.', '+', '/' removed IN (the number,
 *           the number + "0000" (GP's empty extension), "1" + the number): a
 *           scan; a GP value with other non-digit characters never matches.
 *   email-domain-vs-website  LOWER(X) LIKE '%domain%' (wildcards in the
 *           domain made '_'): a scan and a superset, narrowed in C.
 *   prefix  RTRIM(X) <> '' AND UPPER(RTRIM(X)) = SUBSTR(UPPER(?), 1,
 *           LENGTH(RTRIM(X))): a scan.
 * Comparisons of one rule are ANDed, so put an exact comparison in a rule
 * with the others to let the index narrow it. Only text columns can be
 * compared (SP_EJOB at open otherwise).
 * For a contact the lookup can be held to one parent record (a customer's
 * addresses, a prospect's contacts): "AND t.CUSTNMBR = ?" (PROSPID).
 *
 * Keys: CUSTNMBR; CUSTNMBR|ADRSCODE; PROSPID; PROSPID|Contact_ID (trimmed),
 * as spAAIntegratedEntityLink stores them.
 */
#ifndef SPETL_LINK_H
#define SPETL_LINK_H

#include "spetl/component.h"
#include "spetl/db.h"
#include "spetl/match.h"

typedef struct sp_lookup sp_lookup;

/* A rule set's lookups on db (statements prepared on first use). rs NULL:
 * *out = NULL and 0. A rule set that cannot be matched is an error at its
 * line of job_path. */
int sp_lookup_open(sp_db *db, const char *job_path, const sp_job_rule_set *rs, sp_lookup **out, sp_err *e);
void sp_lookup_free(sp_lookup *l);   /* NULL is fine */
/* Hold the next lookups to one parent's records (NULL: every record). */
void sp_lookup_parent(sp_lookup *l, const char *parent);
/* An sp_match_lookup_fn; ud is the sp_lookup. */
int sp_lookup_fn(void *ud, const sp_job_rule_set *rs, size_t ri, const char *const *hs,
                 sp_match_cand *out, size_t *n, int *capped, sp_err *e);
/* Rule ri looked up for n records at once (an import's page): hs[i] holds
 * record i's values of the rule's comparisons, as sp_lookup_fn gets them.
 * One SELECT per 200 records joins their values, a VALUES list, to the
 * table, each record's predicate the one sp_lookup_fn's SELECT has, so a
 * scan (ci, digits...) is made once for them all instead of once each;
 * prepared once per number of records and kept for the run. fn is called
 * for each record that has candidates with what sp_lookup_fn would hand out
 * for it (ordered by key, at most SP_MATCH_FETCH - 1, capped); a record fn
 * is not called for has none. Never held to a parent. keys (nkeys, at most
 * 200; NULL: any): only the records of these keys are looked at (the
 * import's check of its page's new records), by the key's index on
 * PostgreSQL and SQL Server. (lookup_many.c) */
typedef int (*sp_lookup_many_fn)(void *ud, size_t i, const sp_match_cand *c, size_t n, int capped, sp_err *e);
int sp_lookup_many(sp_lookup *l, size_t ri, const char *const *const *hs, size_t n, const char *const *keys,
                   size_t nkeys, sp_lookup_many_fn fn, void *ud, sp_err *e);
int sp_lookup_many_sql(sp_dialect d, const sp_job_rule_set *rs, size_t ri, size_t n, size_t nkeys, sp_buf *out,
                       sp_err *e);
/* The SELECT of rule ri for dialect d (with_parent: held to one parent), for
 * logs and tests. */
int sp_lookup_sql(sp_dialect d, const sp_job_rule_set *rs, size_t ri, int with_parent, sp_buf *out,
                  sp_err *e);

/* company-link (etl/link/company_link.c): the component's run, as
 * component.h describes. --key is a HubSpot company id. */
int sp_company_link_run(sp_run_ctx *ctx, sp_err *e);

#endif
