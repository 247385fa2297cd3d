/* clock.c -- real and scripted clocks, UTC time formatting (see clock.h). */
#include "spetl/clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spetl/platform.h"

static int64_t real_now(void *ctx)
{
    (void)ctx;
    return sp_os_mono_ms();
}

static int64_t real_wall(void *ctx)
{
    (void)ctx;
    return sp_os_wall_ms();
}

static void real_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    sp_os_sleep_ms(ms);
}

static const sp_clock real_clock = {real_now, real_wall, real_sleep, NULL};
static sp_clock current = {real_now, real_wall, real_sleep, NULL};

void sp_clock_set(const sp_clock *c)
{
    current = c != NULL ? *c : real_clock;
}

int64_t sp_clock_now_ms(void) { return current.now_ms(current.ctx); }
int64_t sp_clock_wall_ms(void) { return current.wall_ms(current.ctx); }
void sp_clock_sleep_ms(int64_t ms) { current.sleep_ms(current.ctx, ms); }

static int64_t fake_now(void *ctx) { return ((sp_fake_clock *)ctx)->now_ms; }
static int64_t fake_wall(void *ctx) { return ((sp_fake_clock *)ctx)->wall_ms; }
static void fake_sleep(void *ctx, int64_t ms)
{
    sp_fake_clock *f = ctx;
    if (ms < 0)
        ms = 0;
    f->now_ms += ms;
    f->wall_ms += ms;
    f->slept_ms += ms;
    f->sleeps++;
}

void sp_fake_clock_install(sp_fake_clock *f, int64_t wall_ms)
{
    sp_clock c = {fake_now, fake_wall, fake_sleep, f};
    memset(f, 0, sizeof(*f));
    f->now_ms = 1000000;
    f->wall_ms = wall_ms;
    sp_clock_set(&c);
}

/* Floor division and its remainder (0 <= *rem < d) for a negative n too. */
static int64_t floor_div(int64_t n, int64_t d, int64_t *rem)
{
    int64_t q = n / d, r = n % d;
    if (r < 0) {
        r += d;
        q -= 1;
    }
    *rem = r;
    return q;
}

void sp_time_utc(int64_t secs, struct tm *tm)
{
    int64_t sod, days = floor_div(secs, 86400, &sod), wd;
    /* the civil date of a day count, with March as the year's first month */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);

    memset(tm, 0, sizeof(*tm));
    tm->tm_year = (int)(yoe + era * 400 + (m <= 2) - 1900);
    tm->tm_mon = m - 1;
    tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->tm_hour = (int)(sod / 3600);
    tm->tm_min = (int)(sod / 60 % 60);
    tm->tm_sec = (int)(sod % 60);
    floor_div(days + 4, 7, &wd);   /* 1970-01-01 was a Thursday */
    tm->tm_wday = (int)wd;
}

static void split(int64_t epoch_ms, struct tm *tm, int *ms)
{
    int64_t rem, secs = floor_div(epoch_ms, 1000, &rem);
    sp_time_utc(secs, tm);
    *ms = (int)rem;
}

const char *sp_time_iso8601(int64_t epoch_ms, char *buf, size_t n)
{
    struct tm tm;
    int ms;
    split(epoch_ms, &tm, &ms);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf;
}

const char *sp_time_sql(int64_t epoch_ms, char *buf, size_t n)
{
    struct tm tm;
    int ms;
    split(epoch_ms, &tm, &ms);
    snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf;
}

/* Howard Hinnant's days-from-civil method. */
int64_t sp_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char **p, int count, int *out)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += count;
    *out = v;
    return 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* "HH:MM[:SS[.f...]]" at *p: any number of fraction digits, milliseconds kept. */
static int clock_time(const char **p, int *h, int *mi, int *sec, int *milli)
{
    if (digits(p, 2, h) || *(*p)++ != ':' || digits(p, 2, mi))
        return -1;
    if (**p == ':') {
        (*p)++;
        if (digits(p, 2, sec))
            return -1;
        if (**p == '.') {
            int k = 0;
            (*p)++;
            if (!isdigit((unsigned char)**p))
                return -1;
            for (; isdigit((unsigned char)**p); (*p)++, k++)
                if (k < 3)
                    *milli = *milli * 10 + (**p - '0');
            for (; k < 3; k++)
                *milli *= 10;
        }
    }
    return *h > 23 || *mi > 59 || *sec > 59 ? -1 : 0;
}

int sp_time_parse_date(const char *text, int64_t *out, int *has_time)
{
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, sec = 0, milli = 0, timed = 0;

    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return -1;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
        return -1;
    if (*p == 'T' || *p == ' ') {
        p++;
        timed = 1;
        if (clock_time(&p, &h, &mi, &sec, &milli) != 0)
            return -1;
    }
    if (*p == 'Z')
        p++;
    else if (strcmp(p, "+00:00") == 0)
        p += 6;
    if (*p != '\0')
        return -1;
    *out = ((sp_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + milli;
    if (has_time != NULL)
        *has_time = timed;
    return 0;
}

int sp_time_parse(const char *text, int64_t *out)
{
    size_t len = strlen(text), i;

    for (i = 0; i < len && isdigit((unsigned char)text[i]); i++)
        ;
    if (len > 0 && i == len && len != 8) {
        /* epoch milliseconds */
        char *end;
        long long v;
        errno = 0;
        v = strtoll(text, &end, 10);
        if (errno != 0 || *end != '\0')
            return -1;
        *out = v;
        return 0;
    }
    return sp_time_parse_date(text, out, NULL);
}
