/* check_core.c -- errors, buffers, arenas, clock, logging (etl/core). */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/err.h"
#include "spetl/json.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/platform.h"
#include "spetl/utf8.h"

START_TEST(err_formats_input_position_and_context)
{
    sp_err e;
    char line[512];

    sp_err_clear(&e);
    ck_assert_int_eq(SP_ERR(&e, SP_EJOB, "page size %d is out of range 1..100", 150), -1);
    sp_err_at_input(&e, "jobs/demo.xml", 12, 7);
    sp_err_at_input(&e, "other.xml", 1, 1); /* does not overwrite */
    ck_assert_str_eq(sp_err_format(&e, line, sizeof(line)),
                     "jobs/demo.xml:12:7: page size 150 is out of range 1..100");
    ck_assert_int_eq(sp_code_exit(e.code), 2);
}
END_TEST

START_TEST(err_formats_sql_and_http_context)
{
    sp_err e;
    char line[512];

    sp_err_clear(&e);
    SP_ERR(&e, SP_EDB, "UNIQUE constraint failed");
    sp_err_sql(&e, "23000", 19, "INSERT INTO RM00101 ...");
    sp_err_record(&e, "customer-export", "AARONFIT0001");
    sp_err_prefix(&e, "writing link");
    ck_assert_str_eq(sp_err_format(&e, line, sizeof(line)),
                     "writing link: UNIQUE constraint failed [component=customer-export "
                     "key=AARONFIT0001 sqlstate=23000 native=19 statement=\"INSERT INTO RM00101 ...\"]");
    SP_ERR(&e, SP_EDATA, "Property values were not valid");
    sp_err_http(&e, 400, "VALIDATION_ERROR", "0c3f-11");
    ck_assert_str_eq(sp_err_format(&e, line, sizeof(line)),
                     "Property values were not valid [http=400 category=VALIDATION_ERROR correlationId=0c3f-11]");
    ck_assert_int_eq(sp_code_exit(SP_EDB), 3);
    ck_assert_int_eq(sp_code_exit(SP_EAUTH), 4);
    ck_assert_int_eq(sp_code_exit(SP_ELOCKED), 5);
    ck_assert_int_eq(sp_code_exit(SP_ERECORDS), 1);
    ck_assert_int_eq(sp_code_exit(SP_ESTOPPED), 7);
    ck_assert_str_eq(sp_code_name(SP_ESTOPPED), "ESTOPPED");
    /* the table --help and the README print: 0..7, in order, each once */
    {
        int n = 0;
        for (const sp_exit_row *r = sp_exit_table(); r->meaning != NULL; r++, n++)
            ck_assert_int_eq(r->exit_code, n);
        ck_assert_int_eq(n, 8);
    }
}
END_TEST

START_TEST(err_format_is_bounded)
{
    sp_err e;
    char small[16];

    SP_ERR(&e, SP_EDB, "a very long message that will not fit");
    sp_err_format(&e, small, sizeof(small));
    ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

/* A formatted error holds no registered secret (check prints them on stdout). */
START_TEST(err_format_redacts_secrets)
{
    sp_err e;
    char line[256];

    sp_log_secret("s3cr\"et");
    SP_ERR(&e, SP_EDB, "cannot connect with Pwd=s3cr\"et;");
    sp_err_sql(&e, "28000", 1, "login Pwd=s3cr\"et");
    ck_assert_str_eq(sp_err_format(&e, line, sizeof(line)),
                     "cannot connect with Pwd=*******; [sqlstate=28000 native=1 statement=\"login Pwd=*******\"]");
    sp_log_reset();
}
END_TEST

START_TEST(buf_refuses_past_its_bound)
{
    sp_buf b;
    sp_err e;

    sp_buf_init(&b, 8);
    ck_assert_int_eq(sp_buf_puts(&b, "1234", &e), 0);
    ck_assert_int_eq(sp_buf_printf(&b, &e, "%d", 5678), 0);
    ck_assert_str_eq(sp_buf_str(&b), "12345678");
    ck_assert_int_eq(sp_buf_check(&b, &e), 0);
    ck_assert_int_eq(sp_buf_puts(&b, "9", &e), -1);
    ck_assert_int_eq(e.code, SP_ETOOLARGE);
    sp_buf_reset(&b);
    ck_assert_str_eq(sp_buf_str(&b), "");
    ck_assert_int_eq(sp_buf_puts(&b, "again", &e), 0);
    ck_assert_str_eq(sp_buf_str(&b), "again");
    sp_buf_free(&b);
}
END_TEST

/* A refused append must not leave a text with a piece missing: an SQL text
 * "a = ? AND b = ?" cut to "a = ? AND" while both parameters stay queued. */
START_TEST(buf_refusal_is_sticky_until_reset)
{
    sp_buf b;
    sp_err e;

    sp_buf_init(&b, 10);
    ck_assert_int_eq(sp_buf_puts(&b, "a = ?", &e), 0);
    ck_assert_int_eq(sp_buf_puts(&b, " AND b = ?", &e), -1);   /* 15 > 10 */
    ck_assert_int_eq(sp_buf_puts(&b, "!", &e), -1);             /* would fit: still refused */
    ck_assert_int_eq(sp_buf_printf(&b, &e, "%d", 1), -1);
    ck_assert(!sp_buf_ok(&b));
    sp_err_clear(&e);
    ck_assert_int_eq(sp_buf_check(&b, &e), -1);
    ck_assert_int_eq(e.code, SP_ETOOLARGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "the bound is 10"));
    ck_assert_str_eq(sp_buf_str(&b), "");
    sp_buf_reset(&b);
    ck_assert(sp_buf_ok(&b));
    ck_assert_int_eq(sp_buf_puts(&b, "b = ?", &e), 0);
    ck_assert_str_eq(sp_buf_str(&b), "b = ?");
    sp_buf_free(&b);
}
END_TEST

static int cleaned;
static void count_cleanup(void *p)
{
    cleaned += *(int *)p;
}

START_TEST(arena_allocates_resets_and_runs_cleanups)
{
    sp_arena *a = sp_arena_new(128);
    static int one = 1, ten = 10;
    char *big;

    ck_assert_str_eq(sp_arena_printf(a, "%s-%04d", "AARONFIT", 1), "AARONFIT-0001");
    big = sp_arena_alloc(a, 1000); /* larger than a block */
    memset(big, 'x', 1000);
    for (int i = 0; i < 100; i++)
        ck_assert_ptr_nonnull(sp_arena_strdup(a, "row scratch"));
    ck_assert_uint_ge(sp_arena_used(a), 1000);
    cleaned = 0;
    sp_arena_on_reset(a, count_cleanup, &one);
    sp_arena_on_reset(a, count_cleanup, &ten);
    sp_arena_reset(a);
    ck_assert_int_eq(cleaned, 11);
    ck_assert_uint_eq(sp_arena_used(a), 0);
    ck_assert_str_eq(sp_arena_strndup(a, "abcdef", 3), "abc");
    sp_arena_free(a);
}
END_TEST

/* Appends 0..count-1 to v by sp_xgrow, checking that it moves the array only
 * when full, to first_cap then double, and keeps what was stored. */
START_TEST(xgrow_starts_at_first_cap_doubles_and_keeps_contents)
{
    size_t *v = NULL, cap = 0, want = 3;

    for (size_t n = 0; n < 1000; n++) {
        size_t *before = v, was = cap;
        v = sp_xgrow(v, n, &cap, sizeof(*v), 3);
        if (n < was) {
            ck_assert_ptr_eq(v, before);
            ck_assert_uint_eq(cap, was);
        } else {
            ck_assert_uint_eq(cap, want);
            want *= 2;
            for (size_t i = 0; i < n; i++)
                ck_assert_uint_eq(v[i], i * 7);
        }
        v[n] = n * 7;
    }
    ck_assert_uint_eq(cap, 1536);
    for (size_t i = 0; i < 1000; i++)
        ck_assert_uint_eq(v[i], i * 7);
    free(v);
    /* past the capacity by more than double: as large as needed */
    cap = 4;
    v = sp_xgrow(sp_xmalloc(4 * sizeof(*v)), 20, &cap, sizeof(*v), 4);
    ck_assert_uint_eq(cap, 32);
    v[20] = 1;
    free(v);
}
END_TEST

START_TEST(arena_grow_copies_into_the_arena_and_keeps_the_old_block)
{
    sp_arena *a = sp_arena_new(256);
    int *v = NULL, *old;
    size_t cap = 0, used;

    v = sp_arena_grow(a, v, 0, &cap, sizeof(*v), 5);
    ck_assert_uint_eq(cap, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_ptr_eq(sp_arena_grow(a, v, (size_t)i, &cap, sizeof(*v), 5), v);
        v[i] = 100 + i;
    }
    ck_assert_uint_eq(cap, 5);
    old = v;
    used = sp_arena_used(a);
    v = sp_arena_grow(a, v, 5, &cap, sizeof(*v), 5);
    ck_assert_ptr_ne(v, old);
    ck_assert_uint_eq(cap, 10);
    ck_assert_uint_ge(sp_arena_used(a), used + 10 * sizeof(*v));
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(v[i], 100 + i);
        ck_assert_int_eq(old[i], 100 + i); /* the old block stays until reset */
    }
    for (int i = 5; i < 10; i++)
        ck_assert_int_eq(v[i], 0); /* zeroed like any arena block */
    for (int i = 5; i < 40; i++) {
        v = sp_arena_grow(a, v, (size_t)i, &cap, sizeof(*v), 5);
        v[i] = 100 + i;
    }
    ck_assert_uint_eq(cap, 40);
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(v[i], 100 + i);
    sp_arena_free(a);
}
END_TEST

/* Sizes that overflow size_t abort as out of memory rather than wrap to a
 * small block (run only when Check forks: the abort is the expected end). */
START_TEST(xgrow_refuses_a_size_that_overflows)
{
    size_t cap = 0;
    void *v = sp_xgrow(NULL, 0, &cap, SIZE_MAX / 4 + 1, 4);   /* 4 * 2^62 wraps to 0 */

    free(v);
}
END_TEST

START_TEST(xgrow_refuses_a_capacity_that_overflows)
{
    size_t cap = SIZE_MAX / 2 + 1;
    void *v = sp_xgrow(NULL, cap, &cap, 1, 64);                /* doubled wraps to 0 */

    free(v);
}
END_TEST

START_TEST(arena_grow_refuses_a_size_that_overflows)
{
    sp_arena *a = sp_arena_new(0);
    size_t cap = 0;

    sp_arena_grow(a, NULL, 0, &cap, SIZE_MAX / 4 + 1, 4);
    sp_arena_free(a);
}
END_TEST

START_TEST(time_parses_iso_and_epoch)
{
    int64_t t;
    char buf[32];

    ck_assert_int_eq(sp_time_parse("2015-05-01", &t), 0);
    ck_assert_int_eq(t, 1430438400000LL);
    ck_assert_int_eq(sp_time_parse("2019-12-07T16:50:06.678Z", &t), 0);
    ck_assert_int_eq(t, 1575737406678LL);
    ck_assert_str_eq(sp_time_iso8601(t, buf, sizeof(buf)), "2019-12-07T16:50:06.678Z");
    ck_assert_str_eq(sp_time_sql(t, buf, sizeof(buf)), "2019-12-07 16:50:06.678");
    ck_assert_int_eq(sp_time_parse("2019-12-07 16:50:06.6", &t), 0);
    ck_assert_int_eq(t, 1575737406600LL);
    ck_assert_int_eq(sp_time_parse("1572480000000", &t), 0);
    ck_assert_int_eq(t, 1572480000000LL);
    ck_assert_int_eq(sp_time_parse("2019-13-07", &t), -1);
    ck_assert_int_eq(sp_time_parse("yesterday", &t), -1);
    ck_assert_int_eq(sp_time_parse("2019-12-07T16:50:06.678+02:00", &t), -1);
}
END_TEST

/* The one date parser: strict calendar, and the epoch digits of sp_time_parse. */
START_TEST(time_parse_date_is_strict)
{
    int64_t t;
    int timed = -1;

    ck_assert_int_eq(sp_time_parse_date("2024-02-29", &t, &timed), 0);
    ck_assert_int_eq(timed, 0);
    ck_assert_int_eq(sp_time_parse_date("2019-12-07T16:50:06.6789Z", &t, &timed), 0);
    ck_assert_int_eq(t, 1575737406678LL);
    ck_assert_int_eq(timed, 1);
    ck_assert_int_eq(sp_time_parse_date("2019-12-07 16:50+00:00", &t, NULL), 0);
    ck_assert_int_eq(sp_time_parse_date("2026-02-29", &t, NULL), -1);
    ck_assert_int_eq(sp_time_parse_date("2026-04-31", &t, NULL), -1);
    ck_assert_int_eq(sp_time_parse_date("0000-01-01", &t, NULL), -1);
    ck_assert_int_eq(sp_time_parse_date("2026-01-01T24:00", &t, NULL), -1);
    ck_assert_int_eq(sp_time_parse_date("2026-01-01T10:00:60", &t, NULL), -1);
    ck_assert_int_eq(sp_time_parse_date("2026-01-01T10:00:00.", &t, NULL), -1);
    ck_assert_int_eq(sp_time_parse_date("1572480000000", &t, NULL), -1);
    ck_assert_int_eq(sp_time_parse("2026-02-30", &t), -1);     /* was taken as March 2 */
    ck_assert_int_eq(sp_time_parse("20260101", &t), -1);
}
END_TEST

START_TEST(utf8_validator_refuses_overlongs_surrogates_and_cuts)
{
    size_t bad = 99;

    ck_assert_uint_eq(sp_utf8_seq("A", 1), 1);
    ck_assert_uint_eq(sp_utf8_seq("\xc3\xa9", 2), 2);
    ck_assert_uint_eq(sp_utf8_seq("\xe2\x82\xac", 3), 3);
    ck_assert_uint_eq(sp_utf8_seq("\xf0\x9f\x98\x80", 4), 4);
    ck_assert_uint_eq(sp_utf8_seq("\xf4\x8f\xbf\xbf", 4), 4);      /* U+10FFFF */
    ck_assert_uint_eq(sp_utf8_seq("\xc0\x80", 2), 0);              /* overlong NUL */
    ck_assert_uint_eq(sp_utf8_seq("\xc1\xbf", 2), 0);
    ck_assert_uint_eq(sp_utf8_seq("\xe0\x80\x80", 3), 0);          /* overlong */
    ck_assert_uint_eq(sp_utf8_seq("\xe0\x9f\xbf", 3), 0);
    ck_assert_uint_eq(sp_utf8_seq("\xf0\x8f\xbf\xbf", 4), 0);
    ck_assert_uint_eq(sp_utf8_seq("\xed\xa0\x80", 3), 0);          /* surrogate */
    ck_assert_uint_eq(sp_utf8_seq("\xed\x9f\xbf", 3), 3);          /* U+D7FF */
    ck_assert_uint_eq(sp_utf8_seq("\xf4\x90\x80\x80", 4), 0);      /* > U+10FFFF */
    ck_assert_uint_eq(sp_utf8_seq("\xf5\x80\x80\x80", 4), 0);
    ck_assert_uint_eq(sp_utf8_seq("\x80", 1), 0);                  /* a lone continuation */
    ck_assert_uint_eq(sp_utf8_seq("\xc3\xa9", 1), 0);              /* cut by n */
    ck_assert_uint_eq(sp_utf8_seq("\xe2\x82", 4), 0);              /* cut by the NUL */
    ck_assert(sp_utf8_valid("caf\xc3\xa9 \xe2\x82\xac", 9, &bad));
    ck_assert(!sp_utf8_valid("ok\xe2\x82" "x", 5, &bad));
    ck_assert_uint_eq(bad, 2);
    ck_assert(sp_utf8_valid("", 0, NULL));
}
END_TEST

START_TEST(fake_clock_never_sleeps)
{
    sp_fake_clock f;
    int64_t before;

    sp_fake_clock_install(&f, 1700000000000LL);
    before = sp_clock_now_ms();
    sp_clock_sleep_ms(10000);
    ck_assert_int_eq(sp_clock_now_ms() - before, 10000);
    ck_assert_int_eq(sp_clock_wall_ms(), 1700000010000LL);
    ck_assert_int_eq(f.sleeps, 1);
    sp_clock_set(NULL);
}
END_TEST

START_TEST(log_lines_are_single_structured_and_redacted)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sp_fake_clock clk;

    sp_fake_clock_install(&clk, 1575737406678LL);
    sp_log_set_stream(f);
    sp_log_set_level(SP_LOG_INFO);
    sp_log_set_context("r1", "demo");
    sp_log_secret("pat-na1-secret-token");
    SP_INFO("hubspot", "sending \"Bearer pat-na1-secret-token\"\nnext");
    SP_DEBUG("hubspot", "not shown");
    fclose(f);
    ck_assert_str_eq(text, "time=2019-12-07T16:50:06.678Z level=info run=r1 job=demo comp=hubspot "
                           "msg=\"sending \\\"Bearer <redacted>\\\"\\nnext\"\n");
    free(text);
    sp_log_reset();
    sp_log_set_stream(NULL);
    sp_clock_set(NULL);
}
END_TEST

/* One log line at info level, captured; the caller frees it. */
static char *log_line(const char *msg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    sp_log_set_stream(f);
    sp_log_set_level(SP_LOG_INFO);
    sp_log(SP_LOG_INFO, NULL, "%s", msg);
    fclose(f);
    sp_log_set_stream(NULL);
    return text;
}

START_TEST(log_redacts_secrets_with_quotes_and_backslashes)
{
    char *t;

    sp_log_secret("pa\"ss\\word");
    t = log_line("connecting with pwd=pa\"ss\\word;");
    ck_assert_ptr_null(strstr(t, "pa"));
    ck_assert_ptr_nonnull(strstr(t, "msg=\"connecting with pwd=<redacted>;\""));
    free(t);
    sp_log_reset();
}
END_TEST

START_TEST(log_redacts_every_copy_of_a_secret)
{
    char *t;
    char s[64];

    sp_log_secret("hunter2-hunter2");
    t = log_line("a=hunter2-hunter2 b=hunter2-hunter2hunter2-hunter2 end");
    ck_assert_ptr_null(strstr(t, "hunter"));
    ck_assert_ptr_nonnull(strstr(t, "msg=\"a=<redacted> b=<redacted><redacted> end\""));
    free(t);
    /* the in-place form, and a short secret: one '*' per byte, every copy */
    sp_log_secret("x");
    snprintf(s, sizeof(s), "%s", "xx x1x");
    sp_log_redact(s);
    ck_assert_str_eq(s, "** *1*");
    sp_log_reset();
}
END_TEST

START_TEST(log_keeps_any_number_of_secrets_longest_first)
{
    char name[32], line[64];
    char *t;

    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "secret-number-%02d", i);
        sp_log_secret(name);
    }
    sp_log_secret("pass");
    sp_log_secret("mypassword");   /* holds "pass": redacted whole, not cut */
    snprintf(line, sizeof(line), "%s", "secret-number-00 mypassword pass");
    sp_log_redact(line);
    ck_assert_str_eq(line, "<redacted> <redacted> ****");
    /* a message cut at the line bound does not leave the start of a secret */
    {
        char big[5000];
        memset(big, 'a', sizeof(big));
        memcpy(big + 4095 - 6, "mypassword", 10);
        big[sizeof(big) - 1] = '\0';
        t = log_line(big);
        ck_assert_ptr_null(strstr(t, "mypas"));
        free(t);
    }
    sp_log_reset();
}
END_TEST

/* The JSON writer's text parses, and strings come back byte for byte. */
START_TEST(json_writer_escapes_and_nests)
{
    static const char msg[] = "say \"hi\" \\ back\\slash\n\ttab\r\x01\x1f bell\b feed\f "
                              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 del\x7f";
    sp_buf b;
    sp_json w;
    sp_err e;
    json_t *root, *comps;

    sp_buf_init(&b, 4096);
    sp_json_init(&w, &b, 2);
    sp_json_object(&w, NULL);
    sp_json_string(&w, "message", msg);
    sp_json_string(&w, "bad \"key\"", "not \xff utf-8 \xc0\x80");
    sp_json_string(&w, "none", NULL);
    sp_json_bool(&w, "dry_run", 1);
    sp_json_int(&w, "big", -9007199254740993LL);
    sp_json_array(&w, "empty");
    sp_json_end(&w);
    sp_json_array(&w, "components");
    sp_json_object(&w, NULL);
    sp_json_object(&w, "counts");
    sp_json_int(&w, "read", 3);
    sp_json_end(&w);
    sp_json_end(&w);
    sp_json_end(&w);
    sp_json_end(&w);
    ck_assert_int_eq(sp_json_finish(&w, &e), 0);
    root = json_loads(sp_buf_str(&b), 0, NULL);
    ck_assert_msg(root != NULL, "not JSON: %s", sp_buf_str(&b));
    ck_assert_str_eq(json_string_value(json_object_get(root, "message")), msg);
    ck_assert_str_eq(json_string_value(json_object_get(root, "bad \"key\"")),
                     "not \xef\xbf\xbd utf-8 \xef\xbf\xbd\xef\xbf\xbd");
    ck_assert(json_is_null(json_object_get(root, "none")));
    ck_assert(json_is_true(json_object_get(root, "dry_run")));
    ck_assert_int_eq(json_integer_value(json_object_get(root, "big")), -9007199254740993LL);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "empty")), 0);
    comps = json_object_get(root, "components");
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(json_array_get(comps, 0), "counts"), "read")), 3);
    json_decref(root);
    ck_assert_ptr_null(strchr(sp_buf_str(&b), '\t'));   /* escaped, not raw */
    sp_buf_free(&b);
}
END_TEST

START_TEST(json_writer_refuses_misuse_and_overflow)
{
    sp_buf b;
    sp_json w;
    sp_err e;

    sp_buf_init(&b, 4096);
    sp_json_init(&w, &b, 0);
    sp_json_object(&w, NULL);
    sp_json_string(&w, NULL, "no key inside an object");
    sp_json_end(&w);
    ck_assert_int_eq(sp_json_finish(&w, &e), -1);
    ck_assert_int_eq(e.code, SP_EINTERNAL);
    sp_buf_reset(&b);
    sp_json_init(&w, &b, 0);
    sp_json_array(&w, NULL);   /* never closed */
    ck_assert_int_eq(sp_json_finish(&w, &e), -1);
    sp_buf_free(&b);

    sp_buf_init(&b, 16);
    sp_json_init(&w, &b, 0);
    sp_json_object(&w, NULL);
    sp_json_string(&w, "k", "a value longer than the bound");
    sp_json_end(&w);
    ck_assert_int_eq(sp_json_finish(&w, &e), -1);
    ck_assert_int_eq(e.code, SP_ETOOLARGE);
    sp_buf_free(&b);
}
END_TEST

/* The platform seam: a job file's folder and absolute paths, as each system
 * writes them (jobs/README.md: relative paths resolve from the job's folder). */
static void dir_is(const char *path, const char *want)
{
    char *d = sp_path_dir(path);
    ck_assert_msg(strcmp(d, want) == 0, "folder of %s: got %s, want %s", path, d, want);
    free(d);
}

START_TEST(platform_paths_split_and_recognise_absolute)
{
    dir_is("job.xml", ".");
    dir_is("jobs/x.xml", "jobs");
    dir_is("/srv/spetl/jobs/x.xml", "/srv/spetl/jobs");
    ck_assert(sp_path_is_absolute("/srv/x.xml"));
    ck_assert(!sp_path_is_absolute("jobs/x.xml"));
#ifdef _WIN32
    dir_is("C:\\spetl\\jobs\\x.xml", "C:\\spetl\\jobs");
    dir_is("C:\\x.xml", "C:\\");
    dir_is("\\\\server\\share\\jobs\\x.xml", "\\\\server\\share\\jobs");
    dir_is("jobs\\x.xml", "jobs");
    dir_is("C:x.xml", "C:");
    ck_assert(sp_path_is_absolute("C:\\spetl\\x.xml"));
    ck_assert(sp_path_is_absolute("\\\\server\\share\\x.xml"));
    ck_assert(!sp_path_is_absolute("jobs\\x.xml"));
    ck_assert_int_eq(SP_PATH_SEP, '\\');
#else
    dir_is("/x.xml", "/");
    dir_is("jobs\\x.xml", ".");
    ck_assert(!sp_path_is_absolute("C:\\x.xml"));
    ck_assert_int_eq(SP_PATH_SEP, '/');
#endif
}
END_TEST

/* The UTC breakdown is arithmetic: the same answer on every C runtime, for
 * any year (Windows' gmtime refuses times before 1970). */
START_TEST(utc_breakdown_of_any_year)
{
    static const struct {
        int64_t secs;
        int y, mo, d, h, mi, s, wd;
    } cases[] = {
        {0, 1970, 1, 1, 0, 0, 0, 4},
        {-1, 1969, 12, 31, 23, 59, 59, 3},
        {-62135596800LL, 1, 1, 1, 0, 0, 0, 1},            /* 0001-01-01, a Monday */
        {253402300799LL, 9999, 12, 31, 23, 59, 59, 5},    /* the last second of 9999 */
        {951782400LL, 2000, 2, 29, 0, 0, 0, 2},           /* a leap day of a century */
        {-2203891200LL, 1900, 3, 1, 0, 0, 0, 4},          /* 1900 had no Feb 29 */
        {1575737406LL, 2019, 12, 7, 16, 50, 6, 6},
    };
    struct tm tm;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sp_time_utc(cases[i].secs, &tm);
        ck_assert_int_eq(tm.tm_year + 1900, cases[i].y);
        ck_assert_int_eq(tm.tm_mon + 1, cases[i].mo);
        ck_assert_int_eq(tm.tm_mday, cases[i].d);
        ck_assert_int_eq(tm.tm_hour, cases[i].h);
        ck_assert_int_eq(tm.tm_min, cases[i].mi);
        ck_assert_int_eq(tm.tm_sec, cases[i].s);
        ck_assert_int_eq(tm.tm_wday, cases[i].wd);
    }
}
END_TEST

START_TEST(platform_clock_random_and_process)
{
    unsigned char a[16] = {0}, b[16] = {0};
    char host[128], user[128], dir[1024];
    struct tm tm;

    ck_assert_int_eq(sp_os_random(a, sizeof(a)), 0);
    ck_assert_int_eq(sp_os_random(b, sizeof(b)), 0);
    ck_assert(memcmp(a, b, sizeof(a)) != 0);
    sp_time_utc(1575737406, &tm);
    ck_assert_int_eq(tm.tm_year + 1900, 2019);
    ck_assert_int_eq(tm.tm_mon + 1, 12);
    ck_assert_int_eq(tm.tm_hour, 16);
    ck_assert(sp_os_wall_ms() > 1575737406000LL);
    ck_assert(sp_os_pid() > 0);
    ck_assert_int_eq(sp_os_pid_gone(sp_os_pid(), sp_os_wall_ms()), 0);
    ck_assert(sp_os_host_name(host, sizeof(host))[0] != '\0');
    ck_assert(sp_os_user_name(user, sizeof(user))[0] != '\0');
    ck_assert_int_eq(sp_os_exe_dir(dir, sizeof(dir)), 0);
    ck_assert(sp_path_is_absolute(dir));
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, err_formats_input_position_and_context);
    tcase_add_test(tc, err_formats_sql_and_http_context);
    tcase_add_test(tc, err_format_is_bounded);
    tcase_add_test(tc, err_format_redacts_secrets);
    tcase_add_test(tc, buf_refuses_past_its_bound);
    tcase_add_test(tc, buf_refusal_is_sticky_until_reset);
    tcase_add_test(tc, arena_allocates_resets_and_runs_cleanups);
    tcase_add_test(tc, xgrow_starts_at_first_cap_doubles_and_keeps_contents);
    tcase_add_test(tc, arena_grow_copies_into_the_arena_and_keeps_the_old_block);
    tcase_add_test(tc, time_parses_iso_and_epoch);
    tcase_add_test(tc, fake_clock_never_sleeps);
    tcase_add_test(tc, time_parse_date_is_strict);
    tcase_add_test(tc, utf8_validator_refuses_overlongs_surrogates_and_cuts);
    tcase_add_test(tc, log_lines_are_single_structured_and_redacted);
    tcase_add_test(tc, json_writer_escapes_and_nests);
    tcase_add_test(tc, json_writer_refuses_misuse_and_overflow);
    tcase_add_test(tc, log_redacts_secrets_with_quotes_and_backslashes);
    tcase_add_test(tc, log_redacts_every_copy_of_a_secret);
    tcase_add_test(tc, log_keeps_any_number_of_secrets_longest_first);
    tcase_add_test(tc, platform_paths_split_and_recognise_absolute);
    tcase_add_test(tc, utc_breakdown_of_any_year);
    tcase_add_test(tc, platform_clock_random_and_process);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(core_suite());
    int failed;

    if (srunner_fork_status(sr) == CK_FORK) { /* tests that end in abort() */
        TCase *tc = tcase_create("abort");
        Suite *s = suite_create("core-abort");
        tcase_add_test_raise_signal(tc, xgrow_refuses_a_size_that_overflows, SIGABRT);
        tcase_add_test_raise_signal(tc, xgrow_refuses_a_capacity_that_overflows, SIGABRT);
        tcase_add_test_raise_signal(tc, arena_grow_refuses_a_size_that_overflows, SIGABRT);
        suite_add_tcase(s, tc);
        srunner_add_suite(sr, s);
    }
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
