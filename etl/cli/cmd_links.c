/* cmd_links.c -- `spetl links JOB`: the SalesPad <-> HubSpot links
 * (spAAIntegratedEntityLink), which the seed's users fix by hand.
 *
 *   links JOB [--type T] [--key K | --hs-id ID]          list (or --json)
 *   links JOB --delete [--dry-run] [--yes] (selection)     delete; a sales
 *        document's lines' links go with it, so the next deal-export sends
 *        it again; asks for --yes on a terminal when more than one would go
 *   links JOB --verify [--repair] [selection]              batch-read every
 *        linked HubSpot id (100 per request, paced by the client) and report
 *        links whose record is gone (deleted, archived) or merged into
 *        another; --repair re-points a merged record's link to the
 *        surviving id and removes a gone record's link, so the next export
 *        re-finds or re-creates the record by its key.
 *
 * Listing and deleting need only the database (the job's hub-id narrows
 * them to that hub, else every hub in the database); verify needs the token
 * and works on the token's hub. --repair holds the hub's run lock, so it
 * never races a run. Exit 0; 1 when verify found links it did not repair.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_json.h"
#include "spetl/cli.h"
#include "spetl/clock.h"
#include "spetl/hs_verify.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/platform.h"
#include "spetl/progress.h"
#include "spetl/runner.h"
#include "spetl/state.h"

#define LINKS_MAX 5000000          /* links --delete chooses at most this many */
#define VERIFY_PAGE 10000          /* links --verify reads the links this many at a time */
#define LOCK_STALE_MS (15L * 60 * 1000)   /* as a run's: a live run is never taken over */

typedef struct link_row {
    char hub[24];
    sp_link l;
} link_row;

typedef struct link_set {
    link_row *rows;
    size_t n, cap;
} link_set;

static int add_row(const char *hub, const sp_link *l, void *ctx)
{
    link_set *s = ctx;

    if (s->n == LINKS_MAX)
        return -1;
    s->rows = sp_xgrow(s->rows, s->n, &s->cap, sizeof(s->rows[0]), 256);
    snprintf(s->rows[s->n].hub, sizeof(s->rows[s->n].hub), "%s", hub);
    s->rows[s->n++].l = *l;
    return 0;
}

/* --type: a link type, any case. */
static int parse_type(const char *t, char *out, size_t n, sp_err *e)
{
    static const char *const types[] = {SP_LINK_CUSTOMER, SP_LINK_CUSTOMER_ADDRESS,
                                        SP_LINK_PROSPECT, SP_LINK_PROSPECT_CONTACT,
                                        SP_LINK_ITEM,     SP_LINK_SALES_DOCUMENT,
                                        SP_LINK_SALES_LINE};

    for (size_t i = 0; t != NULL && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcasecmp(t, types[i]) == 0) {
            snprintf(out, n, "%s", types[i]);
            return 0;
        }
    }
    if (t == NULL)
        return 0;
    return SP_ERR(e, SP_EUSAGE,
                  "unknown link type '%s' (CUSTOMER, CUSTOMER_ADDRESS, PROSPECT, "
                  "PROSPECT_CONTACT, ITEM, SALES_DOCUMENT, SALES_LINE)",
                  t);
}

static void json_link(cli_json *j, const link_row *r)
{
    cli_json_str(j, "hub", r->hub);
    cli_json_str(j, "entity_type", r->l.entity_type);
    cli_json_str(j, "entity_key", r->l.entity_key);
    cli_json_str(j, "hs_object", r->l.hs_object);
    cli_json_str(j, "hs_id", r->l.hs_id);
    cli_json_str(j, "payload_hash", r->l.payload_hash);
    cli_json_time(j, "created", r->l.created_on);
    cli_json_time(j, "last_exported", r->l.last_exported_on);
}

typedef struct lister {
    cli_json j;
    int json;
    long count;
} lister;

static int print_link(const char *hub, const sp_link *l, void *ctx)
{
    lister *x = ctx;
    char when[32] = "-";
    link_row r;

    x->count++;
    if (x->json) {
        snprintf(r.hub, sizeof(r.hub), "%s", hub);
        r.l = *l;
        cli_json_obj(&x->j, NULL);
        json_link(&x->j, &r);
        cli_json_end(&x->j, '}');
        return 0;
    }
    if (l->last_exported_on > 0)
        sp_time_iso8601(l->last_exported_on, when, sizeof(when));
    printf("%-10s %-17s %-32s %-11s %-14s %s\n", hub, l->entity_type, l->entity_key, l->hs_object,
           l->hs_id, when);
    return 0;
}

static int list_links(const sp_cli *cli, sp_db *db, const sp_link_sel *sel, sp_err *e)
{
    lister x;

    memset(&x, 0, sizeof(x));
    x.json = cli->json;
    cli_json_init(&x.j, stdout);
    if (x.json) {
        cli_json_obj(&x.j, NULL);
        cli_json_arr(&x.j, "links");
    } else {
        printf("%-10s %-17s %-32s %-11s %-14s %s\n", "HUB", "TYPE", "KEY", "HUBSPOT", "HUBSPOT ID",
               "LAST EXPORTED (UTC)");
    }
    if (sp_link_list(db, sel, cli->limit, print_link, &x, e) != 0)
        return -1;
    if (x.json) {
        cli_json_end(&x.j, ']');
        cli_json_end(&x.j, '}');
    } else if (x.count == 0) {
        printf("%s: no link matches\n", cli->job_path);
    }
    return 0;
}

/* The chosen links, and the lines' links of the chosen sales documents. */
static int chosen(sp_db *db, const sp_link_sel *sel, link_set *s, sp_err *e)
{
    size_t ndocs;
    char prefix[sizeof(s->rows[0].l.entity_key) + 2];

    if (sp_link_list(db, sel, 0, add_row, s, e) != 0)
        return -1;
    ndocs = s->n;
    for (size_t i = 0; i < ndocs; i++) {
        sp_link_sel lines = {0};
        if (strcmp(s->rows[i].l.entity_type, SP_LINK_SALES_DOCUMENT) != 0)
            continue;
        snprintf(prefix, sizeof(prefix), "%s|", s->rows[i].l.entity_key);
        lines.hub = s->rows[i].hub;
        lines.entity_type = SP_LINK_SALES_LINE;
        lines.key_prefix = prefix;
        if (sp_link_list(db, &lines, 0, add_row, s, e) != 0)
            return -1;
    }
    return 0;
}

static int delete_links(const sp_cli *cli, sp_db *db, const sp_link_sel *sel, sp_err *e)
{
    link_set s = {0};
    int64_t n, total = 0;
    int rc = -1;

    if (chosen(db, sel, &s, e) != 0)
        goto done;
    for (size_t i = 0; i < s.n; i++)
        printf("%s hub=%s %s %s -> HubSpot %s %s\n", cli->dry_run ? "would delete" : "delete",
               s.rows[i].hub, s.rows[i].l.entity_type, s.rows[i].l.entity_key,
               s.rows[i].l.hs_object, s.rows[i].l.hs_id);
    if (s.n == 0) {
        printf("%s: no link matches: nothing deleted\n", cli->job_path);
        rc = 0;
        goto done;
    }
    if (cli->dry_run) {
        printf("%s: %zu link%s would be deleted (dry run: nothing deleted)\n", cli->job_path, s.n,
               s.n == 1 ? "" : "s");
        rc = 0;
        goto done;
    }
    if (s.n > 1 && !cli->yes && sp_os_is_terminal(stdin)) {
        SP_ERR(e, SP_EUSAGE, "%zu links would be deleted: add --yes to delete them", s.n);
        goto done;
    }
    if (sp_db_begin(db, e) != 0)
        goto done;
    for (size_t i = 0; i < s.n; i++) {
        if (sp_link_delete(db, s.rows[i].hub, s.rows[i].l.entity_type, s.rows[i].l.entity_key, &n,
                           e) != 0) {
            sp_db_rollback(db, NULL);
            goto done;
        }
        total += n;
    }
    if (sp_db_commit(db, e) != 0)
        goto done;
    printf("%s: %lld link%s deleted; the next run exports those records again (or finds them "
           "by their key)\n",
           cli->job_path, (long long)total, total == 1 ? "" : "s");
    rc = 0;
done:
    free(s.rows);
    return rc;
}

/* ---- verify ------------------------------------------------------------- */

typedef struct verify {
    const sp_cli *cli;
    sp_db *db;
    const char *hub;
    cli_json j;
    sp_progress *pg;            /* the progress line on a terminal, or NULL */
    long done;                  /* links checked */
    long there, gone, merged, repaired, conflicts;
} verify;

/* Repair one link: a merged record's link follows the survivor (unless the
 * survivor is linked already), a gone record's link goes. */
static int repair(verify *v, const link_row *r, const sp_hs_id_check *c, const char **what,
                  sp_err *e)
{
    sp_link other;
    int64_t n = 0;
    int found = 0;

    *what = "none";
    if (!v->cli->repair)
        return 0;
    if (c->state == SP_HS_ID_GONE) {
        if (sp_link_delete(v->db, v->hub, r->l.entity_type, r->l.entity_key, &n, e) != 0)
            return -1;
        *what = "deleted";
    } else {
        if (sp_link_get_by_hs(v->db, v->hub, r->l.hs_object, c->merged_into, &other, &found, e) != 0)
            return -1;
        if (found) {
            v->conflicts++;
            *what = "conflict";
            if (!v->cli->json)
                printf("  not re-pointed: HubSpot %s %s is linked to %s %s already; delete one "
                       "of the two links\n",
                       r->l.hs_object, c->merged_into, other.entity_type, other.entity_key);
            return 0;
        }
        if (sp_link_repoint(v->db, v->hub, r->l.hs_object, r->l.hs_id, c->merged_into, &n, e) != 0)
            return -1;
        *what = "re-pointed";
    }
    v->repaired += n > 0;
    return 0;
}

static int judge_one(verify *v, const link_row *r, const sp_hs_id_check *c, sp_err *e)
{
    const char *what;

    if (c->state == SP_HS_ID_THERE) {
        v->there++;
        return 0;
    }
    if (c->state == SP_HS_ID_GONE)
        v->gone++;
    else
        v->merged++;
    sp_progress_hide(v->pg);   /* stdout may be its terminal */
    if (!v->cli->json) {
        if (c->state == SP_HS_ID_GONE)
            printf("gone: %s %s -> HubSpot %s %s (deleted or archived)\n", r->l.entity_type,
                   r->l.entity_key, r->l.hs_object, r->l.hs_id);
        else
            printf("merged: %s %s -> HubSpot %s %s, merged into %s\n", r->l.entity_type,
                   r->l.entity_key, r->l.hs_object, r->l.hs_id, c->merged_into);
    }
    if (repair(v, r, c, &what, e) != 0)
        return -1;
    if (v->cli->json) {
        cli_json_obj(&v->j, NULL);
        json_link(&v->j, r);
        cli_json_str(&v->j, "state", c->state == SP_HS_ID_GONE ? "gone" : "merged");
        cli_json_str(&v->j, "merged_into", c->state == SP_HS_ID_MERGED ? c->merged_into : NULL);
        cli_json_str(&v->j, "repair", what);
        cli_json_end(&v->j, '}');
    }
    return 0;
}

/* Check the links of one HubSpot object, SP_HS_VERIFY_MAX ids per request. */
static int verify_object(verify *v, sp_hs_client *hs, sp_hs_object o, const link_set *s,
                         sp_err *e)
{
    const char *ids[SP_HS_VERIFY_MAX];
    const link_row *rows[SP_HS_VERIFY_MAX];
    sp_hs_id_check res[SP_HS_VERIFY_MAX];
    size_t i = 0;

    while (i < s->n) {
        size_t n = 0;
        for (; i < s->n && n < SP_HS_VERIFY_MAX; i++) {
            if (strcmp(s->rows[i].l.hs_object, sp_hs_object_name(o)) != 0)
                continue;
            rows[n] = &s->rows[i];
            ids[n++] = s->rows[i].l.hs_id;
        }
        if (n == 0)
            break;
        if (sp_hs_verify_ids(hs, o, ids, n, res, e) != 0)
            return -1;
        for (size_t k = 0; k < n; k++)
            if (judge_one(v, rows[k], &res[k], e) != 0)
                return -1;
        v->done += (long)n;
        sp_progress_update(v->pg, v->done, -1);
    }
    return 0;
}

/* Every chosen link, VERIFY_PAGE at a time (keyset on type and key): the
 * memory stays bounded however many links the hub has. */
static int verify_all(verify *v, sp_hs_client *hs, sp_link_sel *sel, sp_err *e)
{
    link_set s = {0};
    char type[sizeof(s.rows[0].l.entity_type)], key[sizeof(s.rows[0].l.entity_key)];
    int64_t total = 0;
    long page;
    int rc = -1;

    if (sel->entity_key == NULL && sel->hs_id == NULL &&
        sp_link_count(v->db, sel->hub, sel->entity_type, &total, e) != 0)
        return -1;
    if (v->cli->limit > 0 && (total == 0 || total > v->cli->limit))
        total = v->cli->limit;
    v->pg = v->cli->progress ? sp_progress_begin(stderr, "verify", hs, total) : NULL;
    for (;;) {
        page = v->cli->limit > 0 ? v->cli->limit - v->done : VERIFY_PAGE;
        page = page < VERIFY_PAGE ? page : VERIFY_PAGE;
        if (page <= 0)
            break;
        s.n = 0;
        if (sp_link_list(v->db, sel, page, add_row, &s, e) != 0)
            goto done;
        for (int o = 0; o < SP_HS_OBJECT_COUNT; o++)
            if (verify_object(v, hs, (sp_hs_object)o, &s, e) != 0)
                goto done;
        if ((long)s.n < page)
            break;
        snprintf(type, sizeof(type), "%s", s.rows[s.n - 1].l.entity_type);
        snprintf(key, sizeof(key), "%s", s.rows[s.n - 1].l.entity_key);
        sel->after_type = type;
        sel->after_key = key;
    }
    rc = 0;
done:
    sp_progress_end(v->pg);
    v->pg = NULL;
    sel->after_type = sel->after_key = NULL;
    free(s.rows);
    return rc;
}

static int report_verify(verify *v, sp_err *e)
{
    long open = v->gone + v->merged - v->repaired;

    if (v->cli->json) {
        cli_json_end(&v->j, ']');
        cli_json_int(&v->j, "checked", v->done);
        cli_json_int(&v->j, "there", v->there);
        cli_json_int(&v->j, "gone", v->gone);
        cli_json_int(&v->j, "merged", v->merged);
        cli_json_int(&v->j, "repaired", v->repaired);
        cli_json_end(&v->j, '}');
    } else {
        printf("%s: %ld link%s checked: %ld there, %ld gone, %ld merged%s", v->cli->job_path,
               v->done, v->done == 1 ? "" : "s", v->there, v->gone, v->merged, v->cli->repair ? "" : "\n");
        if (v->cli->repair)
            printf("; %ld repaired\n", v->repaired);
    }
    if (open > 0)
        return SP_ERR(e, SP_ERECORDS, "%ld link%s point%s at gone or merged HubSpot records%s",
                      open, open == 1 ? "" : "s", open == 1 ? "s" : "",
                      v->cli->repair ? " and could not be repaired (above)"
                                     : ": `spetl links --verify --repair` fixes them");
    return 0;
}

static int verify_links(const sp_cli *cli, sp_link_sel *sel, sp_err *e)
{
    sp_job *job = NULL;
    sp_db *db = NULL;
    sp_hs_client *hs = NULL;
    verify v;
    char hub[32] = "", run_id[48] = "", line[1024];
    int locked = 0, rc = -1;
    sp_err e2;

    memset(&v, 0, sizeof(v));
    if (sp_job_load(cli->job_path, NULL, &job, e) != 0 || sp_open_job_db(job, &db, e) != 0 ||
        sp_open_hubspot(job, &hs, e) != 0 || sp_resolve_hub(hs, job, hub, sizeof(hub), e) != 0)
        goto done;
    if (cli->repair) {
        if (sp_lock_acquire(db, hub, sp_run_id_new(run_id, sizeof(run_id)), LOCK_STALE_MS, e) != 0)
            goto done;
        locked = 1;
    }
    sel->hub = hub;
    v.cli = cli;
    v.db = db;
    v.hub = hub;
    cli_json_init(&v.j, stdout);
    if (cli->json) {
        cli_json_obj(&v.j, NULL);
        cli_json_arr(&v.j, "problems");
    }
    if (verify_all(&v, hs, sel, e) != 0)
        goto done;
    rc = report_verify(&v, e);
done:
    if (locked) {
        sp_err_clear(&e2);
        if (sp_lock_release(db, hub, run_id, &e2) != 0)
            SP_WARN("lock", "%s", sp_err_format(&e2, line, sizeof(line)));
    }
    sp_hs_client_free(hs);
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}

int sp_cmd_links(const sp_cli *cli, sp_err *e)
{
    sp_job_load_opts opts = {0};
    sp_job *job = NULL;
    sp_db *db = NULL;
    sp_link_sel sel = {0};
    char type[24] = "", hub[32] = "";
    int rc = -1;

    if (cli->del && cli->verify)
        return SP_ERR(e, SP_EUSAGE, "links: --delete or --verify, not both");
    if (cli->repair && !cli->verify)
        return SP_ERR(e, SP_EUSAGE, "links: --repair goes with --verify");
    if (cli->key != NULL && cli->hs_id != NULL)
        return SP_ERR(e, SP_EUSAGE, "links: --key or --hs-id, not both");
    if (cli->del && cli->key == NULL && cli->hs_id == NULL && cli->type == NULL)
        return SP_ERR(e, SP_EUSAGE, "links --delete needs --key, --hs-id or --type");
    if ((cli->dry_run || cli->yes) && !cli->del)   /* --verify --repair --dry-run would repair */
        return SP_ERR(e, SP_EUSAGE, "links: %s goes with --delete", cli->dry_run ? "--dry-run" : "--yes");
    if (cli->del && (cli->json || cli->limit > 0))
        return SP_ERR(e, SP_EUSAGE, "links --delete does not take %s", cli->json ? "--json" : "--limit");
    if (parse_type(cli->type, type, sizeof(type), e) != 0)
        return -1;
    sel.entity_type = type[0] ? type : NULL;
    sel.entity_key = cli->key;
    sel.hs_id = cli->hs_id;
    if (cli->verify)
        return verify_links(cli, &sel, e);
    opts.skip_secrets = 1;
    if (sp_job_load(cli->job_path, &opts, &job, e) != 0 || sp_open_job_db(job, &db, e) != 0)
        goto done;
    if (job->hub_id != 0) {
        snprintf(hub, sizeof(hub), "%" PRIu64, job->hub_id);
        sel.hub = hub;
    }
    rc = cli->del ? delete_links(cli, db, &sel, e) : list_links(cli, db, &sel, e);
done:
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}
