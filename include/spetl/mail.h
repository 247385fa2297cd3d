/*
 * mail.h -- the e-mail a run sends when it ends with errors (<email-on-error>).
 *
 * One message per run whose outcome is not success (records failed, a
 * component stopped, the run stopped), never for a dry run. It names the
 * job, the hub, the run id and the outcome, each component with its status
 * and counts, the first max-records failed records of the run (key,
 * category, message, correlation id) and the command that lists them all.
 *
 * sp_mail_build() writes the whole RFC 5322 message (headers and a
 * text/plain UTF-8 body, CRLF line ends, no line over 998 bytes) and passes
 * every text through the log redactor, so a token or password that a record's
 * error message happens to hold never leaves the machine. sp_mail_send()
 * hands it to the server over SMTP (libcurl: smtp:// with STARTTLS as the job
 * says, or smtps://; AUTH with the job's user and password; the server's
 * certificate always verified, against ca-bundle when given).
 * sp_mail_run_failed() does both for the runner: it reads the run's failed
 * records from the Action Center, sends, and logs a failure as one error
 * line; it never fails the run.
 *
 * Seam: etl/mail/ and etl/hubspot/ are the only callers of libcurl.
 * Errors: 0 / -1 with sp_err (SP_EIO: the server could not be reached or
 * refused the message; the message names the server, curl's error and the
 * SMTP reply code). Memory: the caller owns every buffer; nothing is kept.
 */
#ifndef SPETL_MAIL_H
#define SPETL_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "spetl/buf.h"
#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/job.h"
#include "spetl/state.h"

/* One component of the run, as the runner ended it. */
typedef struct sp_mail_component {
    const char *name;
    const char *status;          /* ok, failed-records, stopped, skipped, not-run */
    const char *message;         /* "" when none */
    sp_counts counts;
} sp_mail_component;

/* What the message tells. */
typedef struct sp_mail_report {
    const char *job_name;
    const char *job_path;        /* for the `spetl errors JOB` command */
    const char *hub;             /* "" when the run stopped before it was known */
    const char *run_id;
    int exit_code;
    const char *outcome;         /* the run's error line; "" when none */
    int64_t started_ms, finished_ms;
    const sp_mail_component *comps;
    size_t ncomps;
    const sp_action *records;    /* the first failed records of the run */
    size_t nrecords;
    int64_t nfailed;             /* records failed in all (the components' counts) */
} sp_mail_report;

/* The whole message into out (reset first). now_ms dates it. */
int sp_mail_build(const sp_job_email *m, const sp_mail_report *r, int64_t now_ms, sp_buf *out,
                  sp_err *e);

/* Send a message built by sp_mail_build() to m's recipients. */
int sp_mail_send(const sp_job_email *m, const char *message, sp_err *e);

/* For the runner, at the end of a run that did not succeed: when the job has
 * an enabled <email-on-error>, read up to max-records failed records of
 * run_id from the Action Center (db may be NULL: none), build and send the
 * message. A failure is logged as one error line; nothing is returned. */
void sp_mail_run_failed(const sp_job *job, sp_db *db, sp_mail_report *r);

#endif
