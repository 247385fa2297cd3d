/* bench_link.c -- company-link end to end: bin/spetl on a sample company of
 * SPETL_BENCH_LINK_CUSTOMERS customers (default 100,000; SQLite) against the
 * HubSpot simulator holding companies named as every fourth customer, each
 * with two contacts (the e-mails of that customer's first two addresses).
 * Rules: the customer's exact name, then each contact's e-mail among the
 * matched customer's addresses. Unpaced (SPETL_BENCH_UNPACED=1, unlimited
 * simulator): the figures are spetl's own cost, not the rate limit's.
 *
 * Prints, per run: wall time, companies read and linked, requests by
 * endpoint, peak RSS of bin/spetl; then the RSS ratio of the largest run to
 * the smallest. Runs: SPETL_BENCH_LINK_BEFORE companies (default 100)
 * without GP's index on RM00101.CUSTNAME (AK2RM00101 dropped: every
 * exact-name lookup scans the table, about a second each under load, so
 * fewer), then each size of SPETL_BENCH_LINK_COMPANIES (default
 * "2500,25000") with it. SPETL_BENCH_LINK_DB: a sample database to copy
 * instead of generating one (the generator takes minutes at 100,000).
 * Figures only; no thresholds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "../support/benchrun.h"
#include "../support/sim.h"
#include "spetl/clock.h"
#include "spetl/db.h"
#include "spetl/err.h"

static char tmpdir[512];

typedef struct cust {
    char name[96];
    char mail[2][128];
} cust;

static int valid_mail(const char *m)
{
    return strchr(m, '@') != NULL &&
           strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@_+-") == strlen(m);
}

/* Every fourth customer (up to max) with the e-mails of its first two
 * addresses; an e-mail seen before is left out (HubSpot's are unique). */
static long read_customers(sp_db *db, cust *c, long max)
{
    sp_stmt *st = NULL;
    sp_err e;
    char last[64] = "";
    long n = -1, row = -1;
    int k = 0, keep = 0;
    json_t *seen = json_object();

    if (sp_stmt_prepare(db, "SELECT RTRIM(c.CUSTNMBR), RTRIM(c.CUSTNAME), RTRIM(i.INET1) FROM RM00101 c "
                            "LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND i.Master_ID >= RTRIM(c.CUSTNMBR) AND "
                            "i.Master_ID < RTRIM(c.CUSTNMBR) || '!' AND RTRIM(i.Master_ID) = RTRIM(c.CUSTNMBR) "
                            "ORDER BY c.CUSTNMBR, i.ADRSCODE", &st, &e) != 0 ||
        sp_stmt_exec(st, NULL, &e) != 0) {
        fprintf(stderr, "bench_link: %s\n", e.msg);
        return -1;
    }
    while (sp_stmt_fetch(st, &e) == 1) {
        const char *mail = sp_stmt_text(st, 2) ? sp_stmt_text(st, 2) : "";
        if (strcmp(sp_stmt_text(st, 0), last) != 0) {
            snprintf(last, sizeof(last), "%s", sp_stmt_text(st, 0));
            keep = ++row % 4 == 0 && n + 1 < max;
            if (keep) {
                n++;
                memset(&c[n], 0, sizeof(c[n]));
                snprintf(c[n].name, sizeof(c[n].name), "%s", sp_stmt_text(st, 1));
                k = 0;
            }
        }
        if (keep && k < 2 && valid_mail(mail) && strlen(mail) < sizeof(c[0].mail[0])) {
            char low[128];
            size_t i;
            for (i = 0; mail[i] != '\0'; i++)
                low[i] = (char)(mail[i] >= 'A' && mail[i] <= 'Z' ? mail[i] + 32 : mail[i]);
            low[i] = '\0';
            if (json_object_get(seen, low) == NULL) {
                json_object_set_new(seen, low, json_true());
                snprintf(c[n].mail[k++], sizeof(c[0].mail[0]), "%s", mail);
            }
        }
    }
    sp_stmt_free(st);
    json_decref(seen);
    return n + 1;
}

static json_t *seed(sp_sim *sim, const char *obj, json_t *records)
{
    json_t *body = json_pack("{s:o}", "records", records), *ids = NULL;
    char *text = json_dumps(body, JSON_COMPACT), *reply = NULL, path[64];
    int status = 0;
    sp_err e;

    snprintf(path, sizeof(path), "/_sim/seed/%s", obj);
    if (sp_sim_control(sim, "POST", path, text, &reply, &status, &e) == 0 && status == 200 && reply != NULL) {
        json_t *r = json_loads(reply, 0, NULL);
        ids = json_incref(json_object_get(r, "ids"));
        json_decref(r);
    } else
        fprintf(stderr, "bench_link: seed %s: %d %.300s\n", obj, status, reply ? reply : e.msg);
    free(text);
    free(reply);
    json_decref(body);
    return ids;
}

/* Companies from..to-1 (two contacts each) into the simulator, 1,000 at a time. */
static int seed_companies(sp_sim *sim, const cust *c, long from, long to)
{
    for (long at = from; at < to; at += 1000) {
        long end = at + 1000 < to ? at + 1000 : to;
        json_t *crecs = json_array(), *orecs = json_array(), *ids;
        for (long i = at; i < end; i++)
            for (int m = 0; m < 2; m++) {
                json_t *props = json_pack("{s:s}", "lastname", c[i].name);
                if (c[i].mail[m][0] != '\0')
                    json_object_set_new(props, "email", json_string(c[i].mail[m]));
                json_array_append_new(crecs, json_pack("{s:o}", "properties", props));
            }
        ids = seed(sim, "contacts", crecs);
        if (ids == NULL)
            return -1;
        for (long i = at; i < end; i++) {
            json_t *assoc = json_array();
            for (int m = 0; m < 2; m++)
                json_array_append_new(assoc, json_pack("{s:s,s:O}", "to_object", "contacts", "to_id",
                                                       json_array_get(ids, (size_t)(2 * (i - at) + m))));
            json_array_append_new(orecs, json_pack("{s:{s:s},s:o}", "properties", "name", c[i].name, "associations",
                                                   assoc));
        }
        json_decref(ids);
        ids = seed(sim, "companies", orecs);
        if (ids == NULL)
            return -1;
        json_decref(ids);
    }
    return 0;
}

/* One company-link run: its figures on stdout; *rss_kb its peak RSS. */
static int link_run(sp_sim *sim, const char *job, const char *label, long companies, long *rss_kb)
{
    char args[1024];
    json_t *before = sp_bench_sim(sim, "GET", "/_sim/stats", NULL), *after, *by;
    sp_bench_cost cost = {0};
    const char *ep;
    json_t *v;
    int rc;

    snprintf(args, sizeof(args), "run '%s' company-link", job);
    rc = sp_bench_spetl(tmpdir, "HUBSPOT_TOKEN=bench SPETL_BENCH_UNPACED=1", args, &cost);
    *rss_kb = cost.rss_kb;
    after = sp_bench_sim(sim, "GET", "/_sim/stats", NULL);
    printf("company-link %-28s %6ld companies: exit %d in %.1f s (CPU %.1f s); read %lld, linked %lld (companies "
           "and contacts), failed %lld (ambiguous names); peak RSS %.1f MB\n  requests by endpoint:",
           label, companies, rc, cost.secs, cost.cpu_ms / 1000.0, sp_bench_count(tmpdir, "company-link", "read"),
           sp_bench_count(tmpdir, "company-link", "linked"), sp_bench_count(tmpdir, "company-link", "failed"),
           (double)*rss_kb / 1024.0);
    by = json_object_get(after, "by_endpoint");
    json_object_foreach (by, ep, v) {
        long long d = (long long)json_integer_value(v) -
                      (long long)json_integer_value(json_object_get(json_object_get(before, "by_endpoint"), ep));
        if (d > 0)
            printf(" %s %lld;", ep, d);
    }
    printf("\n");
    fflush(stdout);
    json_decref(before);
    json_decref(after);
    return rc >= 0 && rc <= 1 ? 0 : -1;
}

static int exec_sql(sp_db *db, const char *sql)
{
    sp_err e;
    if (sp_db_exec(db, sql, NULL, &e) == 0)
        return 0;
    fprintf(stderr, "bench_link: %s: %s\n", sql, e.msg);
    return -1;
}

static int write_job(const char *job, const char *base, const char *conn)
{
    FILE *f = fopen(job, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "<?xml version=\"1.0\"?>\n<job xmlns=\"urn:spetl:job:1\" name=\"bench-link\">\n"
            "  <hubspot base-url=\"%s\" page-size=\"100\"><token env=\"HUBSPOT_TOKEN\"/></hubspot>\n"
            "  <database connection=\"%s\"/>\n  <matching>\n"
            "    <rule-set id=\"cm\" entity=\"customer\">\n"
            "      <rule name=\"name\"><compare property=\"name\" column=\"CUSTNAME\" how=\"exact\"/></rule>\n"
            "    </rule-set>\n    <rule-set id=\"am\" entity=\"customer-address\">\n"
            "      <rule name=\"e-mail\"><compare property=\"email\" column=\"INET1\" how=\"ci\"/></rule>\n"
            "    </rule-set>\n  </matching>\n  <components>\n"
            "    <company-link customer-matching=\"cm\" customer-address-matching=\"am\"/>\n"
            "  </components>\n</job>\n",
            base, conn);
    fclose(f);
    return 0;
}

static int clear(sp_db *db)
{
    return exec_sql(db, "DELETE FROM spAAIntegratedEntityLink") == 0 && exec_sql(db, "DELETE FROM spAAActionCenter") == 0
               ? 0 : -1;
}

static int bench(long customers, long before, const long *sizes, int nsizes)
{
    static cust c[200000];
    char conn[1024], cmd[2048], job[700];
    sp_db *db = NULL;
    sp_sim *sim = NULL;
    sp_err e;
    long n, rss = 0, rss_first = 0, seeded = 0;
    int rc = -1;

    snprintf(conn, sizeof(conn), "Driver=SQLite3;Database=%s/link-%ld.db;", tmpdir, customers);
    if (getenv("SPETL_BENCH_LINK_DB") != NULL)
        snprintf(cmd, sizeof(cmd), "cp '%s' '%s/link-%ld.db'", getenv("SPETL_BENCH_LINK_DB"), tmpdir, customers);
    else
        snprintf(cmd, sizeof(cmd), "rm -f '%s/link-%ld.db' && '%s/bin/spetl-sample' --conn '%s' --customers %ld "
                                   "--items 1 --documents 0 --prospects 0 --create-schema -q",
                 tmpdir, customers, getenv("SPETL_TOP"), conn, customers);
    if (sp_bench_sh(cmd) != 0 || sp_db_open(&db, conn, NULL, &e) != 0 || sp_sim_start(NULL, &sim, &e) != 0) {
        fprintf(stderr, "bench_link: setting up failed\n");
        goto done;
    }
    n = read_customers(db, c, sizes[nsizes - 1]);
    snprintf(job, sizeof(job), "%s/link.xml", tmpdir);
    snprintf(cmd, sizeof(cmd), "env HUBSPOT_TOKEN=bench '%s' init-db '%s' >/dev/null", getenv("SPETL_BIN"), job);
    if (n < sizes[nsizes - 1] || write_job(job, sp_sim_base_url(sim), conn) != 0 || sp_bench_sh(cmd) != 0)
        goto done;
    /* without GP's name index: every exact-name lookup scans RM00101 */
    if (before > 0) {
        char label[64];
        snprintf(label, sizeof(label), "(%ldk customers, no name index)", customers / 1000);
        if (seed_companies(sim, c, 0, before) != 0 || clear(db) != 0 || exec_sql(db, "DROP INDEX IF EXISTS AK2RM00101") != 0 ||
            link_run(sim, job, label, before, &rss) != 0)
            goto done;
        seeded = before;
    }
    if (exec_sql(db, "CREATE UNIQUE INDEX IF NOT EXISTS AK2RM00101 ON RM00101 (CUSTNAME, DEX_ROW_ID)") != 0)
        goto done;
    for (int i = 0; i < nsizes; i++) {
        char label[64];
        if (seed_companies(sim, c, seeded, sizes[i]) != 0)
            goto done;
        seeded = sizes[i];
        if (clear(db) != 0)
            goto done;
        snprintf(label, sizeof(label), "(%ldk customers, SQLite)", customers / 1000);
        if (link_run(sim, job, label, sizes[i], &rss) != 0)
            goto done;
        if (i == 0)
            rss_first = rss;
    }
    if (nsizes > 1)
        printf("company-link peak RSS %ld companies / %ld companies: %.2f\n", sizes[nsizes - 1], sizes[0],
               rss_first > 0 ? (double)rss / (double)rss_first : 0.0);
    rc = 0;
done:
    sp_db_close(db);
    if (sim != NULL)
        sp_sim_stop(sim);
    return rc;
}

int main(void)
{
    const char *cs = getenv("SPETL_BENCH_LINK_CUSTOMERS"), *list = getenv("SPETL_BENCH_LINK_COMPANIES");
    long customers = cs ? strtol(cs, NULL, 10) : 100000, sizes[8];
    int nsizes = 0;

    if (getenv("SPETL_BIN") == NULL || getenv("SPETL_TOP") == NULL || getenv("SPETL_TEST_TMP") == NULL) {
        printf("bench_link: skipped: run it under make bench\n");
        return 0;
    }
    if (customers <= 0)
        return 0;
    for (const char *p = list ? list : "2500,25000"; *p != '\0' && nsizes < 8;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v > 0 && v <= customers / 4 && (nsizes == 0 || v > sizes[nsizes - 1]))
            sizes[nsizes++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    if (nsizes == 0)
        return 0;
    snprintf(tmpdir, sizeof(tmpdir), "%s/bench-link", getenv("SPETL_TEST_TMP"));
    mkdir(tmpdir, 0755);
    return bench(customers, getenv("SPETL_BENCH_LINK_BEFORE") ? strtol(getenv("SPETL_BENCH_LINK_BEFORE"), NULL, 10) : 100,
                 sizes, nsizes) == 0 ? 0 : 1;
}
