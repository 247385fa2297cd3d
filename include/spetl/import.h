/*
 * import.h -- company-customer-import and company-prospect-import: HubSpot
 * companies created since the component's minimum create date become GP
 * customers (RM00101, RM00102, SY01200) or prospects (SOP00200,
 * spProspectContact), or are linked to the GP record they match.
 *
 * The engine (etl/sync/import*.c) runs on the page pipeline (sync.h) in push
 * mode and read order: sp_hs_read_since() reads the companies page by page
 * (page-size), the caller's thread reads each page's contacts (one
 * associations batch read, one contacts batch read) and feeds the page; the
 * commit thread writes it in ONE transaction, each company in a savepoint of
 * its own:
 *   already linked          skipped
 *   try-match-before-import the import's own kind first (customers for the
 *                           customer import), then the other unless
 *                           prevent-matching-to-*: one record -> the company
 *                           and its matching contacts linked; several -> an
 *                           AMBIGUOUS Action Center row, nothing written
 *   import-new-companies    mapped (import mapping) and inserted by the GP
 *                           writer (gp_write.h) with its contacts, then the
 *                           links of the company and each contact
 * A failure rolls the company's savepoint back (rollback-on-error true) and
 * writes an Action Center row naming the HubSpot id, the GP column and the
 * SQLSTATE; with rollback-on-error false what the writer wrote stays and the
 * failed part is reported.
 * import-new-contacts: contacts created since the minimum date whose company
 * is linked to a record of the import's kind are added to it and linked.
 *
 * Write-back: a company inserted by the import gets the SalesPad key property
 * of the export mapping (customer-export's customer mapping, or the
 * prospect-updates-export company mapping) by a batch update after its
 * page's commit (between pages), and what is left after the run's last
 * commit. Until HubSpot accepted it, the company's link carries
 * Payload_Hash = SP_IMPORT_WRITE_BACK (written in the page's transaction), so
 * a run killed before it, or a refused update, is retried by the next run.
 *
 * The minimum create date (spAAComponentState.Minimum_Create_Date): the
 * job's min-create-date until the first finished run; when a run reads to the
 * end and every page is committed, it becomes the run's start minus
 * min-date-offset-minutes. A dry run and a run with --since (ctx->since_ms)
 * never move it. The configured min-create-date is stored too (in the state
 * row of "<component>#configured"): when the job's value changes, the new
 * value applies once.
 */
#ifndef SPETL_IMPORT_H
#define SPETL_IMPORT_H

#include "spetl/component.h"

#define SP_IMPORT_WRITE_BACK "write-back"

typedef enum sp_import_target { SP_IMPORT_CUSTOMER = 0, SP_IMPORT_PROSPECT } sp_import_target;

int sp_import_run(sp_run_ctx *ctx, sp_import_target t, sp_err *e);

#endif
