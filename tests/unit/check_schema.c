/* check_schema.c -- the SQL scripts in sql/ and their loader (etl/db/schema.c):
 * splitting, finding the directory, running them on the real SQLite and
 * PostgreSQL drivers (loop tests, index 0 SQLite, 1 PostgreSQL), and static
 * checks of the SQL Server scripts, which cannot run here. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/skip.h"
#include "spetl/buf.h"
#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/schema.h"

static char g_msg[2048];

static const char *em(const sp_err *e)
{
    return sp_err_format(e, g_msg, sizeof(g_msg));
}

#define OPEN_OR_SKIP(tag)                                                          \
    sp_db *db = NULL;                                                              \
    sp_err e;                                                                      \
    sp_err_clear(&e);                                                              \
    do {                                                                           \
        int r_ = sp_dbtest_open(_i, (tag), &db, &e);                               \
        SP_SKIP_IF(r_ == 1, "%s", sp_skip_why());                                  \
        ck_assert_msg(r_ == 0, "open %s: %s", sp_dbtest_name(_i), em(&e));         \
    } while (0)

#define OK(call) ck_assert_msg((call) == 0, "%s: %s", #call, em(&e))

/* ---- splitting ------------------------------------------------------------- */

#define MAX_STMTS 400

typedef struct collected {
    int n;
    char *stmt[MAX_STMTS];
    int line[MAX_STMTS];
} collected;

static int collect(const char *stmt, int line, void *ctx)
{
    collected *c = ctx;
    if (c->n >= MAX_STMTS)
        return -1;
    c->stmt[c->n] = strdup(stmt);
    c->line[c->n] = line;
    c->n++;
    return 0;
}

static void collected_free(collected *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->stmt[i]);
    c->n = 0;
}

START_TEST(split_on_semicolon_at_line_end)
{
    static const char script[] =
        "-- a comment; with a semicolon;\n"
        "CREATE TABLE a (x int);\n"
        "\n"
        "INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    NEW.x := 1;\n"
        "    RETURN NEW;\n"
        "END\n"
        "$$;\n"
        "CREATE TRIGGER IF NOT EXISTS t AFTER UPDATE ON a FOR EACH ROW\n"
        "BEGIN\n"
        "    UPDATE a SET x = 2;\n"
        "    UPDATE a SET x = 3;\n"
        "END;\n"
        "CREATE TRIGGER pg_t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();\n"
        "SELECT 'it''s; fine'\n"
        "  FROM a;\n"
        "SELECT 1";
    collected c = {0};
    sp_err e;

    ck_assert_int_eq(sp_schema_split(script, collect, &c, &e), 0);
    ck_assert_int_eq(c.n, 7);
    ck_assert_str_eq(c.stmt[0], "CREATE TABLE a (x int)");
    ck_assert_int_eq(c.line[0], 2);
    ck_assert_str_eq(c.stmt[1], "INSERT INTO a VALUES (1); INSERT INTO a VALUES (2)");
    ck_assert_int_eq(c.line[1], 4);
    ck_assert_str_eq(c.stmt[2], "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                                "NEW.x := 1;\nRETURN NEW;\nEND\n$$");
    ck_assert_int_eq(c.line[2], 5);
    ck_assert_str_eq(c.stmt[3], "CREATE TRIGGER IF NOT EXISTS t AFTER UPDATE ON a FOR EACH ROW\nBEGIN\n"
                                "UPDATE a SET x = 2;\nUPDATE a SET x = 3;\nEND");
    ck_assert_int_eq(c.line[3], 11);
    ck_assert_str_eq(c.stmt[4], "CREATE TRIGGER pg_t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f()");
    ck_assert_str_eq(c.stmt[5], "SELECT 'it''s; fine'\nFROM a");
    ck_assert_str_eq(c.stmt[6], "SELECT 1");
    ck_assert_int_eq(c.line[6], 19);
    collected_free(&c);
}
END_TEST

START_TEST(split_on_go_lines)
{
    static const char script[] =
        "-- header\n"
        "IF OBJECT_ID(N'dbo.a', N'U') IS NULL\n"
        "CREATE TABLE dbo.a (x int);\n"
        "GO\n"
        "CREATE OR ALTER TRIGGER dbo.t ON dbo.a AFTER UPDATE AS\n"
        "set nocount on\n"
        "BEGIN\n"
        "UPDATE dbo.a SET x = 1;\n"
        "END\n"
        "  go  \n"
        "\n"
        "SELECT 1;\n";
    collected c = {0};
    sp_err e;

    ck_assert_int_eq(sp_schema_split(script, collect, &c, &e), 0);
    ck_assert_int_eq(c.n, 3);
    ck_assert_str_eq(c.stmt[0], "IF OBJECT_ID(N'dbo.a', N'U') IS NULL\nCREATE TABLE dbo.a (x int);");
    ck_assert_int_eq(c.line[0], 2);
    ck_assert_str_eq(c.stmt[1], "CREATE OR ALTER TRIGGER dbo.t ON dbo.a AFTER UPDATE AS\nset nocount on\n"
                                "BEGIN\nUPDATE dbo.a SET x = 1;\nEND");
    ck_assert_int_eq(c.line[1], 5);
    ck_assert_str_eq(c.stmt[2], "SELECT 1;");
    collected_free(&c);
}
END_TEST

/* ---- the scripts themselves --------------------------------------------------- */

static char *read_script(const char *dialect, const char *name)
{
    char dir[1024], path[1200];
    sp_err e;
    FILE *f;
    char *text;
    long n;

    ck_assert_msg(sp_schema_find_dir(dir, sizeof(dir), &e) != NULL, "%s", em(&e));
    snprintf(path, sizeof(path), "%s/%s/%s", dir, dialect, name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

static const char *const DIALECTS[3] = {"sqlite", "postgresql", "sqlserver"};
static const char *const FILES[3] = {"gp.sql", "salespad.sql", "spetl.sql"};

/* "TABLE(COL1,COL2,...)" for every CREATE TABLE of a script, upper case,
 * columns in the order written; one table a line. Read from the script's
 * lines: a table's columns are the lines of its body indented by exactly
 * four spaces that start with a name (constraints excluded). */
static void table_shapes(const char *script, sp_buf *out)
{
    sp_err e;
    const char *line = script;
    int in_table = 0, first = 1;

    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (!in_table && strncmp(line, "CREATE TABLE ", 13) == 0) {
            const char *p = line + 13;
            if (strncmp(p, "IF NOT EXISTS ", 14) == 0)
                p += 14;
            if (strncmp(p, "dbo.", 4) == 0)
                p += 4;
            sp_buf_puts(out, "", &e);
            while (isalnum((unsigned char)*p) || *p == '_') {
                char c = (char)toupper((unsigned char)*p++);
                sp_buf_append(out, &c, 1, &e);
            }
            sp_buf_puts(out, "(", &e);
            in_table = 1;
            first = 1;
        } else if (in_table && line[0] == ')') {
            sp_buf_puts(out, ")\n", &e);
            in_table = 0;
        } else if (in_table && len > 4 && strncmp(line, "    ", 4) == 0 &&
                   (isalpha((unsigned char)line[4]) || line[4] == '_')) {
            char col[64];
            int j = 0;
            while (j < 63 && (isalnum((unsigned char)line[4 + j]) || line[4 + j] == '_')) {
                col[j] = (char)toupper((unsigned char)line[4 + j]);
                j++;
            }
            col[j] = '\0';
            if (strcmp(col, "CONSTRAINT") != 0 && strcmp(col, "PRIMARY") != 0 &&
                strcmp(col, "UNIQUE") != 0 && strcmp(col, "CHECK") != 0) {
                sp_buf_printf(out, &e, "%s%s", first ? "" : ",", col);
                first = 0;
            }
        }
        line = nl ? nl + 1 : line + len;
    }
}

START_TEST(every_dialect_defines_the_same_tables_and_columns)
{
    for (int f = 0; f < 3; f++) {
        sp_buf shapes[3];
        for (int d = 0; d < 3; d++) {
            char *text = read_script(DIALECTS[d], FILES[f]);
            sp_buf_init(&shapes[d], 1 << 20);
            table_shapes(text, &shapes[d]);
            free(text);
        }
        ck_assert_msg(strlen(sp_buf_str(&shapes[0])) > 20, "%s: no tables found", FILES[f]);
        ck_assert_msg(strcmp(sp_buf_str(&shapes[0]), sp_buf_str(&shapes[1])) == 0,
                      "%s: sqlite and postgresql differ:\n%s\n---\n%s", FILES[f],
                      sp_buf_str(&shapes[0]), sp_buf_str(&shapes[1]));
        ck_assert_msg(strcmp(sp_buf_str(&shapes[0]), sp_buf_str(&shapes[2])) == 0,
                      "%s: sqlite and sqlserver differ:\n%s\n---\n%s", FILES[f],
                      sp_buf_str(&shapes[0]), sp_buf_str(&shapes[2]));
        if (f == 0) {
            /* all of GP's columns from reference/gp-schema.md */
            const char *s = sp_buf_str(&shapes[0]);
            ck_assert_msg(strstr(s, "RM00101(CUSTNMBR,CUSTNAME,CUSTCLAS,") == s, "%s", s);
            int cols = 0;
            for (const char *p = s; *p; p++)
                cols += *p == ',' || *p == '(';
            ck_assert_int_eq(cols, 103 + 33 + 18 + 25 + 89 + 6 + 191 + 132);
        }
        for (int d = 0; d < 3; d++)
            sp_buf_free(&shapes[d]);
    }
}
END_TEST

START_TEST(sqlserver_scripts_follow_sqlserver_rules)
{
    for (int f = 0; f < 3; f++) {
        char *text = read_script("sqlserver", FILES[f]);
        collected c = {0};
        sp_err e;
        int tables = 0, triggers = 0;

        ck_assert_int_eq(sp_schema_split(text, collect, &c, &e), 0);
        for (int i = 0; i < c.n; i++) {
            const char *s = c.stmt[i];
            ck_assert_msg(strstr(s, "IF NOT EXISTS (SELECT") != NULL || strstr(s, "CREATE TABLE IF") == NULL,
                          "%s: CREATE TABLE IF NOT EXISTS is not SQL Server: %.80s", FILES[f], s);
            if (strstr(s, "CREATE TABLE") != NULL) {
                char guard[160];
                const char *name = strstr(s, "CREATE TABLE dbo.");
                ck_assert_msg(name != NULL, "%s: table not in dbo: %.80s", FILES[f], s);
                name += strlen("CREATE TABLE dbo.");
                int len = (int)strcspn(name, " (");
                snprintf(guard, sizeof(guard), "IF OBJECT_ID(N'dbo.%.*s', N'U') IS NULL\nCREATE TABLE", len,
                         name);
                ck_assert_msg(strncmp(s, guard, strlen(guard)) == 0, "%s: unguarded: %.80s", FILES[f], s);
                tables++;
            }
            if (strstr(s, "CREATE INDEX") != NULL)
                ck_assert_msg(strncmp(s, "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'",
                                      strlen("IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'")) == 0,
                              "%s: unguarded index: %.80s", FILES[f], s);
            if (strstr(s, "TRIGGER") != NULL) {
                /* a trigger must start its batch; it uses the inserted/deleted tables */
                ck_assert_msg(strncmp(s, "CREATE OR ALTER TRIGGER dbo.zDT_", 32) == 0, "%s: %.80s", FILES[f], s);
                ck_assert_msg(strstr(s, " inserted") != NULL || strstr(s, " deleted") != NULL, "%s", s);
                triggers++;
            }
            ck_assert_msg(strstr(s, "strftime") == NULL && strstr(s, "timestamp(3)") == NULL &&
                              strstr(s, "AUTOINCREMENT") == NULL && strstr(s, "GENERATED") == NULL &&
                              strstr(s, "$$") == NULL && strstr(s, "bytea") == NULL &&
                              strstr(s, "boolean") == NULL,
                          "%s: not SQL Server syntax: %.80s", FILES[f], s);
        }
        if (f == 0) {
            ck_assert_int_eq(tables, 8);
            ck_assert_int_eq(triggers, 8);   /* 6 zDT_<table>U + zDT_RM00102C/D */
            ck_assert_msg(strstr(text, "DEX_ROW_TS datetime NOT NULL DEFAULT (getutcdate())") != NULL, "DEX_ROW_TS");
            ck_assert_msg(strstr(text, "DEX_ROW_ID int IDENTITY(1,1) NOT NULL") != NULL, "DEX_ROW_ID");
            ck_assert_msg(strstr(text, "CONSTRAINT PKSOP10200 PRIMARY KEY NONCLUSTERED (SOPNUMBE, SOPTYPE, "
                                       "CMPNTSEQ, LNITMSEQ)") != NULL, "SOP10200 key");
            ck_assert_msg(strstr(text, "UPDATE dbo.RM00101 SET DEX_ROW_TS = GETUTCDATE() FROM dbo.RM00101, "
                                       "deleted WHERE RM00101.CUSTNMBR = deleted.CUSTNMBR") != NULL, "zDT_RM00102D");
        }
        collected_free(&c);
        free(text);
    }
    /* and the other dialects have no GO lines */
    for (int d = 0; d < 2; d++)
        for (int f = 0; f < 3; f++) {
            char *text = read_script(DIALECTS[d], FILES[f]);
            ck_assert_msg(strstr(text, "\nGO\n") == NULL, "%s/%s has a GO line", DIALECTS[d], FILES[f]);
            free(text);
        }
}
END_TEST

START_TEST(script_directory_is_found_and_overridable)
{
    char dir[1024], bad[1024];
    sp_err e;

    unsetenv("SPETL_SQL_DIR");
    sp_schema_set_dir(NULL);
    ck_assert_msg(sp_schema_find_dir(dir, sizeof(dir), &e) != NULL, "%s", em(&e));
    ck_assert_msg(strstr(dir, "sql") != NULL, "%s", dir);

    setenv("SPETL_SQL_DIR", "/nonexistent/spetl-sql", 1);
    ck_assert_ptr_null(sp_schema_find_dir(dir, sizeof(dir), &e));
    ck_assert_int_eq(e.code, SP_EIO);
    ck_assert_str_eq(e.msg, "SPETL_SQL_DIR=/nonexistent/spetl-sql has no SQL scripts (expected "
                            "/nonexistent/spetl-sql/sqlite/spetl.sql)");
    unsetenv("SPETL_SQL_DIR");

    snprintf(bad, sizeof(bad), "%s/empty-sql-dir", getenv("SPETL_TEST_TMP") ? getenv("SPETL_TEST_TMP") : "/tmp");
    sp_schema_set_dir(bad);
    ck_assert_ptr_null(sp_schema_find_dir(dir, sizeof(dir), &e));
    ck_assert_int_eq(e.code, SP_EIO);
    sp_schema_set_dir(NULL);
}
END_TEST

/* ---- running them on the real drivers ----------------------------------------------- */

static const char *const OWN_TABLES[] = {"spAAIntegratedEntityLink", "spAAComponentState", "spAARunHistory",
                                         "spAAActionCenter", "spAARunLock", "spProspectContact",
                                         "spWorkflowQueueOrder", "spSalesDocumentAudit"};
static const char *const GP_TABLES[] = {"RM00101", "RM00102", "SY01200", "SOP00200",
                                        "IV00101", "IV00105", "SOP10100", "SOP10200"};

START_TEST(init_twice_creates_own_tables_and_never_gp_tables)
{
    OPEN_OR_SKIP("init");
    int exists;

    OK(sp_schema_init(db, &e));
    OK(sp_schema_init(db, &e));
    for (size_t i = 0; i < sizeof(OWN_TABLES) / sizeof(OWN_TABLES[0]); i++) {
        OK(sp_db_table_exists(db, OWN_TABLES[i], &exists, &e));
        ck_assert_msg(exists == 1, "%s missing", OWN_TABLES[i]);
    }
    for (size_t i = 0; i < sizeof(GP_TABLES) / sizeof(GP_TABLES[0]); i++) {
        OK(sp_db_table_exists(db, GP_TABLES[i], &exists, &e));
        ck_assert_msg(exists == 0, "%s created by sp_schema_init", GP_TABLES[i]);
    }
    ck_assert_int_eq(sp_db_in_transaction(db), 0);
    /* GP's tables come only from sp_schema_create_gp, also safe twice */
    OK(sp_schema_create_gp(db, &e));
    OK(sp_schema_create_gp(db, &e));
    for (size_t i = 0; i < sizeof(GP_TABLES) / sizeof(GP_TABLES[0]); i++) {
        OK(sp_db_table_exists(db, GP_TABLES[i], &exists, &e));
        ck_assert_msg(exists == 1, "%s missing", GP_TABLES[i]);
    }
    sp_db_close(db);
}
END_TEST

static void q1(sp_db *db, const char *sql, const char *param, char *out, size_t n)
{
    sp_err e;
    sp_stmt *st = NULL;
    OK(sp_stmt_prepare(db, sql, &st, &e));
    if (param != NULL)
        OK(sp_stmt_bind_text(st, 1, param, &e));
    OK(sp_stmt_exec(st, NULL, &e));
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    snprintf(out, n, "%s", sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "(null)");
    sp_stmt_free(st);
}

START_TEST(gp_tables_have_gp_defaults_and_dex_row_ts_triggers)
{
    OPEN_OR_SKIP("gp");
    char v[128], before[64];
    int64_t ms;
    sp_stmt *st = NULL;

    OK(sp_schema_create_gp(db, &e));
    /* GP's bound defaults: an insert names only what it sets */
    OK(sp_db_exec(db, "INSERT INTO RM00101 (CUSTNMBR, CUSTNAME, DEX_ROW_TS) VALUES "
                      "('AARONFIT0001', 'Aaron Fitz Electrical', '2001-02-03 04:05:06.007')", NULL, &e));
    q1(db, "SELECT CUSTCLAS FROM RM00101 WHERE CUSTNMBR = ?", "AARONFIT0001", v, sizeof(v));
    ck_assert_str_eq(v, "");
    q1(db, "SELECT CRLMTAMT FROM RM00101 WHERE CUSTNMBR = ?", "AARONFIT0001", v, sizeof(v));
    ck_assert_msg(strtod(v, NULL) == 0.0, "%s", v);
    q1(db, "SELECT CREATDDT FROM RM00101 WHERE CUSTNMBR = ?", "AARONFIT0001", v, sizeof(v));
    ck_assert_msg(strncmp(v, "1900-01-01 00:00:00", 19) == 0, "%s", v);
    q1(db, "SELECT DEX_ROW_ID FROM RM00101 WHERE CUSTNMBR = ?", "AARONFIT0001", v, sizeof(v));
    ck_assert_str_eq(v, "1");
    q1(db, "SELECT DEX_ROW_TS FROM RM00101 WHERE CUSTNMBR = ?", "AARONFIT0001", before, sizeof(before));
    ck_assert_str_eq(before, "2001-02-03 04:05:06.007");

    /* zDT_RM00101U: an update stamps DEX_ROW_TS with UTC now */
    OK(sp_db_exec(db, "UPDATE RM00101 SET PHONE1 = '13125550102' WHERE CUSTNMBR = 'AARONFIT0001'", NULL, &e));
    OK(sp_stmt_prepare(db, "SELECT DEX_ROW_TS FROM RM00101 WHERE CUSTNMBR = ?", &st, &e));
    OK(sp_stmt_bind_text(st, 1, "AARONFIT0001", &e));
    OK(sp_stmt_exec(st, NULL, &e));
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 1);
    OK(sp_stmt_time(st, 0, &ms, &e));
    ck_assert_msg(ms > 1767225600000LL, "DEX_ROW_TS not stamped: %s", sp_stmt_text(st, 0)); /* > 2026-01-01 */
    if (_i == SP_DBTEST_SQLITE)   /* millisecond text form */
        ck_assert_uint_eq(strlen(sp_stmt_text(st, 0)), 23);

    /* an email change (SY01200) does not touch the customer */
    OK(sp_db_exec(db, "UPDATE RM00101 SET DEX_ROW_TS = '2001-02-03 04:05:06.007' WHERE 1 = 0", NULL, &e));
    OK(sp_db_exec(db, "INSERT INTO RM00101 (CUSTNMBR, DEX_ROW_TS) VALUES ('NORTHERN0001', '2001-02-03 04:05:06.007')",
                  NULL, &e));
    OK(sp_db_exec(db, "INSERT INTO SY01200 (Master_Type, Master_ID, ADRSCODE, INET1) VALUES "
                      "('CUS', 'NORTHERN0001', 'PRIMARY', 'a@example.com')", NULL, &e));
    OK(sp_db_exec(db, "UPDATE SY01200 SET INET1 = 'b@example.com' WHERE Master_ID = 'NORTHERN0001'", NULL, &e));
    q1(db, "SELECT DEX_ROW_TS FROM RM00101 WHERE CUSTNMBR = ?", "NORTHERN0001", v, sizeof(v));
    ck_assert_str_eq(v, "2001-02-03 04:05:06.007");

    /* zDT_RM00102C: adding an address touches RM00101.DEX_ROW_TS */
    OK(sp_db_exec(db, "INSERT INTO RM00102 (CUSTNMBR, ADRSCODE, ADDRESS1) VALUES "
                      "('NORTHERN0001', 'PRIMARY', '11403 45 St. South')", NULL, &e));
    q1(db, "SELECT DEX_ROW_TS FROM RM00101 WHERE CUSTNMBR = ?", "NORTHERN0001", v, sizeof(v));
    ck_assert_msg(strcmp(v, "2026-01-01") > 0, "RM00102 insert did not touch RM00101: %s", v);
    sp_stmt_free(st);
    sp_db_close(db);
}
END_TEST

START_TEST(own_tables_enforce_their_keys)
{
    OPEN_OR_SKIP("own");
    sp_stmt *st = NULL;
    char v[64];
    int64_t n;

    OK(sp_schema_init(db, &e));
    OK(sp_stmt_prepare(db, "INSERT INTO spAAIntegratedEntityLink (Hub_ID, Entity_Type, Entity_Key, "
                           "HubSpot_Object_Type, HubSpot_ID, Payload_Hash) VALUES (?, ?, ?, ?, ?, ?)", &st, &e));
    OK(sp_stmt_bind_text(st, 1, "12345678", &e));
    OK(sp_stmt_bind_text(st, 2, "CUSTOMER", &e));
    OK(sp_stmt_bind_text(st, 3, "AARONFIT0001", &e));
    OK(sp_stmt_bind_text(st, 4, "companies", &e));
    OK(sp_stmt_bind_text(st, 5, "18446744073709551617", &e));   /* more than 64 bits */
    OK(sp_stmt_bind_null(st, 6, SP_TYPE_TEXT, &e));
    OK(sp_stmt_exec(st, &n, &e));
    ck_assert_int_eq(n, 1);
    /* the same HubSpot object for another entity: refused */
    OK(sp_stmt_bind_text(st, 3, "NORTHERN0001", &e));
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), -1);
    ck_assert_msg(strncmp(e.sqlstate, "23", 2) == 0, "%s", em(&e));
    /* the same entity linked twice: refused */
    OK(sp_stmt_bind_text(st, 3, "AARONFIT0001", &e));
    OK(sp_stmt_bind_text(st, 5, "99", &e));
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), -1);
    ck_assert_msg(strncmp(e.sqlstate, "23", 2) == 0, "%s", em(&e));
    /* an unknown entity type: refused by the CHECK */
    OK(sp_stmt_bind_text(st, 2, "VENDOR", &e));
    OK(sp_stmt_bind_text(st, 3, "V1", &e));
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), -1);
    ck_assert_msg(strncmp(e.sqlstate, "23", 2) == 0, "%s", em(&e));
    sp_stmt_free(st);
    q1(db, "SELECT HubSpot_ID FROM spAAIntegratedEntityLink WHERE Entity_Key = ?", "AARONFIT0001", v, sizeof(v));
    ck_assert_str_eq(v, "18446744073709551617");
    q1(db, "SELECT Created_On FROM spAAIntegratedEntityLink WHERE Entity_Key = ?", "AARONFIT0001", v, sizeof(v));
    ck_assert_msg(strncmp(v, "20", 2) == 0, "%s", v);

    /* queue order: SalesPad's type name, SOPTYPE derived for joins with SOP10100 */
    OK(sp_db_exec(db, "INSERT INTO spWorkflowQueueOrder (Sales_Doc_Type, Queue, Next_Queue) "
                      "VALUES ('ORDER', 'NEW', 'HUBSPOT')", NULL, &e));
    q1(db, "SELECT SOPTYPE FROM spWorkflowQueueOrder WHERE Queue = ?", "NEW", v, sizeof(v));
    ck_assert_str_eq(v, "2");
    ck_assert_int_eq(sp_db_exec(db, "INSERT INTO spWorkflowQueueOrder (Sales_Doc_Type, Queue, Next_Queue) "
                                    "VALUES ('ORDERS', 'X', 'Y')", NULL, &e), -1);
    OK(sp_db_exec(db, "INSERT INTO spSalesDocumentAudit (Sales_Doc_Type, Sales_Doc_Num, Created_By, Note) "
                      "VALUES ('QUOTE', 'QTEST1001', 'spetl', 'line 16384: item 100XLG has no HubSpot product')",
                  NULL, &e));
    q1(db, "SELECT SOPTYPE FROM spSalesDocumentAudit WHERE Sales_Doc_Num = ?", "QTEST1001", v, sizeof(v));
    ck_assert_str_eq(v, "1");
    q1(db, "SELECT Audit_ID FROM spSalesDocumentAudit WHERE Sales_Doc_Num = ?", "QTEST1001", v, sizeof(v));
    ck_assert_str_eq(v, "1");

    /* the run lock admits one run per hub */
    OK(sp_db_exec(db, "INSERT INTO spAARunLock (Hub_ID, Run_ID, Host, PID) VALUES ('12345678', 'r1', 'h', 1)",
                  NULL, &e));
    ck_assert_int_eq(sp_db_exec(db, "INSERT INTO spAARunLock (Hub_ID, Run_ID, Host, PID) VALUES "
                                    "('12345678', 'r2', 'h', 2)", NULL, &e), -1);
    ck_assert_msg(strncmp(e.sqlstate, "23", 2) == 0, "%s", em(&e));

    /* prospect contact DEX_ROW_TS is stamped on update */
    OK(sp_db_exec(db, "INSERT INTO spProspectContact (PROSPID, Contact_ID, Contact_Name, DEX_ROW_TS) VALUES "
                      "('PROSP0001', 'PRIMARY', 'Ana', '2001-01-01 00:00:00.000')", NULL, &e));
    OK(sp_db_exec(db, "UPDATE spProspectContact SET Title = 'CEO' WHERE PROSPID = 'PROSP0001'", NULL, &e));
    q1(db, "SELECT DEX_ROW_TS FROM spProspectContact WHERE PROSPID = ?", "PROSP0001", v, sizeof(v));
    ck_assert_msg(strcmp(v, "2026-01-01") > 0, "%s", v);
    sp_db_close(db);
}
END_TEST

START_TEST(a_failing_script_names_file_and_line_and_rolls_back)
{
    OPEN_OR_SKIP("badscript");
    char dir[1024], sub[1100], path[1200];
    int exists;
    FILE *f;

    snprintf(dir, sizeof(dir), "%s/badsql", getenv("SPETL_TEST_TMP"));
    mkdir(dir, 0755);
    for (int d = 0; d < 2; d++) {
        snprintf(sub, sizeof(sub), "%s/%s", dir, DIALECTS[d]);
        mkdir(sub, 0755);
        snprintf(path, sizeof(path), "%s/spetl.sql", sub);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("-- test\nCREATE TABLE good_one (x int);\nCREATE TABLE broken (x nosuchtype(;\n", f);
        fclose(f);
    }
    sp_schema_set_dir(dir);
    ck_assert_int_eq(sp_schema_init(db, &e), -1);
    ck_assert_int_eq(e.code, SP_EDB);
    snprintf(path, sizeof(path), "%s/%s/spetl.sql", dir, DIALECTS[_i]);
    ck_assert_str_eq(e.file, path);
    ck_assert_int_eq(e.line, 3);
    ck_assert_msg(strstr(e.statement, "CREATE TABLE broken") == e.statement, "%s", e.statement);
    sp_schema_set_dir(NULL);
    /* one transaction: the good statement before it is rolled back too */
    OK(sp_db_table_exists(db, "good_one", &exists, &e));
    ck_assert_int_eq(exists, 0);
    ck_assert_int_eq(sp_db_in_transaction(db), 0);
    sp_db_close(db);
}
END_TEST

static Suite *schema_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("scripts");
    tcase_add_test(tc, split_on_semicolon_at_line_end);
    tcase_add_test(tc, split_on_go_lines);
    tcase_add_test(tc, every_dialect_defines_the_same_tables_and_columns);
    tcase_add_test(tc, sqlserver_scripts_follow_sqlserver_rules);
    tcase_add_test(tc, script_directory_is_found_and_overridable);
    suite_add_tcase(s, tc);

    tc = tcase_create("databases");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, init_twice_creates_own_tables_and_never_gp_tables, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, gp_tables_have_gp_defaults_and_dex_row_ts_triggers, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, own_tables_enforce_their_keys, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, a_failing_script_names_file_and_line_and_rolls_back, 0, SP_DBTEST_COUNT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(schema_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
