/* check_match.c -- the comparisons and the rule logic of match.c, with a
 * lookup over an in-memory table (the GP side is check_link's). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/buf.h"
#include "spetl/link.h"
#include "spetl/match.h"

START_TEST(exact_trims_both_sides_and_keeps_case)
{
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_EXACT, " Aaron Fitz ", "Aaron Fitz       "), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_EXACT, "Aaron Fitz", "AARON FITZ"), 0);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_EXACT, "Zoë Café", "Zoë Café   "), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_EXACT, "", ""), 0);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_EXACT, "   ", "   "), 0);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_EXACT, NULL, "x"), 0);
}
END_TEST

START_TEST(ci_ignores_ascii_case_and_spaces)
{
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_CI, "Aaron Fitz", "AARONFITZ"), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_CI, "aaron  fitz electrical", "AARON FITZ ELECTRICAL   "), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_CI, "Aaron Fitz", "Aaron Fritz"), 0);
    /* non-ASCII letters are compared as they are */
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_CI, "café müller", "CAFé MüLLER"), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_CI, "   ", "   "), 0);
}
END_TEST

START_TEST(digits_keeps_only_digits)
{
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_DIGITS, "(312) 555-0102", "3125550102"), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_DIGITS, "+1 312.555.0102", "13125550102   "), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_DIGITS, "(312) 555-0102", "3125550103"), 0);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_DIGITS, "n/a", "none"), 0);
    /* GP's phones: 10 digits and a 4-digit extension; HubSpot's with the country code */
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_DIGITS, "(312) 555-0102", "31255501020000       "), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_DIGITS, "+1 (312) 555-0102", "31255501020000"), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_DIGITS, "(312) 555-0102", "31255501020012"), 0);
}
END_TEST

START_TEST(email_domain_against_website)
{
    char out[64];
    const sp_job_compare d = SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE;
    ck_assert_int_eq(sp_match_compare(d, "orders@aaronfitz.com", "https://www.aaronfitz.com/"), 1);
    ck_assert_int_eq(sp_match_compare(d, "aaronfitz.com", "Orders@AaronFitz.COM"), 1);
    ck_assert_int_eq(sp_match_compare(d, "http://AaronFitz.com:8080/shop?x=1", "ap@aaronfitz.com"), 1);
    ck_assert_int_eq(sp_match_compare(d, "www.aaronfitz.com", "sales@aaronfitz.com"), 1);
    ck_assert_int_eq(sp_match_compare(d, "orders@aaronfitz.com", "aaronfitz.co"), 0);
    ck_assert_int_eq(sp_match_compare(d, "orders@aaronfitz.com", "shop.aaronfitz.com"), 0);
    ck_assert_int_eq(sp_match_compare(d, "orders@", "x.com"), 0);
    ck_assert_uint_eq(sp_match_norm(d, " https://www.Example.org./a/b ", out, sizeof(out)), 11);
    ck_assert_str_eq(out, "example.org");
}
END_TEST

START_TEST(prefix_hubspot_starts_with_gp)
{
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_PREFIX, "Aaron Fitz Electrical Contractors of Greater Chicago",
                                      "AARON FITZ ELECTRICAL    "), 1);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_PREFIX, "Aaron", "Aaron Fitz"), 0);
    ck_assert_int_eq(sp_match_compare(SP_COMPARE_PREFIX, "Aaron Fitz", ""), 0);
}
END_TEST

START_TEST(norm_refuses_what_does_not_fit)
{
    char out[4];
    ck_assert_uint_eq(sp_match_norm(SP_COMPARE_EXACT, "abcdef", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(sp_match_norm(SP_COMPARE_EXACT, "abc", out, sizeof(out)), 3);
}
END_TEST

/* ---- the rule logic over a small table ----------------------------------- */

typedef struct row {
    const char *key, *name, *phone;
} row;

static const row table[] = {
    {"ACME0001", "Acme", "3125550100"},       {"ACME0002", "ACME", "3125550199"},
    {"BOLT0001", "Bolt Supply", "3125550200"}, {"CRAB0001", "Crab Shack", "3125550300"},
    {"CRAB0002", "Crab Shack", "3125550301"},
};

typedef struct fake {
    int lookups;
    int fail;
    int trace_lines;
    char first[2048];
    char last[2048];
} fake;

/* Returns every row (a superset of every comparison): sp_match_run must filter. */
static int lookup_all(void *ud, const sp_job_rule_set *rs, size_t ri, const char *const *hs,
                      sp_match_cand *out, size_t *n, int *capped, sp_err *e)
{
    fake *f = ud;
    const sp_job_rule *r = &rs->rules[ri];
    (void)hs;
    f->lookups++;
    if (f->fail)
        return SP_ERR(e, SP_EDB, "lookup failed");
    *capped = 0;
    *n = 0;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        snprintf(out[*n].key, sizeof(out[*n].key), "%s", table[i].key);
        for (size_t k = 0; k < r->ncomparisons; k++)
            out[*n].gp[k] = strcmp(r->comparisons[k].column->name, "PHONE1") == 0 ? table[i].phone : table[i].name;
        (*n)++;
    }
    return 0;
}

static const char *get_prop(const void *rec, const char *prop)
{
    const char *const *kv = rec;
    for (size_t i = 0; kv[i] != NULL; i += 2)
        if (strcmp(kv[i], prop) == 0)
            return kv[i + 1];
    return NULL;
}

static void trace_fn(void *ud, const char *line)
{
    fake *f = ud;
    if (f->trace_lines++ == 0)
        snprintf(f->first, sizeof(f->first), "%s", line);
    snprintf(f->last, sizeof(f->last), "%s", line);
}

static const sp_job_column col_name = {"CUSTNAME", "RM00101", "char", 65, 0};
static const sp_job_column col_phone = {"PHONE1", "RM00101", "char", 21, 0};

static int run(const sp_job_rule_set *rs, const char *const *rec, fake *f, sp_match_result *res, sp_err *e)
{
    sp_match_io io = {get_prop, lookup_all, f, trace_fn, f, "company 1"};
    return sp_match_run(rs, rec, &io, res, e);
}

START_TEST(first_rule_with_one_candidate_wins)
{
    sp_job_comparison by_name[] = {{{1, 1}, "name", &col_name, SP_COMPARE_EXACT}};
    sp_job_comparison by_phone[] = {{{2, 1}, "phone", &col_phone, SP_COMPARE_DIGITS}};
    sp_job_rule rules[] = {{{1, 1}, "by name", by_name, 1}, {{2, 1}, "by phone", by_phone, 1}};
    sp_job_rule_set rs = {{1, 1}, "cm", SP_ENTITY_CUSTOMER, rules, 2};
    const char *rec[] = {"name", "Bolt Supply", "phone", "(312) 555-0100", NULL};
    fake f = {0};
    sp_match_result res;
    sp_err e;

    ck_assert_int_eq(run(&rs, rec, &f, &res, &e), 0);
    ck_assert_int_eq(res.status, SP_MATCH_ONE);
    ck_assert_str_eq(res.key, "BOLT0001");
    ck_assert_ptr_eq(res.rule, &rules[0]);
    ck_assert_int_eq(f.lookups, 1);   /* the second rule is not tried */
}
END_TEST

START_TEST(ambiguity_then_a_later_rule_decides)
{
    sp_job_comparison by_name[] = {{{1, 1}, "name", &col_name, SP_COMPARE_CI}};
    sp_job_comparison by_phone[] = {{{2, 1}, "phone", &col_phone, SP_COMPARE_DIGITS}};
    sp_job_rule rules[] = {{{1, 1}, "by name", by_name, 1}, {{2, 1}, "by phone", by_phone, 1}};
    sp_job_rule_set rs = {{1, 1}, "cm", SP_ENTITY_CUSTOMER, rules, 2};
    const char *rec[] = {"name", "acme", "phone", "312-555-0199", NULL};
    const char *rec2[] = {"name", "acme", "phone", "312-555-9999", NULL};
    fake f = {0};
    sp_match_result res;
    sp_err e;

    ck_assert_int_eq(run(&rs, rec, &f, &res, &e), 0);
    ck_assert_int_eq(res.status, SP_MATCH_ONE);
    ck_assert_str_eq(res.key, "ACME0002");
    ck_assert_ptr_eq(res.rule, &rules[1]);

    /* no later rule decides: the ambiguity is the answer, with both keys */
    ck_assert_int_eq(run(&rs, rec2, &f, &res, &e), 0);
    ck_assert_int_eq(res.status, SP_MATCH_AMBIGUOUS);
    ck_assert_ptr_eq(res.rule, &rules[0]);
    ck_assert_str_eq(res.keys, "ACME0001, ACME0002");
    ck_assert_uint_eq(res.ncands, 2);
    ck_assert_str_eq(res.key, "");
}
END_TEST

START_TEST(all_comparisons_of_a_rule_must_hold)
{
    sp_job_comparison both[] = {{{1, 1}, "name", &col_name, SP_COMPARE_EXACT},
                                {{1, 2}, "phone", &col_phone, SP_COMPARE_DIGITS}};
    sp_job_rule rules[] = {{{1, 1}, "name and phone", both, 2}};
    sp_job_rule_set rs = {{1, 1}, "cm", SP_ENTITY_CUSTOMER, rules, 1};
    const char *rec[] = {"name", "Crab Shack", "phone", "312 555 0301", NULL};
    const char *wrong[] = {"name", "Crab Shack", "phone", "312 555 0302", NULL};
    fake f = {0};
    sp_match_result res;
    sp_err e;

    ck_assert_int_eq(run(&rs, rec, &f, &res, &e), 0);
    ck_assert_int_eq(res.status, SP_MATCH_ONE);
    ck_assert_str_eq(res.key, "CRAB0002");
    ck_assert_int_eq(run(&rs, wrong, &f, &res, &e), 0);
    ck_assert_int_eq(res.status, SP_MATCH_NONE);
}
END_TEST

START_TEST(empty_values_skip_the_rule_without_a_lookup)
{
    sp_job_comparison by_phone[] = {{{2, 1}, "phone", &col_phone, SP_COMPARE_DIGITS}};
    sp_job_rule rules[] = {{{2, 1}, "by phone", by_phone, 1}};
    sp_job_rule_set rs = {{1, 1}, "cm", SP_ENTITY_CUSTOMER, rules, 1};
    const char *rec[] = {"name", "x", "phone", "", NULL};
    const char *none[] = {"name", "x", NULL};
    fake f = {0};
    sp_match_result res;
    sp_err e;

    ck_assert_int_eq(run(&rs, rec, &f, &res, &e), 0);
    ck_assert_int_eq(res.status, SP_MATCH_NONE);
    ck_assert_int_eq(run(&rs, none, &f, &res, &e), 0);
    ck_assert_int_eq(res.status, SP_MATCH_NONE);
    ck_assert_int_eq(f.lookups, 0);
    ck_assert_ptr_nonnull(strstr(f.first, "phone is empty"));
    ck_assert_ptr_nonnull(strstr(f.last, "no rule of \"cm\" found one customer"));
}
END_TEST

START_TEST(trace_names_every_comparison)
{
    sp_job_comparison by_name[] = {{{1, 1}, "name", &col_name, SP_COMPARE_EXACT}};
    sp_job_rule rules[] = {{{1, 1}, "by name", by_name, 1}};
    sp_job_rule_set rs = {{1, 1}, "cm", SP_ENTITY_CUSTOMER, rules, 1};
    const char *rec[] = {"name", "Bolt Supply", NULL};
    fake f = {0};
    sp_match_result res;
    sp_err e;

    ck_assert_int_eq(run(&rs, rec, &f, &res, &e), 0);
    /* one line per candidate compared (5), one for the rule's outcome */
    ck_assert_int_eq(f.trace_lines, 6);
    ck_assert_ptr_nonnull(strstr(f.last, "1 record(s) of customer hold"));
}
END_TEST

START_TEST(lookup_errors_and_oversized_rules_stop)
{
    sp_job_comparison many[SP_MATCH_MAX_CMP + 1];
    sp_job_rule rules[] = {{{1, 1}, "big", many, SP_MATCH_MAX_CMP + 1}};
    sp_job_rule_set rs = {{1, 1}, "cm", SP_ENTITY_CUSTOMER, rules, 1};
    sp_job_comparison by_name[] = {{{1, 1}, "name", &col_name, SP_COMPARE_EXACT}};
    sp_job_rule one[] = {{{1, 1}, "by name", by_name, 1}};
    sp_job_rule_set rs1 = {{1, 1}, "cm", SP_ENTITY_CUSTOMER, one, 1};
    const char *rec[] = {"name", "Bolt Supply", NULL};
    fake f = {0};
    sp_match_result res;
    sp_err e;

    for (size_t i = 0; i < SP_MATCH_MAX_CMP + 1; i++)
        many[i] = by_name[0];
    ck_assert_int_eq(run(&rs, rec, &f, &res, &e), -1);
    ck_assert_int_eq(e.code, SP_EJOB);
    f.fail = 1;
    ck_assert_int_eq(run(&rs1, rec, &f, &res, &e), -1);
    ck_assert_int_eq(e.code, SP_EDB);
}
END_TEST


/* ---- the SQL of the GP lookups (link.h), per dialect ---------------------------- */

static const sp_job_column col_inet = {"INET1", "SY01200", "char", 201, 0};
static const sp_job_column col_adrs = {"ADRSCODE", "RM00102", "char", 15, 1};

START_TEST(lookup_sql_per_dialect)
{
    sp_job_comparison cmp[] = {{{1, 1}, "zip", &col_adrs, SP_COMPARE_EXACT},
                               {{1, 2}, "email", &col_inet, SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE},
                               {{1, 3}, "name", &col_name, SP_COMPARE_PREFIX}};
    sp_job_rule rules[] = {{{1, 1}, "r", cmp, 3}};
    sp_job_rule_set rs = {{1, 1}, "am", SP_ENTITY_CUSTOMER_ADDRESS, rules, 1};
    sp_buf b;
    sp_err e;

    sp_buf_init(&b, 1 << 16);
    ck_assert_int_eq(sp_lookup_sql(SP_DIALECT_SQLITE, &rs, 0, 1, &b, &e), 0);
    ck_assert_str_eq(sp_buf_str(&b),
                     "SELECT t.CUSTNMBR, t.ADRSCODE, t.ADRSCODE AS c0, i.INET1 AS c1, t.CUSTNAME AS c2 FROM RM00102 t "
                     "LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND i.Master_ID >= RTRIM(t.CUSTNMBR) AND "
                     "i.Master_ID < RTRIM(t.CUSTNMBR) || '!' AND RTRIM(i.Master_ID) = RTRIM(t.CUSTNMBR) AND "
                     "RTRIM(i.ADRSCODE) = RTRIM(t.ADRSCODE) WHERE t.ADRSCODE >= ? AND t.ADRSCODE <= ? AND "
                     "LOWER(i.INET1) LIKE ? AND RTRIM(t.CUSTNAME) <> '' AND UPPER(RTRIM(t.CUSTNAME)) = "
                     "SUBSTR(UPPER(?), 1, LENGTH(RTRIM(t.CUSTNAME))) AND t.CUSTNMBR >= ? AND t.CUSTNMBR <= ? "
                     "ORDER BY t.CUSTNMBR, t.ADRSCODE LIMIT 101");
    sp_buf_reset(&b);
    ck_assert_int_eq(sp_lookup_sql(SP_DIALECT_SQLSERVER, &rs, 0, 0, &b, &e), 0);
    ck_assert_str_eq(sp_buf_str(&b),
                     "SELECT TOP (101) t.CUSTNMBR, t.ADRSCODE, t.ADRSCODE AS c0, i.INET1 AS c1, t.CUSTNAME AS c2 "
                     "FROM RM00102 t LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND i.Master_ID = t.CUSTNMBR AND "
                     "i.ADRSCODE = t.ADRSCODE WHERE t.ADRSCODE = ? AND LOWER(i.INET1) LIKE ? AND "
                     "RTRIM(t.CUSTNAME) <> '' AND UPPER(RTRIM(t.CUSTNAME)) = SUBSTRING(UPPER(?), 1, "
                     "LEN(RTRIM(t.CUSTNAME))) ORDER BY t.CUSTNMBR, t.ADRSCODE");
    sp_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("match");
    TCase *tc = tcase_create("match");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, exact_trims_both_sides_and_keeps_case);
    tcase_add_test(tc, ci_ignores_ascii_case_and_spaces);
    tcase_add_test(tc, digits_keeps_only_digits);
    tcase_add_test(tc, email_domain_against_website);
    tcase_add_test(tc, prefix_hubspot_starts_with_gp);
    tcase_add_test(tc, norm_refuses_what_does_not_fit);
    tcase_add_test(tc, first_rule_with_one_candidate_wins);
    tcase_add_test(tc, ambiguity_then_a_later_rule_decides);
    tcase_add_test(tc, all_comparisons_of_a_rule_must_hold);
    tcase_add_test(tc, empty_values_skip_the_rule_without_a_lookup);
    tcase_add_test(tc, trace_names_every_comparison);
    tcase_add_test(tc, lookup_errors_and_oversized_rules_stop);
    tcase_add_test(tc, lookup_sql_per_dialect);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
