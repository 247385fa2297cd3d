/*
 * component.h -- what a component is given when the runner calls it.
 *
 * The runner (etl/ops/runner.c) opens the database and the HubSpot client,
 * takes the hub's run lock and calls each enabled component in the fixed
 * order (link -> imports -> exports -> updates -> products -> deals) with an
 * sp_run_ctx. A component counts what it did in ctx->counts, writes one
 * Action Center row per failed record (and goes on), and returns:
 *   0   it ran to the end (some records may have failed: counts.failed);
 *  -1   it stopped (database gone, HubSpot unreachable, daily limit): e says
 *       why; nothing it committed is lost and the next run resumes.
 * With ctx->dry_run set it reads and maps everything and writes nothing
 * anywhere (HubSpot, links, state, history), printing what it would send.
 * ctx->key, when set, restricts the run to one record (a DBA's re-export).
 */
#ifndef SPETL_COMPONENT_H
#define SPETL_COMPONENT_H

#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/hubspot.h"
#include "spetl/job.h"
#include "spetl/state.h"

typedef struct sp_run_ctx {
    const sp_job *job;
    const sp_job_component *comp;
    sp_db *db;
    sp_hs_client *hs;
    const char *hub;          /* the HubSpot account (portal) id */
    const char *run_id;
    int dry_run;
    const char *key;          /* NULL: every record */
    int64_t since_ms;         /* --since (imports): read companies created since this, and
                                 leave the stored minimum create date alone; 0: none */
    int64_t started_on;       /* UTC epoch ms of the component's start */
    int64_t heartbeat_ms;     /* refresh the run lock this often; 0: the run holds none */
    sp_counts counts;
    /* The progress line (progress.h), NULL: none. A long loop calls
     * progress(progress_ud, NULL) now and then, and when it answers 1,
     * progress(progress_ud, &a consistent copy of counts). */
    int (*progress)(void *ud, const sp_counts *counts);
    void *progress_ud;
} sp_run_ctx;

typedef int (*sp_component_fn)(sp_run_ctx *ctx, sp_err *e);

/* The implementation of a component kind; NULL when this build has none. */
sp_component_fn sp_component_impl(sp_job_component_kind kind);

#endif
