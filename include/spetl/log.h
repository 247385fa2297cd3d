/*
 * log.h -- single structured lines on stderr, secrets redacted.
 *
 * Each line is logfmt: time=2026-11-27T05:30:00.123Z level=info run=R job=J
 * comp=C msg="..." (comp and the run/job fields appear once they are known).
 * The level is checked before anything is formatted. Any text registered with
 * sp_log_secret() (a token, a password) is replaced by <redacted> in every
 * line, every copy of it, wherever it appears; the message is redacted as
 * written, before it is quoted, so a secret holding '"' or '\' is caught.
 * Secrets of any length and any number are kept (until sp_log_reset()); one
 * shorter than "<redacted>" is masked with one '*' per byte, so every copy
 * of a one-character password becomes '*' (such a log is hard to read; the
 * remedy is a longer password). The same redaction applies to the --report
 * file, run history, Action Center messages and the job loader's messages.
 */
#ifndef SPETL_LOG_H
#define SPETL_LOG_H

#include <stdarg.h>
#include <stdio.h>

#include "spetl/platform.h"

typedef enum sp_log_level {
    SP_LOG_ERROR = 0,
    SP_LOG_WARN,
    SP_LOG_INFO,
    SP_LOG_DEBUG,
    SP_LOG_TRACE
} sp_log_level;

void sp_log_set_level(sp_log_level level);
sp_log_level sp_log_get_level(void);
/* "error", "warn", "info", "debug", "trace"; -1 when unknown. */
int sp_log_parse_level(const char *name);
void sp_log_set_stream(FILE *f);            /* default stderr; tests capture */
void sp_log_set_context(const char *run_id, const char *job);
void sp_log_secret(const char *secret);     /* remembered until sp_log_reset() */
void sp_log_reset(void);                    /* forget context and secrets */
int sp_log_enabled(sp_log_level level);
/* Called around every line sp_log() writes (NULL: none): a progress line on
 * the same terminal erases itself in before (progress.h). */
void sp_log_set_hooks(void (*before)(void *ud), void (*after)(void *ud), void *ud);

void sp_log(sp_log_level level, const char *comp, const char *fmt, ...)
    SP_PRINTF(3, 4);
void sp_vlog(sp_log_level level, const char *comp, const char *fmt, va_list ap);

/* Replace every copy of every registered secret in s (in place, never
 * longer), the longest secrets first. */
void sp_log_redact(char *s);

#define SP_ERROR(comp, ...) sp_log(SP_LOG_ERROR, (comp), __VA_ARGS__)
#define SP_WARN(comp, ...) sp_log(SP_LOG_WARN, (comp), __VA_ARGS__)
#define SP_INFO(comp, ...) sp_log(SP_LOG_INFO, (comp), __VA_ARGS__)
#define SP_DEBUG(comp, ...) sp_log(SP_LOG_DEBUG, (comp), __VA_ARGS__)

#endif
