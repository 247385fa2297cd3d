/* progress.c -- the progress line of a long component (see progress.h). */
#include "spetl/progress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mem.h"

struct sp_progress {
    FILE *out;
    char label[64];
    sp_hs_client *hs;
    int64_t total;
    int64_t start_ms, last_ms;
    long long req0;
    int drawn;                  /* the line is on the screen */
    int draws;
    pthread_mutex_t mu;
};

/* "1234567" -> "1,234,567" */
static const char *grouped(int64_t v, char *buf, size_t n)
{
    char digits[32];
    size_t len, o = 0;

    snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? 0 : v));
    len = strlen(digits);
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

void sp_progress_format(char *buf, size_t n, const char *label, int64_t done, int64_t read,
                        int64_t total, double elapsed_s, double req_per_s, double budget_per_s)
{
    char d[32], r[32], t[32];
    double rate = elapsed_s > 0 ? (double)done / elapsed_s : 0;
    size_t used;

    if (total > 0)
        snprintf(buf, n, "%s: %s of %s done", label, grouped(done, d, sizeof(d)),
                 grouped(total, t, sizeof(t)));
    else
        snprintf(buf, n, "%s: %s done", label, grouped(done, d, sizeof(d)));
    used = strlen(buf);
    if (read >= 0 && used < n)
        used += (size_t)snprintf(buf + used, n - used, " (%s read)", grouped(read, r, sizeof(r)));
    if (used < n)
        used += (size_t)snprintf(buf + used, n - used, ", %.0f records/s", rate);
    if (used < n && budget_per_s > 0)
        used += (size_t)snprintf(buf + used, n - used, ", %.1f requests/s of %.0f/s", req_per_s,
                                 budget_per_s);
    else if (used < n)
        used += (size_t)snprintf(buf + used, n - used, ", %.1f requests/s", req_per_s);
    if (used < n && total > 0 && rate > 0 && done < total) {
        long left = (long)((double)(total - done) / rate + 0.5);
        snprintf(buf + used, n - used, ", ETA %ld:%02ld", left / 60, left % 60);
    }
}

/* Log hooks: erase the line before a log line; it is redrawn by the next update. */
static void before_log(void *ud)
{
    sp_progress *p = ud;

    pthread_mutex_lock(&p->mu);
    if (p->drawn) {
        fputs("\r\033[K", p->out);
        p->drawn = 0;
    }
}

static void after_log(void *ud)
{
    sp_progress *p = ud;

    pthread_mutex_unlock(&p->mu);
}

sp_progress *sp_progress_begin(FILE *out, const char *label, sp_hs_client *hs, int64_t total)
{
    sp_progress *p = sp_xcalloc(1, sizeof(*p));
    sp_hs_stats st;

    p->out = out;
    snprintf(p->label, sizeof(p->label), "%s", label);
    p->hs = hs;
    p->total = total;
    p->start_ms = sp_clock_now_ms();
    if (hs != NULL) {
        sp_hs_get_stats(hs, &st);
        p->req0 = st.requests;
    }
    pthread_mutex_init(&p->mu, NULL);
    sp_log_set_hooks(before_log, after_log, p);
    return p;
}

int sp_progress_due(sp_progress *p)
{
    return p != NULL && (p->draws == 0 || sp_clock_now_ms() - p->last_ms >= SP_PROGRESS_MIN_MS);
}

void sp_progress_update(sp_progress *p, int64_t done, int64_t read)
{
    char line[256];
    double elapsed, req = 0, budget = 0;
    int64_t now;
    sp_hs_stats st;

    if (!sp_progress_due(p))
        return;
    now = sp_clock_now_ms();
    elapsed = (double)(now - p->start_ms) / 1000.0;
    if (p->hs != NULL) {
        sp_hs_get_stats(p->hs, &st);
        req = elapsed > 0 ? (double)(st.requests - p->req0) / elapsed : 0;
        budget = st.limit_10s > 0 ? st.limit_10s / 10.0 : 0;
    }
    sp_progress_format(line, sizeof(line), p->label, done, read, p->total, elapsed, req, budget);
    pthread_mutex_lock(&p->mu);
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
    p->drawn = 1;
    pthread_mutex_unlock(&p->mu);
    p->last_ms = now;
    p->draws++;
}

void sp_progress_hide(sp_progress *p)
{
    if (p == NULL)
        return;
    before_log(p);
    fflush(p->out);
    after_log(p);
}

int sp_progress_counts(void *ud, const sp_counts *c)
{
    sp_progress *p = ud;

    if (c == NULL)
        return sp_progress_due(p);
    sp_progress_update(p, c->created + c->updated + c->linked + c->unchanged + c->skipped +
                              c->failed, c->read);
    return 0;
}

void sp_progress_end(sp_progress *p)
{
    if (p == NULL)
        return;
    sp_log_set_hooks(NULL, NULL, NULL);
    if (p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    pthread_mutex_destroy(&p->mu);
    free(p);
}
