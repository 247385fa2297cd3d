/* check_mail.c -- <email-on-error>: the job's settings, the message, and the
 * sending over SMTP to a real server on 127.0.0.1 (tests/support/smtp-server.py:
 * STARTTLS required before AUTH, a throwaway certificate, AUTH required), as
 * `spetl run` sends it at the end of a run that did not succeed. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/run.h"
#include "../support/sim.h"
#include "../support/smtp.h"
#include "spetl/db.h"
#include "spetl/job.h"
#include "spetl/log.h"
#include "spetl/mail.h"
#include "spetl/schema.h"
#include "spetl/state.h"

#define SMTP_USER "spetl"
#define SMTP_PASSWORD "Smtp-Pw-Secret-77"
#define HS_TOKEN "pat-na1-mail-test-token-0042"

static char tmpdir[512];
static char out[65536], err[65536];
static char msg[65536], meta[4096];

static int ready(const char *what)
{
    const char *bin = getenv("SPETL_BIN");
    if (bin == NULL || access(bin, X_OK) != 0 || getenv("SPETL_TEST_TMP") == NULL) {
        printf("check_mail: %s skipped: SPETL_BIN / SPETL_TEST_TMP not set (run it under make test)\n", what);
        return 0;
    }
    snprintf(tmpdir, sizeof(tmpdir), "%s/mail-%d", getenv("SPETL_TEST_TMP"), (int)getpid());
    mkdir(tmpdir, 0755);
    return 1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* ---- the job's settings ------------------------------------------------------------ */

static char diags[8192];

static void keep_diag(void *ctx, const sp_job_diag *d)
{
    size_t l = strlen(diags);
    (void)ctx;
    snprintf(diags + l, sizeof(diags) - l, "%d:%d: %s\n", d->line, d->col, d->message);
}

/* Load a job whose <email-on-error> is EMAIL; 0 when it loads. */
static int load_email(const char *email, int validate_only, sp_job **job)
{
    char text[4096];
    sp_job_load_opts o;
    sp_err e;

    memset(&o, 0, sizeof(o));
    o.on_diag = keep_diag;
    o.validate_only = validate_only;
    diags[0] = '\0';
    snprintf(text, sizeof(text),
             "<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"
             "<hubspot><token env=\"MAILTEST_TOKEN\"/></hubspot>\n"
             "<database connection=\"Driver=SQLite3;Database=t.db;\"/>\n"
             "%s\n"
             "<mappings>\n"
             "<export-mapping id=\"cc\" entity=\"customer\" object=\"companies\" key-property=\"k\">"
             "<property name=\"k\" column=\"CUSTNMBR\"/></export-mapping>\n"
             "<export-mapping id=\"ac\" entity=\"customer-address\" object=\"contacts\" key-property=\"k\">"
             "<property name=\"k\" template=\"{CUSTNMBR}|{ADRSCODE}\"/></export-mapping>\n"
             "</mappings>\n"
             "<components><customer-export customer-mapping=\"cc\" address-mapping=\"ac\"/></components>\n"
             "</job>\n",
             email);
    *job = NULL;
    return sp_job_load_text("mail.xml", text, strlen(text), &o, job, &e);
}

START_TEST(settings_defaults_and_refusals)
{
    sp_job *job;
    char pwfile[700];

    setenv("MAILTEST_TOKEN", HS_TOKEN, 1);
    setenv("MAILTEST_PW", "  pw with spaces  \n", 1);
    /* built now: loads, with its defaults; the password read and registered */
    ck_assert_msg(load_email("<email-on-error from=\"spetl@fabrikam.example\" to=\"a@fabrikam.example; "
                             "b@fabrikam.example\" smtp-url=\"smtp://mail.fabrikam.example:587\" user=\"spetl\">"
                             "<password env=\"MAILTEST_PW\"/></email-on-error>",
                             0, &job) == 0,
                  "%s", diags);
    ck_assert_int_eq(job->email.enabled, 1);
    ck_assert_int_eq((int)job->email.nto, 2);
    ck_assert_str_eq(job->email.to[1], "b@fabrikam.example");
    ck_assert_int_eq(job->email.starttls, SP_STARTTLS_REQUIRED);
    ck_assert_int_eq(job->email.max_records, 20);
    ck_assert_int_eq(job->email.connect_timeout_s, 10);
    ck_assert_int_eq(job->email.timeout_s, 60);
    ck_assert_str_eq(job->email.user, "spetl");
    ck_assert_str_eq(job->email.password, "pw with spaces");
    {
        char line[] = "AUTH pw with spaces failed";
        sp_log_redact(line);
        ck_assert_ptr_null(strstr(line, "pw with spaces"));
    }
    sp_job_free(job);
    /* to this machine STARTTLS is taken when offered, unless said otherwise */
    ck_assert_msg(load_email("<email-on-error from=\"s@f.example\" to=\"a@f.example\" "
                             "smtp-url=\"smtp://127.0.0.1:25\" max-records=\"3\"/>", 0, &job) == 0, "%s", diags);
    ck_assert_int_eq(job->email.starttls, SP_STARTTLS_IF_AVAILABLE);
    ck_assert_int_eq(job->email.max_records, 3);
    ck_assert_ptr_null(job->email.password);
    sp_job_free(job);
    /* validate needs no password: the variable is only named */
    ck_assert_msg(load_email("<email-on-error from=\"s@f.example\" to=\"a@f.example\" user=\"u\" "
                             "smtp-url=\"smtps://mail.f.example\"><password env=\"MAILTEST_UNSET\"/></email-on-error>",
                             1, &job) == 0, "%s", diags);
    sp_job_free(job);
    /* ... run and check do */
    unsetenv("MAILTEST_UNSET");
    ck_assert_int_ne(load_email("<email-on-error from=\"s@f.example\" to=\"a@f.example\" user=\"u\" "
                                "smtp-url=\"smtps://mail.f.example\"><password env=\"MAILTEST_UNSET\"/></email-on-error>",
                                0, &job), 0);
    ck_assert_msg(strstr(diags, ": the SMTP password variable MAILTEST_UNSET is not set in the environment"),
                  "%s", diags);
    /* plain text is for this machine only; a password needs a user */
    ck_assert_int_ne(load_email("<email-on-error from=\"s@f.example\" to=\"a@f.example\" starttls=\"never\" "
                                "smtp-url=\"smtp://mail.f.example:25\"><password env=\"MAILTEST_PW\"/></email-on-error>",
                                0, &job), 0);
    ck_assert_msg(strstr(diags, "starttls=\"never\" sends the mail and the password in plain text: it is "
                                "allowed only to this machine") != NULL, "%s", diags);
    ck_assert_msg(strstr(diags, "<password> needs user=\"...\" on <email-on-error>") != NULL, "%s", diags);
    /* an address cannot carry a header of its own */
    ck_assert_int_ne(load_email("<email-on-error from=\"s@f.example&#13;&#10;X-Injected:1\" "
                                "to=\"a@f.example,b@f.example&#10;X-Injected:2\" "
                                "smtp-url=\"smtps://mail.f.example\"/>", 0, &job), 0);
    ck_assert_msg(strstr(diags, "from=\"s@f.example\r\nX-Injected:1\" is not an e-mail address\n") != NULL &&
                      strstr(diags, "to: \"b@f.example\nX-Injected:2\" is not an e-mail address"),
                  "%s", diags);
    /* a password file others can read is refused like a token file */
    if (getenv("SPETL_TEST_TMP") != NULL) {
        char email[1200];
        snprintf(pwfile, sizeof(pwfile), "%s/mail-pw-%d", getenv("SPETL_TEST_TMP"), (int)getpid());
        write_file(pwfile, "secret-from-file\n", 0644);
        snprintf(email, sizeof(email),
                 "<email-on-error from=\"s@f.example\" to=\"a@f.example\" user=\"u\" "
                 "smtp-url=\"smtps://mail.f.example\"><password file=\"%s\"/></email-on-error>", pwfile);
        ck_assert_int_ne(load_email(email, 0, &job), 0);
        ck_assert_msg(strstr(diags, "SMTP password file ") && strstr(diags, "can be read by group or others "
                                                                            "(mode 0644): run chmod 600"),
                      "%s", diags);
        chmod(pwfile, 0600);
        ck_assert_msg(load_email(email, 0, &job) == 0, "%s", diags);
        ck_assert_str_eq(job->email.password, "secret-from-file");
        sp_job_free(job);
        unlink(pwfile);
    }
}
END_TEST

/* ---- the message -------------------------------------------------------------------- */

static const char *const two_to[] = {"dba@fabrikam.example", "ops@fabrikam.example"};

static void sample_report(sp_mail_report *r, sp_mail_component *comps, sp_action *recs)
{
    memset(r, 0, sizeof(*r));
    memset(comps, 0, 2 * sizeof(*comps));
    memset(recs, 0, 2 * sizeof(*recs));
    comps[0] = (sp_mail_component){"customer-export", "failed-records", "2 records failed",
                                   {.read = 5, .created = 3, .failed = 2}};
    comps[1] = (sp_mail_component){"product-export", "ok", "", {.read = 1, .unchanged = 1}};
    snprintf(recs[0].component, sizeof(recs[0].component), "customer-export");
    snprintf(recs[0].entity_type, sizeof(recs[0].entity_type), "contact");
    snprintf(recs[0].entity_key, sizeof(recs[0].entity_key), "CAFENOEL0001|PRIMARY");
    snprintf(recs[0].category, sizeof(recs[0].category), "VALIDATION_ERROR");
    snprintf(recs[0].correlation_id, sizeof(recs[0].correlation_id), "corr-0001-aaaa");
    /* a record's error that holds the token, a line break, and more than a mail line */
    memset(recs[0].message, 'x', sizeof(recs[0].message) - 1);
    memcpy(recs[0].message, "Email address " HS_TOKEN " is\ninvalid ", strlen("Email address " HS_TOKEN " is\ninvalid "));
    memcpy(recs[0].message + 600, "Caf\xc3\xa9 No\xc3\xabl", 12);
    snprintf(recs[1].component, sizeof(recs[1].component), "customer-export");
    snprintf(recs[1].entity_key, sizeof(recs[1].entity_key), "LAKESHOR0001|SHIP");
    snprintf(recs[1].message, sizeof(recs[1].message), "conflict");
    r->job_name = "fabrikam-nightly";
    r->job_path = "/etc/spetl/fabrikam.xml";
    r->hub = "24681357";
    r->run_id = "20261206T201500Z-run1";
    r->exit_code = 1;
    r->outcome = "2 records failed: see `spetl errors /etc/spetl/fabrikam.xml`";
    r->started_ms = 1796588100000;
    r->finished_ms = 1796588160000;
    r->comps = comps;
    r->ncomps = 2;
    r->records = recs;
    r->nrecords = 2;
    r->nfailed = 5;
}

START_TEST(the_message_is_rfc5322_text_with_no_secret)
{
    sp_job_email m;
    sp_mail_report r;
    sp_mail_component comps[2];
    sp_action recs[2];
    sp_buf b;
    sp_err e;
    const char *body, *line;

    sp_log_reset();
    sp_log_secret(HS_TOKEN);
    memset(&m, 0, sizeof(m));
    m.from = "spetl@fabrikam.example";
    m.to = two_to;
    m.nto = 2;
    sample_report(&r, comps, recs);
    sp_buf_init(&b, 1 << 20);
    ck_assert_int_eq(sp_mail_build(&m, &r, 1796588160000, &b, &e), 0);
    ck_assert_msg(strncmp(b.data, "Date: Sun, 06 Dec 2026 20:16:00 +0000\r\n"
                                  "From: spetl@fabrikam.example\r\n"
                                  "To: dba@fabrikam.example,\r\n ops@fabrikam.example\r\n"
                                  "Subject: [spetl] fabrikam-nightly: 5 records failed (hub 24681357)\r\n"
                                  "Message-ID: <20261206T201500Z-run1.1796588160000@fabrikam.example>\r\n"
                                  "MIME-Version: 1.0\r\n"
                                  "Content-Type: text/plain; charset=UTF-8\r\n",
                          strlen("Date: Sun, 06 Dec 2026 20:16:00 +0000\r\n"
                                 "From: spetl@fabrikam.example\r\n"
                                 "To: dba@fabrikam.example,\r\n ops@fabrikam.example\r\n"
                                 "Subject: [spetl] fabrikam-nightly: 5 records failed (hub 24681357)\r\n"
                                 "Message-ID: <20261206T201500Z-run1.1796588160000@fabrikam.example>\r\n"
                                 "MIME-Version: 1.0\r\n"
                                 "Content-Type: text/plain; charset=UTF-8\r\n")) == 0,
                  "%s", b.data);
    body = strstr(b.data, "\r\n\r\n");
    ck_assert_ptr_nonnull(body);
    ck_assert_ptr_nonnull(strstr(body, "Run id:    20261206T201500Z-run1\r\n"));
    ck_assert_ptr_nonnull(strstr(body, "Hub:       24681357\r\n"));
    ck_assert_ptr_nonnull(strstr(body, "Exit code: 1 (the run finished but some records failed"));
    ck_assert_ptr_nonnull(strstr(body, "  customer-export          failed-records  read=5 created=3 updated=0 "
                                       "linked=0 unchanged=0 skipped=0 failed=2\r\n      2 records failed\r\n"));
    ck_assert_ptr_nonnull(strstr(body, "Failed records (the first 2 of 5):\r\n"));
    ck_assert_ptr_nonnull(strstr(body, "  customer-export contact CAFENOEL0001|PRIMARY: VALIDATION_ERROR "
                                       "correlationId=corr-0001-aaaa\r\n"));
    ck_assert_ptr_nonnull(strstr(body, "Every failed record not resolved yet: spetl errors /etc/spetl/fabrikam.xml\r\n"));
    /* the token is out, the line break inside the message is a space */
    ck_assert_ptr_null(strstr(b.data, HS_TOKEN));
    ck_assert_ptr_nonnull(strstr(body, "Email address <redacted> is invalid "));
    ck_assert_ptr_nonnull(strstr(body, "Caf\xc3\xa9 No\xc3\xabl"));
    /* every line ends CRLF and holds at most 998 bytes; no bare LF */
    for (line = b.data; *line;) {
        const char *end = strstr(line, "\r\n");
        ck_assert_ptr_nonnull(end);
        ck_assert_msg(end - line <= 998, "a line of %d bytes", (int)(end - line));
        ck_assert_ptr_null(memchr(line, '\n', (size_t)(end - line)));
        line = end + 2;
    }
    sp_buf_free(&b);
    sp_log_reset();
}
END_TEST

/* ---- sending: the module against the server ------------------------------------------ */

static void email_for(sp_job_email *m, const sp_smtp *s, const char *scheme, const char *password)
{
    static char url[128];

    memset(m, 0, sizeof(*m));
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d", scheme, sp_smtp_port(s));
    m->pos.line = 1;
    m->enabled = 1;
    m->from = "spetl@fabrikam.example";
    m->to = two_to;
    m->nto = 2;
    m->smtp_url = url;
    m->user = SMTP_USER;
    m->password = password;
    m->starttls = SP_STARTTLS_REQUIRED;
    m->ca_bundle = sp_smtp_ca_file(s);
    m->connect_timeout_s = 5;
    m->timeout_s = 20;
    m->max_records = 20;
}

START_TEST(smtps_sends_with_libcurls_dot_stuffing)
{
    sp_smtp *s = NULL;
    sp_job_email m;
    sp_err e;
    char dir[700];

    if (!ready("smtps"))
        return;
    snprintf(dir, sizeof(dir), "%s/smtps", tmpdir);
    ck_assert_msg(sp_smtp_start(dir, SMTP_USER, SMTP_PASSWORD, 1, &s, &e) == 0, "%s", e.msg);
    email_for(&m, s, "smtps", SMTP_PASSWORD);
    ck_assert_msg(sp_mail_send(&m, "Subject: dots\r\n\r\nbefore\r\n.\r\n..two\r\nafter\r\n", &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_smtp_count(s), 1);
    sp_smtp_message(s, 1, msg, sizeof(msg), meta, sizeof(meta));
    /* a line of one dot did not end the data early: libcurl stuffed it, the server unstuffed */
    ck_assert_msg(strstr(msg, "before\r\n.\r\n..two\r\nafter\r\n") != NULL, "%s", msg);
    ck_assert_msg(strstr(meta, "\"tls\": true") && strstr(meta, "\"login\": \"spetl\"") &&
                      strstr(meta, "\"rcpt_tos\": [\"dba@fabrikam.example\", \"ops@fabrikam.example\"]"),
                  "%s", meta);
    /* the certificate is verified: without the test CA the system's refuse it */
    m.ca_bundle = NULL;
    ck_assert_int_eq(sp_mail_send(&m, "Subject: x\r\n\r\nx\r\n", &e), -1);
    ck_assert_msg(strstr(e.msg, "smtps://127.0.0.1:") && strstr(e.msg, "certificate"), "%s", e.msg);
    ck_assert_int_eq(sp_smtp_count(s), 1);
    sp_smtp_stop(s);
}
END_TEST

START_TEST(starttls_is_required_before_auth)
{
    sp_smtp *s = NULL;
    sp_job_email m;
    sp_err e;
    char dir[700], auth[1024];

    if (!ready("starttls"))
        return;
    snprintf(dir, sizeof(dir), "%s/starttls", tmpdir);
    ck_assert_msg(sp_smtp_start(dir, SMTP_USER, SMTP_PASSWORD, 0, &s, &e) == 0, "%s", e.msg);
    email_for(&m, s, "smtp", SMTP_PASSWORD);
    /* starttls never (allowed to this machine): the server wants TLS first */
    m.starttls = SP_STARTTLS_NEVER;
    ck_assert_int_eq(sp_mail_send(&m, "Subject: x\r\n\r\nx\r\n", &e), -1);
    ck_assert_msg(strstr(e.msg, "smtp://127.0.0.1:") && strstr(e.msg, "(SMTP reply 530)"), "%s", e.msg);
    sp_smtp_auth_log(s, auth, sizeof(auth));
    ck_assert_str_eq(auth, "");
    ck_assert_int_eq(sp_smtp_count(s), 0);
    /* required: TLS, then AUTH, then the message */
    m.starttls = SP_STARTTLS_REQUIRED;
    ck_assert_msg(sp_mail_send(&m, "Subject: x\r\n\r\nx\r\n", &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_smtp_count(s), 1);
    sp_smtp_message(s, 1, NULL, 0, meta, sizeof(meta));
    ck_assert_msg(strstr(meta, "\"tls\": true"), "%s", meta);
    sp_smtp_auth_log(s, auth, sizeof(auth));
    ck_assert_msg(strncmp(auth, "ok ", 3) == 0 && strstr(auth, " spetl\n"), "%s", auth);
    sp_smtp_stop(s);
}
END_TEST

/* ---- spetl run ------------------------------------------------------------------------- */

typedef struct run_env {
    sp_sim *sim;
    sp_smtp *smtp;
    char conn[1024];
    char env[512];
    char job[700];
} run_env;

static void db_exec(const char *conn, const char *sql)
{
    sp_db *db = NULL;
    sp_stmt *st = NULL;
    sp_err e;

    ck_assert_msg(sp_db_open(&db, conn, NULL, &e) == 0, "%s", e.msg);
    ck_assert_msg(sp_stmt_prepare(db, sql, &st, &e) == 0, "%s: %s", sql, e.msg);
    ck_assert_msg(sp_stmt_exec(st, NULL, &e) == 0, "%s: %s", sql, e.msg);
    sp_stmt_free(st);
    sp_db_close(db);
}

/* Three customers with one address each: one good e-mail, one that is the
 * HubSpot token, one that is the SMTP password (HubSpot refuses both, and
 * its error message repeats the value). */
static void gp_rows(const run_env *r)
{
    static const char *const rows[][3] = {{"GOOD0001", "Good Company", "pat@good.example"},
                                          {"LEAKTOK0001", "Token Leak Co", HS_TOKEN},
                                          {"LEAKPWD0001", "Password Leak Co", SMTP_PASSWORD}};
    char sql[512];

    for (size_t i = 0; i < 3; i++) {
        snprintf(sql, sizeof(sql), "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES ('%s', '%s')", rows[i][0],
                 rows[i][1]);
        db_exec(r->conn, sql);
        snprintf(sql, sizeof(sql), "INSERT INTO RM00102 (CUSTNMBR, ADRSCODE, CNTCPRSN) VALUES ('%s', 'PRIMARY', 'Pat')",
                 rows[i][0]);
        db_exec(r->conn, sql);
        snprintf(sql, sizeof(sql), "INSERT INTO SY01200 (Master_Type, Master_ID, ADRSCODE, INET1) VALUES "
                                   "('CUS', '%s', 'PRIMARY', '%s')", rows[i][0], rows[i][2]);
        db_exec(r->conn, sql);
    }
}

/* The job, with <email-on-error> given by smtp_url and extra attributes. */
static void write_job(run_env *r, const char *smtp_url, const char *extra)
{
    char text[8192];

    snprintf(r->job, sizeof(r->job), "%s/mail-job.xml", tmpdir);
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"mail-test\">\n"
             "  <hubspot base-url=\"%s\" connect-timeout-seconds=\"2\" retry-budget-seconds=\"5\" "
             "request-timeout-seconds=\"5\"><token env=\"HUBSPOT_TOKEN\"/></hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "  <email-on-error from=\"spetl@fabrikam.example\" to=\"dba@fabrikam.example; ops@fabrikam.example\"\n"
             "                  smtp-url=\"%s\" user=\"" SMTP_USER "\" ca-bundle=\"%s\"\n"
             "                  connect-timeout-seconds=\"3\" timeout-seconds=\"20\" %s>\n"
             "    <password env=\"SMTP_PW\"/>\n"
             "  </email-on-error>\n"
             "  <mappings>\n"
             "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
             "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/><property name=\"name\" column=\"CUSTNAME\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
             "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/><property name=\"email\" column=\"INET1\"/>\n"
             "    </export-mapping>\n"
             "  </mappings>\n"
             "  <components>\n"
             "    <customer-export customer-mapping=\"c\" address-mapping=\"a\"/>\n"
             "  </components>\n"
             "</job>\n",
             sp_sim_base_url(r->sim), r->conn, smtp_url, sp_smtp_ca_file(r->smtp), extra);
    write_file(r->job, text, 0644);
}

static int spetl(const run_env *r, const char *extra_env, const char *args)
{
    char env[1024], cmd[1200];

    snprintf(env, sizeof(env), "%s %s", r->env, extra_env);
    snprintf(cmd, sizeof(cmd), "%s '%s'", args, r->job);
    return sp_test_run(tmpdir, env, getenv("SPETL_BIN"), cmd, out, sizeof(out), err, sizeof(err));
}

static int run_env_start(run_env *r, const char *tag)
{
    sp_db *db = NULL;
    sp_err e;
    char dir[700], url[128];

    memset(r, 0, sizeof(*r));
    if (!ready(tag))
        return 0;
    if (sp_sim_binary() == NULL) {
        printf("check_mail: %s skipped: no simulator binary\n", tag);
        return 0;
    }
    ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, tag, &db, &e), 0);
    ck_assert_msg(sp_schema_create_gp(db, &e) == 0, "%s", e.msg);
    sp_db_close(db);
    sp_dbtest_conn(SP_DBTEST_SQLITE, tag, r->conn, sizeof(r->conn));
    ck_assert_int_eq(sp_sim_start(NULL, &r->sim, &e), 0);
    snprintf(dir, sizeof(dir), "%s/%s-smtp", tmpdir, tag);
    ck_assert_msg(sp_smtp_start(dir, SMTP_USER, SMTP_PASSWORD, 0, &r->smtp, &e) == 0, "%s", e.msg);
    snprintf(r->env, sizeof(r->env), "HUBSPOT_TOKEN=" HS_TOKEN);
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", sp_smtp_port(r->smtp));
    write_job(r, url, "starttls=\"required\"");
    ck_assert_msg(spetl(r, "SMTP_PW=" SMTP_PASSWORD, "init-db") == 0, "init-db: %s", err);
    ck_assert_msg(spetl(r, "SMTP_PW=" SMTP_PASSWORD, "setup-hubspot") == 0, "setup-hubspot: %s", err);
    gp_rows(r);
    return 1;
}

static void run_env_stop(run_env *r)
{
    sp_smtp_stop(r->smtp);
    sp_sim_stop(r->sim);
}

/* The run id and hub of a --report - run's stdout. */
static void report_ids(char *run_id, size_t nrun, char *hub, size_t nhub)
{
    json_t *rep = json_loads(out, 0, NULL);
    ck_assert_msg(rep != NULL, "%s", out);
    snprintf(run_id, nrun, "%s", json_string_value(json_object_get(rep, "run_id")));
    snprintf(hub, nhub, "%s", json_string_value(json_object_get(rep, "hub")));
    json_decref(rep);
}

static int count_history(const char *conn, const char *run_id, const char *status)
{
    sp_db *db = NULL;
    sp_stmt *st = NULL;
    sp_err e;
    int64_t n = -1;

    ck_assert_int_eq(sp_db_open(&db, conn, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_prepare(db, "SELECT COUNT(*) FROM spAARunHistory WHERE Run_ID = ? AND Status = ?",
                                     &st, &e), 0);
    ck_assert_int_eq(sp_stmt_bind_text(st, 1, run_id, &e), 0);
    ck_assert_int_eq(sp_stmt_bind_text(st, 2, status, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    ck_assert_int_eq(sp_stmt_int(st, 0, &n, &e), 0);
    sp_stmt_free(st);
    sp_db_close(db);
    return (int)n;
}

static void correlation_id(const char *conn, const char *key_prefix, char *buf, size_t n)
{
    sp_db *db = NULL;
    sp_stmt *st = NULL;
    sp_err e;
    char sql[256];

    snprintf(sql, sizeof(sql), "SELECT Correlation_ID FROM spAAActionCenter WHERE Entity_Key LIKE '%s|%%'",
             key_prefix);
    ck_assert_int_eq(sp_db_open(&db, conn, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_prepare(db, sql, &st, &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    snprintf(buf, n, "%s", sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "");
    sp_stmt_free(st);
    sp_db_close(db);
}

START_TEST(a_run_with_failed_records_sends_one_message)
{
    run_env r;
    char run_id[64], hub[32], corr[80], want[1024];

    if (!run_env_start(&r, "mail_run"))
        return;
    /* a dry run sends nothing, whatever it finds */
    spetl(&r, "SMTP_PW=" SMTP_PASSWORD, "run --dry-run");
    ck_assert_int_eq(sp_smtp_count(r.smtp), 0);

    ck_assert_msg(spetl(&r, "SMTP_PW=" SMTP_PASSWORD, "run --report -") == 1, "%s", err);
    report_ids(run_id, sizeof(run_id), hub, sizeof(hub));
    ck_assert_int_eq(sp_smtp_count(r.smtp), 1);
    ck_assert_msg(strstr(err, "level=info") && strstr(err, "msg=\"e-mail on error sent to 2 recipients (2 failed "
                                                           "records listed)\""), "%s", err);
    sp_smtp_message(r.smtp, 1, msg, sizeof(msg), meta, sizeof(meta));
    ck_assert_msg(strstr(meta, "\"tls\": true") && strstr(meta, "\"login\": \"spetl\"") &&
                      strstr(meta, "\"mail_from\": \"spetl@fabrikam.example\""), "%s", meta);
    ck_assert_msg(strstr(msg, "Subject: [spetl] mail-test: 2 records failed (hub ") != NULL, "%s", msg);
    snprintf(want, sizeof(want), "Hub:       %s\r\nRun id:    %s\r\n", hub, run_id);
    ck_assert_msg(strstr(msg, want) != NULL, "%s\n---\n%s", want, msg);
    ck_assert_msg(strstr(msg, "  customer-export          failed-records  read=6 ") &&
                      strstr(msg, " failed=2\r\n      2 records failed\r\n"), "%s", msg);
    ck_assert_msg(strstr(msg, "Failed records (the first 2 of 2):\r\n"), "%s", msg);
    correlation_id(r.conn, "LEAKTOK0001", corr, sizeof(corr));
    snprintf(want, sizeof(want), " LEAKTOK0001|PRIMARY: VALIDATION_ERROR correlationId=%s\r\n", corr);
    ck_assert_msg(corr[0] != '\0' && strstr(msg, want) != NULL, "%s\n---\n%s", want, msg);
    correlation_id(r.conn, "LEAKPWD0001", corr, sizeof(corr));
    snprintf(want, sizeof(want), " LEAKPWD0001|PRIMARY: VALIDATION_ERROR correlationId=%s\r\n", corr);
    ck_assert_msg(corr[0] != '\0' && strstr(msg, want) != NULL, "%s\n---\n%s", want, msg);
    snprintf(want, sizeof(want), "spetl errors %s\r\n", r.job);
    ck_assert_msg(strstr(msg, want) != NULL, "%s", msg);
    /* HubSpot's messages repeated the token and the password: neither left */
    ck_assert_ptr_null(strstr(msg, HS_TOKEN));
    ck_assert_ptr_null(strstr(msg, SMTP_PASSWORD));
    ck_assert_msg(strstr(msg, "Email address <redacted> is invalid"), "%s", msg);
    ck_assert_ptr_null(strstr(err, SMTP_PASSWORD));

    /* a run with no failure sends nothing */
    ck_assert_msg(spetl(&r, "SMTP_PW=" SMTP_PASSWORD, "run --key GOOD0001") == 0, "%s", err);
    ck_assert_int_eq(sp_smtp_count(r.smtp), 1);
    ck_assert_ptr_null(strstr(err, "e-mail on error"));

    /* a run that stops before its components (spetl's tables missing: exit 3) mails too */
    {
        sp_db *db = NULL;
        sp_err e;
        ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, "mail_run_bare", &db, &e), 0);
        sp_db_close(db);
        sp_dbtest_conn(SP_DBTEST_SQLITE, "mail_run_bare", r.conn, sizeof(r.conn));
        snprintf(want, sizeof(want), "smtp://127.0.0.1:%d", sp_smtp_port(r.smtp));
        write_job(&r, want, "");
    }
    ck_assert_msg(spetl(&r, "SMTP_PW=" SMTP_PASSWORD, "run") == 3, "%s", err);
    ck_assert_int_eq(sp_smtp_count(r.smtp), 2);
    sp_smtp_message(r.smtp, 2, msg, sizeof(msg), NULL, 0);
    ck_assert_msg(strstr(msg, "Subject: [spetl] mail-test: the run stopped (exit 3) (hub not known)\r\n") &&
                      strstr(msg, "is missing in this database: run `spetl init-db"), "%s", msg);
    run_env_stop(&r);
}
END_TEST

START_TEST(a_mail_that_cannot_be_sent_is_logged_and_changes_nothing)
{
    run_env r;
    char run_id[64], hub[32], url[128], auth[1024];
    int fd = -1, port;
    sp_err e;

    if (!run_env_start(&r, "mail_fail"))
        return;
    /* AUTH refused: one error line naming the server, curl's words and the reply */
    ck_assert_msg(spetl(&r, "SMTP_PW=Wrong-Password-1", "run --report -") == 1, "%s", err);
    report_ids(run_id, sizeof(run_id), hub, sizeof(hub));
    ck_assert_int_eq(sp_smtp_count(r.smtp), 0);
    sp_smtp_auth_log(r.smtp, auth, sizeof(auth));
    ck_assert_msg(strstr(auth, "refused ") && strstr(auth, " spetl\n"), "%s", auth);
    snprintf(url, sizeof(url), "the e-mail on error to smtp://127.0.0.1:%d was not sent: ", sp_smtp_port(r.smtp));
    ck_assert_msg(strstr(err, "level=error") && strstr(err, "comp=mail") && strstr(err, url) &&
                      strstr(err, "(SMTP reply 535)"), "%s", err);
    ck_assert_ptr_null(strstr(err, "Wrong-Password-1"));
    ck_assert_ptr_nonnull(strstr(err, "msg=\"run finished: exit 1"));
    ck_assert_int_eq(count_history(r.conn, run_id, "failed-records"), 1);

    /* a dead server: refused at once, logged, the exit code the run's */
    port = sp_test_dead_port(&fd, &e);
    ck_assert_msg(port > 0, "%s", e.msg);
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
    write_job(&r, url, "");
    ck_assert_msg(spetl(&r, "SMTP_PW=" SMTP_PASSWORD, "run --report -") == 1, "%s", err);
    report_ids(run_id, sizeof(run_id), hub, sizeof(hub));
    snprintf(url, sizeof(url), "the e-mail on error to smtp://127.0.0.1:%d was not sent: ", port);
    ck_assert_msg(strstr(err, "level=error") && strstr(err, url) && strstr(err, "(no SMTP reply)"), "%s", err);
    ck_assert_int_eq(count_history(r.conn, run_id, "failed-records"), 1);
    close(fd);
    run_env_stop(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mail");
    TCase *t = tcase_create("mail");

    tcase_set_timeout(t, 300);
    tcase_add_test(t, settings_defaults_and_refusals);
    tcase_add_test(t, the_message_is_rfc5322_text_with_no_secret);
    tcase_add_test(t, smtps_sends_with_libcurls_dot_stuffing);
    tcase_add_test(t, starttls_is_required_before_auth);
    tcase_add_test(t, a_run_with_failed_records_sends_one_message);
    tcase_add_test(t, a_mail_that_cannot_be_sent_is_logged_and_changes_nothing);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
