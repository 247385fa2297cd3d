/* check_utf16.c -- UTF-8 <-> UTF-16, the conversion every wide Windows call
 * of spetl goes through (ODBC's W functions and SQL_C_WCHAR cells, argv,
 * file names, the environment). Pure: runs on Linux and under wine64. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/utf16.h"

/* "Müller Café 東京 😀": 1-, 2-, 3- and 4-byte sequences */
static const char MIXED[] = "M\xc3\xbcller Caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80";
static const uint16_t MIXED16[] = { 'M', 0xFC, 'l', 'l', 'e', 'r', ' ', 'C', 'a', 'f', 0xE9, ' ',
                                    0x6771, 0x4EAC, ' ', 0xD83D, 0xDE00, 0 };

START_TEST(utf8_to_utf16_every_sequence_length)
{
    uint16_t w[64];
    size_t n = sp_utf8_to_utf16(MIXED, strlen(MIXED), w, 64);

    ck_assert_uint_eq(n, 17);
    ck_assert_uint_eq(sp_utf16_len(w), 17);
    ck_assert_mem_eq(w, MIXED16, sizeof(MIXED16));
    ck_assert_uint_le(n, strlen(MIXED)); /* never more units than bytes */
}
END_TEST

START_TEST(utf16_to_utf8_every_sequence_length)
{
    char s[64];
    size_t n = sp_utf16_to_utf8(MIXED16, 17, s, sizeof(s));

    ck_assert_uint_eq(n, strlen(MIXED));
    ck_assert_str_eq(s, MIXED);
}
END_TEST

START_TEST(invalid_input_becomes_replacement_characters)
{
    uint16_t w[16];
    char s[32];
    /* a lone continuation byte, an overlong form, a cut sequence */
    size_t n = sp_utf8_to_utf16("a\x80" "b\xc0\xaf" "c\xe6\x9d", 8, w, 16);
    static const uint16_t want[] = { 'a', 0xFFFD, 'b', 0xFFFD, 0xFFFD, 'c', 0xFFFD, 0xFFFD, 0 };

    ck_assert_uint_eq(n, 8);
    ck_assert_mem_eq(w, want, sizeof(want));
    /* unpaired surrogates: a high one before text, a low one alone, a high one last */
    static const uint16_t bad16[] = { 0xD83D, 'x', 0xDE00, 'y', 0xD800 };
    n = sp_utf16_to_utf8(bad16, 5, s, sizeof(s));
    ck_assert_str_eq(s, "\xef\xbf\xbdx\xef\xbf\xbdy\xef\xbf\xbd");
    ck_assert_uint_eq(n, 11);
}
END_TEST

START_TEST(a_short_buffer_cuts_at_a_character_and_says_how_much_is_needed)
{
    uint16_t w[16];
    char s[8];

    /* the emoji's surrogate pair does not fit in the last unit: cut before it */
    ck_assert_uint_eq(sp_utf8_to_utf16("ab\xf0\x9f\x98\x80", 6, w, 3), 4);
    ck_assert_uint_eq(w[0], 'a');
    ck_assert_uint_eq(w[1], 'b');
    ck_assert_uint_eq(w[2], 0);
    ck_assert_uint_eq(sp_utf8_to_utf16("abc", 3, w, 1), 3);
    ck_assert_uint_eq(w[0], 0);
    /* "東京" is 6 bytes: 5 bytes of room hold the first character only */
    ck_assert_uint_eq(sp_utf16_to_utf8(MIXED16 + 12, 2, s, 6), 6);
    ck_assert_str_eq(s, "\xe6\x9d\xb1");
    ck_assert_uint_eq(sp_utf16_to_utf8(MIXED16 + 12, 2, s, 7), 6);
    ck_assert_str_eq(s, "\xe6\x9d\xb1\xe4\xba\xac");
    ck_assert_uint_eq(sp_utf16_to_utf8(MIXED16, 0, s, 1), 0);
    ck_assert_str_eq(s, "");
}
END_TEST

START_TEST(round_trip_of_every_plane_boundary)
{
    static const uint32_t cps[] = { 0x1, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD,
                                    0xFFFF, 0x10000, 0x10FFFF };
    for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
        uint16_t w[4], w2[4];
        char s[8];
        size_t units = cps[i] >= 0x10000 ? 2 : 1;
        if (units == 2) {
            w[0] = (uint16_t)(0xD800 | ((cps[i] - 0x10000) >> 10));
            w[1] = (uint16_t)(0xDC00 | ((cps[i] - 0x10000) & 0x3FF));
        } else {
            w[0] = (uint16_t)cps[i];
        }
        size_t n = sp_utf16_to_utf8(w, units, s, sizeof(s));
        ck_assert_uint_eq(sp_utf8_to_utf16(s, n, w2, 4), units);
        ck_assert_mem_eq(w, w2, units * sizeof(uint16_t));
    }
}
END_TEST

static Suite *utf16_suite(void)
{
    Suite *s = suite_create("utf16");
    TCase *tc = tcase_create("utf16");

    tcase_add_test(tc, utf8_to_utf16_every_sequence_length);
    tcase_add_test(tc, utf16_to_utf8_every_sequence_length);
    tcase_add_test(tc, invalid_input_becomes_replacement_characters);
    tcase_add_test(tc, a_short_buffer_cuts_at_a_character_and_says_how_much_is_needed);
    tcase_add_test(tc, round_trip_of_every_plane_boundary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(utf16_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
