/*
 * benchrun.h -- what the end-to-end benchmarks (tests/bench/bench_*.c) share:
 * run a shell command, run bin/spetl as a measured child (wall time, peak
 * RSS, CPU), read the simulator's JSON. Benchmarks print figures; nothing
 * here asserts, a failure is a return value the benchmark reports.
 */
#ifndef SPETL_TEST_BENCHRUN_H
#define SPETL_TEST_BENCHRUN_H

#include <jansson.h>

#include "sim.h"

/* What one measured run of spetl cost. */
typedef struct sp_bench_cost {
    long rss_kb;     /* peak resident set */
    double secs;     /* wall time */
    double cpu_ms;   /* user + system CPU */
} sp_bench_cost;

/* system(cmd): the exit status, -1 when it did not exit. */
int sp_bench_sh(const char *cmd);

/* env ENVS bin/spetl ARGS with stdout and stderr in dir/out.txt and
 * dir/err.txt, measured into *cost; the exit status, -1 when it did not
 * exit or could not start. */
int sp_bench_spetl(const char *dir, const char *envs, const char *args, sp_bench_cost *cost);

/* A count on component comp's summary line in dir/err.txt (field: "read",
 * "created", "failed" ...), -1 when there is none. */
long long sp_bench_count(const char *dir, const char *comp, const char *field);

/* A simulator control request answering 2xx with JSON, or NULL (the
 * caller json_decref()s it); body may be NULL. */
json_t *sp_bench_sim(sp_sim *sim, const char *method, const char *path, const char *body);

/* An integer member of o (0 when o or the member is missing). */
long long sp_bench_jint(const json_t *o, const char *key);

#endif
