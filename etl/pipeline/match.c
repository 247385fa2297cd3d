/* match.c -- the comparisons of matching rules and the rule logic (match.h).
 * Pure: candidates come from the caller's lookup, values from its getter. */
#include "spetl/match.h"
#include "spetl/platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char up(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static char low(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* s trimmed: *len bytes from the returned pointer. */
static const char *trimmed(const char *s, size_t *len)
{
    size_t n;

    while (*s != '\0' && is_space(*s))
        s++;
    n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* The host part of a trimmed e-mail address or URL, lower case, without
 * "www." and a final '.'. */
static size_t norm_domain(const char *s, size_t len, char *out, size_t n)
{
    const char *end = s + len, *at = NULL, *p;
    size_t k = 0;

    for (p = s; p < end; p++)
        if (*p == '@')
            at = p;
    if (at != NULL) {
        s = at + 1;
    } else {
        for (p = s; p + 2 < end; p++) {
            if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
                s = p + 3;
                break;
            }
            if (p[0] == '/' || p[0] == '.')
                break;
        }
    }
    if (end - s >= 4 && low(s[0]) == 'w' && low(s[1]) == 'w' && low(s[2]) == 'w' && s[3] == '.')
        s += 4;
    for (p = s; p < end && *p != '/' && *p != '?' && *p != '#' && *p != ':' && !is_space(*p); p++) {
        if (k + 1 >= n)
            return 0;
        out[k++] = low(*p);
    }
    while (k > 0 && out[k - 1] == '.')
        k--;
    out[k] = '\0';
    return k;
}

/* A phone's digits as GP and HubSpot write North American numbers: GP keeps
 * 14 digits, the number and a 4-digit extension ("31255501020000"); HubSpot
 * often has the country code ("+1 312 555 0102"). Both come down to the
 * 10-digit number. */
static size_t phone_core(char *d, size_t k)
{
    if (k == 14 && memcmp(d + 10, "0000", 4) == 0)
        k = 10;
    if (k == 11 && d[0] == '1') {
        memmove(d, d + 1, 10);
        k = 10;
    }
    d[k] = '\0';
    return k;
}

size_t sp_match_norm(sp_job_compare how, const char *s, char *out, size_t n)
{
    size_t len, k = 0;

    if (n == 0)
        return 0;
    out[0] = '\0';
    if (s == NULL)
        return 0;
    s = trimmed(s, &len);
    if (how == SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE)
        return norm_domain(s, len, out, n);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((how == SP_COMPARE_CI && is_space(c)) || (how == SP_COMPARE_DIGITS && (c < '0' || c > '9')))
            continue;
        if (k + 1 >= n) {
            out[0] = '\0';
            return 0;
        }
        out[k++] = (how == SP_COMPARE_CI || how == SP_COMPARE_PREFIX) ? up(c) : c;
    }
    out[k] = '\0';
    if (how == SP_COMPARE_DIGITS)
        k = phone_core(out, k);
    return k;
}

int sp_match_compare(sp_job_compare how, const char *hs, const char *gp)
{
    char a[1024], b[1024];
    size_t na = sp_match_norm(how, hs, a, sizeof(a));
    size_t nb = sp_match_norm(how, gp, b, sizeof(b));

    if (na == 0 || nb == 0)
        return 0;
    if (how == SP_COMPARE_PREFIX)
        return nb <= na && memcmp(a, b, nb) == 0;
    return na == nb && memcmp(a, b, na) == 0;
}

const char *sp_match_how_name(sp_job_compare how)
{
    switch (how) {
    case SP_COMPARE_EXACT:
        return "exact";
    case SP_COMPARE_CI:
        return "ci";
    case SP_COMPARE_DIGITS:
        return "digits";
    case SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE:
        return "email-domain-vs-website";
    case SP_COMPARE_PREFIX:
        return "prefix";
    }
    return "?";
}

/* ---- the rule logic ------------------------------------------------------- */

typedef struct mstate {
    const sp_match_io *io;
    sp_match_cand cands[SP_MATCH_FETCH];
    char line[2048];
} mstate;

static void trace(mstate *m, const char *fmt, ...) SP_PRINTF(2, 3);
static void trace(mstate *m, const char *fmt, ...)
{
    va_list ap;

    if (m->io->trace == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(m->line, sizeof(m->line), fmt, ap);
    va_end(ap);
    m->io->trace(m->io->trace_ud, m->line);
}

/* Does candidate c hold every comparison of rule r? Traces each one. */
static int cand_holds(mstate *m, const sp_job_rule *r, const char *const *hs, const sp_match_cand *c)
{
    int all = 1;

    for (size_t k = 0; k < r->ncomparisons; k++) {
        const sp_job_comparison *cmp = &r->comparisons[k];
        int ok = sp_match_compare(cmp->how, hs[k], c->gp[k]);
        trace(m, "%s: %s: %s %s \"%s\" %s %s \"%s\" (%s)", m->io->what, r->name, cmp->property,
              sp_match_how_name(cmp->how), hs[k], ok ? "holds for" : "fails for", cmp->column->name,
              c->gp[k] != NULL ? c->gp[k] : "", c->key);
        all = all && ok;
    }
    return all;
}

static void keys_add(sp_match_result *out, const char *key)
{
    size_t used = strlen(out->keys), room = sizeof(out->keys) - used;
    size_t need = strlen(key) + (used > 0 ? 2 : 0);

    if (used + need + 4 >= sizeof(out->keys)) {   /* no room: end with "..." once */
        if (used + 4 < sizeof(out->keys) && strcmp(out->keys + (used >= 3 ? used - 3 : 0), "...") != 0)
            snprintf(out->keys + used, room, "...");
        return;
    }
    snprintf(out->keys + used, room, "%s%s", used > 0 ? ", " : "", key);
}

/* Evaluate rule ri: *held = records that hold (the first found copied into
 * one), keys of them into amb when it is the first ambiguity. */
static int eval_rule(mstate *m, const sp_job_rule_set *rs, size_t ri, const void *rec,
                     sp_match_result *out, sp_err *e)
{
    const sp_job_rule *r = &rs->rules[ri];
    const char *hs[SP_MATCH_MAX_CMP];
    size_t n = 0, held = 0, first = 0;
    int capped = 0, first_amb = out->status != SP_MATCH_AMBIGUOUS;
    sp_match_result amb;

    for (size_t k = 0; k < r->ncomparisons; k++) {
        hs[k] = m->io->get(rec, r->comparisons[k].property);
        if (hs[k] == NULL || hs[k][0] == '\0') {
            trace(m, "%s: %s: %s is empty: the rule is skipped", m->io->what, r->name,
                  r->comparisons[k].property);
            return 0;
        }
    }
    if (m->io->lookup(m->io->lookup_ud, rs, ri, hs, m->cands, &n, &capped, e) != 0)
        return -1;
    memset(&amb, 0, sizeof(amb));
    for (size_t i = 0; i < n; i++) {
        if (!cand_holds(m, r, hs, &m->cands[i]))
            continue;
        if (held++ == 0)
            first = i;
        keys_add(&amb, m->cands[i].key);
    }
    if (capped && held > 0)
        held++;   /* more than we saw: never one */
    trace(m, "%s: %s: %zu record(s) of %s hold%s", m->io->what, r->name, held, sp_job_entity_name(rs->entity),
          capped ? " (more than the lookup returns)" : "");
    if (held == 1) {
        out->status = SP_MATCH_ONE;
        out->rule = r;
        snprintf(out->key, sizeof(out->key), "%s", m->cands[first].key);
    } else if (held > 1 && first_amb) {
        out->status = SP_MATCH_AMBIGUOUS;
        out->rule = r;
        out->ncands = held - (capped ? 1 : 0);
        out->capped = capped;
        memcpy(out->keys, amb.keys, sizeof(out->keys));
    }
    return 0;
}

int sp_match_run(const sp_job_rule_set *rs, const void *rec, const sp_match_io *io,
                 sp_match_result *out, sp_err *e)
{
    static __thread mstate m;

    memset(out, 0, sizeof(*out));
    m.io = io;
    for (size_t ri = 0; ri < rs->nrules; ri++) {
        if (rs->rules[ri].ncomparisons > SP_MATCH_MAX_CMP)
            return SP_ERR(e, SP_EJOB, "rule \"%s\" of rule set \"%s\" has %zu comparisons; at most %d",
                          rs->rules[ri].name, rs->id, rs->rules[ri].ncomparisons, SP_MATCH_MAX_CMP);
        if (eval_rule(&m, rs, ri, rec, out, e) != 0)
            return -1;
        if (out->status == SP_MATCH_ONE)
            break;
    }
    if (out->status == SP_MATCH_NONE)
        trace(&m, "%s: no rule of \"%s\" found one %s", io->what, rs->id, sp_job_entity_name(rs->entity));
    return 0;
}
