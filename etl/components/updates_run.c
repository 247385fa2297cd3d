/* updates_run.c -- what customer-updates-export and prospect-updates-export
 * share: a parent level and its child level, both linked records only, each
 * sent by id when its payload changed, with the update hooks of the job's
 * component (pre/post company and contact update). The caller gives the
 * entities, keys and the change condition (see components.h). */
#include "spetl/components.h"

#include <string.h>

#include "spetl/hook.h"

static void level(sp_export_level *l, sp_job_entity ent, const char *link, const sp_job_mapping *m)
{
    memset(l, 0, sizeof(*l));
    l->entity = ent;
    l->link_type = link;
    l->mapping = m;
    l->from = sp_export_from(ent, NULL);
    l->links = SP_EXPORT_LINKED;
    l->send = 1;
}

int sp_updates_run(sp_run_ctx *ctx, const sp_updates_kind *k, const char *where, const char *const *texts,
                   size_t ntexts, const int64_t *times, size_t ntimes, sp_err *e)
{
    const sp_job_updates_export *u = &ctx->comp->u.updates;
    sp_export_level child;
    sp_export_spec spec;
    sp_hooks *hooks = NULL;
    int rc;

    level(&child, k->child, k->child_link, u->contact_mapping);
    child.keys[0] = k->key;
    child.keys[1] = k->child_key;
    child.nkeys = 2;
    child.pre_hook = u->pre_contact_update;
    child.post_hook = u->post_contact_update;
    memset(&spec, 0, sizeof(spec));
    level(&spec.parent, k->parent, k->parent_link, u->company_mapping);
    spec.parent.keys[0] = k->key;
    spec.parent.nkeys = 1;
    spec.parent.where = where;
    spec.parent.where_texts = where != NULL ? texts : NULL;
    spec.parent.nwhere_texts = where != NULL ? ntexts : 0;
    spec.parent.where_times = where != NULL ? times : NULL;
    spec.parent.nwhere_times = where != NULL ? ntimes : 0;
    spec.parent.pre_hook = u->pre_company_update;
    spec.parent.post_hook = u->post_company_update;
    spec.child = u->contact_mapping != NULL ? &child : NULL;
    spec.per_page = u->per_page > 0 ? u->per_page : 100;
    if (sp_hooks_open(ctx, &hooks, e) != 0)
        return -1;
    spec.hooks = hooks;
    rc = sp_export_run(ctx, &spec, e);
    sp_hooks_close(hooks);
    return rc;
}
