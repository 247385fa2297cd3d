/* connect.c -- the HubSpot client and hub id from a job's settings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/log.h"
#include "spetl/platform.h"
#include "spetl/runner.h"

int sp_open_hubspot(const sp_job *job, sp_hs_client **out, sp_err *e)
{
    const sp_job_hubspot *h = &job->hubspot;
    sp_hs_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.base_url = h->base_url;
    cfg.token = sp_job_token(job);
    cfg.api_version = h->api_version;
    cfg.rate_10s = h->rate_limit;
    cfg.search_per_sec = h->search_rate;
    /* Benchmarks against the simulator measure spetl, not the pacer: with
     * SPETL_BENCH_UNPACED=1 and a plain-http base URL (which the client only
     * accepts for loopback) requests are not paced. */
    if (sp_os_getenv("SPETL_BENCH_UNPACED") != NULL && strcmp(sp_os_getenv("SPETL_BENCH_UNPACED"), "1") == 0 &&
        h->base_url != NULL && strncmp(h->base_url, "http://", 7) == 0) {
        cfg.rate_10s = -1;
        cfg.search_per_sec = -1;
    }
    cfg.max_batch = 100;
    cfg.connect_timeout_ms = (long)h->connect_timeout_s * 1000;
    cfg.request_timeout_ms = (long)h->request_timeout_s * 1000;
    cfg.retry_budget_ms = (long)h->retry_budget_s * 1000;
    if (h->retry_budget_s == 0)
        cfg.max_attempts = 1;   /* retry-budget-seconds="0": never retry (the client reads 0 ms as its default) */
    cfg.ca_bundle = h->ca_bundle;
    if (sp_hs_client_new(&cfg, out, e) != 0) {
        sp_err_at_input(e, job->path, h->pos.line, h->pos.col);
        return -1;
    }
    return 0;
}

int sp_resolve_hub(sp_hs_client *hs, const sp_job *job, char *hub, size_t n, sp_err *e)
{
    sp_hs_account acct;
    char want[32];

    if (sp_hs_account_details(hs, &acct, e) != 0) {
        sp_err_prefix(e, "reading the HubSpot account details");
        return -1;
    }
    if (acct.portal_id[0] == '\0')
        return SP_ERR(e, SP_EHUBSPOT, "HubSpot's account details carry no portalId");
    if (job->hub_id != 0) {
        snprintf(want, sizeof(want), "%" PRIu64, job->hub_id);
        if (strcmp(want, acct.portal_id) != 0) {
            SP_ERR(e, SP_EAUTH,
                   "the token belongs to hub %s but the job says hub-id=\"%s\": use the token "
                   "of hub %s or fix hub-id",
                   acct.portal_id, want, want);
            sp_err_at_input(e, job->path, job->pos.line, job->pos.col);
            return -1;
        }
    }
    snprintf(hub, n, "%s", acct.portal_id);
    return 0;
}

/* Open the job's database; errors point at the job's <database> element. */
int sp_open_job_db(const sp_job *job, sp_db **out, sp_err *e)
{
    static const sp_dialect expected[] = {SP_DIALECT_OTHER, SP_DIALECT_SQLITE,
                                          SP_DIALECT_POSTGRESQL, SP_DIALECT_SQLSERVER};
    sp_db_opts opts = {0};
    sp_dialect got;

    /* A mistyped SQLite path must not become a new empty database. */
    opts.no_create = 1;
    if (sp_db_open(out, job->database.connection, &opts, e) != 0) {
        sp_err_at_input(e, job->path, job->database.pos.line, job->database.pos.col);
        return -1;
    }
    got = sp_db_dialect(*out);
    if (job->database.dialect != SP_JOB_DIALECT_AUTO &&
        expected[job->database.dialect] != got) {
        SP_ERR(e, SP_EDB,
               "the job says dialect=\"%s\" but the database is %s (%s); fix the dialect "
               "attribute or the connection string",
               sp_dialect_name(expected[job->database.dialect]), sp_dialect_name(got),
               sp_db_server_version(*out));
        sp_err_at_input(e, job->path, job->database.pos.line, job->database.pos.col);
        sp_db_close(*out);
        *out = NULL;
        return -1;
    }
    SP_INFO("db", "connected to %s (%s) with %s", sp_dialect_name(got),
            sp_db_server_version(*out), sp_db_conn_redacted(*out));
    return 0;
}
