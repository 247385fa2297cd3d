/*
 * setup.h -- the HubSpot side a job needs: objects, scopes, properties.
 *
 * A job's mappings name HubSpot properties: export targets (written) and
 * import sources (read); an export mapping's key-property is the unique-value
 * property that carries the SalesPad key, so every create is an upsert by it
 * and a rerun can never duplicate. sp_setup_needs() lists them per object;
 * `spetl check` reports what is missing, `spetl setup-hubspot` creates it
 * (in spetl's own property group, each with the type its field implies:
 * sp_setup_field_type; key properties with hasUniqueValue) and is safe to
 * run twice. All functions return 0 / -1 with sp_err.
 */
#ifndef SPETL_SETUP_H
#define SPETL_SETUP_H

#include <stddef.h>

#include "spetl/hubspot.h"
#include "spetl/job.h"

#define SP_SETUP_GROUP "spetl"
#define SP_SETUP_GROUP_LABEL "SalesPad / Dynamics GP (spetl)"

typedef struct sp_setup_need {
    sp_hs_object object;
    const char *property;
    int unique;                  /* the key-property of an export mapping */
    const char *type;            /* HubSpot type its field implies: "string", "date", ... */
    const char *field_type;      /* and field type: "text", "date", "number" */
    const char *mapping;          /* the mapping id that needs it */
    sp_job_pos pos;              /* where in the job file */
} sp_setup_need;

/* Every property the job's mappings name, once per (object, property); a
 * key property wins over a plain one. *out is allocated in the job arena. */
int sp_setup_needs(const sp_job *job, const sp_setup_need **out, size_t *n, sp_err *e);

/* The HubSpot property type (and *field_type) a field's transforms imply:
 * date -> "date"/"date", datetime -> "datetime"/"date", number ->
 * "number"/"number"; a later text transform (lookup, upper, ...) and no
 * transform -> "string"/"text". */
const char *sp_setup_field_type(const sp_job_field *f, const char **field_type);

/* Check the export mappings the given components use against HubSpot's
 * property definitions before anything is written: a property HubSpot does not
 * have, a constant that is not an option of an enumeration or not a number
 * for a number property, a date property fed from a column without the date
 * transform, a property whose type does not fit what its field sends (a
 * date, datetime or number transform into a text property). Every problem is logged as "FILE:LINE:COL: message" (an error
 * line each); then -1 with SP_EJOB "N mapping problems" (exit 2). */
int sp_setup_check_mappings(sp_hs_client *hs, const sp_job *job,
                            const sp_job_component *const *comps, size_t ncomps, sp_err *e);
/* Send the reads sp_setup_check_mappings() needs ahead, without waiting, so
 * they go with the next request (a run's start-up requests go together). */
int sp_setup_prefetch(sp_hs_client *hs, const sp_job_component *const *comps, size_t ncomps, sp_err *e);

/* Objects the job uses (mappings and enabled components): a mask of 1 << sp_hs_object. */
unsigned sp_setup_objects(const sp_job *job);

#endif
