/* hs_merge.c -- POST {objects}/{obj}/merge and what a merged id reads as.
 *
 * As HubSpot: {"primaryObjectId", "objectIdToMerge"} merges the second
 * record into the first; the primary keeps its id and properties, and its
 * hs_merged_object_ids (";"-separated) gains the merged id (and the ids
 * merged into that one before). The merged record is gone from lists,
 * search and unique indexes (archived here); a batch read of its id answers
 * with the surviving record. Products and line items cannot be merged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubsim.h"
#include "spetl/mem.h"

#define MERGED_PROP "hs_merged_object_ids"

static int in_list(const char *list, const char *id)
{
    size_t n = strlen(id);

    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        p = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

hs_rec *hs_merged_into(hs_table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++) {
        hs_rec *r = t->recs[i];
        if (!r->archived && in_list(json_string_value(json_object_get(r->props, MERGED_PROP)), id))
            return r;
    }
    return NULL;
}

static const char *id_text(const json_t *v, char *buf, size_t n)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    return NULL;
}

/* primary's hs_merged_object_ids += the merged id and its own merged ids. */
static void note_merge(hs_rec *primary, const hs_rec *merged)
{
    const char *had = json_string_value(json_object_get(primary->props, MERGED_PROP));
    const char *also = json_string_value(json_object_get(merged->props, MERGED_PROP));
    char *v = sp_xasprintf("%s%s%s%s%s", had != NULL ? had : "", had != NULL ? ";" : "",
                           merged->ids, also != NULL ? ";" : "", also != NULL ? also : "");

    json_object_set_new(primary->props, MERGED_PROP, json_string(v));
    free(v);
}

void hs_handle_merge(hs_ctx *c, hs_table *t, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    char b1[32], b2[32], *msg;
    const char *pid = id_text(json_object_get(c->body, "primaryObjectId"), b1, sizeof(b1));
    const char *mid = id_text(json_object_get(c->body, "objectIdToMerge"), b2, sizeof(b2));
    hs_rec *primary, *merged;

    if (t->obj == HS_PRODUCTS || t->obj == HS_LINE_ITEMS) {
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
        return;
    }
    if (pid == NULL || mid == NULL || strcmp(pid, mid) == 0) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR",
                      "primaryObjectId and objectIdToMerge must name two records");
        return;
    }
    pthread_rwlock_wrlock(&s->lock);
    primary = hs_rec_find(t, pid);
    merged = hs_rec_find(t, mid);
    if (primary == NULL || merged == NULL || primary->archived || merged->archived) {
        pthread_rwlock_unlock(&s->lock);
        msg = sp_xasprintf("Object not found. objectId are usually numeric. (%s)",
                           primary == NULL || primary->archived ? pid : mid);
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", msg);
        free(msg);
        return;
    }
    note_merge(primary, merged);
    hs_rec_archive(t, merged, hs_now_wall(c->sim));
    primary->updated_ms = hs_now_wall(c->sim);
    hs_resp_json(r, 200, hs_rec_json(t, primary, NULL, 1));
    pthread_rwlock_unlock(&s->lock);
    hs_stats_count_write(c->sim, 0, 1, 1);
}
