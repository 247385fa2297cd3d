/* check_payload.c -- SHA-256, the canonical payload hash and the --dry-run diff (etl/pipeline/payload.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/buf.h"
#include "spetl/mem.h"
#include "spetl/payload.h"
#include "spetl/sha256.h"

static const char *hex_of(const char *s)
{
    static char hex[SP_SHA256_HEX_LEN];
    sp_sha256_hex(s, strlen(s), hex);
    return hex;
}

/* FIPS 180-4 examples (NIST "Cryptographic Algorithm Validation" SHA-256 vectors).
 * The SHA-256 tests run twice: _i 0 the portable code, 1 the CPU's SHA
 * instructions where it has them (sp_sha256_accel). */
START_TEST(sha256_standard_vectors)
{
    sp_sha256_accel(_i);
    ck_assert_str_eq(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_str_eq(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* the 448-bit message: padding needs a second block */
    ck_assert_str_eq(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* the 896-bit message */
    ck_assert_str_eq(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

START_TEST(sha256_million_a_in_uneven_pieces)
{
    sp_sha256 c;
    unsigned char d[SP_SHA256_LEN];
    char hex[SP_SHA256_HEX_LEN];
    char chunk[1024];
    size_t left = 1000000, step = 1;

    sp_sha256_accel(_i);
    memset(chunk, 'a', sizeof(chunk));
    sp_sha256_init(&c);
    while (left > 0) {
        size_t n = step < left ? step : left;
        sp_sha256_update(&c, chunk, n);
        left -= n;
        step = step % 997 + 7;   /* 1, 8, 15, ... never block-aligned for long */
    }
    sp_sha256_final(&c, d);
    sp_sha256_to_hex(d, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(sha256_pieces_equal_one_shot_at_every_length)
{
    unsigned char msg[200];
    sp_sha256_accel(_i);
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (unsigned char)(i * 31 + 7);
    for (size_t len = 0; len <= sizeof(msg); len++) {
        char one[SP_SHA256_HEX_LEN], two[SP_SHA256_HEX_LEN];
        unsigned char d[SP_SHA256_LEN];
        sp_sha256 c;
        sp_sha256_hex(msg, len, one);
        sp_sha256_init(&c);
        for (size_t k = 0; k < len; k += 3)
            sp_sha256_update(&c, msg + k, len - k < 3 ? len - k : 3);
        sp_sha256_final(&c, d);
        sp_sha256_to_hex(d, two);
        ck_assert_str_eq(one, two);
    }
}
END_TEST

/* The CPU's SHA instructions and the portable code agree at every length
 * over several blocks (where the CPU has none, both are the portable code). */
START_TEST(sha256_cpu_instructions_equal_portable_code)
{
    unsigned char msg[700];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (unsigned char)(i * 131 + (i >> 3));
    for (size_t len = 0; len <= sizeof(msg); len++) {
        char plain[SP_SHA256_HEX_LEN], cpu[SP_SHA256_HEX_LEN];
        sp_sha256_accel(0);
        sp_sha256_hex(msg, len, plain);
        sp_sha256_accel(1);
        sp_sha256_hex(msg, len, cpu);
        ck_assert_msg(strcmp(plain, cpu) == 0, "length %zu: %s (portable) != %s (CPU)", len, plain, cpu);
    }
}
END_TEST

START_TEST(canonical_text_is_sorted_and_length_prefixed)
{
    sp_prop props[] = {{"phone", "5550100"}, {"name", "Müller & Söhne"}};
    sp_buf b;
    sp_err e;
    char hash[SP_PAYLOAD_HASH_LEN];

    sp_buf_init(&b, 4096);
    ck_assert_int_eq(sp_payload_canonical(props, 2, &b, &e), 0);
    ck_assert_str_eq(sp_buf_str(&b), "spetl-payload/1\n4:name16:Müller & Söhne\n5:phone7:5550100\n");
    sp_buf_free(&b);
    /* = printf 'spetl-payload/1\n4:name16:Müller & Söhne\n5:phone7:5550100\n' | sha256sum */
    sp_payload_hash(props, 2, hash);
    ck_assert_str_eq(hash, "52b1207fc54d3f8f7b1271128c01c8a601a4c76d38405b3f5d1c74c099cfe2c6");
    sp_payload_hash(NULL, 0, hash);
    ck_assert_str_eq(hash, "04ccb3572c6abe3d8e5109f60023473a1d079691d828ced701e2f347bd96ddea");
}
END_TEST

START_TEST(hash_ignores_order_and_sees_every_change)
{
    sp_prop a[] = {{"name", "O'Neil; \"Mary\""}, {"city", "Chicago"}, {"zip", "60601"}};
    sp_prop b[] = {{"zip", "60601"}, {"name", "O'Neil; \"Mary\""}, {"city", "Chicago"}};
    sp_prop c[] = {{"zip", "60601"}, {"name", "O'Neil; \"Mary\""}, {"city", "Chicago "}};
    char ha[SP_PAYLOAD_HASH_LEN], hb[SP_PAYLOAD_HASH_LEN], hc[SP_PAYLOAD_HASH_LEN];

    sp_payload_hash(a, 3, ha);
    sp_payload_hash(b, 3, hb);
    sp_payload_hash(c, 3, hc);
    ck_assert_str_eq(ha, hb);
    ck_assert_str_ne(ha, hc);
    ck_assert_uint_eq(strlen(ha), 64);
}
END_TEST

START_TEST(hash_is_unambiguous)
{
    /* what a naive "name=value\n" join would confuse */
    sp_prop one[] = {{"a", "x\nb=y"}};
    sp_prop two[] = {{"a", "x"}, {"b", "y"}};
    sp_prop split1[] = {{"ab", "c"}};
    sp_prop split2[] = {{"a", "bc"}};
    sp_prop empty[] = {{"a", ""}};
    sp_prop null[] = {{"a", NULL}};
    char h1[SP_PAYLOAD_HASH_LEN], h2[SP_PAYLOAD_HASH_LEN];

    sp_payload_hash(one, 1, h1);
    sp_payload_hash(two, 2, h2);
    ck_assert_str_ne(h1, h2);
    sp_payload_hash(split1, 1, h1);
    sp_payload_hash(split2, 1, h2);
    ck_assert_str_ne(h1, h2);
    /* an empty value (clear the property) is not the same as not sending it */
    sp_payload_hash(empty, 1, h1);
    sp_payload_hash(NULL, 0, h2);
    ck_assert_str_ne(h1, h2);
    /* NULL is hashed as "" */
    sp_payload_hash(null, 1, h2);
    ck_assert_str_eq(h1, h2);
}
END_TEST

START_TEST(values_equal_as_hubspot_returns_them)
{
    ck_assert_int_eq(sp_payload_values_equal("Café", "Café"), 1);
    ck_assert_int_eq(sp_payload_values_equal("2026-11-27", "1795737600000"), 1);
    ck_assert_int_eq(sp_payload_values_equal("2026-11-27T00:00:00.000Z", "1795737600000"), 1);
    ck_assert_int_eq(sp_payload_values_equal("2019-12-07T16:50:06.678Z", "1575737406678"), 1);
    ck_assert_int_eq(sp_payload_values_equal("2026-11-28", "1795737600000"), 0);
    ck_assert_int_eq(sp_payload_values_equal("59.95", "59.95000"), 1);
    ck_assert_int_eq(sp_payload_values_equal("0", "0.00000"), 1);
    ck_assert_int_eq(sp_payload_values_equal("59.95", "59.96"), 0);
    ck_assert_int_eq(sp_payload_values_equal("abc", "ABC"), 0);
    ck_assert_int_eq(sp_payload_values_equal(NULL, ""), 0);
}
END_TEST

static const sp_prop next_payload[] = {
    {"name", "Müller & Söhne"},
    {"phone", "5550199"},
    {"closedate", "1795737600000"},
    {"price", "59.95"},
    {"fax", ""},
    {"description", "Line 1\n\"quoted\""},
};
#define NNEXT (sizeof(next_payload) / sizeof(next_payload[0]))

static const char *format(const sp_diff *d, unsigned flags)
{
    static char text[4096];
    sp_buf b;
    sp_err e;
    sp_buf_init(&b, 4096);
    ck_assert_int_eq(sp_payload_diff_format(d, "  ", flags, &b, &e), 0);
    snprintf(text, sizeof(text), "%s", sp_buf_str(&b));
    sp_buf_free(&b);
    return text;
}

START_TEST(diff_create_when_not_linked)
{
    sp_arena *a = sp_arena_new(0);
    sp_diff d;
    char hash[SP_PAYLOAD_HASH_LEN];

    sp_payload_diff(next_payload, NNEXT, NULL, a, &d);
    sp_payload_hash(next_payload, NNEXT, hash);
    ck_assert_int_eq(d.action, SP_DIFF_CREATE);
    ck_assert_str_eq(d.hash, hash);
    ck_assert_uint_eq(d.n, NNEXT);
    ck_assert_int_eq(d.entries[0].change, SP_CHANGE_SET);
    ck_assert_str_eq(format(&d, 0), "  create (6 properties)\n"
                                    "    + name = \"Müller & Söhne\"\n"
                                    "    + phone = \"5550199\"\n"
                                    "    + closedate = \"1795737600000\"\n"
                                    "    + price = \"59.95\"\n"
                                    "    + fax = \"\"\n"
                                    "    + description = \"Line 1\\n\\\"quoted\\\"\"\n");
    sp_arena_free(a);
}
END_TEST

START_TEST(diff_unchanged_when_the_hash_matches)
{
    sp_arena *a = sp_arena_new(0);
    sp_diff d;
    sp_payload_prev prev = {1, NULL, NULL, 0};
    char hash[SP_PAYLOAD_HASH_LEN];

    sp_payload_hash(next_payload, NNEXT, hash);
    prev.hash = hash;
    sp_payload_diff(next_payload, NNEXT, &prev, a, &d);
    ck_assert_int_eq(d.action, SP_DIFF_UNCHANGED);
    ck_assert_int_eq(d.old_known, 1);
    ck_assert_int_eq(d.entries[1].change, SP_CHANGE_SAME);
    ck_assert_str_eq(d.entries[1].old_value, "5550199");
    ck_assert_str_eq(format(&d, 0), "  unchanged (same payload as last sent; nothing to send)\n");
    ck_assert_str_eq(format(&d, SP_DIFF_SHOW_SAME),
                     "  unchanged (same payload as last sent; nothing to send)\n"
                     "    = name = \"Müller & Söhne\"\n"
                     "    = phone = \"5550199\"\n"
                     "    = closedate = \"1795737600000\"\n"
                     "    = price = \"59.95\"\n"
                     "    = fax = \"\"\n"
                     "    = description = \"Line 1\\n\\\"quoted\\\"\"\n");
    sp_arena_free(a);
}
END_TEST

START_TEST(diff_update_from_the_hash_alone)
{
    sp_arena *a = sp_arena_new(0);
    sp_diff d;
    sp_payload_prev prev = {1, "0000000000000000000000000000000000000000000000000000000000000000", NULL, 0};

    sp_payload_diff(next_payload, 2, &prev, a, &d);
    ck_assert_int_eq(d.action, SP_DIFF_UPDATE);
    ck_assert_int_eq(d.old_known, 0);
    ck_assert_int_eq(d.entries[0].change, SP_CHANGE_UNKNOWN);
    ck_assert_ptr_null(d.entries[0].old_value);
    ck_assert_str_eq(format(&d, 0), "  update (2 properties; last sent values unknown, only their hash is kept)\n"
                                    "    ? name = \"Müller & Söhne\"\n"
                                    "    ? phone = \"5550199\"\n");
    /* a link made by matching has no hash yet: an update too */
    prev.hash = NULL;
    sp_payload_diff(next_payload, 2, &prev, a, &d);
    ck_assert_int_eq(d.action, SP_DIFF_UPDATE);
    sp_arena_free(a);
}
END_TEST

START_TEST(diff_update_against_values_read_back)
{
    sp_arena *a = sp_arena_new(0);
    sp_diff d;
    /* as HubSpot returns them: ISO dates, normalised numbers */
    sp_prop old[] = {
        {"name", "Müller & Söhne"}, {"phone", "5550100"}, {"closedate", "2026-11-27"},
        {"price", "59.950"}, {"fax", "5550101"}, {"hs_object_id", "18446744073709551615"},
    };
    sp_payload_prev prev = {1, "ffff", old, sizeof(old) / sizeof(old[0])};

    sp_payload_diff(next_payload, NNEXT, &prev, a, &d);
    ck_assert_int_eq(d.action, SP_DIFF_UPDATE);
    ck_assert_int_eq(d.old_known, 1);
    ck_assert_uint_eq(d.nchanged, 3);
    ck_assert_int_eq(d.entries[0].change, SP_CHANGE_SAME);
    ck_assert_int_eq(d.entries[1].change, SP_CHANGE_CHANGED);
    ck_assert_int_eq(d.entries[2].change, SP_CHANGE_SAME);
    ck_assert_int_eq(d.entries[3].change, SP_CHANGE_SAME);
    ck_assert_int_eq(d.entries[4].change, SP_CHANGE_CLEARED);
    ck_assert_int_eq(d.entries[5].change, SP_CHANGE_ADDED);
    ck_assert_str_eq(format(&d, 0), "  update (3 of 6 properties changed)\n"
                                    "    ~ phone: \"5550100\" -> \"5550199\"\n"
                                    "    ~ fax: \"5550101\" -> \"\"\n"
                                    "    ~ description: (absent) -> \"Line 1\\n\\\"quoted\\\"\"\n");
    sp_arena_free(a);
}
END_TEST

START_TEST(diff_format_is_bounded)
{
    sp_arena *a = sp_arena_new(0);
    sp_diff d;
    sp_buf b;
    sp_err e;

    sp_payload_diff(next_payload, NNEXT, NULL, a, &d);
    sp_buf_init(&b, 40);
    ck_assert_int_eq(sp_payload_diff_format(&d, "", 0, &b, &e), -1);
    ck_assert_int_eq(e.code, SP_ETOOLARGE);
    sp_buf_free(&b);
    sp_arena_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("payload");
    TCase *tc = tcase_create("payload");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, sha256_standard_vectors, 0, 2);
    tcase_add_loop_test(tc, sha256_million_a_in_uneven_pieces, 0, 2);
    tcase_add_loop_test(tc, sha256_pieces_equal_one_shot_at_every_length, 0, 2);
    tcase_add_test(tc, sha256_cpu_instructions_equal_portable_code);
    tcase_add_test(tc, canonical_text_is_sorted_and_length_prefixed);
    tcase_add_test(tc, hash_ignores_order_and_sees_every_change);
    tcase_add_test(tc, hash_is_unambiguous);
    tcase_add_test(tc, values_equal_as_hubspot_returns_them);
    tcase_add_test(tc, diff_create_when_not_linked);
    tcase_add_test(tc, diff_unchanged_when_the_hash_matches);
    tcase_add_test(tc, diff_update_from_the_hash_alone);
    tcase_add_test(tc, diff_update_against_values_read_back);
    tcase_add_test(tc, diff_format_is_bounded);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
