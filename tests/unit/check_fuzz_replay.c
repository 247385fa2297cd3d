/*
 * check_fuzz_replay.c -- every file of the fuzz corpora (tests/fuzz/corpus/
 * TARGET/) fed once to its fuzz target (tests/fuzz/fuzz_TARGET.c, built
 * here with gcc, without libFuzzer). A crash fails the target's test and
 * names the file; under `make asan` a leak or undefined behaviour does too.
 * This replays, it does not fuzz (`make fuzz` does).
 */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/fuzz.h"
#include "spetl/mem.h"

typedef int (*one_fn)(const uint8_t *data, size_t size);
typedef int (*init_fn)(int *argc, char ***argv);

#define TARGET(name) int fuzz_##name##_one(const uint8_t *, size_t); int fuzz_##name##_init(int *, char ***);
TARGET(job)
TARGET(filter)
TARGET(mapping)
TARGET(reply)

static char current[1024];   /* the file being replayed, for a crash */

static void on_crash(int sig)
{
    static const char head[] = "check_fuzz_replay: crashed on ";

    if (write(2, head, sizeof(head) - 1) < 0 || write(2, current, strlen(current)) < 0 || write(2, "\n", 1) < 0)
        _exit(128 + sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long len;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    ck_assert_int_ge(len, 0);
    rewind(f);
    buf = sp_xmalloc((size_t)len + 1);
    *n = fread(buf, 1, (size_t)len, f);
    ck_assert_uint_eq(*n, (size_t)len);
    fclose(f);
    return buf;
}

/* Replay every file of tests/fuzz/corpus/<name>; returns how many. */
static int replay(const char *name, init_fn init, one_fn one)
{
    char dir[256];
    struct dirent **list;
    int n, files = 0;

    snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", name);
    n = scandir(dir, &list, NULL, by_name);
    ck_assert_msg(n >= 0, "cannot list %s (run from the repository root or set SPETL_TOP)", dir);
    ck_assert_int_eq(init(NULL, NULL), 0);
    signal(SIGSEGV, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGFPE, on_crash);
    for (int i = 0; i < n; i++) {
        size_t len;
        unsigned char *data;
        if (list[i]->d_name[0] != '.') {
            snprintf(current, sizeof(current), "%s/%s", dir, list[i]->d_name);
            data = read_all(current, &len);
            ck_assert_int_eq(one(data, len), 0);
            free(data);
            files++;
        }
        free(list[i]);
    }
    free(list);
    return files;
}

START_TEST(test_job) { ck_assert_int_gt(replay("job", fuzz_job_init, fuzz_job_one), 0); }
END_TEST

START_TEST(test_filter) { ck_assert_int_gt(replay("filter", fuzz_filter_init, fuzz_filter_one), 0); }
END_TEST

START_TEST(test_mapping) { ck_assert_int_gt(replay("mapping", fuzz_mapping_init, fuzz_mapping_one), 0); }
END_TEST

START_TEST(test_reply) { ck_assert_int_gt(replay("reply", fuzz_reply_init, fuzz_reply_one), 0); }
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz_replay");
    TCase *tc = tcase_create("corpus");
    SRunner *sr;
    const char *top = getenv("SPETL_TOP");
    int failed;

    if (top != NULL && chdir(top) != 0)
        fprintf(stderr, "check_fuzz_replay: cannot enter SPETL_TOP %s\n", top);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_job);
    tcase_add_test(tc, test_filter);
    tcase_add_test(tc, test_mapping);
    tcase_add_test(tc, test_reply);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
