/*
 * reader.c -- read every record of an object changed (or created) since a
 * date, past search's 10,000-result cap: date windows [lo, hi) that are
 * halved while they hold more than the cap, keyset paging by hs_object_id
 * inside a window (each query asks for ids above the last one seen, so the
 * search offset never grows and no page can shift), a one-millisecond window
 * read the same way by id ranges.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"
#include "spetl/clock.h"
#include "spetl/log.h"

typedef struct win {
    int64_t lo, hi;
} win;

typedef struct reader {
    sp_hs_client *c;
    const sp_hs_since *q;
    sp_hs_since_stats *st;
    const char **props;        /* the caller's properties + the date property */
    size_t nprops;
} reader;

/* One search in [lo, hi) above after_id (NULL: from the start). sort_date: 0
 * by hs_object_id ascending, 1 by date ascending, 2 by date descending. */
static int window_query(reader *rd, int64_t lo, int64_t hi, const char *after_id, int sort_date, int limit,
                        sp_hs_page *page, sp_err *e)
{
    char los[32], his[32];
    sp_hs_filter f[9];
    sp_hs_filter_group g;
    sp_hs_search_req s;
    size_t n = 0;

    snprintf(los, sizeof(los), "%" PRId64, lo);
    snprintf(his, sizeof(his), "%" PRId64, hi);
    memset(f, 0, sizeof(f));
    f[n].property = rd->q->date_property;
    f[n].op = "GTE";
    f[n++].value = los;
    f[n].property = rd->q->date_property;
    f[n].op = "LT";
    f[n++].value = his;
    if (after_id != NULL) {
        f[n].property = "hs_object_id";
        f[n].op = "GT";
        f[n++].value = after_id;
    }
    for (size_t i = 0; i < rd->q->nextra && n < sizeof(f) / sizeof(f[0]); i++)
        f[n++] = rd->q->extra[i];
    g.filters = f;
    g.n = n;
    memset(&s, 0, sizeof(s));
    s.groups = &g;
    s.ngroups = 1;
    s.sort_property = sort_date ? rd->q->date_property : "hs_object_id";
    s.sort_descending = sort_date == 2;
    s.properties = rd->props;
    s.nproperties = rd->nprops;
    s.limit = limit;
    rd->st->requests++;
    return sp_hs_search(rd->c, rd->q->object, &s, page, e);
}

static int record_date(const reader *rd, const sp_hs_record *r, int64_t *out, sp_err *e)
{
    const char *v = sp_hs_record_get(r, rd->q->date_property);

    if (v == NULL || sp_time_parse(v, out) != 0)
        return SP_ERR(e, SP_EHUBSPOT, "HubSpot search returned %s %s with %s \"%s\", not a date",
                      sp_hs_object_name(rd->q->object), r->id, rd->q->date_property, v ? v : "(none)");
    return 0;
}

/* The dates of the first and last record in [lo, hi). */
static int narrow(reader *rd, win *w, sp_err *e)
{
    sp_hs_page p;
    int64_t dmin, dmax;

    if (window_query(rd, w->lo, w->hi, NULL, 1, 1, &p, e) != 0)
        return -1;
    if (p.n == 0 || record_date(rd, &p.recs[0], &dmin, e) != 0) {
        int rc = p.n == 0 ? 0 : -1;
        sp_hs_page_free(&p);
        return rc;
    }
    sp_hs_page_free(&p);
    if (window_query(rd, w->lo, w->hi, NULL, 2, 1, &p, e) != 0)
        return -1;
    if (p.n == 0 || record_date(rd, &p.recs[0], &dmax, e) != 0) {
        int rc = p.n == 0 ? 0 : -1;
        sp_hs_page_free(&p);
        return rc;
    }
    sp_hs_page_free(&p);
    if (dmin >= w->lo && dmin < w->hi)
        w->lo = dmin;
    if (dmax >= w->lo && dmax < w->hi)
        w->hi = dmax + 1;
    return 0;
}

int sp_hs_read_since(sp_hs_client *c, const sp_hs_since *q, sp_hs_page_fn fn, void *ud,
                     sp_hs_since_stats *stats, sp_err *e)
{
    reader rd;
    sp_hs_since_stats local;
    win *stack = NULL;
    size_t nstack = 0, capstack = 0;
    long long cap = q->cap > 0 ? q->cap : 10000;
    int limit = q->page_limit > 0 && q->page_limit <= 200 ? q->page_limit : 200;
    int rc = -1, have_date = 0;
    int64_t lo, hi;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    memset(&rd, 0, sizeof(rd));
    if (sp_hs_object_name(q->object) == NULL || q->date_property == NULL)
        return SP_ERR(e, SP_EINTERNAL, "reading HubSpot records since a date needs an object and a date property");
    if (q->nextra > 3)
        return SP_ERR(e, SP_EINTERNAL, "at most 3 extra filters go with the date window filters");
    rd.c = c;
    rd.q = q;
    rd.st = stats;
    rd.props = sp_xcalloc(q->nproperties + 1, sizeof(char *));
    for (size_t i = 0; i < q->nproperties; i++) {
        rd.props[rd.nprops++] = q->properties[i];
        if (strcmp(q->properties[i], q->date_property) == 0)
            have_date = 1;
    }
    if (!have_date)
        rd.props[rd.nprops++] = q->date_property;
    lo = q->since_ms - (q->lookback_ms > 0 ? q->lookback_ms : 0);
    hi = q->until_ms > 0 ? q->until_ms : sp_clock_wall_ms() + 1;
    if (hi <= lo) {
        rc = 0;
        goto done;
    }
    capstack = 64;
    stack = sp_xmalloc(capstack * sizeof(*stack));
    stack[nstack++] = (win){lo, hi};
    while (nstack > 0) {
        win w = stack[--nstack];
        char last_id[64] = "";
        int first = 1;

        for (;;) {
            sp_hs_page p;
            sp_hs_window info;
            int cb = 0;
            size_t got;

            if (last_id[0] != '\0' && w.hi - w.lo == 1)
                stats->id_ranges++;
            if (window_query(&rd, w.lo, w.hi, last_id[0] ? last_id : NULL, 0, limit, &p, e) != 0)
                goto done;
            if (first && p.total > cap && w.hi - w.lo > 1) {
                /* Too many for one window: narrow it to its records' dates and halve it. */
                sp_hs_page_free(&p);
                if (narrow(&rd, &w, e) != 0)
                    goto done;
                if (w.hi - w.lo > 1) {
                    int64_t mid = w.lo + (w.hi - w.lo) / 2;
                    stack = sp_xgrow(stack, nstack + 1, &capstack, sizeof(*stack), 64); /* room for two */
                    stack[nstack++] = (win){mid, w.hi};
                    stack[nstack++] = (win){w.lo, mid};
                    stats->splits++;
                    SP_DEBUG(HS_COMP, "search window [%" PRId64 ", %" PRId64 ") holds more than %lld %s: "
                                      "split at %" PRId64, w.lo, w.hi, cap, sp_hs_object_name(q->object), mid);
                    break;
                }
                continue; /* one millisecond: read it by id ranges */
            }
            first = 0;
            info.lo = w.lo;
            info.hi = w.hi;
            info.done_before = (int)p.n < limit ? w.hi : w.lo;
            if (p.n > 0) {
                const char *next_id = p.recs[p.n - 1].id;
                if (next_id[0] == '\0' || strcmp(next_id, last_id) == 0) {
                    SP_ERR(e, SP_EHUBSPOT, "HubSpot search of %s did not advance past hs_object_id %s in "
                                           "window [%" PRId64 ", %" PRId64 ")",
                           sp_hs_object_name(q->object), last_id, w.lo, w.hi);
                    sp_hs_page_free(&p);
                    goto done;
                }
                stats->records += (long long)p.n;
                snprintf(last_id, sizeof(last_id), "%s", next_id);
                cb = fn(p.recs, p.n, &info, ud, e);
            }
            got = p.n;
            sp_hs_page_free(&p);
            if (cb != 0)
                goto done;
            if ((int)got < limit)
                break;
        }
        if (!first)
            stats->windows++;
    }
    rc = 0;
done:
    free(stack);
    free(rd.props);
    return rc;
}
