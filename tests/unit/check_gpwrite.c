/* check_gpwrite.c -- the GP writer (etl/gpwrite, gp_write.h) on SQLite and
 * PostgreSQL: a customer and a prospect with three contacts, generated keys
 * (the first free number, a key taken before, a key taken at the same
 * moment by another insert, and giving up), GP's defaults for unmapped
 * columns, values checked against their columns (width, type), a failing
 * insert mid-company with rollback-on-error true (row counts unchanged after
 * the caller rolls back) and false (the company stays, the failing contact
 * is reported), non-ASCII names and contacts added to existing records. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../support/dbtest.h"
#include "../support/skip.h"
#include "../support/textdiff.h"
#include "spetl/clock.h"
#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/gp_write.h"
#include "spetl/job.h"
#include "spetl/schema.h"

static char g_msg[2048];

static const char *em(const sp_err *e)
{
    return sp_err_format(e, g_msg, sizeof(g_msg));
}

#define OK(call) ck_assert_msg((call) == 0, "%s: %s", #call, em(&e))

/* What the report callback saw. */
typedef struct reported {
    int n;
    char id[4][32];
    char msg[4][256];
} reported;

static void on_report(void *ud, const char *hubspot_id, const sp_err *err)
{
    reported *r = ud;
    if (r->n < 4) {
        snprintf(r->id[r->n], sizeof(r->id[0]), "%s", hubspot_id ? hubspot_id : "");
        snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", err->msg);
    }
    r->n++;
}

static sp_job_import settings(int rollback)
{
    sp_job_import im;
    memset(&im, 0, sizeof(im));
    im.rollback_on_error = rollback;
    im.key_generation.from_property = "name";
    im.key_generation.letters = 8;
    im.key_generation.digits = 4;
    im.contact_keys.first = "PRIMARY";
    im.contact_keys.prefix = "CONTACT";
    im.contact_keys.digits = 3;
    return im;
}

static sp_db *open_gp(int target, const char *tag)
{
    sp_db *db = NULL;
    sp_err e;
    int r = sp_dbtest_open(target, tag, &db, &e);
    if (r == 1)
        return NULL;
    ck_assert_msg(r == 0, "open %s: %s", sp_dbtest_name(target), em(&e));
    OK(sp_schema_create_gp(db, &e));
    OK(sp_schema_init(db, &e));
    return db;
}

#define OPEN_OR_SKIP(tag)                                                  \
    sp_err e;                                                              \
    sp_db *db = open_gp(_i, (tag));                                        \
    SP_SKIP_IF(db == NULL, "%s", sp_skip_why());                           \
    sp_err_clear(&e)

static void q_text(sp_db *db, const char *sql, char *out, size_t n)
{
    sp_stmt *st = NULL;
    sp_err e;
    OK(sp_stmt_prepare(db, sql, &st, &e));
    OK(sp_stmt_exec(st, NULL, &e));
    ck_assert_msg(sp_stmt_fetch(st, &e) == 1, "no row: %s", sql);
    snprintf(out, n, "%s", sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "(null)");
    sp_stmt_free(st);
}

static int64_t q_int(sp_db *db, const char *sql)
{
    char t[64];
    q_text(db, sql, t, sizeof(t));
    return strtoll(t, NULL, 10);
}

static int64_t q_time(sp_db *db, const char *sql)
{
    sp_stmt *st = NULL;
    sp_err e;
    int64_t ms = 0;
    OK(sp_stmt_prepare(db, sql, &st, &e));
    OK(sp_stmt_exec(st, NULL, &e));
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    OK(sp_stmt_time(st, 0, &ms, &e));
    sp_stmt_free(st);
    return ms;
}

static void counts(sp_db *db, int64_t out[3])
{
    out[0] = q_int(db, "SELECT COUNT(*) FROM RM00101");
    out[1] = q_int(db, "SELECT COUNT(*) FROM RM00102");
    out[2] = q_int(db, "SELECT COUNT(*) FROM SY01200");
}

/* Three contacts: the second has no e-mail (and, with fail, a name the
 * test's trigger refuses). */
static const sp_gpw_value CV1[] = {{"CNTCPRSN", "Ann Archer", {21, 9}}, {"PHONE1", "31255501020000", {22, 9}}};
static const sp_gpw_value CV2[] = {{"CNTCPRSN", "Bob Brown", {21, 9}}};
static const sp_gpw_value CV2F[] = {{"CNTCPRSN", "FAIL", {21, 9}}};
static const sp_gpw_value CV3[] = {{"CNTCPRSN", "Siobh\xc3\xa1n O'Malley", {21, 9}}};

static void three_contacts(sp_gpw_contact cs[3], int fail)
{
    cs[0] = (sp_gpw_contact){"c-1", "ann@acme.example", CV1, 2};
    cs[1] = (sp_gpw_contact){"c-2", NULL, fail ? CV2F : CV2, 1};
    cs[2] = (sp_gpw_contact){"c-3", "siobhan@acme.example", CV3, 1};
}

static const sp_gpw_value COMPANY[] = {
    {"CUSTNAME", "Acme Corp", {10, 7}},     {"PHONE1", "31255501000000", {11, 7}},
    {"CRLMTAMT", "1500.25", {12, 7}},       {"INACTIVE", "false", {13, 7}},
    {"USERDEF1", NULL, {14, 7}},            {"FRSTINDT", "2024-02-29", {15, 7}},
};

START_TEST(customer_with_three_contacts)
{
    OPEN_OR_SKIP("gpw_customer");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL;
    sp_gpw_contact cs[3];
    char key[SP_GPW_KEY], ck[3][SP_GPW_KEY], t[256];
    int64_t today = sp_clock_wall_ms() / 86400000 * 86400000;

    three_contacts(cs, 0);
    sp_gpw_company c = {"101", "Acme Corp", COMPANY, 6, cs, 3};
    OK(sp_gpw_open(db, SP_GPW_CUSTOMER, &im, NULL, NULL, &w, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_gpw_insert_company(w, &c, key, ck, &e));
    OK(sp_db_commit(db, &e));
    ck_assert_str_eq(key, "ACMECORP0001");
    ck_assert_str_eq(ck[0], "PRIMARY");
    ck_assert_str_eq(ck[1], "CONTACT001");
    ck_assert_str_eq(ck[2], "CONTACT002");
    q_text(db, "SELECT CUSTNAME FROM RM00101 WHERE CUSTNMBR = 'ACMECORP0001'", t, sizeof(t));
    ck_assert_str_eq(t, "Acme Corp");
    /* the address codes point at the first contact */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE ADRSCODE = 'PRIMARY' AND PRBTADCD = 'PRIMARY' "
                               "AND PRSTADCD = 'PRIMARY' AND STADDRCD = 'PRIMARY'"), 1);
    /* mapped values converted; unmapped ones GP's defaults; dates of today */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE CRLMTAMT = 1500.25 AND INACTIVE = 0 AND "
                               "CUSTCLAS = '' AND USERDEF1 = '' AND HOLD = 0 AND RMARACC = 0"), 1);
    ck_assert_int_eq(q_time(db, "SELECT FRSTINDT FROM RM00101"), sp_days_from_civil(2024, 2, 29) * 86400000);
    ck_assert_int_eq(q_time(db, "SELECT CCRDXPDT FROM RM00101"), sp_days_from_civil(1900, 1, 1) * 86400000);
    ck_assert_int_eq(q_time(db, "SELECT CREATDDT FROM RM00101"), today);
    /* three addresses, the e-mails of two in SY01200 */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00102 WHERE CUSTNMBR = 'ACMECORP0001'"), 3);
    q_text(db, "SELECT CNTCPRSN FROM RM00102 WHERE ADRSCODE = 'CONTACT002'", t, sizeof(t));
    ck_assert_str_eq(t, "Siobh\xc3\xa1n O'Malley");
    q_text(db, "SELECT PHONE1 FROM RM00102 WHERE ADRSCODE = 'PRIMARY'", t, sizeof(t));
    ck_assert_str_eq(t, "31255501020000");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200"), 2);
    q_text(db, "SELECT INET1 FROM SY01200 WHERE Master_Type = 'CUS' AND Master_ID = 'ACMECORP0001' AND "
               "ADRSCODE = 'PRIMARY'", t, sizeof(t));
    ck_assert_str_eq(t, "ann@acme.example");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200 WHERE ADRSCODE = 'CONTACT001'"), 0);
    q_text(db, "SELECT INET1 FROM SY01200 WHERE ADRSCODE = 'CONTACT002'", t, sizeof(t));
    ck_assert_str_eq(t, "siobhan@acme.example");
    /* the next company of the same name takes the next number */
    OK(sp_db_begin(db, &e));
    c.hubspot_id = "102";
    OK(sp_gpw_insert_company(w, &c, key, ck, &e));
    OK(sp_db_commit(db, &e));
    ck_assert_str_eq(key, "ACMECORP0002");
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

/* A GP user saves key (column col of table) at the moment another insert
 * of it runs: a trigger inserts it first, so that insert is a duplicate. */
static void gp_user_saves(sp_db *db, const char *table, const char *col, const char *key)
{
    char sql[1024];
    sp_err e;

    if (sp_db_dialect(db) == SP_DIALECT_SQLITE) {
        snprintf(sql, sizeof(sql), "CREATE TRIGGER race BEFORE INSERT ON %s WHEN NEW.%s = '%s' BEGIN INSERT INTO %s "
                 "(%s, CUSTNAME) VALUES (NEW.%s, 'a GP user'); END", table, col, key, table, col, col);
        OK(sp_db_exec(db, sql, NULL, &e));
        return;
    }
    snprintf(sql, sizeof(sql), "CREATE FUNCTION race() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF "
             "pg_trigger_depth() = 1 AND NEW.%s = '%s' THEN INSERT INTO %s (%s, CUSTNAME) VALUES (NEW.%s, "
             "'a GP user'); END IF; RETURN NEW; END $$", col, key, table, col, col);
    OK(sp_db_exec(db, sql, NULL, &e));
    snprintf(sql, sizeof(sql), "CREATE TRIGGER race BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION race()", table);
    OK(sp_db_exec(db, sql, NULL, &e));
}

/* Many companies at once (an import page's optimistic path): the same rows
 * as one by one -- two of the same name take consecutive numbers past one
 * already taken, the address codes, SY01200 -- in multi-row INSERTs; a key a
 * GP user takes at the same moment (the trigger) fails the call, for the
 * caller to roll back and go one by one. */
START_TEST(many_companies_at_once)
{
    OPEN_OR_SKIP("gpw_many");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL;
    sp_gpw_contact cs[3];
    sp_gpw_company c[3];
    char keys[3][SP_GPW_KEY], ck[7][SP_GPW_KEY], t[256];
    sp_err e2;

    three_contacts(cs, 0);
    c[0] = (sp_gpw_company){"201", "Acme Corp", COMPANY, 6, cs, 3};
    c[1] = (sp_gpw_company){"202", "Other Co", COMPANY + 1, 1, NULL, 0};
    c[2] = (sp_gpw_company){"203", "Acme Corp", COMPANY, 6, cs, 3};
    OK(sp_db_exec(db, "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES ('ACMECORP0001', 'first')", NULL, &e));
    OK(sp_gpw_open(db, SP_GPW_CUSTOMER, &im, NULL, NULL, &w, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_gpw_insert_many(w, c, 3, keys, ck, &e));
    OK(sp_db_commit(db, &e));
    ck_assert_str_eq(keys[0], "ACMECORP0002");
    ck_assert_str_eq(keys[1], "OTHERCO0001");
    ck_assert_str_eq(keys[2], "ACMECORP0003");
    ck_assert_str_eq(ck[0], "PRIMARY");
    ck_assert_str_eq(ck[2], "CONTACT002");
    ck_assert_str_eq(ck[5], "CONTACT002");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101"), 4);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE ADRSCODE = 'PRIMARY' AND PRBTADCD = 'PRIMARY' "
                               "AND CRLMTAMT = 1500.25 AND INACTIVE = 0 AND CUSTCLAS = ''"), 2);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE CUSTNMBR = 'OTHERCO0001' AND ADRSCODE = ''"), 1);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00102"), 6);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200"), 4);
    q_text(db, "SELECT CNTCPRSN FROM RM00102 WHERE CUSTNMBR = 'ACMECORP0003' AND ADRSCODE = 'CONTACT002'", t, sizeof(t));
    ck_assert_str_eq(t, "Siobh\xc3\xa1n O'Malley");
    q_text(db, "SELECT INET1 FROM SY01200 WHERE Master_ID = 'ACMECORP0002' AND ADRSCODE = 'PRIMARY'", t, sizeof(t));
    ck_assert_str_eq(t, "ann@acme.example");
    /* a GP user saves ACMECORP0004 at the moment of the batch's insert */
    gp_user_saves(db, "RM00101", "CUSTNMBR", "ACMECORP0004");
    OK(sp_db_begin(db, &e));
    ck_assert_int_eq(sp_gpw_insert_many(w, c, 1, keys, ck, &e2), -1);
    ck_assert_msg(sp_err_is_unique_violation(&e2), "%s", em(&e2));
    OK(sp_db_rollback(db, &e));
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101"), 4);
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

/* A prospect's values and its first contact's. */
static const sp_gpw_value pv[] = {{"CUSTNAME", "Caf\xc3\xa9 M\xc3\xbcller GmbH", {30, 7}}, {"CITY", "K\xc3\xb6ln", {31, 7}}};
static const sp_gpw_value kv[] = {{"Contact_Name", "Zo\xc3\xab Dubois", {40, 7}}, {"Title", "CFO", {41, 7}}};

START_TEST(prospect_with_three_contacts)
{
    OPEN_OR_SKIP("gpw_prospect");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL;
    sp_gpw_contact cs[3] = {{"p-1", "zoe@cafe.example", kv, 2}, {"p-2", "", NULL, 0}, {"p-3", "x@cafe.example", NULL, 0}};
    sp_gpw_company c = {"201", "Caf\xc3\xa9 M\xc3\xbcller GmbH", pv, 2, cs, 3};
    char key[SP_GPW_KEY], ck[3][SP_GPW_KEY], t[256];

    OK(sp_gpw_open(db, SP_GPW_PROSPECT, &im, NULL, NULL, &w, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_gpw_insert_company(w, &c, key, ck, &e));
    OK(sp_db_commit(db, &e));
    /* non-ASCII letters are dropped from the key, kept in the values */
    ck_assert_str_eq(key, "CAFMLLER0001");
    q_text(db, "SELECT CUSTNAME FROM SOP00200", t, sizeof(t));
    ck_assert_str_eq(t, "Caf\xc3\xa9 M\xc3\xbcller GmbH");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM spProspectContact WHERE PROSPID = 'CAFMLLER0001'"), 3);
    ck_assert_str_eq(ck[0], "PRIMARY");
    ck_assert_str_eq(ck[2], "CONTACT002");
    q_text(db, "SELECT Contact_Name FROM spProspectContact WHERE Contact_ID = 'PRIMARY'", t, sizeof(t));
    ck_assert_str_eq(t, "Zo\xc3\xab Dubois");
    q_text(db, "SELECT Email FROM spProspectContact WHERE Contact_ID = 'PRIMARY'", t, sizeof(t));
    ck_assert_str_eq(t, "zoe@cafe.example");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM spProspectContact WHERE Is_Primary = 1"), 1);
    ck_assert_int_eq(q_int(db, "SELECT Is_Primary FROM spProspectContact WHERE Contact_ID = 'PRIMARY'"), 1);
    q_text(db, "SELECT Email FROM spProspectContact WHERE Contact_ID = 'CONTACT001'", t, sizeof(t));
    ck_assert_str_eq(t, "");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101"), 0);
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

/* The rows of the prospect tables as text (every column but the row id and
 * stamp the database sets), in key order. */
static void prospect_rows(sp_db *db, char *out, size_t n)
{
    static const char *const sql[] = {
        "SELECT * FROM SOP00200 ORDER BY PROSPID",
        "SELECT * FROM spProspectContact ORDER BY PROSPID, Contact_ID",
    };
    size_t len = 0;
    sp_err e;

    out[0] = '\0';
    for (size_t q = 0; q < 2; q++) {
        sp_stmt *st = NULL;
        OK(sp_stmt_prepare(db, sql[q], &st, &e));
        OK(sp_stmt_exec(st, NULL, &e));
        while (sp_stmt_fetch(st, &e) == 1) {
            for (int c = 0; c < sp_stmt_ncols(st); c++) {
                const char *name = sp_stmt_col_name(st, c), *v = sp_stmt_text(st, c);
                if (strncasecmp(name, "DEX_ROW_", 8) != 0)
                    len += (size_t)snprintf(out + len, n - len, "%s=%s|", name, v ? v : "(null)");
                ck_assert_uint_lt(len, n);
            }
            len += (size_t)snprintf(out + len, n - len, "\n");
        }
        sp_stmt_free(st);
    }
}

/* Many prospects at once write exactly what one by one writes (keys past a
 * customer's and a prospect's, two of one prefix, contact keys, Is_Primary,
 * Email, dates); a value that does not fit and a key a GP user takes at the
 * same moment fail the call, for the caller to undo and go one by one. */
START_TEST(many_prospects_at_once_as_one_by_one)
{
    OPEN_OR_SKIP("gpw_many_pros");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL;
    static const sp_gpw_value pv2[] = {{"CUSTNAME", "Cafe Mueller Two", {30, 7}}, {"PHONE1", "4922155501", {32, 7}}};
    static const sp_gpw_value plong[] = {{"CUSTNAME", "Cafe Long", {30, 7}},
                                         {"CITY", "A city name far longer than thirty-five characters", {31, 7}}};
    static const sp_gpw_value ke[] = {{"Email", "mapped@cafe.example", {42, 7}}};
    sp_gpw_contact cs[3] = {{"p-1", "zoe@cafe.example", kv, 2}, {"p-2", "", NULL, 0}, {"p-3", "x@cafe.example", ke, 1}};
    sp_gpw_company c[3] = {{"301", "Caf\xc3\xa9 M\xc3\xbcller GmbH", pv, 2, cs, 3},
                           {"302", "Other Prospect", NULL, 0, NULL, 0},
                           {"303", "Cafe Mueller Two", pv2, 2, cs + 1, 2}};
    sp_gpw_company bad = {"304", "Cafe Long", plong, 2, cs, 1};
    char keys[3][SP_GPW_KEY], ck[5][SP_GPW_KEY], one[3][SP_GPW_KEY], onek[5][SP_GPW_KEY];
    static char rows1[8192], rows2[8192];
    sp_err e2;

    OK(sp_db_exec(db, "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES ('CAFMLLER0001', 'a customer')", NULL, &e));
    OK(sp_db_exec(db, "INSERT INTO SOP00200 (PROSPID, CUSTNAME) VALUES ('CAFMLLER0002', 'a prospect')", NULL, &e));
    OK(sp_gpw_open(db, SP_GPW_PROSPECT, &im, NULL, NULL, &w, &e));
    OK(sp_db_begin(db, &e));   /* one by one, then undone */
    for (size_t i = 0, at = 0; i < 3; at += c[i++].ncontacts)
        OK(sp_gpw_insert_company(w, &c[i], one[i], onek + at, &e));
    prospect_rows(db, rows1, sizeof(rows1));
    OK(sp_db_rollback(db, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_gpw_insert_many(w, c, 3, keys, ck, &e));
    prospect_rows(db, rows2, sizeof(rows2));
    OK(sp_db_commit(db, &e));
    ck_assert_msg(strcmp(rows2, rows1) == 0, "at once %s", sp_test_first_diff(rows2, rows1));
    ck_assert_str_eq(keys[0], "CAFMLLER0003");
    ck_assert_str_eq(keys[2], "CAFEMUEL0001");
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(keys[i], one[i]);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(ck[i], onek[i]);
    ck_assert_str_eq(ck[3], "PRIMARY");   /* the third company's first contact */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM spProspectContact WHERE Is_Primary = 1"), 2);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM spProspectContact WHERE Email = 'mapped@cafe.example'"), 2);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP00200"), 4);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101"), 1);
    /* a value longer than its column */
    OK(sp_db_begin(db, &e));
    ck_assert_int_eq(sp_gpw_insert_many(w, &bad, 1, keys, ck, &e2), -1);
    ck_assert_msg(e2.code == SP_EDATA && strstr(e2.msg, "SOP00200.CITY is char(35)") && strstr(e2.msg, "304"), "%s",
                  em(&e2));
    OK(sp_db_rollback(db, &e));
    /* a GP user saves OTHERPRO0002 at the moment of the batch's insert */
    gp_user_saves(db, "SOP00200", "PROSPID", "OTHERPRO0002");
    OK(sp_db_begin(db, &e));
    ck_assert_int_eq(sp_gpw_insert_many(w, &c[1], 1, keys, ck, &e2), -1);
    ck_assert_msg(sp_err_is_unique_violation(&e2), "%s", em(&e2));
    OK(sp_db_rollback(db, &e));
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP00200"), 4);
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

/* A customer key taken before (the read sees it), a prospect key (customers
 * and prospects share the numbers), and one taken at the same moment: the
 * trigger inserts ACMECORP0003 just before the writer's own insert of it,
 * as a GP user saving that key at that instant would. */
START_TEST(key_collision_takes_the_next_number)
{
    OPEN_OR_SKIP("gpw_keys");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL;
    sp_gpw_company c = {"301", "Acme Corp", COMPANY, 1, NULL, 0};
    char key[SP_GPW_KEY], t[64];
    sp_err e2;

    OK(sp_db_exec(db, "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES ('ACMECORP0001', 'first')", NULL, &e));
    OK(sp_db_exec(db, "INSERT INTO SOP00200 (PROSPID, CUSTNAME) VALUES ('ACMECORP0002', 'prospect')", NULL, &e));
    if (sp_db_dialect(db) == SP_DIALECT_SQLITE) {
        OK(sp_db_exec(db, "CREATE TRIGGER race BEFORE INSERT ON RM00101 WHEN NEW.CUSTNMBR IN ('ACMECORP0003') "
                          "OR NEW.CUSTNMBR LIKE 'BUSYBEE%' BEGIN INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) "
                          "VALUES (NEW.CUSTNMBR, 'a GP user'); END", NULL, &e));
    } else {
        OK(sp_db_exec(db, "CREATE FUNCTION race() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                          "IF pg_trigger_depth() = 1 AND (NEW.CUSTNMBR = 'ACMECORP0003' OR NEW.CUSTNMBR LIKE "
                          "'BUSYBEE%') THEN INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES (NEW.CUSTNMBR, "
                          "'a GP user'); END IF; RETURN NEW; END $$", NULL, &e));
        OK(sp_db_exec(db, "CREATE TRIGGER race BEFORE INSERT ON RM00101 FOR EACH ROW EXECUTE FUNCTION race()",
                      NULL, &e));
    }
    OK(sp_gpw_open(db, SP_GPW_CUSTOMER, &im, NULL, NULL, &w, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_gpw_insert_company(w, &c, key, NULL, &e));
    OK(sp_db_commit(db, &e));
    ck_assert_str_eq(key, "ACMECORP0004");
    q_text(db, "SELECT CUSTNAME FROM RM00101 WHERE CUSTNMBR = 'ACMECORP0004'", t, sizeof(t));
    ck_assert_str_eq(t, "Acme Corp");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101"), 2);
    /* every number taken at the moment of its insert: a bounded number of tries */
    c.key_source = "Busy Bee";
    c.hubspot_id = "302";
    OK(sp_db_begin(db, &e));
    ck_assert_int_eq(sp_gpw_insert_company(w, &c, key, NULL, &e2), -1);
    OK(sp_db_rollback(db, &e));
    ck_assert_msg(strstr(e2.msg, "no key after 10 tries") != NULL && strstr(e2.msg, "302") != NULL, "%s", em(&e2));
    ck_assert_str_eq(e2.key, "302");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101"), 2);
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

START_TEST(values_that_do_not_fit_are_refused_by_column)
{
    OPEN_OR_SKIP("gpw_values");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL;
    char name[80], key[SP_GPW_KEY];
    sp_err e2;

    OK(sp_gpw_open(db, SP_GPW_CUSTOMER, &im, NULL, NULL, &w, &e));
    sp_gpw_set_job_path(w, "jobs/import.xml");
    memset(name, 'x', 70);
    name[70] = '\0';
    {
        sp_gpw_value v[] = {{"CUSTNAME", name, {44, 13}}};
        sp_gpw_company c = {"401", "Long", v, 1, NULL, 0};
        OK(sp_db_begin(db, &e));
        ck_assert_int_eq(sp_gpw_insert_company(w, &c, key, NULL, &e2), -1);
        OK(sp_db_rollback(db, &e));
        ck_assert_int_eq(e2.code, SP_EDATA);
        ck_assert_msg(strstr(e2.msg, "RM00101.CUSTNAME is char(65)") != NULL && strstr(e2.msg, "70 characters") &&
                      strstr(e2.msg, "401") != NULL, "%s", em(&e2));
        ck_assert_str_eq(e2.file, "jobs/import.xml");
        ck_assert_int_eq(e2.line, 44);
        ck_assert_str_eq(e2.key, "401");
    }
    {
        /* 65 characters, 130 bytes: fits (characters are counted, not bytes) */
        char wide[140] = "";
        for (int i = 0; i < 65; i++)
            strcat(wide, "\xc3\xa9");
        sp_gpw_value v[] = {{"CUSTNAME", wide, {44, 13}}};
        sp_gpw_company c = {"402", "Wide", v, 1, NULL, 0};
        OK(sp_db_begin(db, &e));
        OK(sp_gpw_insert_company(w, &c, key, NULL, &e));
        OK(sp_db_commit(db, &e));
        ck_assert_str_eq(key, "WIDE0001");
    }
    {
        static const sp_gpw_value bad[][1] = {{{"CRLMTAMT", "lots", {50, 3}}}, {{"HOLD", "300", {51, 3}}},
                                              {{"FRSTINDT", "2026-02-30", {52, 3}}}, {{"CUSTNMBR", "MINE", {53, 3}}},
                                              {{"NOSUCH", "x", {54, 3}}}};
        static const sp_code want[] = {SP_EDATA, SP_EDATA, SP_EDATA, SP_EJOB, SP_EJOB};
        for (int i = 0; i < 5; i++) {
            sp_gpw_company c = {"403", "Bad", bad[i], 1, NULL, 0};
            OK(sp_db_begin(db, &e));
            ck_assert_int_eq(sp_gpw_insert_company(w, &c, key, NULL, &e2), -1);
            OK(sp_db_rollback(db, &e));
            ck_assert_msg(e2.code == want[i] && e2.line == 50 + i && strstr(e2.msg, bad[i][0].column) != NULL,
                          "%d: %s", i, em(&e2));
        }
    }
    /* the writer needs the caller's transaction */
    {
        sp_gpw_company c = {"404", "Outside", NULL, 0, NULL, 0};
        ck_assert_int_eq(sp_gpw_insert_company(w, &c, key, NULL, &e2), -1);
        ck_assert_int_eq(e2.code, SP_EINTERNAL);
    }
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

static void refuse_fail_trigger(sp_db *db)
{
    sp_err e;
    if (sp_db_dialect(db) == SP_DIALECT_SQLITE) {
        OK(sp_db_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON RM00102 WHEN NEW.CNTCPRSN = 'FAIL' BEGIN "
                          "SELECT RAISE(ABORT, 'address refused by the test'); END", NULL, &e));
    } else {
        OK(sp_db_exec(db, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                          "IF NEW.CNTCPRSN = 'FAIL' THEN RAISE EXCEPTION 'address refused by the test' "
                          "USING ERRCODE = '23514'; END IF; RETURN NEW; END $$", NULL, &e));
        OK(sp_db_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON RM00102 FOR EACH ROW EXECUTE FUNCTION refuse()",
                      NULL, &e));
    }
}

/* rollback-on-error true: the second contact's insert fails; the caller
 * rolls back to its savepoint and nothing of the company stays. */
START_TEST(failing_insert_mid_company_rolls_back_everything)
{
    OPEN_OR_SKIP("gpw_rollback");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL;
    sp_gpw_contact cs[3];
    char key[SP_GPW_KEY], ck[3][SP_GPW_KEY];
    int64_t before[3], after[3];
    sp_err e2;

    refuse_fail_trigger(db);
    OK(sp_db_exec(db, "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME) VALUES ('OTHER0001', 'other')", NULL, &e));
    counts(db, before);
    three_contacts(cs, 1);
    sp_gpw_company c = {"501", "Acme Corp", COMPANY, 6, cs, 3};
    OK(sp_gpw_open(db, SP_GPW_CUSTOMER, &im, NULL, NULL, &w, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_db_savepoint(db, "company", &e));
    ck_assert_int_eq(sp_gpw_insert_company(w, &c, key, ck, &e2), -1);
    ck_assert_int_eq(e2.code, SP_EDB);
    ck_assert_msg(e2.sqlstate[0] != '\0' && strstr(e2.msg, "RM00102") != NULL && strstr(e2.msg, "c-2") != NULL &&
                  strstr(e2.msg, "501") != NULL, "%s", em(&e2));
    ck_assert_str_eq(e2.key, "501");
    OK(sp_db_rollback_to(db, "company", &e));
    OK(sp_db_release(db, "company", &e));
    OK(sp_db_commit(db, &e));
    counts(db, after);
    ck_assert_int_eq(after[0], before[0]);
    ck_assert_int_eq(after[1], before[1]);
    ck_assert_int_eq(after[2], before[2]);
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

/* rollback-on-error false: the company and the other contacts stay, the
 * failing contact is undone alone and reported; the next contact takes its
 * key. A contact with a value too long is reported the same way. */
START_TEST(failing_contact_without_rollback_is_reported_and_the_rest_stays)
{
    OPEN_OR_SKIP("gpw_keep");
    sp_job_import im = settings(0);
    sp_gpw *w = NULL;
    sp_gpw_contact cs[3];
    char key[SP_GPW_KEY], ck[3][SP_GPW_KEY];
    int64_t before[3], after[3];
    reported r = {0};

    refuse_fail_trigger(db);
    counts(db, before);
    three_contacts(cs, 1);
    sp_gpw_company c = {"601", "Acme Corp", COMPANY, 6, cs, 3};
    OK(sp_gpw_open(db, SP_GPW_CUSTOMER, &im, on_report, &r, &w, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_gpw_insert_company(w, &c, key, ck, &e));
    OK(sp_db_commit(db, &e));
    ck_assert_str_eq(key, "ACMECORP0001");
    ck_assert_str_eq(ck[0], "PRIMARY");
    ck_assert_str_eq(ck[1], "");
    ck_assert_str_eq(ck[2], "CONTACT001");
    ck_assert_int_eq(r.n, 1);
    ck_assert_str_eq(r.id[0], "c-2");
    ck_assert_msg(strstr(r.msg[0], "RM00102") != NULL, "%s", r.msg[0]);
    counts(db, after);
    ck_assert_int_eq(after[0], before[0] + 1);
    ck_assert_int_eq(after[1], before[1] + 2);
    ck_assert_int_eq(after[2], before[2] + 2);

    /* every contact fails: the company stays without address codes */
    {
        static const sp_gpw_value longv[] = {{"CNTCPRSN", "an address name far longer than the sixty-one characters "
                                                          "of CNTCPRSN", {77, 5}}};
        sp_gpw_contact bad[2] = {{"c-8", "a@b.example", CV2F, 1}, {"c-9", NULL, longv, 1}};
        sp_gpw_company c2 = {"602", "Lone Co", NULL, 0, bad, 2};
        OK(sp_db_begin(db, &e));
        OK(sp_gpw_insert_company(w, &c2, key, ck, &e));
        OK(sp_db_commit(db, &e));
        ck_assert_int_eq(r.n, 3);
        ck_assert_str_eq(r.id[2], "c-9");
        ck_assert_msg(strstr(r.msg[2], "RM00102.CNTCPRSN is char(61)") != NULL, "%s", r.msg[2]);
        ck_assert_str_eq(ck[0], "");
        ck_assert_str_eq(ck[1], "");
        ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE CUSTNMBR = 'LONECO0001' AND ADRSCODE = '' "
                                   "AND PRBTADCD = ''"), 1);
        ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00102 WHERE CUSTNMBR = 'LONECO0001'"), 0);
        ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200 WHERE Master_ID = 'LONECO0001'"), 0);
    }
    sp_gpw_free(w);
    sp_db_close(db);
}
END_TEST

/* Contacts added to existing records: after the keys present (GP pads CHAR
 * keys; on SQLite the padding is data), PRIMARY for a customer without
 * addresses (and its address codes then point at it); an unknown key is
 * refused. */
START_TEST(add_contacts_after_existing_keys)
{
    OPEN_OR_SKIP("gpw_add");
    sp_job_import im = settings(1);
    sp_gpw *w = NULL, *wp = NULL;
    sp_gpw_contact cs[2] = {{"a-1", "one@x.example", CV1, 2}, {"a-2", NULL, CV2, 1}};
    char ck[2][SP_GPW_KEY];
    sp_err e2;

    OK(sp_db_exec(db, "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME, ADRSCODE) VALUES ('OLD0001        ', 'Old', "
                      "'PRIMARY        '), ('BARE0001', 'Bare', '')", NULL, &e));
    OK(sp_db_exec(db, "INSERT INTO RM00102 (CUSTNMBR, ADRSCODE) VALUES ('OLD0001        ', 'PRIMARY        '), "
                      "('OLD0001        ', 'CONTACT001     '), ('OLD0001        ', 'WAREHOUSE      ')", NULL, &e));
    OK(sp_db_exec(db, "INSERT INTO SOP00200 (PROSPID) VALUES ('PROS0001')", NULL, &e));
    OK(sp_db_exec(db, "INSERT INTO spProspectContact (PROSPID, Contact_ID) VALUES ('PROS0001', 'PRIMARY'), "
                      "('PROS0001', 'CONTACT007')", NULL, &e));
    OK(sp_gpw_open(db, SP_GPW_CUSTOMER, &im, NULL, NULL, &w, &e));
    OK(sp_gpw_open(db, SP_GPW_PROSPECT, &im, NULL, NULL, &wp, &e));
    OK(sp_db_begin(db, &e));
    OK(sp_gpw_add_contacts(w, "OLD0001", cs, 2, ck, &e));
    ck_assert_str_eq(ck[0], "CONTACT002");
    ck_assert_str_eq(ck[1], "CONTACT003");
    OK(sp_gpw_add_contacts(w, "BARE0001", cs, 2, ck, &e));
    ck_assert_str_eq(ck[0], "PRIMARY");
    ck_assert_str_eq(ck[1], "CONTACT001");
    {
        sp_gpw_contact pc = {"a-3", "p@x.example", NULL, 0};
        OK(sp_gpw_add_contacts(wp, "PROS0001", &pc, 1, ck, &e));
    }
    ck_assert_str_eq(ck[0], "CONTACT008");
    ck_assert_int_eq(sp_gpw_add_contacts(w, "NOSUCH0001", cs, 1, ck, &e2), -1);
    ck_assert_msg(e2.code == SP_EDATA && strstr(e2.msg, "NOSUCH0001") != NULL, "%s", em(&e2));
    OK(sp_db_commit(db, &e));
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00102 WHERE RTRIM(CUSTNMBR) = 'OLD0001'"), 5);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200 WHERE Master_ID = 'OLD0001' AND ADRSCODE = 'CONTACT002'"), 1);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE CUSTNMBR = 'BARE0001' AND ADRSCODE = 'PRIMARY' AND "
                               "PRBTADCD = 'PRIMARY' AND PRSTADCD = 'PRIMARY' AND STADDRCD = 'PRIMARY'"), 1);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE RTRIM(CUSTNMBR) = 'OLD0001' AND "
                               "RTRIM(ADRSCODE) = 'PRIMARY' AND PRBTADCD = ''"), 1);
    ck_assert_int_eq(q_int(db, "SELECT Is_Primary FROM spProspectContact WHERE Contact_ID = 'CONTACT008'"), 0);
    sp_gpw_free(w);
    sp_gpw_free(wp);
    sp_db_close(db);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gpwrite");
    TCase *tc = tcase_create("writer");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, customer_with_three_contacts, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, prospect_with_three_contacts, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, many_companies_at_once, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, many_prospects_at_once_as_one_by_one, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, key_collision_takes_the_next_number, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, values_that_do_not_fit_are_refused_by_column, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, failing_insert_mid_company_rolls_back_everything, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, failing_contact_without_rollback_is_reported_and_the_rest_stays, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, add_contacts_after_existing_keys, 0, SP_DBTEST_COUNT);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
