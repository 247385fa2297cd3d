/* check_link.c -- company-link end to end: bin/spetl against the HubSpot
 * simulator and a GP company of our own (space-padded CHAR values, non-ASCII
 * names, contacts without e-mail), on SQLite and on PostgreSQL: which company
 * is linked to which customer or prospect and which contact to which
 * address, the ambiguity, the already-linked GP record, the unmatched
 * company (log-unmatched), the contacts' fallback, already linked companies
 * skipped, a dry run that writes nothing, and that the component writes
 * nothing but links (zero HubSpot writes, GP tables unchanged, a rerun links
 * nothing new). */
#include <check.h>
#include <jansson.h>
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
#include "spetl/mem.h"
#include "spetl/state.h"

static char tmpdir[512];
static char out[1 << 20], err[1 << 20];

typedef sp_e2e env;

static void write_job(env *x)
{
    char text[8192];
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"link-test\">\n"
             "  <hubspot base-url=\"%s\" page-size=\"3\" connect-timeout-seconds=\"2\" retry-budget-seconds=\"10\">\n"
             "    <token env=\"HUBSPOT_TOKEN\"/>\n"
             "  </hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "  <matching>\n"
             "    <rule-set id=\"cm\" entity=\"customer\">\n"
             "      <rule name=\"by name\"><compare property=\"name\" column=\"CUSTNAME\" how=\"ci\"/></rule>\n"
             "      <rule name=\"by phone\"><compare property=\"phone\" column=\"PHONE1\" how=\"digits\"/></rule>\n"
             "      <rule name=\"cut name\"><compare property=\"name\" column=\"CUSTNAME\" how=\"prefix\"/></rule>\n"
             "      <rule name=\"by domain\"><compare property=\"domain\" column=\"INET1\" how=\"email-domain-vs-website\"/></rule>\n"
             "    </rule-set>\n"
             "    <rule-set id=\"am\" entity=\"customer-address\">\n"
             "      <rule name=\"by e-mail\"><compare property=\"email\" column=\"INET1\" how=\"ci\"/></rule>\n"
             "    </rule-set>\n"
             "    <rule-set id=\"pm\" entity=\"prospect\">\n"
             "      <rule name=\"by name\"><compare property=\"name\" column=\"CUSTNAME\" how=\"exact\"/></rule>\n"
             "    </rule-set>\n"
             "    <rule-set id=\"pcm\" entity=\"prospect-contact\">\n"
             "      <rule name=\"by e-mail\"><compare property=\"email\" column=\"Email\" how=\"ci\"/></rule>\n"
             "    </rule-set>\n"
             "  </matching>\n"
             "  <components>\n"
             "    <company-link customer-matching=\"cm\" customer-address-matching=\"am\" prospect-matching=\"pm\"\n"
             "                  prospect-contact-matching=\"pcm\" log-unmatched=\"true\" trace=\"true\"/>\n"
             "  </components>\n"
             "</job>\n",
             sp_sim_base_url(x->sim), x->conn);
    sp_e2e_write_job(x, "link", text);
}

/* GP rows padded as GP stores CHAR values (on SQLite the padding is data). */
static void seed_gp(env *x)
{
    static const char *const sql[] = {
        "DELETE FROM RM00101", "DELETE FROM RM00102", "DELETE FROM SY01200", "DELETE FROM SOP00200",
        "DELETE FROM spProspectContact",
        "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME, PHONE1, ADRSCODE) VALUES "
        "('AARONFIT0001   ', 'Aaron Fitz Electrical                                            ', '', 'PRIMARY        '),"
        "('ACME0001       ', 'Acme                                                             ', '', 'PRIMARY        '),"
        "('ACME0002       ', 'ACME                                                             ', '', 'PRIMARY        '),"
        "('CAFE0001       ', 'Café Müller                                                    ', '', 'PRIMARY        '),"
        "('FALLBK0001     ', 'Fallback Holdings                                                ', '', 'PRIMARY        '),"
        "('PHONE0001      ', 'Phone Only Inc                                                   ', '31255501990000       ', 'PRIMARY        '),"
        "('TAKEN0001      ', 'Taken Inc                                                        ', '', 'PRIMARY        '),"
        "('LONG0001       ', 'Longname Industrial Supply Co                                    ', '', 'PRIMARY        '),"
        "('DOMAIN0001     ', 'Dee Cee Holdings                                                 ', '', 'PRIMARY        ')",
        "INSERT INTO RM00102 (CUSTNMBR, ADRSCODE, CNTCPRSN) VALUES "
        "('AARONFIT0001   ', 'PRIMARY        ', 'Aaron Fitz'), ('AARONFIT0001   ', 'BILLING        ', 'Jo Fitz'),"
        "('FALLBK0001     ', 'PRIMARY        ', 'Bob Fall'), ('ACME0001       ', 'PRIMARY        ', 'Al'),"
        "('AARONFIT0001   ', 'SHIP1          ', 'Dock'), ('AARONFIT0001   ', 'SHIP2          ', 'Dock 2'),"
        "('DOMAIN0001     ', 'PRIMARY        ', 'Dee')",
        "INSERT INTO SY01200 (Master_Type, Master_ID, ADRSCODE, INET1) VALUES "
        "('CUS', 'AARONFIT0001                   ', 'PRIMARY        ', 'aaron@aaronfitz.com'),"
        "('CUS', 'AARONFIT0001                   ', 'BILLING        ', 'Jo@AaronFitz.com'),"
        "('CUS', 'FALLBK0001                     ', 'PRIMARY        ', 'bob@fallback.example'),"
        "('CUS', 'AARONFIT0001                   ', 'SHIP1          ', 'dock@aaronfitz.com'),"
        "('CUS', 'AARONFIT0001                   ', 'SHIP2          ', 'DOCK@aaronfitz.com'),"
        "('CUS', 'DOMAIN0001                     ', 'PRIMARY        ', 'sales@deecee.example')",
        "INSERT INTO SOP00200 (PROSPID, CUSTNAME) VALUES "
        "('PROS0001       ', 'Zeta Prospects                                                   ')",
        "INSERT INTO spProspectContact (PROSPID, Contact_ID, Contact_Name, Email) VALUES "
        "('PROS0001       ', 'PRIMARY', 'Zed', 'zed@zeta.example')",
    };
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        sp_e2e_exec(x, sql[i]);
}

enum { AARON, ACME, CAFE, FALLBACK, TAKEN, NOBODY, ZETA, PHONE, LINKED, LONGN, DOMAIN, NCOMP };
enum { K_AARON, K_JO, K_NOMAIL, K_BOB, K_ZED, K_DOCK, NCONT };

static char comp[NCOMP][32], cont[NCONT][32];

static void seed_hubspot(env *x)
{
    char recs[4096];
    sp_e2e_seed(x, "contacts",
             "{\"properties\":{\"email\":\"aaron@aaronfitz.com\"}},{\"properties\":{\"email\":\"jo@aaronfitz.com\"}},"
             "{\"properties\":{\"firstname\":\"No Mail\"}},{\"properties\":{\"email\":\"bob@fallback.example\"}},"
             "{\"properties\":{\"email\":\"zed@zeta.example\"}},{\"properties\":{\"email\":\"dock@aaronfitz.com\"}}",
             cont, NCONT);
    snprintf(recs, sizeof(recs),
             "{\"properties\":{\"name\":\"Aaron Fitz Electrical\"},\"associations\":["
             "{\"to_object\":\"contacts\",\"to_id\":\"%s\"},{\"to_object\":\"contacts\",\"to_id\":\"%s\"},"
             "{\"to_object\":\"contacts\",\"to_id\":\"%s\"},{\"to_object\":\"contacts\",\"to_id\":\"%s\"}]},"
             "{\"properties\":{\"name\":\"acme\"}},"
             "{\"properties\":{\"name\":\"café  müller\"}},"
             "{\"properties\":{\"name\":\"Fallback Co\"},\"associations\":[{\"to_object\":\"contacts\",\"to_id\":\"%s\"}]},"
             "{\"properties\":{\"name\":\"Taken Inc\"}},"
             "{\"properties\":{\"name\":\"Nobody Ltd\"}},"
             "{\"properties\":{\"name\":\"Zeta Prospects\"},\"associations\":[{\"to_object\":\"contacts\",\"to_id\":\"%s\"}]},"
             "{\"properties\":{\"name\":\"Fone Only\",\"phone\":\"+1 (312) 555-0199\"}},"
             "{\"properties\":{\"name\":\"Linked Before\"}},"
             "{\"properties\":{\"name\":\"Longname Industrial Supply Company of the Midwest\"}},"
             "{\"properties\":{\"name\":\"DC Corp\",\"domain\":\"https://www.DeeCee.example/about\"}}",
             cont[K_AARON], cont[K_JO], cont[K_NOMAIL], cont[K_DOCK], cont[K_BOB], cont[K_ZED]);
    sp_e2e_seed(x, "companies", recs, comp, NCOMP);
}

static int env_start(env *x, int target, const char *tag)
{
    if (!sp_e2e_start(x, target, tag, "--customers 1 --items 1", NULL, "HUBSPOT_TOKEN=pat-na1-link-test"))
        return 0;
    write_job(x);
    sp_e2e_ready(x, 0);
    seed_gp(x);
    seed_hubspot(x);
    return 1;
}

/* Every GP row the test wrote, as text (with DEX_ROW_TS, which triggers move on update). */
static char *gp_dump(env *x)
{
    static const char *const q[] = {
        "SELECT CUSTNMBR, CUSTNAME, PHONE1, ADRSCODE, DEX_ROW_TS FROM RM00101 ORDER BY CUSTNMBR",
        "SELECT CUSTNMBR, ADRSCODE, CNTCPRSN, DEX_ROW_TS FROM RM00102 ORDER BY CUSTNMBR, ADRSCODE",
        "SELECT Master_ID, ADRSCODE, INET1, DEX_ROW_TS FROM SY01200 ORDER BY Master_ID, ADRSCODE",
        "SELECT PROSPID, CUSTNAME, MODIFDT FROM SOP00200 ORDER BY PROSPID",
        "SELECT PROSPID, Contact_ID, Email, DEX_ROW_TS FROM spProspectContact ORDER BY PROSPID, Contact_ID",
    };
    size_t cap = 1 << 16, len = 0;
    char *s = calloc(1, cap);
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        sp_stmt *st = NULL;
        sp_err e;
        ck_assert_msg(sp_stmt_prepare(x->db, q[i], &st, &e) == 0 && sp_stmt_exec(st, NULL, &e) == 0, "%s", e.msg);
        while (sp_stmt_fetch(st, &e) == 1)
            for (int c = 0; c < sp_stmt_ncols(st); c++)
                len += (size_t)snprintf(s + len, cap - len, "%s%c", sp_stmt_text(st, c) ? sp_stmt_text(st, c) : "-",
                                        c + 1 < sp_stmt_ncols(st) ? '|' : '\n');
        sp_stmt_free(st);
    }
    return s;
}

/* Requests that wrote to HubSpot (anything but GET and batch/read), and the list GETs of companies. */
static void sim_requests(env *x, long long *writes, long long *company_lists)
{
    json_t *j = sp_e2e_sim_json(x, "GET", "/_sim/stats", NULL), *v;
    const char *k;
    *writes = json_integer_value(json_object_get(j, "writes"));
    *company_lists = 0;
    json_object_foreach(json_object_get(j, "by_endpoint"), k, v) {
        if (strncmp(k, "GET ", 4) != 0 && strstr(k, "batch/read") == NULL)
            *writes += json_integer_value(v);
        if (strncmp(k, "GET ", 4) == 0 && strstr(k, "companies") != NULL && strstr(k, "{") == NULL &&
            strstr(k, "properties") == NULL)
            *company_lists += json_integer_value(v);
    }
    json_decref(j);
}

typedef struct rows {
    char text[8192];
    int n;
} rows;

static int row_fn(const sp_action *a, void *ud)
{
    rows *r = ud;
    size_t len = strlen(r->text);
    snprintf(r->text + len, sizeof(r->text) - len, "%s %s %s: %s\n", a->entity_type, a->entity_key, a->category,
             a->message);
    r->n++;
    return 0;
}

static void actions(env *x, rows *r)
{
    sp_err e;
    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(sp_action_list(x->db, x->hub, 100, row_fn, r, &e), 0);
}

START_TEST(links_companies_and_contacts_and_writes_nothing_else)
{
    env x;
    char *before, *after, want[256];
    long long writes, lists;
    rows r;
    int rc;

    SP_SKIP_IF(!env_start(&x, _i, _i == 0 ? "link_sqlite" : "link_pg"), "%s", sp_skip_why());
    sp_e2e_find_hub(&x);
    sp_e2e_put_link(&x, SP_LINK_CUSTOMER, "TAKEN0001", "companies", "999999");
    sp_e2e_put_link(&x, SP_LINK_CUSTOMER, "LINKED0001", "companies", comp[LINKED]);
    before = gp_dump(&x);

    /* a dry run prints what it would link and writes nothing */
    rc = sp_e2e_spetl(&x, "run", "--dry-run");
    ck_assert_msg(rc == 0 || rc == 1, "dry run exit %d: %.3000s", rc, err);
    snprintf(want, sizeof(want), "would link companies %s -> CUSTOMER AARONFIT0001", comp[AARON]);
    ck_assert_msg(strstr(out, want) != NULL, "no \"%s\" in:\n%.1500s\n%.3000s", want, out, err);
    snprintf(want, sizeof(want), "would report COMPANY %s: AMBIGUOUS", comp[ACME]);
    ck_assert_msg(strstr(out, want) != NULL, "no \"%s\" in:\n%.1500s", want, out);
    ck_assert_int_eq(sp_e2e_nlinks(&x), 2);
    actions(&x, &r);
    ck_assert_int_eq(r.n, 0);

    /* --key: the one company with that HubSpot id */
    snprintf(want, sizeof(want), "--key %s", comp[CAFE]);
    rc = sp_e2e_spetl(&x, "run", want);
    ck_assert_msg(rc == 0, "run --key exit %d: %.3000s", rc, err);
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[CAFE]), "CUSTOMER CAFE0001");
    ck_assert_int_eq(sp_e2e_nlinks(&x), 3);

    rc = sp_e2e_spetl(&x, "run", "");
    ck_assert_msg(rc == 1, "run exit %d (1: records failed): %.1500s%.3000s", rc, out, err);
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[AARON]), "CUSTOMER AARONFIT0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", cont[K_AARON]), "CUSTOMER_ADDRESS AARONFIT0001|PRIMARY");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", cont[K_JO]), "CUSTOMER_ADDRESS AARONFIT0001|BILLING");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", cont[K_NOMAIL]), "");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[CAFE]), "CUSTOMER CAFE0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[PHONE]), "CUSTOMER PHONE0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[FALLBACK]), "CUSTOMER FALLBK0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", cont[K_BOB]), "CUSTOMER_ADDRESS FALLBK0001|PRIMARY");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[ZETA]), "PROSPECT PROS0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", cont[K_ZED]), "PROSPECT_CONTACT PROS0001|PRIMARY");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[ACME]), "");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[TAKEN]), "");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[NOBODY]), "");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[LINKED]), "CUSTOMER LINKED0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[LONGN]), "CUSTOMER LONG0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "companies", comp[DOMAIN]), "CUSTOMER DOMAIN0001");
    ck_assert_str_eq(sp_e2e_link_of(&x, "contacts", cont[K_DOCK]), "");
    ck_assert_int_eq(sp_e2e_nlinks(&x), 2 + 11);

    actions(&x, &r);
    ck_assert_msg(r.n == 4, "%d rows:\n%s", r.n, r.text);
    snprintf(want, sizeof(want), "CONTACT %s AMBIGUOUS", cont[K_DOCK]);
    ck_assert_msg(strstr(r.text, want) && strstr(r.text, "AARONFIT0001|SHIP1, AARONFIT0001|SHIP2"), "%s", r.text);
    snprintf(want, sizeof(want), "COMPANY %s AMBIGUOUS", comp[ACME]);
    ck_assert_msg(strstr(r.text, want) && strstr(r.text, "ACME0001, ACME0002"), "%s", r.text);
    snprintf(want, sizeof(want), "COMPANY %s ALREADY_LINKED", comp[TAKEN]);
    ck_assert_msg(strstr(r.text, want) && strstr(r.text, "999999"), "%s", r.text);
    snprintf(want, sizeof(want), "COMPANY %s UNMATCHED", comp[NOBODY]);
    ck_assert_msg(strstr(r.text, want) != NULL, "%s", r.text);
    /* trace="true": every comparison is logged */
    ck_assert_msg(strstr(err, "trace: company") && strstr(err, "2 record(s) of customer hold") && strstr(err, "phone is empty"), "%.3000s", err);

    /* nothing but links: no HubSpot write, GP as it was */
    sim_requests(&x, &writes, &lists);
    ck_assert_int_eq(writes, 0);
    ck_assert_int_eq(lists, 2 * 4);   /* 11 companies, page-size 3: 4 pages, twice (dry run and run) */
    after = gp_dump(&x);
    ck_assert_str_eq(before, after);
    free(after);

    /* a rerun links nothing new */
    rc = sp_e2e_spetl(&x, "run", "");
    ck_assert_msg(rc == 1, "rerun exit %d: %.3000s", rc, err);
    ck_assert_int_eq(sp_e2e_nlinks(&x), 2 + 11);
    sim_requests(&x, &writes, &lists);
    ck_assert_int_eq(writes, 0);
    after = gp_dump(&x);
    ck_assert_str_eq(before, after);
    free(after);
    free(before);

    /* a property HubSpot does not have stops the component at its job line, before anything is read */
    {
        FILE *f = fopen(x.job, "r");
        char text[8192], *p;
        size_t len;
        ck_assert_ptr_nonnull(f);
        len = fread(text, 1, sizeof(text) - 1, f);
        text[len] = '\0';
        fclose(f);
        p = strstr(text, "property=\"phone\"");
        ck_assert_ptr_nonnull(p);
        memcpy(p, "property=\"phono\"", 16);
        f = fopen(x.job, "w");
        fputs(text, f);
        fclose(f);
    }
    rc = sp_e2e_spetl(&x, "run", "");
    ck_assert_msg(rc == 7, "exit %d (7: the component stopped): %.3000s", rc, strstr(err, "phono") ? strstr(err, "phono") - 200 : err);
    ck_assert_msg(strstr(err, ".xml:10:29: rule") && strstr(err, "HubSpot property phono, which companies do not have"), "%.3000s",
                  err);
    sp_e2e_stop(&x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("link");
    SRunner *sr;
    int failed;

    sp_e2e_use("link", tmpdir, sizeof(tmpdir), out, sizeof(out), err, sizeof(err));
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, links_companies_and_contacts_and_writes_nothing_else, 0, SP_DBTEST_COUNT);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
