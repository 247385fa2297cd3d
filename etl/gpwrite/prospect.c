/*
 * prospect.c -- a prospect's contact: a row of spProspectContact (PROSPID,
 * Contact_ID the contact key; Is_Primary 1 for the first contact; Email the
 * contact's e-mail unless the mapping sets it). The prospect itself
 * (SOP00200) is the company row written by keygen.c.
 */
#include "internal.h"

int gpw_prospect_contact(sp_gpw *w, const char *prospid, const char *contact_id, int primary,
                         const sp_gpw_contact *c, sp_err *e)
{
    gpw_row_keys k = {.key = contact_id, .parent = prospid, .primary = primary,
                      .email = c->email != NULL ? c->email : ""};

    if (gpw_table_take(w, &w->contact, c->values, c->nvalues, NULL, e) < 0)
        return -1;
    return gpw_table_insert(w, &w->contact, &k, e);
}
