/* registry.c -- which component kinds this build implements.
 *
 * One file per component (etl/components/<name>.c) provides its function;
 * a kind without one is refused by `spetl run` before anything is touched,
 * naming the job file line that enables it. */
#include "spetl/component.h"
#include "spetl/components.h"

static const sp_component_fn impls[SP_COMP_COUNT] = {
    [SP_COMP_COMPANY_LINK] = sp_comp_company_link,
    [SP_COMP_CUSTOMER_IMPORT] = sp_comp_customer_import,
    [SP_COMP_PROSPECT_IMPORT] = sp_comp_prospect_import,
    [SP_COMP_CUSTOMER_EXPORT] = sp_comp_customer_export,
    [SP_COMP_CUSTOMER_UPDATES] = sp_comp_customer_updates,
    [SP_COMP_PROSPECT_UPDATES] = sp_comp_prospect_updates,
    [SP_COMP_PRODUCT_EXPORT] = sp_comp_product_export,
    [SP_COMP_DEAL_EXPORT] = sp_comp_deal_export,
};

sp_component_fn sp_component_impl(sp_job_component_kind kind)
{
    if ((int)kind < 0 || kind >= SP_COMP_COUNT)
        return NULL;
    return impls[kind];
}
