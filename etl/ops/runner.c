/* runner.c -- one run of a job (see include/spetl/runner.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/component.h"
#include "spetl/json.h"
#include "spetl/log.h"
#include "spetl/mail.h"
#include "spetl/runner.h"
#include "spetl/platform.h"
#include "spetl/progress.h"
#include "spetl/setup.h"
#include "spetl/state.h"
#include "spetl/version.h"

#define LOCK_STALE_DEFAULT_MS (15L * 60 * 1000)
#define REPORT_MAX (1024 * 1024)

typedef struct comp_run {
    const sp_job_component *comp;
    sp_counts counts;
    char status[16];
    char message[512];
    int64_t started_on, finished_on;
} comp_run;

/* The components to run, in run order: those named on the command line, or
 * every enabled one. Refuse names that are unknown, absent, disabled, or not
 * implemented in this build. */
static int select_components(const sp_job *job, const sp_run_opts *o, comp_run *out, int *n,
                             sp_err *e)
{
    const sp_job_component *on[SP_COMP_COUNT];
    int want[SP_COMP_COUNT] = {0};
    size_t nenabled;

    *n = 0;
    for (int i = 0; i < o->nonly; i++) {
        int k = sp_job_component_parse(o->only[i]);
        const sp_job_component *c;
        if (k < 0)
            return SP_ERR(e, SP_EUSAGE,
                          "unknown component '%s' (components: company-link, "
                          "company-customer-import, company-prospect-import, customer-export, "
                          "customer-updates-export, prospect-updates-export, product-export, "
                          "deal-export)",
                          o->only[i]);
        c = job->components[k];
        if (c == NULL)
            return SP_ERR(e, SP_EUSAGE, "%s has no <%s> component to run", job->path, o->only[i]);
        if (!c->enabled) {
            SP_ERR(e, SP_EJOB, "%s is disabled in the job (enabled=\"false\"); enable it to run it",
                   c->name);
            sp_err_at_input(e, job->path, c->pos.line, c->pos.col);
            return -1;
        }
        want[k] = 1;
    }
    nenabled = sp_job_enabled_components(job, on, SP_COMP_COUNT);
    for (size_t i = 0; i < nenabled; i++) {
        if (o->nonly > 0 && !want[on[i]->kind])
            continue;
        if (sp_component_impl(on[i]->kind) == NULL)   /* every kind is built: a bug */
            return SP_ERR(e, SP_EINTERNAL, "no implementation of %s in the registry", on[i]->name);
        memset(&out[*n], 0, sizeof(out[*n]));
        out[*n].comp = on[i];
        snprintf(out[*n].status, sizeof(out[*n].status), "not-run");
        (*n)++;
    }
    return 0;
}

static int check_tables(sp_db *db, const sp_job *job, sp_err *e)
{
    static const char *const tables[] = {"spAAIntegratedEntityLink", "spAAComponentState",
                                         "spAARunHistory", "spAAActionCenter", "spAARunLock"};
    int exists;

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (sp_db_table_exists(db, tables[i], &exists, e) != 0)
            return -1;
        if (!exists)
            return SP_ERR(e, SP_EDB,
                          "spetl's table %s is missing in this database: run `spetl init-db %s` "
                          "first",
                          tables[i], job->path);
    }
    return 0;
}

/* A string member, redacted: no registered secret reaches the report. */
static void report_str(sp_json *w, const char *key, const char *value)
{
    char *copy;

    if (value == NULL) {
        sp_json_null(w, key);
        return;
    }
    copy = sp_xstrdup(value);
    sp_log_redact(copy);
    sp_json_string(w, key, copy);
    free(copy);
}

static void report_counts(sp_json *w, const sp_counts *c)
{
    sp_json_object(w, "counts");
    sp_json_int(w, "read", c->read);
    sp_json_int(w, "created", c->created);
    sp_json_int(w, "updated", c->updated);
    sp_json_int(w, "linked", c->linked);
    sp_json_int(w, "unchanged", c->unchanged);
    sp_json_int(w, "skipped", c->skipped);
    sp_json_int(w, "failed", c->failed);
    sp_json_end(w);
}

static void report_component(sp_json *w, const comp_run *r)
{
    char s[32], f[32];

    sp_json_object(w, NULL);
    report_str(w, "component", r->comp->name);
    report_str(w, "status", r->status);
    report_counts(w, &r->counts);
    report_str(w, "message", r->message);
    report_str(w, "started", r->started_on ? sp_time_iso8601(r->started_on, s, sizeof(s)) : "");
    report_str(w, "finished", r->finished_on ? sp_time_iso8601(r->finished_on, f, sizeof(f)) : "");
    sp_json_end(w);
}

static int write_report(const char *path, const sp_job *job, const char *run_id, const char *hub,
                        const sp_run_opts *o, const comp_run *runs, int n, int64_t started,
                        const sp_err *outcome, sp_err *e)
{
    char t1[32], t2[32], line[1024];
    sp_buf b;
    sp_json w;
    FILE *f = NULL;
    int rc = -1;

    sp_buf_init(&b, REPORT_MAX);
    sp_json_init(&w, &b, 2);
    sp_json_object(&w, NULL);
    report_str(&w, "spetl", SPETL_VERSION);
    report_str(&w, "run_id", run_id);
    report_str(&w, "job", job->name);
    report_str(&w, "hub", hub);
    sp_json_bool(&w, "dry_run", o->dry_run);
    report_str(&w, "key", o->key);
    report_str(&w, "started", sp_time_iso8601(started, t1, sizeof(t1)));
    report_str(&w, "finished", sp_time_iso8601(sp_clock_wall_ms(), t2, sizeof(t2)));
    sp_json_int(&w, "exit_code", sp_code_exit(outcome->code));
    report_str(&w, "error", outcome->code == SP_OK ? "" : sp_err_format(outcome, line, sizeof(line)));
    sp_json_array(&w, "components");
    for (int i = 0; i < n; i++)
        report_component(&w, &runs[i]);
    sp_json_end(&w);
    sp_json_end(&w);
    sp_buf_puts(&b, "\n", e);
    if (sp_json_finish(&w, e) != 0) {
        sp_err_prefix(e, "building the run report");
        goto done;
    }
    f = strcmp(path, "-") == 0 ? stdout : sp_os_fopen(path, "w");
    if (f == NULL || fwrite(b.data, 1, b.len, f) != b.len || fflush(f) != 0 ||
        (f != stdout && fclose(f) != 0)) {
        if (f != NULL && f != stdout)
            fclose(f);
        SP_ERR(e, SP_EIO, "cannot write the run report to %s", path);
        goto done;
    }
    rc = 0;
done:
    sp_buf_free(&b);
    return rc;
}

static void finish_component(sp_db *db, const char *hub, const char *run_id, comp_run *r,
                             int dry_run)
{
    sp_err e2;
    char line[1024];

    r->finished_on = sp_clock_wall_ms();
    SP_INFO(r->comp->name,
            "%s: read=%lld created=%lld updated=%lld linked=%lld unchanged=%lld skipped=%lld "
            "failed=%lld in %.1f s",
            r->status, (long long)r->counts.read, (long long)r->counts.created,
            (long long)r->counts.updated, (long long)r->counts.linked,
            (long long)r->counts.unchanged, (long long)r->counts.skipped,
            (long long)r->counts.failed, (double)(r->finished_on - r->started_on) / 1000.0);
    if (dry_run)
        return;
    sp_err_clear(&e2);
    if (sp_history_finish(db, hub, run_id, r->comp->name, r->status, &r->counts, r->message,
                          &e2) != 0)
        SP_WARN(r->comp->name, "%s", sp_err_format(&e2, line, sizeof(line)));
}

/* What a component needs to have finished in this run before it may run.
 * A component whose dependency stopped (or was skipped) is skipped: running
 * it would do something wrong, not merely less. company-link first: without
 * its matches the imports would create GP customers, and customer-export
 * HubSpot companies, that already exist on the other side. deal-export last:
 * its deals associate the companies of customer-export and its line items
 * the products of product-export. The updates exports touch only records
 * that are linked already (by this run or an earlier one), and
 * product-export depends on nothing: they run whatever stopped before them.
 * Only components selected for this run count. */
static const unsigned depends_on[SP_COMP_COUNT] = {
    [SP_COMP_COMPANY_LINK] = 0,
    [SP_COMP_CUSTOMER_IMPORT] = 1u << SP_COMP_COMPANY_LINK,
    [SP_COMP_PROSPECT_IMPORT] = 1u << SP_COMP_COMPANY_LINK,
    [SP_COMP_CUSTOMER_EXPORT] = 1u << SP_COMP_COMPANY_LINK,
    [SP_COMP_CUSTOMER_UPDATES] = 0,
    [SP_COMP_PROSPECT_UPDATES] = 0,
    [SP_COMP_PRODUCT_EXPORT] = 0,
    [SP_COMP_DEAL_EXPORT] = (1u << SP_COMP_CUSTOMER_EXPORT) | (1u << SP_COMP_PRODUCT_EXPORT),
};

unsigned sp_run_depends_on(sp_job_component_kind kind)
{
    return (int)kind >= 0 && kind < SP_COMP_COUNT ? depends_on[kind] : 0;
}

/* 1 when a component's failure stops the whole run: the components after it
 * would fail the same way (HubSpot refused the token or a scope, the daily
 * limit is spent, the run lock is lost, spetl itself is broken, the database
 * no longer answers). Anything else -- a request HubSpot refused, a reply
 * that made no sense, a statement that failed on a database that still
 * answers -- stops that component only. */
static int stops_the_run(sp_db *db, const sp_err *e)
{
    sp_err probe;
    int exists;

    switch (e->code) {
    case SP_EAUTH:
    case SP_EDAILY:
    case SP_ELOCKED:
    case SP_EINTERNAL:
        return 1;
    case SP_EDB:
        sp_err_clear(&probe);
        return sp_db_table_exists(db, "spAARunLock", &exists, &probe) != 0;
    default:
        return 0;
    }
}

/* Record a component skipped because blocked (a mask of kinds) did not finish. */
static void skip_component(sp_db *db, const sp_job *job, const char *hub, const char *run_id,
                           comp_run *r, const comp_run *runs, int n, unsigned blocked, int dry_run)
{
    sp_err e2;
    char line[1024];

    for (int k = 0; k < n; k++) {
        if (!(blocked & (1u << runs[k].comp->kind)))
            continue;
        snprintf(r->message, sizeof(r->message), "skipped: %s %s", runs[k].comp->name,
                 strcmp(runs[k].status, "stopped") == 0 ? "stopped" : "was skipped");
        break;
    }
    snprintf(r->status, sizeof(r->status), "skipped");
    SP_WARN(r->comp->name, "%s", r->message);
    r->started_on = sp_clock_wall_ms();
    sp_err_clear(&e2);
    if (!dry_run &&
        sp_history_start(db, hub, run_id, job->name, r->comp->name, r->started_on, &e2) != 0)
        SP_WARN(r->comp->name, "%s", sp_err_format(&e2, line, sizeof(line)));
    finish_component(db, hub, run_id, r, dry_run);
}

/* The first line of a run: its effective settings, as pgBackRest's
 * "command begin" line (the connection's password redacted, the token only
 * named). */
static void log_settings(const sp_job *job, const sp_run_opts *o)
{
    static const char *const levels[] = {"error", "warn", "info", "debug", "trace"};
    const sp_job_component *on[SP_COMP_COUNT];
    const sp_job_hubspot *h = &job->hubspot;
    char conn[1024], comps[512] = "", hub[32] = "from-token";
    size_t n = sp_job_enabled_components(job, on, SP_COMP_COUNT), used = 0;

    for (int i = 0; i < o->nonly; i++)
        used += (size_t)snprintf(comps + used, used < sizeof(comps) ? sizeof(comps) - used : 0,
                                 "%s%s", i ? "," : "", o->only[i]);
    for (size_t i = 0; o->nonly == 0 && i < n; i++)
        used += (size_t)snprintf(comps + used, used < sizeof(comps) ? sizeof(comps) - used : 0,
                                 "%s%s", i ? "," : "", on[i]->name);
    if (job->hub_id != 0)
        snprintf(hub, sizeof(hub), "%llu", (unsigned long long)job->hub_id);
    SP_INFO(NULL,
            "run begin: spetl %s: job=%s components=%s database=%s hub=%s hubspot=%s "
            "api-version=%s rate-limit=%d/10s search-rate=%d/s page-size=%d "
            "connect-timeout=%ds request-timeout=%ds retry-budget=%ds token=%s:%s "
            "history-retention-days=%d email-on-error=%s dry-run=%s key=%s retry-records=%d "
            "log-level=%s",
            SPETL_VERSION, job->path, comps[0] ? comps : "none",
            sp_db_redact_conn(job->database.connection, conn, sizeof(conn)), hub,
            h->base_url ? h->base_url : "https://api.hubapi.com",
            h->api_version ? h->api_version : "2026-03", h->rate_limit, h->search_rate,
            h->page_size, h->connect_timeout_s, h->request_timeout_s, h->retry_budget_s,
            h->token_env != NULL ? "env" : "file",
            h->token_env != NULL ? h->token_env : h->token_file ? h->token_file : "",
            job->history_retention_days, job->email.enabled ? "on" : "off",
            o->dry_run ? "yes" : "no", o->key ? o->key : "-",
            o->nkeys, levels[sp_log_get_level()]);
}

/* The component once, or for a retry once per key of its own; with the
 * progress line on a terminal. */
static int run_impl(sp_run_ctx *ctx, const sp_run_opts *o, sp_err *e)
{
    sp_component_fn fn = sp_component_impl(ctx->comp->kind);
    sp_progress *pg = o->progress ? sp_progress_begin(stderr, ctx->comp->name, ctx->hs, 0) : NULL;
    int rc = 0;

    ctx->progress = pg != NULL ? sp_progress_counts : NULL;
    ctx->progress_ud = pg;
    if (o->nkeys == 0)
        rc = fn(ctx, e);
    for (int i = 0; i < o->nkeys && rc == 0; i++) {
        if (strcmp(o->keys[i].component, ctx->comp->name) != 0)
            continue;
        ctx->key = o->keys[i].key;
        rc = fn(ctx, e);
    }
    sp_progress_end(pg);
    return rc;
}

/* Run one component; -1 with e (status "stopped") when it stopped. */
static int run_component(sp_db *db, sp_hs_client *hs, const sp_job *job, const char *hub,
                         const char *run_id, const sp_run_opts *o, long heartbeat_ms, comp_run *r,
                         sp_err *e)
{
    sp_run_ctx ctx;
    char line[1024];

    memset(&ctx, 0, sizeof(ctx));
    ctx.job = job;
    ctx.comp = r->comp;
    ctx.db = db;
    ctx.hs = hs;
    ctx.hub = hub;
    ctx.run_id = run_id;
    ctx.dry_run = o->dry_run;
    ctx.key = o->key;
    ctx.since_ms = o->since_ms;
    ctx.started_on = r->started_on = sp_clock_wall_ms();
    ctx.heartbeat_ms = heartbeat_ms;
    if (!o->dry_run &&
        sp_history_start(db, hub, run_id, job->name, r->comp->name, r->started_on, e) != 0)
        goto stopped;
    if (run_impl(&ctx, o, e) != 0)
        goto stopped;
    r->counts = ctx.counts;
    snprintf(r->status, sizeof(r->status), "%s",
             o->dry_run ? "dry-run" : ctx.counts.failed > 0 ? "failed-records" : "ok");
    if (ctx.counts.failed > 0)
        snprintf(r->message, sizeof(r->message), "%lld record%s failed",
                 (long long)ctx.counts.failed, ctx.counts.failed == 1 ? "" : "s");
    finish_component(db, hub, run_id, r, o->dry_run);
    return 0;
stopped:
    r->counts = ctx.counts;
    sp_err_record(e, r->comp->name, NULL);
    snprintf(r->status, sizeof(r->status), "stopped");
    snprintf(r->message, sizeof(r->message), "%s", sp_err_format(e, line, sizeof(line)));
    SP_ERROR(r->comp->name, "stopped: %s", r->message);
    finish_component(db, hub, run_id, r, o->dry_run);
    return -1;
}

/* Run the selected components in order. Returns 0 when every one finished
 * (*failed = records failed in all), -1 with e when the run must stop as a
 * whole; components that stopped alone are counted in *nstopped and the
 * first one's error is kept in first_stop. */
static int run_components(sp_db *db, sp_hs_client *hs, const sp_job *job, const char *hub,
                          const char *run_id, const sp_run_opts *o, long stale, int *locked,
                          comp_run *runs, int nruns, int64_t *failed, int *nstopped,
                          sp_err *first_stop, sp_err *e)
{
    unsigned unfinished = 0;
    char line[1024];
    sp_err e2;

    for (int i = 0; i < nruns; i++) {
        comp_run *r = &runs[i];
        unsigned bit = 1u << r->comp->kind;
        unsigned blocked = depends_on[r->comp->kind] & unfinished;
        /* a component can run for hours: its lock must not look stale meanwhile */
        long hb = *locked ? (stale / 4 < 60000 ? stale / 4 : 60000) : 0;

        if (blocked != 0) {
            skip_component(db, job, hub, run_id, r, runs, nruns, blocked, o->dry_run);
            unfinished |= bit;
            continue;
        }
        if (run_component(db, hs, job, hub, run_id, o, hb, r, e) != 0) {
            unfinished |= bit;
            if (stops_the_run(db, e))
                return -1;
            if ((*nstopped)++ == 0)
                *first_stop = *e;
        } else {
            *failed += r->counts.failed;
        }
        sp_err_clear(&e2);
        if (*locked && sp_lock_heartbeat(db, hub, run_id, &e2) != 0) {
            if (e2.code == SP_ELOCKED) {
                *e = e2;   /* another run has the hub now: no more components */
                *locked = 0;
                return -1;
            }
            SP_WARN("lock", "%s", sp_err_format(&e2, line, sizeof(line)));
        }
    }
    return 0;
}

/* <email-on-error>: one message for a run that did not succeed (never a dry
 * run); a mail that cannot be sent is logged and changes nothing else. */
static void mail_outcome(const sp_job *job, sp_db *db, const char *hub, const char *run_id,
                         const char *job_path, const comp_run *runs, int nruns, int64_t started,
                         const sp_err *outcome)
{
    sp_mail_component comps[SP_COMP_COUNT];
    sp_mail_report r;
    char line[1024], hub_id[32];

    memset(&r, 0, sizeof(r));
    for (int i = 0; i < nruns; i++) {
        comps[i] = (sp_mail_component){runs[i].comp->name, runs[i].status, runs[i].message, runs[i].counts};
        r.nfailed += runs[i].counts.failed;
    }
    snprintf(hub_id, sizeof(hub_id), "%llu", (unsigned long long)job->hub_id);
    r.job_name = job->name;
    r.job_path = job_path;
    r.hub = hub[0] != '\0' ? hub : job->hub_id != 0 ? hub_id : "";
    r.run_id = run_id;
    r.exit_code = sp_code_exit(outcome->code);
    r.outcome = sp_err_format(outcome, line, sizeof(line));
    r.started_ms = started;
    r.finished_ms = sp_clock_wall_ms();
    r.comps = comps;
    r.ncomps = (size_t)nruns;
    sp_mail_run_failed(job, db, &r);
}

int sp_run_job(const char *job_path, const sp_run_opts *o, sp_err *e)
{
    comp_run runs[SP_COMP_COUNT];
    const sp_job_component *selected[SP_COMP_COUNT];
    sp_job *job = NULL;
    sp_db *db = NULL;
    sp_hs_client *hs = NULL;
    char hub[32] = "", run_id[48] = "", line[1024];
    int nruns = 0, locked = 0, nstopped = 0, rc = -1;
    int64_t started = sp_clock_wall_ms(), failed = 0, pruned = 0;
    long stale = o->lock_stale_ms > 0 ? o->lock_stale_ms : LOCK_STALE_DEFAULT_MS;
    sp_err outcome, first_stop, e2;

    sp_err_clear(&outcome);
    sp_err_clear(&first_stop);
    sp_run_id_new(run_id, sizeof(run_id));
    if (sp_job_load(job_path, NULL, &job, e) != 0)
        goto done;
    sp_log_set_context(run_id, job->name);
    log_settings(job, o);
    if (select_components(job, o, runs, &nruns, e) != 0)
        goto done;
    if (sp_open_job_db(job, &db, e) != 0 || check_tables(db, job, e) != 0)
        goto done;
    for (int i = 0; i < nruns; i++)
        selected[i] = runs[i].comp;
    /* the property reads of the mapping check go with the account's */
    if (sp_open_hubspot(job, &hs, e) != 0 || sp_setup_prefetch(hs, selected, (size_t)nruns, e) != 0 ||
        sp_resolve_hub(hs, job, hub, sizeof(hub), e) != 0)
        goto done;
    /* A bad mapping stops the run before the first write. */
    if (sp_setup_check_mappings(hs, job, selected, (size_t)nruns, e) != 0)
        goto done;
    if (!o->dry_run) {
        if (sp_lock_acquire(db, hub, run_id, stale, e) != 0)
            goto done;
        locked = 1;
    }
    SP_INFO(NULL, "run started: spetl %s, hub %s, %d component%s%s%s%s", SPETL_VERSION, hub, nruns,
            nruns == 1 ? "" : "s", o->dry_run ? ", dry run (nothing is written)" : "",
            o->key ? ", key " : "", o->key ? o->key : "");
    if (!o->dry_run && sp_history_prune(db, hub, job->history_retention_days, &pruned, e) != 0)
        goto done;
    if (pruned > 0)
        SP_INFO(NULL, "history: %lld rows older than %d days deleted", (long long)pruned,
                job->history_retention_days);
    if (run_components(db, hs, job, hub, run_id, o, stale, &locked, runs, nruns, &failed,
                       &nstopped, &first_stop, e) != 0)
        goto done;
    if (nstopped > 0) {
        SP_ERR(e, SP_ESTOPPED,
               "%d component%s stopped (the first: %s); the components that do not depend on %s "
               "ran%s",
               nstopped, nstopped == 1 ? "" : "s", sp_err_format(&first_stop, line, sizeof(line)),
               nstopped == 1 ? "it" : "them", failed > 0 ? ", and some records failed" : "");
        goto done;
    }
    if (failed > 0) {
        SP_ERR(e, SP_ERECORDS, "%lld record%s failed: see `spetl errors %s`", (long long)failed,
               failed == 1 ? "" : "s", job_path);
        goto done;
    }
    rc = 0;
done:
    if (rc != 0)
        outcome = *e;
    if (locked) {
        sp_err_clear(&e2);
        if (sp_lock_release(db, hub, run_id, &e2) != 0)
            SP_WARN("lock", "%s", sp_err_format(&e2, line, sizeof(line)));
    }
    if (job != NULL && hub[0] != '\0')
        SP_INFO(NULL, "run finished: exit %d in %.1f s", sp_code_exit(outcome.code),
                (double)(sp_clock_wall_ms() - started) / 1000.0);
    if (job != NULL && o->report_path != NULL) {
        sp_err_clear(&e2);
        if (write_report(o->report_path, job, run_id, hub, o, runs, nruns, started, &outcome,
                         &e2) != 0) {
            SP_ERROR(NULL, "%s", sp_err_format(&e2, line, sizeof(line)));
            if (rc == 0) {
                *e = e2;
                rc = -1;
            }
        }
    }
    if (job != NULL && outcome.code != SP_OK && !o->dry_run)
        mail_outcome(job, db, hub, run_id, job_path, runs, nruns, started, &outcome);
    sp_hs_client_free(hs);
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}
