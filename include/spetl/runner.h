/*
 * runner.h -- one run of a job: the sequence around the components.
 *
 * sp_run_job(): load and check the job; refuse components this build does
 * not implement (before anything is touched); connect to the database and
 * check spetl's tables are there; connect to HubSpot and learn the hub id
 * (refusing a token of another hub than the job's hub-id); take the hub's run
 * lock; prune old history; run each selected component in the fixed order
 * with a history row each; release the lock; write the JSON report when
 * asked; when the job has <email-on-error> and the run did not succeed, send
 * its one e-mail (include/spetl/mail.h: a mail that cannot be sent is logged
 * and changes neither the exit code nor the history). A dry run takes no
 * lock, writes nothing anywhere and sends nothing.
 *
 * A component that fails "stops": its status is "stopped" and the run goes
 * on with the components that do not depend on it (sp_run_depends_on);
 * those that do are "skipped". The run as a whole stops (the rest "not-run")
 * when the failure would stop every component after it: HubSpot refused the
 * token or a scope (401/403), the daily limit is spent, the run lock was
 * lost, an internal error, or a database error after which the database no
 * longer answers. Exit code: that failure's code; else 7 when a component
 * stopped; else 1 when records failed; else 0.
 *
 * Also the connections the other commands share (check, setup-hubspot).
 * All return 0 / -1 with sp_err; the exit code follows from e->code.
 */
#ifndef SPETL_RUNNER_H
#define SPETL_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/hubspot.h"
#include "spetl/job.h"

/* A record to run a component for (`spetl errors --retry`). */
typedef struct sp_run_key {
    const char *component;           /* its name, e.g. "customer-export" */
    const char *key;                 /* as --key takes it: "AARONFIT0001" */
} sp_run_key;

typedef struct sp_run_opts {
    int dry_run;
    const char *key;                 /* one record, or NULL */
    int64_t since_ms;                /* --since: the imports read from here, state kept; 0: none */
    const char *const *only;         /* component names given on the command line */
    int nonly;
    const char *report_path;         /* JSON report: a file, "-" for stdout, NULL for none */
    long lock_stale_ms;              /* 0: 15 minutes */
    const sp_run_key *keys;          /* a retry: each component runs once per key of */
    int nkeys;                       /* its own (one lock, one history row each) */
    int progress;                    /* a progress line on stderr (a terminal) */
} sp_run_opts;

int sp_run_job(const char *job_path, const sp_run_opts *o, sp_err *e);

/* The components kind needs to have finished in this run (a mask of
 * 1u << sp_job_component_kind); one not selected for the run does not count. */
unsigned sp_run_depends_on(sp_job_component_kind kind);

/* Open the job's database (errors point at the job's <database> element; a
 * dialect="..." that does not match the server is refused; a SQLite file
 * that does not exist is an error naming the path, never created). */
int sp_open_job_db(const sp_job *job, sp_db **out, sp_err *e);

/* A HubSpot client configured from the job's <hubspot> settings. */
int sp_open_hubspot(const sp_job *job, sp_hs_client **out, sp_err *e);

/* The hub id of the token (account details), checked against the job's
 * hub-id when it has one; written into hub (>= 32 bytes). */
int sp_resolve_hub(sp_hs_client *hs, const sp_job *job, char *hub, size_t n, sp_err *e);

#endif
