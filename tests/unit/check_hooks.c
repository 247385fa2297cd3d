/* check_hooks.c -- hooks end to end (include/spetl/hook.h): bin/spetl
 * against the HubSpot simulator on the sample company, on SQLite and on
 * PostgreSQL. Each built point is called with its record and can change,
 * skip or fail it (a failed record: an Action Center row naming the hook's
 * line, no link); a SQL post hook's write rolls back with its page; a
 * ${NAME} in a hook statement is bound, never pasted; --dry-run runs the pre
 * hooks and not the post hooks; program hooks (Python) through the program
 * runtime; company-link's company-filter and post-link. */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/e2e.h"
#include "../support/run.h"
#include "../support/sim.h"
#include "../support/skip.h"
#include "spetl/db.h"
#include "spetl/state.h"

static char tmpdir[512];
static char out[1 << 20], err[1 << 20];

typedef sp_e2e env;

static char keys[3][32];   /* the first three customers' keys */

static void write_job(env *x, const char *components)
{
    static char text[1 << 16];
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"hooks-test\">\n"
             "  <hubspot base-url=\"%s\" connect-timeout-seconds=\"2\" retry-budget-seconds=\"10\">\n"
             "    <token env=\"HUBSPOT_TOKEN\"/>\n"
             "  </hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "  <mappings>\n"
             "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
             "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"
             "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
             "      <property name=\"city\" column=\"CITY\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
             "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/>\n"
             "      <property name=\"email\" column=\"INET1\" transform=\"lower\"/>\n"
             "      <property name=\"lastname\" column=\"CNTCPRSN\" transform=\"last-name\" default=\"(no name)\"/>\n"
             "      <property name=\"city\" column=\"CITY\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"i\" entity=\"item\" object=\"products\" key-property=\"hs_sku\">\n"
             "      <property name=\"hs_sku\" column=\"ITEMNMBR\"/>\n"
             "      <property name=\"name\" column=\"ITEMDESC\"/>\n"
             "      <property name=\"price\" column=\"LISTPRCE\" transform=\"number\" default=\"0\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"p\" entity=\"prospect\" object=\"companies\">\n"
             "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
             "      <property name=\"city\" column=\"CITY\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"pc\" entity=\"prospect-contact\" object=\"contacts\">\n"
             "      <property name=\"email\" column=\"Email\" transform=\"lower\"/>\n"
             "      <property name=\"lastname\" column=\"Contact_Name\" transform=\"last-name\"/>\n"
             "    </export-mapping>\n"
             "  </mappings>\n"
             "  <matching>\n"
             "    <rule-set id=\"cm\" entity=\"customer\">\n"
             "      <rule><compare property=\"gp_customer_number\" column=\"CUSTNMBR\" how=\"exact\"/></rule>\n"
             "    </rule-set>\n"
             "  </matching>\n"
             "%s"
             "</job>\n",
             sp_sim_base_url(x->sim), x->conn, components);
    sp_e2e_write_job(x, "job", text);
}

static int64_t db_count(env *x, const char *fmt, ...) SP_PRINTF(2, 3);
static int64_t db_count(env *x, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    return sp_e2e_count(x, sql);
}

/* A sample company, the simulator, spetl's tables, the hook tables; the
 * job written with components (the <components> element and what goes
 * before it). */
static int env_start(env *x, int target, const char *tag, const char *components)
{
    sp_err e;
    sp_stmt *st = NULL;

    if (!sp_e2e_start(x, target, tag, "--customers 12 --items 6 --prospects 2", NULL,
                      "HUBSPOT_TOKEN=pat-na1-hooks-test"))
        return 0;
    write_job(x, components);
    sp_e2e_ready(x, 1);
    sp_e2e_exec(x, "CREATE TABLE hook_ctl (k VARCHAR(100), action VARCHAR(10), message VARCHAR(200), "
                   "city VARCHAR(100))");
    sp_e2e_exec(x, "CREATE TABLE hook_log (k VARCHAR(100), hs VARCHAR(40), rec TEXT)");
    ck_assert_int_eq(sp_stmt_prepare(x->db, "SELECT RTRIM(CUSTNMBR) FROM RM00101 ORDER BY CUSTNMBR", &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
        snprintf(keys[i], sizeof(keys[i]), "%s", sp_stmt_text(st, 0));
    }
    sp_stmt_free(st);
    return 1;
}

/* The live record of obj whose prop is value (decref it), or NULL. */
static json_t *sim_find(env *x, const char *obj, const char *prop, const char *value)
{
    char path[128];
    json_t *j, *v, *found = NULL;
    size_t i;
    snprintf(path, sizeof(path), "/_sim/records/%s", obj);
    j = sp_test_sim_json(x->sim, "GET", path, NULL);
    json_array_foreach(json_object_get(j, "results"), i, v) {
        const char *s = json_string_value(json_object_get(json_object_get(v, "properties"), prop));
        if (!json_is_true(json_object_get(v, "archived")) && s != NULL && strcmp(s, value) == 0) {
            found = json_incref(v);
            break;
        }
    }
    json_decref(j);
    return found;
}

/* The HubSpot property prop of the company of customer key ("" when none). */
static const char *company_prop(env *x, const char *key, const char *prop, char *buf, size_t n)
{
    json_t *c = sim_find(x, "companies", "gp_customer_number", key);
    const char *v = c ? json_string_value(json_object_get(json_object_get(c, "properties"), prop)) : NULL;
    snprintf(buf, n, "%s", v ? v : "");
    json_decref(c);
    return buf;
}

static void ctl(env *x, const char *k, const char *action, const char *message, const char *city)
{
    char sql[600];
    snprintf(sql, sizeof(sql), "INSERT INTO hook_ctl (k, action, message, city) VALUES ('%s', %s%s%s, %s%s%s, %s%s%s)",
             k, action ? "'" : "", action ? action : "NULL", action ? "'" : "", message ? "'" : "",
             message ? message : "NULL", message ? "'" : "", city ? "'" : "", city ? city : "NULL", city ? "'" : "");
    sp_e2e_exec(x, sql);
}

/* "LINE:COL" of the first line of the job holding what. */
static const char *job_pos(env *x, const char *what, char *buf, size_t n)
{
    char line[4096];
    int no = 0;
    FILE *f = fopen(x->job, "r");
    ck_assert_ptr_nonnull(f);
    buf[0] = '\0';
    while (buf[0] == '\0' && fgets(line, sizeof(line), f) != NULL) {
        const char *at = strstr(line, what);
        no++;
        if (at != NULL)
            snprintf(buf, n, "%d:%d", no, (int)(at - line) + 1);
    }
    fclose(f);
    ck_assert_str_ne(buf, "");
    return buf;
}

#define LINKS(type) "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Entity_Type = '" type "'"

/* customer-export with a SQL pre hook driven by hook_ctl and a SQL post hook writing hook_log. */
#define CX_HOOKS(per_page, extra)                                                                   \
    "  <components>\n"                                                                              \
    "    <customer-export address-types=\"*\" customers-per-page=\"" per_page "\" customer-mapping=\"c\" " \
    "address-mapping=\"a\">\n"                                                                     \
    "      <pre-export><sql params=\"key\">SELECT action, message, city FROM hook_ctl WHERE k = ?</sql></pre-export>\n" \
    "      <post-export><sql params=\"key hubspot_id json\">INSERT INTO hook_log (k, hs, rec) VALUES (?, ?, ?)</sql>" \
    "</post-export>\n"                                                                              \
    "    </customer-export>\n" extra                                                                \
    "  </components>\n"

START_TEST(sql_hooks_change_skip_and_fail_customer_export_records)
{
    env x;
    char tag[32], buf[128], pos[32];

    snprintf(tag, sizeof(tag), "hk_sql_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, CX_HOOKS("5", "")), "%s", sp_skip_why());
    ctl(&x, keys[0], "skip", "not this one", NULL);
    ctl(&x, keys[1], "fail", "told so", NULL);
    ctl(&x, keys[2], NULL, NULL, "HOOKED");
    ck_assert_int_ge(sp_e2e_spetl(&x, "run", "customer-export"), 1);   /* K1 (and the sample's bad e-mails) failed */

    /* skipped: nothing sent, no link, no row */
    ck_assert_ptr_null(sim_find(&x, "companies", "gp_customer_number", keys[0]));
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER") " AND Entity_Key = '%s'", keys[0]), 0);
    /* failed: an Action Center row naming the hook's line and its message, no link */
    ck_assert_ptr_null(sim_find(&x, "companies", "gp_customer_number", keys[1]));
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER") " AND Entity_Key = '%s'", keys[1]), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK' AND "
                                  "Entity_Type = 'CUSTOMER' AND Entity_Key = '%s' AND Message LIKE "
                                  "'pre-export hook (%s:%s): told so'", keys[1], x.job,
                              job_pos(&x, "<pre-export>", pos, sizeof(pos))), 1);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK'"), 1);
    /* changed: HubSpot holds the hook's value */
    ck_assert_str_eq(company_prop(&x, keys[2], "city", buf, sizeof(buf)), "HOOKED");
    /* the post hook saw every record HubSpot took, with its id, companies and contacts */
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log h JOIN spAAIntegratedEntityLink l ON "
                                  "l.Entity_Key = h.k AND l.HubSpot_ID = h.hs"),
                     db_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"));
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log"),
                     db_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"));
    ck_assert_int_gt(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE rec LIKE '%%\"type\":\"CUSTOMER_ADDRESS\"%%'"),
                     0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE k = '%s' AND rec LIKE "
                                  "'%%\"type\":\"CUSTOMER\"%%\"CUSTNMBR\":\"%s%%\"city\":\"HOOKED\"%%'",
                              keys[2], keys[2]), 1);
    sp_e2e_stop(&x);
}
END_TEST

/* The page's commit fails after its post hook ran (a trigger refuses the
 * Action Center row of a record the pre hook failed): the hook's writes of
 * that page roll back with its links. */
START_TEST(sql_post_hook_write_rolls_back_with_its_page)
{
    env x;
    char tag[32], sql[1024];

    snprintf(tag, sizeof(tag), "hk_rb_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, CX_HOOKS("50", "")), "%s", sp_skip_why());
    ctl(&x, keys[2], "fail", "refused by the trigger", NULL);
    if (_i == SP_DBTEST_SQLITE) {
        snprintf(sql, sizeof(sql), "CREATE TRIGGER ac_boom BEFORE INSERT ON spAAActionCenter WHEN NEW.Entity_Key "
                                   "= '%s' BEGIN SELECT RAISE(ABORT, 'boom'); END", keys[2]);
        sp_e2e_exec(&x, sql);
    } else {
        snprintf(sql, sizeof(sql), "CREATE FUNCTION ac_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                                   "IF NEW.Entity_Key = '%s' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; "
                                   "END $$", keys[2]);
        sp_e2e_exec(&x, sql);
        sp_e2e_exec(&x, "CREATE TRIGGER ac_boom BEFORE INSERT ON spAAActionCenter FOR EACH ROW EXECUTE FUNCTION "
                    "ac_boom()");
    }
    ck_assert_int_gt(sp_e2e_spetl(&x, "run", "customer-export"), 1);   /* the page's commit failed: stopped */
    ck_assert_ptr_nonnull(strstr(err, "boom"));
    /* HubSpot took the page's records; neither their links nor the hook's rows stayed */
    {
        json_t *c = sim_find(&x, "companies", "gp_customer_number", keys[0]);
        ck_assert_ptr_nonnull(c);
        json_decref(c);
    }
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log"), 0);

    /* without the trigger the same run commits the hook's rows with the links */
    sp_e2e_exec(&x, _i == SP_DBTEST_SQLITE ? "DROP TRIGGER ac_boom" : "DROP TRIGGER ac_boom ON spAAActionCenter");
    ck_assert_int_ge(sp_e2e_spetl(&x, "run", "customer-export"), 1);
    ck_assert_int_gt(db_count(&x, "SELECT COUNT(*) FROM hook_log"), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log"),
                     db_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"));
    sp_e2e_stop(&x);
}
END_TEST

/* A post hook statement that fails fails its record alone (undone to its
 * savepoint: on PostgreSQL the page's transaction goes on), no link. */
START_TEST(failing_post_hook_statement_fails_its_record_alone)
{
    env x;
    char tag[32];

    snprintf(tag, sizeof(tag), "hk_pf_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag,
                          "  <components>\n"
                          "    <customer-export customer-mapping=\"c\" address-mapping=\"a\" customers-per-page=\"50\">\n"
                          "      <post-export><sql params=\"key key\">INSERT INTO hook_nn (k) SELECT CASE WHEN ? IN "
                          "(SELECT k FROM hook_ctl) THEN NULL ELSE ? END</sql></post-export>\n"
                          "    </customer-export>\n"
                          "  </components>\n"),
               "%s", sp_skip_why());
    sp_e2e_exec(&x, "CREATE TABLE hook_nn (k VARCHAR(100) NOT NULL)");
    ctl(&x, keys[1], NULL, NULL, NULL);
    ck_assert_int_ge(sp_e2e_spetl(&x, "run", "customer-export"), 1);
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER") " AND Entity_Key = '%s'", keys[1]), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK' AND "
                                  "Entity_Key = '%s' AND Message LIKE 'post-export hook (%%'", keys[1]), 1);
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER")), db_count(&x, "SELECT COUNT(*) FROM RM00101") - 1);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_nn"),
                     db_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"));
    sp_e2e_stop(&x);
}
END_TEST

/* ${NAME} in a hook statement is a bound parameter: a value that would
 * break out of a pasted literal arrives as text; inside quotes it is refused. */
START_TEST(env_values_in_sql_hooks_are_bound)
{
    env x;
    char tag[32], buf[256];
    const char *evil = "x'); DROP TABLE hook_ctl; --";

    snprintf(tag, sizeof(tag), "hk_env_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag,
                          "  <components>\n"
                          "    <customer-export customer-mapping=\"c\" address-mapping=\"a\">\n"
                          "      <pre-export><sql>SELECT CAST(${HOOK_CITY:-unset} AS VARCHAR(200)) AS city, "
                          "CAST(${HOOK_UNSET:-keep} AS VARCHAR(10)) AS action</sql></pre-export>\n"
                          "    </customer-export>\n"
                          "  </components>\n"),
               "%s", sp_skip_why());
    snprintf(x.env, sizeof(x.env), "HUBSPOT_TOKEN=pat-na1-hooks-test HOOK_CITY=\"%s\"", evil);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "customer-export") <= 1, "%s", err);
    ck_assert_str_eq(company_prop(&x, keys[0], "city", buf, sizeof(buf)), evil);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_ctl"), 0);   /* still there */

    /* inside quotes it would be pasted: refused at validate */
    write_job(&x, "  <components>\n"
                  "    <customer-export customer-mapping=\"c\" address-mapping=\"a\">\n"
                  "      <pre-export><sql>SELECT '${HOOK_CITY}' AS city</sql></pre-export>\n"
                  "    </customer-export>\n"
                  "  </components>\n");
    ck_assert_int_ne(sp_e2e_spetl(&x, "validate", ""), 0);
    ck_assert_msg(strstr(err, "<sql>: a ${NAME} inside quotes would be pasted into the statement") != NULL, "%s",
                  err);
    sp_e2e_stop(&x);
}
END_TEST

/* --dry-run: the pre hook's effect is printed, the post hook does not run. */
START_TEST(dry_run_runs_pre_hooks_not_post_hooks)
{
    env x;
    char tag[32], want[256];

    snprintf(tag, sizeof(tag), "hk_dry_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, CX_HOOKS("5", "")), "%s", sp_skip_why());
    ctl(&x, keys[0], "skip", "not this one", NULL);
    ctl(&x, keys[2], NULL, NULL, "HOOKED");
    ck_assert_msg(sp_e2e_spetl(&x, "run --dry-run", "customer-export") == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "    + city = \"HOOKED\"\n"));
    snprintf(want, sizeof(want), "CUSTOMER %s: would skip: pre-export hook (", keys[0]);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log"), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 0);
    sp_e2e_stop(&x);
}
END_TEST

/* The updates export's and product-export's points, each with its record. */
START_TEST(update_and_product_points_are_called)
{
    env x;
    char tag[32], buf[128];

    snprintf(tag, sizeof(tag), "hk_pts_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag,
                          "  <components>\n"
                          "    <customer-export address-types=\"*\" customer-mapping=\"c\" address-mapping=\"a\"/>\n"
                          "    <customer-updates-export range-days=\"3\" customer-mapping=\"c\" address-mapping=\"a\">\n"
                          "      <pre-company-update><sql>SELECT action, message, city FROM hook_ctl WHERE k = ?</sql>"
                          "</pre-company-update>\n"
                          "      <post-company-update><sql params=\"key hubspot_id json\">INSERT INTO hook_log "
                          "(k, hs, rec) VALUES (?, ?, ?)</sql></post-company-update>\n"
                          "      <pre-contact-update><sql params=\"CUSTNMBR\">SELECT action, message, city "
                          "FROM hook_ctl WHERE k = 'c:' || ?</sql></pre-contact-update>\n"
                          "      <post-contact-update><sql params=\"key hubspot_id json\">INSERT INTO hook_log "
                          "(k, hs, rec) VALUES (?, ?, ?)</sql></post-contact-update>\n"
                          "    </customer-updates-export>\n"
                          "    <product-export item-mapping=\"i\">\n"
                          "      <pre-export><sql params=\"ITEMNMBR\">SELECT 'Hooked ' || CAST(? AS VARCHAR(40)) AS name</sql></pre-export>\n"
                          "      <post-export><sql params=\"key hubspot_id json\">INSERT INTO hook_log "
                          "(k, hs, rec) VALUES (?, ?, ?)</sql></post-export>\n"
                          "    </product-export>\n"
                          "  </components>\n"),
               "%s", sp_skip_why());
    ck_assert_int_le(sp_e2e_spetl(&x, "run", "customer-export"), 1);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log"), 0);
    /* the updates: K0's company and contacts get the hook's city, K1's contacts fail */
    ctl(&x, keys[0], NULL, NULL, "UPDATED BY HOOK");
    {
        char c0[64], c1[64];
        snprintf(c0, sizeof(c0), "c:%s", keys[0]);
        snprintf(c1, sizeof(c1), "c:%s", keys[1]);
        ctl(&x, c0, NULL, NULL, "CONTACT HOOK");
        ctl(&x, c1, "fail", "contact refused", NULL);
    }
    /* changed in GP now, as far as the change markers tell */
    sp_e2e_exec(&x, _i == SP_DBTEST_SQLITE ? "UPDATE RM00101 SET DEX_ROW_TS = strftime('%Y-%m-%d %H:%M:%f', 'now')"
                                       : "UPDATE RM00101 SET DEX_ROW_TS = statement_timestamp() AT TIME ZONE 'UTC'");
    ck_assert_msg(sp_e2e_spetl(&x, "run", "customer-updates-export") == 1, "%s%s", out, err);
    ck_assert_str_eq(company_prop(&x, keys[0], "city", buf, sizeof(buf)), "UPDATED BY HOOK");
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE k = '%s' AND rec LIKE "
                                  "'%%\"type\":\"CUSTOMER\"%%'", keys[0]), 1);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE k LIKE '%s|%%' AND rec LIKE "
                                  "'%%\"type\":\"CUSTOMER_ADDRESS\"%%\"city\":\"CONTACT HOOK\"%%'", keys[0]),
                     db_count(&x, "SELECT COUNT(*) FROM RM00102 WHERE RTRIM(CUSTNMBR) = '%s'", keys[0]));
    ck_assert_int_gt(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE k LIKE '%s|%%'", keys[0]), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE k LIKE '%s|%%'", keys[1]), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK' AND Entity_Key "
                                  "LIKE '%s|%%' AND Message LIKE 'pre-contact-update hook (%%): contact refused'",
                              keys[1]),
                     db_count(&x, "SELECT COUNT(*) FROM RM00102 WHERE RTRIM(CUSTNMBR) = '%s'", keys[1]));
    /* the products: the pre hook's name, the post hook's row per product */
    ck_assert_int_le(sp_e2e_spetl(&x, "run", "product-export"), 1);
    ck_assert_int_gt(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE rec LIKE '%%\"type\":\"ITEM\"%%'"), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE rec LIKE '%%\"type\":\"ITEM\"%%'"),
                     db_count(&x, LINKS("ITEM")));
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log WHERE rec LIKE '%%\"type\":\"ITEM\"%%' AND "
                                  "rec LIKE '%%\"name\":\"Hooked %%'"),
                     db_count(&x, LINKS("ITEM")));
    sp_e2e_stop(&x);
}
END_TEST

/* ---- prospect-updates-export's points ------------------------------------------ */

/* Two linked prospects (the sample's first two: two contacts each, PRIMARY
 * and CONTACT001), their companies and contacts seeded in HubSpot. */
typedef struct prospects {
    char hub[32];
    char pid[2][32];
    char cid[2][64];             /* HubSpot company ids */
    char ckey[2][2][96];         /* PROSPID|PRIMARY, PROSPID|CONTACT001 */
    char hs[2][2][64];           /* their HubSpot contact ids */
} prospects;

/* The first id of a /_sim/seed answer. */
static void seed_one(env *x, const char *obj, const char *props, char *id, size_t n)
{
    char path[64], body[300];
    json_t *j;
    snprintf(path, sizeof(path), "/_sim/seed/%s", obj);
    snprintf(body, sizeof(body), "{\"records\":[{\"properties\":%s}]}", props);
    j = sp_test_sim_json(x->sim, "POST", path, body);
    ck_assert_ptr_nonnull(json_string_value(json_array_get(json_object_get(j, "ids"), 0)));
    snprintf(id, n, "%s", json_string_value(json_array_get(json_object_get(j, "ids"), 0)));
    json_decref(j);
}

static void link_prospects(env *x, prospects *p)
{
    static const char *const cids[2] = {"PRIMARY", "CONTACT001"};
    sp_stmt *st = NULL;
    sp_err e;
    json_t *rep;

    /* nothing linked: nothing read; the report names the hub */
    ck_assert_msg(sp_e2e_spetl(x, "run --report -", "prospect-updates-export") == 0, "%s", err);
    rep = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(rep);
    snprintf(p->hub, sizeof(p->hub), "%s", json_string_value(json_object_get(rep, "hub")));
    json_decref(rep);
    ck_assert_int_eq(sp_stmt_prepare(x->db, "SELECT RTRIM(PROSPID) FROM SOP00200 ORDER BY PROSPID", &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
        snprintf(p->pid[i], sizeof(p->pid[i]), "%s", sp_stmt_text(st, 0));
    }
    sp_stmt_free(st);
    for (int i = 0; i < 2; i++) {
        char props[128];
        snprintf(props, sizeof(props), "{\"name\":\"Old name %d\",\"city\":\"Old city\"}", i);
        seed_one(x, "companies", props, p->cid[i], sizeof(p->cid[i]));
        sp_test_put_link(x->db, p->hub, "PROSPECT", p->pid[i], "companies", p->cid[i]);
        ck_assert_int_eq(db_count(x, "SELECT COUNT(*) FROM spProspectContact WHERE RTRIM(PROSPID) = '%s' AND "
                                     "RTRIM(Contact_ID) IN ('PRIMARY', 'CONTACT001')", p->pid[i]), 2);
        for (int c = 0; c < 2; c++) {
            char key[sizeof(p->ckey[i][c])];   /* not straight into p: the source is p too */
            snprintf(key, sizeof(key), "%s|%s", p->pid[i], cids[c]);
            memcpy(p->ckey[i][c], key, sizeof(key));
            snprintf(props, sizeof(props), "{\"lastname\":\"Old %d.%d\"}", i, c);
            seed_one(x, "contacts", props, p->hs[i][c], sizeof(p->hs[i][c]));
            sp_test_put_link(x->db, p->hub, "PROSPECT_CONTACT", p->ckey[i][c], "contacts", p->hs[i][c]);
        }
    }
}

/* Changed within range-days, each its own way: the first prospect's
 * MODIFDT today, the second's PRIMARY contact's DEX_ROW_TS now (everything
 * else long ago, the contacts' DEX_ROW_TS trigger off). */
static void mark_changed(env *x, const prospects *p)
{
    int lite = x->target == SP_DBTEST_SQLITE;
    char sql[512];

    sp_e2e_exec(x, lite ? "DROP TRIGGER zDT_spProspectContactU" : "ALTER TABLE spProspectContact DISABLE TRIGGER USER");
    sp_e2e_exec(x, lite ? "UPDATE SOP00200 SET MODIFDT = '2001-01-01 00:00:00.000'"
                    : "UPDATE SOP00200 SET MODIFDT = '2001-01-01'");
    sp_e2e_exec(x, lite ? "UPDATE spProspectContact SET DEX_ROW_TS = '2001-01-01 00:00:00.000'"
                    : "UPDATE spProspectContact SET DEX_ROW_TS = '2001-01-01'");
    snprintf(sql, sizeof(sql), "UPDATE SOP00200 SET MODIFDT = %s WHERE RTRIM(PROSPID) = '%s'",
             lite ? "strftime('%Y-%m-%d 00:00:00.000', 'now')" : "CURRENT_DATE", p->pid[0]);
    sp_e2e_exec(x, sql);
    snprintf(sql, sizeof(sql), "UPDATE spProspectContact SET DEX_ROW_TS = %s WHERE RTRIM(PROSPID) = '%s' AND "
                               "RTRIM(Contact_ID) = 'PRIMARY'",
             lite ? "strftime('%Y-%m-%d %H:%M:%f', 'now')" : "statement_timestamp() AT TIME ZONE 'UTC'", p->pid[1]);
    sp_e2e_exec(x, sql);
}

/* The property prop of HubSpot record obj/id ("" when none). */
static const char *sim_prop(env *x, const char *obj, const char *id, const char *prop, char *buf, size_t n)
{
    char path[128];
    json_t *j, *v;
    size_t i;
    const char *s = NULL;
    snprintf(path, sizeof(path), "/_sim/records/%s", obj);
    j = sp_test_sim_json(x->sim, "GET", path, NULL);
    json_array_foreach(json_object_get(j, "results"), i, v)
        if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
            s = json_string_value(json_object_get(json_object_get(v, "properties"), prop));
    snprintf(buf, n, "%s", s ? s : "");
    json_decref(j);
    return buf;
}

/* hook_pt rows of point pt for key with hubspot id hs whose record starts
 * as it should. */
static int64_t post_rows(env *x, const char *pt, const char *type, const char *key, const char *hs)
{
    return db_count(x, "SELECT COUNT(*) FROM hook_pt WHERE pt = '%s' AND k = '%s' AND hs = '%s' AND rec LIKE "
                       "'{\"type\":\"%s\",\"key\":\"%s\",\"hubspot_id\":\"%s\",%%'",
                    pt, key, hs, type, key, hs);
}

/* After the first run: the post hooks saw each record written once, on its
 * level, with its id, and none other; a GP column param is read even when
 * the mapping sends nothing of it. */
static void post_checks(env *x, const prospects *p)
{
    ck_assert_int_eq(post_rows(x, "post-company-update", "PROSPECT", p->pid[0], p->cid[0]), 1);
    ck_assert_int_eq(db_count(x, "SELECT COUNT(*) FROM hook_pt WHERE k = '%s' AND rec LIKE "
                                 "'%%\"properties\":{%%\"city\":\"PROSPECT HOOK\"%%'", p->pid[0]), 1);
    ck_assert_int_eq(post_rows(x, "post-contact-update", "PROSPECT_CONTACT", p->ckey[0][0], p->hs[0][0]), 1);
    ck_assert_int_eq(db_count(x, "SELECT COUNT(*) FROM hook_pt WHERE k = '%s' AND rec LIKE "
                                 "'%%\"properties\":{%%\"lastname\":\"Hooked\"%%'", p->ckey[0][0]), 1);
    ck_assert_int_eq(db_count(x, "SELECT COUNT(*) FROM hook_pt"), 2);
    ck_assert_int_eq(db_count(x, "SELECT COUNT(*) FROM hook_pt h JOIN SOP00200 s ON RTRIM(s.PROSPID) = h.k WHERE "
                                 "h.pt = 'post-company-update' AND RTRIM(s.CUSTCLAS) <> '' AND "
                                 "RTRIM(h.gp) = RTRIM(s.CUSTCLAS)"), 1);
    ck_assert_int_eq(db_count(x, "SELECT COUNT(*) FROM hook_pt h JOIN spProspectContact c ON RTRIM(c.PROSPID) "
                                 "|| '|' || RTRIM(c.Contact_ID) = h.k WHERE h.pt = 'post-contact-update' AND "
                                 "RTRIM(c.Title) <> '' AND RTRIM(h.gp) = RTRIM(c.Title)"), 1);
}

#define PUX_HOOKS                                                                                   \
    "  <components>\n"                                                                              \
    "    <prospect-updates-export range-days=\"3\" prospect-mapping=\"p\" contact-mapping=\"pc\">\n"   \
    "      <pre-company-update><sql>SELECT action, message, city FROM hook_ctl WHERE k = ?</sql>"      \
    "</pre-company-update>\n"                                                                       \
    "      <post-company-update><sql params=\"key hubspot_id json CUSTCLAS\">INSERT INTO hook_pt (pt, k, hs, " \
    "rec, gp) VALUES ('post-company-update', ?, ?, ?, ?)</sql></post-company-update>\n"            \
    "      <pre-contact-update><sql>SELECT action, message, city AS lastname FROM hook_ctl WHERE k = ?</sql>" \
    "</pre-contact-update>\n"                                                                       \
    "      <post-contact-update><sql params=\"key hubspot_id json Title\">INSERT INTO hook_pt (pt, k, hs, " \
    "rec, gp) VALUES ('post-contact-update', ?, ?, ?, ?)</sql></post-contact-update>\n"            \
    "    </prospect-updates-export>\n"                                                              \
    "  </components>\n"

/* prospect-updates-export's four points, each on its own level: the first
 * prospect's company gets the pre hook's city and its PRIMARY contact the
 * pre hook's last name, its CONTACT001 is skipped; the second's company is
 * skipped and its contacts fail. The post hooks see each record written,
 * once, with its HubSpot id. */
START_TEST(prospect_update_points_are_called)
{
    env x;
    prospects p;
    char tag[32], buf[256], pos[32];

    snprintf(tag, sizeof(tag), "hk_pux_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, PUX_HOOKS), "%s", sp_skip_why());
    sp_e2e_exec(&x, "CREATE TABLE hook_pt (pt VARCHAR(40), k VARCHAR(100), hs VARCHAR(40), rec TEXT, "
                "gp VARCHAR(100))");
    link_prospects(&x, &p);
    mark_changed(&x, &p);
    ctl(&x, p.pid[0], NULL, NULL, "PROSPECT HOOK");
    ctl(&x, p.ckey[0][0], NULL, NULL, "Hooked");
    ctl(&x, p.ckey[0][1], "skip", "not this contact", NULL);
    ctl(&x, p.pid[1], "skip", "not this company", NULL);
    ctl(&x, p.ckey[1][0], "fail", "contact refused", NULL);
    ctl(&x, p.ckey[1][1], "fail", "contact refused", NULL);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "prospect-updates-export") == 1, "%s%s", out, err);

    /* changed: HubSpot holds the pre hooks' values, each on its level */
    ck_assert_str_eq(sim_prop(&x, "companies", p.cid[0], "city", buf, sizeof(buf)), "PROSPECT HOOK");
    ck_assert_str_ne(sim_prop(&x, "companies", p.cid[0], "name", buf, sizeof(buf)), "Old name 0");
    ck_assert_str_eq(sim_prop(&x, "contacts", p.hs[0][0], "lastname", buf, sizeof(buf)), "Hooked");
    /* skipped: nothing sent, no Action Center row */
    ck_assert_str_eq(sim_prop(&x, "contacts", p.hs[0][1], "lastname", buf, sizeof(buf)), "Old 0.1");
    ck_assert_str_eq(sim_prop(&x, "companies", p.cid[1], "name", buf, sizeof(buf)), "Old name 1");
    ck_assert_str_eq(sim_prop(&x, "companies", p.cid[1], "city", buf, sizeof(buf)), "Old city");
    /* failed: unchanged in HubSpot, an Action Center row each naming the hook's line */
    for (int c = 0; c < 2; c++) {
        char old[32];
        snprintf(old, sizeof(old), "Old 1.%d", c);
        ck_assert_str_eq(sim_prop(&x, "contacts", p.hs[1][c], "lastname", buf, sizeof(buf)), old);
        ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK' AND "
                                      "Component = 'prospect-updates-export' AND Entity_Type = 'PROSPECT_CONTACT' "
                                      "AND Entity_Key = '%s' AND Message = 'pre-contact-update hook (%s:%s): "
                                      "contact refused' AND Resolved_On IS NULL",
                                  p.ckey[1][c], x.job, job_pos(&x, "<pre-contact-update>", pos, sizeof(pos))),
                         1);
    }
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter"), 2);
    post_checks(&x, &p);
    /* the hook lets the failed contacts go: the next run sends the PRIMARY
     * one (its row resolves, its post hook runs; its company, still skipped,
     * is not needed to update it by id); the rest is as it was. CONTACT001's
     * e-mail is one HubSpot refuses (the sample's): a row of its own. */
    sp_e2e_exec(&x, "DELETE FROM hook_ctl WHERE action = 'fail'");
    ck_assert_int_le(sp_e2e_spetl(&x, "run", "prospect-updates-export"), 1);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK' AND "
                                  "Resolved_On IS NULL"), 0);
    ck_assert_str_ne(sim_prop(&x, "contacts", p.hs[1][0], "lastname", buf, sizeof(buf)), "Old 1.0");
    ck_assert_int_eq(post_rows(&x, "post-contact-update", "PROSPECT_CONTACT", p.ckey[1][0], p.hs[1][0]), 1);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Entity_Key = '%s' AND "
                                  "Resolved_On IS NULL", p.ckey[1][0]), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_pt WHERE k IN ('%s', '%s', '%s')", p.pid[0],
                              p.ckey[0][0], p.ckey[0][1]), 2);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_pt WHERE k = '%s'", p.pid[1]), 0);
    ck_assert_str_eq(sim_prop(&x, "companies", p.cid[1], "name", buf, sizeof(buf)), "Old name 1");
    sp_e2e_stop(&x);
}
END_TEST

/* Program hooks: a Python pass-through that fills a property, and one that
 * skips a record. */
static void write_py(const char *path, const char *body)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "import json, sys\n"
               "for line in sys.stdin:\n"
               "    rec = json.loads(line)['record']\n"
               "%s"
               "    sys.stdout.flush()\n",
            body);
    fclose(f);
}

START_TEST(program_hooks_pass_through_and_skip)
{
    env x;
    char tag[32], buf[128], py1[700], py2[700], comps[4096];

    snprintf(tag, sizeof(tag), "hk_prog_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, "  <components/>\n"), "%s", sp_skip_why());
    snprintf(py1, sizeof(py1), "%s/fill.py", tmpdir);
    snprintf(py2, sizeof(py2), "%s/skip.py", tmpdir);
    write_py(py1, "    print(json.dumps({'action': 'keep', 'properties': {'city': 'PY ' + rec['type']}}))\n");
    write_py(py2, "    skip = rec['properties'].get('gp_customer_number', rec['key']) == sys.argv[1]\n"
                  "    print(json.dumps({'action': 'skip' if skip else 'keep', 'message': 'python says no'}))\n");
    snprintf(comps, sizeof(comps),
             "  <components>\n"
             "    <customer-export address-types=\"*\" customer-mapping=\"c\" address-mapping=\"a\">\n"
             "      <pre-export><program command=\"python3 fill.py\" working-dir=\"%s\"/></pre-export>\n"
             "    </customer-export>\n"
             "    <product-export item-mapping=\"i\">\n"
             "      <pre-export><program command=\"python3 skip.py ITEM-NONE\" working-dir=\"%s\"/></pre-export>\n"
             "    </product-export>\n"
             "    <company-link customer-matching=\"cm\"/>\n"
             "  </components>\n"
             "  <company-filter><program command=\"python3 skip.py %s\" working-dir=\"%s\"/></company-filter>\n",
             tmpdir, tmpdir, keys[1], tmpdir);
    write_job(&x, comps);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "customer-export") <= 1, "%s", err);
    ck_assert_str_eq(company_prop(&x, keys[0], "city", buf, sizeof(buf)), "PY CUSTOMER");
    {
        char key[64];
        json_t *c;
        snprintf(key, sizeof(key), "%s|PRIMARY", keys[0]);
        c = sim_find(&x, "contacts", "gp_address_key", key);
        if (c != NULL)
            ck_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "properties"), "city")),
                             "PY CUSTOMER_ADDRESS");
        json_decref(c);
    }
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK'"), 0);
    /* products through the program that skips none of them */
    ck_assert_msg(sp_e2e_spetl(&x, "run", "product-export") == 0, "%s", err);
    ck_assert_int_eq(db_count(&x, LINKS("ITEM")), db_count(&x, "SELECT COUNT(*) FROM IV00101"));
    /* the company filter program skips K1's company: company-link leaves it alone */
    sp_e2e_exec(&x, "DELETE FROM spAAIntegratedEntityLink");
    ck_assert_msg(sp_e2e_spetl(&x, "run", "company-link") == 0, "%s", err);
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER") " AND Entity_Key = '%s'", keys[1]), 0);
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER")), db_count(&x, "SELECT COUNT(*) FROM RM00101") - 1);
    sp_e2e_stop(&x);
}
END_TEST

/* company-link: the company filter skips or fails a company before it is
 * matched; post-link sees each link in the page's transaction, may fail it. */
START_TEST(company_filter_and_post_link)
{
    env x;
    char tag[32], comps[4096];

    snprintf(tag, sizeof(tag), "hk_link_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, "  <components/>\n"), "%s", sp_skip_why());
    snprintf(comps, sizeof(comps),
             "  <components>\n"
             "    <customer-export customer-mapping=\"c\" address-mapping=\"a\"/>\n"
             "    <company-link customer-matching=\"cm\">\n"
             "      <post-link><sql params=\"key hubspot_id json\">INSERT INTO hook_log (k, hs, rec) "
             "VALUES (?, ?, ?)</sql></post-link>\n"
             "    </company-link>\n"
             "  </components>\n"
             "  <company-filter><sql params=\"property:gp_customer_number\">SELECT action, message FROM hook_ctl "
             "WHERE k = ?</sql></company-filter>\n");
    write_job(&x, comps);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "customer-export") <= 1, "%s", err);
    sp_e2e_exec(&x, "DELETE FROM spAAIntegratedEntityLink");
    sp_e2e_exec(&x, "DELETE FROM spAAActionCenter");
    ctl(&x, keys[0], "skip", "left alone", NULL);
    ctl(&x, keys[1], "fail", "bad company", NULL);
    ck_assert_int_eq(sp_e2e_spetl(&x, "run", "company-link"), 1);
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER") " AND Entity_Key IN ('%s', '%s')", keys[0], keys[1]), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Category = 'HOOK' AND "
                                  "Entity_Type = 'COMPANY' AND Message LIKE 'company-filter hook (%%): bad company'"),
                     1);
    ck_assert_int_gt(db_count(&x, LINKS("CUSTOMER")), 0);
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log h JOIN spAAIntegratedEntityLink l ON "
                                  "l.Entity_Key = h.k AND l.HubSpot_ID = h.hs"),
                     db_count(&x, LINKS("CUSTOMER")));
    ck_assert_int_eq(db_count(&x, "SELECT COUNT(*) FROM hook_log"), db_count(&x, LINKS("CUSTOMER")));
    sp_e2e_stop(&x);
}
END_TEST

/* A program pre hook over many pages (3 customers a page), its calls
 * overlapped with the reads (export_read.c): the program sees each page's
 * companies, then their contacts, page after page, each record once; each
 * answer lands on its own record (the city the program sets is the
 * record's key); a crash with on-failure="stop-run" on a later page stops
 * the run with the hook's message, the pages before it exported. */
static void write_order_py(const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("import json, os, signal, sys\n"
          "log = open(sys.argv[1], 'a')\n"
          "for line in sys.stdin:\n"
          "    rec = json.loads(line)['record']\n"
          "    log.write(rec['type'] + ' ' + rec['key'] + '\\n')\n"
          "    log.flush()\n"
          "    if rec['key'] == sys.argv[3]:\n"
          "        os.kill(os.getpid(), signal.SIGSEGV)\n"
          "    act = 'skip' if rec['key'] == sys.argv[2] else 'keep'\n"
          "    print(json.dumps({'action': act, 'properties': {'city': 'PY ' + rec['key']}}))\n"
          "    sys.stdout.flush()\n",
          f);
    fclose(f);
}

/* The hook's log checked: blocks of at most 3 companies in key order, each
 * followed by contacts of its companies only; the companies seen. */
static int check_order_log(const char *path)
{
    char line[256], block[3][64], last[64] = "";
    int nblock = 0, companies = 0, after_contacts = 1;
    FILE *f = fopen(path, "r");

    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char type[32], key[128], *bar;
        ck_assert_int_eq(sscanf(line, "%31s %127s", type, key), 2);
        if (strcmp(type, "CUSTOMER") == 0) {
            if (after_contacts)
                nblock = 0, after_contacts = 0;
            ck_assert_msg(nblock < 3, "more than a page of companies in a row: %s", key);
            ck_assert_msg(strcmp(last, key) < 0, "%s after %s", key, last);
            snprintf(last, sizeof(last), "%s", key);
            snprintf(block[nblock++], sizeof(block[0]), "%s", key);
            companies++;
            continue;
        }
        ck_assert_str_eq(type, "CUSTOMER_ADDRESS");
        after_contacts = 1;
        bar = strchr(key, '|');
        ck_assert_ptr_nonnull(bar);
        *bar = '\0';
        int found = 0;
        for (int i = 0; i < nblock; i++)
            found |= strcmp(block[i], key) == 0;
        ck_assert_msg(found, "contact of %s outside its page", key);
    }
    fclose(f);
    return companies;
}

START_TEST(program_pre_hook_pages_in_order_and_stop_run)
{
    env x;
    char tag[32], buf[128], py[700], logf[700], comps[4096], want[96];
    int64_t n;
    sp_stmt *st = NULL;
    sp_err e;

    snprintf(tag, sizeof(tag), "hk_order_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, "  <components/>\n"), "%s", sp_skip_why());
    snprintf(py, sizeof(py), "%s/order.py", tmpdir);
    snprintf(logf, sizeof(logf), "%s/order-%d.log", tmpdir, _i);
    write_order_py(py);
    remove(logf);
    snprintf(comps, sizeof(comps),
             "  <components>\n"
             "    <customer-export address-types=\"*\" customers-per-page=\"3\" customer-mapping=\"c\" "
             "address-mapping=\"a\">\n"
             "      <pre-export><program command=\"python3 order.py %s %s NONE\" working-dir=\"%s\"/></pre-export>\n"
             "    </customer-export>\n"
             "  </components>\n",
             logf, keys[1], tmpdir);
    write_job(&x, comps);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "customer-export") <= 1, "%s", err);
    n = db_count(&x, "SELECT COUNT(*) FROM RM00101");
    ck_assert_int_eq(check_order_log(logf), n);
    ck_assert_ptr_null(sim_find(&x, "companies", "gp_customer_number", keys[1]));   /* skipped */
    ck_assert_int_eq(db_count(&x, LINKS("CUSTOMER")), n - 1);
    ck_assert_int_eq(sp_stmt_prepare(x.db, "SELECT RTRIM(CUSTNMBR) FROM RM00101 ORDER BY CUSTNMBR", &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    while (sp_stmt_fetch(st, &e) == 1) {
        const char *k = sp_stmt_text(st, 0);
        if (strcmp(k, keys[1]) == 0)
            continue;
        snprintf(want, sizeof(want), "PY %s", k);
        ck_assert_str_eq(company_prop(&x, k, "city", buf, sizeof(buf)), want);
    }
    sp_stmt_free(st);

    /* again from scratch, the program crashing at the last company: the run stops */
    sp_e2e_exec(&x, "DELETE FROM spAAIntegratedEntityLink");
    remove(logf);
    snprintf(comps, sizeof(comps),
             "  <components>\n"
             "    <customer-export address-types=\"*\" customers-per-page=\"3\" customer-mapping=\"c\" "
             "address-mapping=\"a\">\n"
             "      <pre-export><program command=\"python3 order.py %s NONE LASTKEY\" working-dir=\"%s\" "
             "on-failure=\"stop-run\"/></pre-export>\n"
             "    </customer-export>\n"
             "  </components>\n",
             logf, tmpdir);
    {
        char last[64] = "", rest[4096], *at = strstr(comps, "LASTKEY");
        ck_assert_int_eq(sp_stmt_prepare(x.db, "SELECT MAX(RTRIM(CUSTNMBR)) FROM RM00101", &st, &e), 0);
        ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
        ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
        snprintf(last, sizeof(last), "%s", sp_stmt_text(st, 0));
        sp_stmt_free(st);
        snprintf(rest, sizeof(rest), "%s%s", last, at + strlen("LASTKEY"));
        snprintf(at, sizeof(comps) - (size_t)(at - comps), "%s", rest);
    }
    write_job(&x, comps);
    ck_assert_int_ge(sp_e2e_spetl(&x, "run", "customer-export"), 2);
    ck_assert_msg(strstr(err, "the program was killed by signal 11") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "stops the run on failure") != NULL, "%s", err);
    ck_assert_int_eq(check_order_log(logf), n);
    ck_assert_int_gt(db_count(&x, LINKS("CUSTOMER")), 0);          /* the pages before it */
    ck_assert_int_lt(db_count(&x, LINKS("CUSTOMER")), n - 2);      /* not its page */
    sp_e2e_stop(&x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hooks");
    TCase *tc = tcase_create("hooks");
    SRunner *sr;
    int failed;

    sp_e2e_use("hooks", tmpdir, sizeof(tmpdir), out, sizeof(out), err, sizeof(err));
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, sql_hooks_change_skip_and_fail_customer_export_records, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, sql_post_hook_write_rolls_back_with_its_page, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, failing_post_hook_statement_fails_its_record_alone, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, env_values_in_sql_hooks_are_bound, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, dry_run_runs_pre_hooks_not_post_hooks, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, update_and_product_points_are_called, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, prospect_update_points_are_called, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, program_hooks_pass_through_and_skip, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, company_filter_and_post_link, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, program_pre_hook_pages_in_order_and_stop_run, 0, SP_DBTEST_COUNT);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
