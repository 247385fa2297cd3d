/*
 * writer.c -- the GP writer (gp_write.h). Stubs until the writer is built.
 */
#include <stddef.h>

#include "spetl/gp_write.h"

int sp_gpw_open(sp_db *db, sp_gpw_target t, const sp_job_import *imp, sp_gpw_report_fn report,
                void *report_ud, sp_gpw **out, sp_err *e)
{
    (void)db, (void)t, (void)imp, (void)report, (void)report_ud;
    *out = NULL;
    return SP_ERR(e, SP_EINTERNAL, "the GP writer is not built yet");
}

void sp_gpw_free(sp_gpw *w)
{
    (void)w;
}

int sp_gpw_insert_company(sp_gpw *w, const sp_gpw_company *c, char key_out[SP_GPW_KEY],
                          char (*contact_keys)[SP_GPW_KEY], sp_err *e)
{
    (void)w, (void)c, (void)contact_keys;
    key_out[0] = '\0';
    return SP_ERR(e, SP_EINTERNAL, "the GP writer is not built yet");
}

int sp_gpw_add_contacts(sp_gpw *w, const char *key, const sp_gpw_contact *cs, size_t n,
                        char (*contact_keys)[SP_GPW_KEY], sp_err *e)
{
    (void)w, (void)key, (void)cs, (void)n, (void)contact_keys;
    return SP_ERR(e, SP_EINTERNAL, "the GP writer is not built yet");
}
