/* check_job.c -- the job file: broken jobs and their exact errors, the model, spetl validate.
 *
 * Every tests/jobs/bad/NN-name.xml must produce exactly the lines of its
 * NN-name.expected (paths as "tests/jobs/bad/NN-name.xml", relative to the
 * repository root; @TMP@ stands for this run's scratch directory). The suite
 * runs from the repository root ($SPETL_TOP under `make test`, else the
 * current directory when it holds tests/jobs/bad) and sets every environment
 * variable the jobs use itself.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/skip.h"
#include "spetl/err.h"
#include "spetl/job.h"
#include "spetl/log.h"

static char tmpdir[256];
static int have_top;

/* ---- fixture and helpers ------------------------------------------------------------ */

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static void setup_once(void)
{
    const char *top = getenv("SPETL_TOP");
    char path[512];

    if (top != NULL && chdir(top) == 0 && access("tests/jobs/bad", R_OK) == 0)
        have_top = 1;
    else if (access("tests/jobs/bad", R_OK) == 0)
        have_top = 1;
    else
        printf("check_job: not run from the repository root and SPETL_TOP is not set: "
               "the job file tests are skipped\n");
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_job.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));

    /* Everything the job files read from the environment. */
    setenv("SPETL_TEST_TOKEN", "pat-na1-test-token-0001", 1);
    setenv("JOBTEST_TMP", tmpdir, 1);
    unsetenv("SPETL_TEST_UNSET_TOKEN");
    unsetenv("SPETL_TEST_UNSET_PAGE");
    unsetenv("SPETL_TEST_UNSET_RATE");
    unsetenv("DB_PATH");
    /* the demo and the examples */
    setenv("HUBSPOT_TOKEN", "pat-na1-demo-token", 1);
    unsetenv("HUBSPOT_URL");
    unsetenv("SPETL_DEMO_DB");
    unsetenv("SPETL_DEMO_QUEUE");
    unsetenv("HUBSPOT_HUB_ID");
    unsetenv("REEXPORT_WHERE");
    setenv("GP_PASSWORD", "gp-secret-pw-42", 1);
    setenv("SMTP_PASSWORD", "smtp-secret-pw-42", 1);
    snprintf(path, sizeof(path), "%s/fabrikam.token", tmpdir);
    write_file(path, "  pat-na1-from-file-0002\n", 0600);
    setenv("SPETL_TOKEN_FILE", path, 1);
    snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
    write_file(path, "-----BEGIN CERTIFICATE-----\n", 0644);
    setenv("SPETL_CA_BUNDLE", path, 1);
    setenv("SPETL_HOOKS_DIR", tmpdir, 1);
    /* 16-token-file-readable: git keeps no modes, so the file is made here */
    snprintf(path, sizeof(path), "%s/readable.token", tmpdir);
    write_file(path, "pat-na1-readable\n", 0644);
}

static void teardown_once(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    char path[600];

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(tmpdir);
}

/* Diagnostics collected as the lines spetl validate prints. */
typedef struct lines {
    char text[16384];
    size_t len;
    int n;
} lines;

static void collect(void *ctx, const sp_job_diag *d)
{
    lines *l = ctx;
    int w = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s:%d:%d: %s\n", d->file, d->line, d->col,
                     d->message);
    if (w > 0 && (size_t)w < sizeof(l->text) - l->len)
        l->len += (size_t)w;
    l->n++;
}

static int load(const char *path, sp_job **job, sp_err *e, lines *l)
{
    sp_job_load_opts o = {collect, l, 0, 0};
    memset(l, 0, sizeof(*l));
    sp_err_clear(e);
    return sp_job_load(path, &o, job, e);
}

static int load_text(const char *text, sp_job **job, sp_err *e, lines *l)
{
    sp_job_load_opts o = {collect, l, 0, 0};
    memset(l, 0, sizeof(*l));
    sp_err_clear(e);
    return sp_job_load_text("mem.xml", text, strlen(text), &o, job, e);
}

/* Read a file; replace every @TMP@ with the scratch directory. */
static char *read_expected(const char *path)
{
    FILE *f = fopen(path, "r");
    char raw[16384], *out;
    size_t n, o = 0;

    ck_assert_msg(f != NULL, "cannot read %s", path);
    n = fread(raw, 1, sizeof(raw) - 1, f);
    fclose(f);
    raw[n] = '\0';
    out = malloc(sizeof(raw) * 2);
    for (const char *p = raw; *p;) {
        if (strncmp(p, "@TMP@", 5) == 0) {
            memcpy(out + o, tmpdir, strlen(tmpdir));
            o += strlen(tmpdir);
            p += 5;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* A minimal valid job with one customer-export, with extra text spliced in. */
#define JOB_HEAD                                                                                   \
    "<?xml version=\"1.0\"?>\n"                                                                    \
    "<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"                                                 \
    "  <hubspot><token env=\"SPETL_TEST_TOKEN\"/></hubspot>\n"                                     \
    "  <database connection=\"Driver=SQLite3;Database=t.db;\"/>\n"
#define CUSTOMER_MAPPINGS                                                                          \
    "  <mappings>\n"                                                                               \
    "    <export-mapping id=\"cc\" entity=\"customer\" object=\"companies\" key-property=\"k\">\n" \
    "      <property name=\"k\" column=\"CUSTNMBR\"/>\n"                                           \
    "    </export-mapping>\n"                                                                      \
    "    <export-mapping id=\"ac\" entity=\"customer-address\" object=\"contacts\" key-property=\"k\">\n" \
    "      <property name=\"k\" template=\"{CUSTNMBR}|{ADRSCODE}\"/><property name=\"email\" column=\"INET1\"/>\n" \
    "    </export-mapping>\n"                                                                      \
    "  </mappings>\n"

/* ---- broken jobs: exact lines -------------------------------------------------------- */

static const char *const bad_jobs[] = {
    "01-not-well-formed",        "02-unknown-element",          "03-missing-attribute",
    "04-bad-enum",               "05-page-size-0",              "06-page-size-201",
    "07-unknown-component",      "08-duplicate-component",      "09-unknown-mapping-id",
    "10-unknown-column",         "11-template-column",          "12-bad-transform",
    "13-max-length-negative",    "14-unset-variable",           "15-token-env-unset",
    "16-token-file-readable",    "17-token-file-missing",       "18-inline-token",
    "19-http-base-url",          "20-external-entity",          "21-deal-export-no-queue",
    "22-duplicate-mapping-id",   "23-import-no-key-generation", "24-many-errors",
    "25-wrong-mapping-entity",   "26-rule-set-references",      "27-import-key-column",
    "28-hook-params",            "29-filter",                   "30-missing-key-property",
    "31-bad-boolean",            "32-no-namespace",             "33-unknown-attribute",
    "34-email-incomplete",       "35-template-braces",          "36-company-types",
    "37-malformed-variable",     "38-lookup",                   "39-key-generation-too-long",
    "40-try-match-without-rules", "41-xinclude",                "42-token-env-and-file",
    "43-wrong-root",             "44-object-and-import-entity", "45-empty",
    "46-filter-columns",         "47-import-mapping-gp-types",  "48-company-filter-unused",
    "49-settings-never-used",    "50-rule-checks",              "51-import-does-nothing",
    "52-hubspot-settings-unused",
};
#define NBAD ((int)(sizeof(bad_jobs) / sizeof(bad_jobs[0])))

START_TEST(bad_job_gives_exact_lines)
{
    char xml[256], expected_path[256], summary[300];
    sp_job *job = (sp_job *)1;
    sp_err e;
    lines l;
    char *want;
    int n;

    SP_SKIP_IF(!have_top, "not run from the repository root and SPETL_TOP is not set");
    snprintf(xml, sizeof(xml), "tests/jobs/bad/%s.xml", bad_jobs[_i]);
    snprintf(expected_path, sizeof(expected_path), "tests/jobs/bad/%s.expected", bad_jobs[_i]);
    want = read_expected(expected_path);
    n = count_lines(want);
    ck_assert_msg(n >= 1, "%s: the .expected file is empty", bad_jobs[_i]);
    ck_assert_msg(load(xml, &job, &e, &l) == -1, "%s: loaded, but must fail", xml);
    ck_assert_msg(job == NULL, "%s: a job was returned with the error", xml);
    ck_assert_msg(strcmp(l.text, want) == 0, "%s: the errors differ.\n--- expected\n%.1500s--- got\n%.1500s", xml, want,
                  l.text);
    ck_assert_msg(e.code == SP_EJOB, "%s: code %s, want EJOB", xml, sp_code_name(e.code));
    snprintf(summary, sizeof(summary), "%s: %d error%s", xml, n, n == 1 ? "" : "s");
    ck_assert_msg(strcmp(e.msg, summary) == 0, "%s: summary \"%s\", want \"%s\"", xml, e.msg, summary);
    ck_assert_int_eq(sp_code_exit(e.code), 2);
    free(want);
}
END_TEST

START_TEST(every_bad_fixture_is_in_the_table)
{
    DIR *d;
    struct dirent *de;
    int files = 0;

    SP_SKIP_IF(!have_top, "not run from the repository root and SPETL_TOP is not set");
    d = opendir("tests/jobs/bad");
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        int found = 0;
        if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0)
            continue;
        files++;
        for (int i = 0; i < NBAD; i++)
            if (strncmp(bad_jobs[i], de->d_name, len - 4) == 0 && strlen(bad_jobs[i]) == len - 4)
                found = 1;
        ck_assert_msg(found, "tests/jobs/bad/%s has no entry in bad_jobs[]", de->d_name);
    }
    closedir(d);
    ck_assert_int_eq(files, NBAD);
    ck_assert_int_ge(NBAD, 25);
}
END_TEST

START_TEST(libxml2_prints_nothing_itself)
{
    char path[300], buf[256];
    int saved, fd;
    ssize_t n;
    sp_job *job;
    sp_err e;
    lines l;

    SP_SKIP_IF(!have_top, "not run from the repository root and SPETL_TOP is not set");
    snprintf(path, sizeof(path), "%s/stderr.txt", tmpdir);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDERR_FILENO);
    load("tests/jobs/bad/01-not-well-formed.xml", &job, &e, &l);
    load("tests/jobs/bad/24-many-errors.xml", &job, &e, &l);
    load("tests/jobs/bad/41-xinclude.xml", &job, &e, &l);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    fd = open(path, O_RDONLY);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    ck_assert_msg(n == 0, "something printed on stderr: %.*s", (int)(n > 0 ? n : 0), buf);
    ck_assert_int_eq(l.n, 1);
}
END_TEST

START_TEST(external_entity_file_is_never_read)
{
    /* The entity points at a file spetl cannot know; had the parser tried to
     * read it, its content or an I/O error would show in the lines. */
    char path[300], text[1024];
    sp_job *job;
    sp_err e;
    lines l;

    snprintf(path, sizeof(path), "%s/secret.txt", tmpdir);
    write_file(path, "TOP-SECRET-CONTENT", 0600);
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n<!DOCTYPE job [<!ENTITY s SYSTEM \"file://%s\">]>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"t\">&s;</job>\n", path);
    ck_assert_int_eq(load_text(text, &job, &e, &l), -1);
    ck_assert_str_eq(l.text, "mem.xml:2:1: a DOCTYPE is not allowed in a job file (no DTDs, no entities): "
                             "remove the <!DOCTYPE ...> declaration\n");
    ck_assert_ptr_null(strstr(l.text, "TOP-SECRET"));
}
END_TEST

/* A message that quotes a setting goes through the redactor: the password of
 * a mistyped smtp-url (any scheme, or none, even a plain one) never prints. */
/* The imports' minimum-date offset is read (it was refused while the imports
 * did not exist). */
#define OFFSET_JOB(component)                                                                     \
    "<?xml version=\"1.0\"?>\n"                                                                    \
    "<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"                                                 \
    "  <hubspot min-date-offset-minutes=\"10\"><token env=\"SPETL_TEST_TOKEN\"/></hubspot>\n"       \
    "  <database connection=\"Driver=SQLite3;Database=t.db;\"/>\n"                                \
    "  <mappings>\n"                                                                               \
    "    <export-mapping id=\"pi\" entity=\"item\" object=\"products\" key-property=\"hs_sku\">"      \
    "<property name=\"hs_sku\" column=\"ITEMNMBR\"/><property name=\"name\" column=\"ITEMDESC\"/>"  \
    "</export-mapping>\n"                                                                         \
    "    <import-mapping id=\"ip\" entity=\"prospect\" object=\"companies\">"                       \
    "<column name=\"CUSTNAME\" property=\"name\"/></import-mapping>\n"                             \
    "    <import-mapping id=\"ik\" entity=\"prospect-contact\" object=\"contacts\">"                \
    "<column name=\"Email\" property=\"email\"/></import-mapping>\n"                               \
    "  </mappings>\n"                                                                              \
    "  <matching><rule-set id=\"p\" entity=\"prospect\"><rule><compare property=\"name\" "          \
    "column=\"CUSTNAME\"/></rule></rule-set></matching>\n"                                          \
    "  <components>" component "</components>\n</job>\n"

START_TEST(min_date_offset_is_read_for_the_imports)
{
    sp_job *job;
    sp_err e;
    lines l;

    setenv("SPETL_TEST_TOKEN", "pat-na1-test", 1);
    ck_assert_msg(load_text(OFFSET_JOB("<company-prospect-import prevent-matching-to-customers=\"true\" "
                                       "prospect-matching=\"p\" prospect-mapping=\"ip\" contact-mapping=\"ik\">"
                                       "<key-generation/></company-prospect-import>"),
                            &job, &e, &l) == 0, "%s", l.text);
    ck_assert_int_eq(job->hubspot.min_date_offset_minutes, 10);
    sp_job_free(job);
    sp_log_reset();
    /* with no import to act on it, the setting is refused at its line */
    ck_assert_int_eq(load_text(OFFSET_JOB("<product-export item-mapping=\"pi\"/>"), &job, &e, &l), -1);
    ck_assert_str_eq(l.text, "mem.xml:3:12: min-date-offset-minutes=\"10\" is never used: it applies to "
                             "company-customer-import and company-prospect-import, and this job has none of "
                             "them; remove it\n");
    sp_log_reset();
}
END_TEST

START_TEST(smtp_password_in_a_bad_url_never_prints)
{
    static const char *const urls[] = {"ftp://spetl:plainpw@mail.example.com:587",
                                       "spetl:plainpw@mail.example.com",
                                       "smtp:/spetl:plainpw@mail.example.com"};
    char text[1024];
    sp_job *job;
    sp_err e;
    lines l;

    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        setenv("SPETL_TEST_TOKEN", "pat-na1-test", 1);
        snprintf(text, sizeof(text),
                 JOB_HEAD "  <email-on-error from=\"a@example.com\" to=\"b@example.com\" smtp-url=\"%s\"/>\n"
                          "  <components/>\n</job>\n",
                 urls[i]);
        ck_assert_int_eq(load_text(text, &job, &e, &l), -1);
        ck_assert_msg(strstr(l.text, "must start with smtp:// or smtps://") != NULL, "%s", l.text);
        ck_assert_msg(strstr(l.text, "plainpw") == NULL, "%s", l.text);
        ck_assert_msg(strstr(l.text, "mail.example.com") != NULL, "%s", l.text);
        sp_log_reset();
    }
}
END_TEST

/* A variable is checked by the one UTF-8 validator: overlong forms and
 * surrogates are not text (the loader's own check let both through). */
START_TEST(variables_must_be_utf8_text)
{
    static const char *const bad[] = {"\xed\xa0\x80", "\xe0\x80\xaf", "\xf4\x90\x80\x80", "ab\xc3"};
    sp_job *job;
    sp_err e;
    lines l;

    setenv("SPETL_TEST_TOKEN", "pat-na1-test", 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv("SPETL_TEST_TEXT", bad[i], 1);
        ck_assert_int_eq(load_text("<job xmlns=\"urn:spetl:job:1\" name=\"t\">"
                                   "<hubspot><token env=\"SPETL_TEST_TOKEN\"/></hubspot>"
                                   "<database connection=\"DSN=${SPETL_TEST_TEXT};\"/><components/></job>",
                                   &job, &e, &l), -1);
        ck_assert_msg(strstr(l.text, "variable ${SPETL_TEST_TEXT} holds bytes that are not UTF-8 text") != NULL,
                      "%zu: %s", i, l.text);
    }
    setenv("SPETL_TEST_TEXT", "caf\xc3\xa9 \xf0\x9f\x98\x80", 1);
    ck_assert_msg(load_text("<job xmlns=\"urn:spetl:job:1\" name=\"t\">"
                            "<hubspot><token env=\"SPETL_TEST_TOKEN\"/></hubspot>"
                            "<database connection=\"DSN=${SPETL_TEST_TEXT};\"/><components/></job>",
                            &job, &e, &l) == 0, "%s", l.text);
    ck_assert_str_eq(job->database.connection, "DSN=caf\xc3\xa9 \xf0\x9f\x98\x80;");
    sp_job_free(job);
    unsetenv("SPETL_TEST_TEXT");
    sp_log_reset();
}
END_TEST

/* Root reads any file through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: take
 * them out of the effective set (on = 0) and put them back (on = 1); they
 * stay in the permitted set, so this works under CK_FORK=no too. */
static void dac_caps(int on)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    const unsigned bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);

    ck_assert_int_eq((int)syscall(SYS_capget, &h, d), 0);
    d[0].effective = on ? d[0].effective | (d[0].permitted & bits) : d[0].effective & ~bits;
    ck_assert_int_eq((int)syscall(SYS_capset, &h, d), 0);
}

START_TEST(token_file_unreadable)
{
    char path[300], text[1024];
    sp_job *job;
    sp_err e;
    lines l;
    int rc;

    snprintf(path, sizeof(path), "%s/locked.token", tmpdir);
    write_file(path, "pat", 0600);
    chmod(path, 0000);
    snprintf(text, sizeof(text),
             "<job xmlns=\"urn:spetl:job:1\" name=\"t\"><hubspot><token file=\"%s\"/></hubspot>"
             "<database connection=\"DSN=x;\"/><components/></job>", path);
    dac_caps(0);
    rc = load_text(text, &job, &e, &l);
    dac_caps(1);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(l.text, "cannot read token file"));
    ck_assert_ptr_nonnull(strstr(l.text, "Permission denied"));
}
END_TEST

START_TEST(missing_job_file)
{
    sp_job *job;
    sp_err e;
    lines l;

    ck_assert_int_eq(load("/nonexistent/job.xml", &job, &e, &l), -1);
    ck_assert_int_eq(e.code, SP_EJOB);
    ck_assert_str_eq(e.msg, "cannot read job file /nonexistent/job.xml: No such file or directory");
    ck_assert_int_eq(l.n, 0);
}
END_TEST

/* ---- good jobs ------------------------------------------------------------------------ */

static const char *const good_jobs[] = {
    "jobs/demo.xml",
    "jobs/examples/full-nightly.xml",
    "jobs/examples/one-off-reexport.xml",
    "jobs/examples/prospects-only.xml",
    "jobs/examples/initial-link.xml",
};

START_TEST(shipped_jobs_validate)
{
    sp_job *job = NULL;
    sp_err e;
    lines l;

    SP_SKIP_IF(!have_top, "not run from the repository root and SPETL_TOP is not set");
    ck_assert_msg(load(good_jobs[_i], &job, &e, &l) == 0, "%s does not validate:\n%s", good_jobs[_i], l.text);
    ck_assert_int_eq(l.n, 0);
    ck_assert_ptr_nonnull(sp_job_token(job));
    sp_job_free(job);
}
END_TEST

START_TEST(demo_job_model)
{
    sp_job *job;
    sp_err e;
    lines l;
    const sp_job_component *ce, *on[SP_COMP_COUNT];
    const sp_job_mapping *m;

    SP_SKIP_IF(!have_top, "not run from the repository root and SPETL_TOP is not set");
    ck_assert_int_eq(load("jobs/demo.xml", &job, &e, &l), 0);
    ck_assert_str_eq(job->name, "fabrikam-demo");
    ck_assert_str_eq(job->path, "jobs/demo.xml");
    ck_assert_str_eq(job->dir, "jobs");
    ck_assert_str_eq(job->hubspot.base_url, "http://127.0.0.1:8089");
    ck_assert_str_eq(job->hubspot.api_version, "2026-03");
    ck_assert_int_eq(job->hubspot.page_size, 100);
    ck_assert_int_eq(job->hubspot.connect_timeout_s, 5);
    ck_assert_int_eq(job->hubspot.request_timeout_s, 30);
    ck_assert_int_eq(job->hubspot.retry_budget_s, 60);
    ck_assert_str_eq(job->hubspot.token_env, "HUBSPOT_TOKEN");
    ck_assert_ptr_null(job->hubspot.token_file);
    ck_assert_str_eq(sp_job_token(job), "pat-na1-demo-token");
    ck_assert_str_eq(job->database.connection, "Driver=SQLite3;Database=demo/fabrikam.db;");
    ck_assert_int_eq(job->database.dialect, SP_JOB_DIALECT_SQLITE);
    ck_assert_int_eq(job->history_retention_days, 30);
    ck_assert_int_eq(sp_job_enabled_components(job, on, SP_COMP_COUNT), 6);
    ck_assert_str_eq(on[0]->name, "company-link");
    ck_assert_str_eq(on[1]->name, "company-customer-import");
    ck_assert_str_eq(on[1]->u.import.company_mapping->id, "company-customer");
    ck_assert_str_eq(on[2]->name, "customer-export");
    ck_assert_str_eq(on[5]->name, "deal-export");
    ck_assert_str_eq(on[5]->u.deal.queue, "READY TO EXPORT");

    ce = job->components[SP_COMP_CUSTOMER_EXPORT];
    ck_assert_ptr_nonnull(ce);
    ck_assert_int_eq(ce->u.customer_export.all_address_types, 1);
    ck_assert_str_eq(ce->u.customer_export.filter->sql, "INACTIVE = 0");
    ck_assert_int_eq(ce->u.customer_export.filter->entity, SP_ENTITY_CUSTOMER);
    m = ce->u.customer_export.customer_mapping;
    ck_assert_str_eq(m->id, "customer-company");
    ck_assert_str_eq(m->key_property, "gp_customer_number");
    /* shared, not copied */
    ck_assert_ptr_eq(job->components[SP_COMP_CUSTOMER_UPDATES]->u.updates.company_mapping, m);
    ck_assert_ptr_eq(job->components[SP_COMP_CUSTOMER_UPDATES]->u.updates.contact_mapping,
                     ce->u.customer_export.address_mapping);
    ck_assert_int_eq(job->components[SP_COMP_CUSTOMER_UPDATES]->u.updates.range_days, 7);
    ck_assert_ptr_nonnull(job->components[SP_COMP_COMPANY_LINK]);
    ck_assert_str_eq(job->components[SP_COMP_COMPANY_LINK]->u.link.customer_matching->id, "customer-match");
    sp_job_free(job);
}
END_TEST

START_TEST(defaults_are_applied)
{
    sp_job *job;
    sp_err e;
    lines l;
    const sp_job_customer_export *x;

    ck_assert_int_eq(load_text(JOB_HEAD CUSTOMER_MAPPINGS
                               "  <components><customer-export customer-mapping=\"cc\" address-mapping=\"ac\"/>"
                               "</components>\n</job>\n",
                               &job, &e, &l),
                     0);
    ck_assert_str_eq(job->hubspot.base_url, "https://api.hubapi.com");
    ck_assert_str_eq(job->hubspot.api_version, "2026-03");
    ck_assert_int_eq(job->hubspot.page_size, 100);
    ck_assert_int_eq(job->hubspot.rate_limit, 100);
    ck_assert_int_eq(job->hubspot.search_rate, 4);
    ck_assert_int_eq(job->hubspot.connect_timeout_s, 10);
    ck_assert_int_eq(job->hubspot.request_timeout_s, 60);
    ck_assert_int_eq(job->hubspot.retry_budget_s, 300);
    ck_assert_int_eq(job->hubspot.min_date_offset_minutes, 5);
    ck_assert_ptr_null(job->hubspot.ca_bundle);
    ck_assert_int_eq(job->database.dialect, SP_JOB_DIALECT_AUTO);
    ck_assert_int_eq(job->history_retention_days, 90);
    ck_assert_int_eq(job->email.pos.line, 0);
    ck_assert_int_eq(job->email.enabled, 0);
    ck_assert_ptr_null(job->company_filter);
    ck_assert_uint_eq(job->hub_id, 0);
    x = &job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export;
    ck_assert_int_eq(job->components[SP_COMP_CUSTOMER_EXPORT]->enabled, 1);
    ck_assert_int_eq(x->per_page, 100);
    ck_assert_int_eq(x->all_address_types, 1);
    ck_assert_int_eq(x->export_new_contacts, 1);
    ck_assert_ptr_null(x->filter);
    ck_assert_ptr_null(x->pre_export);
    ck_assert_ptr_null(job->components[SP_COMP_DEAL_EXPORT]);
    sp_job_free(job);
}
END_TEST

START_TEST(variables_are_replaced_before_the_schema)
{
    sp_job *job;
    sp_err e;
    lines l;

    setenv("JT_PAGE", "25", 1);
    setenv("JT_EMPTY", "", 1);
    unsetenv("JT_UNSET");
    ck_assert_int_eq(load_text("<job xmlns=\"urn:spetl:job:1\" name=\"${JT_UNSET:-n}${JT_EMPTY}x\">\n"
                               "  <hubspot request-timeout-seconds=\"${JT_PAGE}\" rate-limit=\"${JT_UNSET:-190}\" "
                               "retry-budget-seconds=\"${JT_EMPTY:-2}\"><token env=\"SPETL_TEST_TOKEN\"/></hubspot>\n"
                               "  <database connection=\"Driver=SQLite3;Database=${JT_UNSET:-a b.db};\"/>\n"
                               CUSTOMER_MAPPINGS
                               "  <components><customer-export customer-mapping=\"cc\" address-mapping=\"ac\">"
                               "<filter>CUSTCLAS = '$${JT_PAGE}' AND CUSTNAME = '${JT_PAGE}'</filter>"
                               "</customer-export></components>\n</job>\n",
                               &job, &e, &l),
                     0);
    ck_assert_str_eq(job->name, "nx");
    ck_assert_int_eq(job->hubspot.request_timeout_s, 25);
    ck_assert_int_eq(job->hubspot.rate_limit, 190);
    ck_assert_int_eq(job->hubspot.retry_budget_s, 2);
    ck_assert_str_eq(job->database.connection, "Driver=SQLite3;Database=a b.db;");
    ck_assert_str_eq(job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.filter->sql,
                     "CUSTCLAS = '${JT_PAGE}' AND CUSTNAME = '25'");
    sp_job_free(job);

    /* the same job with the variable holding a bad value: the schema sees the value */
    setenv("JT_PAGE", "0", 1);
    ck_assert_int_eq(load_text("<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"
                               "  <hubspot page-size=\"${JT_PAGE}\"><token env=\"SPETL_TEST_TOKEN\"/></hubspot>\n"
                               "  <database connection=\"DSN=x;\"/><components/>\n</job>\n",
                               &job, &e, &l),
                     -1);
    ck_assert_str_eq(l.text, "mem.xml:2:12: page-size=\"0\" is too small: the smallest allowed is 1\n");
    unsetenv("JT_PAGE");
    unsetenv("JT_EMPTY");
}
END_TEST

START_TEST(components_come_in_run_order)
{
    sp_job *job;
    sp_err e;
    lines l;
    const sp_job_component *on[SP_COMP_COUNT];
    const char *const want[] = {"company-link", "company-prospect-import", "customer-export",
                                "customer-updates-export", "product-export", "deal-export"};

    ck_assert_int_eq(
        load_text(JOB_HEAD
                  "  <mappings>\n"
                  "    <export-mapping id=\"cc\" entity=\"customer\" object=\"companies\" key-property=\"k\">"
                  "<property name=\"k\" column=\"CUSTNMBR\"/></export-mapping>\n"
                  "    <export-mapping id=\"ac\" entity=\"customer-address\" object=\"contacts\" key-property=\"k\">"
                  "<property name=\"k\" template=\"{CUSTNMBR}|{ADRSCODE}\"/><property name=\"email\" column=\"INET1\"/></export-mapping>\n"
                  "    <export-mapping id=\"pc\" entity=\"prospect\" object=\"companies\">"
                  "<property name=\"name\" column=\"CUSTNAME\"/></export-mapping>\n"
                  "    <export-mapping id=\"pk\" entity=\"prospect-contact\" object=\"contacts\">"
                  "<property name=\"email\" column=\"Email\"/></export-mapping>\n"
                  "    <export-mapping id=\"ip\" entity=\"item\" object=\"products\" key-property=\"hs_sku\">"
                  "<property name=\"hs_sku\" column=\"ITEMNMBR\"/></export-mapping>\n"
                  "    <export-mapping id=\"dd\" entity=\"sales-document\" object=\"deals\" key-property=\"k\">"
                  "<property name=\"k\" column=\"SOPNUMBE\"/></export-mapping>\n"
                  "    <import-mapping id=\"ip2\" entity=\"prospect\" object=\"companies\">"
                  "<column name=\"CUSTNAME\" property=\"name\"/></import-mapping>\n"
                  "    <import-mapping id=\"ik\" entity=\"prospect-contact\" object=\"contacts\">"
                  "<column name=\"Email\" property=\"email\"/></import-mapping>\n"
                  "  </mappings>\n"
                  "  <matching><rule-set id=\"p\" entity=\"prospect\"><rule><compare property=\"name\" "
                  "column=\"CUSTNAME\"/></rule></rule-set></matching>\n"
                  "  <components>\n"
                  "    <deal-export queue=\"Q\" export-lines=\"false\" deal-mapping=\"dd\"/>\n"
                  "    <product-export item-mapping=\"ip\"/>\n"
                  "    <prospect-updates-export enabled=\"false\" prospect-mapping=\"pc\" contact-mapping=\"pk\"/>\n"
                  "    <customer-updates-export customer-mapping=\"cc\" address-mapping=\"ac\"/>\n"
                  "    <customer-export customer-mapping=\"cc\" address-mapping=\"ac\"/>\n"
                  "    <company-prospect-import prevent-matching-to-customers=\"true\" prospect-matching=\"p\" "
                  "prospect-mapping=\"ip2\" contact-mapping=\"ik\"><key-generation/></company-prospect-import>\n"
                  "    <company-link prospect-matching=\"p\"/>\n"
                  "  </components>\n</job>\n",
                  &job, &e, &l),
        0);
    ck_assert_int_eq(sp_job_enabled_components(job, on, SP_COMP_COUNT), 6);
    for (int i = 0; i < 6; i++)
        ck_assert_str_eq(on[i]->name, want[i]);
    ck_assert_int_eq(on[0]->kind, SP_COMP_COMPANY_LINK);
    /* fewer slots than components: the count is still the total */
    ck_assert_int_eq(sp_job_enabled_components(job, on, 2), 6);
    ck_assert_str_eq(on[1]->name, "company-prospect-import");
    ck_assert_int_eq(job->components[SP_COMP_PROSPECT_UPDATES]->enabled, 0);
    ck_assert_ptr_null(job->components[SP_COMP_DEAL_EXPORT]->u.deal.line_mapping);
    ck_assert_int_eq(sp_job_component_parse("deal-export"), SP_COMP_DEAL_EXPORT);
    ck_assert_int_eq(sp_job_component_parse("deals"), -1);
    ck_assert_str_eq(sp_job_component_name(SP_COMP_CUSTOMER_IMPORT), "company-customer-import");
    sp_job_free(job);
}
END_TEST

START_TEST(full_example_model)
{
    sp_job *job;
    sp_err e;
    lines l;
    const sp_job_mapping *m;
    const sp_job_field *f;
    const sp_job_import *im;
    const sp_job_rule_set *rs;
    char path[300];

    SP_SKIP_IF(!have_top, "not run from the repository root and SPETL_TOP is not set");
    ck_assert_int_eq(load("jobs/examples/full-nightly.xml", &job, &e, &l), 0);
    ck_assert_uint_eq(job->hub_id, 24681357u);
    ck_assert_int_eq(job->hubspot.rate_limit, 150);
    ck_assert_str_eq(job->hubspot.ca_bundle, getenv("SPETL_CA_BUNDLE"));
    ck_assert_str_eq(job->hubspot.token_file, getenv("SPETL_TOKEN_FILE"));
    ck_assert_str_eq(sp_job_token(job), "pat-na1-from-file-0002");   /* trimmed */
    ck_assert_int_eq(job->database.dialect, SP_JOB_DIALECT_SQLSERVER);
    ck_assert_ptr_nonnull(strstr(job->database.connection, "Pwd=gp-secret-pw-42;"));
    /* hooks are refused until built: the example keeps them in comments */
    ck_assert_int_eq(job->email.enabled, 1);
    ck_assert_int_eq((int)job->email.nto, 2);
    ck_assert_str_eq(job->email.password, "smtp-secret-pw-42");
    ck_assert_int_eq(job->email.starttls, SP_STARTTLS_REQUIRED);
    ck_assert_ptr_null(job->company_filter);
    ck_assert_int_eq(job->nlookups, 3);
    ck_assert_str_eq(sp_job_lookup_find(&job->lookups[0], "usa"), "United States");
    ck_assert_ptr_null(sp_job_lookup_find(&job->lookups[0], "Mexico"));
    ck_assert_int_eq(job->lookups[1].missing, SP_LOOKUP_FAIL);

    /* export mapping: sources, templates, transforms, lookups */
    m = job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.customer_mapping;
    ck_assert_int_eq(m->is_import, 0);
    ck_assert_int_eq(m->entity, SP_ENTITY_CUSTOMER);
    ck_assert_int_eq(m->object, SP_OBJECT_COMPANIES);
    ck_assert_int_eq((int)m->nfields, 14);
    f = &m->fields[1];
    ck_assert_str_eq(f->target, "name");
    ck_assert_int_eq(f->source, SP_SOURCE_COLUMN);
    ck_assert_str_eq(f->source_column->name, "CUSTNAME");
    ck_assert_str_eq(f->source_column->table, "RM00101");
    ck_assert_int_eq(f->source_column->width, 65);
    ck_assert_int_eq(f->required, 1);
    f = &m->fields[8];
    ck_assert_str_eq(f->target, "country");
    ck_assert_int_eq((int)f->ntransforms, 1);
    ck_assert_int_eq(f->transforms[0].kind, SP_XF_LOOKUP);
    ck_assert_ptr_eq(f->transforms[0].lookup, &job->lookups[0]);
    ck_assert_str_eq(f->default_value, "United States");
    f = &m->fields[10];
    ck_assert_int_eq(f->source, SP_SOURCE_VALUE);
    ck_assert_str_eq(f->source_name, "customer");
    f = &m->fields[11];
    ck_assert_int_eq(f->source, SP_SOURCE_TEMPLATE);
    ck_assert_int_eq((int)f->nparts, 5);   /* {CUSTNAME} " (" {CUSTNMBR} "), class " {CUSTCLAS} */
    ck_assert_int_eq(f->parts[0].is_field, 1);
    ck_assert_str_eq(f->parts[0].text, "CUSTNAME");
    ck_assert_ptr_nonnull(f->parts[0].column);
    ck_assert_int_eq(f->parts[1].is_field, 0);
    ck_assert_str_eq(f->parts[1].text, " (");
    ck_assert_str_eq(f->parts[2].text, "CUSTNMBR");
    ck_assert_str_eq(f->parts[3].text, "), class ");
    ck_assert_int_eq(f->parts[4].is_field, 1);
    ck_assert_str_eq(f->parts[4].text, "CUSTCLAS");
    ck_assert_int_eq(m->fields[12].transforms[0].kind, SP_XF_DATE);
    ck_assert_int_eq(m->fields[13].transforms[0].kind, SP_XF_DATETIME);
    ck_assert_int_eq(job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.address_mapping->fields[2]
                         .transforms[0].kind,
                     SP_XF_FIRST_NAME);

    /* import: mappings, key generation, matching, hooks */
    im = &job->components[SP_COMP_CUSTOMER_IMPORT]->u.import;
    ck_assert_int_eq((int)im->company_types, SP_COMPANY_PARTNER | SP_COMPANY_RESELLER | SP_COMPANY_VENDOR |
                                                 SP_COMPANY_OTHER);
    ck_assert_int_eq(im->try_match, 1);
    ck_assert_int_eq(im->prevent_other_matching, 0);
    ck_assert_int_eq(im->rollback_on_error, 1);
    ck_assert_str_eq(im->min_create_date, "2026-01-01");
    ck_assert_int_eq(im->min_create_ms, 1767225600000LL);
    ck_assert_int_eq(im->key_generation.letters, 8);
    ck_assert_int_eq(im->key_generation.digits, 4);
    ck_assert_str_eq(im->key_generation.from_property, "name");
    ck_assert_str_eq(im->contact_keys.first, "PRIMARY");
    m = im->company_mapping;
    ck_assert_int_eq(m->is_import, 1);
    f = &m->fields[0];
    ck_assert_str_eq(f->target, "CUSTNAME");
    ck_assert_str_eq(f->target_column->name, "CUSTNAME");
    ck_assert_int_eq(f->source, SP_SOURCE_PROPERTY);
    ck_assert_str_eq(f->source_name, "name");
    ck_assert_int_eq((int)f->ntransforms, 2);
    ck_assert_int_eq(f->transforms[0].kind, SP_XF_TRIM);
    ck_assert_int_eq(f->transforms[1].kind, SP_XF_MAX_LENGTH);
    ck_assert_int_eq(f->transforms[1].max_length, 65);
    f = &im->contact_mapping->fields[0];
    ck_assert_int_eq(f->source, SP_SOURCE_TEMPLATE);
    ck_assert_str_eq(f->parts[0].text, "firstname");
    ck_assert_ptr_null(f->parts[0].column);
    ck_assert_str_eq(im->customer_matching->id, "customers");
    ck_assert_ptr_null(im->pre_import);
    ck_assert_int_eq(job->components[SP_COMP_PROSPECT_IMPORT]->u.import.min_create_ms, 1767225600000LL);

    /* matching */
    rs = job->components[SP_COMP_COMPANY_LINK]->u.link.customer_matching;
    ck_assert_int_eq(job->components[SP_COMP_COMPANY_LINK]->enabled, 0);
    ck_assert_int_eq(rs->entity, SP_ENTITY_CUSTOMER);
    ck_assert_int_eq((int)rs->nrules, 4);
    ck_assert_str_eq(rs->rules[1].name, "name and phone");
    ck_assert_int_eq((int)rs->rules[1].ncomparisons, 2);
    ck_assert_int_eq(rs->rules[1].comparisons[1].how, SP_COMPARE_DIGITS);
    ck_assert_str_eq(rs->rules[1].comparisons[1].column->name, "PHONE1");
    ck_assert_int_eq(rs->rules[2].comparisons[0].how, SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE);
    ck_assert_str_eq(rs->rules[2].comparisons[0].column->table, "SY01200");
    ck_assert_int_eq(rs->rules[3].comparisons[0].how, SP_COMPARE_PREFIX);
    ck_assert_str_eq(job->rule_sets[2].rules[0].name, "rule 1");
    ck_assert_int_eq(job->rule_sets[2].rules[0].comparisons[0].how, SP_COMPARE_EXACT);

    /* other components */
    ck_assert_int_eq(job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.all_address_types, 0);
    ck_assert_int_eq((int)job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.naddress_types, 3);
    ck_assert_str_eq(job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.address_types[2], "SHIPPING");
    ck_assert_str_eq(job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.filter->sql,
                     "INACTIVE = 0 AND HOLD = 0\n        AND CUSTCLAS IN ('RETAIL', 'WHOLESALE')");
    ck_assert_int_eq(job->components[SP_COMP_PROSPECT_UPDATES]->u.updates.per_page, 50);
    ck_assert_str_eq(job->components[SP_COMP_PRODUCT_EXPORT]->u.product.price_currency, "Z-US$");
    ck_assert_str_eq(job->components[SP_COMP_DEAL_EXPORT]->u.deal.queue, "INVOICED");
    ck_assert_str_eq(job->components[SP_COMP_DEAL_EXPORT]->u.deal.next_queue, "EXPORTED");
    ck_assert_int_eq(job->components[SP_COMP_DEAL_EXPORT]->u.deal.per_page, 25);

    /* secrets: the token and the passwords never print */
    snprintf(path, sizeof(path), "token pat-na1-from-file-0002 pw gp-secret-pw-42");
    sp_log_redact(path);
    ck_assert_str_eq(path, "token <redacted> pw <redacted>");
    sp_job_free(job);
    sp_log_reset();
}
END_TEST

START_TEST(positions_point_at_the_source)
{
    sp_job *job;
    sp_err e;
    lines l;
    const sp_job_component *c;
    const sp_job_filter *flt;

    ck_assert_int_eq(load_text(JOB_HEAD CUSTOMER_MAPPINGS
                               "  <components>\n"
                               "      <customer-export customer-mapping=\"cc\" address-mapping=\"ac\">\n"
                               "        <filter>\n          INACTIVE = 0</filter>\n"
                               "      </customer-export>\n"
                               "  </components>\n</job>\n",
                               &job, &e, &l),
                     0);
    ck_assert_int_eq(job->pos.line, 2);
    ck_assert_int_eq(job->pos.col, 1);
    ck_assert_int_eq(job->hubspot.token_pos.line, 3);
    ck_assert_int_eq(job->hubspot.token_pos.col, 12);
    ck_assert_int_eq(job->mappings[1].pos.line, 9);
    ck_assert_int_eq(job->mappings[1].fields[0].pos.line, 10);
    ck_assert_int_eq(job->mappings[1].fields[0].pos.col, 7);
    c = job->components[SP_COMP_CUSTOMER_EXPORT];
    ck_assert_int_eq(c->pos.line, 14);
    ck_assert_int_eq(c->pos.col, 7);
    flt = c->u.customer_export.filter;
    ck_assert_int_eq(flt->pos.line, 15);
    ck_assert_int_eq(flt->pos.col, 9);
    ck_assert_int_eq(flt->text_pos.line, 16);
    ck_assert_int_eq(flt->text_pos.col, 11);
    sp_job_free(job);
}
END_TEST

START_TEST(relative_paths_follow_the_job_file)
{
    char dir[300], path[400], text[2048];
    sp_job *job;
    sp_err e;
    lines l;

    snprintf(dir, sizeof(dir), "%s/sub", tmpdir);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/hub.token", dir);
    write_file(path, "pat-na1-relative\n", 0600);
    /* the token in a file next to the job, and a hook program next to it too */
    snprintf(path, sizeof(path), "%s/job.xml", dir);
    snprintf(text, sizeof(text),
             "<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"
             "  <hubspot><token file=\"hub.token\"/></hubspot>\n"
             "  <database connection=\"DSN=x;\"/>\n" CUSTOMER_MAPPINGS
             "  <components><customer-export customer-mapping=\"cc\" address-mapping=\"ac\">"
             "<post-export><program command='\"./my hook\" --x \"a \\\"b\\\"\"' timeout-seconds=\"5\"/>"
             "</post-export></customer-export></components>\n</job>\n");
    write_file(path, text, 0600);
    snprintf(path, sizeof(path), "%s/my hook", dir);
    write_file(path, "#!/bin/sh\n", 0755);
    snprintf(path, sizeof(path), "%s/job.xml", dir);
    /* the program next to the job was found; argv split, quotes kept */
    ck_assert_msg(load(path, &job, &e, &l) == 0, "%s", l.text);
    {
        const sp_job_hook *h = job->components[SP_COMP_CUSTOMER_EXPORT]->u.customer_export.post_export;
        ck_assert_int_eq((int)h->argc, 3);
        ck_assert_str_eq(h->argv[0], "./my hook");
        ck_assert_str_eq(h->argv[2], "a \"b\"");
        ck_assert_int_eq(h->timeout_seconds, 5);
        ck_assert_int_eq(h->stop_run, 0);
    }
    sp_job_free(job);
    snprintf(text, sizeof(text),
             "<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"
             "  <hubspot><token file=\"hub.token\"/></hubspot>\n"
             "  <database connection=\"DSN=x;\"/>\n" CUSTOMER_MAPPINGS
             "  <components><customer-export customer-mapping=\"cc\" address-mapping=\"ac\"/>"
             "</components>\n</job>\n");
    write_file(path, text, 0600);
    ck_assert_msg(load(path, &job, &e, &l) == 0, "%s", l.text);
    snprintf(path, sizeof(path), "%s/hub.token", dir);
    ck_assert_str_eq(job->hubspot.token_file, path);
    ck_assert_str_eq(sp_job_token(job), "pat-na1-relative");
    sp_job_free(job);
    snprintf(path, sizeof(path), "%s/my hook", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/hub.token", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/job.xml", dir);
    unlink(path);
    rmdir(dir);
    sp_log_reset();
}
END_TEST

START_TEST(validate_only_needs_no_secrets)
{
    static const char text[] =
        "<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"
        "  <hubspot><token env=\"SPETL_TEST_UNSET_TOKEN\"/></hubspot>\n"
        "  <database connection=\"Driver=x;Uid=gp;Pwd=${JT_UNSET_PW};Database=${JT_UNSET_DB:-two};\"/>\n"
        "  <components/>\n</job>\n";
    sp_job_load_opts o = {collect, NULL, 0, 1};
    sp_job *job = NULL;
    sp_err e;
    lines l;

    unsetenv("JT_UNSET_PW");
    unsetenv("JT_UNSET_DB");
    /* check and run: both the token and the password are needed */
    ck_assert_int_eq(load_text(text, &job, &e, &l), -1);
    ck_assert_str_eq(l.text, "mem.xml:3:45: variable ${JT_UNSET_PW} is not set: set it in the environment, "
                             "or give a default: ${JT_UNSET_PW:-value}\n");
    /* validate: neither; the rest of the string is still expanded */
    memset(&l, 0, sizeof(l));
    o.diag_ctx = &l;
    sp_err_clear(&e);
    ck_assert_msg(sp_job_load_text("mem.xml", text, sizeof(text) - 1, &o, &job, &e) == 0, "%s", l.text);
    ck_assert_str_eq(job->database.connection, "Driver=x;Uid=gp;Pwd=${JT_UNSET_PW};Database=two;");
    ck_assert_ptr_null(sp_job_token(job));
    ck_assert_str_eq(job->hubspot.token_env, "SPETL_TEST_UNSET_TOKEN");
    sp_job_free(job);
    /* ... but a variable elsewhere is still needed, and a token without a name still refused */
    memset(&l, 0, sizeof(l));
    ck_assert_int_eq(sp_job_load_text("mem.xml",
                                      "<job xmlns=\"urn:spetl:job:1\" name=\"${JT_UNSET_PW}\">"
                                      "<hubspot><token env=\"1BAD\"/></hubspot>"
                                      "<database connection=\"DSN=x;\"/><components/></job>",
                                      139, &o, &job, &e),
                     -1);
    ck_assert_msg(strstr(l.text, "variable ${JT_UNSET_PW} is not set") != NULL, "%s", l.text);
    sp_log_reset();
}
END_TEST

START_TEST(catalogue_has_gp_columns)
{
    size_t n;
    const sp_job_column *c;

    sp_job_entity_columns(SP_ENTITY_CUSTOMER, &n);
    ck_assert_int_eq((int)n, 104);   /* RM00101's 103 + INET1 */
    sp_job_entity_columns(SP_ENTITY_CUSTOMER_ADDRESS, &n);
    ck_assert_int_eq((int)n, 34);
    sp_job_entity_columns(SP_ENTITY_PROSPECT, &n);
    ck_assert_int_eq((int)n, 25);
    sp_job_entity_columns(SP_ENTITY_PROSPECT_CONTACT, &n);
    ck_assert_int_eq((int)n, 10);   /* spProspectContact, DEX_ROW_TS included */
    sp_job_entity_columns(SP_ENTITY_ITEM, &n);
    ck_assert_int_eq((int)n, 90);
    sp_job_entity_columns(SP_ENTITY_SALES_DOCUMENT, &n);
    ck_assert_int_eq((int)n, 191);
    sp_job_entity_columns(SP_ENTITY_SALES_LINE, &n);
    ck_assert_int_eq((int)n, 132);
    c = sp_job_entity_column(SP_ENTITY_CUSTOMER, "custnmbr");
    ck_assert_str_eq(c->name, "CUSTNMBR");
    ck_assert_int_eq(c->key, 1);
    ck_assert_int_eq(c->width, 15);
    c = sp_job_entity_column(SP_ENTITY_ITEM, "LISTPRCE");
    ck_assert_str_eq(c->table, "IV00105");
    ck_assert_str_eq(c->type, "numeric");
    c = sp_job_entity_column(SP_ENTITY_SALES_LINE, "LNITMSEQ");
    ck_assert_int_eq(c->key, 1);
    ck_assert_ptr_null(sp_job_entity_column(SP_ENTITY_PROSPECT, "DEX_ROW_TS"));   /* SOP00200 has none */
    ck_assert_ptr_null(sp_job_entity_column(SP_ENTITY_CUSTOMER_ADDRESS, "INET2"));
    ck_assert_str_eq(sp_job_entity_name(SP_ENTITY_PROSPECT_CONTACT), "prospect-contact");
    ck_assert_str_eq(sp_job_entity_table(SP_ENTITY_PROSPECT_CONTACT), "spProspectContact");
    ck_assert_int_eq(sp_job_entity_object(SP_ENTITY_SALES_LINE), SP_OBJECT_LINE_ITEMS);
    ck_assert_str_eq(sp_job_object_name(SP_OBJECT_LINE_ITEMS), "line_items");
    ck_assert_str_eq(sp_job_company_type_name(SP_COMPANY_VENDOR), "VENDOR");
    ck_assert_ptr_null(sp_job_company_type_name(3));
}
END_TEST

START_TEST(embedded_schema_is_the_xsd_file)
{
    FILE *f;
    char *file;
    size_t len, n;
    const char *xsd = sp_job_xsd(&len);

    SP_SKIP_IF(!have_top, "not run from the repository root and SPETL_TOP is not set");
    f = fopen("jobs/spetl-job.xsd", "rb");
    ck_assert_ptr_nonnull(f);
    file = malloc(len + 2);
    n = fread(file, 1, len + 1, f);
    fclose(f);
    ck_assert_uint_eq(n, len);
    ck_assert_int_eq(memcmp(file, xsd, len), 0);
    ck_assert_int_eq(xsd[len], '\0');
    free(file);
}
END_TEST

START_TEST(skip_secrets_reads_no_token)
{
    sp_job_load_opts o = {collect, NULL, 1, 0};
    lines l;
    sp_job *job;
    sp_err e;
    const char *text = "<job xmlns=\"urn:spetl:job:1\" name=\"t\"><hubspot><token env=\"SPETL_TEST_UNSET_TOKEN\"/>"
                       "</hubspot><database connection=\"DSN=x;\"/><components/></job>";

    memset(&l, 0, sizeof(l));
    o.diag_ctx = &l;
    ck_assert_int_eq(sp_job_load_text("m.xml", text, strlen(text), &o, &job, &e), 0);
    ck_assert_ptr_null(sp_job_token(job));
    ck_assert_int_eq(sp_job_enabled_components(job, NULL, 0), 0);
    sp_job_free(job);
}
END_TEST

/* ---- spetl validate --------------------------------------------------------------------- */

/* Run bin/spetl with args; capture stdout and stderr; return the exit status. */
static int run_spetl(const char *args, char *out, size_t outn, char *err, size_t errn)
{
    const char *bin = getenv("SPETL_BIN");
    char cmd[1024], op[300], ep[300];
    FILE *f;
    size_t n;
    int st;

    snprintf(op, sizeof(op), "%s/out.txt", tmpdir);
    snprintf(ep, sizeof(ep), "%s/err.txt", tmpdir);
    snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s'", bin, args, op, ep);
    st = system(cmd);
    f = fopen(op, "r");
    n = f ? fread(out, 1, outn - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    f = fopen(ep, "r");
    n = f ? fread(err, 1, errn - 1, f) : 0;
    err[n] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(validate_command)
{
    char out[4096], err[8192];

    SP_SKIP_IF(!have_top || getenv("SPETL_BIN") == NULL || access(getenv("SPETL_BIN"), X_OK) != 0,
               "SPETL_BIN is not set (run it under make test)");
    ck_assert_int_eq(run_spetl("validate jobs/demo.xml", out, sizeof(out), err, sizeof(err)), 0);
    ck_assert_str_eq(out, "jobs/demo.xml: ok (6 components enabled: company-link, company-customer-import, "
                          "customer-export, "
                          "customer-updates-export, product-export, deal-export)\n");
    ck_assert_str_eq(err, "");

    ck_assert_int_eq(run_spetl("validate tests/jobs/bad/24-many-errors.xml", out, sizeof(out), err, sizeof(err)), 2);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, "tests/jobs/bad/24-many-errors.xml:4:12: base-url=\"ftp://api.hubapi.com\" "
                                      "must start with https://"));
    ck_assert_ptr_nonnull(strstr(err, "tests/jobs/bad/24-many-errors.xml:16:58: address-mapping="));
    ck_assert_ptr_nonnull(strstr(err, "msg=\"tests/jobs/bad/24-many-errors.xml: 6 errors\""));

    ck_assert_int_eq(run_spetl("validate jobs/nonexistent.xml", out, sizeof(out), err, sizeof(err)), 2);
    ck_assert_ptr_nonnull(strstr(err, "cannot read job file jobs/nonexistent.xml: No such file or directory"));
}
END_TEST

static Suite *job_suite(void)
{
    Suite *s = suite_create("job");
    TCase *bad = tcase_create("bad jobs");
    TCase *good = tcase_create("good jobs");

    tcase_add_unchecked_fixture(bad, setup_once, teardown_once);
    tcase_add_loop_test(bad, bad_job_gives_exact_lines, 0, NBAD);
    tcase_add_test(bad, every_bad_fixture_is_in_the_table);
    tcase_add_test(bad, libxml2_prints_nothing_itself);
    tcase_add_test(bad, external_entity_file_is_never_read);
    tcase_add_test(bad, token_file_unreadable);
    tcase_add_test(bad, smtp_password_in_a_bad_url_never_prints);
    tcase_add_test(bad, min_date_offset_is_read_for_the_imports);
    tcase_add_test(bad, variables_must_be_utf8_text);
    tcase_add_test(bad, missing_job_file);
    suite_add_tcase(s, bad);

    tcase_add_unchecked_fixture(good, setup_once, teardown_once);
    tcase_add_loop_test(good, shipped_jobs_validate, 0, (int)(sizeof(good_jobs) / sizeof(good_jobs[0])));
    tcase_add_test(good, demo_job_model);
    tcase_add_test(good, defaults_are_applied);
    tcase_add_test(good, variables_are_replaced_before_the_schema);
    tcase_add_test(good, components_come_in_run_order);
    tcase_add_test(good, full_example_model);
    tcase_add_test(good, positions_point_at_the_source);
    tcase_add_test(good, relative_paths_follow_the_job_file);
    tcase_add_test(good, catalogue_has_gp_columns);
    tcase_add_test(good, embedded_schema_is_the_xsd_file);
    tcase_add_test(good, skip_secrets_reads_no_token);
    tcase_add_test(good, validate_only_needs_no_secrets);
    tcase_add_test(good, validate_command);
    suite_add_tcase(s, good);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(job_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
