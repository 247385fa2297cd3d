/* company-prospect-import: HubSpot companies created since the component's
 * minimum create date become GP prospects (SOP00200, spProspectContact), or
 * are linked to the prospect or customer they match. The engine is
 * etl/sync/import*.c (spetl/import.h). */
#include "spetl/components.h"

#include "spetl/import.h"

int sp_comp_prospect_import(sp_run_ctx *ctx, sp_err *e)
{
    return sp_import_run(ctx, SP_IMPORT_PROSPECT, e);
}
