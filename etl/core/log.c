/* log.c -- structured single-line logging with redaction (see log.h). */
#include "spetl/log.h"

#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/mem.h"

#define MAX_SECRETS 16
#define LINE_MAX_BYTES 4096

static sp_log_level current_level = SP_LOG_INFO;
static FILE *stream;
static char run_id[40];
static char job_name[128];
static char *secrets[MAX_SECRETS];
static int nsecrets;

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

void sp_log_secret(const char *secret)
{
    /* Short strings would redact ordinary words; a real secret is longer. */
    if (secret == NULL || strlen(secret) < 4)
        return;
    for (int i = 0; i < nsecrets; i++)
        if (strcmp(secrets[i], secret) == 0)
            return;
    if (nsecrets == MAX_SECRETS) {
        free(secrets[0]);
        memmove(secrets, secrets + 1, sizeof(secrets[0]) * (MAX_SECRETS - 1));
        nsecrets--;
    }
    secrets[nsecrets++] = sp_xstrdup(secret);
}

void sp_log_reset(void)
{
    for (int i = 0; i < nsecrets; i++)
        free(secrets[i]);
    nsecrets = 0;
    run_id[0] = '\0';
    job_name[0] = '\0';
}

void sp_log_redact(char *s)
{
    static const char mark[] = "<redacted>";
    for (int i = 0; i < nsecrets; i++) {
        size_t slen = strlen(secrets[i]);
        char *hit;
        /* Secrets are >= 4 bytes; "<redacted>" may be longer, so only
         * replace when it fits, else blank the secret out with '*'. */
        while ((hit = strstr(s, secrets[i])) != NULL) {
            if (slen >= sizeof(mark) - 1) {
                memcpy(hit, mark, sizeof(mark) - 1);
                memmove(hit + sizeof(mark) - 1, hit + slen, strlen(hit + slen) + 1);
            } else {
                memset(hit, '*', slen);
            }
        }
    }
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
    __attribute__((format(printf, 4, 5)));
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
    vsnprintf(msg, sizeof(msg), fmt, ap);
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
    sp_log_redact(line);
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
