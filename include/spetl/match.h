/*
 * match.h -- matching a HubSpot record to a GP record by a rule set.
 *
 * A rule set (<matching><rule-set> in the job, sp_job_rule_set) is a list of
 * rules tried in order; a rule is a list of comparisons of a HubSpot property
 * with a GP column (sp_job_compare). A GP record matches a rule when all its
 * comparisons hold. The first rule that finds exactly one record wins. A rule
 * that finds several is an ambiguity: it is remembered (the first one, with
 * the candidates' keys) and the next rule is tried; when no later rule finds
 * exactly one record, the result is that ambiguity, never a guess.
 *
 * This module is pure: the comparisons (sp_match_compare) and the rule logic
 * (sp_match_run). Finding candidates in GP is the caller's lookup function
 * (etl/link/lookup.c builds one SELECT per rule); sp_match_run checks every
 * candidate it is given with sp_match_compare, so a lookup may return a
 * superset (an SQL predicate looser than the comparison) but never less.
 *
 * Values: GP values arrive right-trimmed (db.h trims CHAR padding); both
 * sides are trimmed again here. An empty value on either side never matches,
 * and a rule with an empty HubSpot value is not looked up at all.
 *
 * Errors: sp_match_run returns what the lookup returns (-1 with e set) and
 * SP_EJOB for a rule with more than SP_MATCH_MAX_CMP comparisons.
 */
#ifndef SPETL_MATCH_H
#define SPETL_MATCH_H

#include <stddef.h>

#include "spetl/err.h"
#include "spetl/job.h"

enum {
    SP_MATCH_MAX_CMP = 8,       /* comparisons per rule */
    SP_MATCH_FETCH = 101,       /* candidates a lookup hands back at most */
    SP_MATCH_KEY = 96           /* bytes of a record key, with the NUL */
};

/* The comparison value of s under how, into out (n bytes, NUL-terminated):
 *   exact  trimmed;
 *   ci     spaces removed, ASCII letters upper-cased (other characters as is);
 *   digits only the ASCII digits, then a North American phone as its 10
 *          digits: GP's 14 ("31255501020000": the number and an empty
 *          extension) and HubSpot's 11 with the country code 1 ("+1 312 ...");
 *   email-domain-vs-website  the domain after the last '@' when there is one,
 *          else the host of a URL (no scheme, user, port, path, query), lower
 *          case, without a leading "www.";
 *   prefix as ci, spaces kept.
 * Returns the length; 0 when the value is empty or does not fit. */
size_t sp_match_norm(sp_job_compare how, const char *s, char *out, size_t n);

/* 1 when the HubSpot value hs and the GP value gp hold under how, else 0.
 * prefix: hs starts with gp (ignoring ASCII case). */
int sp_match_compare(sp_job_compare how, const char *hs, const char *gp);

const char *sp_match_how_name(sp_job_compare how);   /* "email-domain-vs-website" */

/* One GP record a lookup found: its key ("CUST001" or "CUST001|PRIMARY") and
 * its value of each comparison's column, in rule order (pointers owned by
 * the lookup, valid until its next call). */
typedef struct sp_match_cand {
    char key[SP_MATCH_KEY];
    const char *gp[SP_MATCH_MAX_CMP];
} sp_match_cand;

/* Find the candidates of rule number ri of the set for the HubSpot values hs
 * (one per comparison, trimmed, never empty): fill out[0..*n) (at most
 * SP_MATCH_FETCH); *capped = 1 when there were more than SP_MATCH_FETCH - 1
 * and the list is cut. 0, or -1 with e set (the run stops). */
typedef int (*sp_match_lookup_fn)(void *ud, const sp_job_rule_set *rs, size_t ri,
                                  const char *const *hs, sp_match_cand *out, size_t *n,
                                  int *capped, sp_err *e);

/* A HubSpot value of the record being matched (NULL when absent). */
typedef const char *(*sp_match_get_fn)(const void *rec, const char *property);

/* One line of the trace (trace on): what was compared and how it came out. */
typedef void (*sp_match_trace_fn)(void *ud, const char *line);

typedef enum sp_match_status {
    SP_MATCH_NONE = 0,
    SP_MATCH_ONE,
    SP_MATCH_AMBIGUOUS
} sp_match_status;

typedef struct sp_match_result {
    sp_match_status status;
    const sp_job_rule *rule;    /* ONE: the rule that found it; AMBIGUOUS: the first ambiguous rule */
    char key[SP_MATCH_KEY];     /* ONE: the record's key */
    char keys[1024];            /* AMBIGUOUS: the candidates' keys, ", "-joined ("..." when cut) */
    size_t ncands;              /* AMBIGUOUS: how many held (a lower bound when capped) */
    int capped;                 /* AMBIGUOUS: the lookup had more than it handed back */
} sp_match_result;

typedef struct sp_match_io {
    sp_match_get_fn get;
    sp_match_lookup_fn lookup;
    void *lookup_ud;
    sp_match_trace_fn trace;    /* NULL: no trace */
    void *trace_ud;
    const char *what;           /* the record for the trace: "company 1234" */
} sp_match_io;

/* Run the rule set over rec. 0 with *out filled; -1 with e. */
int sp_match_run(const sp_job_rule_set *rs, const void *rec, const sp_match_io *io,
                 sp_match_result *out, sp_err *e);

#endif
