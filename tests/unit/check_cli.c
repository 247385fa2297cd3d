/* check_cli.c -- bin/spetl as a user runs it: help, version, usage errors,
 * init-db on both drivers, and the run sequence (lock, hub, history, report)
 * against the HubSpot simulator. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/run.h"
#include "../support/port.h"
#include "../support/sim.h"
#include "../support/skip.h"
#include "spetl/db.h"
#include "spetl/runner.h"
#include "spetl/schema.h"
#include "spetl/state.h"

static char tmpdir[512];
static char out[65536], err[65536];

static int ready(void)
{
    const char *bin = getenv("SPETL_BIN");
    if (bin == NULL || access(bin, X_OK) != 0 || getenv("SPETL_TEST_TMP") == NULL) {
        sp_skip_note("SPETL_BIN / SPETL_TEST_TMP not set (run it under make test)");
        return 0;
    }
    snprintf(tmpdir, sizeof(tmpdir), "%s/cli-%d", getenv("SPETL_TEST_TMP"), (int)getpid());
    mkdir(tmpdir, 0755);
    return 1;
}

/* Run `env ENV spetl ARGS`; capture stdout and stderr; return the exit status. */
static int spetl(const char *env, const char *args)
{
    return sp_test_run(tmpdir, env, getenv("SPETL_BIN"), args, out, sizeof(out), err, sizeof(err));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Replace the first `from` in the file at path by `to`. */
static void replace_in_file(const char *path, const char *from, const char *to)
{
    char text[16384], *at;
    size_t n;
    FILE *f = fopen(path, "r");

    ck_assert_ptr_nonnull(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    at = strstr(text, from);
    ck_assert_ptr_nonnull(at);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fwrite(text, 1, (size_t)(at - text), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
}

/* A job on connection CONN with HubSpot at URL; extra goes inside <job>. */
static const char *job_file(const char *name, const char *conn, const char *url,
                            const char *job_attrs, const char *components)
{
    static char path[700];
    char text[8192];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"cli-test\"%s>\n"
             "  <hubspot base-url=\"%s\" connect-timeout-seconds=\"2\" retry-budget-seconds=\"5\" request-timeout-seconds=\"5\">\n"
             "    <token env=\"HUBSPOT_TOKEN\"/>\n"
             "  </hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "  <mappings>\n"
             "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
             "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"
             "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
             "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/><property name=\"email\" column=\"INET1\"/>\n"
             "    </export-mapping>\n"
             "%s%s"
             "  </mappings>\n"
             "%s"
             "  <components>\n%s  </components>\n"
             "</job>\n",
             job_attrs, url, conn,
             /* a deal mapping only for the jobs that name deal-export */
             strstr(components, "deal-export") == NULL
                 ? ""
                 : "    <export-mapping id=\"d\" entity=\"sales-document\" object=\"deals\" "
                   "key-property=\"gp_sales_document\">\n"
                   "      <property name=\"gp_sales_document\" template=\"{SOPTYPE}:{SOPNUMBE}\"/>\n"
                   "    </export-mapping>\n"
                   "    <export-mapping id=\"l\" entity=\"sales-line\" object=\"line_items\">"
                   "<property name=\"name\" column=\"ITEMDESC\"/></export-mapping>\n",
             /* import mappings and a rule set only for the jobs that name an import */
             strstr(components, "-import") == NULL
                 ? ""
                 : "    <import-mapping id=\"ip\" entity=\"prospect\" object=\"companies\">"
                   "<column name=\"CUSTNAME\" property=\"name\"/></import-mapping>\n"
                   "    <import-mapping id=\"ik\" entity=\"prospect-contact\" object=\"contacts\">"
                   "<column name=\"Email\" property=\"email\"/></import-mapping>\n",
             strstr(components, "-import") == NULL
                 ? ""
                 : "  <matching><rule-set id=\"p\" entity=\"prospect\"><rule><compare property=\"name\" "
                   "column=\"CUSTNAME\"/></rule></rule-set></matching>\n",
             components);
    write_file(path, text);
    return path;
}

START_TEST(help_and_version)
{
    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    ck_assert_int_eq(spetl(NULL, "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: spetl [OPTIONS] COMMAND JOB [ARGS...]"));
    ck_assert_ptr_nonnull(strstr(out, "  validate JOB "));
    ck_assert_ptr_nonnull(strstr(out, "  links JOB "));
    ck_assert_ptr_nonnull(strstr(out, "  --verify [--repair] "));
    ck_assert_ptr_nonnull(strstr(out, "  5  another run of this job holds the run lock"));
    ck_assert_ptr_nonnull(strstr(out, "  7  the run finished but a component stopped; "));
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(spetl(NULL, "--version"), 0);
    ck_assert_ptr_nonnull(strstr(out, "spetl 0."));
    ck_assert_ptr_nonnull(strstr(out, "libxml2 2."));
    ck_assert_ptr_nonnull(strstr(out, "unixODBC"));
    ck_assert_ptr_nonnull(strstr(out, "libcurl 7."));
    ck_assert_ptr_nonnull(strstr(out, "Jansson 2."));
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    ck_assert_int_eq(spetl(NULL, ""), 2);
    ck_assert_str_eq(err, "spetl: no command given\nTry 'spetl --help'.\n");
    ck_assert_int_eq(spetl(NULL, "frobnicate job.xml"), 2);
    ck_assert_str_eq(err, "spetl: unknown command 'frobnicate'\nTry 'spetl --help'.\n");
    ck_assert_int_eq(spetl(NULL, "run"), 2);
    ck_assert_str_eq(err, "spetl: run: no job file given\nTry 'spetl --help'.\n");
    ck_assert_int_eq(spetl(NULL, "run --bogus job.xml"), 2);
    ck_assert_str_eq(err, "spetl: unknown option '--bogus'\nTry 'spetl --help'.\n");
    ck_assert_int_eq(spetl(NULL, "--log-level loud run job.xml"), 2);
    ck_assert_ptr_nonnull(strstr(err, "unknown log level 'loud'"));
    ck_assert_int_eq(spetl(NULL, "run job.xml --key"), 2);
    ck_assert_ptr_nonnull(strstr(err, "option --key needs a value"));
    /* links and the Action Center refuse what does not go together before reading the job */
    ck_assert_int_eq(spetl(NULL, "links job.xml --repair"), 2);
    ck_assert_ptr_nonnull(strstr(err, "links: --repair goes with --verify"));
    ck_assert_int_eq(spetl(NULL, "links job.xml --delete --verify"), 2);
    ck_assert_int_eq(spetl(NULL, "links job.xml --key K --hs-id 1"), 2);
    ck_assert_int_eq(spetl(NULL, "links job.xml --type"), 2);
    ck_assert_ptr_nonnull(strstr(err, "option --type needs a value"));
    ck_assert_int_eq(spetl(NULL, "errors job.xml --retry --dismiss --all"), 2);
    ck_assert_int_eq(spetl(NULL, "errors job.xml --retry --key K --all"), 2);
    ck_assert_ptr_nonnull(strstr(err, "errors: --retry or --dismiss, with --key KEY or --all"));
    /* an option the command does not act on is refused, never ignored (init-db --dry-run
       would create the tables; history --key would list every run) */
    ck_assert_int_eq(spetl(NULL, "init-db job.xml --dry-run"), 2);
    ck_assert_str_eq(err, "spetl: init-db does not take --dry-run (it takes no option but --log-level and -q)\n"
                          "Try 'spetl --help'.\n");
    ck_assert_int_eq(spetl(NULL, "setup-hubspot job.xml --dry-run"), 2);
    ck_assert_ptr_nonnull(strstr(err, "setup-hubspot does not take --dry-run"));
    ck_assert_int_eq(spetl(NULL, "history job.xml --key K"), 2);
    ck_assert_ptr_nonnull(strstr(err, "history does not take --key (it takes --limit, --json)"));
    ck_assert_int_eq(spetl(NULL, "validate job.xml --since 2026-01-01"), 2);
    ck_assert_ptr_nonnull(strstr(err, "validate does not take --since (it takes --secrets)"));
    ck_assert_int_eq(spetl(NULL, "check job.xml customer-export"), 2);
    ck_assert_ptr_nonnull(strstr(err, "check takes nothing after JOB (found 'customer-export')"));
    ck_assert_int_eq(spetl(NULL, "links job.xml --retry --all"), 2);
    ck_assert_ptr_nonnull(strstr(err, "links does not take --retry"));
    /* nor an option the chosen action does not act on: these would have written anyway */
    ck_assert_int_eq(spetl(NULL, "errors job.xml --dismiss --all --dry-run"), 2);
    ck_assert_ptr_nonnull(strstr(err, "errors: --dry-run goes with --retry"));
    ck_assert_int_eq(spetl(NULL, "links job.xml --verify --repair --dry-run"), 2);
    ck_assert_ptr_nonnull(strstr(err, "links: --dry-run goes with --delete"));
    ck_assert_int_eq(spetl(NULL, "errors job.xml --retry --all --json"), 2);
    ck_assert_ptr_nonnull(strstr(err, "errors --retry does not take --json"));
    ck_assert_int_eq(spetl(NULL, "errors job.xml --all"), 2);
    ck_assert_ptr_nonnull(strstr(err, "errors: --all goes with --retry or --dismiss"));
    ck_assert_int_eq(spetl(NULL, "links job.xml --delete --key K --limit 5"), 2);
    ck_assert_ptr_nonnull(strstr(err, "links --delete does not take --limit"));
}
END_TEST

START_TEST(init_db_is_safe_twice)
{
    char conn[1024], env[256];
    const char *job;
    sp_db *db = NULL;
    sp_err e;
    int exists;
    sp_test_port closed;   /* HubSpot: never called by init-db, refused if it were */

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    SP_SKIP_IF(sp_dbtest_unavailable(_i) != NULL, "init-db on %s: %s", sp_dbtest_name(_i),
               sp_dbtest_unavailable(_i));
    ck_assert_int_eq(sp_dbtest_open(_i, "cli_init", &db, &e), 0);
    sp_db_close(db);
    sp_dbtest_conn(_i, "cli_init", conn, sizeof(conn));
    sp_test_closed_port(&closed);
    job = job_file("init.xml", conn, closed.url, "", "");
    snprintf(env, sizeof(env), "HUBSPOT_TOKEN=");   /* init-db needs no token */
    ck_assert_int_eq(spetl(env, "init-db " ) , 2);
    {
        char args[800];
        snprintf(args, sizeof(args), "init-db '%s'", job);
        /* a database without GP's tables is refused, and nothing is created */
        ck_assert_int_eq(spetl(env, args), 3);
        ck_assert_msg(strstr(err, "init.xml:6:3: the database ") != NULL, "%s", err);
        ck_assert_msg(strstr(err, " has no Dynamics GP tables RM00101, RM00102, SY01200, SOP00200, "
                                  "IV00101, IV00105, SOP10100, SOP10200: point the job's <database> "
                                  "at the GP company database; nothing was created") != NULL,
                      "%s", err);
        ck_assert_int_eq(sp_dbtest_reopen(_i, "cli_init", &db, &e), 0);
        ck_assert_int_eq(sp_db_table_exists(db, "spAARunLock", &exists, &e), 0);
        ck_assert_int_eq(exists, 0);
        ck_assert_msg(sp_schema_create_gp(db, &e) == 0, "%s", e.msg);
        sp_db_close(db);
        ck_assert_msg(spetl(env, args) == 0, "init-db: %s", err);
        ck_assert_ptr_nonnull(strstr(out, ": spetl's tables are ready in the "));
        ck_assert_msg(spetl(env, args) == 0, "second init-db: %s", err);
    }
    ck_assert_int_eq(sp_db_open(&db, conn, NULL, &e), 0);
    ck_assert_int_eq(sp_db_table_exists(db, "spAAIntegratedEntityLink", &exists, &e), 0);
    ck_assert_int_eq(exists, 1);
    ck_assert_int_eq(sp_db_table_exists(db, "spAARunLock", &exists, &e), 0);
    ck_assert_int_eq(exists, 1);
    sp_db_close(db);
    sp_test_port_release(&closed);
}
END_TEST

START_TEST(unreachable_database_exits_3_with_the_password_redacted)
{
    char args[800], conn[300];
    const char *job;
    sp_test_port db, hs;   /* where nothing listens, while the test holds them */

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    sp_test_closed_port(&db);
    sp_test_closed_port(&hs);
    snprintf(conn, sizeof(conn),
             "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=%d;Database=x;Uid=gp;Pwd=Sup3rSecretPw;", db.port);
    job = job_file("nodb.xml", conn, hs.url, "", "");
    snprintf(args, sizeof(args), "init-db '%s'", job);
    ck_assert_int_eq(spetl("HUBSPOT_TOKEN=x", args), 3);
    sp_test_port_release(&db);
    sp_test_port_release(&hs);
    ck_assert_ptr_null(strstr(err, "Sup3rSecretPw"));
    ck_assert_msg(strstr(err, "nodb.xml:6:3: ") != NULL, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "sqlstate="));
}
END_TEST

START_TEST(validate_needs_no_secrets_but_checks_filters_and_refuses_hooks)
{
    char args[800];
    const char *job;

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    /* a job as CI sees it: no token, the password a variable that is not set */
    job = job_file("ci.xml", "Driver=SQLite3;Database=ci.db;Pwd=${CLI_TEST_UNSET_PW};",
                   "http://127.0.0.1:9", "",
                   "    <customer-export customer-mapping=\"c\" address-mapping=\"a\"/>\n");
    snprintf(args, sizeof(args), "validate '%s'", job);
    ck_assert_msg(spetl("HUBSPOT_TOKEN= CLI_TEST_UNSET_PW=", args) == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "ci.xml: ok (1 component enabled: customer-export)"));
    ck_assert_int_eq(spetl("-u HUBSPOT_TOKEN -u CLI_TEST_UNSET_PW", args), 0);
    /* --secrets, check and run need them */
    snprintf(args, sizeof(args), "validate --secrets '%s'", job);
    ck_assert_int_eq(spetl("-u HUBSPOT_TOKEN -u CLI_TEST_UNSET_PW", args), 2);
    ck_assert_ptr_nonnull(strstr(err, "variable ${CLI_TEST_UNSET_PW} is not set"));
    ck_assert_int_eq(spetl("-u HUBSPOT_TOKEN CLI_TEST_UNSET_PW=pw", args), 2);
    ck_assert_ptr_nonnull(strstr(err, "ci.xml:4:5: the HubSpot token variable HUBSPOT_TOKEN is not set"));
    snprintf(args, sizeof(args), "check '%s'", job);
    ck_assert_int_eq(spetl("-u HUBSPOT_TOKEN -u CLI_TEST_UNSET_PW", args), 2);
    ck_assert_ptr_nonnull(strstr(err, "variable ${CLI_TEST_UNSET_PW} is not set"));

    /* a column typo in a filter is found by validate, at its place */
    job = job_file("typo-filter.xml", "Driver=SQLite3;Database=ci.db;", "http://127.0.0.1:9", "",
                   "    <customer-export customer-mapping=\"c\" address-mapping=\"a\">\n"
                   "      <filter>INACTIVE = 0 AND CUSTNAEM LIKE 'A%'</filter>\n"
                   "    </customer-export>\n");
    snprintf(args, sizeof(args), "validate '%s'", job);
    ck_assert_int_eq(spetl("-u HUBSPOT_TOKEN", args), 2);
    ck_assert_msg(strstr(err, "typo-filter.xml:18:32: unknown column 'CUSTNAEM' in the filter of "
                              "customer-export; RM00101 has no such column (did you mean CUSTNAME?)") != NULL,
                  "%s", err);

    /* a hook of a built component validates; a ${NAME} inside quotes of its
     * statement is refused at its line (it would be pasted, not bound) */
    job = job_file("hook.xml", "Driver=SQLite3;Database=ci.db;", "http://127.0.0.1:9", "",
                   "    <customer-export customer-mapping=\"c\" address-mapping=\"a\">\n"
                   "      <post-export><sql>UPDATE RM00101 SET USERDEF1 = 'x' WHERE CUSTNMBR = ?</sql></post-export>\n"
                   "    </customer-export>\n");
    snprintf(args, sizeof(args), "validate '%s'", job);
    ck_assert_msg(spetl("-u HUBSPOT_TOKEN", args) == 0, "%s", err);
    job = job_file("hook.xml", "Driver=SQLite3;Database=ci.db;", "http://127.0.0.1:9", "",
                   "    <customer-export customer-mapping=\"c\" address-mapping=\"a\">\n"
                   "      <post-export><sql>UPDATE RM00101 SET USERDEF1 = '${X:-x}' WHERE CUSTNMBR = ?</sql></post-export>\n"
                   "    </customer-export>\n");
    ck_assert_int_eq(spetl("-u HUBSPOT_TOKEN", args), 2);
    ck_assert_msg(strstr(err, "hook.xml:18:20: <sql>: a ${NAME} inside quotes would be pasted into the "
                              "statement") != NULL, "%s", err);
}
END_TEST

/* ---- run ----------------------------------------------------------------- */

typedef struct run_env {
    sp_sim *sim;
    char conn[1024];
    char env[256];
} run_env;

static int run_env_start(run_env *r, const char *const *sim_args, const char *tag)
{
    sp_db *db = NULL;
    sp_err e;
    char args[1200];
    const char *job;

    memset(r, 0, sizeof(*r));
    if (!ready())
        return 0;
    if (sp_sim_binary() == NULL) {
        sp_skip_note("no simulator binary");
        return 0;
    }
    ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, tag, &db, &e), 0);
    ck_assert_msg(sp_schema_create_gp(db, &e) == 0, "%s", e.msg);
    sp_db_close(db);
    sp_dbtest_conn(SP_DBTEST_SQLITE, tag, r->conn, sizeof(r->conn));
    ck_assert_int_eq(sp_sim_start(sim_args, &r->sim, &e), 0);
    snprintf(r->env, sizeof(r->env), "HUBSPOT_TOKEN=pat-na1-cli-test-token");
    job = job_file("init.xml", r->conn, sp_sim_base_url(r->sim), "", "");
    snprintf(args, sizeof(args), "init-db '%s'", job);
    ck_assert_msg(spetl(r->env, args) == 0, "init-db: %s", err);
    return 1;
}

START_TEST(run_with_nothing_enabled_takes_and_releases_the_lock)
{
    run_env r;
    char args[1200];
    const char *job;
    json_t *report;
    json_error_t jerr;
    sp_db *db = NULL;
    sp_err e;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_run_empty"), "%s", sp_skip_why());
    job = job_file("empty.xml", r.conn, sp_sim_base_url(r.sim), "",
                   "    <customer-export enabled=\"false\" customer-mapping=\"c\" address-mapping=\"a\"/>\n");
    snprintf(args, sizeof(args), "run --report - '%s'", job);
    ck_assert_msg(spetl(r.env, args) == 0, "run: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "msg=\"run started: spetl "));
    ck_assert_ptr_nonnull(strstr(err, "msg=\"run finished: exit 0"));
    ck_assert_ptr_null(strstr(err, "pat-na1-cli-test-token"));
    report = json_loads(out, 0, &jerr);
    ck_assert_msg(report != NULL, "report is not JSON: %s", out);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "exit_code")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(report, "job")), "cli-test");
    ck_assert_int_gt((int)strlen(json_string_value(json_object_get(report, "hub"))), 0);
    ck_assert_int_eq((int)json_array_size(json_object_get(report, "components")), 0);
    json_decref(report);

    /* the lock row is gone: a second run at once succeeds */
    ck_assert_msg(spetl(r.env, args) == 0, "second run: %s", err);
    ck_assert_int_eq(sp_db_open(&db, r.conn, NULL, &e), 0);
    {
        int64_t n = -1;
        sp_stmt *st = NULL;
        ck_assert_int_eq(sp_stmt_prepare(db, "SELECT COUNT(*) FROM spAARunLock", &st, &e), 0);
        ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
        ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
        ck_assert_int_eq(sp_stmt_int(st, 0, &n, &e), 0);
        ck_assert_int_eq(n, 0);
        sp_stmt_free(st);
    }
    sp_db_close(db);
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(run_refuses_what_it_cannot_do_before_touching_anything)
{
    run_env r;
    char args[1200];
    const char *job;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_run_refuse"), "%s", sp_skip_why());
    job = job_file("later.xml", r.conn, sp_sim_base_url(r.sim), "",
                   "    <customer-export customer-mapping=\"c\" address-mapping=\"a\"/>\n");
    /* Every component of the job format is built now; what a run still
     * refuses before anything runs: a component the job does not have, and
     * a name that is no component. */
    snprintf(args, sizeof(args), "run '%s' product-export", job);
    ck_assert_int_eq(spetl(r.env, args), 2);
    ck_assert_ptr_nonnull(strstr(err, "has no <product-export> component to run"));
    ck_assert_ptr_null(strstr(err, "run started"));
    snprintf(args, sizeof(args), "run '%s' bogus-export", job);
    ck_assert_int_eq(spetl(r.env, args), 2);
    ck_assert_ptr_nonnull(strstr(err, "unknown component 'bogus-export'"));
    ck_assert_ptr_null(strstr(err, "run started"));
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(run_checks_mappings_against_hubspot_before_writing)
{
    run_env r;
    char args[1200], path[700], text[4096];
    char *stats = NULL;
    int status = 0;
    sp_err e;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_run_mapcheck"), "%s", sp_skip_why());
    snprintf(path, sizeof(path), "%s/mapcheck.xml", tmpdir);
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"cli-test\">\n"
             "  <hubspot base-url=\"%s\" connect-timeout-seconds=\"2\" request-timeout-seconds=\"5\">\n"
             "    <token env=\"HUBSPOT_TOKEN\"/>\n"
             "  </hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "  <mappings>\n"
             "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
             "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"
             "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
             "      <property name=\"phonee\" column=\"PHONE1\"/>\n"
             "      <property name=\"type\" value=\"SPACESHIP\"/>\n"
             "      <property name=\"numberofemployees\" value=\"many\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
             "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/>\n"
             "      <property name=\"email\" column=\"INET1\"/>\n"
             "    </export-mapping>\n"
             "  </mappings>\n"
             "  <components>\n"
             "    <customer-export customer-mapping=\"c\" address-mapping=\"a\"/>\n"
             "  </components>\n"
             "</job>\n",
             sp_sim_base_url(r.sim), r.conn);
    write_file(path, text);
    snprintf(args, sizeof(args), "run '%s'", path);
    ck_assert_int_eq(spetl(r.env, args), 2);
    ck_assert_msg(strstr(err, "mapcheck.xml:9:7: HubSpot companies have no property \\\"gp_customer_number\\\" "
                              "(mapping c): fix the name or run `spetl setup-hubspot ") != NULL, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "mapcheck.xml:11:7: HubSpot companies have no property \\\"phonee\\\""));
    ck_assert_ptr_nonnull(strstr(err, "mapcheck.xml:12:7: \\\"SPACESHIP\\\" is not an option of the companies "
                                      "property type (options: PROSPECT, PARTNER, RESELLER, VENDOR, OTHER)"));
    ck_assert_ptr_nonnull(strstr(err, "mapcheck.xml:13:7: \\\"many\\\" is not a number, and companies "
                                      "property numberofemployees is a number"));
    ck_assert_ptr_nonnull(strstr(err, "mapcheck.xml:16:7: HubSpot contacts have no property \\\"gp_address_key\\\""));
    ck_assert_ptr_nonnull(strstr(err, ": 5 mapping problems against HubSpot's properties; nothing was written"));
    /* nothing was written: no write reached the simulator, no lock or history row */
    ck_assert_int_eq(sp_sim_control(r.sim, "GET", "/_sim/stats", NULL, &stats, &status, &e), 0);
    ck_assert_ptr_nonnull(strstr(stats, "\"writes\":0"));
    free(stats);
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(run_exits_5_while_another_run_holds_the_lock)
{
    run_env r;
    char args[1200];
    const char *job;
    sp_db *db = NULL;
    sp_err e;
    json_t *report;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_run_lock"), "%s", sp_skip_why());
    job = job_file("lock.xml", r.conn, sp_sim_base_url(r.sim), "", "");
    snprintf(args, sizeof(args), "run --report - '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 0);
    report = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(report);
    ck_assert_int_eq(sp_db_open(&db, r.conn, NULL, &e), 0);
    ck_assert_int_eq(sp_lock_acquire(db, json_string_value(json_object_get(report, "hub")),
                                     "someone-else", 60000, &e), 0);
    ck_assert_int_eq(spetl(r.env, args), 5);
    ck_assert_ptr_nonnull(strstr(err, "another run holds the lock of hub"));
    ck_assert_ptr_nonnull(strstr(err, "run someone-else on "));
    ck_assert_int_eq(sp_lock_release(db, json_string_value(json_object_get(report, "hub")),
                                     "someone-else", &e), 0);
    ck_assert_int_eq(spetl(r.env, args), 0);
    /* a run killed with -9 on this host: the next run takes its lock at once */
    {
        char host[128] = "", sql[400];
        sp_stmt *st = NULL;
        pid_t dead = fork();
        if (dead == 0)
            _exit(0);
        ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
        gethostname(host, sizeof(host) - 1);
        ck_assert_int_eq(sp_lock_acquire(db, json_string_value(json_object_get(report, "hub")),
                                         "killed-run", 60000, &e), 0);
        snprintf(sql, sizeof(sql), "UPDATE spAARunLock SET Host = '%s', PID = %d", host, (int)dead);
        ck_assert_int_eq(sp_stmt_prepare(db, sql, &st, &e), 0);
        ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
        sp_stmt_free(st);
        ck_assert_msg(spetl(r.env, args) == 0, "%s", err);
        ck_assert_msg(strstr(err, "took over the lock of run killed-run on this host") != NULL, "%s", err);
        ck_assert_ptr_nonnull(strstr(err, "is gone"));
    }
    json_decref(report);
    sp_db_close(db);
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(run_checks_the_token_the_hub_and_the_tables)
{
    static const char *const sim_args[] = {"--token", "pat-na1-cli-test-token", NULL};
    run_env r;
    char args[1200], conn[1024];
    const char *job;
    sp_db *db = NULL;
    sp_err e;

    SP_SKIP_IF(!run_env_start(&r, sim_args, "cli_run_auth"), "%s", sp_skip_why());
    job = job_file("auth.xml", r.conn, sp_sim_base_url(r.sim), "", "");
    snprintf(args, sizeof(args), "run '%s'", job);
    ck_assert_int_eq(spetl("HUBSPOT_TOKEN=pat-na1-wrong-token", args), 4);
    ck_assert_ptr_nonnull(strstr(err, "HubSpot refused the token"));
    ck_assert_ptr_null(strstr(err, "pat-na1-wrong-token"));

    job = job_file("hub.xml", r.conn, sp_sim_base_url(r.sim), " hub-id=\"1\"", "");
    snprintf(args, sizeof(args), "run '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 4);
    ck_assert_ptr_nonnull(strstr(err, "but the job says hub-id=\\\"1\\\""));

    /* a database without spetl's tables */
    ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, "cli_run_bare", &db, &e), 0);
    sp_db_close(db);
    sp_dbtest_conn(SP_DBTEST_SQLITE, "cli_run_bare", conn, sizeof(conn));
    job = job_file("bare.xml", conn, sp_sim_base_url(r.sim), "", "");
    snprintf(args, sizeof(args), "run '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 3);
    ck_assert_ptr_nonnull(strstr(err, "is missing in this database: run `spetl init-db "));

    /* the --report file: JSON whatever the text holds, and no secret in it
     * (this job's path holds quotes, a backslash and the token) */
    job = job_file("bare pat-na1-cli-test-token \"q\" \\ x.xml", conn, sp_sim_base_url(r.sim), "", "");
    snprintf(args, sizeof(args), "run --report '%s/report.json' '%s'", tmpdir, job);
    ck_assert_int_eq(spetl(r.env, args), 3);
    {
        char rpath[600];
        json_t *report;
        const char *error;

        snprintf(rpath, sizeof(rpath), "%s/report.json", tmpdir);
        report = json_load_file(rpath, 0, NULL);
        ck_assert_msg(report != NULL, "the report is not JSON");
        ck_assert_int_eq(json_integer_value(json_object_get(report, "exit_code")), 3);
        error = json_string_value(json_object_get(report, "error"));
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(strstr(error, "bare <redacted> \"q\" \\ x.xml") != NULL, "%s", error);
        ck_assert_ptr_null(strstr(error, "pat-na1-cli-test-token"));
        json_decref(report);
    }
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(check_fails_when_spetls_tables_are_missing)
{
    run_env r;
    char args[1200], conn[1024];
    const char *job;
    sp_db *db = NULL;
    sp_err e;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_check_bare"), "%s", sp_skip_why());
    /* GP's tables, not spetl's */
    ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, "cli_check_bare2", &db, &e), 0);
    ck_assert_msg(sp_schema_create_gp(db, &e) == 0, "%s", e.msg);
    sp_db_close(db);
    sp_dbtest_conn(SP_DBTEST_SQLITE, "cli_check_bare2", conn, sizeof(conn));
    job = job_file("checkbare.xml", conn, sp_sim_base_url(r.sim), "", "");
    snprintf(args, sizeof(args), "setup-hubspot '%s'", job);
    ck_assert_msg(spetl(r.env, args) == 0, "%s", err);
    snprintf(args, sizeof(args), "check '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 3);
    ck_assert_msg(strstr(out, "FAIL  database: sqlite") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "spetl's tables spAAIntegratedEntityLink, spAAComponentState, "
                                      "spAARunHistory, spAAActionCenter, spAARunLock are missing: "
                                      "run `spetl init-db "));
    ck_assert_ptr_null(strstr(out, "everything this job needs is reachable"));
    ck_assert_ptr_nonnull(strstr(err, "1 problem found; the first: spetl's tables "));
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(a_mistyped_sqlite_path_is_refused_not_created)
{
    run_env r;
    char args[1200], conn[1024], path[700];
    const char *job, *cmds[] = {"check", "run", "init-db"};
    struct stat st;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_nofile"), "%s", sp_skip_why());
    snprintf(path, sizeof(path), "%s/no-such-dir-%d.db", tmpdir, (int)getpid());
    snprintf(conn, sizeof(conn), "%s", r.conn);
    /* the same connection string with Database= pointing at a file that is not there */
    {
        char *db = strstr(conn, "Database=");
        char *end;
        ck_assert_ptr_nonnull(db);
        end = strchr(db, ';');
        snprintf(args, sizeof(args), "%.*sDatabase=%s%s", (int)(db - conn), conn, path,
                 end != NULL ? end : "");
        snprintf(conn, sizeof(conn), "%s", args);
    }
    job = job_file("typo.xml", conn, sp_sim_base_url(r.sim), "", "");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        snprintf(args, sizeof(args), "%s '%s'", cmds[i], job);
        ck_assert_msg(spetl(r.env, args) == 3, "%s: %s%s", cmds[i], out, err);
        ck_assert_msg(strstr(i == 0 ? out : err, "the SQLite database ") != NULL, "%s: %s%s", cmds[i],
                      out, err);
        ck_assert_ptr_nonnull(strstr(i == 0 ? out : err, path));
        ck_assert_ptr_nonnull(strstr(i == 0 ? out : err, " does not exist: check Database= in the "
                                                         "connection string"));
        ck_assert_int_ne(stat(path, &st), 0);
    }
    sp_sim_stop(r.sim);
}
END_TEST

/* customer-export and product-export with one customer and one item. */
static const char *two_component_job(const run_env *r)
{
    static char path[700];
    char text[4096];

    snprintf(path, sizeof(path), "%s/two.xml", tmpdir);
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"cli-test\">\n"
             "  <hubspot base-url=\"%s\" connect-timeout-seconds=\"2\" retry-budget-seconds=\"5\" "
             "request-timeout-seconds=\"5\"><token env=\"HUBSPOT_TOKEN\"/></hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "  <mappings>\n"
             "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
             "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/><property name=\"name\" column=\"CUSTNAME\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
             "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"i\" entity=\"item\" object=\"products\" key-property=\"hs_sku\">\n"
             "      <property name=\"hs_sku\" column=\"ITEMNMBR\"/><property name=\"name\" column=\"ITEMDESC\"/>\n"
             "    </export-mapping>\n"
             "  </mappings>\n"
             "  <components>\n"
             "    <customer-export customer-mapping=\"c\" address-mapping=\"a\"/>\n"
             "    <product-export item-mapping=\"i\"/>\n"
             "  </components>\n"
             "</job>\n",
             sp_sim_base_url(r->sim), r->conn);
    write_file(path, text);
    return path;
}

static void gp_rows(const run_env *r)
{
    sp_db *db = NULL;
    sp_stmt *st = NULL;
    sp_err e;
    static const char *const sql[] = {
        "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES ('AARONFIT0001', 'Aaron Fitness')",
        "INSERT INTO IV00101 (ITEMNMBR, ITEMDESC) VALUES ('WIDGET-1', 'Widget')"};

    ck_assert_int_eq(sp_db_open(&db, r->conn, NULL, &e), 0);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_msg(sp_stmt_prepare(db, sql[i], &st, &e) == 0, "%s", e.msg);
        ck_assert_msg(sp_stmt_exec(st, NULL, &e) == 0, "%s", e.msg);
        sp_stmt_free(st);
    }
    sp_db_close(db);
}

static const char *component_status(json_t *report, const char *name, const char **message)
{
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(report, "components"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "component")), name) == 0) {
            *message = json_string_value(json_object_get(c, "message"));
            return json_string_value(json_object_get(c, "status"));
        }
    }
    *message = NULL;
    return "(absent)";
}

static size_t sim_records(run_env *r, const char *obj)
{
    char path[128];
    json_t *j;
    size_t n;

    snprintf(path, sizeof(path), "/_sim/records/%s", obj);
    j = sp_test_sim_json(r->sim, "GET", path, NULL);
    n = json_array_size(json_object_get(j, "results"));
    json_decref(j);
    return n;
}

START_TEST(a_stopped_component_does_not_stop_the_independent_ones)
{
    run_env r;
    char args[1200];
    const char *job, *msg;
    json_t *report, *fault;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_stopped"), "%s", sp_skip_why());
    gp_rows(&r);
    job = two_component_job(&r);
    snprintf(args, sizeof(args), "setup-hubspot '%s'", job);
    ck_assert_msg(spetl(r.env, args) == 0, "%s", err);
    /* HubSpot answers customer-export's upsert with a 404: that component stops */
    fault = sp_test_sim_json(r.sim, "POST", "/_sim/faults",
                             "{\"next\":[{\"status\":404}],\"match\":\"companies/batch/upsert\"}");
    json_decref(fault);
    snprintf(args, sizeof(args), "run --report - '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 7);
    report = json_loads(out, 0, NULL);
    ck_assert_msg(report != NULL, "%s", out);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "exit_code")), 7);
    ck_assert_str_eq(component_status(report, "customer-export", &msg), "stopped");
    ck_assert_msg(strstr(msg, "404") != NULL, "%s", msg);
    ck_assert_str_eq(component_status(report, "product-export", &msg), "ok");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(report, "error")),
                                 "1 component stopped (the first: "));
    json_decref(report);
    ck_assert_ptr_nonnull(strstr(err, "msg=\"run finished: exit 7"));
    /* product-export ran: its product exists; the company does not */
    ck_assert_int_eq((int)sim_records(&r, "products"), 1);
    ck_assert_int_eq((int)sim_records(&r, "companies"), 0);
    snprintf(args, sizeof(args), "history '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 0);
    ck_assert_msg(strstr(out, "customer-export          stopped") != NULL, "%s", out);

    /* a refused token stops the run as a whole: exit 4, product-export not run */
    fault = sp_test_sim_json(r.sim, "POST", "/_sim/faults",
                             "{\"next\":[{\"status\":401}],\"match\":\"companies/batch/upsert\"}");
    json_decref(fault);
    snprintf(args, sizeof(args), "run --report - '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 4);
    report = json_loads(out, 0, NULL);
    ck_assert_msg(report != NULL, "%s", out);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "exit_code")), 4);
    ck_assert_str_eq(component_status(report, "customer-export", &msg), "stopped");
    ck_assert_str_eq(component_status(report, "product-export", &msg), "not-run");
    json_decref(report);
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(what_depends_on_what)
{
    /* deal-export needs the companies and the products; the updates and
     * product-export need nothing; the imports and customer-export the link */
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_DEAL_EXPORT),
                      (1u << SP_COMP_CUSTOMER_EXPORT) | (1u << SP_COMP_PRODUCT_EXPORT));
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_PRODUCT_EXPORT), 0);
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_CUSTOMER_UPDATES), 0);
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_PROSPECT_UPDATES), 0);
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_CUSTOMER_EXPORT), 1u << SP_COMP_COMPANY_LINK);
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_CUSTOMER_IMPORT), 1u << SP_COMP_COMPANY_LINK);
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_PROSPECT_IMPORT), 1u << SP_COMP_COMPANY_LINK);
    ck_assert_uint_eq(sp_run_depends_on(SP_COMP_COMPANY_LINK), 0);
    /* a component only depends on components that run before it */
    for (int k = 0; k < SP_COMP_COUNT; k++)
        ck_assert_uint_eq(sp_run_depends_on((sp_job_component_kind)k) >> k, 0);
}
END_TEST

START_TEST(check_and_setup_hubspot)
{
    static const char *const sim_args[] = {"--scopes",
                                           "crm.objects.companies.read,crm.objects.contacts.read,"
                                           "crm.objects.contacts.write,crm.schemas.companies.read,"
                                           "crm.schemas.companies.write,crm.schemas.contacts.read,"
                                           "crm.schemas.contacts.write",
                                           NULL};
    run_env r;
    char args[1200];
    const char *job;

    SP_SKIP_IF(!run_env_start(&r, NULL, "cli_check"), "%s", sp_skip_why());
    job = job_file("check.xml", r.conn, sp_sim_base_url(r.sim), "", "");
    snprintf(args, sizeof(args), "check '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 2);
    ck_assert_ptr_nonnull(strstr(out, "ok    database: sqlite"));
    ck_assert_ptr_nonnull(strstr(out, "ok    HubSpot token: valid for hub "));
    ck_assert_ptr_nonnull(strstr(out, "ok    write to companies\n"));
    ck_assert_ptr_nonnull(strstr(out, "FAIL  companies properties: properties missing the mappings "
                                      "need: gp_customer_number; run `spetl setup-hubspot "));
    ck_assert_ptr_nonnull(strstr(out, "FAIL  contacts properties: properties missing the mappings "
                                      "need: gp_address_key; run `spetl setup-hubspot "));

    snprintf(args, sizeof(args), "setup-hubspot '%s'", job);
    ck_assert_msg(spetl(r.env, args) == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "companies: gp_customer_number created (unique values)\n"));
    ck_assert_ptr_nonnull(strstr(out, "companies: name already exists\n"));
    ck_assert_msg(strstr(out, "(2 properties created, 4 needed)\n") != NULL, "%s", out);
    ck_assert_msg(spetl(r.env, args) == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "companies: gp_customer_number already exists (unique values)\n"));
    ck_assert_ptr_nonnull(strstr(out, "(0 properties created, 4 needed)\n"));
    snprintf(args, sizeof(args), "check '%s'", job);
    ck_assert_msg(spetl(r.env, args) == 0, "%s%s", out, err);
    ck_assert_ptr_nonnull(strstr(out, ": everything this job needs is reachable\n"));
    /* retry-budget-seconds="0" means never retry: a 503 fails the request at once
       (it used to mean the client's default budget of 120 s); 5 retries it */
    {
        json_t *fault;
        const char *job0;
        for (int budget = 0; budget <= 5; budget += 5) {
            fault = sp_test_sim_json(r.sim, "POST", "/_sim/faults",
                                     "{\"next\":[{\"status\":503}],\"match\":\"account-info/v3/details\"}");
            json_decref(fault);
            job0 = job_file(budget == 0 ? "check0.xml" : "check5.xml", r.conn, sp_sim_base_url(r.sim),
                            "", "");
            if (budget == 0)
                replace_in_file(job0, "retry-budget-seconds=\"5\"", "retry-budget-seconds=\"0\"");
            snprintf(args, sizeof(args), "check '%s'", job0);
            if (budget == 0) {
                ck_assert_msg(spetl(r.env, args) == 4, "%s%s", out, err);
                ck_assert_msg(strstr(out, "503") != NULL, "%s", out);
            } else {
                ck_assert_msg(spetl(r.env, args) == 0, "%s%s", out, err);
            }
        }
    }
    sp_sim_stop(r.sim);

    /* a token without the companies write scope */
    SP_SKIP_IF(!run_env_start(&r, sim_args, "cli_check_scopes"), "%s", sp_skip_why());
    job = job_file("scopes.xml", r.conn, sp_sim_base_url(r.sim), "", "");
    snprintf(args, sizeof(args), "setup-hubspot '%s'", job);
    ck_assert_msg(spetl(r.env, args) == 0, "%s", err);
    snprintf(args, sizeof(args), "check '%s'", job);
    ck_assert_int_eq(spetl(r.env, args), 4);
    ck_assert_ptr_nonnull(strstr(out, "ok    read from companies\n"));
    ck_assert_msg(strstr(out, "FAIL  write to companies: ") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "crm.objects.companies.write"));
    ck_assert_ptr_nonnull(strstr(out, "ok    write to contacts\n"));
    sp_sim_stop(r.sim);
}
END_TEST

START_TEST(history_and_errors_read_the_database_without_a_token)
{
    char conn[1024], args[1200];
    const char *job;
    sp_db *db = NULL;
    sp_err e;
    sp_action a;
    sp_counts c = {12, 10, 0, 0, 0, 1, 1};
    sp_test_port closed;   /* HubSpot: never called by these commands, refused if it were */

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, "cli_history", &db, &e), 0);
    ck_assert_msg(sp_schema_create_gp(db, &e) == 0, "%s", e.msg);
    sp_db_close(db);
    sp_dbtest_conn(SP_DBTEST_SQLITE, "cli_history", conn, sizeof(conn));
    sp_test_closed_port(&closed);
    job = job_file("history.xml", conn, closed.url, "", "");
    snprintf(args, sizeof(args), "init-db '%s'", job);
    ck_assert_int_eq(spetl("HUBSPOT_TOKEN=", args), 0);
    snprintf(args, sizeof(args), "errors '%s'", job);
    ck_assert_int_eq(spetl("HUBSPOT_TOKEN=", args), 0);
    ck_assert_ptr_nonnull(strstr(out, ": no unresolved errors\n"));

    ck_assert_int_eq(sp_db_open(&db, conn, NULL, &e), 0);
    ck_assert_int_eq(sp_history_start(db, "777", "run-1", "cli-test", "customer-export",
                                      1795737600000LL, &e), 0);
    ck_assert_int_eq(sp_history_finish(db, "777", "run-1", "customer-export", "failed-records", &c,
                                       "1 record failed", &e), 0);
    memset(&a, 0, sizeof(a));
    snprintf(a.run_id, sizeof(a.run_id), "run-1");
    snprintf(a.component, sizeof(a.component), "customer-export");
    snprintf(a.entity_type, sizeof(a.entity_type), "CUSTOMER_ADDRESS");
    snprintf(a.entity_key, sizeof(a.entity_key), "AARONFIT0001|PRIMARY");
    snprintf(a.category, sizeof(a.category), "VALIDATION_ERROR");
    snprintf(a.message, sizeof(a.message), "Email address bob@ is invalid");
    a.http_status = 400;
    snprintf(a.correlation_id, sizeof(a.correlation_id), "abc-123");
    a.created_on = 1795737600000LL;
    ck_assert_int_eq(sp_action_add(db, "777", &a, &e), 0);
    sp_db_close(db);

    ck_assert_int_eq(spetl("HUBSPOT_TOKEN=", args), 0);
    ck_assert_str_eq(out, "2026-11-27T00:00:00.000Z hub=777 run=run-1 customer-export "
                          "CUSTOMER_ADDRESS AARONFIT0001|PRIMARY: Email address bob@ is invalid "
                          "[category=VALIDATION_ERROR http=400 correlationId=abc-123]\n");
    snprintf(args, sizeof(args), "history '%s'", job);
    ck_assert_int_eq(spetl("HUBSPOT_TOKEN=", args), 0);
    ck_assert_ptr_nonnull(strstr(out, "STARTED (UTC)"));
    ck_assert_msg(strstr(out, "2026-11-27T00:00:00.000Z 777        customer-export          "
                              "failed-records") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "      12      10       0       0         0       1      1  1 record failed\n"));
    snprintf(args, sizeof(args), "history --limit 0 '%s'", job);
    ck_assert_int_eq(spetl("HUBSPOT_TOKEN=", args), 2);
    ck_assert_ptr_nonnull(strstr(err, "--limit needs a number from 1 to 1000000, not '0'"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, usage_errors_exit_2);
    tcase_add_loop_test(tc, init_db_is_safe_twice, 0, SP_DBTEST_COUNT);
    tcase_add_test(tc, unreachable_database_exits_3_with_the_password_redacted);
    tcase_add_test(tc, validate_needs_no_secrets_but_checks_filters_and_refuses_hooks);
    tcase_add_test(tc, run_with_nothing_enabled_takes_and_releases_the_lock);
    tcase_add_test(tc, run_refuses_what_it_cannot_do_before_touching_anything);
    tcase_add_test(tc, run_checks_mappings_against_hubspot_before_writing);
    tcase_add_test(tc, run_exits_5_while_another_run_holds_the_lock);
    tcase_add_test(tc, run_checks_the_token_the_hub_and_the_tables);
    tcase_add_test(tc, check_fails_when_spetls_tables_are_missing);
    tcase_add_test(tc, a_mistyped_sqlite_path_is_refused_not_created);
    tcase_add_test(tc, a_stopped_component_does_not_stop_the_independent_ones);
    tcase_add_test(tc, what_depends_on_what);
    tcase_add_test(tc, check_and_setup_hubspot);
    tcase_add_test(tc, history_and_errors_read_the_database_without_a_token);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
