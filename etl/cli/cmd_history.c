/* cmd_history.c -- `spetl history JOB` and `spetl errors JOB`: what the runs
 * did, and the records that failed (the Action Center), read from the job's
 * database. No token and no network needed: a DBA reads them anywhere.
 * The job's hub-id narrows them to that hub; without one, every hub whose
 * runs use this database is shown. --limit N (default 50 / 200). */
#include <inttypes.h>
#include <stdio.h>

#include "spetl/cli.h"
#include "spetl/clock.h"
#include "spetl/runner.h"
#include "spetl/state.h"

static int open_for_reading(const sp_cli *cli, sp_job **job, sp_db **db, char *hub, size_t n,
                            sp_err *e)
{
    sp_job_load_opts opts = {0};

    opts.skip_secrets = 1;
    if (sp_job_load(cli->job_path, &opts, job, e) != 0 || sp_open_job_db(*job, db, e) != 0)
        return -1;
    if ((*job)->hub_id != 0)
        snprintf(hub, n, "%" PRIu64, (*job)->hub_id);
    return 0;
}

static int print_history(const sp_history_row *r, void *ctx)
{
    char started[32], took[32] = "running";

    (void)ctx;
    sp_time_iso8601(r->started_on, started, sizeof(started));
    if (r->finished_on > 0)
        snprintf(took, sizeof(took), "%.1fs", (double)(r->finished_on - r->started_on) / 1000.0);
    printf("%-24s %-10s %-24s %-14s %8s %7lld %7lld %7lld %7lld %9lld %7lld %6lld  %s\n", started,
           r->hub, r->component, r->status, took, (long long)r->counts.read,
           (long long)r->counts.created, (long long)r->counts.updated,
           (long long)r->counts.linked, (long long)r->counts.unchanged,
           (long long)r->counts.skipped, (long long)r->counts.failed, r->message);
    return 0;
}

int sp_cmd_history(const sp_cli *cli, sp_err *e)
{
    sp_job *job = NULL;
    sp_db *db = NULL;
    char hub[32] = "";
    int rc = -1;

    if (open_for_reading(cli, &job, &db, hub, sizeof(hub), e) != 0)
        goto done;
    printf("%-24s %-10s %-24s %-14s %8s %7s %7s %7s %7s %9s %7s %6s  %s\n", "STARTED (UTC)", "HUB",
           "COMPONENT", "STATUS", "TOOK", "READ", "CREATED", "UPDATED", "LINKED", "UNCHANGED",
           "SKIPPED", "FAILED", "MESSAGE");
    if (sp_history_list(db, hub[0] ? hub : NULL, cli->limit > 0 ? cli->limit : 50, print_history,
                        NULL, e) != 0)
        goto done;
    rc = 0;
done:
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}

static int print_action(const sp_action *a, void *ctx)
{
    char when[32];
    int *count = ctx;

    sp_time_iso8601(a->created_on, when, sizeof(when));
    printf("%s hub=%s run=%s %s %s %s: %s", when, a->hub, a->run_id, a->component, a->entity_type,
           a->entity_key, a->message);
    if (a->category[0] != '\0' || a->http_status != 0 || a->correlation_id[0] != '\0')
        printf(" [category=%s http=%d correlationId=%s]", a->category, a->http_status,
               a->correlation_id);
    printf("\n");
    (*count)++;
    return 0;
}

int sp_cmd_errors(const sp_cli *cli, sp_err *e)
{
    sp_job *job = NULL;
    sp_db *db = NULL;
    char hub[32] = "";
    int count = 0, rc = -1;

    if (open_for_reading(cli, &job, &db, hub, sizeof(hub), e) != 0)
        goto done;
    if (sp_action_list(db, hub[0] ? hub : NULL, cli->limit > 0 ? cli->limit : 200, print_action,
                       &count, e) != 0)
        goto done;
    if (count == 0)
        printf("%s: no unresolved errors\n", cli->job_path);
    rc = 0;
done:
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}
