/* log.c -- structured single-line logging with redaction (see log.h). */
#include "spetl/log.h"

#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/mem.h"

#define LINE_MAX_BYTES 4096

static sp_log_level current_level = SP_LOG_INFO;
static FILE *stream;
static char run_id[40];
static char job_name[128];
/* Every registered secret, longest first: a secret that holds a shorter one
 * is redacted whole before the shorter one could cut it in pieces. */
static char **secrets;
static size_t nsecrets, capsecrets;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};
/* Around every line (sp_log_set_hooks): a progress line erases itself. */
static void (*hook_before)(void *), (*hook_after)(void *);
static void *hook_ud;

void sp_log_set_level(sp_log_level level) { current_level = level; }
sp_log_level sp_log_get_level(void) { return current_level; }
void sp_log_set_stream(FILE *f) { stream = f; }
int sp_log_enabled(sp_log_level level) { return level <= current_level; }

void sp_log_set_hooks(void (*before)(void *ud), void (*after)(void *ud), void *ud)
{
    hook_before = before;
    hook_after = after;
    hook_ud = ud;
}

int sp_log_parse_level(const char *name)
{
    for (int i = 0; i <= SP_LOG_TRACE; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void sp_log_set_context(const char *run, const char *job)
{
    snprintf(run_id, sizeof(run_id), "%s", run != NULL ? run : "");
    snprintf(job_name, sizeof(job_name), "%s", job != NULL ? job : "");
}

/* Any length counts: a one-character password is still a password, and
 * every copy of it is masked (which makes such a log hard to read; the cure
 * is a longer password, not a password in clear). */
void sp_log_secret(const char *secret)
{
    size_t len, at;

    if (secret == NULL || secret[0] == '\0')
        return;
    for (size_t i = 0; i < nsecrets; i++)
        if (strcmp(secrets[i], secret) == 0)
            return;
    secrets = sp_xgrow(secrets, nsecrets, &capsecrets, sizeof(*secrets), 8);
    len = strlen(secret);
    for (at = 0; at < nsecrets && strlen(secrets[at]) >= len; at++)
        ;
    memmove(secrets + at + 1, secrets + at, (nsecrets - at) * sizeof(*secrets));
    secrets[at] = sp_xstrdup(secret);
    nsecrets++;
}

void sp_log_reset(void)
{
    for (size_t i = 0; i < nsecrets; i++)
        free(secrets[i]);
    free(secrets);
    secrets = NULL;
    nsecrets = capsecrets = 0;
    run_id[0] = '\0';
    job_name[0] = '\0';
}

/* Every copy of sec in s: "<redacted>" where it fits in place, else one '*'
 * per byte. The scan goes on after each replacement, so a secret that reads
 * like its own replacement cannot loop. */
static void redact_one(char *s, const char *sec)
{
    static const char mark[] = "<redacted>";
    const size_t mlen = sizeof(mark) - 1, slen = strlen(sec);
    char *p = s, *hit;

    while ((hit = strstr(p, sec)) != NULL) {
        if (slen >= mlen) {
            memcpy(hit, mark, mlen);
            memmove(hit + mlen, hit + slen, strlen(hit + slen) + 1);
            p = hit + mlen;
        } else {
            memset(hit, '*', slen);
            p = hit + slen;
        }
    }
}

void sp_log_redact(char *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < nsecrets; i++)
        redact_one(s, secrets[i]);
}

/* s was cut at its end: mask the longest tail that is the start of a
 * secret, which the whole-secret scan cannot see. */
static void redact_cut_tail(char *s)
{
    size_t n = strlen(s), longest = 0;

    for (size_t i = 0; i < nsecrets; i++) {
        size_t slen = strlen(secrets[i]);
        for (size_t k = slen - 1 < n ? slen - 1 : n; k > longest; k--) {
            if (memcmp(s + n - k, secrets[i], k) == 0) {
                longest = k;
                break;
            }
        }
    }
    memset(s + n - longest, '*', longest);
}

/* Append msg as a logfmt quoted value: escape quotes, backslashes, controls. */
static size_t quote(char *dst, size_t n, const char *src)
{
    size_t o = 0;
    if (n < 3)
        return 0;
    dst[o++] = '"';
    for (; *src != '\0' && o + 3 < n; src++) {
        unsigned char c = (unsigned char)*src;
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c == '\n') {
            dst[o++] = '\\';
            dst[o++] = 'n';
        } else if (c < 0x20) {
            dst[o++] = ' ';
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o++] = '"';
    dst[o] = '\0';
    return o;
}

/* printf into buf at *used, never past n, *used clamped to the text written. */
static void append(char *buf, size_t n, size_t *used, const char *fmt, ...)
    SP_PRINTF(4, 5);
static void append(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (*used + 1 >= n)
        return;
    va_start(ap, fmt);
    w = vsnprintf(buf + *used, n - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used += (size_t)w < n - *used ? (size_t)w : n - *used - 1;
}

void sp_vlog(sp_log_level level, const char *comp, const char *fmt, va_list ap)
{
    char msg[LINE_MAX_BYTES];
    char line[LINE_MAX_BYTES + 512];
    char ts[32];
    size_t used;
    FILE *out = stream != NULL ? stream : stderr;

    if (!sp_log_enabled(level))
        return;
    /* Redact the message as it was written, before it is quoted: a secret
     * holding '"' or '\\' no longer reads the same once escaped. */
    if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
        redact_cut_tail(msg);
    sp_log_redact(msg);
    sp_time_iso8601(sp_clock_wall_ms(), ts, sizeof(ts));
    used = 0;
    append(line, sizeof(line), &used, "time=%s level=%s", ts, level_names[level]);
    if (run_id[0] != '\0')
        append(line, sizeof(line), &used, " run=%s", run_id);
    if (job_name[0] != '\0')
        append(line, sizeof(line), &used, " job=%s", job_name);
    if (comp != NULL && comp[0] != '\0')
        append(line, sizeof(line), &used, " comp=%s", comp);
    append(line, sizeof(line), &used, " msg=");
    used += quote(line + used, sizeof(line) - used, msg);
    fprintf(out, "%s\n", line);
    fflush(out);
}

void sp_log(sp_log_level level, const char *comp, const char *fmt, ...)
{
    va_list ap;
    if (!sp_log_enabled(level))
        return;
    va_start(ap, fmt);
    if (hook_before != NULL)
        hook_before(hook_ud);
    sp_vlog(level, comp, fmt, ap);
    if (hook_after != NULL)
        hook_after(hook_ud);
    va_end(ap);
}
