/* import_state.c -- an import's minimum create date (spAAComponentState):
 * where a run starts reading, and moving it when the run went to its end.
 * The job's min-create-date is stored beside it, in the row of
 * "<component>#configured", so an edited value is noticed and applies once. */
#include "import_internal.h"

#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"

int im_state_since(im_run *r, int64_t *since, sp_err *e)
{
    const char *comp = r->ctx->comp->name;
    int64_t stored = 0, configured = 0, unused = 0;
    char buf[32];

    r->state_key = sp_arena_printf(r->arena, "%s#configured", comp);
    if (r->ctx->since_ms > 0) {
        *since = r->ctx->since_ms;
        SP_INFO(comp, "reading companies created since %s (--since; the stored date stays)",
                sp_time_iso8601(*since, buf, sizeof(buf)));
        return 0;
    }
    if (sp_state_get(r->ctx->db, r->ctx->hub, comp, &stored, &unused, e) != 0 ||
        sp_state_get(r->ctx->db, r->ctx->hub, r->state_key, &configured, &unused, e) != 0)
        return -1;
    if (stored == 0 && r->imp->min_create_ms == 0) {
        /* no min-create-date: companies created since the first run */
        *since = r->ctx->started_on - (int64_t)r->ctx->job->hubspot.min_date_offset_minutes * 60000;
    } else if (stored == 0 || (r->imp->min_create_ms != 0 && r->imp->min_create_ms != configured)) {
        *since = r->imp->min_create_ms;   /* the first run, or min-create-date was edited */
        if (stored != 0)
            SP_INFO(comp, "min-create-date changed in the job: reading from it once");
    } else {
        *since = stored;
    }
    SP_INFO(comp, "reading companies created since %s", *since > 0 ? sp_time_iso8601(*since, buf, sizeof(buf))
                                                                    : "the beginning");
    return 0;
}

/* The run read every page and committed them: the next run starts at the
 * run's start minus min-date-offset-minutes. Not in a dry run, not with --since. */
int im_state_move(im_run *r, sp_err *e)
{
    sp_db *db = r->ctx->db;
    int64_t next = r->ctx->started_on - (int64_t)r->ctx->job->hubspot.min_date_offset_minutes * 60000;

    if (r->ctx->dry_run || r->ctx->since_ms > 0)
        return 0;
    if (sp_db_begin(db, e) != 0)
        return -1;
    if (sp_state_put(db, r->ctx->hub, r->ctx->comp->name, next, 0, e) != 0 ||
        sp_state_put(db, r->ctx->hub, r->state_key, r->imp->min_create_ms, 0, e) != 0) {
        sp_db_rollback(db, NULL);
        return -1;
    }
    return sp_db_commit(db, e);
}
