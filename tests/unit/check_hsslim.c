/* check_hsslim.c -- etl/hubspot/slim.c: a batch write's reply parsed for
 * ids alone. Each case holds the slim tree against Jansson's whole parse:
 * the members kept equal, the ones left out absent, malformed bodies
 * refused with Jansson's own error, unusual ones parsed whole. (The batch
 * path through the simulator with SP_HS_IDS_ONLY: check_hubspot_sim.c;
 * fuzz_reply.c checks every corpus body against Jansson.) */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../etl/hubspot/hs_internal.h"

static json_t *slim(const char *body, const char *keep)
{
    json_error_t err;
    return hs_json_load_slim(body, strlen(body), keep, &err);
}

static json_t *full(const char *body)
{
    json_error_t err;
    return json_loadb(body, strlen(body), 0, &err);
}

static json_t *result(json_t *root, size_t i)
{
    return json_array_get(json_object_get(root, "results"), i);
}

START_TEST(partial_207_keeps_ids_and_errors)
{
    const char *body =
        "{\"status\":\"COMPLETE\",\"numErrors\":1,\"results\":["
        "{\"id\":\"10000000001\",\"properties\":{\"createdate\":\"2026-12-07T01:47:34.917Z\",\"domain\":null,"
        "\"gp_key\":\"C1\",\"name\":\"A \\\"quoted\\\" name\",\"n\":12.5e3,\"tags\":[1,{\"x\":[true,false]}]},"
        "\"createdAt\":\"2026-12-07T01:47:34.917Z\",\"archived\":false,\"new\":true,\"objectWriteTraceId\":\"0\"},"
        "{\"id\":10000000002,\"properties\":{\"gp_key\":\"C\\u00e92\"},\"new\":false,\"objectWriteTraceId\":\"2\"}],"
        "\"errors\":[{\"status\":\"error\",\"category\":\"VALIDATION_ERROR\",\"message\":\"bad \\u00e9\","
        "\"context\":{\"objectWriteTraceId\":[\"1\"]},\"errors\":[{\"code\":\"INVALID_OPTION\"}]}],"
        "\"startedAt\":\"x\",\"correlationId\":\"c-1\"}";
    json_t *s = slim(body, "gp_key"), *f = full(body), *r0, *r1;

    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(f);
    /* everything outside results as Jansson parses it */
    ck_assert(json_equal(json_object_get(s, "errors"), json_object_get(f, "errors")));
    ck_assert_str_eq(json_string_value(json_object_get(s, "status")), "COMPLETE");
    ck_assert_int_eq(json_integer_value(json_object_get(s, "numErrors")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(s, "correlationId")), "c-1");
    ck_assert_uint_eq(json_object_size(s), json_object_size(f));
    r0 = result(s, 0);
    r1 = result(s, 1);
    ck_assert_uint_eq(json_array_size(json_object_get(s, "results")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "id")), "10000000001");
    ck_assert(json_is_true(json_object_get(r0, "new")));
    ck_assert_str_eq(json_string_value(json_object_get(r0, "objectWriteTraceId")), "0");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r0, "properties"), "gp_key")), "C1");
    /* left out: the other properties, createdAt, archived */
    ck_assert_uint_eq(json_object_size(json_object_get(r0, "properties")), 1);
    ck_assert_ptr_null(json_object_get(r0, "createdAt"));
    ck_assert_ptr_null(json_object_get(r0, "archived"));
    ck_assert_uint_eq(json_object_size(r0), 4);
    /* a number id stays a number; an escaped key value is decoded */
    ck_assert_int_eq(json_integer_value(json_object_get(r1, "id")), 10000000002LL);
    ck_assert(json_is_false(json_object_get(r1, "new")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r1, "properties"), "gp_key")), "C\xc3\xa9" "2");
    json_decref(s);
    json_decref(f);
}
END_TEST

START_TEST(missing_fields_are_absent)
{
    json_t *s = slim("{\"results\":[{},{\"properties\":{}},{\"id\":\"7\"},{\"properties\":{\"name\":\"x\"}},\"odd\",3,"
                     "{\"properties\":{\"gp_key\":\"K\"},\"properties\":null}]}",
                     "gp_key");

    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(json_object_size(result(s, 0)), 0);
    ck_assert_uint_eq(json_object_size(json_object_get(result(s, 1), "properties")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(result(s, 2), "id")), "7");
    ck_assert_ptr_null(json_object_get(result(s, 2), "properties"));
    ck_assert_uint_eq(json_object_size(json_object_get(result(s, 3), "properties")), 0);
    /* results that are not objects are kept as they are */
    ck_assert_str_eq(json_string_value(result(s, 4)), "odd");
    ck_assert_int_eq(json_integer_value(result(s, 5)), 3);
    /* the last "properties" counts (null: left out), as in Jansson's tree */
    ck_assert_ptr_null(json_object_get(result(s, 6), "properties"));
    json_decref(s);
    /* no keep: no property at all; no results: the tree is Jansson's */
    s = slim("{\"results\":[{\"id\":\"1\",\"properties\":{\"gp_key\":\"K\"}}]}", NULL);
    ck_assert_uint_eq(json_object_size(json_object_get(result(s, 0), "properties")), 0);
    json_decref(s);
    s = slim("{\"status\":\"COMPLETE\",\"results\":{\"id\":\"1\",\"createdAt\":\"t\"}}", "gp_key");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "results"), "createdAt")), "t");
    json_decref(s);
}
END_TEST

/* Each malformed body: NULL, with Jansson's own error text. */
START_TEST(malformed_replies_are_refused)
{
    static const char *const bad[] = {
        "{\"results\":[{\"id\":\"1\"}]",                                  /* truncated */
        "{\"results\":[{\"id\":\"1\"}]} x",                               /* after the end */
        "{\"results\":[{\"id\":\"1\",\"properties\":{\"n\":\"\xc3\x28\"}}]}", /* invalid UTF-8, skipped */
        "{\"results\":[{\"properties\":{\"n\":\"\xed\xa0\x80\"}}]}",     /* a surrogate in UTF-8 */
        "{\"results\":[{\"properties\":{\"n\":\"\xc0\xaf\"}}]}",         /* overlong */
        "{\"results\":[{\"properties\":{\"n\":\"a\tb\"}}]}",             /* a control character */
        "{\"results\":[{\"properties\":{\"n\":\"\\x\"}}]}",              /* a bad escape */
        "{\"results\":[{\"properties\":{\"n\":\"\\ud800\"}}]}",          /* a lone surrogate escape */
        "{\"results\":[{\"properties\":{\"n\":\"\\u0000\"}}]}",          /* NUL, not allowed */
        "{\"results\":[{\"createdAt\":123456789012345678901234567890}]}", /* too big an integer */
        "{\"results\":[{\"createdAt\":01}]}",                            /* a leading zero */
        "{\"results\":[{\"createdAt\":1.}]}",
        "{\"results\":[{\"archived\":tru}]}",
        "{\"results\":[{\"archived\":truex}]}",
        "{\"results\":[{\"id\":\"1\",}]}",                               /* a trailing comma */
        "{\"results\":[{\"id\" \"1\"}]}",
        "{\"results\":[{\"id\":\"1\"}],}",
        "{\"results\":[{\"properties\":{\"a\":[1,2}}}]}",
        "{\"results\":[{\"properties\":{\"a\":{\"b\" 1}}}]}",
        "{\"results\":[{\"id\":\"1\"},]}",
        "{results:[]}",
        "{\"a\":1",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_error_t e1, e2;
        size_t n = strlen(bad[i]);
        json_t *f = json_loadb(bad[i], n, 0, &e1);
        json_t *s = hs_json_load_slim(bad[i], n, "gp_key", &e2);
        ck_assert_msg(f == NULL, "case %zu: Jansson takes it", i);
        ck_assert_msg(s == NULL, "case %zu: slim takes what Jansson refuses: %s", i, bad[i]);
        ck_assert_str_eq(e1.text, e2.text);
        ck_assert_int_eq(e1.position, e2.position);
    }
}
END_TEST

/* What slim.c does not scan itself is parsed whole by Jansson: same tree. */
START_TEST(unusual_replies_are_parsed_whole)
{
    char deep[512];
    size_t n = 0;
    const char *odd[3] = {"{\"results\":[{\"cre\\u0061tedAt\":\"t\",\"id\":\"1\"}]}", /* an escaped key */
                          "[{\"id\":\"1\"}]",                                         /* not an object */
                          deep};                                                     /* nested past SLIM_DEPTH */

    n += (size_t)snprintf(deep, sizeof(deep), "{\"results\":[{\"properties\":{\"d\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    deep[n++] = '1';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    snprintf(deep + n, sizeof(deep) - n, "}}]}");
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        json_t *s = slim(odd[i], "gp_key"), *f = full(odd[i]);
        ck_assert_ptr_nonnull(f);
        ck_assert_msg(json_equal(s, f), "case %zu", i);
        json_decref(s);
        json_decref(f);
    }
}
END_TEST

START_TEST(whitespace_and_duplicates_as_jansson)
{
    const char *body = " \r\n\t{ \"results\" : [ { \"id\" : \"1\" , \"id\" : \"2\" , \"properties\" : { \"gp_key\" : \"a\" ,"
                       " \"gp_key\" : \"b\" } } ] , \"results\" : [ { \"id\" : \"3\" } ] } \n";
    json_t *s = slim(body, "gp_key");

    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(json_array_size(json_object_get(s, "results")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(result(s, 0), "id")), "3");
    json_decref(s);
    s = slim("{\"results\":[{\"id\":\"1\",\"id\":\"2\",\"properties\":{\"gp_key\":\"a\",\"gp_key\":\"b\"}}]}", "gp_key");
    ck_assert_str_eq(json_string_value(json_object_get(result(s, 0), "id")), "2");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(result(s, 0), "properties"), "gp_key")), "b");
    json_decref(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hsslim");
    TCase *tc = tcase_create("slim");

    tcase_add_test(tc, partial_207_keeps_ids_and_errors);
    tcase_add_test(tc, missing_fields_are_absent);
    tcase_add_test(tc, malformed_replies_are_refused);
    tcase_add_test(tc, unusual_replies_are_parsed_whole);
    tcase_add_test(tc, whitespace_and_duplicates_as_jansson);
    suite_add_tcase(s, tc);
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
