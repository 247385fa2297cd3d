/* check_sample.c -- bin/spetl-sample: the sample GP company it writes, on
 * SQLite and PostgreSQL, read back through spetl's database layer. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/skip.h"
#include "spetl/clock.h"
#include "spetl/db.h"
#include "spetl/err.h"

extern char **environ;

#define DAY_MS 86400000LL
#define OUT_MAX 16384

/* ---- running the generator ---------------------------------------------- */

static char sample_bin[4096];

/* bin/spetl-sample next to $SPETL_BIN (build-asan/bin under make asan);
 * NULL (and why noted, skip.h) when it is not there. */
static const char *sample_path(void)
{
    const char *spetl = getenv("SPETL_BIN");
    const char *slash = spetl ? strrchr(spetl, '/') : NULL;

    if (slash) {
        snprintf(sample_bin, sizeof(sample_bin), "%.*s/spetl-sample", (int)(slash - spetl), spetl);
        if (access(sample_bin, X_OK) == 0)
            return sample_bin;
    }
    sp_skip_note("spetl-sample not found next to $SPETL_BIN (run through tests/run-tests.sh)");
    return NULL;
}

/* Run spetl-sample with args (NULL-terminated); its stdout and stderr go to
 * out. Returns the exit status, or -1 when it could not run. */
static int run_sample(const char *const *args, char *out, size_t n)
{
    const char *tmp = getenv("SPETL_TEST_TMP");
    char path[4096];
    const char *argv[32];
    int argc = 0, fd, status = -1;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    ssize_t got;

    snprintf(path, sizeof(path), "%s/spetl-sample.%ld.out", tmp ? tmp : "/tmp", (long)getpid());
    argv[argc++] = sample_bin;
    for (; *args && argc < 31; args++)
        argv[argc++] = *args;
    argv[argc] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid, sample_bin, &fa, NULL, (char *const *)argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    out[0] = '\0';
    fd = open(path, O_RDONLY);
    if (fd >= 0) {
        got = read(fd, out, n - 1);
        out[got > 0 ? got : 0] = '\0';
        close(fd);
    }
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Generate a company into the fresh test database `tag` of target; returns
 * 1 when the target or the binary is unavailable (skip), 0 when written. */
static int generate(int target, const char *tag, const char *customers, const char *seed)
{
    sp_db *db = NULL;
    sp_err e;
    char conn[2048], out[OUT_MAX], msg[1024];
    int rc = sp_dbtest_open(target, tag, &db, &e);

    ck_assert_msg(rc >= 0, "opening the test database: %s", sp_err_format(&e, msg, sizeof(msg)));
    sp_db_close(db);
    if (rc == 1 || !sample_path())
        return 1;
    ck_assert_ptr_nonnull(sp_dbtest_conn(target, tag, conn, sizeof(conn)));
    const char *args[] = { "--conn", conn, "--customers", customers, "--seed", seed, "--items", "60",
                           "--create-schema", "-q", NULL };
    rc = run_sample(args, out, sizeof(out));
    ck_assert_msg(rc == 0, "spetl-sample on %s exited %d:\n%s", sp_dbtest_name(target), rc, out);
    ck_assert_msg(strstr(out, "RM00101  customers") != NULL, "no summary in:\n%s", out);
    return 0;
}

static sp_db *reopen(int target, const char *tag)
{
    sp_db *db = NULL;
    sp_err e;
    char msg[1024];
    ck_assert_msg(sp_dbtest_reopen(target, tag, &db, &e) == 0, "reopen: %s",
                  sp_err_format(&e, msg, sizeof(msg)));
    return db;
}

/* ---- queries ------------------------------------------------------------ */

static sp_stmt *query(sp_db *db, const char *sql, const char *param)
{
    sp_stmt *st = NULL;
    sp_err e;
    char msg[1024];
    int ok = sp_stmt_prepare(db, sql, &st, &e) == 0 &&
             (!param || sp_stmt_bind_text(st, 1, param, &e) == 0) && sp_stmt_exec(st, NULL, &e) == 0;
    ck_assert_msg(ok, "%s: %s", sql, sp_err_format(&e, msg, sizeof(msg)));
    return st;
}

static int fetch(sp_stmt *st)
{
    sp_err e;
    char msg[1024];
    int rc = sp_stmt_fetch(st, &e);
    ck_assert_msg(rc >= 0, "fetch: %s", sp_err_format(&e, msg, sizeof(msg)));
    return rc;
}

static int64_t q_int(sp_db *db, const char *sql, const char *param)
{
    sp_stmt *st = query(db, sql, param);
    int64_t v = -1;
    sp_err e;

    ck_assert_msg(fetch(st) == 1, "no row from %s", sql);
    ck_assert_msg(sp_stmt_int(st, 0, &v, &e) == 0, "not an integer from %s", sql);
    sp_stmt_free(st);
    return v;
}

/* First column of the first row, "" when there is no row. */
static void q_text(sp_db *db, const char *sql, const char *param, char *out, size_t n)
{
    sp_stmt *st = query(db, sql, param);
    out[0] = '\0';
    if (fetch(st) == 1 && sp_stmt_text(st, 0))
        snprintf(out, n, "%s", sp_stmt_text(st, 0));
    sp_stmt_free(st);
}

/* ---- the company on both databases ---------------------------------------- */

static void check_counts(sp_db *db)
{
    int64_t addresses = q_int(db, "SELECT COUNT(*) FROM RM00102", NULL);

    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101", NULL), 200);
    ck_assert_int_ge(addresses, 200);
    ck_assert_int_le(addresses, 800);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200 WHERE Master_Type = 'CUS'", NULL), addresses);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM IV00101", NULL), 60);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM IV00105 WHERE RTRIM(CURNCYID) = 'Z-US$'", NULL), 60);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM IV00105 WHERE RTRIM(CURNCYID) = ''", NULL), 60);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10100", NULL), 200);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP00200", NULL), 20);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM spWorkflowQueueOrder", NULL), 8);
    /* every customer 1..4 addresses, every address a customer and an email row */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM (SELECT CUSTNMBR, COUNT(*) AS n FROM RM00102 "
                               "GROUP BY CUSTNMBR) x WHERE n < 1 OR n > 4", NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 c WHERE NOT EXISTS (SELECT 1 FROM "
                               "RM00102 a WHERE a.CUSTNMBR = c.CUSTNMBR AND RTRIM(a.ADRSCODE) = 'PRIMARY')",
                           NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00102 a WHERE NOT EXISTS (SELECT 1 FROM "
                               "RM00101 c WHERE c.CUSTNMBR = a.CUSTNMBR)", NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00102 a WHERE NOT EXISTS (SELECT 1 FROM SY01200 s "
                               "WHERE s.Master_Type = 'CUS' AND RTRIM(s.Master_ID) = RTRIM(a.CUSTNMBR) "
                               "AND RTRIM(s.ADRSCODE) = RTRIM(a.ADRSCODE))", NULL), 0);
    /* the customer's address codes point at its addresses */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 c WHERE NOT EXISTS (SELECT 1 FROM RM00102 a "
                               "WHERE a.CUSTNMBR = c.CUSTNMBR AND a.ADRSCODE = c.PRSTADCD) OR NOT EXISTS "
                               "(SELECT 1 FROM RM00102 a WHERE a.CUSTNMBR = c.CUSTNMBR AND "
                               "a.ADRSCODE = c.PRBTADCD)", NULL), 0);
}

static int gp_key_shaped(const char *k)
{
    size_t letters = 0, digits = 0;
    while (k[letters] >= 'A' && k[letters] <= 'Z')
        letters++;
    while (k[letters + digits] >= '0' && k[letters + digits] <= '9')
        digits++;
    return letters >= 1 && letters <= 8 && digits == 4 && k[letters + digits] == '\0';
}

static void check_keys(sp_db *db)
{
    sp_stmt *st = query(db, "SELECT CUSTNMBR, CUSTNAME FROM RM00101 ORDER BY CUSTNMBR", NULL);
    int rows = 0;
    char text[256];

    while (fetch(st) == 1) {
        const char *key = sp_stmt_text(st, 0), *name = sp_stmt_text(st, 1);
        char prefix[9];
        size_t n = 0;
        int ascii = 1;
        ck_assert_msg(gp_key_shaped(key), "CUSTNMBR '%s' is not 8 letters + 4 digits", key);
        for (const char *p = name; *p && n < 8; p++) {
            if ((unsigned char)*p >= 0x80)
                ascii = 0;
            if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
                prefix[n++] = (char)(*p & ~0x20);
        }
        prefix[n] = '\0';
        if (ascii)
            ck_assert_msg(strncmp(key, prefix, n) == 0 && key[n] >= '0' && key[n] <= '9',
                          "CUSTNMBR '%s' does not start with the letters of '%s'", key, name);
        rows++;
    }
    sp_stmt_free(st);
    ck_assert_int_eq(rows, 200);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(DISTINCT CUSTNMBR) FROM RM00101", NULL), 200);
    q_text(db, "SELECT CUSTNAME FROM RM00101 WHERE RTRIM(CUSTNMBR) = 'AARONFIT0001'", NULL, text, sizeof(text));
    ck_assert_str_eq(text, "Aaron Fitz Electrical");
    q_text(db, "SELECT CUSTNAME FROM RM00101 WHERE RTRIM(CUSTNMBR) = 'BLUEYOND0001'", NULL, text, sizeof(text));
    ck_assert_str_eq(text, "Blue Yonder Airlines");
    /* Fabrikam's published address for Aaron Fitz Electrical */
    st = query(db, "SELECT ADDRESS1, ADDRESS2, CITY, STATE, ZIP, PHONE1 FROM RM00102 WHERE "
                   "RTRIM(CUSTNMBR) = 'AARONFIT0001' AND RTRIM(ADRSCODE) = 'PRIMARY'", NULL);
    ck_assert_int_eq(fetch(st), 1);
    ck_assert_str_eq(sp_stmt_text(st, 0), "11403 45 St. South");
    ck_assert_str_eq(sp_stmt_text(st, 1), "Suite 405");
    ck_assert_str_eq(sp_stmt_text(st, 2), "Chicago");
    ck_assert_str_eq(sp_stmt_text(st, 3), "IL");
    ck_assert_str_eq(sp_stmt_text(st, 4), "60603-0776");
    ck_assert_str_eq(sp_stmt_text(st, 5), "31255501020000");
    sp_stmt_free(st);
    /* every phone as GP stores it: 14 digits */
    st = query(db, "SELECT PHONE1 FROM RM00102", NULL);
    while (fetch(st) == 1) {
        const char *ph = sp_stmt_text(st, 0);
        ck_assert_msg(strlen(ph) == 14 && strspn(ph, "0123456789") == 14, "phone '%s'", ph);
    }
    sp_stmt_free(st);
}

static void check_hard_cases(sp_db *db, int target)
{
    static const struct { const char *name, *key; } named[] = {
        { "O'Brien's \"Best\" Supply", "OBRIENSB0001" },
        { "Dupont; Fils et Cie", "DUPONTFI0001" },
        { "M\xc3\xbcller & S\xc3\xb6hne GmbH", "MULLERSO0001" },
        { "Caf\xc3\xa9 No\xc3\xabl", "CAFENOEL0001" },
        { "100% Pure_Water Co.", "PUREWATE0001" },
    };
    char text[512];
    sp_stmt *st;

    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        q_text(db, "SELECT CUSTNMBR FROM RM00101 WHERE RTRIM(CUSTNAME) = ?", named[i].name, text,
               sizeof(text));
        ck_assert_msg(strcmp(text, named[i].key) == 0, "'%s' has key '%s', want %s", named[i].name,
                      text, named[i].key);
    }
    q_text(db, "SELECT ADDRESS2 FROM RM00102 WHERE RTRIM(CUSTNMBR) = 'DUPONTFI0001' AND RTRIM(ADRSCODE) = 'PRIMARY'",
           NULL, text, sizeof(text));
    ck_assert_str_eq(text, "Bldg 4; Dock 2; Door B");
    /* the full CHAR(65) width */
    st = query(db, "SELECT CUSTNMBR, CUSTNAME FROM RM00101 WHERE LENGTH(RTRIM(CUSTNAME)) = 65", NULL);
    ck_assert_int_eq(fetch(st), 1);
    ck_assert_str_eq(sp_stmt_text(st, 0), "CONSOLID0001");
    ck_assert_uint_eq(strlen(sp_stmt_text(st, 1)), 65);
    ck_assert_int_eq(fetch(st), 0);
    sp_stmt_free(st);
    /* two customers, one name */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE RTRIM(CUSTNAME) = ?", "Northwind Traders"), 2);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE RTRIM(CUSTNMBR) IN ('NORTHWIN0001', "
                               "'NORTHWIN0002')", NULL), 2);
    /* two addresses of one customer, one email */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200 WHERE RTRIM(Master_ID) = 'LAKESHOR0001' "
                               "AND RTRIM(INET1) = ?", "orders@lakeshoretile.example.com"), 2);
    /* no email at all */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SY01200 WHERE RTRIM(Master_ID) = 'QUIETHAR0001' "
                               "AND RTRIM(INET1) = ''", NULL), 2);
    /* invalid emails: no @, and a space */
    ck_assert_int_ge(q_int(db, "SELECT COUNT(*) FROM SY01200 WHERE RTRIM(INET1) <> '' AND "
                               "INET1 NOT LIKE '%@%'", NULL), 1);
    q_text(db, "SELECT INET1 FROM SY01200 WHERE RTRIM(Master_ID) = 'CAFENOEL0001' AND INET1 NOT LIKE '%@%'",
           NULL, text, sizeof(text));
    ck_assert_msg(strstr(text, ".cafenoel.example.com") != NULL, "Café Noël's bad email: '%s'", text);
    q_text(db, "SELECT INET1 FROM SY01200 WHERE RTRIM(INET1) LIKE '% %'", NULL, text, sizeof(text));
    ck_assert_str_eq(text, "bill smith@prairiesky.example.com");
    /* spetl reads CHAR values trimmed; SQLite holds them padded as GP does */
    q_text(db, "SELECT CUSTNAME FROM RM00101 WHERE CUSTNMBR LIKE 'MULLERSO0001%'", NULL, text, sizeof(text));
    ck_assert_str_eq(text, "M\xc3\xbcller & S\xc3\xb6hne GmbH");
    if (target == SP_DBTEST_SQLITE) {
        ck_assert_int_eq(q_int(db, "SELECT LENGTH(CUSTNMBR) FROM RM00101 WHERE RTRIM(CUSTNMBR) = 'MULLERSO0001'", NULL), 15);
        ck_assert_int_eq(q_int(db, "SELECT LENGTH(CUSTNAME) FROM RM00101 WHERE RTRIM(CUSTNMBR) = 'MULLERSO0001'", NULL), 65);
        ck_assert_int_eq(q_int(db, "SELECT LENGTH(INET1) FROM SY01200 WHERE RTRIM(Master_ID) = 'QUIETHAR0001' "
                                   "AND RTRIM(ADRSCODE) = 'PRIMARY'", NULL), 201);
        ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101 WHERE LENGTH(CUSTNAME) <> 65", NULL), 0);
    }
}

static void check_dates(sp_db *db)
{
    sp_stmt *st = query(db, "SELECT CREATDDT, MODIFDT, DEX_ROW_TS FROM RM00101", NULL);
    int64_t as_of_end = 0, created, modified, dex;
    int with_ms = 0;
    sp_err e;

    ck_assert_int_eq(sp_time_parse("2026-11-02", &as_of_end), 0);
    while (fetch(st) == 1) {
        ck_assert_int_eq(sp_stmt_time(st, 0, &created, &e), 0);
        ck_assert_int_eq(sp_stmt_time(st, 1, &modified, &e), 0);
        ck_assert_int_eq(sp_stmt_time(st, 2, &dex, &e), 0);
        ck_assert_int_eq(created % DAY_MS, 0);
        ck_assert_int_eq(modified % DAY_MS, 0);
        ck_assert_int_ge(modified, created);
        ck_assert_int_ge(dex, modified);
        ck_assert_int_lt(dex, as_of_end);
        with_ms += dex % 1000 != 0;
    }
    sp_stmt_free(st);
    ck_assert_int_gt(with_ms, 100);
    /* GP's address triggers stamp the customer: its DEX_ROW_TS is the latest */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00102 a JOIN RM00101 c ON c.CUSTNMBR = a.CUSTNMBR "
                               "WHERE a.DEX_ROW_TS > c.DEX_ROW_TS", NULL), 0);
}

static void check_documents(sp_db *db)
{
    sp_stmt *st;
    char next[4][32];
    int missing = 0;

    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10100 WHERE SOPTYPE NOT IN (2, 3)", NULL), 0);
    ck_assert_int_gt(q_int(db, "SELECT COUNT(*) FROM SOP10100 WHERE SOPTYPE = 2 AND RTRIM(DOCID) = 'STDORD'", NULL), 0);
    ck_assert_int_gt(q_int(db, "SELECT COUNT(*) FROM SOP10100 WHERE SOPTYPE = 3 AND RTRIM(DOCID) = 'STDINV'", NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10200 WHERE LNITMSEQ <= 0 OR LNITMSEQ % 16384 <> 0 "
                               "OR CMPNTSEQ <> 0", NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10100 h WHERE NOT EXISTS (SELECT 1 FROM SOP10200 l "
                               "WHERE l.SOPTYPE = h.SOPTYPE AND l.SOPNUMBE = h.SOPNUMBE)", NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10200 l WHERE NOT EXISTS (SELECT 1 FROM SOP10100 h "
                               "WHERE l.SOPTYPE = h.SOPTYPE AND l.SOPNUMBE = h.SOPNUMBE)", NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10100 h WHERE NOT EXISTS (SELECT 1 FROM RM00102 a "
                               "WHERE a.CUSTNMBR = h.CUSTNMBR AND a.ADRSCODE = h.PRSTADCD)", NULL), 0);
    /* lines reference items, except the deliberate missing ones (non-inventory in GP terms) */
    st = query(db, "SELECT ITEMNMBR, NONINVEN FROM SOP10200 l WHERE NOT EXISTS (SELECT 1 FROM IV00101 i "
                   "WHERE i.ITEMNMBR = l.ITEMNMBR)", NULL);
    while (fetch(st) == 1) {
        ck_assert_msg(strncmp(sp_stmt_text(st, 0), "XX-GONE-", 8) == 0, "line item '%s' is missing "
                      "from IV00101 by accident", sp_stmt_text(st, 0));
        ck_assert_str_eq(sp_stmt_text(st, 1), "1");
        missing++;
    }
    sp_stmt_free(st);
    ck_assert_int_ge(missing, 1);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10200 l WHERE NONINVEN <> 0 AND EXISTS "
                               "(SELECT 1 FROM IV00101 i WHERE i.ITEMNMBR = l.ITEMNMBR)", NULL), 0);
    /* queues: every document's batch is a queue of its type; the order is a chain */
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10100 h WHERE NOT EXISTS (SELECT 1 FROM "
                               "spWorkflowQueueOrder q WHERE q.SOPTYPE = h.SOPTYPE AND q.Queue = h.BACHNUMB)",
                           NULL), 0);
    static const char *const chain[] = { "NEW", "CREDIT HOLD", "READY TO EXPORT", "EXPORTED", "" };
    for (int k = 0; k < 4; k++) {
        q_text(db, "SELECT Next_Queue FROM spWorkflowQueueOrder WHERE Sales_Doc_Type = 'ORDER' AND "
                   "RTRIM(Queue) = ?", chain[k], next[k], sizeof(next[k]));
        ck_assert_str_eq(next[k], chain[k + 1]);
        ck_assert_int_gt(q_int(db, "SELECT COUNT(*) FROM SOP10100 WHERE RTRIM(BACHNUMB) = ?", chain[k]), 0);
    }
}

static void check_prospects(sp_db *db)
{
    char text[256];

    ck_assert_int_eq(q_int(db, "SELECT COUNT(DISTINCT PROSPID) FROM SOP00200", NULL), 20);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP00200 p JOIN RM00101 c ON c.CUSTNMBR = p.PROSPID",
                           NULL), 0);
    /* a prospect with a customer's name gets the next key of that prefix */
    q_text(db, "SELECT PROSPID FROM SOP00200 WHERE RTRIM(CUSTNAME) = 'Aaron Fitz Electrical'", NULL, text,
           sizeof(text));
    ck_assert_str_eq(text, "AARONFIT0002");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP00200 p WHERE (SELECT COUNT(*) FROM spProspectContact k "
                               "WHERE k.PROSPID = p.PROSPID) NOT BETWEEN 1 AND 3", NULL), 0);
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP00200 p WHERE (SELECT COUNT(*) FROM spProspectContact k "
                               "WHERE k.PROSPID = p.PROSPID AND k.Is_Primary = 1) <> 1", NULL), 0);
    q_text(db, "SELECT Contact_Name FROM spProspectContact WHERE RTRIM(PROSPID) = 'OMALLEYD0001' AND "
               "RTRIM(Contact_ID) = 'PRIMARY'", NULL, text, sizeof(text));
    ck_assert_str_eq(text, "Siobh\xc3\xa1n O'Malley");
    ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM spProspectContact WHERE RTRIM(PROSPID) = 'OMALLEYD0001' "
                               "AND Email = ''", NULL), 1);
}

START_TEST(company_has_gp_shape_and_hard_cases)
{
    const char *tag = _i == SP_DBTEST_SQLITE ? "sample_lite" : "sample_pg";
    sp_db *db;

    SP_SKIP_IF(generate(_i, tag, "200", "42") == 1, "%s", sp_skip_why());
    db = reopen(_i, tag);
    check_counts(db);
    check_keys(db);
    check_hard_cases(db, _i);
    check_dates(db);
    check_documents(db);
    check_prospects(db);
    sp_db_close(db);
}
END_TEST

/* ---- determinism ---------------------------------------------------------- */

typedef struct digest_spec {
    const char *table, *cols, *order;
} digest_spec;

static const digest_spec digests[] = {
    { "RM00101", "CUSTNMBR, CUSTNAME, CUSTCLAS, ADDRESS1, CITY, PHONE1, CRLMTAMT, CREATDDT, MODIFDT, DEX_ROW_TS", "CUSTNMBR" },
    { "RM00102", "CUSTNMBR, ADRSCODE, CNTCPRSN, ADDRESS1, ADDRESS2, ZIP, PHONE1, DEX_ROW_TS", "CUSTNMBR, ADRSCODE" },
    { "SY01200", "Master_ID, ADRSCODE, INET1, DEX_ROW_TS", "Master_ID, ADRSCODE" },
    { "SOP00200", "PROSPID, CUSTNAME, ADDRESS1, CREATDDT", "PROSPID" },
    { "spProspectContact", "PROSPID, Contact_ID, Contact_Name, Email, DEX_ROW_TS", "PROSPID, Contact_ID" },
    { "IV00101", "ITEMNMBR, ITEMDESC, CURRCOST, DEX_ROW_TS", "ITEMNMBR" },
    { "IV00105", "ITEMNMBR, CURNCYID, LISTPRCE", "ITEMNMBR, CURNCYID" },
    { "SOP10100", "SOPTYPE, SOPNUMBE, BACHNUMB, CUSTNMBR, DOCDATE, DOCAMNT, DEX_ROW_TS", "SOPTYPE, SOPNUMBE" },
    { "SOP10200", "SOPTYPE, SOPNUMBE, LNITMSEQ, ITEMNMBR, QUANTITY, UNITPRCE", "SOPTYPE, SOPNUMBE, LNITMSEQ" },
    { "spWorkflowQueueOrder", "Sales_Doc_Type, Queue, Next_Queue", "Sales_Doc_Type, Queue" },
};
#define NDIGESTS (sizeof(digests) / sizeof(digests[0]))

/* FNV-1a over every value of the rows (where: extra predicate or NULL). */
static uint64_t digest(sp_db *db, const digest_spec *d, const char *where, int64_t *rows)
{
    char sql[512];
    uint64_t h = 1469598103934665603ULL;
    sp_stmt *st;

    snprintf(sql, sizeof(sql), "SELECT %s FROM %s%s%s ORDER BY %s", d->cols, d->table,
             where ? " WHERE " : "", where ? where : "", d->order);
    st = query(db, sql, NULL);
    *rows = 0;
    while (fetch(st) == 1) {
        for (int c = 0; c < sp_stmt_ncols(st); c++) {
            const char *v = sp_stmt_text(st, c);
            for (const char *p = v ? v : "\x01NULL"; *p; p++) {
                h ^= (unsigned char)*p;
                h *= 1099511628211ULL;
            }
            h ^= 0xff;
            h *= 1099511628211ULL;
        }
        (*rows)++;
    }
    sp_stmt_free(st);
    return h;
}

START_TEST(same_seed_same_rows_other_seed_other_rows)
{
    sp_db *a, *b, *c;
    int differ = 0;

    SP_SKIP_IF(generate(SP_DBTEST_SQLITE, "sample_seed7a", "200", "7") == 1, "%s", sp_skip_why());
    generate(SP_DBTEST_SQLITE, "sample_seed7b", "200", "7");
    generate(SP_DBTEST_SQLITE, "sample_seed8", "200", "8");
    a = reopen(SP_DBTEST_SQLITE, "sample_seed7a");
    b = reopen(SP_DBTEST_SQLITE, "sample_seed7b");
    c = reopen(SP_DBTEST_SQLITE, "sample_seed8");
    for (size_t i = 0; i < NDIGESTS; i++) {
        int64_t ra, rb, rc;
        uint64_t ha = digest(a, &digests[i], NULL, &ra);
        uint64_t hb = digest(b, &digests[i], NULL, &rb);
        uint64_t hc = digest(c, &digests[i], NULL, &rc);
        ck_assert_int_gt(ra, 0);
        ck_assert_msg(ra == rb && ha == hb, "%s differs between two runs with seed 7", digests[i].table);
        differ += ha != hc;
    }
    /* another seed: everything but the fixed queue list differs */
    ck_assert_int_eq(differ, (int)NDIGESTS - 1);
    sp_db_close(a);
    sp_db_close(b);
    sp_db_close(c);
}
END_TEST

START_TEST(a_customer_depends_only_on_seed_and_index)
{
    sp_db *small, *big;
    int64_t rs, rb;

    SP_SKIP_IF(generate(SP_DBTEST_SQLITE, "sample_small", "200", "5") == 1, "%s", sp_skip_why());
    generate(SP_DBTEST_SQLITE, "sample_big", "1500", "5");
    small = reopen(SP_DBTEST_SQLITE, "sample_small");
    big = reopen(SP_DBTEST_SQLITE, "sample_big");
    /* the first 200 customers of 1,500 are the 200 of a smaller run (rows in insert order) */
    ck_assert_int_eq(q_int(big, "SELECT COUNT(*) FROM RM00101", NULL), 1500);
    ck_assert(digest(small, &digests[0], NULL, &rs) ==
              digest(big, &digests[0], "DEX_ROW_ID <= 200", &rb));
    ck_assert_int_eq(rs, 200);
    ck_assert_int_eq(rb, 200);
    sp_db_close(small);
    sp_db_close(big);
}
END_TEST

/* ---- the command line ----------------------------------------------------- */

/* A's rows of table t in DEX_ROW_ID order, as one text ("" when none). */
static void in_row_order(sp_db *db, const char *t, const char *key, char *out, size_t n)
{
    char sql[256];
    sp_stmt *st;
    size_t used = 0;

    snprintf(sql, sizeof(sql), "SELECT %s FROM %s ORDER BY DEX_ROW_ID", key, t);
    st = query(db, sql, NULL);
    out[0] = '\0';
    while (fetch(st) == 1 && used + 80 < n)
        used += (size_t)snprintf(out + used, n - used, "%s;", sp_stmt_text(st, 0));
    sp_stmt_free(st);
}

/* --cluster (SQLite): the same rows, stored in primary-key order (DEX_ROW_ID
 * follows the key, as SQL Server's clustered keys order GP's rows), the
 * triggers kept; without it the generator's order is not the key's. */
START_TEST(cluster_stores_the_same_rows_in_key_order)
{
    static const struct { const char *t, *key, *order; } tabs[] = {
        {"RM00101", "CUSTNMBR", "CUSTNMBR"},
        {"RM00102", "CUSTNMBR || ADRSCODE", "CUSTNMBR, ADRSCODE"},
        {"SY01200", "Master_ID || ADRSCODE", "Master_Type, Master_ID, ADRSCODE"},
    };
    static char by_row[200000], by_key[200000];
    char conn[2048], out[OUT_MAX], sql[256];
    sp_db *plain, *clustered;
    sp_err e;

    SP_SKIP_IF(generate(SP_DBTEST_SQLITE, "sample_unclustered", "150", "3") == 1, "%s", sp_skip_why());
    ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, "sample_clustered", &clustered, &e), 0);
    sp_db_close(clustered);
    ck_assert_ptr_nonnull(sp_dbtest_conn(SP_DBTEST_SQLITE, "sample_clustered", conn, sizeof(conn)));
    {
        const char *args[] = {"--conn", conn, "--customers", "150", "--seed", "3", "--items", "60",
                              "--create-schema", "--cluster", "-q", NULL};
        ck_assert_msg(run_sample(args, out, sizeof(out)) == 0, "spetl-sample --cluster:\n%s", out);
    }
    plain = reopen(SP_DBTEST_SQLITE, "sample_unclustered");
    clustered = reopen(SP_DBTEST_SQLITE, "sample_clustered");
    for (size_t i = 0; i < NDIGESTS; i++) {
        int64_t ra, rb;
        uint64_t ha = digest(plain, &digests[i], NULL, &ra), hb = digest(clustered, &digests[i], NULL, &rb);
        ck_assert_msg(ra == rb && ha == hb, "%s: other rows with --cluster", digests[i].table);
    }
    for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
        sp_stmt *st;
        snprintf(sql, sizeof(sql), "SELECT %s FROM %s ORDER BY %s", tabs[i].key, tabs[i].t, tabs[i].order);
        st = query(clustered, sql, NULL);
        by_key[0] = '\0';
        for (size_t used = 0; fetch(st) == 1 && used + 80 < sizeof(by_key);)
            used += (size_t)snprintf(by_key + used, sizeof(by_key) - used, "%s;", sp_stmt_text(st, 0));
        sp_stmt_free(st);
        in_row_order(clustered, tabs[i].t, tabs[i].key, by_row, sizeof(by_row));
        ck_assert_msg(strcmp(by_row, by_key) == 0, "%s is not stored in key order with --cluster", tabs[i].t);
        in_row_order(plain, tabs[i].t, tabs[i].key, by_row, sizeof(by_row));
        ck_assert_msg(strcmp(by_row, by_key) != 0, "%s was already in key order without --cluster", tabs[i].t);
    }
    {
        sp_stmt *a = query(plain, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'", NULL);
        sp_stmt *b = query(clustered, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'", NULL);
        ck_assert_int_eq(fetch(a), 1);
        ck_assert_int_eq(fetch(b), 1);
        ck_assert_str_eq(sp_stmt_text(b, 0), sp_stmt_text(a, 0));
        ck_assert_int_gt(atoi(sp_stmt_text(a, 0)), 0);
        sp_stmt_free(a);
        sp_stmt_free(b);
    }
    sp_db_close(plain);
    sp_db_close(clustered);
}
END_TEST

START_TEST(command_line_errors_are_usage_errors)
{
    char out[OUT_MAX], conn[2048];

    SP_SKIP_IF(!sample_path(), "%s", sp_skip_why());
    const char *help[] = { "--help", NULL };
    ck_assert_int_eq(run_sample(help, out, sizeof(out)), 0);
    ck_assert_msg(strncmp(out, "usage: spetl-sample --conn CONNECTION --customers N", 51) == 0, "%s", out);

    const char *no_conn[] = { "--customers", "10", NULL };
    ck_assert_int_eq(run_sample(no_conn, out, sizeof(out)), 2);
    ck_assert_msg(strstr(out, "spetl-sample: --conn is required (an ODBC connection string or DSN)") != NULL,
                  "%s", out);

    const char *bad_count[] = { "--conn", "DSN=x", "--customers", "ten", NULL };
    ck_assert_int_eq(run_sample(bad_count, out, sizeof(out)), 2);
    ck_assert_msg(strstr(out, "--customers: 'ten' is not a whole number from 0 to 10000000") != NULL,
                  "%s", out);

    const char *long_queue[] = { "--conn", "DSN=x", "--customers", "1", "--queues",
                                 "NEW,WAITING FOR APPROVAL", NULL };
    ck_assert_int_eq(run_sample(long_queue, out, sizeof(out)), 2);
    ck_assert_msg(strstr(out, "each queue name needs 1 to 15 characters") != NULL, "%s", out);

    const char *bad_date[] = { "--conn", "DSN=x", "--customers", "1", "--as-of", "yesterday", NULL };
    ck_assert_int_eq(run_sample(bad_date, out, sizeof(out)), 2);
    ck_assert_msg(strstr(out, "--as-of: 'yesterday' is not a date (YYYY-MM-DD)") != NULL, "%s", out);

    /* a database that does not answer is a database error (exit 3) */
    snprintf(conn, sizeof(conn), "Driver=/nonexistent/libnothing.so;Database=x.db;");
    const char *bad_db[] = { "--conn", conn, "--customers", "1", NULL };
    ck_assert_int_eq(run_sample(bad_db, out, sizeof(out)), 3);

    /* tables missing and no --create-schema: says what to do */
    if (sp_dbtest_unavailable(SP_DBTEST_SQLITE) == NULL) {
        sp_db *db;
        sp_err e;
        ck_assert_int_eq(sp_dbtest_open(SP_DBTEST_SQLITE, "sample_empty", &db, &e), 0);
        sp_db_close(db);
        sp_dbtest_conn(SP_DBTEST_SQLITE, "sample_empty", conn, sizeof(conn));
        const char *no_tables[] = { "--conn", conn, "--customers", "1", NULL };
        ck_assert_int_eq(run_sample(no_tables, out, sizeof(out)), 3);
        ck_assert_msg(strstr(out, "create the tables with --create-schema") != NULL, "%s", out);

        /* a second company on top of the first is refused; --clear replaces it */
        const char *first[] = { "--conn", conn, "--customers", "50", "--create-schema", "-q", NULL };
        ck_assert_int_eq(run_sample(first, out, sizeof(out)), 0);
        ck_assert_int_eq(run_sample(first, out, sizeof(out)), 3);
        ck_assert_msg(strstr(out, "spetl-sample: table RM00101 already holds rows: use "
                                  "--clear to replace them, or a new database") != NULL, "%s", out);
        const char *again[] = { "--conn", conn, "--customers", "40", "--clear", "-q", NULL };
        ck_assert_int_eq(run_sample(again, out, sizeof(out)), 0);
        ck_assert_int_eq(sp_dbtest_reopen(SP_DBTEST_SQLITE, "sample_empty", &db, &e), 0);
        ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM RM00101", NULL), 40);
        ck_assert_int_eq(q_int(db, "SELECT COUNT(*) FROM SOP10100", NULL), 40);
        sp_db_close(db);
    }
}
END_TEST

static Suite *sample_suite(void)
{
    Suite *s = suite_create("sample");
    TCase *tc = tcase_create("sample");

    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, company_has_gp_shape_and_hard_cases, 0, SP_DBTEST_COUNT);
    tcase_add_test(tc, same_seed_same_rows_other_seed_other_rows);
    tcase_add_test(tc, a_customer_depends_only_on_seed_and_index);
    tcase_add_test(tc, cluster_stores_the_same_rows_in_key_order);
    tcase_add_test(tc, command_line_errors_are_usage_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sample_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
