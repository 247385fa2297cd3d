/* check_linkx.c -- around company-link, end to end (bin/spetl against the
 * HubSpot simulator and a sample GP company, on SQLite and PostgreSQL):
 *   - company-types checked against the options of the account's company
 *     property "type" at `spetl check` and at the start of a run, an unknown
 *     type reported at the attribute's line;
 *   - a converted prospect keeps its contacts' links: customer-export then
 *     creates no contact and reports no e-mail conflict;
 *   - company-link killed (SIGKILL) at several points, then rerun: every
 *     company linked once, no duplicate link. */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/e2e.h"
#include "../support/run.h"
#include "../support/sim.h"
#include "../support/skip.h"
#include "spetl/db.h"
#include "spetl/mem.h"
#include "spetl/state.h"

static char tmpdir[512];
static char out[1 << 20], err[1 << 20];

typedef sp_e2e env;

static void write_job(env *x, const char *components)
{
    char text[8192];
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"linkx-test\">\n"
             "  <hubspot base-url=\"%s\"%s connect-timeout-seconds=\"2\" retry-budget-seconds=\"10\">\n"
             "    <token env=\"HUBSPOT_TOKEN\"/>\n"
             "  </hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "  <mappings>\n"
             "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
             "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"
             "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
             "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/>\n"
             "      <property name=\"email\" column=\"INET1\" transform=\"lower\"/>\n"
             "      <property name=\"lastname\" column=\"CNTCPRSN\" transform=\"last-name\" default=\"(no name)\"/>\n"
             "    </export-mapping>\n"
             "  </mappings>\n"
             "  <matching>\n"
             "    <rule-set id=\"cm\" entity=\"customer\">\n"
             "      <rule name=\"by name\"><compare property=\"name\" column=\"CUSTNAME\" how=\"exact\"/></rule>\n"
             "    </rule-set>\n"
             "    <rule-set id=\"am\" entity=\"customer-address\">\n"
             "      <rule name=\"by e-mail\"><compare property=\"email\" column=\"INET1\" how=\"ci\"/></rule>\n"
             "    </rule-set>\n"
             "  </matching>\n"
             "  <components>\n%s  </components>\n"
             "</job>\n",
             sp_sim_base_url(x->sim),
             strstr(components, "<company-") != NULL ? " page-size=\"20\"" : "",   /* refused in a job that never reads pages */
             x->conn, components);
    sp_e2e_write_job(x, "linkx", text);
}

/* A sample company of `customers` customers (and no prospect), the simulator
 * (sim_args), spetl's tables. */
static int env_start(env *x, int target, const char *tag, int customers, const char *const *sim_args,
                     const char *components)
{
    char sample[128];

    snprintf(sample, sizeof(sample), "--customers %d --prospects 0 --items 1", customers);
    if (!sp_e2e_start(x, target, tag, sample, sim_args, "HUBSPOT_TOKEN=pat-na1-linkx-test"))
        return 0;
    write_job(x, components);
    sp_e2e_ready(x, 0);
    sp_e2e_find_hub(x);
    return 1;
}

/* How many requests the simulator has seen whose endpoint starts with prefix
 * ("GET /crm/v3/objects/companies" and so on), and its write count. */
static long long sim_calls(env *x, const char *method, const char *needle, long long *writes)
{
    json_t *j = sp_e2e_sim_json(x, "GET", "/_sim/stats", NULL), *v;
    const char *k;
    long long n = 0;
    if (writes != NULL)
        *writes = json_integer_value(json_object_get(j, "writes"));
    json_object_foreach(json_object_get(j, "by_endpoint"), k, v) {
        if (strncmp(k, method, strlen(method)) == 0 && strstr(k, needle) != NULL)
            n += json_integer_value(v);
    }
    json_decref(j);
    return n;
}

/* The list GETs of companies. */
static long long company_lists(const env *x)
{
    json_t *j = sp_e2e_sim_json(x, "GET", "/_sim/stats", NULL), *v;
    const char *k;
    long long n = 0;
    json_object_foreach(json_object_get(j, "by_endpoint"), k, v) {
        if (strncmp(k, "GET ", 4) == 0 && strstr(k, "companies") != NULL && strstr(k, "{") == NULL &&
            strstr(k, "properties") == NULL)
            n += json_integer_value(v);
    }
    json_decref(j);
    return n;
}

/* "LINE:COL" of the first needle in the job file. */
static void pos_of(env *x, const char *needle, char *buf, size_t n)
{
    FILE *f = fopen(x->job, "r");
    char text[8192], *p;
    size_t len;
    int line = 1;
    const char *ls;
    ck_assert_ptr_nonnull(f);
    len = fread(text, 1, sizeof(text) - 1, f);
    text[len] = '\0';
    fclose(f);
    p = strstr(text, needle);
    ck_assert_ptr_nonnull(p);
    ls = text;
    for (const char *q = text; q < p; q++)
        if (*q == '\n') {
            line++;
            ls = q + 1;
        }
    snprintf(buf, n, ".xml:%d:%d: ", line, (int)(p - ls) + 1);
}

/* ---- company-types against the account's options ----------------------------- */

START_TEST(company_types_checked_against_the_account)
{
    env x;
    char tag[32], at[64], want[512];
    int rc;
    json_t *j;

    snprintf(tag, sizeof(tag), "linkx_types_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, 3, NULL,
                          "    <company-link customer-matching=\"cm\"\n"
                          "                  company-types=\"PROSPECT;Vendor\"/>\n"),
               "%s", sp_skip_why());
    j = sp_e2e_sim_json(&x, "POST", "/_sim/seed/companies",
                 "{\"records\":[{\"properties\":{\"name\":\"Nobody Ltd\",\"type\":\"VENDOR\"}}]}");
    json_decref(j);
    pos_of(&x, "company-types=", at, sizeof(at));
    ck_assert_msg(sp_e2e_spetl(&x, "setup-hubspot", "") == 0, "setup-hubspot: %s", err);

    /* the simulator's default options hold both */
    rc = sp_e2e_spetl(&x, "check", "");
    ck_assert_msg(rc == 0, "check exit %d:\n%s\n%s", rc, out, err);
    ck_assert_msg(strstr(out, "ok    company-types of company-link") != NULL, "%s", out);
    rc = sp_e2e_spetl(&x, "run", "");
    ck_assert_msg(rc == 0, "run exit %d: %s", rc, err);
    ck_assert_int_eq(sim_calls(&x, "GET ", "/companies/{propertyName}", NULL), 2);

    /* the account's options change: VENDOR is gone */
    j = sp_e2e_sim_json(&x, "PATCH", "/crm/v3/properties/companies/type",
                 "{\"options\":[{\"label\":\"Prospect\",\"value\":\"PROSPECT\"},"
                 "{\"label\":\"Customer\",\"value\":\"CUSTOMER\"},{\"label\":\"Partner\",\"value\":\"PARTNER\"}]}");
    ck_assert_int_eq(json_array_size(json_object_get(j, "options")), 3);
    json_decref(j);
    snprintf(want, sizeof(want), "%scompany-types: VENDOR is not an option of this HubSpot account's company "
                                 "property \"type\" (its options: PROSPECT, CUSTOMER, PARTNER)", at);
    rc = sp_e2e_spetl(&x, "check", "");
    ck_assert_msg(rc == 2, "check exit %d (2: a job problem):\n%s\n%s", rc, out, err);
    ck_assert_msg(strstr(out, "FAIL  company-types of company-link: ") && strstr(out, want), "no \"%s\" in\n%s", want,
                  out);
    /* a run stops before it reads a company */
    {
        long long lists = company_lists(&x);
        ck_assert_int_gt(lists, 0);
        rc = sp_e2e_spetl(&x, "run", "");
        ck_assert_msg(rc == 7, "run exit %d (7: the component stopped): %s", rc, err);
        /* the log escapes the quotes around type */
        want[strlen(at) + strlen("company-types: VENDOR is not an option")] = '\0';
        ck_assert_msg(strstr(err, want) && strstr(err, "(its options: PROSPECT, CUSTOMER, PARTNER)"),
                      "no \"%s\" in\n%s", want, err);
        ck_assert_int_eq(company_lists(&x), lists);
    }
    /* no company property "type" at all */
    j = sp_e2e_sim_json(&x, "PATCH", "/crm/v3/properties/companies/type", "{\"options\":[]}");
    json_decref(j);
    rc = sp_e2e_spetl(&x, "check", "");
    ck_assert_msg(rc == 2 && strstr(out, "PROSPECT, VENDOR are not an option") && strstr(out, "(its options: none)"),
                  "check exit %d:\n%s", rc, out);
    sp_e2e_stop(&x);
}
END_TEST

/* ---- a converted prospect keeps its contacts' links ---------------------------- */

static void seed_one(env *x, const char *obj, const char *props, char *id, size_t n)
{
    char path[64], *body = sp_xasprintf("{\"records\":[{\"properties\":%s}]}", props);
    json_t *j;
    snprintf(path, sizeof(path), "/_sim/seed/%s", obj);
    j = sp_e2e_sim_json(x, "POST", path, body);
    free(body);
    snprintf(id, n, "%s", json_string_value(json_array_get(json_object_get(j, "ids"), 0)));
    json_decref(j);
    ck_assert_str_ne(id, "");
}

/* GP's CHAR padding (data on SQLite, as the sample keeps it). */
static const char *pad(env *x, char *buf, size_t n, const char *v, int width)
{
    if (x->target == SP_DBTEST_SQLITE)
        snprintf(buf, n, "'%-*s'", width, v);
    else
        snprintf(buf, n, "'%s'", v);
    return buf;
}

START_TEST(converted_prospect_keeps_its_contacts)
{
    env x;
    char tag[32], company[32], ann[32], ben[32], sql[1024], p15[48], p31[48], a15[48], b15[48];
    long long writes0, writes1;
    int rc;

    snprintf(tag, sizeof(tag), "linkx_conv_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, 3, NULL,
                          "    <customer-export address-types=\"*\" customer-mapping=\"c\" address-mapping=\"a\"/>\n"),
               "%s", sp_skip_why());
    ck_assert_msg(sp_e2e_spetl(&x, "setup-hubspot", "") == 0, "setup-hubspot: %s", err);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "customer-export") == 0, "first export: %s", err);

    /* a prospect linked to a company, its two contacts to two HubSpot contacts */
    pad(&x, p15, sizeof(p15), "CONVCO0001", 15);
    snprintf(sql, sizeof(sql), "INSERT INTO SOP00200 (PROSPID, CUSTNAME) VALUES (%s, 'Conversion Co')", p15);
    sp_e2e_exec(&x, sql);
    snprintf(sql, sizeof(sql), "INSERT INTO spProspectContact (PROSPID, Contact_ID, Contact_Name, Email) VALUES "
                               "(%s, 1, 'Ann Ames', 'ann@conversion.example'), (%s, 2, 'Ben Bold', 'ben@conversion.example')",
             p15, p15);
    sp_e2e_exec(&x, sql);
    seed_one(&x, "companies", "{\"name\":\"Conversion Co\"}", company, sizeof(company));
    seed_one(&x, "contacts", "{\"email\":\"ann@conversion.example\",\"lastname\":\"Ames\"}", ann, sizeof(ann));
    seed_one(&x, "contacts", "{\"email\":\"ben@conversion.example\",\"lastname\":\"Bold\"}", ben, sizeof(ben));
    sp_e2e_put_link(&x, SP_LINK_PROSPECT, "CONVCO0001", "companies", company);
    sp_e2e_put_link(&x, SP_LINK_PROSPECT_CONTACT, "CONVCO0001|1", "contacts", ann);
    sp_e2e_put_link(&x, SP_LINK_PROSPECT_CONTACT, "CONVCO0001|2", "contacts", ben);

    /* converted: the customer CONVCO0001 with Ann's e-mail on its BILLING
     * address (matched by e-mail) and an address "2" without one (matched by
     * the contact's ID) */
    pad(&x, a15, sizeof(a15), "BILLING", 15);
    pad(&x, b15, sizeof(b15), "2", 15);
    pad(&x, p31, sizeof(p31), "CONVCO0001", 31);
    snprintf(sql, sizeof(sql), "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME, ADRSCODE) VALUES (%s, 'Conversion Co', %s)",
             p15, a15);
    sp_e2e_exec(&x, sql);
    snprintf(sql, sizeof(sql), "INSERT INTO RM00102 (CUSTNMBR, ADRSCODE, CNTCPRSN) VALUES (%s, %s, 'Ann Ames'), "
                               "(%s, %s, 'Ben Bold')", p15, a15, p15, b15);
    sp_e2e_exec(&x, sql);
    snprintf(sql, sizeof(sql), "INSERT INTO SY01200 (Master_Type, Master_ID, ADRSCODE, INET1) VALUES "
                               "('CUS', %s, %s, 'Ann@Conversion.example'), ('CUS', %s, %s, '')", p31, a15, p31, b15);
    sp_e2e_exec(&x, sql);

    sim_calls(&x, "", "", &writes0);
    rc = sp_e2e_spetl(&x, "run", "customer-export");
    ck_assert_msg(rc == 0, "customer-export exit %d (an e-mail conflict?):\n%s", rc, err);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAActionCenter"), 0);
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", company), "CUSTOMER CONVCO0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", ann), "CUSTOMER_ADDRESS CONVCO0001|BILLING");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", ben), "CUSTOMER_ADDRESS CONVCO0001|2");
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Entity_Type LIKE 'PROSPECT%'"),
                     0);
    /* no contact or company created: nothing written to HubSpot at all */
    sim_calls(&x, "", "", &writes1);
    ck_assert_int_eq(writes1, writes0);
    ck_assert_msg(strstr(err, "1 prospect link taken over by its customer (converted prospects), with 2 contact links"),
                  "%s", err);
    sp_e2e_stop(&x);
}
END_TEST

/* ---- company-link killed, then rerun ------------------------------------------- */

enum { MAXC = 1000 };

typedef struct gp_cust {
    char name[96];
    char mail[2][256];
} gp_cust;

static int mail_used(const gp_cust *c, int n, int k, const char *mail)
{
    for (int i = 0; i <= n; i++)
        for (int m = 0; m < 2; m++)
            if ((i < n || m < k) && strcasecmp(c[i].mail[m], mail) == 0)
                return 1;
    return 0;
}

/* The sample's customers with the e-mails of their first two addresses (an
 * e-mail another customer already has left out: HubSpot's are unique). */
static int read_customers(env *x, gp_cust *c)
{
    sp_stmt *st = NULL;
    sp_err e;
    char last[64] = "";
    int n = -1, k = 0, f;

    ck_assert_int_eq(sp_stmt_prepare(x->db, "SELECT RTRIM(c.CUSTNMBR), RTRIM(c.CUSTNAME), RTRIM(i.INET1) FROM RM00101 c "
                                            "LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND RTRIM(i.Master_ID) = "
                                            "RTRIM(c.CUSTNMBR) ORDER BY c.CUSTNMBR, i.ADRSCODE", &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    while ((f = sp_stmt_fetch(st, &e)) == 1) {
        const char *mail = sp_stmt_text(st, 2) ? sp_stmt_text(st, 2) : "";
        if (strcmp(sp_stmt_text(st, 0), last) != 0) {
            ck_assert_int_lt(++n, MAXC);
            memset(&c[n], 0, sizeof(c[n]));
            snprintf(c[n].name, sizeof(c[n].name), "%s", sp_stmt_text(st, 1));
            snprintf(last, sizeof(last), "%s", sp_stmt_text(st, 0));
            k = 0;
        }
        /* the sample's bad e-mails on purpose left out (HubSpot refuses them) */
        if (k < 2 && strchr(mail, '@') != NULL && strspn(mail, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                "0123456789.@_+-") == strlen(mail) &&
            !mail_used(c, n, k, mail))
            snprintf(c[n].mail[k++], sizeof(c[n].mail[0]), "%s", mail);
    }
    ck_assert_int_eq(f, 0);
    sp_stmt_free(st);
    return n + 1;
}

/* A HubSpot company per customer (its exact name) with two contacts (its
 * e-mails; none when it has fewer). Returns the number of companies. */
static int seed_companies(env *x)
{
    static gp_cust c[MAXC];
    int n = read_customers(x, c);
    json_t *conts = json_object(), *crecs = json_array(), *comps = json_object(), *orecs = json_array(), *ids;
    char *body;

    for (int i = 0; i < n; i++)
        for (int m = 0; m < 2; m++) {
            json_t *props = json_pack("{s:s}", "lastname", c[i].name);
            if (c[i].mail[m][0] != '\0')
                json_object_set_new(props, "email", json_string(c[i].mail[m]));
            json_array_append_new(crecs, json_pack("{s:o}", "properties", props));
        }
    json_object_set_new(conts, "records", crecs);
    body = json_dumps(conts, JSON_COMPACT);
    ids = sp_e2e_sim_json(x, "POST", "/_sim/seed/contacts", body);
    free(body);
    ck_assert_int_eq((int)json_array_size(json_object_get(ids, "ids")), 2 * n);
    for (int i = 0; i < n; i++) {
        json_t *assoc = json_array();
        for (int m = 0; m < 2; m++)
            json_array_append_new(assoc, json_pack("{s:s,s:O}", "to_object", "contacts", "to_id",
                                                   json_array_get(json_object_get(ids, "ids"), (size_t)(2 * i + m))));
        json_array_append_new(orecs, json_pack("{s:{s:s},s:o}", "properties", "name", c[i].name, "associations", assoc));
    }
    json_decref(ids);
    json_decref(conts);
    json_object_set_new(comps, "records", orecs);
    body = json_dumps(comps, JSON_COMPACT);
    ids = sp_e2e_sim_json(x, "POST", "/_sim/seed/companies", body);
    free(body);
    ck_assert_int_eq((int)json_array_size(json_object_get(ids, "ids")), n);
    json_decref(ids);
    json_decref(comps);
    return n;
}

/* Every link, one line each, sorted. */
static char *dump_links(env *x)
{
    sp_stmt *st = NULL;
    sp_err e;
    size_t cap = 1 << 20, len = 0;
    char *s = calloc(1, cap);
    ck_assert_int_eq(sp_stmt_prepare(x->db, "SELECT Entity_Type, Entity_Key, HubSpot_Object_Type, HubSpot_ID FROM "
                                            "spAAIntegratedEntityLink ORDER BY Entity_Type, Entity_Key", &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    while (sp_stmt_fetch(st, &e) == 1 && len + 512 < cap)
        len += (size_t)snprintf(s + len, cap - len, "%s %s %s %s\n", sp_stmt_text(st, 0), sp_stmt_text(st, 1),
                                sp_stmt_text(st, 2), sp_stmt_text(st, 3));
    sp_stmt_free(st);
    return s;
}

static pid_t spawn_link(env *x)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *null = freopen("/dev/null", "w", stderr);
        (void)null;
        setenv("HUBSPOT_TOKEN", "pat-na1-linkx-test", 1);
        setenv("SPETL_BENCH_UNPACED", "1", 1);
        execl(getenv("SPETL_BIN"), "spetl", "run", x->job, "company-link", (char *)NULL);
        _exit(127);
    }
    return pid;
}

START_TEST(company_link_killed_then_rerun)
{
    static const char *const sim_args[] = {"--latency-ms", "10", NULL};
    env x;
    char tag[32], *after_kills, *clean;
    int n, rc;
    long long at[3];

    snprintf(tag, sizeof(tag), "linkx_kill_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, 300, sim_args,
                          "    <company-link customer-matching=\"cm\" customer-address-matching=\"am\"/>\n"),
               "%s", sp_skip_why());
    n = seed_companies(&x);
    ck_assert_int_ge(n, 300);
    /* SIGKILL company-link after this many list pages of 20: early, midway, near the end */
    at[0] = 2;
    at[1] = n / 40;
    at[2] = n / 20 - 1;
    for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
        long long base = company_lists(&x);   /* before the run starts */
        char what[48];

        snprintf(what, sizeof(what), "run %zu (at %lld pages)", k + 1, at[k]);
        sp_e2e_kill_at(&x, spawn_link(&x), company_lists, base + at[k], what);
    }
    ck_assert_int_gt(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 0);
    /* the rerun finishes the work: the same links as one run from nothing */
    rc = sp_e2e_spetl(&x, "run", "company-link");
    ck_assert_msg(rc == 0 || rc == 1, "rerun exit %d: %s", rc, err);
    after_kills = dump_links(&x);
    sp_e2e_exec(&x, "DELETE FROM spAAIntegratedEntityLink");
    sp_e2e_exec(&x, "DELETE FROM spAAActionCenter");
    rc = sp_e2e_spetl(&x, "run", "company-link");
    ck_assert_msg(rc == 0 || rc == 1, "clean run exit %d: %s", rc, err);
    clean = dump_links(&x);
    ck_assert_str_eq(after_kills, clean);
    /* every company linked once; each linked company's contacts with it */
    ck_assert_int_ge(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE HubSpot_Object_Type = 'companies'"),
                     n * 9 / 10);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM (SELECT HubSpot_ID FROM spAAIntegratedEntityLink "
                                  "GROUP BY HubSpot_Object_Type, HubSpot_ID HAVING COUNT(*) > 1) d"), 0);
    ck_assert_int_gt(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE HubSpot_Object_Type = 'contacts'"), n / 2);
    free(after_kills);
    free(clean);
    sp_e2e_stop(&x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linkx");
    TCase *tc = tcase_create("linkx");
    SRunner *sr;
    int failed;

    sp_e2e_use("linkx", tmpdir, sizeof(tmpdir), out, sizeof(out), err, sizeof(err));
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, company_types_checked_against_the_account, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, converted_prospect_keeps_its_contacts, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, company_link_killed_then_rerun, 0, SP_DBTEST_COUNT);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
