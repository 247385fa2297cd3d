/*
 * clock.h -- time through one indirection, so tests script it.
 *
 * Pacing, backoff and timeouts read sp_clock_now_ms() (monotonic) and wait
 * with sp_clock_sleep_ms(); dates written to the database and sent to HubSpot
 * come from sp_clock_wall_ms() (UTC epoch milliseconds). A test installs a
 * fake clock with sp_clock_set() and never really sleeps.
 */
#ifndef SPETL_CLOCK_H
#define SPETL_CLOCK_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>

typedef struct sp_clock {
    int64_t (*now_ms)(void *ctx);       /* monotonic milliseconds */
    int64_t (*wall_ms)(void *ctx);      /* UTC epoch milliseconds */
    void (*sleep_ms)(void *ctx, int64_t ms);
    void *ctx;
} sp_clock;

/* Install a clock; NULL restores the real one. */
void sp_clock_set(const sp_clock *c);

int64_t sp_clock_now_ms(void);
int64_t sp_clock_wall_ms(void);
void sp_clock_sleep_ms(int64_t ms);

/* A scripted clock for tests: sleeping advances both clocks at once. */
typedef struct sp_fake_clock {
    int64_t now_ms;
    int64_t wall_ms;
    int64_t slept_ms;   /* total of all sleeps */
    int sleeps;         /* number of sleeps */
} sp_fake_clock;
void sp_fake_clock_install(sp_fake_clock *f, int64_t wall_ms);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12, d 1..31). */
int64_t sp_days_from_civil(int64_t y, int m, int d);
/* The UTC breakdown of epoch seconds (year, month, day, time, weekday), by
 * arithmetic: the same on every system and for any year (the C runtimes'
 * gmtime differ before 1970 and past 3000). */
void sp_time_utc(int64_t secs, struct tm *tm);

/* UTC epoch ms -> "2026-11-27T05:30:00.123Z" (buf >= 25 bytes). */
const char *sp_time_iso8601(int64_t epoch_ms, char *buf, size_t n);
/* UTC epoch ms -> "2026-11-27 05:30:00.123" (the database text form, buf >= 24). */
const char *sp_time_sql(int64_t epoch_ms, char *buf, size_t n);
/* The one date parser. A UTC date or date-time, strictly: "YYYY-MM-DD",
 * optionally followed by 'T' or ' ' and "HH:MM", ":SS", ".f..." (any digits;
 * milliseconds kept), then an optional "Z" or "+00:00". Days are checked
 * against the month (2026-02-29 is refused), years 1..9999, seconds 0..59.
 * Sets *out (epoch milliseconds) and, when has_time is not NULL, *has_time
 * (1 when a time part was written). Returns 0, or -1 when it is not such a
 * time. */
int sp_time_parse_date(const char *text, int64_t *out, int *has_time);
/* sp_time_parse_date, or epoch milliseconds written as digits (any count
 * but 8, which reads as YYYYMMDD and is refused). */
int sp_time_parse(const char *text, int64_t *out);

#endif
