/*
 * skip.h -- a test that cannot run here says so, is counted, and fails in CI.
 *
 * SP_SKIP_IF(cond, fmt, ...) in a Check test body: when cond holds, print
 *     SKIP: <suite>:<test>:<i>: <why>
 * on stdout (suite: the file name without check_ and .c; test: the
 * START_TEST name; i: the loop index, 0 for a plain test) and end the test.
 * tests/run-tests.sh counts these lines and lists them in its summary. When
 * the environment has CI=true a skip fails the test instead (ck_abort_msg):
 * CI has every service, so a test that skips there is a test that never runs.
 *
 * A helper that finds its test cannot run notes why with sp_skip_note()
 * (same format) and returns 0; the test then says
 *     SP_SKIP_IF(!helper(...), "%s", sp_skip_why());
 */
#ifndef SPETL_TEST_SKIP_H
#define SPETL_TEST_SKIP_H

#include "spetl/platform.h"

#define SP_SKIP_IF(cond, ...)                                  \
    do {                                                       \
        if (cond) {                                            \
            sp_skip(__FILE__, __LINE__, __func__, _i, __VA_ARGS__); \
            return;                                            \
        }                                                      \
    } while (0)

/* Print the SKIP line; under CI=true fail the test at file:line (does not
 * return then). */
void sp_skip(const char *file, int line, const char *func, int i, const char *fmt, ...)
    SP_PRINTF(5, 6);

/* Note why a helper cannot run its test; sp_skip_why() returns the last note
 * ("no reason noted" when there is none). */
void sp_skip_note(const char *fmt, ...) SP_PRINTF(1, 2);
const char *sp_skip_why(void);

#endif
