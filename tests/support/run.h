/*
 * run.h -- run a program the way the end-to-end suites do: through the
 * shell, with an environment prefix, its stdout and stderr captured in
 * files of a scratch directory and then read into the caller's buffers.
 */
#ifndef SPETL_TEST_RUN_H
#define SPETL_TEST_RUN_H

#include <stddef.h>

#include <jansson.h>

#include "sim.h"

/* Read a file into buf: at most n - 1 bytes, NUL-terminated; "" when the
 * file cannot be read. */
void sp_test_slurp(const char *path, char *buf, size_t n);

/* Run  env ENV 'PROG' ARGS  (ENV may be NULL) with stdin from /dev/null,
 * stdout into dir/out.txt and stderr into dir/err.txt, each then read into
 * out / err (as sp_test_slurp). Returns the exit status, -1 when the program
 * did not exit (a signal). */
int sp_test_run(const char *dir, const char *env_s, const char *prog, const char *args, char *out,
                size_t nout, char *err, size_t nerr);

/* bin/spetl-sample next to $SPETL_BIN (bin/ under make test, build-asan/bin
 * under make asan), into buf. */
void sp_test_sample_bin(char *buf, size_t n);

/* A simulator control request that must answer 2xx with JSON (Check
 * assertion otherwise); the caller json_decref()s it. body may be NULL. */
json_t *sp_test_sim_json(sp_sim *sim, const char *method, const char *path, const char *body);

#endif
