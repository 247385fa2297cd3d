/* pace.c -- sliding-window pacer and retry backoff (see include/spetl/hs_pace.h). */
#include "spetl/hs_pace.h"

#include <stdlib.h>
#include <string.h>

#include "spetl/mem.h"

#define MAX_CUTS 5
/* A cut is given back after this many windows without a 429 (a burst of
 * another app on the account should not slow the rest of a nightly run). */
#define RESTORE_WINDOWS 6
#define DEFAULT_TARGET 0.98
/* When matching the server's count against ours, our sends up to this much
 * older than the window may still be in the server's window (latency). */
#define COUNT_SLACK_MS 250

static void recompute(sp_hs_pacer *p)
{
    int base = p->per_window;
    double lim;

    if (p->server_max > 0 && (base == 0 || p->server_max < base))
        base = p->server_max;
    if (base <= 0) {
        p->limit = 0;
        return;
    }
    lim = (double)base * p->target * (1.0 - 0.1 * p->cuts);
    p->limit = (int)lim;
    if (p->limit < 1)
        p->limit = 1;
}

void sp_hs_pacer_init(sp_hs_pacer *p, int per_window, int64_t window_ms, double target)
{
    memset(p, 0, sizeof(*p));
    p->per_window = per_window > 0 ? per_window : 0;
    p->window_ms = window_ms > 0 ? window_ms : 10000;
    p->target = (target > 0.5 && target <= 1.0) ? target : DEFAULT_TARGET;
    p->last_send_ms = INT64_MIN / 2;
    p->due_us = INT64_MIN / 2;
    recompute(p);
}

void sp_hs_pacer_free(sp_hs_pacer *p)
{
    free(p->ring);
    p->ring = NULL;
    p->ring_cap = p->ring_n = p->ring_head = 0;
}

/* Forget sends too old to matter for any count we make. */
static void prune(sp_hs_pacer *p, int64_t now)
{
    int64_t cutoff = now - 2 * p->window_ms - COUNT_SLACK_MS;

    while (p->ring_n > 0 && p->ring[p->ring_head] <= cutoff) {
        p->ring_head++;
        p->ring_n--;
    }
    if (p->ring_n == 0)
        p->ring_head = 0;
}

/* Sends strictly after t. The ring is in send order, so count from the end. */
static int count_after(const sp_hs_pacer *p, int64_t t)
{
    int n = 0;

    for (int i = p->ring_n - 1; i >= 0; i--) {
        if (p->ring[p->ring_head + i] <= t)
            break;
        n++;
    }
    return n;
}

/* Even spacing (GCRA) once the window is half full: sends are then due
 * window/limit apart, and one may go a spacing early (so a late wake-up is
 * made up by the next send: two at once at most). Below half, sends go at
 * once (a short job is not slowed down; every send still moves the due time
 * on, so a run that starts with a burst is spaced that much longer after
 * it). Near the window's edge sends are never clumped: a clump would come
 * back a window later as a clump leaving our window, and the server's
 * count, taken on arrival, could then run ahead of ours by the whole clump.
 * Microseconds, so the spacing is not rounded. */
static int64_t spacing_us(const sp_hs_pacer *p)
{
    return p->window_ms * 1000 / p->limit;
}

int sp_hs_pacer_in_window(sp_hs_pacer *p, int64_t now)
{
    prune(p, now);
    return count_after(p, now - p->window_ms);
}

int64_t sp_hs_pacer_wait(sp_hs_pacer *p, int64_t now)
{
    int n, first, need;
    int64_t wait = 0;

    if (now < p->pause_until_ms)
        return p->pause_until_ms - now;
    if (p->limit == 0)
        return 0;
    prune(p, now);
    if (p->external_until <= now)
        p->external = 0;
    n = count_after(p, now - p->window_ms);
    if (n + p->external >= p->limit) {
        need = n + p->external - p->limit + 1; /* this many of ours must leave the window */
        if (need > n) {
            wait = p->external_until - now;
        } else {
            first = p->ring_n - n; /* oldest of ours still in the window */
            wait = p->ring[p->ring_head + first + need - 1] + p->window_ms - now;
        }
        if (wait < 1)
            wait = 1;
        return wait;
    }
    if (2 * (n + p->external) >= p->limit) {
        int64_t from_us = p->due_us - spacing_us(p), now_us = now * 1000;
        if (from_us > now_us)
            wait = (from_us - now_us + 999) / 1000;
    }
    if (p->min_gap_ms > 0 && p->last_send_ms + p->min_gap_ms - now > wait)
        wait = p->last_send_ms + p->min_gap_ms - now;
    return wait;
}

void sp_hs_pacer_sent(sp_hs_pacer *p, int64_t now)
{
    p->sent++;
    p->last_send_ms = now;
    if (p->limit == 0)
        return;
    if (p->cuts > 0) {
        int64_t calm_since = p->last_throttle_ms > p->restored_ms ? p->last_throttle_ms : p->restored_ms;
        if (now - calm_since >= RESTORE_WINDOWS * p->window_ms) {
            p->cuts--;
            p->restored_ms = now;
            recompute(p);
        }
    }
    p->due_us = (p->due_us > now * 1000 ? p->due_us : now * 1000) + spacing_us(p);
    prune(p, now);
    if ((size_t)(p->ring_head + p->ring_n) == p->ring_cap) {
        if (p->ring_head > 0) {
            memmove(p->ring, p->ring + p->ring_head, (size_t)p->ring_n * sizeof(*p->ring));
            p->ring_head = 0;
        } else {
            p->ring = sp_xgrow(p->ring, (size_t)p->ring_n, &p->ring_cap, sizeof(*p->ring), 256);
        }
    }
    p->ring[p->ring_head + p->ring_n] = now;
    p->ring_n++;
}

void sp_hs_pacer_headers(sp_hs_pacer *p, int64_t now, int64_t sent_ms, int max, int remaining,
                         int64_t interval_ms)
{
    int used, ours, low;

    if (interval_ms > 0)
        p->window_ms = interval_ms;
    if (max > 0 && max != p->server_max) {
        p->server_max = max;
        recompute(p);
    }
    if (max <= 0 || remaining < 0)
        return;
    prune(p, now);
    used = max - remaining;
    /* Our sends the server may have counted: everything from one window
     * (plus latency slack) before this request left, up to now. Counting
     * too many of ours only makes the estimate of others' use smaller. */
    ours = count_after(p, sent_ms - p->window_ms - COUNT_SLACK_MS);
    if (used > ours) {
        p->external = used - ours;
        p->external_until = now + p->window_ms;
    } else {
        p->external = 0;
    }
    low = max / 50;
    if (low < 1)
        low = 1;
    p->min_gap_ms = remaining <= low ? p->window_ms / max : 0;
}

int64_t sp_hs_pacer_throttled(sp_hs_pacer *p, int64_t now, int64_t sent_ms, int64_t retry_after_ms,
                              double u)
{
    int64_t pause, d;
    int shift;
    int same_event = p->strikes > 0 && sent_ms < p->last_throttle_ms;

    p->throttled++;
    if (!same_event) {
        p->strikes++;
        p->last_throttle_ms = now;
        if (p->cuts < MAX_CUTS) {
            p->cuts++;
            recompute(p);
        }
    }
    if (retry_after_ms >= 0) {
        pause = retry_after_ms;
    } else if (same_event) {
        pause = p->pause_until_ms > now ? p->pause_until_ms - now : 0;
    } else {
        shift = p->strikes - 1 < 4 ? p->strikes - 1 : 4;
        d = (int64_t)1000 << shift;
        if (d > p->window_ms)
            d = p->window_ms;
        pause = d / 2 + (int64_t)(u * (double)(d - d / 2));
    }
    if (now + pause > p->pause_until_ms)
        p->pause_until_ms = now + pause;
    return p->pause_until_ms - now;
}

void sp_hs_pacer_ok(sp_hs_pacer *p)
{
    p->strikes = 0;
}

int64_t sp_hs_backoff_delay(const sp_hs_backoff *b, int attempt, double u)
{
    int64_t d = b->base_ms > 0 ? b->base_ms : 1;

    for (int i = 1; i < attempt && d < b->cap_ms; i++)
        d *= 2;
    if (d > b->cap_ms)
        d = b->cap_ms;
    if (u < 0)
        u = 0;
    if (u >= 1)
        u = 0.999999;
    return d / 2 + (int64_t)(u * (double)(d - d / 2));
}

int sp_hs_backoff_next(const sp_hs_backoff *b, int attempts, int64_t elapsed_ms,
                       int64_t retry_after_ms, double u, int64_t *delay_ms)
{
    int64_t d;

    *delay_ms = 0;
    if (attempts >= b->max_attempts)
        return SP_HS_GIVE_UP_ATTEMPTS;
    d = retry_after_ms >= 0 ? retry_after_ms : sp_hs_backoff_delay(b, attempts, u);
    if (elapsed_ms + d > b->budget_ms)
        return SP_HS_GIVE_UP_BUDGET;
    *delay_ms = d;
    return SP_HS_RETRY;
}
