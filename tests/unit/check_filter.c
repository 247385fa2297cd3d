/* check_filter.c -- component filters: checked, and every value bound (etl/pipeline/filter.c). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/filter.h"
#include "spetl/job.h"
#include "spetl/mem.h"

static sp_arena *arena;
static sp_job_column *rm00101;
static size_t nrm00101;

/* RM00101's own columns (not INET1, which lives in SY01200). */
static void setup(void)
{
    size_t n = 0;
    const sp_job_column *all = sp_job_entity_columns(SP_ENTITY_CUSTOMER, &n);
    arena = sp_arena_new(0);
    rm00101 = sp_xcalloc(n, sizeof(*rm00101));
    nrm00101 = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].table, "RM00101") == 0)
            rm00101[nrm00101++] = all[i];
}

static void teardown(void)
{
    sp_arena_free(arena);
    free(rm00101);
}

static sp_filter_opts opts(sp_dialect d)
{
    sp_filter_opts o;
    memset(&o, 0, sizeof(o));
    o.columns = rm00101;
    o.ncolumns = nrm00101;
    o.table = "RM00101";
    o.component = "customer-export";
    o.dialect = d;
    return o;
}

static sp_filter *ok(const char *text)
{
    sp_filter_opts o = opts(SP_DIALECT_SQLITE);
    sp_filter *f = NULL;
    sp_err e;
    char line[1200];
    sp_err_clear(&e);
    if (sp_filter_compile(text, &o, arena, &f, &e) != 0)
        ck_abort_msg("refused [%s]: %d:%d: %s", text, e.line, e.col, sp_err_format(&e, line, sizeof(line)));
    return f;
}

/* A refusal: the exact message and where it points. */
static void refused(const char *text, int line, int col, const char *msg)
{
    sp_filter_opts o = opts(SP_DIALECT_SQLITE);
    sp_filter *f = (sp_filter *)1;
    sp_err e;
    sp_err_clear(&e);
    ck_assert_msg(sp_filter_compile(text, &o, arena, &f, &e) == -1, "accepted: %s", text);
    ck_assert_ptr_null(f);
    ck_assert_int_eq(e.code, SP_EJOB);
    ck_assert_str_eq(e.msg, msg);
    ck_assert_str_eq(e.file, "");
    ck_assert_msg(e.line == line && e.col == col, "[%s] at %d:%d, expected %d:%d", text, e.line, e.col, line, col);
}

static void param(const sp_filter *f, size_t i, sp_filter_type type, const char *text)
{
    ck_assert_uint_lt(i, f->nparams);
    ck_assert_str_eq(sp_filter_type_name(f->params[i].type), sp_filter_type_name(type));
    ck_assert_str_eq(f->params[i].text, text);
}

START_TEST(binds_every_value_of_the_first_example)
{
    sp_filter *f = ok("CUSTCLAS = 'RETAIL' AND INACTIVE = 0 AND (STATE IN ('IL','WI') OR CUSTNAME LIKE 'A%')");
    ck_assert_str_eq(f->sql, "CUSTCLAS = ? AND INACTIVE = ? AND (STATE IN (?, ?) OR CUSTNAME LIKE ?)");
    ck_assert_uint_eq(f->nparams, 5);
    param(f, 0, SP_FILTER_TEXT, "RETAIL");
    param(f, 1, SP_FILTER_NUMBER, "0");
    ck_assert_int_eq(f->params[1].is_integer, 1);
    param(f, 2, SP_FILTER_TEXT, "IL");
    param(f, 3, SP_FILTER_TEXT, "WI");
    param(f, 4, SP_FILTER_TEXT, "A%");
    ck_assert_int_eq(f->params[0].line, 1);
    ck_assert_int_eq(f->params[0].col, 12);
    ck_assert_int_eq(f->params[3].col, 58);
}
END_TEST

START_TEST(binds_a_date_as_the_database_text_form)
{
    sp_filter *f = ok("DEX_ROW_TS >= '2026-01-01' AND NOT HOLD = 1");
    ck_assert_str_eq(f->sql, "DEX_ROW_TS >= ? AND NOT HOLD = ?");
    ck_assert_uint_eq(f->nparams, 2);
    param(f, 0, SP_FILTER_DATETIME, "2026-01-01 00:00:00.000");
    param(f, 1, SP_FILTER_NUMBER, "1");

    f = ok("CREATDDT BETWEEN '2025-12-31 23:59:59.5' AND '2026-02-28T08:30:00Z'");
    ck_assert_str_eq(f->sql, "CREATDDT BETWEEN ? AND ?");
    param(f, 0, SP_FILTER_DATETIME, "2025-12-31 23:59:59.500");
    param(f, 1, SP_FILTER_DATETIME, "2026-02-28 08:30:00.000");
}
END_TEST

START_TEST(canonical_spelling_and_keywords_ignore_case)
{
    sp_filter *f = ok("custclas = 'x' and rm00101.Inactive = 0 or not revalue_customer = 1");
    ck_assert_str_eq(f->sql, "CUSTCLAS = ? AND INACTIVE = ? OR NOT Revalue_Customer = ?");
    f = ok("[CUSTNAME] <> N'Zoë' AND \"custclas\" != 'A' AND RM00101.[STATE] <= 'M'");
    ck_assert_str_eq(f->sql, "CUSTNAME <> ? AND CUSTCLAS != ? AND STATE <= ?");
    param(f, 0, SP_FILTER_TEXT, "Zoë");
}
END_TEST

START_TEST(quotes_and_semicolons_inside_values_are_data)
{
    sp_filter *f = ok("CUSTNAME = 'O''Brien' OR CUSTNAME = 'A; DROP TABLE RM00101; --' OR COMMENT1 = '/* x */'");
    ck_assert_str_eq(f->sql, "CUSTNAME = ? OR CUSTNAME = ? OR COMMENT1 = ?");
    param(f, 0, SP_FILTER_TEXT, "O'Brien");
    param(f, 1, SP_FILTER_TEXT, "A; DROP TABLE RM00101; --");
    param(f, 2, SP_FILTER_TEXT, "/* x */");
    f = ok("CUSTNAME LIKE 'Müller & Söhne%' OR CUSTNAME = 'Café Noël' OR CUSTNAME = ''''");
    param(f, 0, SP_FILTER_TEXT, "Müller & Söhne%");
    param(f, 1, SP_FILTER_TEXT, "Café Noël");
    param(f, 2, SP_FILTER_TEXT, "'");
    f = ok("CUSTNAME = ''");
    param(f, 0, SP_FILTER_TEXT, "");
}
END_TEST

START_TEST(functions_and_the_dialects_length)
{
    sp_filter_opts o = opts(SP_DIALECT_SQLSERVER);
    sp_filter *f;
    sp_err e;

    f = ok("UPPER(RTRIM(CUSTNAME)) LIKE 'A%' AND LEN(ZIP) = 5 AND LOWER(LTRIM(STATE)) = 'il'");
    ck_assert_str_eq(f->sql, "UPPER(RTRIM(CUSTNAME)) LIKE ? AND LENGTH(ZIP) = ? AND LOWER(LTRIM(STATE)) = ?");
    param(f, 1, SP_FILTER_NUMBER, "5");
    ck_assert_int_eq(sp_filter_compile("length(ZIP) > 5", &o, arena, &f, &e), 0);
    ck_assert_str_eq(f->sql, "LEN(ZIP) > ?");
}
END_TEST

START_TEST(between_in_is_null_like_escape)
{
    sp_filter *f = ok("CRLMTAMT BETWEEN 100 AND 5000.50 AND NOT STATE NOT IN ('IL') AND CRLMTAMT NOT BETWEEN -1 AND +.5");
    ck_assert_str_eq(f->sql, "CRLMTAMT BETWEEN ? AND ? AND NOT STATE NOT IN (?) AND CRLMTAMT NOT BETWEEN ? AND ?");
    param(f, 0, SP_FILTER_NUMBER, "100");
    param(f, 1, SP_FILTER_NUMBER, "5000.5");
    ck_assert_int_eq(f->params[1].is_integer, 0);
    param(f, 3, SP_FILTER_NUMBER, "-1");
    param(f, 4, SP_FILTER_NUMBER, "0.5");

    f = ok("COMMENT1 IS NOT NULL OR (COMMENT2 IS NULL)");
    ck_assert_str_eq(f->sql, "COMMENT1 IS NOT NULL OR (COMMENT2 IS NULL)");
    ck_assert_uint_eq(f->nparams, 0);

    f = ok("CUSTNAME NOT LIKE '100!%%' ESCAPE '!' AND CRLMTTYP IN (1, 2)");
    ck_assert_str_eq(f->sql, "CUSTNAME NOT LIKE ? ESCAPE ? AND CRLMTTYP IN (?, ?)");
    param(f, 0, SP_FILTER_TEXT, "100!%%");
    param(f, 1, SP_FILTER_TEXT, "!");
}
END_TEST

START_TEST(columns_compared_with_columns)
{
    sp_filter *f = ok("PRBTADCD = PRSTADCD AND CREATDDT < MODIFDT");
    ck_assert_str_eq(f->sql, "PRBTADCD = PRSTADCD AND CREATDDT < MODIFDT");
    refused("CUSTCLAS = INACTIVE", 1, 1, "CUSTCLAS is a text column and INACTIVE: they cannot be compared");
}
END_TEST

START_TEST(alias_and_quoted_identifiers)
{
    sp_filter_opts o = opts(SP_DIALECT_POSTGRESQL);
    sp_filter *f;
    sp_err e;

    o.alias = "c";
    o.quote_identifiers = 1;
    ck_assert_int_eq(sp_filter_compile("custclas = 'A' AND len(zip) = 5", &o, arena, &f, &e), 0);
    ck_assert_str_eq(f->sql, "c.\"CUSTCLAS\" = ? AND LENGTH(c.\"ZIP\") = ?");
    o.dialect = SP_DIALECT_SQLSERVER;
    ck_assert_int_eq(sp_filter_compile("custclas = 'A' AND len(zip) = 5", &o, arena, &f, &e), 0);
    ck_assert_str_eq(f->sql, "c.[CUSTCLAS] = ? AND LEN(c.[ZIP]) = ?");
    o.quote_identifiers = 0;
    ck_assert_int_eq(sp_filter_compile("custclas = 'A'", &o, arena, &f, &e), 0);
    ck_assert_str_eq(f->sql, "c.CUSTCLAS = ?");
}
END_TEST

START_TEST(and_with_the_callers_condition)
{
    sp_filter *f = ok("INACTIVE = 0 AND CUSTCLAS = 'RETAIL'");
    size_t first = 0;
    ck_assert_str_eq(sp_filter_and(f, "DEX_ROW_TS >= ? AND CUSTNMBR > ?", arena, &first),
                     "(INACTIVE = ? AND CUSTCLAS = ?) AND (DEX_ROW_TS >= ? AND CUSTNMBR > ?)");
    ck_assert_uint_eq(first, 3);
    ck_assert_str_eq(sp_filter_and(f, NULL, arena, &first), "(INACTIVE = ? AND CUSTCLAS = ?)");
    ck_assert_uint_eq(first, 3);
    ck_assert_str_eq(sp_filter_and(NULL, "CUSTNMBR > ?", arena, &first), "CUSTNMBR > ?");
    ck_assert_uint_eq(first, 1);
    ck_assert_str_eq(sp_filter_and(NULL, "", arena, &first), "");
}
END_TEST

START_TEST(refuses_statements_and_comments)
{
    refused("INACTIVE = 0; DROP TABLE RM00101", 1, 13,
            "';' is not allowed: a filter is one condition, not a statement");
    refused("INACTIVE = 0 -- only active", 1, 14, "comments ('--', '/*') are not allowed in a filter");
    refused("/* x */ INACTIVE = 0", 1, 1, "comments ('--', '/*') are not allowed in a filter");
    refused("CUSTNMBR IN (SELECT CUSTNMBR FROM RM00102)", 1, 14,
            "SELECT is not allowed in the filter of customer-export: IN takes a list of values, not a subquery");
    refused("EXISTS (SELECT 1 FROM RM00102)", 1, 1,
            "EXISTS is not allowed in the filter of customer-export: a filter is one condition on RM00101, "
            "without subqueries or statements");
    refused("(SELECT 1) = 1", 1, 2,
            "SELECT is not allowed in the filter of customer-export: a filter is one condition on RM00101, "
            "without subqueries or statements");
    refused("CUSTNMBR = (SELECT MAX(CUSTNMBR) FROM RM00101)", 1, 13,
            "SELECT is not allowed in the filter of customer-export: a filter is one condition on RM00101, "
            "without subqueries or statements");
    refused("INACTIVE = 0 UNION SELECT 1", 1, 14, "expected AND or OR, found 'UNION' after a complete condition");
    refused("DROP = 1", 1, 1,
            "DROP is not allowed in the filter of customer-export: a filter is one condition on RM00101, "
            "without subqueries or statements");
}
END_TEST

START_TEST(refuses_unknown_names)
{
    refused("CUSTNMAE = 'x'", 1, 1,
            "unknown column 'CUSTNMAE' in the filter of customer-export; RM00101 has no such column "
            "(did you mean CUSTNAME?)");
    refused("INACTIVE = 0 AND WIDGETS = 1", 1, 18,
            "unknown column 'WIDGETS' in the filter of customer-export; RM00101 has no such column");
    /* INET1 is a customer column, but it lives in SY01200, not in the filtered table */
    refused("INET1 LIKE '%@example.com'", 1, 1,
            "unknown column 'INET1' in the filter of customer-export; RM00101 has no such column");
    refused("CONCAT(CUSTNAME) = 'x'", 1, 1,
            "unknown function 'CONCAT' in the filter of customer-export; the functions allowed are UPPER, "
            "LOWER, LTRIM, RTRIM, LEN and LENGTH");
    refused("RM00102.CUSTCLAS = 'A'", 1, 1, "unknown table 'RM00102' in the filter of customer-export: it filters RM00101");
    refused("RM00101.CUSTNMAE = 'A'", 1, 9,
            "unknown column 'CUSTNMAE' in the filter of customer-export; RM00101 has no such column "
            "(did you mean CUSTNAME?)");
}
END_TEST

START_TEST(refuses_broken_structure)
{
    refused("", 1, 1, "the filter is empty: remove it to take every row of RM00101");
    refused(" \n  ", 2, 3, "the filter is empty: remove it to take every row of RM00101");
    refused("(INACTIVE = 0", 1, 1, "'(' without ')'");
    refused("((INACTIVE = 0) OR (HOLD = 1)", 1, 1, "'(' without ')'");
    refused("INACTIVE = 0)", 1, 13, "')' without '('");
    refused("CUSTNAME = 'O'Brien'", 1, 20,
            "a quoted value is not closed: add the closing ' (write '' for a quote inside it)");
    refused("[CUSTNAME = 'x'", 1, 1, "a quoted column name is not closed: add the closing ]");
    refused("INACTIVE", 1, 9,
            "expected a comparison (=, <>, <, >, <=, >=, LIKE, IN, BETWEEN, IS NULL) after INACTIVE, "
            "found the end of the filter");
    refused("INACTIVE = 0 HOLD = 1", 1, 14, "expected AND or OR, found 'HOLD' after a complete condition");
    refused("INACTIVE = ", 1, 12, "expected a column, a value or a function, found the end of the filter");
    refused("INACTIVE = 0 AND", 1, 17, "expected a column, a value or a function, found the end of the filter");
    refused("INACTIVE = AND HOLD = 1", 1, 12, "expected a column, a value or a function, found 'AND'");
    refused("INACTIVE == 0", 1, 11, "expected a column, a value or a function, found '='");
    refused("INACTIVE = 1e5", 1, 12, "'1e5' is not a number: write plain decimals such as 12, -3 or 59.95");
    refused("INACTIVE = @x", 1, 12,
            "unexpected character '@': a filter compares columns with values (=, <>, <, >, <=, >=, LIKE, IN, "
            "BETWEEN, IS NULL) joined by AND, OR and NOT");
    refused("CRLMTAMT = 1 + 1", 1, 14,
            "unexpected character '+': a filter compares columns with values (=, <>, <, >, <=, >=, LIKE, IN, "
            "BETWEEN, IS NULL) joined by AND, OR and NOT");
    refused("CRLMTAMT * 2 > 1", 1, 10,
            "unexpected character '*': a filter compares columns with values (=, <>, <, >, <=, >=, LIKE, IN, "
            "BETWEEN, IS NULL) joined by AND, OR and NOT");
    refused("(CUSTCLAS) = 'A'", 1, 10,
            "expected a comparison (=, <>, <, >, <=, >=, LIKE, IN, BETWEEN, IS NULL) after CUSTCLAS, found ')'");
    refused("INACTIVE NOT = 1", 1, 10, "expected a comparison (=, <>, <, >, <=, >=, LIKE, IN, BETWEEN, IS NULL) after "
                                      "INACTIVE, found 'NOT'");
    refused("CRLMTAMT BETWEEN 1 OR 2", 1, 20, "expected AND in BETWEEN ... AND ..., found 'OR'");
    refused("COMMENT1 IS 'x'", 1, 13, "expected NULL after IS, found a quoted value");
}
END_TEST

START_TEST(refuses_nulls_types_and_bad_values)
{
    refused("STATE = NULL", 1, 9, "'= NULL' is never true in SQL: write STATE IS NULL");
    refused("NULL <> STATE", 1, 1, "'<> NULL' is never true in SQL: write STATE IS NOT NULL");
    refused("'a' = 'b'", 1, 1, "a comparison needs a column: this one compares two values");
    refused("1 = 1 OR INACTIVE = 0", 1, 1, "a comparison needs a column: this one compares two values");
    refused("INACTIVE = '0'", 1, 12, "INACTIVE is a number column: write the number without quotes (0, not '0')");
    refused("CUSTCLAS = 5", 1, 12, "CUSTCLAS is a text column: quote the value ('5')");
    refused("LEN(CUSTNAME) > '5'", 1, 17, "LENGTH(...) gives a number: write the number without quotes (0, not '0')");
    refused("DEX_ROW_TS >= 20260101", 1, 15, "DEX_ROW_TS is a date column: write the date quoted, as '2026-01-01'");
    refused("DEX_ROW_TS >= '2026-02-30'", 1, 15,
            "'2026-02-30' is not a date: DEX_ROW_TS is a date column, write 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS' "
            "(UTC)");
    refused("CREATDDT BETWEEN '2026-01-01' AND 'soon'", 1, 35,
            "'soon' is not a date: CREATDDT is a date column, write 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS' (UTC)");
    refused("STATE IN ('IL', NULL)", 1, 17, "NULL in an IN list never matches: write (STATE IS NULL OR STATE IN (...))");
    refused("STATE IN ()", 1, 11, "IN takes a list of values (quoted text or numbers), found ')'");
    refused("STATE IN ('IL' 'WI')", 1, 16, "expected ',' or ')' in the IN list, found a quoted value");
    refused("STATE IN (CITY)", 1, 11, "IN takes a list of values (quoted text or numbers), found 'CITY'");
    refused("INACTIVE IN ('1')", 1, 14, "INACTIVE is a number column: write the number without quotes (0, not '0')");
    refused("CUSTNAME LIKE CUSTCLAS", 1, 15, "LIKE needs a quoted pattern, as LIKE 'A%'; found 'CUSTCLAS'");
    refused("INACTIVE LIKE '1%'", 1, 1, "LIKE needs text: INACTIVE is a number column");
    refused("'A%' LIKE CUSTNAME", 1, 1, "LIKE needs a column on its left, not a value");
    refused("CUSTNAME LIKE 'a' ESCAPE '!!'", 1, 26, "ESCAPE needs exactly one character in quotes, as ESCAPE '!'");
    refused("UPPER(INACTIVE) = 'X'", 1, 7, "UPPER needs text, but INACTIVE is a number");
    refused("UPPER('x') = CUSTNAME", 1, 7, "a function takes a column here, not a value");
    refused("UPPER(CUSTNAME, 1) = 'X'", 1, 15, "expected ')' to close UPPER(, found ',' (functions take one column)");
    refused("UPPER() = 'X'", 1, 7, "UPPER needs a column: UPPER(CUSTNAME)");
    refused("CUSTNAME = 'bad \xff byte'", 1, 12, "the quoted value is not valid UTF-8");
    refused("CUSTNAME = 'x' AND CUSTNAME = \xc3\xa9", 1, 31,
            "unexpected character '\xc3\xa9': a filter compares columns with values (=, <>, <, >, <=, >=, LIKE, IN, "
            "BETWEEN, IS NULL) joined by AND, OR and NOT");
}
END_TEST

START_TEST(refuses_deep_nesting_and_long_text)
{
    char text[SP_FILTER_MAX_TEXT + 2];
    size_t n = 0;

    for (int i = 0; i < 40; i++)
        text[n++] = '(';
    memcpy(text + n, "INACTIVE = 0", 12);
    n += 12;
    for (int i = 0; i < 40; i++)
        text[n++] = ')';
    text[n] = '\0';
    refused(text, 1, 33, "the filter nests deeper than 32 levels");

    n = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(text + n, "NOT ", 4);
        n += 4;
    }
    memcpy(text + n, "INACTIVE = 0", 13);
    refused(text, 1, 129, "the filter nests deeper than 32 levels");

    /* 32 levels are fine */
    n = 0;
    for (int i = 0; i < 32; i++)
        text[n++] = '(';
    memcpy(text + n, "INACTIVE = 0", 12);
    n += 12;
    for (int i = 0; i < 32; i++)
        text[n++] = ')';
    text[n] = '\0';
    ok(text);

    memset(text, ' ', SP_FILTER_MAX_TEXT + 1);
    memcpy(text, "INACTIVE = 0", 12);
    text[SP_FILTER_MAX_TEXT + 1] = '\0';
    refused(text, 1, 1, "the filter is 8001 bytes long; at most 8000 are allowed");
}
END_TEST

START_TEST(positions_count_lines_and_characters)
{
    /* "CUSTNAME = 'Café' AND " is 22 characters (23 bytes) */
    refused("CUSTNAME = 'Café' AND CUSTNMAE = 'x'", 1, 23,
            "unknown column 'CUSTNMAE' in the filter of customer-export; RM00101 has no such column "
            "(did you mean CUSTNAME?)");
    refused("INACTIVE = 0\n  AND CUSTNMAE = 'x'", 2, 7,
            "unknown column 'CUSTNMAE' in the filter of customer-export; RM00101 has no such column "
            "(did you mean CUSTNAME?)");
}
END_TEST

START_TEST(job_filter_positions_are_in_the_job_file)
{
    sp_job_filter jf;
    sp_filter *f = NULL;
    sp_err e;
    char line[1200];

    memset(&jf, 0, sizeof(jf));
    jf.entity = SP_ENTITY_CUSTOMER;
    jf.text_pos.line = 40;
    jf.text_pos.col = 15;
    jf.sql = "INACTIVE = 0 AND CUSTNMAE = 'x'";
    sp_err_clear(&e);
    ck_assert_int_eq(sp_filter_compile_job(&jf, "customer-export", "jobs/demo.xml", SP_DIALECT_SQLITE, NULL, arena, &f, &e),
                     -1);
    ck_assert_str_eq(sp_err_format(&e, line, sizeof(line)),
                     "jobs/demo.xml:40:32: unknown column 'CUSTNMAE' in the filter of customer-export; RM00101 "
                     "has no such column (did you mean CUSTNAME?)");
    jf.sql = "INACTIVE = 0\n    AND CUSTNMAE = 'x'";
    sp_err_clear(&e);
    ck_assert_int_eq(sp_filter_compile_job(&jf, "customer-export", "jobs/demo.xml", SP_DIALECT_SQLITE, NULL, arena, &f, &e),
                     -1);
    ck_assert_int_eq(e.line, 41);
    ck_assert_int_eq(e.col, 9);
    /* and the item table for product-export */
    jf.entity = SP_ENTITY_ITEM;
    jf.sql = "itemtype = 1 AND ITMCLSCD IN ('RETAIL', 'PARTS')";
    ck_assert_int_eq(sp_filter_compile_job(&jf, "product-export", NULL, SP_DIALECT_SQLSERVER, NULL, arena, &f, &e), 0);
    ck_assert_str_eq(f->sql, "ITEMTYPE = ? AND ITMCLSCD IN (?, ?)");
}
END_TEST

/* ---- fuzz: random garbage never crashes, and an accepted filter never carries a value ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void check_any(const char *text)
{
    sp_filter_opts o = opts(next() % 2 ? SP_DIALECT_SQLSERVER : SP_DIALECT_POSTGRESQL);
    sp_filter *f = NULL;
    sp_err e;
    size_t marks = 0;

    sp_err_clear(&e);
    if (sp_filter_compile(text, &o, arena, &f, &e) == 0) {
        for (const char *p = f->sql; *p; p++) {
            marks += *p == '?';
            ck_assert_msg(*p != '\'' && *p != ';' && (unsigned char)*p < 0x80, "value in SQL: %s -> %s", text, f->sql);
        }
        ck_assert_uint_eq(marks, f->nparams);
        ck_assert_ptr_null(strstr(f->sql, "--"));
    } else {
        ck_assert_ptr_null(f);
        ck_assert_int_eq(e.code, SP_EJOB);
        ck_assert_msg(e.msg[0] != '\0' && e.line >= 1 && e.col >= 1, "no position for [%s]", text);
    }
}

START_TEST(random_garbage_never_crashes)
{
    static const char *const pieces[] = {
        "CUSTNAME", "INACTIVE", "DEX_ROW_TS", "rm00101.", "RM00102.", "[STATE]", "\"ZIP\"", " AND ", " OR ", " NOT ",
        " LIKE ", " IN ", " BETWEEN ", " IS ", " NULL", " ESCAPE ", "(", ")", ",", "=", "<>", "!=", "<", ">=",
        "'x'", "'O''Brien'", "'2026-01-01'", "N'é'", "0", "-1.5", ".5", "UPPER(", "LEN(", "SELECT", ";", "--", "/*",
        "'", "''", " ", "\n", "\xc3\xa9", "\xff", "@", "*", "+", "-", ".", "1e5", "[", "\"", "!",
    };
    static const char *const seeds[] = {
        "CUSTCLAS = 'RETAIL' AND INACTIVE = 0 AND (STATE IN ('IL','WI') OR CUSTNAME LIKE 'A%')",
        "DEX_ROW_TS >= '2026-01-01' AND NOT HOLD = 1",
        "UPPER(RTRIM(CUSTNAME)) LIKE 'A!%%' ESCAPE '!' AND CRLMTAMT BETWEEN 1 AND 2.5",
    };
    char text[512];
    int accepted = 0;

    for (int iter = 0; iter < 6000; iter++) {
        size_t n = 0;
        if (iter % 3 == 0) {
            /* a soup of pieces */
            int count = (int)(next() % 14);
            for (int k = 0; k < count; k++) {
                const char *piece = pieces[next() % (sizeof(pieces) / sizeof(pieces[0]))];
                size_t l = strlen(piece);
                if (n + l >= sizeof(text))
                    break;
                memcpy(text + n, piece, l);
                n += l;
            }
        } else if (iter % 3 == 1) {
            /* random bytes */
            int count = (int)(next() % 40);
            for (int k = 0; k < count; k++) {
                char c = (char)(next() % 255 + 1);
                text[n++] = c;
            }
        } else {
            /* a valid filter with a few bytes changed, inserted or removed */
            const char *s = seeds[next() % 3];
            size_t l = strlen(s);
            memcpy(text, s, l);
            n = l;
            for (int m = (int)(next() % 3) + 1; m > 0 && n > 0; m--) {
                size_t at = next() % n;
                switch (next() % 3) {
                case 0: text[at] = (char)(next() % 94 + 33); break;
                case 1: memmove(text + at, text + at + 1, n - at - 1); n--; break;
                default:
                    if (n + 1 < sizeof(text)) {
                        memmove(text + at + 1, text + at, n - at);
                        text[at] = "'();-*/ ,"[next() % 9];
                        n++;
                    }
                }
            }
        }
        text[n] = '\0';
        check_any(text);
        {
            sp_filter *f;
            sp_err e;
            sp_filter_opts o = opts(SP_DIALECT_SQLITE);
            accepted += sp_filter_compile(text, &o, arena, &f, &e) == 0;
        }
        if (iter % 500 == 0)
            sp_arena_reset(arena);
    }
    /* the mutations leave some valid filters: the loop exercised both paths */
    ck_assert_int_gt(accepted, 10);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("filter");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, binds_every_value_of_the_first_example);
    tcase_add_test(tc, binds_a_date_as_the_database_text_form);
    tcase_add_test(tc, canonical_spelling_and_keywords_ignore_case);
    tcase_add_test(tc, quotes_and_semicolons_inside_values_are_data);
    tcase_add_test(tc, functions_and_the_dialects_length);
    tcase_add_test(tc, between_in_is_null_like_escape);
    tcase_add_test(tc, columns_compared_with_columns);
    tcase_add_test(tc, alias_and_quoted_identifiers);
    tcase_add_test(tc, and_with_the_callers_condition);
    tcase_add_test(tc, refuses_statements_and_comments);
    tcase_add_test(tc, refuses_unknown_names);
    tcase_add_test(tc, refuses_broken_structure);
    tcase_add_test(tc, refuses_nulls_types_and_bad_values);
    tcase_add_test(tc, refuses_deep_nesting_and_long_text);
    tcase_add_test(tc, positions_count_lines_and_characters);
    tcase_add_test(tc, job_filter_positions_are_in_the_job_file);
    tcase_add_test(tc, random_garbage_never_crashes);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
