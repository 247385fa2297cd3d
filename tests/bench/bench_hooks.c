/* bench_hooks.c -- what a program hook costs: customer-export of a sample
 * company (SQLite) against the unlimited simulator, unpaced
 * (SPETL_BENCH_UNPACED=1), once without hooks and once with a pass-through
 * Python pre-export hook (every company and contact through it, a page at a
 * time). Each run starts from a fresh database and simulator. Prints both
 * wall times and the overhead; the target is at most 20% (issue 13), not
 * checked here: figures only.
 *
 *   SPETL_BENCH_HOOK_CUSTOMERS   customers (default 10000; 0 skips it)
 *   SPETL_BENCH_HOOK_PYTHON      the Python to run (default python3, from PATH)
 *
 * Measured: see README "Measured figures" (Hooks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/benchrun.h"
#include "../support/sim.h"
#include "spetl/clock.h"
#include "spetl/err.h"

static char tmpdir[512];

static void write_hook(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    fputs("import json, sys\n"
          "for line in sys.stdin:\n"
          "    json.loads(line)\n"
          "    sys.stdout.write('{\"action\":\"keep\"}\\n')\n"
          "    sys.stdout.flush()\n",
          f);
    fclose(f);
}

static int write_job(const char *job, const char *base_url, const char *conn, int hook)
{
    char hookxml[1024] = "";
    const char *py = getenv("SPETL_BENCH_HOOK_PYTHON");
    FILE *f = fopen(job, "w");

    if (f == NULL)
        return -1;
    if (hook)
        snprintf(hookxml, sizeof(hookxml),
                 "><pre-export><program command=\"%s passthrough.py\" working-dir=\"%s\"/></pre-export>"
                 "</customer-export>\n",
                 py ? py : "python3", tmpdir);
    fprintf(f,
            "<?xml version=\"1.0\"?>\n<job xmlns=\"urn:spetl:job:1\" name=\"bench-hooks\">\n"
            "  <hubspot base-url=\"%s\"><token env=\"HUBSPOT_TOKEN\"/></hubspot>\n"
            "  <database connection=\"%s\"/>\n  <mappings>\n"
            "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
            "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"
            "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
            "      <property name=\"phone\" column=\"PHONE1\" transform=\"digits\"/>\n"
            "      <property name=\"city\" column=\"CITY\"/>\n"
            "    </export-mapping>\n"
            "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
            "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/>\n"
            "      <property name=\"email\" column=\"INET1\" transform=\"lower\"/>\n"
            "      <property name=\"lastname\" column=\"CNTCPRSN\" transform=\"last-name\"/>\n"
            "      <property name=\"city\" column=\"CITY\"/>\n"
            "    </export-mapping>\n  </mappings>\n  <components>\n"
            "    <customer-export customer-mapping=\"c\" address-mapping=\"a\"%s"
            "  </components>\n</job>\n",
            base_url, conn, hook ? hookxml : "/>\n");
    fclose(f);
    return 0;
}

/* One export from scratch; its wall time in *secs and records written in *recs. */
static int one(long customers, int hook, double *secs, long long *recs)
{
    char conn[1024], job[700], cmd[4096], line[4096];
    const char *envs = "HUBSPOT_TOKEN=bench SPETL_BENCH_UNPACED=1";
    sp_sim *sim = NULL;
    sp_err e;
    int64_t t0;
    int rc;
    FILE *f;

    snprintf(conn, sizeof(conn), "Driver=SQLite3;Database=%s/hooks-%ld.db;", tmpdir, customers);
    snprintf(cmd, sizeof(cmd), "rm -f '%s/hooks-%ld.db' && '%s/bin/spetl-sample' --conn '%s' --customers %ld "
                               "--items 10 --documents 1 --prospects 1 --create-schema -q",
             tmpdir, customers, getenv("SPETL_TOP"), conn, customers);
    if (sp_bench_sh(cmd) != 0 || sp_sim_start(NULL, &sim, &e) != 0)
        return -1;
    snprintf(job, sizeof(job), "%s/bench-hooks.xml", tmpdir);
    if (write_job(job, sp_sim_base_url(sim), conn, hook) != 0)
        return -1;
    snprintf(cmd, sizeof(cmd), "env %s '%s' init-db '%s' >/dev/null && env %s '%s' setup-hubspot '%s' >/dev/null",
             envs, getenv("SPETL_BIN"), job, envs, getenv("SPETL_BIN"), job);
    if (sp_bench_sh(cmd) != 0) {
        sp_sim_stop(sim);
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "env %s '%s' run '%s' customer-export >'%s/out.txt' 2>'%s/err.txt' </dev/null", envs,
             getenv("SPETL_BIN"), job, tmpdir, tmpdir);
    t0 = sp_clock_now_ms();
    rc = sp_bench_sh(cmd);
    *secs = (double)(sp_clock_now_ms() - t0) / 1000.0;
    sp_sim_stop(sim);
    *recs = 0;
    snprintf(cmd, sizeof(cmd), "%s/err.txt", tmpdir);
    f = fopen(cmd, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        const char *p = strstr(line, " created=");
        if (p != NULL && strstr(line, "comp=customer-export") != NULL)
            *recs += strtoll(p + 9, NULL, 10);
    }
    if (f != NULL)
        fclose(f);
    return rc == 0 || rc == 1 ? 0 : -1;
}

int main(void)
{
    const char *n_s = getenv("SPETL_BENCH_HOOK_CUSTOMERS");
    long customers = n_s ? strtol(n_s, NULL, 10) : 10000;
    double plain = 0, hooked = 0;
    long long r1 = 0, r2 = 0;
    char py[700];

    if (getenv("SPETL_BIN") == NULL || getenv("SPETL_TOP") == NULL || getenv("SPETL_TEST_TMP") == NULL) {
        printf("bench_hooks: skipped: run it under make bench\n");
        return 0;
    }
    if (customers <= 0)
        return 0;
    snprintf(tmpdir, sizeof(tmpdir), "%s/bench-hooks", getenv("SPETL_TEST_TMP"));
    mkdir(tmpdir, 0755);
    snprintf(py, sizeof(py), "%s/passthrough.py", tmpdir);
    write_hook(py);
    if (one(customers, 0, &plain, &r1) != 0 || one(customers, 1, &hooked, &r2) != 0) {
        fprintf(stderr, "bench_hooks: a run did not finish (its log: %s/err.txt)\n", tmpdir);
        return 1;
    }
    printf("customer-export, %ld customers (SQLite, unpaced): without hooks %.2f s (%lld created), "
           "with a pass-through Python pre-export hook %.2f s (%lld created): overhead %+.1f%% (target <= 20%%)\n",
           customers, plain, r1, hooked, r2, plain > 0 ? (hooked - plain) * 100.0 / plain : 0.0);
    return 0;
}
