/*
 * components.h -- the component implementations (etl/components/), one
 * function per kind, called by the runner through sp_component_impl()
 * (component.h explains the contract: 0 ran to the end, counts and Action
 * Center rows per failed record; -1 stopped, e says why).
 */
#ifndef SPETL_COMPONENTS_H
#define SPETL_COMPONENTS_H

#include "spetl/component.h"
#include "spetl/export.h"

int sp_comp_company_link(sp_run_ctx *ctx, sp_err *e);
int sp_comp_customer_import(sp_run_ctx *ctx, sp_err *e);
int sp_comp_prospect_import(sp_run_ctx *ctx, sp_err *e);
int sp_comp_customer_export(sp_run_ctx *ctx, sp_err *e);
int sp_comp_customer_updates(sp_run_ctx *ctx, sp_err *e);
int sp_comp_prospect_updates(sp_run_ctx *ctx, sp_err *e);
int sp_comp_product_export(sp_run_ctx *ctx, sp_err *e);
int sp_comp_deal_export(sp_run_ctx *ctx, sp_err *e);

/* The two updates exports differ in their entities, keys and change
 * condition; the rest (linked records only, sent by id, the update hooks)
 * is shared (updates_run.c). where == NULL: every linked record (--key). */
typedef struct sp_updates_kind {
    sp_job_entity parent, child;
    const char *parent_link, *child_link;   /* SP_LINK_... */
    const char *key;        /* the parent's key column; the child's first too */
    const char *child_key;  /* the child's second key column */
} sp_updates_kind;
int sp_updates_run(sp_run_ctx *ctx, const sp_updates_kind *k, const char *where, const char *const *texts,
                   size_t ntexts, const int64_t *times, size_t ntimes, sp_err *e);

/* deal-export's levels for ctx's component (what it reads, deal_export.c):
 * the spec and the storage it points into. */
typedef struct sp_deal_spec_parts {
    sp_deal_spec spec;
    sp_export_level lines;
    const char *hub[1];
    const char *queue[2];
} sp_deal_spec_parts;
void sp_deal_spec_init(const sp_run_ctx *ctx, sp_deal_spec_parts *parts);

#endif
