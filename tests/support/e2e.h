/*
 * e2e.h -- the world of an end-to-end suite: a GP sample company on one of
 * the test targets (sp_dbtest), the HubSpot simulator, a job file in a
 * scratch directory, and bin/spetl run against them.
 *
 * A suite keeps its own scratch-directory name and output buffers (tests
 * print `out` and `err` in their messages) and hands them over once, in
 * main(), with sp_e2e_use(). Then a test:
 *
 *     sp_e2e x;
 *     if (!sp_e2e_start(&x, target, tag, "--customers 5 --items 1", NULL, "HUBSPOT_TOKEN=..."))
 *         return;                               (skipped, and said why)
 *     sp_e2e_write_job(&x, "name", text);       (the suite's job text)
 *     sp_e2e_ready(&x, 1);                      (init-db, setup-hubspot, x.db open)
 *     ... sp_e2e_spetl(&x, "run", "customer-export") ...
 *     sp_e2e_stop(&x);
 *
 * Every helper asserts (Check) on what must not fail, so a test reads as
 * its steps. Not for the Windows build (it spawns through the shell).
 */
#ifndef SPETL_TEST_E2E_H
#define SPETL_TEST_E2E_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "sim.h"
#include "spetl/db.h"

typedef struct sp_e2e {
    int target;          /* SP_DBTEST_* */
    sp_sim *sim;
    sp_db *db;           /* open after sp_e2e_ready() */
    char conn[1024];     /* ODBC connection string of the sample company */
    char env[512];       /* environment prefix of every spetl run */
    char job[700];       /* the job file's path */
    char hub[32];        /* the simulator's portal id, after sp_e2e_find_hub() */
} sp_e2e;

/* The suite's scratch directory name ("link" -> $SPETL_TEST_TMP/link-PID)
 * and its buffers: dir receives the directory, out / err each run's output. */
void sp_e2e_use(const char *name, char *dir, size_t ndir, char *out, size_t nout, char *err, size_t nerr);

/* Skip checks (bin/spetl, the simulator, the target), the scratch
 * directory, a fresh database for tag with spetl-sample's schema and data
 * (sample_args after --conn, without --create-schema), the simulator with
 * sim_args (NULL-terminated, may be NULL), x->env = env_s. Returns 0 when the
 * test cannot run here (noted through sp_skip_note), 1 when ready. */
int sp_e2e_start(sp_e2e *x, int target, const char *tag, const char *sample_args, const char *const *sim_args,
                 const char *env_s);

/* Write text as the job file dir/NAME-TARGET.xml; x->job is its path. */
void sp_e2e_write_job(sp_e2e *x, const char *name, const char *text);

/* spetl init-db, then setup-hubspot when asked, then open x->db. */
void sp_e2e_ready(sp_e2e *x, int setup_hubspot);

/* Close x->db; stop the simulator, which must exit cleanly. */
void sp_e2e_stop(sp_e2e *x);

/* env ENV_S 'PROG' ARGS in the scratch directory (sp_test_run); exit status. */
int sp_e2e_run(const char *env_s, const char *prog, const char *args);
/* spetl BEFORE 'JOB' AFTER with x->env; exit status. */
int sp_e2e_spetl(const sp_e2e *x, const char *before, const char *after);
/* spetl run JOB [COMPONENT] in a child process with x->env (stderr to
 * /dev/null), for the kill tests; component NULL runs the whole job. */
pid_t sp_e2e_spawn(const sp_e2e *x, const char *component);
/* The kill tests' SIGKILL: once count(x) reaches at (polled every ms),
 * pid (from sp_e2e_spawn) is killed and reaped, and the run lock it held
 * removed. The run must still be going then and die by the SIGKILL, or the
 * test fails, its message beginning with what ("run 2 of 3"). */
void sp_e2e_kill_at(const sp_e2e *x, pid_t pid, long long (*count)(const sp_e2e *x), long long at,
                    const char *what);

/* A simulator control request answering 2xx with JSON (the caller json_decref()s it). */
json_t *sp_e2e_sim_json(const sp_e2e *x, const char *method, const char *path, const char *body);
/* Seed the simulator's records of obj (records: a JSON array's members,
 * {"properties":{...},...}); ids[i] gets the id of the i-th of n. */
void sp_e2e_seed(const sp_e2e *x, const char *obj, const char *records, char ids[][32], size_t n);
/* The simulator's count of writes so far. */
long long sp_e2e_sim_writes(const sp_e2e *x);
/* x->hub = the simulator's portal id (the hub spetl keys its links by). */
void sp_e2e_find_hub(sp_e2e *x);

/* SQL on x->db that must succeed; a COUNT(*)-like query's first column. */
void sp_e2e_exec(const sp_e2e *x, const char *sql);
int64_t sp_e2e_count(const sp_e2e *x, const char *sql);

/* Links of x->hub: put one; the link of a HubSpot record as "TYPE KEY" (""
 * when none; a static buffer); how many there are. */
void sp_e2e_put_link(const sp_e2e *x, const char *type, const char *key, const char *obj, const char *id);
/* The same on any connection and hub (a test's own world). */
void sp_test_put_link(sp_db *db, const char *hub, const char *type, const char *key, const char *obj, const char *id);
const char *sp_e2e_link_of(const sp_e2e *x, const char *obj, const char *id);
int64_t sp_e2e_nlinks(const sp_e2e *x);

#endif
