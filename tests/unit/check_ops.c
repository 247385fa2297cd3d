/* check_ops.c -- the DBA's commands, as a user runs them, on SQLite and
 * PostgreSQL: links (list, --json, --delete with a document's lines,
 * --verify [--repair] against merged and deleted simulator records), the
 * Action Center (errors --json, --retry in one run, --dismiss with who and
 * when, a table of an older spetl), history --json, the progress line on a
 * pseudo terminal (and its absence without one), the settings line that
 * opens a run. */
#include <check.h>
#include <jansson.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/e2e.h"
#include "../support/port.h"
#include "../support/run.h"
#include "../support/sim.h"
#include "../support/skip.h"
#include "spetl/db.h"
#include "spetl/hs_verify.h"
#include "spetl/progress.h"
#include "spetl/schema.h"
#include "spetl/state.h"

static char tmpdir[512];
static char out[131072], err[131072];

static int ready(void)
{
    const char *bin = getenv("SPETL_BIN");
    if (bin == NULL || access(bin, X_OK) != 0 || getenv("SPETL_TEST_TMP") == NULL) {
        sp_skip_note("SPETL_BIN / SPETL_TEST_TMP not set (run it under make test)");
        return 0;
    }
    snprintf(tmpdir, sizeof(tmpdir), "%s/ops-%d", getenv("SPETL_TEST_TMP"), (int)getpid());
    mkdir(tmpdir, 0755);
    return 1;
}

static int spetl(const char *env, const char *args)
{
    return sp_test_run(tmpdir, env, getenv("SPETL_BIN"), args, out, sizeof(out), err, sizeof(err));
}

/* spetl under a pseudo terminal (stdin, stdout and stderr): all it wrote in out. */
static int spetl_pty(const char *env, const char *args)
{
    char cmd[8192];
    int master, st = 0;
    size_t used = 0;
    ssize_t got;
    pid_t pid;

    snprintf(cmd, sizeof(cmd), "exec env %s '%s' %s", env, getenv("SPETL_BIN"), args);
    pid = forkpty(&master, NULL, NULL, NULL);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    while ((got = read(master, out + used, sizeof(out) - 1 - used)) > 0)
        used += (size_t)got;   /* EIO once the child closed the terminal */
    out[used] = '\0';
    close(master);
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void sql_do(const char *conn, const char *sql)
{
    sp_db *db = NULL;
    sp_err e;

    ck_assert_msg(sp_db_open(&db, conn, NULL, &e) == 0, "%s", e.msg);
    ck_assert_msg(sp_db_exec(db, sql, NULL, &e) == 0, "%s: %s", sql, e.msg);
    sp_db_close(db);
}

static int64_t sql_count(const char *conn, const char *sql)
{
    sp_db *db = NULL;
    sp_stmt *st = NULL;
    sp_err e;
    int64_t n = -1;

    ck_assert_int_eq(sp_db_open(&db, conn, NULL, &e), 0);
    ck_assert_msg(sp_stmt_prepare(db, sql, &st, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    ck_assert_int_eq(sp_stmt_int(st, 0, &n, &e), 0);
    sp_stmt_free(st);
    sp_db_close(db);
    return n;
}

/* A job: customer-export (companies only, numberofemployees from USERDEF1). */
static const char *job_file(const char *name, const char *conn, const char *url)
{
    static char path[700];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "<?xml version=\"1.0\"?>\n"
            "<job xmlns=\"urn:spetl:job:1\" name=\"ops-test\">\n"
            "  <hubspot base-url=\"%s\" connect-timeout-seconds=\"2\" retry-budget-seconds=\"5\" "
            "request-timeout-seconds=\"5\">\n"
            "    <token env=\"HUBSPOT_TOKEN\"/>\n"
            "  </hubspot>\n"
            "  <database connection=\"%s\"/>\n"
            "  <mappings>\n"
            "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
            "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"
            "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
            "      <property name=\"numberofemployees\" column=\"USERDEF1\"/>\n"
            "    </export-mapping>\n"
            "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
            "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/>\n"
            "    </export-mapping>\n"
            "  </mappings>\n"
            "  <components>\n"
            "    <customer-export customers-per-page=\"5\" customer-mapping=\"c\" address-mapping=\"a\"/>\n"
            "  </components>\n"
            "</job>\n",
            url, conn);
    fclose(f);
    return path;
}

typedef struct env {
    int target;
    sp_sim *sim;
    char conn[1024];
    char job[700];
    char env[128];
} env;

/* A HubSpot URL where nothing listens, held for the test (the commands these
 * tests run without a simulator never call HubSpot). */
static const char *closed_url(void)
{
    static sp_test_port closed;
    if (closed.port == 0)
        sp_test_closed_port(&closed);
    return closed.url;
}

/* A fresh GP database on target with spetl's tables, and a simulator. 0: skip. */
static int env_start(env *x, int target, const char *tag, int with_sim)
{
    sp_db *db = NULL;
    sp_err e;
    char args[1000];

    memset(x, 0, sizeof(*x));
    x->target = target;
    if (!ready())
        return 0;
    if (sp_dbtest_unavailable(target) != NULL || (with_sim && sp_sim_binary() == NULL)) {
        sp_skip_note("%s: %s", sp_dbtest_name(target),
                     sp_dbtest_unavailable(target) ? sp_dbtest_unavailable(target) : "no simulator");
        return 0;
    }
    ck_assert_int_eq(sp_dbtest_open(target, tag, &db, &e), 0);
    ck_assert_msg(sp_schema_create_gp(db, &e) == 0, "%s", e.msg);
    sp_db_close(db);
    sp_dbtest_conn(target, tag, x->conn, sizeof(x->conn));
    if (with_sim)
        ck_assert_int_eq(sp_sim_start(NULL, &x->sim, &e), 0);
    snprintf(x->env, sizeof(x->env), "HUBSPOT_TOKEN=pat-na1-ops-test-token");
    snprintf(x->job, sizeof(x->job), "%s",
             job_file(target == SP_DBTEST_PG ? "pg.xml" : "lite.xml", x->conn,
                      with_sim ? sp_sim_base_url(x->sim) : closed_url()));
    snprintf(args, sizeof(args), "init-db '%s'", x->job);
    ck_assert_msg(spetl(x->env, args) == 0, "init-db: %s", err);
    if (with_sim) {
        snprintf(args, sizeof(args), "setup-hubspot '%s'", x->job);
        ck_assert_msg(spetl(x->env, args) == 0, "setup-hubspot: %s%s", out, err);
    }
    return 1;
}

static int run_cmd(env *x, const char *cmd, const char *opts)
{
    char args[1400];

    snprintf(args, sizeof(args), "%s %s '%s'", cmd, opts, x->job);
    return spetl(x->env, args);
}

static void put_link(env *x, const char *type, const char *key, const char *obj, const char *id)
{
    sp_db *db = NULL;
    sp_err e;

    ck_assert_int_eq(sp_db_open(&db, x->conn, NULL, &e), 0);
    sp_test_put_link(db, "777", type, key, obj, id);
    sp_db_close(db);
}

static json_t *json_out(void)
{
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    ck_assert_msg(j != NULL, "not one JSON document (%s): %s", je.text, out);
    return j;
}

/* ---- links: list, --json, --delete ------------------------------------------ */

START_TEST(links_list_json_and_delete)
{
    env x;
    json_t *j, *l;

    SP_SKIP_IF(!env_start(&x, _i, _i ? "ops_links_pg" : "ops_links", 0), "%s", sp_skip_why());
    put_link(&x, "CUSTOMER", "AARONFIT0001", "companies", "101");
    put_link(&x, "CUSTOMER_ADDRESS", "AARONFIT0001|PRIMARY", "contacts", "201");
    put_link(&x, "SALES_DOCUMENT", "3:ORD100_%", "deals", "301");
    put_link(&x, "SALES_LINE", "3:ORD100_%|16384", "line_items", "401");
    put_link(&x, "SALES_LINE", "3:ORD100_%|32768", "line_items", "402");
    put_link(&x, "SALES_LINE", "3:ORD1000|16384", "line_items", "403");   /* another document */

    ck_assert_msg(run_cmd(&x, "links", "") == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "HUB        TYPE"));
    ck_assert_msg(strstr(out, "777        CUSTOMER          AARONFIT0001                     companies   101 ") != NULL, "%s", out);
    ck_assert_int_eq(run_cmd(&x, "links", "--type customer_address --json"), 0);
    j = json_out();
    ck_assert_int_eq((int)json_array_size(json_object_get(j, "links")), 1);
    l = json_array_get(json_object_get(j, "links"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(l, "hub")), "777");
    ck_assert_str_eq(json_string_value(json_object_get(l, "entity_type")), "CUSTOMER_ADDRESS");
    ck_assert_str_eq(json_string_value(json_object_get(l, "entity_key")), "AARONFIT0001|PRIMARY");
    ck_assert_str_eq(json_string_value(json_object_get(l, "hs_object")), "contacts");
    ck_assert_str_eq(json_string_value(json_object_get(l, "hs_id")), "201");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(l, "last_exported")));
    json_decref(j);
    ck_assert_int_eq(run_cmd(&x, "links", "--hs-id 402"), 0);
    ck_assert_ptr_nonnull(strstr(out, "3:ORD100_%|32768"));
    ck_assert_ptr_null(strstr(out, "AARONFIT0001"));
    ck_assert_int_eq(run_cmd(&x, "links", "--type BOGUS"), 2);
    ck_assert_ptr_nonnull(strstr(err, "unknown link type 'BOGUS'"));
    ck_assert_int_eq(run_cmd(&x, "links", "--delete"), 2);
    ck_assert_ptr_nonnull(strstr(err, "links --delete needs --key, --hs-id or --type"));

    /* a document goes with its lines' links (and not another document's) */
    ck_assert_msg(run_cmd(&x, "links", "--delete --dry-run --key '3:ORD100_%'") == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "would delete hub=777 SALES_LINE 3:ORD100_%|16384 -> HubSpot line_items 401"));
    ck_assert_ptr_nonnull(strstr(out, ": 3 links would be deleted (dry run: nothing deleted)"));
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 6);
    /* on a terminal, more than one link needs --yes */
    {
        char args[1000];
        snprintf(args, sizeof(args), "links --delete --key '3:ORD100_%%' '%s'", x.job);
        ck_assert_int_eq(spetl_pty(x.env, args), 2);
        ck_assert_msg(strstr(out, "3 links would be deleted: add --yes to delete them") != NULL, "%s", out);
        ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 6);
        snprintf(args, sizeof(args), "links --delete --yes --key '3:ORD100_%%' '%s'", x.job);
        ck_assert_int_eq(spetl_pty(x.env, args), 0);
    }
    ck_assert_msg(strstr(out, "3 links deleted") != NULL, "%s", out);
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 3);
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE HubSpot_ID = '403'"), 1);
    /* without a terminal (a script) no question is asked */
    ck_assert_int_eq(run_cmd(&x, "links", "--delete --key AARONFIT0001 --type CUSTOMER"), 0);
    ck_assert_ptr_nonnull(strstr(out, "1 link deleted"));
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 2);
}
END_TEST

typedef struct keys {
    char got[16][96];
    int n;
} keys;

static int take_key(const char *hub, const sp_link *l, void *ctx)
{
    keys *k = ctx;

    ck_assert_str_eq(hub, "777");
    ck_assert_int_lt(k->n, 16);
    snprintf(k->got[k->n++], sizeof(k->got[0]), "%s/%s", l->entity_type, l->entity_key);
    return 0;
}

/* links --verify reads the links a page at a time, after the last (type, key) */
START_TEST(links_page_by_keyset_and_prefix)
{
    static const char *const want[] = {"CUSTOMER/A!1", "CUSTOMER/B", "CUSTOMER/B|X",
                                       "CUSTOMER_ADDRESS/A|1", "ITEM/A", "ITEM/Z",
                                       "SALES_LINE/D!%|1"};
    env x;
    keys k;
    sp_db *db = NULL;
    sp_err e;
    sp_link_sel sel = {0};
    char type[24], key[96];

    SP_SKIP_IF(!env_start(&x, _i, _i ? "ops_keyset_pg" : "ops_keyset", 0), "%s", sp_skip_why());
    put_link(&x, "ITEM", "Z", "products", "5");
    put_link(&x, "CUSTOMER", "B|X", "companies", "2");
    put_link(&x, "CUSTOMER", "A!1", "companies", "1");
    put_link(&x, "SALES_LINE", "D!%|1", "line_items", "7");
    put_link(&x, "CUSTOMER_ADDRESS", "A|1", "contacts", "3");
    put_link(&x, "ITEM", "A", "products", "4");
    put_link(&x, "CUSTOMER", "B", "companies", "6");
    memset(&k, 0, sizeof(k));
    sel.hub = "777";
    ck_assert_int_eq(sp_db_open(&db, x.conn, NULL, &e), 0);
    for (;;) {
        int before = k.n;
        ck_assert_msg(sp_link_list(db, &sel, 3, take_key, &k, &e) == 0, "%s", e.msg);
        if (k.n - before < 3)
            break;
        snprintf(type, sizeof(type), "%.*s", (int)strcspn(k.got[k.n - 1], "/"), k.got[k.n - 1]);
        snprintf(key, sizeof(key), "%s", strchr(k.got[k.n - 1], '/') + 1);
        sel.after_type = type;
        sel.after_key = key;
    }
    ck_assert_int_eq(k.n, 7);
    for (int i = 0; i < 7; i++)
        ck_assert_str_eq(k.got[i], want[i]);
    /* a prefix matches literally: "D!%|" is not a pattern */
    memset(&k, 0, sizeof(k));
    memset(&sel, 0, sizeof(sel));
    sel.key_prefix = "D!%|";
    ck_assert_int_eq(sp_link_list(db, &sel, 0, take_key, &k, &e), 0);
    ck_assert_int_eq(k.n, 1);
    memset(&k, 0, sizeof(k));
    sel.key_prefix = "D%";
    ck_assert_int_eq(sp_link_list(db, &sel, 0, take_key, &k, &e), 0);
    ck_assert_int_eq(k.n, 0);
    sp_db_close(db);
}
END_TEST

/* ---- Action Center: --json, --dismiss; history --json ------------------------ */

static void add_action(env *x, const char *key, const char *msg)
{
    sp_db *db = NULL;
    sp_action a;
    sp_err e;

    memset(&a, 0, sizeof(a));
    snprintf(a.run_id, sizeof(a.run_id), "run-1");
    snprintf(a.component, sizeof(a.component), "customer-export");
    snprintf(a.entity_type, sizeof(a.entity_type), "CUSTOMER");
    snprintf(a.entity_key, sizeof(a.entity_key), "%s", key);
    snprintf(a.category, sizeof(a.category), "VALIDATION_ERROR");
    snprintf(a.message, sizeof(a.message), "%s", msg);
    a.http_status = 400;
    snprintf(a.correlation_id, sizeof(a.correlation_id), "corr-1");
    a.created_on = 1795737600000LL;
    ck_assert_int_eq(sp_db_open(&db, x->conn, NULL, &e), 0);
    ck_assert_msg(sp_action_add(db, "777", &a, &e) == 0, "%s", e.msg);
    sp_db_close(db);
}

START_TEST(errors_and_history_json_and_dismiss)
{
    env x;
    json_t *j, *r;
    sp_db *db = NULL;
    sp_err e;
    sp_counts c = {12, 10, 0, 0, 0, 1, 1};
    size_t i;

    SP_SKIP_IF(!env_start(&x, _i, _i ? "ops_errors_pg" : "ops_errors", 0), "%s", sp_skip_why());
    /* (PostgreSQL refuses text that is not UTF-8; SQLite keeps it) */
    add_action(&x, "AARONFIT0001", _i == SP_DBTEST_SQLITE ? "Property \"numberofemployees\" is \"lots\"\n\tnot a number \x01 \xff"
                                                          : "Property \"numberofemployees\" is \"lots\"\n\tnot a number \x01 \xef\xbf\xbd");
    add_action(&x, "BEAUTIFU0001", "second");
    ck_assert_int_eq(sp_db_open(&db, x.conn, NULL, &e), 0);
    ck_assert_int_eq(sp_history_start(db, "777", "run-1", "ops-test", "customer-export", 1795737600000LL, &e), 0);
    ck_assert_int_eq(sp_history_finish(db, "777", "run-1", "customer-export", "failed-records", &c, "1 record failed", &e), 0);
    sp_db_close(db);

    ck_assert_int_eq(run_cmd(&x, "errors", "--json"), 0);
    j = json_out();
    ck_assert_int_eq((int)json_array_size(json_object_get(j, "errors")), 2);
    json_array_foreach(json_object_get(j, "errors"), i, r) {
        if (strcmp(json_string_value(json_object_get(r, "entity_key")), "AARONFIT0001") != 0)
            continue;
        ck_assert_str_eq(json_string_value(json_object_get(r, "message")),
                         "Property \"numberofemployees\" is \"lots\"\n\tnot a number \x01 \xef\xbf\xbd");
        ck_assert_int_eq(json_integer_value(json_object_get(r, "http_status")), 400);
        ck_assert_str_eq(json_string_value(json_object_get(r, "category")), "VALIDATION_ERROR");
        ck_assert_str_eq(json_string_value(json_object_get(r, "correlation_id")), "corr-1");
        ck_assert_str_eq(json_string_value(json_object_get(r, "component")), "customer-export");
        ck_assert_str_eq(json_string_value(json_object_get(r, "created")), "2026-11-27T00:00:00.000Z");
        ck_assert_int_gt(json_integer_value(json_object_get(r, "error_id")), 0);
    }
    json_decref(j);
    ck_assert_int_eq(run_cmd(&x, "history", "--json"), 0);
    j = json_out();
    r = json_array_get(json_object_get(j, "history"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r, "status")), "failed-records");
    ck_assert_str_eq(json_string_value(json_object_get(r, "run_id")), "run-1");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "counts"), "read")), 12);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "counts"), "failed")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(r, "started")), "2026-11-27T00:00:00.000Z");
    json_decref(j);

    /* --dismiss needs a choice; it records who and when */
    ck_assert_int_eq(run_cmd(&x, "errors", "--dismiss"), 2);
    ck_assert_ptr_nonnull(strstr(err, "--retry or --dismiss, with --key KEY or --all"));
    ck_assert_msg(run_cmd(&x, "errors", "--dismiss --key AARONFIT0001") == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, ": 1 Action Center row dismissed by "));
    ck_assert_int_eq(run_cmd(&x, "errors", ""), 0);
    ck_assert_ptr_null(strstr(out, "AARONFIT0001"));
    ck_assert_ptr_nonnull(strstr(out, "BEAUTIFU0001"));
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAActionCenter WHERE Entity_Key = 'AARONFIT0001'"
                                       " AND Dismissed_By IS NOT NULL AND Dismissed_By <> ''"
                                       " AND Dismissed_On IS NOT NULL AND Resolved_On IS NOT NULL"), 1);
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAActionCenter WHERE Dismissed_By IS NULL"), 1);

    /* a table of an older spetl: --dismiss asks for init-db, which adds the columns */
    sql_do(x.conn, "ALTER TABLE spAAActionCenter DROP COLUMN Dismissed_By");
    sql_do(x.conn, "ALTER TABLE spAAActionCenter DROP COLUMN Dismissed_On");
    ck_assert_int_eq(run_cmd(&x, "errors", "--dismiss --all"), 3);
    ck_assert_msg(strstr(err, "run `spetl init-db JOB` to add them") != NULL, "%s", err);
    ck_assert_msg(run_cmd(&x, "init-db", "") == 0, "%s", err);
    ck_assert_msg(run_cmd(&x, "errors", "--dismiss --all") == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, ": 1 Action Center row dismissed by "));
    ck_assert_int_eq(run_cmd(&x, "errors", ""), 0);
    ck_assert_ptr_nonnull(strstr(out, ": no unresolved errors"));
    ck_assert_int_eq(run_cmd(&x, "errors", "--json"), 0);
    ck_assert_str_eq(out, "{\"errors\":[]}\n");
}
END_TEST

/* ---- runs against the simulator ------------------------------------------------ */

static void customers(env *x, int n, const char *bad)
{
    char sql[300];

    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME, USERDEF1) VALUES ('CUST%04d', 'Customer %d', '%s')",
                 i, i, bad != NULL && i % 7 == 3 ? bad : "12");
        sql_do(x->conn, sql);
    }
}

/* The HubSpot id a customer is linked to. */
static const char *hs_id_of(env *x, const char *key, char *buf, size_t n)
{
    char sql[200];
    sp_db *db = NULL;
    sp_stmt *st = NULL;
    sp_err e;

    snprintf(sql, sizeof(sql),
             "SELECT HubSpot_ID FROM spAAIntegratedEntityLink WHERE Entity_Type = 'CUSTOMER'"
             " AND Entity_Key = '%s'", key);
    ck_assert_int_eq(sp_db_open(&db, x->conn, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_prepare(db, sql, &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    snprintf(buf, n, "%s", sp_stmt_text(st, 0));
    sp_stmt_free(st);
    sp_db_close(db);
    return buf;
}

START_TEST(verify_finds_and_repairs_merged_and_deleted_records)
{
    env x;
    char a[32], b[32], c[32], d[32], sx[32], body[200], path[200];
    json_t *j, *p;
    size_t i;

    SP_SKIP_IF(!env_start(&x, _i, _i ? "ops_verify_pg" : "ops_verify", 1), "%s", sp_skip_why());
    customers(&x, 6, NULL);
    ck_assert_msg(run_cmd(&x, "run", "") == 0, "%s", err);
    ck_assert_msg(run_cmd(&x, "links", "--verify") == 0, "%s", err);
    ck_assert_msg(strstr(out, ": 6 links checked: 6 there, 0 gone, 0 merged\n") != NULL, "%s", out);
    {
        char args[1000];
        snprintf(args, sizeof(args), "links --verify '%s'", x.job);   /* on a terminal (the ETA: progress_line_format) */
        ck_assert_int_eq(spetl_pty(x.env, args), 0);
        ck_assert_msg(strstr(out, "\rverify: 6 of 6 done, ") != NULL, "%s", out);
    }
    hs_id_of(&x, "CUST0000", a, sizeof(a));
    hs_id_of(&x, "CUST0001", b, sizeof(b));
    hs_id_of(&x, "CUST0002", c, sizeof(c));
    hs_id_of(&x, "CUST0003", d, sizeof(d));
    /* CUST0000's company merged into one no customer is linked to; CUST0003's
     * into CUST0001's (linked); CUST0002's deleted */
    j = sp_test_sim_json(x.sim, "POST", "/_sim/seed/companies", "{\"records\":[{\"properties\":{\"name\":\"Kept\"}}]}");
    snprintf(sx, sizeof(sx), "%s", json_string_value(json_array_get(json_object_get(j, "ids"), 0)));
    json_decref(j);
    snprintf(body, sizeof(body), "{\"primaryObjectId\":\"%s\",\"objectIdToMerge\":\"%s\"}", sx, a);
    json_decref(sp_test_sim_json(x.sim, "POST", "/crm/v3/objects/companies/merge", body));
    snprintf(body, sizeof(body), "{\"primaryObjectId\":\"%s\",\"objectIdToMerge\":\"%s\"}", b, d);
    json_decref(sp_test_sim_json(x.sim, "POST", "/crm/v3/objects/companies/merge", body));
    snprintf(path, sizeof(path), "/crm/v3/objects/companies/%s", c);
    {
        int status = 0;
        sp_err e;
        ck_assert_int_eq(sp_sim_control(x.sim, "DELETE", path, NULL, NULL, &status, &e), 0);
        ck_assert_int_eq(status, 204);
    }

    ck_assert_int_eq(run_cmd(&x, "links", "--verify"), 1);
    snprintf(body, sizeof(body), "merged: CUSTOMER CUST0000 -> HubSpot companies %s, merged into %s\n", a, sx);
    ck_assert_msg(strstr(out, body) != NULL, "%s", out);
    snprintf(body, sizeof(body), "gone: CUSTOMER CUST0002 -> HubSpot companies %s (deleted or archived)\n", c);
    ck_assert_msg(strstr(out, body) != NULL, "%s", out);
    ck_assert_msg(strstr(out, ": 6 links checked: 3 there, 1 gone, 2 merged\n") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(err, "3 links point at gone or merged HubSpot records: `spetl links --verify --repair` fixes them"));
    ck_assert_int_eq(run_cmd(&x, "links", "--verify --limit 2"), 1);   /* CUST0000, CUST0001 */
    ck_assert_msg(strstr(out, ": 2 links checked: 1 there, 0 gone, 1 merged\n") != NULL, "%s", out);
    ck_assert_int_eq(run_cmd(&x, "links", "--verify --json"), 1);
    j = json_out();
    ck_assert_int_eq(json_integer_value(json_object_get(j, "checked")), 6);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "merged")), 2);
    json_array_foreach(json_object_get(j, "problems"), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "entity_key")), "CUST0000") == 0) {
            ck_assert_str_eq(json_string_value(json_object_get(p, "state")), "merged");
            ck_assert_str_eq(json_string_value(json_object_get(p, "merged_into")), sx);
            ck_assert_str_eq(json_string_value(json_object_get(p, "repair")), "none");
        }
    }
    json_decref(j);

    /* --repair: re-point, remove, and leave the conflict to a person */
    ck_assert_int_eq(run_cmd(&x, "links", "--verify --repair"), 1);
    snprintf(body, sizeof(body), "not re-pointed: HubSpot companies %s is linked to CUSTOMER CUST0001 already", b);
    ck_assert_msg(strstr(out, body) != NULL, "%s", out);
    ck_assert_msg(strstr(out, "; 2 repaired\n") != NULL, "%s", out);
    ck_assert_str_eq(hs_id_of(&x, "CUST0000", body, sizeof(body)), sx);
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Entity_Key = 'CUST0002'"), 0);
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAARunLock"), 0);
    /* the next run re-creates the deleted company by its key and links it */
    ck_assert_msg(run_cmd(&x, "run", "") == 0, "%s", err);
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Entity_Key = 'CUST0002'"), 1);
    ck_assert_int_eq(run_cmd(&x, "links", "--verify"), 1);
    ck_assert_msg(strstr(out, ": 6 links checked: 5 there, 0 gone, 1 merged\n") != NULL, "%s", out);
    sp_sim_stop(x.sim);
}
END_TEST

START_TEST(retry_resends_failed_records_in_one_run)
{
    env x;
    int starts = 0;
    const char *p;

    SP_SKIP_IF(!env_start(&x, _i, _i ? "ops_retry_pg" : "ops_retry", 1), "%s", sp_skip_why());
    customers(&x, 12, "lots");   /* CUST0003 and CUST0010 are refused */
    ck_assert_int_eq(run_cmd(&x, "run", ""), 1);
    ck_assert_int_eq(run_cmd(&x, "errors", "--json"), 0);
    ck_assert_msg(strstr(out, "\"entity_key\":\"CUST0003\"") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"entity_key\":\"CUST0010\""));
    ck_assert_int_eq(run_cmd(&x, "errors", "--retry"), 2);
    /* retried as they are: they fail again, in one run */
    ck_assert_int_eq(run_cmd(&x, "errors", "--retry --key CUST0003"), 1);
    ck_assert_ptr_nonnull(strstr(out, ": retrying 1 record (1 component)"));
    sql_do(x.conn, "UPDATE RM00101 SET USERDEF1 = '40' WHERE CUSTNMBR IN ('CUST0003', 'CUST0010')");
    ck_assert_msg(run_cmd(&x, "errors", "--retry --all --dry-run") == 0, "%s", err);
    ck_assert_msg(strstr(out, "CUST0010") != NULL, "%s", out);   /* what it would send */
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 10);
    ck_assert_msg(run_cmd(&x, "errors", "--retry --all") == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, ": retrying 2 records (1 component)"));
    for (p = err; (p = strstr(p, "msg=\"run started")) != NULL; p++)
        starts++;
    ck_assert_int_eq(starts, 1);   /* one run: one lock */
    ck_assert_msg(strstr(err, "ok: read=2 created=2 updated=0") != NULL, "%s", err);
    ck_assert_int_eq(run_cmd(&x, "errors", ""), 0);
    ck_assert_ptr_nonnull(strstr(out, ": no unresolved errors"));
    ck_assert_int_eq(sql_count(x.conn, "SELECT COUNT(*) FROM spAAIntegratedEntityLink"), 12);
    ck_assert_int_eq(run_cmd(&x, "history", "--json --limit 1"), 0);
    ck_assert_msg(strstr(out, "\"status\":\"ok\"") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"read\":2,\"created\":2"));
    sp_sim_stop(x.sim);
}
END_TEST

/* ---- progress and the first log line ------------------------------------------- */

START_TEST(progress_line_format)
{
    char line[256];

    sp_progress_format(line, sizeof(line), "customer-export", 1200, 1500, 0, 3.0, 9.64, 10.0);
    ck_assert_str_eq(line, "customer-export: 1,200 done (1,500 read), 400 records/s, 9.6 requests/s of 10/s");
    sp_progress_format(line, sizeof(line), "verify", 1200, -1, 2400, 3.0, 1.0, 0);
    ck_assert_str_eq(line, "verify: 1,200 of 2,400 done, 400 records/s, 1.0 requests/s, ETA 0:03");
    sp_progress_format(line, sizeof(line), "verify", 2400, -1, 2400, 3.0, 1.0, 0);
    ck_assert_str_eq(line, "verify: 2,400 of 2,400 done, 800 records/s, 1.0 requests/s");
    sp_progress_format(line, sizeof(line), "verify", 0, -1, 2400, 0, 0, 0);
    ck_assert_str_eq(line, "verify: 0 of 2,400 done, 0 records/s, 0.0 requests/s");
    ck_assert_int_eq(sp_hs_id_in_list("12;345;6", "345"), 1);
    ck_assert_int_eq(sp_hs_id_in_list("12;345;6", "34"), 0);
    ck_assert_int_eq(sp_hs_id_in_list("12", "12"), 1);
    ck_assert_int_eq(sp_hs_id_in_list(NULL, "12"), 0);
}
END_TEST

START_TEST(progress_on_a_terminal_only_and_the_settings_line_first)
{
    env x;
    char args[1000];
    const char *first;

    SP_SKIP_IF(!env_start(&x, SP_DBTEST_SQLITE, "ops_progress", 1), "%s", sp_skip_why());
    customers(&x, 30, "lots");   /* 4 refused: their warnings come while the line is shown */
    snprintf(args, sizeof(args), "run '%s'", x.job);
    ck_assert_msg(spetl_pty(x.env, args) == 1, "%s", out);
    ck_assert_msg(strstr(out, "\rcustomer-export: ") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, " records/s, "));
    ck_assert_ptr_nonnull(strstr(out, " requests/s of 10/s\033[K"));
    /* every log line starts a line of its own: the progress line was erased first */
    for (const char *t = out; (t = strstr(t, "time=")) != NULL; t++)
        ck_assert_msg(t == out || t[-1] == '\n' || (t >= out + 4 && memcmp(t - 4, "\r\033[K", 4) == 0),
                      "a log line after the progress text: %.200s", t > out + 100 ? t - 100 : out);
    ck_assert_ptr_nonnull(strstr(out, "CUSTOMER CUST0003 failed: "));
    sql_do(x.conn, "UPDATE RM00101 SET USERDEF1 = '5'");
    /* without a terminal, or with -q: never */
    sql_do(x.conn, "UPDATE RM00101 SET CUSTNAME = 'Renamed'");
    sql_do(x.conn, "DELETE FROM spAAIntegratedEntityLink");
    ck_assert_msg(run_cmd(&x, "run", "") == 0, "%s", err);
    ck_assert_ptr_null(strstr(err, "records/s"));
    ck_assert_ptr_null(strstr(err, "\033[K"));
    sql_do(x.conn, "DELETE FROM spAAIntegratedEntityLink");
    snprintf(args, sizeof(args), "-q run '%s'", x.job);
    ck_assert_msg(spetl_pty(x.env, args) == 0, "%s", out);
    ck_assert_ptr_null(strstr(out, "records/s"));

    /* the first log line names the settings; the token and the password never appear */
    {
        char conn[1100];
        snprintf(conn, sizeof(conn), "%sPwd=S3cretPassw0rd;", x.conn);
        snprintf(x.job, sizeof(x.job), "%s", job_file("pw.xml", conn, sp_sim_base_url(x.sim)));
    }
    ck_assert_msg(run_cmd(&x, "run", "--dry-run") == 0, "%s", err);
    ck_assert_ptr_null(strstr(err, "S3cretPassw0rd"));
    ck_assert_msg(strstr(err, "Pwd=<redacted>;") != NULL, "%s", err);
    first = err;
    ck_assert_msg(strncmp(first, "time=", 5) == 0 && strstr(first, "msg=\"run begin: spetl ") != NULL &&
                      strstr(first, "msg=\"run begin: spetl ") < strchr(first, '\n'),
                  "%s", err);
    ck_assert_ptr_nonnull(strstr(first, " components=customer-export database=Driver="));
    ck_assert_ptr_nonnull(strstr(first, " api-version=2026-03 rate-limit=100/10s "));
    ck_assert_ptr_nonnull(strstr(first, " token=env:HUBSPOT_TOKEN "));
    ck_assert_ptr_nonnull(strstr(first, " dry-run=yes key=- retry-records=0 log-level=info\""));
    ck_assert_ptr_null(strstr(err, "pat-na1-ops-test-token"));
    sp_sim_stop(x.sim);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("ops");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, progress_line_format);
    tcase_add_loop_test(tc, links_list_json_and_delete, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, links_page_by_keyset_and_prefix, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, errors_and_history_json_and_dismiss, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, verify_finds_and_repairs_merged_and_deleted_records, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, retry_resends_failed_records_in_one_run, 0, SP_DBTEST_COUNT);
    tcase_add_test(tc, progress_on_a_terminal_only_and_the_settings_line_first);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
