/*
 * hs_verify.h -- are linked HubSpot records still there? (`spetl links --verify`)
 *
 * sp_hs_verify_ids() batch-reads up to SP_HS_VERIFY_MAX ids of one object in
 * one request (POST {objects}/{obj}/batch/read, paced by the client like any
 * other request) and says, per id, whether the record is there, gone
 * (deleted or archived: HubSpot answers OBJECT_NOT_FOUND for it), or merged
 * into another record. HubSpot answers a merged id with the surviving
 * record: its id differs from the one asked for and its
 * hs_merged_object_ids property (";"-separated) lists the old one.
 *
 * Returns 0 with out[i] filled for each ids[i], or -1 with e when the
 * request failed (nothing is judged then: a transport error never makes a
 * record look gone).
 */
#ifndef SPETL_HS_VERIFY_H
#define SPETL_HS_VERIFY_H

#include <stddef.h>

#include "spetl/err.h"
#include "spetl/hubspot.h"
#include "spetl/mem.h"

#define SP_HS_VERIFY_MAX 100

typedef enum sp_hs_id_state {
    SP_HS_ID_THERE = 0,
    SP_HS_ID_GONE,
    SP_HS_ID_MERGED
} sp_hs_id_state;

typedef struct sp_hs_id_check {
    sp_hs_id_state state;
    char merged_into[32];       /* MERGED: the surviving record's id */
} sp_hs_id_check;

int sp_hs_verify_ids(sp_hs_client *c, sp_hs_object o, const char *const *ids, size_t n,
                     sp_hs_id_check *out, sp_err *e);

/* 1 when id is one of the ";"-separated ids of list. */
int sp_hs_id_in_list(const char *list, const char *id);

/* Are the company types of mask (SP_COMPANY_* bits of job.h) options of the
 * account's company property "type" (GET {properties}/companies/type)?
 * Compared ignoring case, as company-link and the imports compare a
 * company's type. 0 when they all are, or when mask is 0 (nothing is sent);
 * -1 with e otherwise: SP_EJOB at job_path:line:col (the company-types
 * attribute) naming each type the account lacks and the options it has, or
 * the request's own error. `spetl check`, company-link and the imports call
 * it before they read any company. */
int sp_hs_check_company_types(sp_hs_client *c, unsigned mask, const char *job_path, int line, int col,
                              sp_err *e);

/* The account's deal pipelines (GET /crm/pipelines/{version}/deals; /crm/v3/pipelines/deals
 * with api-version v3), archived ones and archived stages left out, in HubSpot's order.
 * Everything lives in the arena; sp_hs_pipelines_free() releases it. -1 with e (the
 * request's error: HTTP status, category, correlation id) when the list cannot be read. */
typedef struct sp_hs_stage {
    const char *id;             /* the value of the deal property "dealstage" */
    const char *label;
} sp_hs_stage;

typedef struct sp_hs_pipeline {
    const char *id;             /* the value of the deal property "pipeline" */
    const char *label;
    const sp_hs_stage *stages;
    size_t nstages;
} sp_hs_pipeline;

typedef struct sp_hs_pipelines {
    sp_arena *arena;
    sp_hs_pipeline *items;
    size_t n;
} sp_hs_pipelines;

int sp_hs_deal_pipelines_read(sp_hs_client *c, sp_hs_pipelines *out, sp_err *e);
void sp_hs_pipelines_free(sp_hs_pipelines *p);
/* The pipeline of that id (exact), NULL when the account has none. */
const sp_hs_pipeline *sp_hs_pipeline_find(const sp_hs_pipelines *p, const char *id);
/* 1 when stage (exact) is one of p's stages. */
int sp_hs_pipeline_has_stage(const sp_hs_pipeline *p, const char *stage);

#endif
