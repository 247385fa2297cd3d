/* company-link: existing HubSpot companies linked to existing customers or
 * prospects, their contacts to the customer's addresses or the prospect's
 * contacts, by the job's matching rule sets. The work is in etl/link/
 * (company_link.c: the pages; contacts.c: the matching steps; lookup.c: the
 * GP side of a rule set). */
#include "spetl/components.h"

#include "spetl/link.h"

int sp_comp_company_link(sp_run_ctx *ctx, sp_err *e)
{
    return sp_company_link_run(ctx, e);
}
