/* message.c -- the text of the e-mail on error (see include/spetl/mail.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mail.h"
#include "spetl/version.h"

#define LINE_MAX_OCTETS 998   /* RFC 5322 2.1.1, without the CRLF */

/* Append one line of text: control characters (a CR or LF inside a record's
 * message) become spaces, and a line longer than the limit goes on on the
 * next line, cut before a UTF-8 continuation byte never inside a character. */
static int put_line(sp_buf *b, const char *s, sp_err *e)
{
    char line[LINE_MAX_OCTETS + 1];
    size_t n = 0;

    do {
        n = 0;
        while (*s && n < LINE_MAX_OCTETS) {
            unsigned char ch = (unsigned char)*s;
            line[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
            s++;
        }
        for (int k = 0; k < 3 && *s && ((unsigned char)*s & 0xc0) == 0x80; k++) {   /* to a character start */
            s--;
            n--;
        }
        line[n] = '\0';
        if (sp_buf_puts(b, line, e) != 0 || sp_buf_puts(b, "\r\n", e) != 0)
            return -1;
    } while (*s);
    return 0;
}

static int put_linef(sp_buf *b, sp_err *e, const char *fmt, ...) SP_PRINTF(3, 4);

static int put_linef(sp_buf *b, sp_err *e, const char *fmt, ...)
{
    char text[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return put_line(b, text, e);
}

/* "Sun, 06 Dec 2026 20:16:33 +0000": names spelled out, whatever the locale. */
static const char *rfc5322_date(int64_t ms, char *buf, size_t n)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    sp_time_utc(ms / 1000, &tm);
    snprintf(buf, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

static const char *exit_meaning(int code)
{
    for (const sp_exit_row *r = sp_exit_table(); r->meaning != NULL; r++)
        if (r->exit_code == code)
            return r->meaning;
    return "unknown";
}

static const char *what_happened(const sp_mail_report *r, char *buf, size_t n)
{
    if (r->exit_code == SP_EXIT_RECORDS)
        snprintf(buf, n, "%lld record%s failed", (long long)r->nfailed, r->nfailed == 1 ? "" : "s");
    else if (r->exit_code == SP_EXIT_STOPPED)
        snprintf(buf, n, "a component stopped");
    else
        snprintf(buf, n, "the run stopped (exit %d)", r->exit_code);
    return buf;
}

static int put_headers(const sp_job_email *m, const sp_mail_report *r, int64_t now_ms, sp_buf *b,
                       sp_err *e)
{
    char date[64], what[96];
    const char *domain = strchr(m->from, '@');

    if (put_linef(b, e, "Date: %s", rfc5322_date(now_ms, date, sizeof(date))) != 0 ||
        put_linef(b, e, "From: %s", m->from) != 0 || sp_buf_puts(b, "To: ", e) != 0)
        return -1;
    for (size_t i = 0; i < m->nto; i++)
        if (sp_buf_printf(b, e, "%s%s", i ? ",\r\n " : "", m->to[i]) != 0)   /* folded: one per line */
            return -1;
    return put_linef(b, e, "%s", "") != 0 ||
                   put_linef(b, e, "Subject: [spetl] %s: %s (hub %s)", r->job_name,
                             what_happened(r, what, sizeof(what)), r->hub[0] ? r->hub : "not known") != 0 ||
                   put_linef(b, e, "Message-ID: <%s.%lld@%s>", r->run_id, (long long)now_ms,
                             domain ? domain + 1 : "spetl.invalid") != 0 ||
                   put_line(b, "MIME-Version: 1.0", e) != 0 ||
                   put_line(b, "Content-Type: text/plain; charset=UTF-8", e) != 0 ||
                   put_line(b, "Content-Transfer-Encoding: 8bit", e) != 0 ||
                   put_line(b, "Auto-Submitted: auto-generated", e) != 0 || put_line(b, "", e) != 0
               ? -1
               : 0;
}

static int put_summary(const sp_mail_report *r, sp_buf *b, sp_err *e)
{
    char t1[32], t2[32], what[96];

    if (put_linef(b, e, "spetl's run of job %s ended with exit code %d: %s.", r->job_name, r->exit_code,
                  what_happened(r, what, sizeof(what))) != 0 ||
        put_line(b, "", e) != 0 || put_linef(b, e, "Job:       %s (%s)", r->job_name, r->job_path) != 0 ||
        put_linef(b, e, "Hub:       %s", r->hub[0] ? r->hub : "not known (the run stopped before)") != 0 ||
        put_linef(b, e, "Run id:    %s", r->run_id) != 0 ||
        put_linef(b, e, "Started:   %s", sp_time_iso8601(r->started_ms, t1, sizeof(t1))) != 0 ||
        put_linef(b, e, "Finished:  %s", sp_time_iso8601(r->finished_ms, t2, sizeof(t2))) != 0 ||
        put_linef(b, e, "Exit code: %d (%s)", r->exit_code, exit_meaning(r->exit_code)) != 0)
        return -1;
    if (r->outcome[0] != '\0' && put_linef(b, e, "Error:     %s", r->outcome) != 0)
        return -1;
    return put_line(b, "", e);
}

static int put_components(const sp_mail_report *r, sp_buf *b, sp_err *e)
{
    if (r->ncomps == 0)
        return 0;
    if (put_line(b, "Components:", e) != 0)
        return -1;
    for (size_t i = 0; i < r->ncomps; i++) {
        const sp_mail_component *c = &r->comps[i];
        const sp_counts *k = &c->counts;
        if (put_linef(b, e,
                      "  %-24s %-15s read=%lld created=%lld updated=%lld linked=%lld "
                      "unchanged=%lld skipped=%lld failed=%lld",
                      c->name, c->status, (long long)k->read, (long long)k->created,
                      (long long)k->updated, (long long)k->linked, (long long)k->unchanged,
                      (long long)k->skipped, (long long)k->failed) != 0 ||
            (c->message[0] != '\0' && put_linef(b, e, "      %s", c->message) != 0))
            return -1;
    }
    return put_line(b, "", e);
}

static int put_records(const sp_mail_report *r, sp_buf *b, sp_err *e)
{
    if (r->nrecords == 0)
        return 0;
    if (put_linef(b, e, "Failed records (the first %zu of %lld):", r->nrecords,
                  (long long)(r->nfailed > (int64_t)r->nrecords ? r->nfailed : (int64_t)r->nrecords)) != 0)
        return -1;
    for (size_t i = 0; i < r->nrecords; i++) {
        const sp_action *a = &r->records[i];
        if (put_linef(b, e, "  %s %s%s%s: %s%s%s", a->component, a->entity_type, a->entity_type[0] ? " " : "",
                      a->entity_key,
                      a->category[0] ? a->category : "error",
                      a->correlation_id[0] ? " correlationId=" : "", a->correlation_id) != 0 ||
            put_linef(b, e, "      %s", a->message) != 0)
            return -1;
    }
    return put_line(b, "", e);
}

int sp_mail_build(const sp_job_email *m, const sp_mail_report *r, int64_t now_ms, sp_buf *out,
                  sp_err *e)
{
    char host[256] = "";

    sp_buf_reset(out);
    if (strcmp(sp_os_host_name(host, sizeof(host)), "unknown") == 0)
        snprintf(host, sizeof(host), "this machine");
    if (put_headers(m, r, now_ms, out, e) != 0 || put_summary(r, out, e) != 0 ||
        put_components(r, out, e) != 0 || put_records(r, out, e) != 0 ||
        put_linef(out, e, "Every failed record not resolved yet: spetl errors %s", r->job_path) != 0 ||
        put_linef(out, e, "The runs and their counts:            spetl history %s", r->job_path) != 0 ||
        put_line(out, "", e) != 0 || put_line(out, "-- ", e) != 0 ||
        put_linef(out, e, "spetl %s on %s", SPETL_VERSION, host) != 0)
        return -1;
    sp_log_redact(out->data);   /* never longer: the buffer stays valid */
    out->len = strlen(out->data);
    return 0;
}
