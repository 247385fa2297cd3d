/* check_hookprog.c -- program hooks (etl/hooks/program.c) and the process
 * seam under them (sp_proc_*).
 *
 * On both systems (Linux, and Windows under Wine: mk/windows.mk), against
 * tests/hookprog/hookecho.c: replies, a crash, a hang (timeout, restart), an
 * early exit, garbage, stderr in the log, argv quoting, a missing program.
 * On Linux also against tests/hookprog/hook.py (Python): properties, a
 * program that never reads, stop-on-failure, 1,000 records in one call,
 * redaction, stale output, working folder and descriptors, no orphan after a
 * kill -9 of the process that runs a hook, and the Python samples. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "spetl/hook_program.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/platform.h"

#ifdef _WIN32
#define EXE ".exe"
#define CRASHED "the program ended with exception 0xC0000005"
#else
#define EXE ""
#define CRASHED "the program was killed by signal 11"
#endif

static char hookecho[1024];
static char hook_py[1024];

static void find_hook(void)
{
    const char *top = getenv("SPETL_TOP");
    const char *build = getenv("BUILD");
    char cwd[900];

    if (top == NULL && sp_os_cwd(cwd, sizeof(cwd)) == 0)
        top = cwd;
    snprintf(hook_py, sizeof(hook_py), "%s/tests/hookprog/hook.py", top != NULL ? top : ".");
    snprintf(hookecho, sizeof(hookecho), "%s/tests/hookecho" EXE, build != NULL ? build : "build");
}

/* A hook on argv; the options of the tests. */
static sp_hookprog *start_argv(const char *const *argv, int timeout_ms, int stop)
{
    sp_hookprog_opts o = {0};
    sp_hookprog *p = NULL;
    sp_err e;
    char line[1024];

    sp_err_clear(&e);
    o.argv = argv;
    o.timeout_ms = timeout_ms;
    o.stop_on_failure = stop;
    o.component = "customer-export";
    o.pos = (sp_job_pos){12, 5};
    o.job_file = "jobs/test.xml";
    o.start_ms = 20000; /* a loaded machine: the timeouts tested are those of later replies */
    ck_assert_msg(sp_hookprog_start(&o, &p, &e) == 0, "start: %s", sp_err_format(&e, line, sizeof(line)));
    ck_assert_ptr_nonnull(p);
    return p;
}

static int call(sp_hookprog *p, const char *const *recs, size_t n, sp_hook_reply *r, sp_err *e)
{
    sp_err_clear(e);
    return sp_hookprog_call(p, "pre-export", recs, n, r, e);
}

static const char *prop(const sp_hook_reply *r, const char *name)
{
    size_t i;
    for (i = 0; i < r->nprops; i++)
        if (strcmp(r->names[i], name) == 0)
            return r->values[i];
    return "(absent)";
}

/* ---- both systems: tests/hookprog/hookecho.c -------------------------------- */

START_TEST(echo_replies_and_failures)
{
    const char *argv[] = {hookecho, NULL};
    const char *recs[] = {"{\"key\":\"A\"}", "{\"do\":\"skip\"}", "{\"do\":\"fail\"}",
                          "{\"do\":\"crash\"}", "{\"key\":\"E\"}"};
    sp_hook_reply r[5];
    sp_hookprog *p = start_argv(argv, 5000, 0);
    long long pid = sp_hookprog_pid(p);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 5, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_eq(r[1].action, SP_HOOK_SKIP);
    ck_assert_str_eq(r[1].message, "skipped by hookecho");
    ck_assert_int_eq(r[2].action, SP_HOOK_FAIL);
    ck_assert_str_eq(r[2].message, "refused by hookecho");
    ck_assert_int_eq(r[3].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[3].message, CRASHED) != NULL, "%s", r[3].message);
    ck_assert_msg(strstr(r[3].message, "before replying to record 4 of 5 at pre-export") != NULL, "%s",
                  r[3].message);
    ck_assert_int_eq(r[4].action, SP_HOOK_FAIL);
    ck_assert_str_eq(r[4].message, r[3].message);
    ck_assert_int_eq(call(p, recs, 2, r, &e), 0); /* started again */
    ck_assert_int_eq(r[1].action, SP_HOOK_SKIP);
    ck_assert_int_ne(sp_hookprog_pid(p), pid);
    sp_hookprog_stop(p);
}
END_TEST

START_TEST(echo_hang_exit_and_garbage)
{
    const char *argv[] = {hookecho, NULL}, *now[] = {hookecho, "exit-now", NULL};
    const char *recs[] = {"{\"key\":\"A\"}", "{\"do\":\"hang\"}", "{\"do\":\"garbage\"}",
                          "{\"do\":\"exit\"}"};
    sp_hook_reply r[2];
    sp_hookprog *p = start_argv(argv, 1000, 0);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 2, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_msg(strstr(r[1].message, "did not reply to record 2 of 2 at pre-export within 1000 ms "
                                       "(the timeout); it was killed") != NULL, "%s", r[1].message);
    ck_assert_int_eq(call(p, recs + 2, 1, r, &e), 0);
    ck_assert_msg(strstr(r[0].message, "the line begins: garbage from hookecho") != NULL, "%s", r[0].message);
    ck_assert_int_eq(call(p, recs + 3, 1, r, &e), 0);
    ck_assert_msg(strstr(r[0].message, "the program exited with status 0 before replying to record 1 of 1")
                      != NULL, "%s", r[0].message);
    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    sp_hookprog_stop(p);
    p = start_argv(now, 5000, 0);
    ck_assert_int_eq(call(p, recs, 2, r, &e), 0);
    ck_assert_msg(strstr(r[0].message, "the program exited with status 3 before replying to record 1 of 2")
                      != NULL, "%s", r[0].message);
    sp_hookprog_stop(p);
}
END_TEST

/* Every argument arrives as given: spaces, quotes, backslashes (before a
 * quote and at the end), empty, UTF-8. On Windows this is the quoting of the
 * command line. */
START_TEST(echo_argv_round_trip)
{
    const char *args[] = {"a b", "c\"d", "e\\", "", "x\\\\\"y", "C:\\Program Files\\x\\",
                          "na\xC3\xAFve", "\t"};
    const char *argv[] = {hookecho, "args", args[0], args[1], args[2], args[3], args[4], args[5],
                          args[6], args[7], NULL};
    const char *recs[] = {"{}"};
    sp_hook_reply r[1];
    sp_hookprog *p = start_argv(argv, 5000, 0);
    char name[8];
    size_t i;
    sp_err e;

    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    ck_assert_uint_eq(r[0].nprops, 8);
    for (i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "a%zu", i + 1);
        ck_assert_str_eq(prop(&r[0], name), args[i]);
    }
    sp_hookprog_stop(p);
}
END_TEST

START_TEST(echo_stderr_goes_to_the_log)
{
    const char *argv[] = {hookecho, NULL};
    const char *recs[] = {"{\"do\":\"stderr\"}"};
    sp_hook_reply r[1];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sp_hookprog *p;
    sp_err e;

    sp_log_secret("token-1234567890");
    sp_log_set_stream(f);
    p = start_argv(argv, 5000, 0);
    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    sp_hookprog_stop(p);
    sp_log_set_stream(NULL);
    fclose(f);
    ck_assert_msg(strstr(text, "comp=customer-export msg=\"hook hookecho" EXE ": hookecho says "
                               "<redacted> on stderr\"") != NULL, "%s", text);
    free(text);
    sp_log_reset();
}
END_TEST

START_TEST(missing_program_is_an_error)
{
    const char *argv[] = {"/nonexistent/hook.py", NULL};
    sp_hookprog_opts o = {0};
    sp_hookprog *p = NULL;
    char line[1024];
    sp_err e;

    o.argv = argv, o.timeout_ms = 1000, o.component = "customer-export";
    o.job_file = "jobs/x.xml", o.pos = (sp_job_pos){3, 4};
    sp_err_clear(&e);
    ck_assert_int_eq(sp_hookprog_start(&o, &p, &e), -1);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(e.code, SP_EIO);
    sp_err_format(&e, line, sizeof(line));
    ck_assert_msg(strstr(line, "jobs/x.xml:3:4: hook hook.py: cannot run /nonexistent/hook.py: ") != NULL,
                  "%s", line);
    ck_assert_msg(strstr(line, "component=customer-export") != NULL, "%s", line);
    sp_hookprog_stop(NULL);
}
END_TEST

/* ---- Linux: tests/hookprog/hook.py (Python) and POSIX processes ------------- */
#ifndef _WIN32

static int start_allowance = 20000; /* a loaded machine: the timeouts tested are those of later replies */

/* A hook on tests/hookprog/hook.py with a start mode and its argument. */
static sp_hookprog *start_hook(const char *mode, const char *arg, int timeout_ms, int stop)
{
    const char *argv[] = {hook_py, mode, arg, NULL};
    sp_hookprog_opts o = {0};
    sp_hookprog *p = NULL;
    sp_err e;

    sp_err_clear(&e);
    o.argv = argv;
    o.timeout_ms = timeout_ms;
    o.stop_on_failure = stop;
    o.component = "customer-export";
    o.pos = (sp_job_pos){12, 5};
    o.job_file = "jobs/test.xml";
    o.start_ms = start_allowance;
    ck_assert_msg(sp_hookprog_start(&o, &p, &e) == 0, "start: %s", e.msg);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Whether a process is gone (a zombie nobody reaps counts as gone). */
static int pid_gone(long long pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    size_t n;

    if (kill((pid_t)pid, 0) != 0)
        return errno == ESRCH;
    snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return 1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* Waits (at most 10 s, polling) for pid to be gone: an event, not a time. */
static int wait_gone(long long pid)
{
    int i;
    for (i = 0; i < 1000 && !pid_gone(pid); i++)
        sp_os_sleep_ms(10);
    return pid_gone(pid);
}

START_TEST(keep_skip_fail_and_properties)
{
    const char *recs[] = {
        "{\"key\":\"C1\"}",
        "{\"key\":\"C2\",\"do\":\"skip\"}",
        "{\"key\":\"C3\",\"do\":\"fail\",\"why\":\"credit hold\"}",
        "{\"key\":\"C4\",\"do\":\"props\",\"name\":\"acme\\nline\"}",
        "{\"key\":\"C5\",\n \"do\":\"crlf\"}",
    };
    sp_hook_reply r[5];
    sp_hookprog *p = start_hook("records", NULL, 5000, 0);
    long long pid = sp_hookprog_pid(p);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 5, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_ptr_null(r[0].message);
    ck_assert_uint_eq(r[0].nprops, 0);
    ck_assert_int_eq(r[1].action, SP_HOOK_SKIP);
    ck_assert_str_eq(r[1].message, "skipped by the test hook");
    ck_assert_int_eq(r[2].action, SP_HOOK_FAIL);
    ck_assert_str_eq(r[2].message, "credit hold");
    ck_assert_int_eq(r[3].action, SP_HOOK_KEEP);
    ck_assert_uint_eq(r[3].nprops, 7);
    ck_assert_str_eq(prop(&r[3], "name"), "ACME\nLINE");
    ck_assert_str_eq(prop(&r[3], "n"), "42");
    ck_assert_str_eq(prop(&r[3], "ratio"), "0.1");
    ck_assert_str_eq(prop(&r[3], "big"), "12345678901234");
    ck_assert_str_eq(prop(&r[3], "ok"), "true");
    ck_assert_ptr_null(prop(&r[3], "gone"));
    ck_assert_str_eq(prop(&r[3], "point"), "pre-export");
    ck_assert_int_eq(r[4].action, SP_HOOK_SKIP); /* blank line and CRLF tolerated */
    ck_assert_int_eq(call(p, recs, 1, r, &e), 0); /* the same program again */
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_eq(sp_hookprog_pid(p), pid);
    sp_hookprog_stop(p);
    ck_assert(wait_gone(pid));
}
END_TEST

START_TEST(hang_times_out_then_restarts)
{
    const char *recs[] = {"{\"key\":\"A\"}", "{\"key\":\"B\",\"do\":\"hang\"}", "{\"key\":\"C\"}"};
    sp_hook_reply r[3];
    sp_hookprog *p = start_hook("records", NULL, 1000, 0);
    long long pid = sp_hookprog_pid(p);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 3, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_eq(r[1].action, SP_HOOK_FAIL);
    ck_assert_int_eq(r[2].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[1].message, "did not reply to record 2 of 3 at pre-export within 1000 ms") != NULL,
                  "%s", r[1].message);
    ck_assert_str_eq(r[2].message, r[1].message);
    ck_assert_int_eq(sp_hookprog_pid(p), -1);
    ck_assert(wait_gone(pid)); /* killed, not left behind */
    ck_assert_int_eq(call(p, recs + 2, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_ne(sp_hookprog_pid(p), pid);
    sp_hookprog_stop(p);
}
END_TEST

START_TEST(crash_mid_batch_fails_the_rest)
{
    const char *recs[] = {"{\"key\":\"A\"}", "{\"key\":\"B\",\"do\":\"crash\"}", "{\"key\":\"C\"}",
                          "{\"key\":\"D\"}"};
    sp_hook_reply r[4];
    sp_hookprog *p = start_hook("records", NULL, 5000, 0);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 4, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_eq(r[1].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[1].message, "was killed by signal 11") != NULL, "%s", r[1].message);
    ck_assert_msg(strstr(r[1].message, "before replying to record 2 of 4") != NULL, "%s", r[1].message);
    ck_assert_int_eq(r[3].action, SP_HOOK_FAIL);
    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    sp_hookprog_stop(p);
}
END_TEST

START_TEST(garbage_line_is_quoted)
{
    const char *recs[] = {"{\"key\":\"A\"}", "{\"key\":\"B\",\"do\":\"garbage\"}", "{\"key\":\"C\"}"};
    sp_hook_reply r[3];
    sp_hookprog *p = start_hook("records", NULL, 5000, 0);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 3, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_eq(r[1].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[1].message, "not a valid reply to record 2 of 3") != NULL, "%s", r[1].message);
    ck_assert_msg(strstr(r[1].message, "the line begins: this is not json {") != NULL, "%s", r[1].message);
    ck_assert_int_eq(r[2].action, SP_HOOK_FAIL);
    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    sp_hookprog_stop(p);
}
END_TEST

/* Valid JSON that is not a valid reply is as bad as garbage; so is a line past the bound. */
START_TEST(invalid_replies_say_why)
{
    const char *bad[] = {"{\"do\":\"badaction\"}", "{\"do\":\"nested\"}", "{\"do\":\"huge\"}"};
    const char *why[] = {"(\"action\" is \"maybe\", not keep, skip or fail)",
                         "(property \"address\" is an object, not a string, number, boolean or null)",
                         "printed a line longer than 4194304 bytes for record 1 of 1"};
    sp_hook_reply r[1];
    sp_hookprog *p = start_hook("records", NULL, 5000, 0);
    sp_err e;

    ck_assert_int_eq(call(p, bad + _i, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[0].message, why[_i]) != NULL, "%s", r[0].message);
    sp_hookprog_stop(p);
}
END_TEST

START_TEST(exit_early_says_how)
{
    const char *recs[] = {"{\"key\":\"A\"}", "{\"key\":\"B\",\"do\":\"exit\"}", "{\"key\":\"C\"}"};
    sp_hook_reply r[3];
    sp_hookprog *p = start_hook("records", NULL, 5000, 0);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 3, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_eq(r[1].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[1].message, "the program exited with status 0 before replying to record 2 of 3")
                      != NULL, "%s", r[1].message);
    sp_hookprog_stop(p);
}
END_TEST

/* Large batches: the writer fills the pipe and blocks; the program's end
 * must still end the call (and SIGPIPE must not end this process). */
static char **big_batch(size_t n, const char *extra)
{
    char **recs = sp_xcalloc(n, sizeof(*recs));
    size_t i;
    for (i = 0; i < n; i++)
        recs[i] = sp_xasprintf("{\"key\":\"K%zu\",%s\"pad\":\"%0400zu\"}", i, extra, i);
    return recs;
}

static void free_batch(char **recs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(recs[i]);
    free(recs);
}

START_TEST(never_reads_stdin)
{
    char **recs = big_batch(1000, "");
    sp_hook_reply *r = sp_xcalloc(1000, sizeof(*r));
    sp_hookprog *p;
    sp_err e;

    start_allowance = 0;
    p = start_hook("no-read", NULL, 300, 0);
    start_allowance = 20000;

    ck_assert_int_eq(call(p, (const char *const *)recs, 1000, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[0].message, "within 300 ms (the timeout)") != NULL, "%s", r[0].message);
    ck_assert_int_eq(r[999].action, SP_HOOK_FAIL);
    sp_hookprog_stop(p);
    p = start_hook("exit-now", NULL, 5000, 0);
    ck_assert_int_eq(call(p, (const char *const *)recs, 1000, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[0].message, "exited with status 3 before replying to record 1 of 1000")
                      != NULL, "%s", r[0].message);
    sp_hookprog_stop(p);
    free(r);
    free_batch(recs, 1000);
}
END_TEST

START_TEST(stop_on_failure_returns_error)
{
    const char *recs[] = {"{\"key\":\"A\",\"do\":\"crash\"}", "{\"key\":\"B\"}"};
    sp_hook_reply r[2];
    sp_hookprog *p = start_hook("records", NULL, 5000, 1);
    char line[2048];
    sp_err e;

    ck_assert_int_eq(call(p, recs, 2, r, &e), -1);
    ck_assert_int_eq(e.code, SP_EIO);
    sp_err_format(&e, line, sizeof(line));
    ck_assert_msg(strstr(line, "jobs/test.xml:12:5: hook hook.py: the program was killed by signal 11")
                      != NULL, "%s", line);
    ck_assert_msg(strstr(line, "component=customer-export") != NULL, "%s", line);
    ck_assert_int_eq(r[0].action, SP_HOOK_FAIL);
    ck_assert_int_eq(r[1].action, SP_HOOK_FAIL);
    sp_hookprog_stop(p);
}
END_TEST

/* The n replies of an echo of big_batch(n): each its record's key and pad. */
static void assert_echoed(const sp_hook_reply *r, size_t n)
{
    char key[32];

    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "K%zu", i);
        ck_assert_int_eq(r[i].action, SP_HOOK_KEEP);
        ck_assert_str_eq(prop(&r[i], "key"), key);
        ck_assert_uint_eq(strlen(prop(&r[i], "pad")), 400);
    }
}

/* 1,000 records of 420 bytes to an echoing program in `mode`, `rounds`
 * calls: every reply back on its record. */
static void echo_thousand(const char *mode, const char *arg, int rounds)
{
    char **recs = big_batch(1000, "\"do\":\"echo\",");
    sp_hook_reply *r = sp_xcalloc(1000, sizeof(*r));
    sp_hookprog *p = start_hook(mode, arg, 10000, 0);
    sp_err e;

    for (int round = 0; round < rounds; round++) {
        ck_assert_int_eq(call(p, (const char *const *)recs, 1000, r, &e), 0);
        assert_echoed(r, 1000);
    }
    sp_hookprog_stop(p);
    free(r);
    free_batch(recs, 1000);
}

START_TEST(thousand_records_in_one_call)
{
    echo_thousand("records", NULL, 1);
}
END_TEST

/* A page larger than both pipes' buffers (64 KiB): 1,000 records of 420
 * bytes in, 1,000 echoed replies out; against a program that reads the
 * whole page before replying and one that replies to each line before
 * reading the next (thousand_records_in_one_call): no deadlock either way. */
START_TEST(slurping_program_gets_a_page_over_the_pipe_buffer)
{
    echo_thousand("slurp", "1000", 2);
}
END_TEST

/* A call in two halves: the caller works between send and recv while the
 * program replies (more than a pipe holds: ready() keeps what came); the
 * replies are the call's. Misuse is an error; a cancelled call kills the
 * program, and the next call starts it again. */
START_TEST(send_then_recv_and_cancel)
{
    char **recs = big_batch(1000, "\"do\":\"echo\",");
    const char *hang[] = {"{\"key\":\"A\"}", "{\"key\":\"B\",\"do\":\"hang\"}"};
    sp_hook_reply *r = sp_xcalloc(1000, sizeof(*r));
    sp_hookprog *p = start_hook("records", NULL, 10000, 0);
    long long pid = sp_hookprog_pid(p);
    char key[32];
    int i, ready = 0;
    sp_err e;

    sp_err_clear(&e);
    ck_assert_int_eq(sp_hookprog_recv(p, r, &e), -1);   /* nothing sent */
    ck_assert_int_eq(e.code, SP_EINTERNAL);
    ck_assert_int_eq(sp_hookprog_send(p, "pre-export", (const char *const *)recs, 1000, &e), 0);
    ck_assert_int_eq(sp_hookprog_send(p, "pre-export", (const char *const *)recs, 1, &e), -1);
    ck_assert_int_eq(e.code, SP_EINTERNAL);
    for (i = 0; i < 2000 && !(ready = sp_hookprog_ready(p)); i++)   /* an event: at most 20 s */
        sp_os_sleep_ms(10);
    ck_assert(ready);
    ck_assert_int_eq(sp_hookprog_recv(p, r, &e), 0);
    for (i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "K%d", i);
        ck_assert_str_eq(prop(&r[i], "key"), key);
    }
    ck_assert_int_eq(sp_hookprog_pid(p), pid);

    ck_assert_int_eq(sp_hookprog_send(p, "pre-export", hang, 2, &e), 0);
    sp_hookprog_cancel(p);
    ck_assert(wait_gone(pid));
    ck_assert_int_eq(call(p, hang, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_ne(sp_hookprog_pid(p), pid);
    sp_hookprog_cancel(p);   /* nothing in flight: nothing happens */
    ck_assert_int_gt(sp_hookprog_pid(p), 0);
    sp_hookprog_stop(p);
    free(r);
    free_batch(recs, 1000);
}
END_TEST

START_TEST(stderr_is_logged_redacted)
{
    const char *recs[] = {"{\"key\":\"A\",\"do\":\"stderr\",\"text\":\"using token pat-na1-SECRET42 now\"}"};
    sp_hook_reply r[1];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sp_hookprog *p;
    sp_err e;

    sp_log_secret("pat-na1-SECRET42");
    sp_log_set_stream(f);
    p = start_hook("stderr", "started with pat-na1-SECRET42", 5000, 0);
    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    sp_hookprog_stop(p); /* reads the rest of stderr */
    sp_log_set_stream(NULL);
    fclose(f);
    ck_assert_msg(strstr(text, "comp=customer-export msg=\"hook hook.py: started with <redacted>\"") != NULL,
                  "%s", text);
    ck_assert_msg(strstr(text, "hook hook.py: using token <redacted> now") != NULL, "%s", text);
    ck_assert_ptr_null(strstr(text, "SECRET42"));
    free(text);
    sp_log_reset();
}
END_TEST

START_TEST(extra_output_restarts_before_next_call)
{
    const char *recs[] = {"{\"key\":\"A\",\"do\":\"twice\"}", "{\"key\":\"B\",\"do\":\"skip\"}"};
    sp_hook_reply r[1];
    sp_hookprog *p = start_hook("records", NULL, 5000, 0);
    long long pid = sp_hookprog_pid(p);
    sp_err e;

    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_int_eq(call(p, recs + 1, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_SKIP); /* its own reply, not the stale one */
    ck_assert_int_ne(sp_hookprog_pid(p), pid);
    sp_hookprog_stop(p);
}
END_TEST

START_TEST(working_dir_and_no_inherited_descriptors)
{
    const char *tmp = getenv("SPETL_TEST_TMP") != NULL ? getenv("SPETL_TEST_TMP") : "/tmp";
    const char *argv[] = {hook_py, NULL};
    sp_hookprog_opts o = {0};
    sp_hookprog *p = NULL;
    char rec[64], real[1024];
    const char *recs[2] = {"{\"do\":\"cwd\"}", rec};
    sp_hook_reply r[2];
    int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: the seam must not pass it on */
    sp_err e;

    ck_assert_int_ge(fd, 3);
    snprintf(rec, sizeof(rec), "{\"do\":\"fd\",\"fd\":%d}", fd);
    ck_assert_ptr_nonnull(realpath(tmp, real));
    o.argv = argv, o.working_dir = real, o.timeout_ms = 5000, o.component = "c";
    sp_err_clear(&e);
    ck_assert_int_eq(sp_hookprog_start(&o, &p, &e), 0);
    ck_assert_int_eq(call(p, recs, 2, r, &e), 0);
    ck_assert_str_eq(prop(&r[0], "cwd"), real);
    ck_assert_str_eq(prop(&r[1], "fd"), "closed");
    sp_hookprog_stop(p);
    close(fd);
}
END_TEST


/* A process that runs a hook is killed with kill -9: its hook program must
 * not outlive it (PR_SET_PDEATHSIG on Linux), even one that never reads its
 * stdin (a program that reads it also ends at its end of input: the first
 * process shows both). */
static void kill_9_driver(const char *mode, const char *pidfile)
{
    const char *recs[] = {"{\"key\":\"A\"}"};
    sp_hook_reply r[1];
    sp_hookprog *p = start_hook(mode, pidfile, 5000, 0);
    sp_err e;

    if (strcmp(mode, "pidfile") == 0)
        call(p, recs, 1, r, &e);
    for (;;)
        pause();
}

START_TEST(kill_9_leaves_no_orphan)
{
    const char *tmp = getenv("SPETL_TEST_TMP") != NULL ? getenv("SPETL_TEST_TMP") : "/tmp";
    const char *mode = _i == 0 ? "pidfile" : "pid-sleep";
    char pidfile[1024], buf[32] = "";
    long long hook_pid = 0;
    pid_t driver;
    FILE *f = NULL;
    int i, st;

    snprintf(pidfile, sizeof(pidfile), "%s/hookprog-%ld-%d.pid", tmp, (long)getpid(), _i);
    unlink(pidfile);
    driver = fork();
    ck_assert_int_ge(driver, 0);
    if (driver == 0)
        kill_9_driver(mode, pidfile);
    for (i = 0; i < 1000 && (f = fopen(pidfile, "r")) == NULL; i++)
        sp_os_sleep_ms(10);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    hook_pid = atoll(buf);
    ck_assert_int_gt(hook_pid, 0);
    ck_assert(!pid_gone(hook_pid));
    kill(driver, SIGKILL);
    waitpid(driver, &st, 0);
    ck_assert_msg(wait_gone(hook_pid), "hook program %lld (%s) outlived its parent", hook_pid, mode);
    unlink(pidfile);
}
END_TEST

/* The Python samples of samples/hooks/ do what their README says. */
static sp_hookprog *start_sample(const char *file, const char *arg1, const char *arg2)
{
    char path[1100];
    const char *argv[] = {path, arg1, arg2, NULL};
    sp_hookprog_opts o = {0};
    sp_hookprog *p = NULL;
    char *slash = strrchr(hook_py, '/');
    sp_err e;

    snprintf(path, sizeof(path), "%.*s/../../samples/hooks/%s", (int)(slash - hook_py), hook_py, file);
    o.argv = argv, o.timeout_ms = 5000, o.start_ms = 20000, o.component = "customer-export";
    sp_err_clear(&e);
    ck_assert_msg(sp_hookprog_start(&o, &p, &e) == 0, "start: %s", e.msg);
    return p;
}

START_TEST(python_samples_filter_and_fill)
{
    const char *companies[] = {
        "{\"key\":\"101\",\"hubspot_id\":\"101\",\"gp\":{},\"properties\":{\"name\":\"ACME Test Account\"}}",
        "{\"key\":\"102\",\"hubspot_id\":\"102\",\"gp\":{},\"properties\":{\"name\":\"Aaron Fitz Electrical\"}}",
    };
    const char *customers[] = {
        "{\"key\":\"AARONFIT0001\",\"hubspot_id\":null,\"gp\":{\"CUSTCLAS\":\"RETAIL     \",\"HOLD\":0},"
        "\"properties\":{\"name\":\"Aaron Fitz Electrical\"}}",
        "{\"key\":\"HOLD0001\",\"hubspot_id\":null,\"gp\":{\"CUSTCLAS\":\"RETAIL\",\"HOLD\":1},"
        "\"properties\":{\"name\":\"On Hold Inc\"}}",
        "{\"key\":\"SET0001\",\"hubspot_id\":\"9\",\"gp\":{\"CUSTCLAS\":\"RETAIL\",\"HOLD\":0},"
        "\"properties\":{\"name\":\"Set\",\"industry\":\"AIRLINES_AVIATION\"}}",
    };
    sp_hook_reply r[3];
    sp_hookprog *p = start_sample("company_filter.py", "--pattern", "\\btest\\b");
    sp_err e;

    sp_err_clear(&e);
    ck_assert_int_eq(sp_hookprog_call(p, "company-filter", companies, 2, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_SKIP);
    ck_assert_msg(strstr(r[0].message, "ACME Test Account") != NULL, "%s", r[0].message);
    ck_assert_int_eq(r[1].action, SP_HOOK_KEEP);
    sp_hookprog_stop(p);
    p = start_sample("pre_export_fill.py", NULL, NULL);
    ck_assert_int_eq(sp_hookprog_call(p, "pre-export", customers, 3, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_KEEP);
    ck_assert_str_eq(prop(&r[0], "industry"), "RETAIL");
    ck_assert_int_eq(r[1].action, SP_HOOK_SKIP);
    ck_assert_int_eq(r[2].action, SP_HOOK_KEEP);
    ck_assert_uint_eq(r[2].nprops, 0); /* a mapped value is kept */
    sp_hookprog_stop(p);
}
END_TEST

/* A program that cannot be started again: the call fails as a whole, its
 * records with the reason. */
START_TEST(restart_that_cannot_run_fails_the_call)
{
    const char *tmp = getenv("SPETL_TEST_TMP") != NULL ? getenv("SPETL_TEST_TMP") : "/tmp";
    char copy[1024], cmd[2300];
    const char *argv[] = {copy, NULL};
    const char *recs[] = {"{\"do\":\"crash\"}", "{\"key\":\"B\"}"};
    sp_hook_reply r[2];
    sp_hookprog *p;
    sp_err e;

    snprintf(copy, sizeof(copy), "%s/hookecho-%ld", tmp, (long)getpid());
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", hookecho, copy);
    ck_assert_int_eq(system(cmd), 0);
    p = start_argv(argv, 5000, 0);
    ck_assert_int_eq(call(p, recs, 1, r, &e), 0);
    ck_assert_int_eq(r[0].action, SP_HOOK_FAIL);
    ck_assert_int_eq(unlink(copy), 0);
    ck_assert_int_eq(call(p, recs + 1, 1, r, &e), -1);
    ck_assert_int_eq(e.code, SP_EIO);
    ck_assert_int_eq(r[0].action, SP_HOOK_FAIL);
    ck_assert_msg(strstr(r[0].message, "No such file or directory") != NULL, "%s", r[0].message);
    ck_assert_str_eq(r[0].message, e.msg);
    sp_hookprog_stop(p);
}
END_TEST

#endif /* !_WIN32 */

static Suite *hookprog_suite(void)
{
    Suite *s = suite_create("hookprog");
    TCase *tc = tcase_create("program");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, echo_replies_and_failures);
    tcase_add_test(tc, echo_hang_exit_and_garbage);
    tcase_add_test(tc, echo_argv_round_trip);
    tcase_add_test(tc, echo_stderr_goes_to_the_log);
    tcase_add_test(tc, missing_program_is_an_error);
#ifndef _WIN32
    tcase_add_test(tc, keep_skip_fail_and_properties);
    tcase_add_test(tc, hang_times_out_then_restarts);
    tcase_add_test(tc, crash_mid_batch_fails_the_rest);
    tcase_add_test(tc, garbage_line_is_quoted);
    tcase_add_loop_test(tc, invalid_replies_say_why, 0, 3);
    tcase_add_test(tc, exit_early_says_how);
    tcase_add_test(tc, never_reads_stdin);
    tcase_add_test(tc, stop_on_failure_returns_error);
    tcase_add_test(tc, thousand_records_in_one_call);
    tcase_add_test(tc, slurping_program_gets_a_page_over_the_pipe_buffer);
    tcase_add_test(tc, send_then_recv_and_cancel);
    tcase_add_test(tc, stderr_is_logged_redacted);
    tcase_add_test(tc, extra_output_restarts_before_next_call);
    tcase_add_test(tc, working_dir_and_no_inherited_descriptors);
    tcase_add_loop_test(tc, kill_9_leaves_no_orphan, 0, 2);
    tcase_add_test(tc, python_samples_filter_and_fill);
    tcase_add_test(tc, restart_that_cannot_run_fails_the_call);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hookprog_suite());
    int failed;

    find_hook();
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
