/* check_hubspot_pace.c -- the HubSpot client's pacer and backoff on the fake
 * clock (nothing sleeps), its pure helpers, and the client without a server
 * (inputs refused before sending, closing with work pending, connection
 * refused on a loopback port held closed, tests/support/port.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/port.h"
#include "spetl/clock.h"
#include "spetl/err.h"
#include "spetl/hs_pace.h"
#include "spetl/hubspot.h"
#include "spetl/log.h"

/* Send as fast as the pacer allows for `span` ms of fake time against a
 * server that counts arrivals in a rolling window; returns the sends and
 * the largest count the server saw in any window. */
static int drive(sp_hs_pacer *p, sp_fake_clock *clk, int64_t span, int server_window_ms, int *max_seen)
{
    int64_t start = sp_clock_now_ms();
    int64_t *log = calloc(100000, sizeof(*log));
    int n = 0;

    *max_seen = 0;
    while (sp_clock_now_ms() - start < span && n < 100000) {
        int64_t w = sp_hs_pacer_wait(p, sp_clock_now_ms());
        if (w > 0) {
            sp_clock_sleep_ms(w);
            continue;
        }
        sp_hs_pacer_sent(p, sp_clock_now_ms());
        log[n++] = sp_clock_now_ms();
        {
            int in = 0;
            for (int i = n - 1; i >= 0 && log[i] > log[n - 1] - server_window_ms; i--)
                in++;
            if (in > *max_seen)
                *max_seen = in;
        }
    }
    (void)clk;
    free(log);
    return n;
}

START_TEST(pacer_limit_keeps_a_margin)
{
    sp_hs_pacer p;

    sp_hs_pacer_init(&p, 100, 10000, 0);
    ck_assert_int_eq(p.limit, 98);
    sp_hs_pacer_free(&p);
    sp_hs_pacer_init(&p, 190, 10000, 0);
    ck_assert_int_eq(p.limit, 186);
    sp_hs_pacer_free(&p);
    sp_hs_pacer_init(&p, 250, 10000, 0);
    ck_assert_int_eq(p.limit, 245);
    sp_hs_pacer_free(&p);
    sp_hs_pacer_init(&p, 190, 10000, 0.9);
    ck_assert_int_eq(p.limit, 171);
    sp_hs_pacer_free(&p);
    sp_hs_pacer_init(&p, 0, 10000, 0);
    ck_assert_int_eq(p.limit, 0);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, 5), 0);
    sp_hs_pacer_free(&p);
}
END_TEST

START_TEST(pacer_window_accounting)
{
    sp_fake_clock clk;
    sp_hs_pacer p;
    int64_t t0;

    sp_fake_clock_install(&clk, 1700000000000LL);
    t0 = sp_clock_now_ms();
    sp_hs_pacer_init(&p, 100, 10000, 0.96);
    /* 96 sends 100 ms apart (a little faster than the pacer's even spacing,
     * 104.2 ms, would let them go: this is about the window's count) */
    for (int i = 0; i < 96; i++) {
        sp_hs_pacer_sent(&p, sp_clock_now_ms());
        sp_clock_sleep_ms(100);
    }
    /* now = t0 + 9600: the 97th waits until the first (t0) leaves the window
     * (the spacing alone would let it go at t0 + 9895). */
    ck_assert_int_eq(sp_clock_now_ms() - t0, 9600);
    ck_assert_int_eq(sp_hs_pacer_in_window(&p, sp_clock_now_ms()), 96);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, sp_clock_now_ms()), 400);
    sp_clock_sleep_ms(399);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, sp_clock_now_ms()), 1);
    sp_clock_sleep_ms(1);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, sp_clock_now_ms()), 0);
    sp_hs_pacer_sent(&p, sp_clock_now_ms());
    /* the next one waits for the send at t0 + 100 */
    ck_assert_int_eq(sp_hs_pacer_wait(&p, sp_clock_now_ms()), 100);
    ck_assert_int_eq(p.sent, 97);
    sp_hs_pacer_free(&p);
    sp_clock_set(NULL);
}
END_TEST

START_TEST(pacer_sustained_rate_never_overruns_the_server_window)
{
    sp_fake_clock clk;
    sp_hs_pacer p;
    int max_seen, n;

    sp_fake_clock_install(&clk, 1700000000000LL);
    sp_hs_pacer_init(&p, 190, 10000, 0);
    n = drive(&p, &clk, 60000, 10000, &max_seen);
    /* the whole budget of six windows, never more than 186 in one */
    ck_assert_int_eq(n, 6 * 186);
    ck_assert_int_eq(max_seen, 186);
    ck_assert_int_gt(clk.sleeps, 0);
    sp_hs_pacer_free(&p);
    sp_clock_set(NULL);
}
END_TEST

/* Like drive(), but each request reaches the server 0..jitter_ms after it was
 * sent (a fixed pseudo-random sequence); returns the sends and the largest
 * count of arrivals the server saw in any window. */
static int drive_jittered(sp_hs_pacer *p, int64_t span, int jitter_ms, int *max_seen)
{
    int64_t start = sp_clock_now_ms();
    int64_t *arr = calloc(100000, sizeof(*arr));
    unsigned x = 12345;
    int n = 0;

    *max_seen = 0;
    while (sp_clock_now_ms() - start < span && n < 100000) {
        int64_t w = sp_hs_pacer_wait(p, sp_clock_now_ms());
        if (w > 0) {
            sp_clock_sleep_ms(w);
            continue;
        }
        sp_hs_pacer_sent(p, sp_clock_now_ms());
        x = x * 1103515245u + 12345u;
        arr[n++] = sp_clock_now_ms() + (int64_t)((x >> 16) % (unsigned)(jitter_ms + 1));
    }
    /* arrivals in order (insertion sort: nearly sorted already) */
    for (int i = 1; i < n; i++) {
        int64_t v = arr[i];
        int j = i - 1;
        while (j >= 0 && arr[j] > v) {
            arr[j + 1] = arr[j];
            j--;
        }
        arr[j + 1] = v;
    }
    for (int i = 0, lo = 0; i < n; i++) {
        while (arr[lo] <= arr[i] - p->window_ms)
            lo++;
        if (i - lo + 1 > *max_seen)
            *max_seen = i - lo + 1;
    }
    free(arr);
    return n;
}

START_TEST(pacer_spaces_sends_evenly)
{
    sp_fake_clock clk;
    sp_hs_pacer p;
    int max_seen, n;

    sp_fake_clock_install(&clk, 1700000000000LL);
    sp_hs_pacer_init(&p, 190, 10000, 0);
    /* the first 93 (half of 186) go at once; the next waits the spacing
     * those 93 used: 92 x 10000 / 186 ms, then one every 53.8 ms */
    for (n = 0; sp_hs_pacer_wait(&p, sp_clock_now_ms()) == 0 && n < 1000; n++)
        sp_hs_pacer_sent(&p, sp_clock_now_ms());
    ck_assert_int_eq(n, 93);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, sp_clock_now_ms()), 4947);
    n = drive(&p, &clk, 10000, 10000, &max_seen);
    ck_assert_int_eq(n, 93);
    /* from then on at most 20 in any second (the window alone would let
     * the 93 of the start go at once every 10 s) */
    n = drive(&p, &clk, 20000, 1000, &max_seen);
    ck_assert_int_eq(n, 2 * 186);
    ck_assert_int_ge(max_seen, 19);
    ck_assert_int_le(max_seen, 20);
    /* after a pause the window is empty again: a burst is allowed */
    sp_clock_sleep_ms(10000);
    for (n = 0; sp_hs_pacer_wait(&p, sp_clock_now_ms()) == 0 && n < 1000; n++)
        sp_hs_pacer_sent(&p, sp_clock_now_ms());
    ck_assert_int_eq(n, 93);
    sp_hs_pacer_free(&p);
    sp_clock_set(NULL);
}
END_TEST

START_TEST(pacer_margin_covers_arrival_jitter)
{
    sp_fake_clock clk;
    sp_hs_pacer p;
    int max_seen, n;

    /* requests reach the server 0..100 ms after they were sent: with the
     * default margin (186 of 190) the server's count stays within budget */
    sp_fake_clock_install(&clk, 1700000000000LL);
    sp_hs_pacer_init(&p, 190, 10000, 0);
    n = drive_jittered(&p, 60000, 100, &max_seen);
    ck_assert_int_eq(n, 6 * 186);
    ck_assert_int_le(max_seen, 188);
    sp_hs_pacer_free(&p);
    /* with no margin the same jitter runs over the server's budget */
    sp_hs_pacer_init(&p, 190, 10000, 1.0);
    n = drive_jittered(&p, 60000, 100, &max_seen);
    ck_assert_int_eq(n, 6 * 190);
    ck_assert_int_gt(max_seen, 190);
    sp_hs_pacer_free(&p);
    sp_clock_set(NULL);
}
END_TEST

START_TEST(pacer_adopts_the_server_max)
{
    sp_hs_pacer p;

    sp_hs_pacer_init(&p, 190, 10000, 0);
    sp_hs_pacer_headers(&p, 1000, 900, 50, 49, 10000);
    ck_assert_int_eq(p.server_max, 50);
    ck_assert_int_eq(p.limit, 49);
    /* a higher Max never raises us past the configured budget */
    sp_hs_pacer_headers(&p, 1000, 900, 500, 499, 10000);
    ck_assert_int_eq(p.limit, 186);
    sp_hs_pacer_free(&p);
    /* unlimited in the config: the server's Max caps it */
    sp_hs_pacer_init(&p, 0, 10000, 0);
    sp_hs_pacer_headers(&p, 1000, 900, 20, 19, 2000);
    ck_assert_int_eq(p.limit, 19);
    ck_assert_int_eq(p.window_ms, 2000);
    sp_hs_pacer_free(&p);
}
END_TEST

START_TEST(pacer_counts_requests_of_others)
{
    sp_hs_pacer p;
    int64_t now = 100000;
    int allowed = 0;

    int64_t w;

    sp_hs_pacer_init(&p, 100, 10000, 0);
    /* 10 sends at about the pacer's spacing (10000 / 98 = 102.04 ms) */
    for (int i = 0; i < 10; i++)
        sp_hs_pacer_sent(&p, now + 103 * i);
    now += 103 * 9 + 5;
    /* the server counted 40 in its window: 30 are someone else's */
    sp_hs_pacer_headers(&p, now, now - 5, 100, 60, 10000);
    ck_assert_int_eq(p.external, 30);
    /* send whenever allowed, until the wait is the window's (3 s), not the spacing's (< 1.1 s) */
    while ((w = sp_hs_pacer_wait(&p, now)) < 2000 && allowed < 1000) {
        if (w > 0) {
            now += w;
            continue;
        }
        sp_hs_pacer_sent(&p, now);
        allowed++;
    }
    ck_assert_int_eq(allowed, 98 - 40);
    ck_assert_int_lt(now, 100000 + 10000); /* stopped by the window, not by time */
    /* others' use is forgotten one window later */
    ck_assert_int_eq(sp_hs_pacer_wait(&p, now + 10000), 0);
    sp_hs_pacer_free(&p);
}
END_TEST

START_TEST(pacer_spaces_requests_when_remaining_is_low)
{
    sp_hs_pacer p;
    int64_t now = 50000;

    sp_hs_pacer_init(&p, 100, 10000, 1.0);
    /* 98 sends at the pacer's even spacing (100 ms), the last at `now` */
    for (int i = 0; i < 98; i++)
        sp_hs_pacer_sent(&p, now - 9700 + 100 * i);
    sp_hs_pacer_headers(&p, now, now, 100, 50, 10000);
    ck_assert_int_eq(p.min_gap_ms, 0);
    ck_assert_int_eq(p.external, 0);
    /* all 98 are ours; 2 left: one every window / Max */
    sp_hs_pacer_headers(&p, now, now, 100, 2, 10000);
    ck_assert_int_eq(p.external, 0);
    ck_assert_int_eq(p.min_gap_ms, 100);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, now + 30), 70);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, now + 100), 0);
    sp_hs_pacer_headers(&p, now, now, 100, 40, 10000);
    ck_assert_int_eq(p.min_gap_ms, 0);
    sp_hs_pacer_free(&p);
}
END_TEST

START_TEST(pacer_backs_off_on_429)
{
    sp_hs_pacer p;
    int64_t now = 200000, pause;

    sp_hs_pacer_init(&p, 100, 10000, 0);
    pause = sp_hs_pacer_throttled(&p, now, now - 100, -1, 0.0);
    ck_assert_int_eq(pause, 500);
    ck_assert_int_eq(p.limit, 88); /* 100 * 0.98 * 0.9 */
    ck_assert_int_eq(sp_hs_pacer_wait(&p, now), 500);
    /* requests that were in flight with it: the same event */
    pause = sp_hs_pacer_throttled(&p, now + 10, now - 50, -1, 0.999999);
    ck_assert_int_eq(pause, 490);
    ck_assert_int_eq(p.strikes, 1);
    ck_assert_int_eq(p.limit, 88);
    /* a request sent after it: a new event, a longer pause */
    now += 600;
    pause = sp_hs_pacer_throttled(&p, now, now - 50, -1, 0.999999);
    ck_assert_int_le(pause, 2000);
    ck_assert_int_ge(pause, 1999);
    ck_assert_int_eq(p.strikes, 2);
    ck_assert_int_eq(p.limit, 78);
    /* growing, but never longer than the window */
    for (int i = 0; i < 10; i++) {
        now += 20000;
        pause = sp_hs_pacer_throttled(&p, now, now - 50, -1, 0.999999);
    }
    ck_assert_int_le(pause, 10000);
    ck_assert_int_ge(pause, 9999);
    /* cut at most to half */
    ck_assert_int_eq(p.limit, 49);
    /* Retry-After wins */
    sp_hs_pacer_ok(&p);
    ck_assert_int_eq(p.strikes, 0);
    now += 20000;
    pause = sp_hs_pacer_throttled(&p, now, now - 50, 3000, 0.5);
    ck_assert_int_eq(pause, 3000);
    ck_assert_int_eq(sp_hs_pacer_wait(&p, now), 3000);
    ck_assert_int_eq(p.throttled, 14);
    sp_hs_pacer_free(&p);

    /* a cut is given back after 6 windows without a 429, one per 6 windows */
    sp_hs_pacer_init(&p, 100, 10000, 0);
    now = 500000;
    sp_hs_pacer_throttled(&p, now, now - 100, -1, 0.0);
    sp_hs_pacer_throttled(&p, now + 2000, now + 1000, -1, 0.0);
    ck_assert_int_eq(p.limit, 78);
    sp_hs_pacer_sent(&p, now + 2000 + 59999);
    ck_assert_int_eq(p.limit, 78);
    sp_hs_pacer_sent(&p, now + 2000 + 60000);
    ck_assert_int_eq(p.limit, 88);
    sp_hs_pacer_sent(&p, now + 2000 + 119999);
    ck_assert_int_eq(p.limit, 88);
    sp_hs_pacer_sent(&p, now + 2000 + 120000);
    ck_assert_int_eq(p.limit, 98);
    /* a new 429 starts the count again */
    sp_hs_pacer_throttled(&p, now + 130000, now + 129000, -1, 0.0);
    ck_assert_int_eq(p.limit, 88);
    sp_hs_pacer_sent(&p, now + 180000);
    ck_assert_int_eq(p.limit, 88);
    sp_hs_pacer_sent(&p, now + 190000);
    ck_assert_int_eq(p.limit, 98);
    sp_hs_pacer_free(&p);
}
END_TEST

START_TEST(backoff_jitter_stays_in_bounds)
{
    sp_hs_backoff b = {500, 30000, 120000, 8};

    ck_assert_int_eq(sp_hs_backoff_delay(&b, 1, 0.0), 250);
    ck_assert_int_eq(sp_hs_backoff_delay(&b, 1, 0.999999), 499);
    ck_assert_int_eq(sp_hs_backoff_delay(&b, 2, 0.0), 500);
    ck_assert_int_eq(sp_hs_backoff_delay(&b, 3, 0.5), 1500);
    ck_assert_int_eq(sp_hs_backoff_delay(&b, 20, 0.0), 15000);
    ck_assert_int_eq(sp_hs_backoff_delay(&b, 20, 0.999999), 29999);
    for (int a = 1; a < 12; a++) {
        for (double u = 0; u < 1.0; u += 0.125) {
            int64_t d = sp_hs_backoff_delay(&b, a, u);
            int64_t full = 500LL << (a - 1);
            if (full > 30000)
                full = 30000;
            ck_assert_int_ge(d, full / 2);
            ck_assert_int_le(d, full);
        }
    }
}
END_TEST

START_TEST(backoff_stops_at_attempts_and_budget)
{
    sp_hs_backoff b = {500, 30000, 120000, 4};
    int64_t d;

    ck_assert_int_eq(sp_hs_backoff_next(&b, 1, 0, -1, 0.0, &d), SP_HS_RETRY);
    ck_assert_int_eq(d, 250);
    ck_assert_int_eq(sp_hs_backoff_next(&b, 3, 1000, -1, 0.0, &d), SP_HS_RETRY);
    ck_assert_int_eq(d, 1000);
    ck_assert_int_eq(sp_hs_backoff_next(&b, 4, 1000, -1, 0.0, &d), SP_HS_GIVE_UP_ATTEMPTS);
    ck_assert_int_eq(d, 0);
    /* 119.5 s spent: a 1..2 s wait would end past the 120 s budget */
    ck_assert_int_eq(sp_hs_backoff_next(&b, 3, 119500, -1, 0.0, &d), SP_HS_GIVE_UP_BUDGET);
    ck_assert_int_eq(sp_hs_backoff_next(&b, 3, 119000, -1, 0.0, &d), SP_HS_RETRY);
    ck_assert_int_eq(d, 1000);
}
END_TEST

START_TEST(backoff_honours_retry_after_within_the_budget)
{
    sp_hs_backoff b = {500, 30000, 120000, 8};
    int64_t d;

    /* longer than the cap: still honoured */
    ck_assert_int_eq(sp_hs_backoff_next(&b, 1, 0, 45000, 0.3, &d), SP_HS_RETRY);
    ck_assert_int_eq(d, 45000);
    /* shorter than the computed backoff: honoured too */
    ck_assert_int_eq(sp_hs_backoff_next(&b, 5, 0, 1000, 0.3, &d), SP_HS_RETRY);
    ck_assert_int_eq(d, 1000);
    /* never past the budget */
    ck_assert_int_eq(sp_hs_backoff_next(&b, 1, 118000, 5000, 0.3, &d), SP_HS_GIVE_UP_BUDGET);
    ck_assert_int_eq(sp_hs_backoff_next(&b, 1, 0, 120001, 0.3, &d), SP_HS_GIVE_UP_BUDGET);
    ck_assert_int_eq(sp_hs_backoff_next(&b, 1, 0, 120000, 0.3, &d), SP_HS_RETRY);
}
END_TEST

/* ---- pure helpers ---- */

START_TEST(config_refuses_plain_http_off_loopback)
{
    sp_hs_config cfg;
    sp_err e;

    memset(&cfg, 0, sizeof(cfg));
    cfg.token = "pat-na1-abc";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), 0);
    cfg.base_url = "http://api.hubapi.com";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), -1);
    ck_assert_int_eq(e.code, SP_EJOB);
    ck_assert_str_eq(e.msg, "HubSpot base URL \"http://api.hubapi.com\": plain http is refused for host "
                            "api.hubapi.com (the token would travel unencrypted); use https, or http only "
                            "for 127.0.0.1, localhost or ::1");
    cfg.base_url = "http://10.0.0.5:8080";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), -1);
    cfg.base_url = "http://127.0.0.1:8080";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), 0);
    cfg.base_url = "http://localhost:8080/";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), 0);
    cfg.base_url = "http://[::1]:9";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), 0);
    cfg.base_url = "ftp://127.0.0.1";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "scheme ftp is not supported"));
}
END_TEST

START_TEST(config_checks_token_and_version)
{
    sp_hs_config cfg;
    sp_hs_client *c = NULL;
    sp_err e;

    memset(&cfg, 0, sizeof(cfg));
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), -1);
    ck_assert_int_eq(e.code, SP_EAUTH);
    ck_assert_ptr_null(c);
    cfg.token = "pat-na1-secret\n";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), -1);
    ck_assert_int_eq(e.code, SP_EJOB);
    ck_assert_ptr_null(strstr(e.msg, "secret"));
    ck_assert_ptr_nonnull(strstr(e.msg, "position 15"));
    cfg.token = "pat-na1-secret";
    cfg.api_version = "v4";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "\"v4\" is not supported"));
    cfg.api_version = "2025-09";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), -1);
    cfg.api_version = "2026-09";
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), 0);
    cfg.api_version = "v3";
    cfg.max_batch = 101;
    ck_assert_int_eq(sp_hs_config_check(&cfg, &e), -1);
    ck_assert_str_eq(e.msg, "HubSpot batch size 101 is out of range 1..100");
    cfg.max_batch = 0;
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    ck_assert_str_eq(sp_hs_objects_prefix(c), "/crm/v3/objects");
    sp_hs_client_free(c);
    cfg.api_version = NULL;
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    ck_assert_str_eq(sp_hs_objects_prefix(c), "/crm/objects/2026-03");
    sp_hs_client_free(c);
    sp_log_reset();
}
END_TEST

START_TEST(helpers_names_types_and_existing_id)
{
    char id[32];
    sp_hs_object o;

    ck_assert_str_eq(sp_hs_object_name(SP_HS_LINE_ITEMS), "line_items");
    ck_assert_ptr_null(sp_hs_object_name(SP_HS_OBJECT_COUNT));
    ck_assert_int_eq(sp_hs_object_parse("deals", &o), 0);
    ck_assert_int_eq(o, SP_HS_DEALS);
    ck_assert_int_eq(sp_hs_object_parse("tickets", &o), -1);
    ck_assert_int_eq(sp_hs_assoc_type_id(SP_HS_CONTACTS, SP_HS_COMPANIES), 279);
    ck_assert_int_eq(sp_hs_assoc_type_id(SP_HS_COMPANIES, SP_HS_CONTACTS), 280);
    ck_assert_int_eq(sp_hs_assoc_type_id(SP_HS_DEALS, SP_HS_COMPANIES), 341);
    ck_assert_int_eq(sp_hs_assoc_type_id(SP_HS_COMPANIES, SP_HS_DEALS), 342);
    ck_assert_int_eq(sp_hs_assoc_type_id(SP_HS_LINE_ITEMS, SP_HS_DEALS), 20);
    ck_assert_int_eq(sp_hs_assoc_type_id(SP_HS_DEALS, SP_HS_LINE_ITEMS), 19);
    ck_assert_int_eq(sp_hs_assoc_type_id(SP_HS_PRODUCTS, SP_HS_DEALS), 0);
    ck_assert_int_eq(sp_hs_parse_existing_id("Contact already exists. Existing ID: 10000000042", id, sizeof(id)), 0);
    ck_assert_str_eq(id, "10000000042");
    ck_assert_int_eq(sp_hs_parse_existing_id("Contact already exists.", id, sizeof(id)), -1);
    ck_assert_int_eq(sp_hs_parse_existing_id("Existing ID: ", id, sizeof(id)), -1);
    ck_assert_int_eq(sp_hs_parse_existing_id("Existing ID: 123456", id, 4), -1);
}
END_TEST

/* Inputs that cannot be sent fail alone, before any request: no server here. */
START_TEST(unsendable_inputs_fail_alone_without_a_request)
{
    sp_hs_config cfg;
    sp_hs_client *c = NULL;
    sp_hs_batch_result r;
    sp_err e;
    sp_hs_prop bad[1] = {{"name", "Caf\xe9 Latin-1"}};
    sp_hs_prop ok[1] = {{"name", "ok"}};
    sp_hs_input in[2] = {{"K1", bad, 1, NULL, 0}, {NULL, ok, 1, NULL, 0}};
    sp_hs_batch b = {SP_HS_UPSERT, SP_HS_COMPANIES, "gp_key", in, 2, NULL, 0, 0};
    sp_hs_stats st;
    sp_test_port closed;   /* a port where nothing listens */

    sp_test_closed_port(&closed);
    memset(&cfg, 0, sizeof(cfg));
    cfg.token = "pat-na1-x";
    cfg.base_url = closed.url;
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), 0);
    ck_assert_uint_eq(r.n_failed, 2);
    ck_assert_int_eq(r.requests, 0);
    ck_assert_str_eq(r.items[0].category, "SPETL_INPUT");
    ck_assert_str_eq(r.items[0].message, "property name: text is not valid UTF-8 at byte 4 (0xE9): convert it "
                                         "from the database's code page");
    ck_assert_str_eq(r.items[1].message, "the input has no id / gp_key");
    sp_hs_batch_result_free(&r);
    /* an upsert without its unique property is refused outright */
    b.id_property = NULL;
    ck_assert_int_eq(sp_hs_batch_run(c, &b, &r, &e), -1);
    ck_assert_str_eq(e.msg, "a batch upsert of companies needs an idProperty (a unique property)");
    sp_hs_get_stats(c, &st);
    ck_assert_int_eq(st.requests, 0);
    sp_hs_client_free(c);
    sp_test_port_release(&closed);
    sp_log_reset();
}
END_TEST

static void closed_cb(sp_hs_batch_result *r, void *ud)
{
    int *calls = ud;
    (*calls)++;
    ck_assert_uint_eq(r->n_not_done, 1);
    ck_assert_int_eq(r->err.code, SP_EINTERNAL);
    ck_assert_str_eq(r->err.msg, "POST /crm/objects/2026-03/companies/batch/upsert not sent: the HubSpot client "
                                 "was closed with requests pending");
}

START_TEST(closing_the_client_completes_pending_work)
{
    sp_hs_config cfg;
    sp_hs_client *c = NULL;
    sp_err e;
    sp_hs_prop ok[1] = {{"name", "ok"}};
    sp_hs_input in[1] = {{"K1", ok, 1, NULL, 0}};
    sp_hs_batch b = {SP_HS_UPSERT, SP_HS_COMPANIES, "gp_key", in, 1, NULL, 0, 0};
    int calls = 0;
    sp_test_port closed;   /* a port where nothing listens */

    sp_test_closed_port(&closed);
    memset(&cfg, 0, sizeof(cfg));
    cfg.token = "pat-na1-x";
    cfg.base_url = closed.url;
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    ck_assert_int_eq(sp_hs_batch_submit(c, &b, closed_cb, &calls, &e), 0);
    ck_assert_uint_eq(sp_hs_pending(c), 1);
    sp_hs_client_free(c);
    sp_test_port_release(&closed);
    ck_assert_int_eq(calls, 1);
    sp_log_reset();
}
END_TEST

START_TEST(connection_refused_is_retried_then_given_up)
{
    sp_hs_config cfg;
    sp_hs_client *c = NULL;
    sp_hs_page p;
    sp_err e;
    sp_hs_stats st;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sp_test_port closed;   /* a port where nothing listens */

    sp_test_closed_port(&closed);
    memset(&cfg, 0, sizeof(cfg));
    cfg.token = "pat-na1-x";
    cfg.base_url = closed.url;
    cfg.max_attempts = 3;
    cfg.backoff_base_ms = 5;
    sp_log_set_stream(f);
    sp_log_set_level(SP_LOG_INFO);
    ck_assert_int_eq(sp_hs_client_new(&cfg, &c, &e), 0);
    ck_assert_int_eq(sp_hs_list(c, SP_HS_CONTACTS, NULL, 0, NULL, 10, &p, &e), -1);
    ck_assert_int_eq(e.code, SP_EHUBSPOT);
    ck_assert_msg(strstr(e.msg, "GET /crm/objects/2026-03/contacts gave up after 3 attempts in ") == e.msg, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "(attempts spent): last Couldn't connect to server"));
    sp_hs_get_stats(c, &st);
    ck_assert_int_eq(st.requests, 3);
    ck_assert_int_eq(st.retries, 2);
    sp_hs_client_free(c);
    sp_test_port_release(&closed);
    fflush(f);
    ck_assert_ptr_nonnull(strstr(text, "level=warn comp=hubspot msg=\"GET /crm/objects/2026-03/contacts attempt 1 of 3 "
                                       "failed (Couldn't connect to server); retrying in "));
    ck_assert_ptr_nonnull(strstr(text, "attempt 2 of 3 failed"));
    ck_assert_ptr_nonnull(strstr(text, "level=error comp=hubspot msg=\"GET /crm/objects/2026-03/contacts gave up"));
    ck_assert_ptr_null(strstr(text, "pat-na1-x"));
    sp_log_set_stream(NULL);
    fclose(f);
    free(text);
    sp_log_reset();
}
END_TEST

static Suite *pace_suite(void)
{
    Suite *s = suite_create("hubspot_pace");
    TCase *tc = tcase_create("pace");

    tcase_add_test(tc, pacer_limit_keeps_a_margin);
    tcase_add_test(tc, pacer_window_accounting);
    tcase_add_test(tc, pacer_sustained_rate_never_overruns_the_server_window);
    tcase_add_test(tc, pacer_spaces_sends_evenly);
    tcase_add_test(tc, pacer_margin_covers_arrival_jitter);
    tcase_add_test(tc, pacer_adopts_the_server_max);
    tcase_add_test(tc, pacer_counts_requests_of_others);
    tcase_add_test(tc, pacer_spaces_requests_when_remaining_is_low);
    tcase_add_test(tc, pacer_backs_off_on_429);
    tcase_add_test(tc, backoff_jitter_stays_in_bounds);
    tcase_add_test(tc, backoff_stops_at_attempts_and_budget);
    tcase_add_test(tc, backoff_honours_retry_after_within_the_budget);
    tcase_add_test(tc, config_refuses_plain_http_off_loopback);
    tcase_add_test(tc, config_checks_token_and_version);
    tcase_add_test(tc, helpers_names_types_and_existing_id);
    tcase_add_test(tc, unsendable_inputs_fail_alone_without_a_request);
    tcase_add_test(tc, closing_the_client_completes_pending_work);
    tcase_add_test(tc, connection_refused_is_retried_then_given_up);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pace_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
