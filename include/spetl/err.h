/*
 * err.h -- the one error type of spetl.
 *
 * Every fallible function returns int: 0 on success, -1 on failure, and fills
 * the sp_err the caller owns (never NULL). The error carries a code from the
 * catalogue in err.c (which also maps codes to process exit codes) and the
 * context that points a person at the cause: job file:line:col, component,
 * record key, SQLSTATE/native code/statement, HTTP status, HubSpot
 * correlation id, and the C source location that raised it.
 *
 * Set an error with SP_ERR(e, code, fmt, ...) where the failure happens, add
 * context on the way up with the sp_err_*() setters (which never overwrite a
 * context field already set closer to the cause), print it once at the top
 * with sp_err_format(). An sp_err holds no heap memory: copy it by value.
 */
#ifndef SPETL_ERR_H
#define SPETL_ERR_H

#include <stddef.h>

#include "spetl/platform.h"

typedef enum sp_code {
    SP_OK = 0,
    SP_ERECORDS,    /* the run finished, some records failed (Action Center) */
    SP_EUSAGE,      /* bad command line */
    SP_EJOB,        /* bad job file or setting */
    SP_EDB,         /* database unreachable or a statement failed */
    SP_EHUBSPOT,    /* HubSpot unreachable, or kept failing after retries */
    SP_EAUTH,       /* HubSpot refused the token (401) or a scope (403) */
    SP_EDAILY,      /* HubSpot's daily request limit is spent */
    SP_ELOCKED,     /* another run of this job holds the run lock */
    SP_EIO,         /* a file or process could not be read or written */
    SP_ETOOLARGE,   /* a value or response exceeded its bound */
    SP_EDATA,       /* one record is bad (mapping, hook, HubSpot refusal) */
    SP_EINTERNAL,   /* a bug or an unexpected state in spetl itself */
    SP_ESTOPPED,    /* the run finished, but a component stopped (and those that
                       depend on it were skipped) */
    SP_CODE_COUNT
} sp_code;

/* Process exit codes: the same meaning in every command. When a run has
 * several outcomes the exit code is the first that applies of: 2..6 (the run
 * stopped as a whole), 7 (a component stopped, the others ran), 1 (records
 * failed), 0. */
enum {
    SP_EXIT_OK = 0,
    SP_EXIT_RECORDS = 1,
    SP_EXIT_USAGE = 2,
    SP_EXIT_DB = 3,
    SP_EXIT_HUBSPOT = 4,
    SP_EXIT_LOCKED = 5,
    SP_EXIT_INTERNAL = 6,
    SP_EXIT_STOPPED = 7
};

#define SP_ERR_MSG_MAX 1024

typedef struct sp_err {
    sp_code code;
    char msg[SP_ERR_MSG_MAX];
    /* input position (job file) */
    char file[256];
    int line, col;
    /* record context */
    char component[48];
    char key[128];
    /* database */
    char sqlstate[6];
    long native;
    char statement[256];
    /* HubSpot */
    int http_status;
    char category[48];
    char correlation_id[64];
    /* where in spetl it was raised */
    const char *src_file;
    int src_line;
} sp_err;

/* Reset to "no error". */
void sp_err_clear(sp_err *e);

/* Set code and message (printf-style); always returns -1 so callers can
 * `return SP_ERR(...)` or `rc = SP_ERR(...)`. Clears any earlier context. */
int sp_err_set_at(sp_err *e, const char *src_file, int src_line, sp_code code,
                  const char *fmt, ...) SP_PRINTF(5, 6);
#define SP_ERR(e, code, ...) sp_err_set_at((e), __FILE__, __LINE__, (code), __VA_ARGS__)

/* Prefix the message with "what: " to say what was being done, keeping the
 * cause's text: "reading RM00101: SQLSTATE ..." */
void sp_err_prefix(sp_err *e, const char *fmt, ...) SP_PRINTF(2, 3);

/* Context setters: each fills its fields only when they are still empty. */
void sp_err_at_input(sp_err *e, const char *file, int line, int col);
void sp_err_record(sp_err *e, const char *component, const char *key);
void sp_err_sql(sp_err *e, const char *sqlstate, long native, const char *statement);
void sp_err_http(sp_err *e, int status, const char *category, const char *correlation_id);

/* One line for a person: "FILE:LINE:COL: message" when the input position is
 * known, otherwise "message", followed by the context that is set:
 * " [component=... key=... sqlstate=... native=... http=... category=...
 * correlationId=... statement=\"...\"]". Returns buf. */
const char *sp_err_format(const sp_err *e, char *buf, size_t n);

/* Catalogue look-ups. */
const char *sp_code_name(sp_code code);   /* "EDB" ... */
int sp_code_exit(sp_code code);           /* SP_EXIT_* */
int sp_code_retryable(sp_code code);      /* 1 when a later attempt may succeed */

/* The exit code table, for --help and the README: rows end with {-1, NULL}. */
typedef struct sp_exit_row {
    int exit_code;
    const char *meaning;
} sp_exit_row;
const sp_exit_row *sp_exit_table(void);

#endif
