/*
 * hs_pace.h -- pacing and retry backoff for the HubSpot client, as plain
 * structs and functions of time (no curl, no I/O), so tests drive them with
 * the fake clock.
 *
 * sp_hs_pacer is a sliding-window limiter: it remembers when each request
 * was sent and lets a new one go only while fewer than `limit` were sent in
 * the last window (HubSpot's burst budget is a rolling 10-second window per
 * app; search has its own one-second budget). The limit is the budget times
 * a target fraction (default 0.98) so a margin stays free. Once the window
 * is half full, sends are spaced evenly, window / limit apart (two at once
 * at most): a steady stream that meets the window's edge one request at a
 * time, so the server's count (taken on arrival, a little later) runs ahead
 * of ours by a request or two at most -- the margin covers that -- instead
 * of a window-long burst replayed every window. It adapts to the
 * X-HubSpot-RateLimit-* headers (the server's Max caps the budget; requests
 * the server counted that we did not send -- another process on the same
 * token -- are added to our count; a low Remaining spaces requests out) and
 * to 429s (pause, with growing waits, and cut the limit by 10% a time down to
 * half). All times are milliseconds from sp_clock_now_ms(); the caller passes
 * them in, so every function here is deterministic.
 *
 * sp_hs_backoff_next() decides whether and when a failed request is retried:
 * capped exponential backoff with "equal jitter" (a delay in [d/2, d] for
 * d = base * 2^(attempt-1), capped), Retry-After honoured when the server
 * sends it, and nothing scheduled past the total time budget.
 *
 * Ownership: a pacer owns its ring of send times; sp_hs_pacer_free() it.
 * No function here fails.
 */
#ifndef SPETL_HS_PACE_H
#define SPETL_HS_PACE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sp_hs_pacer {
    int per_window;          /* configured budget per window; 0 = unlimited */
    double target;           /* fraction of the budget used (0.5 .. 1.0) */
    int64_t window_ms;       /* 10000, or the server's Interval-Milliseconds */
    int limit;               /* requests allowed per window now; 0 = unlimited */
    int server_max;          /* last X-HubSpot-RateLimit-Max; 0 = not seen */
    int cuts;                /* 10% cuts after 429s (at most 5); one is given
                              * back per 6 windows without a 429 */
    int64_t restored_ms;     /* when a cut was last given back */
    int external;            /* requests the server counted that we did not send */
    int64_t external_until;  /* ... valid until then */
    int64_t min_gap_ms;      /* spacing while Remaining is low; 0 = none */
    int64_t last_send_ms;
    int64_t due_us;          /* even spacing: when the next send is due (us) */
    int64_t pause_until_ms;  /* nothing is sent before this */
    int strikes;             /* consecutive 429 events */
    int64_t last_throttle_ms;  /* when the last 429 arrived */
    int64_t *ring;           /* send times, oldest first, from ring_head */
    size_t ring_cap;         /* slots of ring */
    int ring_head, ring_n;
    long long sent;          /* totals, for reports */
    long long throttled;
} sp_hs_pacer;

/* per_window <= 0: unlimited (until the server announces a Max).
 * window_ms <= 0: 10000. target outside (0.5, 1]: 0.98. */
void sp_hs_pacer_init(sp_hs_pacer *p, int per_window, int64_t window_ms, double target);
void sp_hs_pacer_free(sp_hs_pacer *p);

/* 0 when a request may be sent at `now`, else how many ms to wait. */
int64_t sp_hs_pacer_wait(sp_hs_pacer *p, int64_t now);

/* Record a send at `now`. */
void sp_hs_pacer_sent(sp_hs_pacer *p, int64_t now);

/* Number of our sends in (now - window, now]. */
int sp_hs_pacer_in_window(sp_hs_pacer *p, int64_t now);

/* Rate-limit headers of a response to a request sent at sent_ms; pass -1 for
 * a header that was absent. */
void sp_hs_pacer_headers(sp_hs_pacer *p, int64_t now, int64_t sent_ms, int max, int remaining,
                         int64_t interval_ms);

/* A 429 for this budget at `now` on a request sent at sent_ms: pause all
 * sends and cut the limit. 429s on requests sent before the previous 429
 * arrived belong to the same event (requests in flight together): they
 * neither grow the pause nor cut again. retry_after_ms < 0 when absent;
 * u in [0,1) is the jitter draw. Returns the pause from now in ms. */
int64_t sp_hs_pacer_throttled(sp_hs_pacer *p, int64_t now, int64_t sent_ms, int64_t retry_after_ms,
                              double u);

/* A response that was not a 429: the run of 429s is over. */
void sp_hs_pacer_ok(sp_hs_pacer *p);

typedef struct sp_hs_backoff {
    int64_t base_ms;     /* first delay before jitter (default 500) */
    int64_t cap_ms;      /* largest computed delay (default 30000) */
    int64_t budget_ms;   /* total time from the first send (default 120000) */
    int max_attempts;    /* sends in all, first included (default 8) */
} sp_hs_backoff;

enum {
    SP_HS_RETRY = 0,          /* retry after *delay_ms */
    SP_HS_GIVE_UP_ATTEMPTS,   /* max_attempts sends made */
    SP_HS_GIVE_UP_BUDGET      /* the wait would end past the budget */
};

/* attempts: sends made so far (>= 1); elapsed_ms: since the first send;
 * retry_after_ms: the server's Retry-After in ms, or < 0 when absent (when
 * present it replaces the computed delay, even past cap_ms, but never past
 * the budget); u in [0,1): jitter draw. */
int sp_hs_backoff_next(const sp_hs_backoff *b, int attempts, int64_t elapsed_ms,
                       int64_t retry_after_ms, double u, int64_t *delay_ms);

/* The jittered delay alone: in [d/2, d] for d = min(cap, base * 2^(attempt-1)). */
int64_t sp_hs_backoff_delay(const sp_hs_backoff *b, int attempt, double u);

#endif
