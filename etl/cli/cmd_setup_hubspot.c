/* cmd_setup_hubspot.c -- `spetl setup-hubspot JOB`: create the HubSpot
 * properties the job's mappings need, in spetl's own property group; key
 * properties (an export mapping's key-property) with unique values; each
 * with the type its field's transform implies (date, datetime, number). Existing
 * properties are left as they are, so it is safe to run twice. A key property
 * that exists without unique values is refused: HubSpot cannot change that
 * afterwards, and upserts need it. Pipelines are the HubSpot admin's to make:
 * it creates none, and checks deal-export's pipeline and stage as `check`
 * does (exit 2 naming the property's line). Exit 0, 2 (bad job, key
 * property, pipeline or stage), 4. */
#include <stdio.h>
#include <string.h>

#include "spetl/cli.h"
#include "spetl/export.h"
#include "spetl/log.h"
#include "spetl/runner.h"
#include "spetl/setup.h"

static int setup_object(sp_hs_client *hs, const sp_job *job, sp_hs_object obj,
                        const sp_setup_need *needs, size_t n, int *created_total, sp_err *e)
{
    sp_hs_properties have = {0};
    int group_done = 0, wanted = 0, rc = -1;

    for (size_t i = 0; i < n; i++)
        wanted += needs[i].object == obj;
    if (wanted == 0)
        return 0;
    if (sp_hs_properties_read(hs, obj, &have, e) != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const sp_setup_need *nd = &needs[i];
        const sp_hs_property *p;
        sp_hs_property_def d;
        int created = 0;

        if (nd->object != obj)
            continue;
        p = sp_hs_properties_find(&have, nd->property);
        if (p != NULL) {
            if (nd->unique && !p->has_unique_value) {
                SP_ERR(e, SP_EJOB,
                       "%s property %s exists without unique values, so it cannot be the "
                       "key-property of mapping %s (HubSpot cannot make an existing property "
                       "unique): choose a new key-property name",
                       sp_hs_object_name(obj), nd->property, nd->mapping);
                sp_err_at_input(e, job->path, nd->pos.line, nd->pos.col);
                goto done;
            }
            printf("%s: %s already exists%s\n", sp_hs_object_name(obj), nd->property,
                   nd->unique ? " (unique values)" : "");
            continue;
        }
        if (!group_done) {
            if (sp_hs_property_group_create(hs, obj, SP_SETUP_GROUP, SP_SETUP_GROUP_LABEL, e) != 0)
                goto done;
            group_done = 1;
        }
        memset(&d, 0, sizeof(d));
        d.name = nd->property;
        d.label = nd->property;
        d.group_name = SP_SETUP_GROUP;
        d.description = nd->unique ? "The SalesPad / GP key of this record, written by spetl; "
                                     "unique, so a rerun updates instead of duplicating."
                                   : "Written by spetl from SalesPad / Dynamics GP.";
        d.has_unique_value = nd->unique;
        d.type = nd->type;
        d.field_type = nd->field_type;
        if (sp_hs_property_create(hs, obj, &d, &created, e) != 0)
            goto done;
        printf("%s: %s %s%s\n", sp_hs_object_name(obj), nd->property,
               created ? "created" : "already exists", nd->unique ? " (unique values)" : "");
        *created_total += created;
    }
    rc = 0;
done:
    sp_hs_properties_free(&have);
    if (rc != 0)
        sp_err_prefix(e, "setting up %s properties", sp_hs_object_name(obj));
    return rc;
}

int sp_cmd_setup_hubspot(const sp_cli *cli, sp_err *e)
{
    sp_job *job = NULL;
    sp_hs_client *hs = NULL;
    const sp_setup_need *needs = NULL;
    size_t n = 0;
    char hub[32];
    int created = 0, rc = -1;

    if (sp_job_load(cli->job_path, NULL, &job, e) != 0 ||
        sp_setup_needs(job, &needs, &n, e) != 0 || sp_open_hubspot(job, &hs, e) != 0 ||
        sp_resolve_hub(hs, job, hub, sizeof(hub), e) != 0)
        goto done;
    for (int obj = 0; obj < SP_HS_OBJECT_COUNT; obj++)
        if (setup_object(hs, job, (sp_hs_object)obj, needs, n, &created, e) != 0)
            goto done;
    printf("%s: hub %s is set up (%d propert%s created, %zu needed)\n", cli->job_path, hub,
           created, created == 1 ? "y" : "ies", n);
    if (job->components[SP_COMP_DEAL_EXPORT] != NULL && job->components[SP_COMP_DEAL_EXPORT]->enabled &&
        sp_deal_check_pipeline(hs, job, job->components[SP_COMP_DEAL_EXPORT], e) != 0) {
        if (e->code == SP_EJOB)
            sp_err_prefix(e, "deal-export (pipelines are made by the HubSpot admin, not by setup-hubspot)");
        goto done;
    }
    rc = 0;
done:
    sp_hs_client_free(hs);
    sp_job_free(job);
    return rc;
}
