/* cmd_check.c -- `spetl check JOB`: is everything this job needs reachable?
 *
 * For a person, one line per finding: the job file, the database and spetl's
 * tables, the token and the hub it belongs to, read and write access to each
 * HubSpot object the job uses (a scope the token lacks shows as HubSpot's 403
 * MISSING_SCOPES), and the properties the mappings name that HubSpot does not
 * have, the company-types that are not options of the account's company
 * "type" property, and deal-export's pipeline and stage that are not the
 * account's (every pipeline and its stages listed). Writes nothing. Exit 0 when all is well, otherwise the code
 * of the first problem: 2 job or missing properties, 3 database, 4 HubSpot. */
#include <stdio.h>
#include <string.h>

#include "spetl/cli.h"
#include "spetl/export.h"
#include "spetl/hs_verify.h"
#include "spetl/log.h"
#include "spetl/runner.h"
#include "spetl/setup.h"

typedef struct verdict {
    sp_err first;
    int problems;
} verdict;

static void report(verdict *v, const char *what, const sp_err *e)
{
    char line[1024];

    if (e == NULL || e->code == SP_OK) {
        printf("ok    %s\n", what);
        return;
    }
    printf("FAIL  %s: %s\n", what, sp_err_format(e, line, sizeof(line)));
    if (v->problems++ == 0)
        v->first = *e;
}

/* One probe on a client of its own: a 401/403 stops a client, and every
 * object is to be tried. Read: list one record. Write: a batch update with
 * no inputs, which changes nothing but needs the write scope. */
static int probe(const sp_job *job, sp_hs_object obj, int write, sp_err *e)
{
    sp_hs_client *hs = NULL;
    sp_hs_page page = {0};
    char path[256];
    int status = 0, rc = -1;

    if (sp_open_hubspot(job, &hs, e) != 0)
        goto done;
    if (!write) {
        if (sp_hs_list(hs, obj, NULL, 0, NULL, 1, &page, e) != 0)
            goto done;
    } else {
        snprintf(path, sizeof(path), "%s/%s/batch/update", sp_hs_objects_prefix(hs),
                 sp_hs_object_name(obj));
        if (sp_hs_raw(hs, "POST", path, "{\"inputs\":[]}", 1, &status, NULL, e) != 0)
            goto done;
    }
    rc = 0;
done:
    sp_hs_page_free(&page);
    sp_hs_client_free(hs);
    return rc;
}

/* The database and spetl's tables: pe keeps the first failure, a probe
 * error or else every missing table; what names the database. */
static void check_database(const sp_job *job, const char *job_path, sp_db **db, char *what,
                           size_t nwhat, sp_err *pe)
{
    static const char *const tables[] = {"spAAIntegratedEntityLink", "spAAComponentState",
                                         "spAARunHistory", "spAAActionCenter", "spAARunLock"};
    char missing[256] = "";
    size_t used = 0;
    int exists, nmissing = 0;

    sp_err_clear(pe);
    if (sp_open_job_db(job, db, pe) != 0) {
        snprintf(what, nwhat, "database");
        return;
    }
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (sp_db_table_exists(*db, tables[i], &exists, pe) != 0)
            break;
        if (!exists && used < sizeof(missing)) {
            nmissing++;
            used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
                                     used ? ", " : "", tables[i]);
        }
    }
    if (pe->code == SP_OK && nmissing > 0)
        SP_ERR(pe, SP_EDB, "spetl's table%s %s %s missing: run `spetl init-db %s`",
               nmissing == 1 ? "" : "s", missing, nmissing == 1 ? "is" : "are", job_path);
    snprintf(what, nwhat, "database: %s (%s)", sp_dialect_name(sp_db_dialect(*db)),
             sp_db_server_version(*db));
}

/* deal-export's queue has a next queue (next-queue, or spWorkflowQueueOrder). */
static void check_deal_queue(const sp_job *job, sp_db *db, verdict *v)
{
    const sp_job_component *c = job->components[SP_COMP_DEAL_EXPORT];
    char next[7][16], what[160];
    sp_err pe;

    if (c == NULL || !c->enabled || db == NULL)
        return;
    sp_err_clear(&pe);
    (void)sp_deal_next_queues(db, job, c, next, &pe);
    snprintf(what, sizeof(what), "deal-export: queue %s has a next queue", c->u.deal.queue);
    report(v, what, &pe);
}

/* company-types of company-link and of the imports against the options of
 * the account's company property "type" (an unknown one at its job line). */
static void check_company_types(const sp_job *job, sp_hs_client *hs, verdict *v)
{
    const sp_job_component *comps[SP_COMP_COUNT];
    size_t nc = sp_job_enabled_components(job, comps, SP_COMP_COUNT);

    for (size_t i = 0; i < nc; i++) {
        const sp_job_component *c = comps[i];
        unsigned mask = 0;
        sp_job_pos pos = c->pos;
        char what[128];
        sp_err pe;

        if (c->kind == SP_COMP_COMPANY_LINK) {
            mask = c->u.link.company_types;
            pos = c->u.link.types_pos;
        } else if (c->kind == SP_COMP_CUSTOMER_IMPORT || c->kind == SP_COMP_PROSPECT_IMPORT) {
            mask = c->u.import.company_types;
            pos = c->u.import.types_pos;
        }
        if (mask == 0)
            continue;
        sp_err_clear(&pe);
        (void)sp_hs_check_company_types(hs, mask, job->path, pos.line, pos.col, &pe);
        snprintf(what, sizeof(what), "company-types of %s", c->name);
        report(v, what, &pe);
    }
}

/* deal-export's pipeline and stage against the account's deal pipelines. */
static void check_deal_pipeline(const sp_job *job, sp_hs_client *hs, verdict *v)
{
    const sp_job_component *c = job->components[SP_COMP_DEAL_EXPORT];
    sp_err pe;

    if (c == NULL || !c->enabled)
        return;
    sp_err_clear(&pe);
    (void)sp_deal_check_pipeline(hs, job, c, &pe);
    report(v, "deal-export: pipeline and dealstage of the deal mapping", &pe);
}

int sp_cmd_check(const sp_cli *cli, sp_err *e)
{
    sp_job *job = NULL;
    sp_db *db = NULL;
    sp_hs_client *hs = NULL;
    const sp_setup_need *needs = NULL;
    size_t n = 0;
    verdict v;
    sp_err pe;
    char hub[32] = "", what[256];
    unsigned objects;

    memset(&v, 0, sizeof(v));
    if (sp_job_load(cli->job_path, NULL, &job, e) != 0)
        return -1;
    printf("ok    job file %s (job \"%s\")\n", cli->job_path, job->name);

    check_database(job, cli->job_path, &db, what, sizeof(what), &pe);
    report(&v, what, &pe);
    check_deal_queue(job, db, &v);

    sp_err_clear(&pe);
    if (sp_open_hubspot(job, &hs, &pe) == 0 && sp_resolve_hub(hs, job, hub, sizeof(hub), &pe) == 0)
        snprintf(what, sizeof(what), "HubSpot token: valid for hub %s (%s, API %s)", hub,
                 job->hubspot.base_url, job->hubspot.api_version);
    else
        snprintf(what, sizeof(what), "HubSpot token (%s)", job->hubspot.base_url);
    report(&v, what, &pe);

    if (hub[0] != '\0') {
        objects = sp_setup_objects(job);
        for (int obj = 0; obj < SP_HS_OBJECT_COUNT; obj++) {
            if (!(objects & (1u << obj)))
                continue;
            for (int write = 0; write <= 1; write++) {
                sp_err_clear(&pe);
                probe(job, (sp_hs_object)obj, write, &pe);
                snprintf(what, sizeof(what), "%s %s %s", write ? "write" : "read",
                         write ? "to" : "from", sp_hs_object_name((sp_hs_object)obj));
                report(&v, what, &pe);
            }
        }
        sp_err_clear(&pe);
        if (sp_setup_needs(job, &needs, &n, &pe) != 0) {
            report(&v, "properties", &pe);
        } else {
            for (int obj = 0; obj < SP_HS_OBJECT_COUNT; obj++) {
                sp_hs_properties have = {0};
                int nmissing = 0, nbad = 0;
                char list[512] = "";
                size_t used = 0;

                if (!(objects & (1u << obj)))
                    continue;
                sp_err_clear(&pe);
                if (sp_hs_properties_read(hs, (sp_hs_object)obj, &have, &pe) == 0) {
                    for (size_t i = 0; i < n; i++) {
                        const sp_hs_property *p;
                        if (needs[i].object != (sp_hs_object)obj)
                            continue;
                        p = sp_hs_properties_find(&have, needs[i].property);
                        if (p == NULL || (needs[i].unique && !p->has_unique_value)) {
                            if (p == NULL)
                                nmissing++;
                            else
                                nbad++;
                            if (used < sizeof(list))
                                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s%s",
                                                         used ? ", " : "", needs[i].property,
                                                         p != NULL ? " (not unique)" : "");
                        }
                    }
                    if (nmissing + nbad > 0)
                        SP_ERR(&pe, SP_EJOB,
                               "%s the mappings need: %s; run `spetl setup-hubspot %s`",
                               nbad ? "properties missing or without unique values"
                                    : "properties missing",
                               list, cli->job_path);
                }
                sp_hs_properties_free(&have);
                snprintf(what, sizeof(what), "%s properties", sp_hs_object_name((sp_hs_object)obj));
                report(&v, what, &pe);
            }
        }
        check_company_types(job, hs, &v);
        check_deal_pipeline(job, hs, &v);
        if (v.problems == 0) {
            /* what the mappings send against the existing properties' types
             * (each problem logged at its job line) */
            const sp_job_component *comps[SP_COMP_COUNT];
            size_t nc = sp_job_enabled_components(job, comps, SP_COMP_COUNT);
            sp_err_clear(&pe);
            (void)sp_setup_check_mappings(hs, job, comps, nc, &pe);
            report(&v, "mappings against the property definitions", &pe);
        }
    }
    sp_hs_client_free(hs);
    sp_db_close(db);
    sp_job_free(job);
    if (v.problems > 0) {
        *e = v.first;
        sp_err_prefix(e, "%d problem%s found; the first", v.problems, v.problems == 1 ? "" : "s");
        return -1;
    }
    printf("%s: everything this job needs is reachable\n", cli->job_path);
    return 0;
}
