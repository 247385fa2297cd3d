/*
 * fuzz_job.c -- the job loader (etl/job/): well-formedness, ${VAR}
 * substitution, the compiled-in schema and every semantic check, from a job
 * file's text (sp_job_load_text). A job that loads has its filters compiled
 * too (etl/pipeline/filter.c), as a run would.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spetl/filter.h"
#include "spetl/job.h"
#include "spetl/log.h"

static void on_diag(void *ctx, const sp_job_diag *d)
{
    size_t *total = ctx;

    *total += strlen(d->message) + (size_t)d->line + (size_t)d->col;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_log();
    /* the variables the seed jobs use, and two for mutations to find */
    setenv("HUBSPOT_TOKEN", "pat-na1-00000000-fuzz-token", 1);
    setenv("HUBSPOT_URL", "http://127.0.0.1:8089", 1);
    setenv("SPETL_DEMO_DB", "demo/fabrikam.db", 1);
    setenv("PAGE", "50", 1);
    setenv("EMPTY", "", 1);
    setenv("GP_CONN", "Driver=SQLite3;Database=gp.db;PWD=secret-pass;", 1);
    return 0;
}

/* Compile the filters of a loaded job, as the components do before a run. */
static void compile_filters(const sp_job *job)
{
    const sp_job_filter *f[2] = {NULL, NULL};
    const sp_job_component *cx = job->components[SP_COMP_CUSTOMER_EXPORT];
    const sp_job_component *px = job->components[SP_COMP_PRODUCT_EXPORT];
    sp_arena *a = sp_arena_new(0);
    sp_filter *out;
    sp_err e;

    if (cx != NULL)
        f[0] = cx->u.customer_export.filter;
    if (px != NULL)
        f[1] = px->u.product.filter;
    for (int i = 0; i < 2; i++) {
        if (f[i] == NULL)
            continue;
        sp_err_clear(&e);
        if (sp_filter_compile_job(f[i], "fuzz", job->path, SP_DIALECT_SQLSERVER, "t", a, &out, &e) == 0)
            (void)sp_filter_and(out, "x = ?", a, &(size_t){0});
    }
    sp_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_job_load_opts opts;
    sp_job *job = NULL;
    size_t total = 0;
    sp_err e;

    memset(&opts, 0, sizeof(opts));
    opts.on_diag = on_diag;
    opts.diag_ctx = &total;
    sp_err_clear(&e);
    if (sp_job_load_text("fuzz/job.xml", (const char *)data, size, &opts, &job, &e) == 0) {
        const sp_job_component *comps[SP_COMP_COUNT];
        (void)sp_job_enabled_components(job, comps, SP_COMP_COUNT);
        compile_filters(job);
        sp_job_free(job);
    }
    sp_log_reset();   /* forget the secrets the job registered */
    return 0;
}
