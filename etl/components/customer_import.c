/* company-customer-import: HubSpot companies created since the component's
 * minimum create date become GP customers, or are linked to the customer or
 * prospect they match. The engine is etl/sync/import*.c (spetl/import.h). */
#include "spetl/components.h"

#include "spetl/import.h"

int sp_comp_customer_import(sp_run_ctx *ctx, sp_err *e)
{
    return sp_import_run(ctx, SP_IMPORT_CUSTOMER, e);
}
