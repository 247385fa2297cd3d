/* bench_sample.c -- how fast bin/spetl-sample writes a company, and its peak
 * memory: 100,000 customers (about 250,000 addresses and emails, 100,000
 * documents, 10,000 prospects) into SQLite, and 10,000 customers into
 * PostgreSQL. Prints figures; never passes or fails on them.
 *
 *   bench_sample [CUSTOMERS]      (default 100000; PostgreSQL gets a tenth)
 *
 * Needs the environment of tests/run-tests.sh / run-bench.sh (SPETL_BIN,
 * SPETL_TEST_TMP, ODBCSYSINI, SPETL_TEST_PG_CONN); a target without its
 * variables is skipped with a note. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "spetl/clock.h"

extern char **environ;

/* Run spetl-sample into target; print elapsed time, rows/s, the child's peak RSS. */
static int bench(const char *bin, int target, const char *customers, const char *what,
                 const char *const *extra)
{
    char conn[2048], out[4096] = "", path[1024];
    const char *argv[16] = { bin, "--conn", conn, "--customers", customers, "--create-schema", "-q" };
    int argc = 7;
    posix_spawn_file_actions_t fa;
    struct rusage ru;
    sp_db *db = NULL;
    sp_err e;
    pid_t pid;
    int status = 0, fd;
    int64_t t0, ms;
    long long rows = 0;
    char msg[1024];
    const char *p;

    if (sp_dbtest_open(target, "bench_sample", &db, &e) != 0) {
        if (sp_dbtest_unavailable(target) == NULL)
            fprintf(stderr, "bench_sample: %s\n", sp_err_format(&e, msg, sizeof(msg)));
        return 0;
    }
    sp_db_close(db);
    while (*extra && argc < 15)
        argv[argc++] = *extra++;
    argv[argc] = NULL;
    sp_dbtest_conn(target, "bench_sample", conn, sizeof(conn));
    snprintf(path, sizeof(path), "%s/bench_sample.out", getenv("SPETL_TEST_TMP"));
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    t0 = sp_clock_now_ms();
    if (posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        fprintf(stderr, "bench_sample: cannot run %s\n", bin);
        return 1;
    }
    posix_spawn_file_actions_destroy(&fa);
    wait4(pid, &status, 0, &ru);
    ms = sp_clock_now_ms() - t0;
    fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, out, sizeof(out) - 1);
        out[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_sample: spetl-sample failed on %s:\n%s\n", sp_dbtest_name(target), out);
        return 1;
    }
    p = strstr(out, " rows in ");
    while (p && p > out && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (p)
        rows = strtoll(p, NULL, 10);
    printf("sample %-10s %7s customers, %-34s %8lld rows %6.1f s %7.0f rows/s  peak RSS %5.1f MB\n",
           sp_dbtest_name(target), customers, what, rows, (double)ms / 1000.0,
           ms > 0 ? (double)rows * 1000.0 / (double)ms : 0.0, (double)ru.ru_maxrss / 1024.0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *spetl = getenv("SPETL_BIN");
    const char *slash = spetl ? strrchr(spetl, '/') : NULL;
    char bin[4096], pg_customers[32];
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    int rc = 0;

    if (!slash) {
        fprintf(stderr, "bench_sample: SPETL_BIN is not set (run through make bench)\n");
        return 0;
    }
    snprintf(bin, sizeof(bin), "%.*s/spetl-sample", (int)(slash - spetl), spetl);
    if (n < 1)
        n = 100000;
    snprintf(pg_customers, sizeof(pg_customers), "%ld", n / 10 > 0 ? n / 10 : 1);
    static const char *const only[] = { "--documents=0", "--prospects=0", "--items=0", NULL };
    static const char *const all[] = { NULL };
    const char *sq = argc > 1 ? argv[1] : "100000";
    rc |= bench(bin, SP_DBTEST_SQLITE, sq, "with addresses and emails only", only);
    rc |= bench(bin, SP_DBTEST_SQLITE, sq, "the whole company (defaults)", all);
    rc |= bench(bin, SP_DBTEST_PG, pg_customers, "with addresses and emails only", only);
    rc |= bench(bin, SP_DBTEST_PG, pg_customers, "the whole company (defaults)", all);
    return rc;
}
