/* err.c -- the error catalogue and the sp_err object (see include/spetl/err.h). */
#include "spetl/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spetl/log.h"

typedef struct catalogue_row {
    sp_code code;
    const char *name;
    int exit_code;
    int retryable;
} catalogue_row;

static const catalogue_row catalogue[SP_CODE_COUNT] = {
    {SP_OK, "OK", SP_EXIT_OK, 0},
    {SP_ERECORDS, "ERECORDS", SP_EXIT_RECORDS, 0},
    {SP_EUSAGE, "EUSAGE", SP_EXIT_USAGE, 0},
    {SP_EJOB, "EJOB", SP_EXIT_USAGE, 0},
    {SP_EDB, "EDB", SP_EXIT_DB, 0},
    {SP_EHUBSPOT, "EHUBSPOT", SP_EXIT_HUBSPOT, 1},
    {SP_EAUTH, "EAUTH", SP_EXIT_HUBSPOT, 0},
    {SP_EDAILY, "EDAILY", SP_EXIT_HUBSPOT, 0},
    {SP_ELOCKED, "ELOCKED", SP_EXIT_LOCKED, 0},
    {SP_EIO, "EIO", SP_EXIT_INTERNAL, 0},
    {SP_ETOOLARGE, "ETOOLARGE", SP_EXIT_INTERNAL, 0},
    {SP_EDATA, "EDATA", SP_EXIT_RECORDS, 0},
    {SP_EINTERNAL, "EINTERNAL", SP_EXIT_INTERNAL, 0},
    {SP_ESTOPPED, "ESTOPPED", SP_EXIT_STOPPED, 0},
};

static const sp_exit_row exit_rows[] = {
    {SP_EXIT_OK, "success: every record was processed"},
    {SP_EXIT_RECORDS, "the run finished but some records failed (see `spetl errors JOB`)"},
    {SP_EXIT_USAGE, "bad command line or job file (nothing was read or written)"},
    {SP_EXIT_DB, "the database is unreachable or a statement failed"},
    {SP_EXIT_HUBSPOT, "HubSpot is unreachable, refused the token, or the daily limit is spent"},
    {SP_EXIT_LOCKED, "another run of this job holds the run lock"},
    {SP_EXIT_INTERNAL, "internal error: out of memory, a file could not be written, or a bug"},
    {SP_EXIT_STOPPED, "the run finished but a component stopped; the components that do not "
                      "depend on it ran, those that do were skipped (codes 2-6 win over 7, 7 over 1)"},
    {-1, NULL},
};

const sp_exit_row *sp_exit_table(void) { return exit_rows; }

static const catalogue_row *row_of(sp_code code)
{
    if ((int)code < 0 || code >= SP_CODE_COUNT)
        return &catalogue[SP_EINTERNAL];
    return &catalogue[code];
}

const char *sp_code_name(sp_code code) { return row_of(code)->name; }
int sp_code_exit(sp_code code) { return row_of(code)->exit_code; }
int sp_code_retryable(sp_code code) { return row_of(code)->retryable; }

void sp_err_clear(sp_err *e)
{
    memset(e, 0, sizeof(*e));
}

int sp_err_set_at(sp_err *e, const char *src_file, int src_line, sp_code code, const char *fmt, ...)
{
    va_list ap;

    sp_err_clear(e);
    e->code = code;
    e->src_file = src_file;
    e->src_line = src_line;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

void sp_err_prefix(sp_err *e, const char *fmt, ...)
{
    char head[SP_ERR_MSG_MAX];
    char joined[SP_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    snprintf(joined, sizeof(joined), "%s: %s", head, e->msg);
    memcpy(e->msg, joined, sizeof(e->msg));
}

static void fill(char *dst, size_t n, const char *src)
{
    if (dst[0] == '\0' && src != NULL)
        snprintf(dst, n, "%s", src);
}

void sp_err_at_input(sp_err *e, const char *file, int line, int col)
{
    if (e->file[0] != '\0')
        return;
    fill(e->file, sizeof(e->file), file);
    e->line = line;
    e->col = col;
}

void sp_err_record(sp_err *e, const char *component, const char *key)
{
    fill(e->component, sizeof(e->component), component);
    fill(e->key, sizeof(e->key), key);
}

void sp_err_sql(sp_err *e, const char *sqlstate, long native, const char *statement)
{
    if (e->sqlstate[0] == '\0' && sqlstate != NULL) {
        fill(e->sqlstate, sizeof(e->sqlstate), sqlstate);
        e->native = native;
    }
    fill(e->statement, sizeof(e->statement), statement);
}

void sp_err_http(sp_err *e, int status, const char *category, const char *correlation_id)
{
    if (e->http_status == 0)
        e->http_status = status;
    fill(e->category, sizeof(e->category), category);
    fill(e->correlation_id, sizeof(e->correlation_id), correlation_id);
}

/* Append to buf at *used, never past n; silently truncates. */
static void put(char *buf, size_t n, size_t *used, const char *fmt, ...)
    SP_PRINTF(4, 5);
static void put(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (*used >= n)
        return;
    va_start(ap, fmt);
    w = vsnprintf(buf + *used, n - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used += (size_t)w < n - *used ? (size_t)w : n - *used - 1;
}

const char *sp_err_format(const sp_err *e, char *buf, size_t n)
{
    size_t used = 0;
    int ctx = 0;

    if (n == 0)
        return buf;
    buf[0] = '\0';
    if (e->file[0] != '\0') {
        if (e->line > 0 && e->col > 0)
            put(buf, n, &used, "%s:%d:%d: ", e->file, e->line, e->col);
        else if (e->line > 0)
            put(buf, n, &used, "%s:%d: ", e->file, e->line);
        else
            put(buf, n, &used, "%s: ", e->file);
    }
    put(buf, n, &used, "%s", e->msg[0] != '\0' ? e->msg : sp_code_name(e->code));

#define CTX(cond, ...)                                   \
    do {                                                 \
        if (cond) {                                      \
            put(buf, n, &used, "%s", ctx++ ? " " : " ["); \
            put(buf, n, &used, __VA_ARGS__);             \
        }                                                \
    } while (0)
    CTX(e->component[0] != '\0', "component=%s", e->component);
    CTX(e->key[0] != '\0', "key=%s", e->key);
    CTX(e->sqlstate[0] != '\0', "sqlstate=%s native=%ld", e->sqlstate, e->native);
    CTX(e->http_status != 0, "http=%d", e->http_status);
    CTX(e->category[0] != '\0', "category=%s", e->category);
    CTX(e->correlation_id[0] != '\0', "correlationId=%s", e->correlation_id);
    CTX(e->statement[0] != '\0', "statement=\"%s\"", e->statement);
#undef CTX
    if (ctx)
        put(buf, n, &used, "]");
    sp_log_redact(buf);   /* every printed error: stderr, check's lines, the report */
    return buf;
}
