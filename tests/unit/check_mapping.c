/* check_mapping.c -- export and import mappings on real edge data (etl/pipeline/mapping.c).
 *
 * The mappings come from a job file loaded by the real loader, so positions
 * and transforms are what a DBA's file gives.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/job.h"
#include "spetl/mapping.h"
#include "spetl/mem.h"

/* Line numbers below matter: the tests check error positions. */
static const char job_text[] =
    "<job xmlns=\"urn:spetl:job:1\" name=\"t\">\n"                                                    /* 1 */
    "  <hubspot><token env=\"SPETL_TEST_TOKEN\"/></hubspot>\n"                                        /* 2 */
    "  <database connection=\"Driver=SQLite3;Database=t.db;\"/>\n"                                    /* 3 */
    "  <lookups>\n"                                                                                   /* 4 */
    "    <lookup id=\"country\" ignore-case=\"true\" missing=\"keep\"><entry from=\"USA\" to=\"United States\"/></lookup>\n" /* 5 */
    "    <lookup id=\"class-strict\" missing=\"fail\"><entry from=\"RETAIL\" to=\"Retail\"/></lookup>\n" /* 6 */
    "    <lookup id=\"class-empty\" missing=\"empty\"><entry from=\"RETAIL\" to=\"Retail\"/></lookup>\n" /* 7 */
    "  </lookups>\n"                                                                                  /* 8 */
    "  <mappings>\n"                                                                                  /* 9 */
    "    <export-mapping id=\"customer-company\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n" /* 10 */
    "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"                           /* 11 */
    "      <property name=\"name\" column=\"CUSTNAME\" required=\"true\"/>\n"                        /* 12 */
    "      <property name=\"phone\" column=\"PHONE1\" transform=\"digits\"/>\n"                      /* 13 */
    "      <property name=\"country\" column=\"COUNTRY\" transform=\"lookup:country\"/>\n"           /* 14 */
    "      <property name=\"description\" template=\"{CUSTNAME} ({CUSTNMBR}), class {CUSTCLAS}; {{x}}\"/>\n" /* 15 */
    "      <property name=\"since\" column=\"FRSTINDT\" transform=\"date\"/>\n"                      /* 16 */
    "      <property name=\"modified\" column=\"DEX_ROW_TS\" transform=\"datetime\"/>\n"             /* 17 */
    "      <property name=\"credit_limit\" column=\"CRLMTAMT\" transform=\"number\" default=\"0\"/>\n" /* 18 */
    "      <property name=\"short\" column=\"CUSTNAME\" transform=\"trim upper max-length:10\"/>\n"  /* 19 */
    "      <property name=\"class\" column=\"CUSTCLAS\" transform=\"lookup:class-empty\" default=\"Other\"/>\n" /* 20 */
    "      <property name=\"source\" value=\"GP\"/>\n"                                              /* 21 */
    "      <property name=\"email\" column=\"INET1\" transform=\"trim lower\"/>\n"                   /* 22 */
    "    </export-mapping>\n"                                                                     /* 23 */
    "    <export-mapping id=\"address-contact\" entity=\"customer-address\" object=\"contacts\">\n" /* 24 */
    "      <property name=\"firstname\" column=\"CNTCPRSN\" transform=\"first-name\"/>\n"           /* 25 */
    "      <property name=\"lastname\" column=\"CNTCPRSN\" transform=\"last-name\" default=\"(no name)\"/>\n" /* 26 */
    "      <property name=\"address\" template=\"{ADDRESS1} {ADDRESS2}\" transform=\"trim\"/>\n"    /* 27 */
    "    </export-mapping>\n"                                                                     /* 28 */
    "    <export-mapping id=\"strict\" entity=\"customer\" object=\"companies\">\n"                 /* 29 */
    "      <property name=\"class\" column=\"CUSTCLAS\" transform=\"lookup:class-strict\"/>\n"      /* 30 */
    "      <property name=\"limit\" column=\"USERDEF1\" transform=\"number\"/>\n"                   /* 31 */
    "      <property name=\"since\" column=\"USERDEF2\" transform=\"date\"/>\n"                     /* 32 */
    "    </export-mapping>\n"                                                                     /* 33 */
    "    <import-mapping id=\"company-customer\" entity=\"customer\" object=\"companies\">\n"       /* 34 */
    "      <column name=\"CUSTNAME\" property=\"name\" transform=\"trim\"/>\n"                      /* 35 */
    "      <column name=\"SHRTNAME\" property=\"name\" transform=\"upper max-length:15\"/>\n"       /* 36 */
    "      <column name=\"PHONE1\" property=\"phone\" transform=\"digits\"/>\n"                     /* 37 */
    "      <column name=\"FRSTINDT\" property=\"first_order\" transform=\"date\"/>\n"               /* 38 */
    "      <column name=\"CRLMTAMT\" property=\"credit\" transform=\"number\"/>\n"                  /* 39 */
    "      <column name=\"INACTIVE\" value=\"0\"/>\n"                                               /* 40 */
    "      <column name=\"COMMENT1\" template=\"HubSpot company {hs_object_id}\"/>\n"               /* 41 */
    "      <column name=\"CREATDDT\" property=\"createdate\"/>\n"                                   /* 42 */
    "      <column name=\"CUSTPRIORITY\" property=\"priority\"/>\n"                                 /* 43 */
    "      <column name=\"CNTCPRSN\" template=\"{firstname} {lastname}\" transform=\"trim\"/>\n"    /* 44 */
    "    </import-mapping>\n"                                                                     /* 45 */
    "  </mappings>\n"
    "  <components/>\n"
    "</job>\n";

static sp_job *job;
static sp_arena *row;

static void setup(void)
{
    sp_job_load_opts o = {NULL, NULL, 1, 0};
    sp_err e;
    char line[1200];
    sp_err_clear(&e);
    if (sp_job_load_text("mem.xml", job_text, strlen(job_text), &o, &job, &e) != 0)
        ck_abort_msg("job: %s", sp_err_format(&e, line, sizeof(line)));
    row = sp_arena_new(0);
}

static void teardown(void)
{
    sp_arena_free(row);
    sp_job_free(job);
}

static const sp_job_mapping *mapping(const char *id)
{
    for (size_t i = 0; i < job->nmappings; i++)
        if (strcmp(job->mappings[i].id, id) == 0)
            return &job->mappings[i];
    ck_abort_msg("no mapping %s", id);
    return NULL;
}

/* A source row: name/value pairs, NULL value = SQL NULL; ends at a NULL name. */
typedef struct pair {
    const char *name;
    const char *value;
} pair;

static int get_calls;   /* how many times the mapper asked */

static const char *get_column(void *ctx, const sp_job_column *col)
{
    get_calls++;
    for (const pair *p = ctx; p->name != NULL; p++)
        if (strcmp(p->name, col->name) == 0)
            return p->value;
    return "";   /* GP: every column NOT NULL, empty by default */
}

static const char *get_property(void *ctx, const char *name)
{
    for (const pair *p = ctx; p->name != NULL; p++)
        if (strcmp(p->name, name) == 0)
            return p->value;
    return NULL;
}

static void map_ok(const char *id, const pair *src, sp_map_out *out)
{
    sp_err e;
    char line[1200];
    const sp_job_mapping *m = mapping(id);
    int rc;
    sp_err_clear(&e);
    rc = m->is_import ? sp_map_import(m, "jobs/t.xml", get_property, (void *)src, row, out, &e)
                      : sp_map_export(m, "jobs/t.xml", get_column, (void *)src, row, out, &e);
    if (rc != 0)
        ck_abort_msg("mapping %s failed: %s", id, sp_err_format(&e, line, sizeof(line)));
}

static const char *map_fail(const char *id, const pair *src)
{
    static char line[1200];
    sp_err e;
    sp_map_out out;
    const sp_job_mapping *m = mapping(id);
    int rc;
    sp_err_clear(&e);
    rc = m->is_import ? sp_map_import(m, "jobs/t.xml", get_property, (void *)src, row, &out, &e)
                      : sp_map_export(m, "jobs/t.xml", get_column, (void *)src, row, &out, &e);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(e.code, SP_EDATA);
    return sp_err_format(&e, line, sizeof(line));
}

static void has(const sp_map_out *out, const char *name, const char *value)
{
    const char *v = sp_map_get(out, name);
    ck_assert_msg(v != NULL, "no property %s", name);
    ck_assert_str_eq(v, value);
}

START_TEST(export_a_customer_with_padding_quotes_and_semicolons)
{
    pair src[] = {
        {"CUSTNMBR", "AARONFIT0001   "},
        {"CUSTNAME", "Aaron Fitness; \"Gym\" O'Brien                                     "},
        {"PHONE1", "(312) 555-0100 x12    "},
        {"COUNTRY", "usa"},
        {"CUSTCLAS", "RETAIL         "},
        {"FRSTINDT", "2026-11-27 00:00:00.000"},
        {"DEX_ROW_TS", "2026-11-27 05:30:00.123"},
        {"CRLMTAMT", "59.95000"},
        {"INET1", "  Sales@Aaron.Example  "},
        {NULL, NULL},
    };
    sp_map_out out;

    map_ok("customer-company", src, &out);
    ck_assert_uint_eq(out.n, 12);
    ck_assert_ptr_null(out.columns);
    /* in mapping order */
    ck_assert_str_eq(out.props[0].name, "gp_customer_number");
    ck_assert_str_eq(out.props[11].name, "email");
    ck_assert_str_eq(out.key, "AARONFIT0001");
    has(&out, "gp_customer_number", "AARONFIT0001");
    has(&out, "name", "Aaron Fitness; \"Gym\" O'Brien");
    has(&out, "phone", "312555010012");
    has(&out, "country", "United States");
    has(&out, "description", "Aaron Fitness; \"Gym\" O'Brien (AARONFIT0001), class RETAIL; {x}");
    has(&out, "since", "1795737600000");
    has(&out, "modified", "1795757400123");
    has(&out, "credit_limit", "59.95");
    has(&out, "short", "AARON FITN");
    has(&out, "class", "Retail");
    has(&out, "source", "GP");
    has(&out, "email", "sales@aaron.example");
}
END_TEST

START_TEST(export_empty_values_dates_and_defaults)
{
    pair src[] = {
        {"CUSTNMBR", "EMPTY0001"},
        {"CUSTNAME", "X"},
        {"PHONE1", "                     "},
        {"COUNTRY", "Canada"},
        {"CUSTCLAS", "WHOLESALE"},
        {"FRSTINDT", "1900-01-01 00:00:00.000"},
        {"DEX_ROW_TS", "1900-01-01 00:00:00"},
        {"CRLMTAMT", "0.00000"},
        {"INET1", NULL},   /* no SY01200 row: LEFT JOIN gives NULL */
        {NULL, NULL},
    };
    sp_map_out out;

    map_ok("customer-company", src, &out);
    has(&out, "phone", "");
    has(&out, "country", "Canada");   /* missing="keep" */
    has(&out, "since", "");           /* GP's empty date */
    has(&out, "modified", "");
    has(&out, "credit_limit", "0");
    has(&out, "class", "Other");      /* missing="empty", then the default */
    has(&out, "email", "");
    src[7].value = "";
    map_ok("customer-company", src, &out);
    has(&out, "credit_limit", "0");   /* the default */
    src[7].value = "-1250.50";
    map_ok("customer-company", src, &out);
    has(&out, "credit_limit", "-1250.5");
}
END_TEST

START_TEST(export_non_ascii_and_65_character_names)
{
    /* 65 characters, 75 bytes */
    const char *name65 = "Müller & Söhne — Café Noël, Großhandel für Bürobedarf & Zubehör!!";
    pair src[] = {
        {"CUSTNMBR", "MULLER0001"},
        {"CUSTNAME", NULL},
        {NULL, NULL},
    };
    sp_map_out out;
    char padded[100];

    ck_assert_uint_eq(strlen(name65), 75);
    snprintf(padded, sizeof(padded), "%s   ", name65);
    src[1].value = padded;
    map_ok("customer-company", src, &out);
    has(&out, "name", name65);
    /* upper keeps ß, maps ü/ö/é/ë; max-length counts characters */
    has(&out, "short", "MÜLLER & S");
    src[1].value = "Zoë Ødegård — ÿ œ š ß ΑΒΓ 日本";
    map_ok("customer-company", src, &out);
    has(&out, "short", "ZOË ØDEGÅR");
}
END_TEST

START_TEST(export_asks_each_column_it_needs)
{
    pair src[] = {{"CUSTNMBR", "K1"}, {"CUSTNAME", "N"}, {NULL, NULL}};
    sp_map_out out;
    get_calls = 0;
    map_ok("customer-company", src, &out);
    /* 10 column fields + 3 template fields; the constant asks nothing */
    ck_assert_int_eq(get_calls, 13);
}
END_TEST

START_TEST(export_contact_names)
{
    static const struct {
        const char *in, *first, *last;
    } cases[] = {
        {"Mary Ann O'Neil", "Mary Ann", "O'Neil"},
        {"O'Neil, Mary Ann", "Mary Ann", "O'Neil"},
        {"  José   María  Müller-Lüdenscheidt ", "José María", "Müller-Lüdenscheidt"},
        {"Ludwig van Beethoven", "Ludwig", "van Beethoven"},
        {"John Smith Jr.", "John", "Smith Jr."},
        {"John Smith, Jr.", "John", "Smith, Jr."},
        {"Cher", "", "Cher"},
        {"", "", "(no name)"},
        {"Van Morrison", "Van", "Morrison"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pair src[] = {{"CNTCPRSN", cases[i].in}, {"ADDRESS1", "1 Main St; Suite \"B\""}, {NULL, NULL}};
        sp_map_out out;
        map_ok("address-contact", src, &out);
        ck_assert_msg(strcmp(sp_map_get(&out, "firstname"), cases[i].first) == 0, "[%s] first: [%s]", cases[i].in,
                      sp_map_get(&out, "firstname"));
        ck_assert_msg(strcmp(sp_map_get(&out, "lastname"), cases[i].last) == 0, "[%s] last: [%s]", cases[i].in,
                      sp_map_get(&out, "lastname"));
        has(&out, "address", "1 Main St; Suite \"B\"");
        ck_assert_ptr_null(out.key);   /* contacts: no key property */
    }
}
END_TEST

START_TEST(export_errors_name_field_value_and_position)
{
    pair src[] = {{"CUSTCLAS", "WHOLESALE"}, {"USERDEF1", "12"}, {NULL, NULL}};

    ck_assert_str_eq(map_fail("strict", src),
                     "jobs/t.xml:30:7: mapping strict, property class <- column CUSTCLAS, transform "
                     "lookup:class-strict: \"WHOLESALE\" is not in lookup class-strict (add an <entry from=...> "
                     "or set missing=\"keep\")");
    src[0].value = "RETAIL";
    src[1].value = "n/a";
    ck_assert_str_eq(map_fail("strict", src),
                     "jobs/t.xml:31:7: mapping strict, property limit <- column USERDEF1, transform number: \"n/a\" "
                     "is not a number (a plain decimal such as 59.95)");
    src[1].value = "1.2.3";
    map_fail("strict", src);
    src[1].value = "12";
    /* USERDEF2 holds "2026-02-30": no such day */
    {
        pair bad[] = {{"CUSTCLAS", "RETAIL"}, {"USERDEF2", "2026-02-30"}, {NULL, NULL}};
        ck_assert_str_eq(map_fail("strict", bad),
                         "jobs/t.xml:32:7: mapping strict, property since <- column USERDEF2, transform date: "
                         "\"2026-02-30\" is not a date (YYYY-MM-DD, ISO 8601 or epoch milliseconds)");
    }
    /* required and key */
    {
        pair noname[] = {{"CUSTNMBR", "K1"}, {"CUSTNAME", "      "}, {NULL, NULL}};
        pair nokey[] = {{"CUSTNMBR", "   "}, {"CUSTNAME", "N"}, {NULL, NULL}};
        ck_assert_str_eq(map_fail("customer-company", noname),
                         "jobs/t.xml:12:7: mapping customer-company, property name <- column CUSTNAME: \"\" is "
                         "empty, and the field is required (fix the record or set default=\"...\")");
        ck_assert_str_eq(map_fail("customer-company", nokey),
                         "jobs/t.xml:11:7: mapping customer-company, property gp_customer_number <- column "
                         "CUSTNMBR: the key property gp_customer_number is empty: the record cannot be upserted "
                         "without it");
    }
    /* a long bad value is cut in the message, never inside a character */
    {
        char big[400];
        pair longv[] = {{"CUSTCLAS", "RETAIL"}, {"USERDEF1", big}, {NULL, NULL}};
        size_t n = 0;
        for (int i = 0; i < 100; i++) {
            memcpy(big + n, "é", 2);
            n += 2;
        }
        big[n] = '\0';
        ck_assert_str_eq(map_fail("strict", longv),
                         "jobs/t.xml:31:7: mapping strict, property limit <- column USERDEF1, transform number: "
                         "\"éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\"... is not a number (a "
                         "plain decimal such as 59.95)");
    }
}
END_TEST

START_TEST(import_a_company)
{
    pair src[] = {
        {"name", "  Aaron Fitness; \"Gym\" O'Brien  "},
        {"phone", "+1 (312) 555-0100"},
        {"first_order", "2015-05-01"},
        {"credit", "2500.50"},
        {"hs_object_id", "1234"},
        {"createdate", "2019-12-07T16:50:06.678Z"},
        {"priority", "3"},
        {"firstname", "Mary Ann"},
        {"lastname", "O'Neil"},
        {NULL, NULL},
    };
    sp_map_out out;

    map_ok("company-customer", src, &out);
    ck_assert_uint_eq(out.n, 10);
    ck_assert_ptr_nonnull(out.columns);
    ck_assert_str_eq(out.props[0].name, "CUSTNAME");
    ck_assert_str_eq(out.columns[0]->name, "CUSTNAME");
    ck_assert_int_eq(out.columns[0]->width, 65);
    ck_assert_ptr_null(out.key);
    has(&out, "CUSTNAME", "Aaron Fitness; \"Gym\" O'Brien");
    has(&out, "SHRTNAME", "  AARON FITNESS");   /* upper, then cut to 15 characters */
    has(&out, "PHONE1", "13125550100");
    has(&out, "FRSTINDT", "2015-05-01 00:00:00.000");
    has(&out, "CRLMTAMT", "2500.5");
    has(&out, "INACTIVE", "0");
    has(&out, "COMMENT1", "HubSpot company 1234");
    has(&out, "CREATDDT", "2019-12-07 16:50:06.678");
    has(&out, "CUSTPRIORITY", "3");
    has(&out, "CNTCPRSN", "Mary Ann O'Neil");
}
END_TEST

START_TEST(import_fits_values_to_gp_columns)
{
    pair src[] = {
        {"name", "Café Noël"},
        {"first_order", "1430438400000"},   /* epoch ms, as HubSpot may send */
        {"credit", NULL},
        {"createdate", ""},
        {NULL, NULL},
    };
    sp_map_out out;

    map_ok("company-customer", src, &out);
    has(&out, "SHRTNAME", "CAFÉ NOËL");
    has(&out, "FRSTINDT", "2015-05-01 00:00:00.000");
    has(&out, "CRLMTAMT", "0");                          /* empty number -> GP's 0 */
    has(&out, "CREATDDT", "1900-01-01 00:00:00.000");    /* empty date -> GP's empty date */
    has(&out, "PHONE1", "");
    has(&out, "CUSTPRIORITY", "0");
    has(&out, "COMMENT1", "HubSpot company ");
    has(&out, "CNTCPRSN", "");
}
END_TEST

START_TEST(import_refuses_what_gp_cannot_hold)
{
    char name70[80];
    pair src[] = {{"name", name70}, {NULL, NULL}, {NULL, NULL}};

    /* 70 characters into CUSTNAME char(65): an error, never a silent cut */
    memset(name70, 'x', 70);
    name70[70] = '\0';
    ck_assert_str_eq(map_fail("company-customer", src),
                     "jobs/t.xml:35:7: mapping company-customer, column CUSTNAME <- property name: "
                     "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"... is 70 characters; "
                     "CUSTNAME holds 65 (add transform max-length:65 to cut it)");
    /* 65 characters of two bytes each fit: width is characters */
    {
        size_t n = 0;
        sp_map_out out;
        char wide[140];
        pair ok[] = {{"name", wide}, {NULL, NULL}};
        for (int i = 0; i < 65; i++) {
            memcpy(wide + n, "ö", 2);
            n += 2;
        }
        wide[n] = '\0';
        map_ok("company-customer", ok, &out);
        has(&out, "CUSTNAME", wide);
        has(&out, "SHRTNAME", "ÖÖÖÖÖÖÖÖÖÖÖÖÖÖÖ");
    }
    snprintf(name70, sizeof(name70), "Short");
    src[1].name = "priority";
    src[1].value = "70000";
    ck_assert_str_eq(map_fail("company-customer", src),
                     "jobs/t.xml:43:7: mapping company-customer, column CUSTPRIORITY <- property priority: "
                     "\"70000\" is not a whole number from -32768 to 32767 for CUSTPRIORITY");
    src[1].name = "credit";
    src[1].value = "lots";
    ck_assert_str_eq(map_fail("company-customer", src),
                     "jobs/t.xml:39:7: mapping company-customer, column CRLMTAMT <- property credit, transform "
                     "number: \"lots\" is not a number (a plain decimal such as 59.95)");
    src[1].name = "createdate";
    src[1].value = "yesterday";
    ck_assert_str_eq(map_fail("company-customer", src),
                     "jobs/t.xml:42:7: mapping company-customer, column CREATDDT <- property createdate: "
                     "\"yesterday\" is not a date for CREATDDT (YYYY-MM-DD, ISO 8601 or epoch milliseconds)");
    src[1].name = "hs_object_id";
    src[1].value = "18446744073709551615";
    ck_assert_str_eq(map_fail("company-customer", src),
                     "jobs/t.xml:41:7: mapping company-customer, column COMMENT1 <- template \"HubSpot company "
                     "{hs_object_id}\": \"HubSpot company 18446744073709551615\" is 36 characters; COMMENT1 "
                     "holds 31 (add transform max-length:31 to cut it)");
}
END_TEST

START_TEST(wrong_direction_is_an_internal_error)
{
    sp_map_out out;
    sp_err e;
    pair src[] = {{NULL, NULL}};
    ck_assert_int_eq(sp_map_export(mapping("company-customer"), "j", get_column, src, row, &out, &e), -1);
    ck_assert_int_eq(e.code, SP_EINTERNAL);
    ck_assert_int_eq(sp_map_import(mapping("strict"), "j", get_property, src, row, &out, &e), -1);
    ck_assert_int_eq(e.code, SP_EINTERNAL);
}
END_TEST

/* ---- single transforms ---------------------------------------------------------------- */

static const char *xf(sp_job_transform_kind k, int arg, int is_import, const char *in)
{
    sp_job_transform t;
    const char *out = NULL, *why = NULL;
    memset(&t, 0, sizeof(t));
    t.kind = k;
    t.max_length = arg;
    if (sp_map_transform(&t, is_import, in, row, &out, &why) != 0)
        return why;
    return out;
}

START_TEST(transform_trim_case_digits)
{
    ck_assert_str_eq(xf(SP_XF_TRIM, 0, 0, " \t\xc2\xa0 Café Noël \r\n\xc2\xa0"), "Café Noël");
    ck_assert_str_eq(xf(SP_XF_TRIM, 0, 0, "   "), "");
    ck_assert_str_eq(xf(SP_XF_TRIM, 0, 0, "a  b"), "a  b");
    ck_assert_str_eq(xf(SP_XF_UPPER, 0, 0, "müller & söhne — café noël ÿ œ š ž ł ß ı"),
                     "MÜLLER & SÖHNE — CAFÉ NOËL Ÿ Œ Š Ž Ł ß ı");
    ck_assert_str_eq(xf(SP_XF_LOWER, 0, 0, "MÜLLER & SÖHNE — CAFÉ NOËL Ÿ Œ Š Ž Ł İ ×"),
                     "müller & söhne — café noël ÿ œ š ž ł İ ×");
    ck_assert_str_eq(xf(SP_XF_UPPER, 0, 0, "αβγ 日本 😀 ÷"), "αβγ 日本 😀 ÷");
    ck_assert_str_eq(xf(SP_XF_DIGITS, 0, 0, "+1 (312) 555-0100 ext. 7 ٣"), "131255501007");
}
END_TEST

START_TEST(transform_max_length_counts_characters)
{
    ck_assert_str_eq(xf(SP_XF_MAX_LENGTH, 3, 0, "Café"), "Caf");
    ck_assert_str_eq(xf(SP_XF_MAX_LENGTH, 4, 0, "Café"), "Café");
    ck_assert_str_eq(xf(SP_XF_MAX_LENGTH, 10, 0, "Café"), "Café");
    ck_assert_str_eq(xf(SP_XF_MAX_LENGTH, 2, 0, "日本語テキスト"), "日本");
    ck_assert_str_eq(xf(SP_XF_MAX_LENGTH, 1, 0, "😀😀"), "😀");
}
END_TEST

START_TEST(transform_dates_both_ways)
{
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "2026-11-27 00:00:00.000"), "1795737600000");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "2026-11-27"), "1795737600000");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "2026-11-27 13:45:00"), "1795737600000");   /* midnight UTC */
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "1900-01-01 00:00:00.000"), "");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "1969-12-31"), "-86400000");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "2024-02-29"), "1709164800000");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "2023-02-29"),
                     "is not a date (YYYY-MM-DD, ISO 8601 or epoch milliseconds)");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "20261127"), "is not a date (YYYY-MM-DD, ISO 8601 or epoch milliseconds)");
    ck_assert_str_eq(xf(SP_XF_DATETIME, 0, 0, "2019-12-07 16:50:06.678"), "1575737406678");
    ck_assert_str_eq(xf(SP_XF_DATETIME, 0, 0, "2019-12-07T16:50:06.6789Z"), "1575737406678");
    ck_assert_str_eq(xf(SP_XF_DATETIME, 0, 0, "2019-12-07 25:00:00"),
                     "is not a date and time (YYYY-MM-DD HH:MM:SS, ISO 8601 or epoch milliseconds)");
    /* import: back to GP's text form */
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, "2015-05-01"), "2015-05-01 00:00:00.000");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, "2019-12-07T16:50:06.678Z"), "2019-12-07 00:00:00.000");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, "1795737600000"), "2026-11-27 00:00:00.000");
    ck_assert_str_eq(xf(SP_XF_DATETIME, 0, 1, "1575737406678"), "2019-12-07 16:50:06.678");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, ""), "");
}
END_TEST

/* Epoch milliseconds hold years 1..9999, as written dates do; beyond that,
 * refused (found by fuzz_mapping: near INT64_MIN the midnight rounding
 * overflowed, undefined behaviour, and the import wrote a year GP has not). */
START_TEST(transform_dates_refuse_epoch_ms_beyond_year_9999)
{
    const char *no = "is not a date (YYYY-MM-DD, ISO 8601 or epoch milliseconds)";
    const char *no_time = "is not a date and time (YYYY-MM-DD HH:MM:SS, ISO 8601 or epoch milliseconds)";

    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, "-62135596800000"), "0001-01-01 00:00:00.000");
    ck_assert_str_eq(xf(SP_XF_DATETIME, 0, 1, "253402300799999"), "9999-12-31 23:59:59.999");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "253402300799999"), "253402214400000");
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, "-62135596800001"), no);
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, "253402300800000"), no);
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 0, "-9223372036854775808"), no);
    ck_assert_str_eq(xf(SP_XF_DATE, 0, 1, "-9223372036854775807"), no);
    ck_assert_str_eq(xf(SP_XF_DATETIME, 0, 0, "-9223372036854775808"), no_time);
    ck_assert_str_eq(xf(SP_XF_DATETIME, 0, 1, "9223372036854775807"), no_time);
}
END_TEST

START_TEST(transform_numbers)
{
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "59.95000"), "59.95");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "0.00000"), "0");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "-0.00000"), "0");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "  007.50 "), "7.5");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "+.5"), "0.5");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "1200"), "1200");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "12345678901234.56789"), "12345678901234.56789");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, ""), "");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "1,200.00"), "is not a number (a plain decimal such as 59.95)");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "1e3"), "is not a number (a plain decimal such as 59.95)");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "."), "is not a number (a plain decimal such as 59.95)");
    ck_assert_str_eq(xf(SP_XF_NUMBER, 0, 0, "-"), "is not a number (a plain decimal such as 59.95)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mapping");
    TCase *tc = tcase_create("mapping");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, export_a_customer_with_padding_quotes_and_semicolons);
    tcase_add_test(tc, export_empty_values_dates_and_defaults);
    tcase_add_test(tc, export_non_ascii_and_65_character_names);
    tcase_add_test(tc, export_asks_each_column_it_needs);
    tcase_add_test(tc, export_contact_names);
    tcase_add_test(tc, export_errors_name_field_value_and_position);
    tcase_add_test(tc, import_a_company);
    tcase_add_test(tc, import_fits_values_to_gp_columns);
    tcase_add_test(tc, import_refuses_what_gp_cannot_hold);
    tcase_add_test(tc, wrong_direction_is_an_internal_error);
    tcase_add_test(tc, transform_trim_case_digits);
    tcase_add_test(tc, transform_max_length_counts_characters);
    tcase_add_test(tc, transform_dates_both_ways);
    tcase_add_test(tc, transform_numbers);
    tcase_add_test(tc, transform_dates_refuse_epoch_ms_beyond_year_9999);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
