/* cmd_history.c -- `spetl history JOB` and `spetl errors JOB`: what the runs
 * did, and the records that failed (the Action Center), read from the job's
 * database. No token and no network needed: a DBA reads them anywhere.
 * The job's hub-id narrows them to that hub; without one, every hub whose
 * runs use this database is shown. --limit N (default 50 / 200); --json
 * prints one JSON document (field names in README.md).
 *
 * `errors --retry (--key K | --all)` runs each failed record's component
 * again for that record (one run: one lock, the runner's sequence and
 * counts); `errors --dismiss (--key K | --all)` closes the rows, recording
 * the OS user and the time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_json.h"
#include "spetl/cli.h"
#include "spetl/clock.h"
#include "spetl/component.h"
#include "spetl/mem.h"
#include "spetl/platform.h"
#include "spetl/runner.h"
#include "spetl/state.h"

#define RETRY_MAX 100000

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

static void json_counts(cli_json *j, const sp_counts *c)
{
    cli_json_obj(j, "counts");
    cli_json_int(j, "read", c->read);
    cli_json_int(j, "created", c->created);
    cli_json_int(j, "updated", c->updated);
    cli_json_int(j, "linked", c->linked);
    cli_json_int(j, "unchanged", c->unchanged);
    cli_json_int(j, "skipped", c->skipped);
    cli_json_int(j, "failed", c->failed);
    cli_json_end(j, '}');
}

static int json_history(const sp_history_row *r, void *ctx)
{
    cli_json *j = ctx;

    cli_json_obj(j, NULL);
    cli_json_str(j, "run_id", r->run_id);
    cli_json_str(j, "hub", r->hub);
    cli_json_str(j, "job", r->job);
    cli_json_str(j, "component", r->component);
    cli_json_str(j, "status", r->status);
    cli_json_time(j, "started", r->started_on);
    cli_json_time(j, "finished", r->finished_on);
    json_counts(j, &r->counts);
    cli_json_str(j, "message", r->message);
    cli_json_end(j, '}');
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
    cli_json j;
    int rc = -1;

    if (open_for_reading(cli, &job, &db, hub, sizeof(hub), e) != 0)
        goto done;
    cli_json_init(&j, stdout);
    if (cli->json) {
        cli_json_obj(&j, NULL);
        cli_json_arr(&j, "history");
    } else {
        printf("%-24s %-10s %-24s %-14s %8s %7s %7s %7s %7s %9s %7s %6s  %s\n", "STARTED (UTC)",
               "HUB", "COMPONENT", "STATUS", "TOOK", "READ", "CREATED", "UPDATED", "LINKED",
               "UNCHANGED", "SKIPPED", "FAILED", "MESSAGE");
    }
    if (sp_history_list(db, hub[0] ? hub : NULL, cli->limit > 0 ? cli->limit : 50,
                        cli->json ? json_history : print_history, &j, e) != 0)
        goto done;
    if (cli->json) {
        cli_json_end(&j, ']');
        cli_json_end(&j, '}');
    }
    rc = 0;
done:
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}

typedef struct actions {
    cli_json j;
    int count;
    int json;
} actions;

static int print_action(const sp_action *a, void *ctx)
{
    actions *x = ctx;
    char when[32];

    x->count++;
    if (x->json) {
        cli_json_obj(&x->j, NULL);
        cli_json_int(&x->j, "error_id", a->error_id);
        cli_json_str(&x->j, "hub", a->hub);
        cli_json_str(&x->j, "run_id", a->run_id);
        cli_json_str(&x->j, "component", a->component);
        cli_json_str(&x->j, "entity_type", a->entity_type);
        cli_json_str(&x->j, "entity_key", a->entity_key);
        cli_json_str(&x->j, "category", a->category);
        cli_json_str(&x->j, "message", a->message);
        cli_json_int(&x->j, "http_status", a->http_status);
        cli_json_str(&x->j, "correlation_id", a->correlation_id);
        cli_json_time(&x->j, "created", a->created_on);
        cli_json_end(&x->j, '}');
        return 0;
    }
    sp_time_iso8601(a->created_on, when, sizeof(when));
    printf("%s hub=%s run=%s %s %s %s: %s", when, a->hub, a->run_id, a->component, a->entity_type,
           a->entity_key, a->message);
    if (a->category[0] != '\0' || a->http_status != 0 || a->correlation_id[0] != '\0')
        printf(" [category=%s http=%d correlationId=%s]", a->category, a->http_status,
               a->correlation_id);
    printf("\n");
    return 0;
}

/* The OS user a dismissal is recorded under. */
static const char *os_user(char *buf, size_t n)
{
    return sp_os_user_name(buf, n);
}

static int dismiss(const sp_cli *cli, sp_db *db, const char *hub, sp_err *e)
{
    char who[128];
    int64_t n = 0;

    if (sp_action_dismiss(db, hub, cli->all ? NULL : cli->key, os_user(who, sizeof(who)), &n,
                          e) != 0)
        return -1;
    printf("%s: %lld Action Center row%s dismissed by %s\n", cli->job_path, (long long)n,
           n == 1 ? "" : "s", who);
    return 0;
}

/* The records a retry runs: (component, key) once each. */
typedef struct retry_set {
    const sp_job *job;
    sp_run_key *keys;
    int n;
    size_t cap;
    const char *comps[SP_COMP_COUNT];
    int ncomps;
    int skipped;
} retry_set;

static int collect_retry(const sp_action *a, void *ctx)
{
    retry_set *r = ctx;
    char key[sizeof(a->entity_key)];
    int k = sp_job_component_parse(a->component), c;

    /* an address's row names "CUSTOMER|ADDRESS": its component runs by the customer */
    snprintf(key, sizeof(key), "%.*s", (int)strcspn(a->entity_key, "|"), a->entity_key);
    if (key[0] == '\0' || k < 0 || r->job->components[k] == NULL ||
        !r->job->components[k]->enabled || sp_component_impl((sp_job_component_kind)k) == NULL) {
        printf("not retried: %s %s of %s (%s)\n", a->entity_type, a->entity_key, a->component,
               key[0] == '\0' ? "no record key" : "the component is not enabled in this job");
        r->skipped++;
        return 0;
    }
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->keys[i].key, key) == 0 && strcmp(r->keys[i].component, a->component) == 0)
            return 0;
    r->keys = sp_xgrow(r->keys, (size_t)r->n, &r->cap, sizeof(r->keys[0]), 64);
    r->keys[r->n].component = r->job->components[k]->name;
    r->keys[r->n].key = sp_xstrdup(key);
    r->n++;
    for (c = 0; c < r->ncomps; c++)
        if (strcmp(r->comps[c], a->component) == 0)
            break;
    if (c == r->ncomps)
        r->comps[r->ncomps++] = r->job->components[k]->name;
    return 0;
}

/* Run each chosen record's component for it, in one run of the job. */
static int retry(const sp_cli *cli, sp_job **job, sp_db **db, const char *hub, sp_err *e)
{
    retry_set r;
    sp_run_opts o = {0};
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.job = *job;
    if (sp_action_list_key(*db, hub, cli->all ? NULL : cli->key, RETRY_MAX, collect_retry, &r,
                           e) != 0)
        goto done;
    sp_db_close(*db);
    *db = NULL;
    if (r.n == 0) {
        printf("%s: nothing to retry\n", cli->job_path);
        rc = r.skipped > 0 ? SP_ERR(e, SP_EUSAGE, "%d failed record%s cannot be retried (above)",
                                    r.skipped, r.skipped == 1 ? "" : "s") : 0;
        goto done;
    }
    printf("%s: retrying %d record%s (%d component%s)\n", cli->job_path, r.n, r.n == 1 ? "" : "s",
           r.ncomps, r.ncomps == 1 ? "" : "s");
    fflush(stdout);
    o.only = r.comps;
    o.nonly = r.ncomps;
    o.keys = r.keys;
    o.nkeys = r.n;
    o.report_path = cli->report_path;
    o.progress = cli->progress;
    o.dry_run = cli->dry_run;   /* shows what the retry would send */
    rc = sp_run_job(cli->job_path, &o, e);   /* component names point into *job: free after */
done:
    for (int i = 0; i < r.n; i++)
        free((void *)r.keys[i].key);
    free(r.keys);
    return rc;
}

int sp_cmd_errors(const sp_cli *cli, sp_err *e)
{
    sp_job *job = NULL;
    sp_db *db = NULL;
    char hub[32] = "";
    actions x;
    int rc = -1;

    memset(&x, 0, sizeof(x));
    if ((cli->retry || cli->dismiss) && (cli->retry == cli->dismiss || !cli->all == !cli->key))
        return SP_ERR(e, SP_EUSAGE, "errors: --retry or --dismiss, with --key KEY or --all");
    if ((cli->dry_run || cli->report_path != NULL) && !cli->retry)   /* --dismiss --dry-run would dismiss */
        return SP_ERR(e, SP_EUSAGE, "errors: %s goes with --retry", cli->dry_run ? "--dry-run" : "--report");
    if ((cli->retry || cli->dismiss) && (cli->json || cli->limit > 0))
        return SP_ERR(e, SP_EUSAGE, "errors %s does not take %s", cli->retry ? "--retry" : "--dismiss",
                      cli->json ? "--json" : "--limit");
    if (cli->all && !cli->retry && !cli->dismiss)
        return SP_ERR(e, SP_EUSAGE, "errors: --all goes with --retry or --dismiss");
    if (open_for_reading(cli, &job, &db, hub, sizeof(hub), e) != 0)
        goto done;
    if (cli->dismiss) {
        rc = dismiss(cli, db, hub[0] ? hub : NULL, e);
        goto done;
    }
    if (cli->retry) {
        rc = retry(cli, &job, &db, hub[0] ? hub : NULL, e);
        goto done;
    }
    x.json = cli->json;
    cli_json_init(&x.j, stdout);
    if (x.json) {
        cli_json_obj(&x.j, NULL);
        cli_json_arr(&x.j, "errors");
    }
    if (sp_action_list_key(db, hub[0] ? hub : NULL, cli->key, cli->limit > 0 ? cli->limit : 200,
                           print_action, &x, e) != 0)
        goto done;
    if (x.json) {
        cli_json_end(&x.j, ']');
        cli_json_end(&x.j, '}');
    } else if (x.count == 0) {
        printf("%s: no unresolved errors\n", cli->job_path);
    }
    rc = 0;
done:
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}
