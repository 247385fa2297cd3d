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

#endif
