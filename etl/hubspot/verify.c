/* verify.c -- which linked HubSpot ids are gone or merged, and whether the
 * account has the company types a job asks for (see hs_verify.h). */
#include "spetl/hs_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hs_internal.h"
#include "spetl/job.h"

#define MERGED_PROP "hs_merged_object_ids"

int sp_hs_id_in_list(const char *list, const char *id)
{
    size_t n = strlen(id);
    const char *p = list;

    if (list == NULL || n == 0)
        return 0;
    while (*p != '\0') {
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return 0;
}

static const char *text_of(const json_t *v, char *buf, size_t n)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    return NULL;
}

/* 1 when an OBJECT_NOT_FOUND error of the reply names id in context.ids. */
static int named_not_found(const json_t *errors, const char *id)
{
    const json_t *err, *v;
    size_t i, k;
    char buf[32];

    json_array_foreach(errors, i, err) {
        const char *cat = json_string_value(json_object_get(err, "category"));
        if (cat == NULL || strcmp(cat, "OBJECT_NOT_FOUND") != 0)
            continue;
        json_array_foreach(json_object_get(json_object_get(err, "context"), "ids"), k, v) {
            const char *t = text_of(v, buf, sizeof(buf));
            if (t != NULL && strcmp(t, id) == 0)
                return 1;
        }
    }
    return 0;
}

/* Judge id against the reply: -1 when the reply does not account for it
 * (neither a result nor a not-found error names it). */
static int judge(const json_t *results, const json_t *errors, const char *id, sp_hs_id_check *out)
{
    const json_t *r;
    size_t i;
    char buf[32];

    memset(out, 0, sizeof(*out));
    out->state = SP_HS_ID_GONE;
    json_array_foreach(results, i, r) {
        const char *rid = text_of(json_object_get(r, "id"), buf, sizeof(buf));
        if (rid != NULL && strcmp(rid, id) == 0) {
            out->state = SP_HS_ID_THERE;
            return 0;
        }
    }
    json_array_foreach(results, i, r) {
        const char *rid = text_of(json_object_get(r, "id"), buf, sizeof(buf));
        const json_t *props = json_object_get(r, "properties");
        if (rid != NULL && sp_hs_id_in_list(json_string_value(json_object_get(props, MERGED_PROP)), id)) {
            out->state = SP_HS_ID_MERGED;
            snprintf(out->merged_into, sizeof(out->merged_into), "%s", rid);
            return 0;
        }
    }
    return named_not_found(errors, id) ? 0 : -1;
}

static char *read_body(const char *const *ids, size_t n)
{
    json_t *root = json_object(), *inputs = json_array();
    char *body;

    for (size_t i = 0; i < n; i++)
        json_array_append_new(inputs, json_pack("{s:s}", "id", ids[i]));
    json_object_set_new(root, "inputs", inputs);
    json_object_set_new(root, "properties", json_pack("[s]", MERGED_PROP));
    /* the schema (BatchReadInputSimplePublicObjectId) requires it */
    json_object_set_new(root, "propertiesWithHistory", json_array());
    body = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return body;
}

int sp_hs_verify_ids(sp_hs_client *c, sp_hs_object o, const char *const *ids, size_t n,
                     sp_hs_id_check *out, sp_err *e)
{
    char path[256];
    char *body = NULL;
    json_t *reply = NULL;
    const json_t *results;
    int status = 0, rc = -1;

    if (n == 0)
        return 0;
    if (n > SP_HS_VERIFY_MAX)
        return SP_ERR(e, SP_EINTERNAL, "verify: %zu ids in one request (at most %d)", n,
                      SP_HS_VERIFY_MAX);
    snprintf(path, sizeof(path), "%s/%s/batch/read?archived=false", sp_hs_objects_prefix(c),
             sp_hs_object_name(o));
    body = read_body(ids, n);
    if (body == NULL) {
        SP_ERR(e, SP_EINTERNAL, "verify: building the batch read failed");
        goto done;
    }
    /* the queue takes the body; a read is safe to send again */
    rc = hs_call(c, "POST", path, NULL, body, HS_IDEMPOTENT, &status, &reply, e);
    body = NULL;
    if (rc != 0)
        goto done;
    rc = -1;
    results = json_object_get(reply, "results");
    /* 200: all there; 207: some not found (named in errors[].context.ids) */
    if (status < 200 || status > 299 || !json_is_array(results)) {
        SP_ERR(e, SP_EHUBSPOT, "POST %s: HTTP %d%s", path, status,
               json_is_array(results) ? "" : " without a results array");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (judge(results, json_object_get(reply, "errors"), ids[i], &out[i]) != 0) {
            SP_ERR(e, SP_EHUBSPOT, "POST %s: the reply neither returns %s %s nor says it was "
                   "not found: nothing judged", path, sp_hs_object_name(o), ids[i]);
            goto done;
        }
    }
    rc = 0;
done:
    free(body);
    json_decref(reply);
    return rc;
}

/* ---- company types ------------------------------------------------------------ */

typedef struct types_ud {
    unsigned mask;
    unsigned missing;           /* bits of mask the options lack */
    char options[512];          /* "PROSPECT, PARTNER, ..." as the account has them */
} types_ud;

static int type_options_fn(const hs_reply *r, void *ud, sp_err *e)
{
    types_ud *t = ud;
    const json_t *opts = json_object_get(r->json, "options"), *o;
    size_t i, used = 0;

    if (r->status == 404)
        return SP_ERR(e, SP_EJOB, "company-types: this HubSpot account has no company property \"type\" "
                      "(%s answered 404): remove company-types to take every company", r->what);
    if (r->status < 200 || r->status >= 300)
        return hs_reply_err(r, e);
    if (!json_is_array(opts))
        return hs_shape_err(r, "the property \"type\" has no options array", e);
    t->missing = t->mask;
    json_array_foreach(opts, i, o) {
        const char *v = json_string_value(json_object_get(o, "value"));
        if (v == NULL)
            continue;
        for (unsigned bit = SP_COMPANY_PROSPECT; bit <= SP_COMPANY_OTHER; bit <<= 1)
            if (strcasecmp(v, sp_job_company_type_name(bit)) == 0)
                t->missing &= ~bit;
        if (used < sizeof(t->options))
            used += (size_t)snprintf(t->options + used, sizeof(t->options) - used, "%s%s", used ? ", " : "", v);
    }
    return 0;
}

int sp_hs_check_company_types(sp_hs_client *c, unsigned mask, const char *job_path, int line, int col,
                              sp_err *e)
{
    types_ud t;
    char path[160], lacks[128] = "";
    size_t used = 0;

    if (mask == 0)
        return 0;
    memset(&t, 0, sizeof(t));
    t.mask = mask;
    snprintf(path, sizeof(path), "%s/companies/type", c->props_prefix);
    if (hs_call_with(c, "GET", path, NULL, NULL, HS_IDEMPOTENT, type_options_fn, &t, e) != 0) {
        if (e->code == SP_EJOB)
            sp_err_at_input(e, job_path, line, col);
        return -1;
    }
    if (t.missing == 0)
        return 0;
    for (unsigned bit = SP_COMPANY_PROSPECT; bit <= SP_COMPANY_OTHER; bit <<= 1)
        if (t.missing & bit)
            used += (size_t)snprintf(lacks + used, sizeof(lacks) - used, "%s%s", used ? ", " : "",
                                     sp_job_company_type_name(bit));
    SP_ERR(e, SP_EJOB, "company-types: %s %s not an option of this HubSpot account's company property "
           "\"type\" (its options: %s); fix company-types or add the option in HubSpot",
           lacks, strchr(lacks, ',') != NULL ? "are" : "is", t.options[0] ? t.options : "none");
    sp_err_at_input(e, job_path, line, col);
    return -1;
}
