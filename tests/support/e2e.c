/* e2e.c -- see e2e.h. */
#include "e2e.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbtest.h"
#include "run.h"
#include "skip.h"
#include "spetl/mem.h"
#include "spetl/state.h"

static struct {
    const char *name;
    char *dir, *out, *err;
    size_t ndir, nout, nerr;
} use;

void sp_e2e_use(const char *name, char *dir, size_t ndir, char *out, size_t nout, char *err, size_t nerr)
{
    use.name = name;
    use.dir = dir;
    use.ndir = ndir;
    use.out = out;
    use.nout = nout;
    use.err = err;
    use.nerr = nerr;
}

int sp_e2e_run(const char *env_s, const char *prog, const char *args)
{
    ck_assert_msg(use.dir != NULL, "sp_e2e_use() was not called");
    return sp_test_run(use.dir, env_s, prog, args, use.out, use.nout, use.err, use.nerr);
}

int sp_e2e_spetl(const sp_e2e *x, const char *before, const char *after)
{
    char args[2048];
    snprintf(args, sizeof(args), "%s '%s' %s", before, x->job, after);
    return sp_e2e_run(x->env, getenv("SPETL_BIN"), args);
}

int sp_e2e_start(sp_e2e *x, int target, const char *tag, const char *sample_args, const char *const *sim_args,
                 const char *env_s)
{
    sp_err e;
    char args[2048], prog[600];

    memset(x, 0, sizeof(*x));
    x->target = target;
    ck_assert_msg(use.dir != NULL, "sp_e2e_use() was not called");
    if (getenv("SPETL_BIN") == NULL || getenv("SPETL_TEST_TMP") == NULL || getenv("SPETL_TOP") == NULL ||
        sp_sim_binary() == NULL) {
        sp_skip_note("run it under make test");
        return 0;
    }
    if (sp_dbtest_unavailable(target) != NULL) {
        sp_skip_note("%s: %s", sp_dbtest_name(target), sp_dbtest_unavailable(target));
        return 0;
    }
    snprintf(use.dir, use.ndir, "%s/%s-%d", getenv("SPETL_TEST_TMP"), use.name, (int)getpid());
    mkdir(use.dir, 0755);
    ck_assert_int_eq(sp_dbtest_open(target, tag, &x->db, &e), 0);   /* a fresh database */
    sp_db_close(x->db);
    x->db = NULL;
    sp_dbtest_conn(target, tag, x->conn, sizeof(x->conn));
    sp_test_sample_bin(prog, sizeof(prog));
    snprintf(args, sizeof(args), "--conn '%s' %s --create-schema -q", x->conn, sample_args);
    ck_assert_msg(sp_e2e_run(NULL, prog, args) == 0, "spetl-sample: %s", use.err);
    ck_assert_int_eq(sp_sim_start(sim_args, &x->sim, &e), 0);
    snprintf(x->env, sizeof(x->env), "%s", env_s);
    return 1;
}

void sp_e2e_write_job(sp_e2e *x, const char *name, const char *text)
{
    FILE *f;

    snprintf(x->job, sizeof(x->job), "%s/%s-%d.xml", use.dir, name, x->target);
    f = fopen(x->job, "w");
    ck_assert_msg(f != NULL, "cannot write %s", x->job);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

void sp_e2e_ready(sp_e2e *x, int setup_hubspot)
{
    sp_err e;

    ck_assert_msg(sp_e2e_spetl(x, "init-db", "") == 0, "init-db: %s", use.err);
    if (setup_hubspot)
        ck_assert_msg(sp_e2e_spetl(x, "setup-hubspot", "") == 0, "setup-hubspot: %s%s", use.out, use.err);
    ck_assert_msg(sp_db_open(&x->db, x->conn, NULL, &e) == 0, "%s", e.msg);
}

void sp_e2e_stop(sp_e2e *x)
{
    sp_db_close(x->db);
    x->db = NULL;
    ck_assert_int_eq(sp_sim_stop_status(x->sim), 0);
    x->sim = NULL;
}

pid_t sp_e2e_spawn(const sp_e2e *x, const char *component)
{
    pid_t pid = fork();

    if (pid == 0) {   /* the child: x->env's assignments, then spetl */
        static char vars[sizeof(x->env)];
        FILE *null = freopen("/dev/null", "w", stderr);
        char *save = NULL;

        (void)null;
        snprintf(vars, sizeof(vars), "%s", x->env);
        for (char *v = strtok_r(vars, " ", &save); v != NULL; v = strtok_r(NULL, " ", &save))
            putenv(v);
        execl(getenv("SPETL_BIN"), "spetl", "run", x->job, component, (char *)NULL);
        _exit(127);
    }
    return pid;
}

void sp_e2e_kill_at(const sp_e2e *x, pid_t pid, long long (*count)(const sp_e2e *x), long long at,
                    const char *what)
{
    struct timespec ts = {0, 1000000};
    long long now = 0;
    int st = 0;

    ck_assert_int_gt(pid, 0);
    while ((now = count(x)) < at) {
        ck_assert_msg(waitpid(pid, &st, WNOHANG) == 0, "%s: the run ended by itself (status %d) at %lld, before %lld",
                      what, st, now, at);
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
                  "%s: the run was not killed at %lld: it ended by itself (status %d)", what, at, st);
    sp_e2e_exec(x, "DELETE FROM spAARunLock");   /* what a person (or the 15-minute takeover) clears */
}

json_t *sp_e2e_sim_json(const sp_e2e *x, const char *method, const char *path, const char *body)
{
    return sp_test_sim_json(x->sim, method, path, body);
}

void sp_e2e_seed(const sp_e2e *x, const char *obj, const char *records, char ids[][32], size_t n)
{
    char path[64], *body = sp_xasprintf("{\"records\":[%s]}", records);
    json_t *j;

    snprintf(path, sizeof(path), "/_sim/seed/%s", obj);
    j = sp_e2e_sim_json(x, "POST", path, body);
    free(body);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "ids")), n);
    for (size_t i = 0; i < n; i++)
        snprintf(ids[i], 32, "%s", json_string_value(json_array_get(json_object_get(j, "ids"), i)));
    json_decref(j);
}

long long sp_e2e_sim_writes(const sp_e2e *x)
{
    json_t *j = sp_e2e_sim_json(x, "GET", "/_sim/stats", NULL);
    long long w = json_integer_value(json_object_get(j, "writes"));
    json_decref(j);
    return w;
}

void sp_e2e_find_hub(sp_e2e *x)
{
    json_t *j = sp_e2e_sim_json(x, "GET", "/account-info/v3/details", NULL);
    json_t *p = json_object_get(j, "portalId");

    if (json_is_integer(p))
        snprintf(x->hub, sizeof(x->hub), "%lld", (long long)json_integer_value(p));
    else
        snprintf(x->hub, sizeof(x->hub), "%s", json_string_value(p) ? json_string_value(p) : "");
    json_decref(j);
    ck_assert_str_ne(x->hub, "");
}

void sp_e2e_exec(const sp_e2e *x, const char *sql)
{
    sp_err e;
    ck_assert_msg(sp_db_exec(x->db, sql, NULL, &e) == 0, "%s: %s", sql, e.msg);
}

int64_t sp_e2e_count(const sp_e2e *x, const char *sql)
{
    sp_stmt *st = NULL;
    sp_err e;
    int64_t n = -1;

    ck_assert_msg(sp_stmt_prepare(x->db, sql, &st, &e) == 0 && sp_stmt_exec(st, NULL, &e) == 0, "%s: %s", sql,
                  e.msg);
    ck_assert_msg(sp_stmt_fetch(st, &e) == 1, "%s: no row", sql);
    ck_assert_msg(sp_stmt_int(st, 0, &n, &e) == 0, "%s: %s", sql, e.msg);
    sp_stmt_free(st);
    return n;
}

void sp_test_put_link(sp_db *db, const char *hub, const char *type, const char *key, const char *obj, const char *id)
{
    sp_link l;
    sp_err e;

    memset(&l, 0, sizeof(l));
    snprintf(l.entity_type, sizeof(l.entity_type), "%s", type);
    snprintf(l.entity_key, sizeof(l.entity_key), "%s", key);
    snprintf(l.hs_object, sizeof(l.hs_object), "%s", obj);
    snprintf(l.hs_id, sizeof(l.hs_id), "%s", id);
    ck_assert_msg(sp_link_put(db, hub, &l, &e) == 0, "%s", e.msg);
}

void sp_e2e_put_link(const sp_e2e *x, const char *type, const char *key, const char *obj, const char *id)
{
    sp_test_put_link(x->db, x->hub, type, key, obj, id);
}

const char *sp_e2e_link_of(const sp_e2e *x, const char *obj, const char *id)
{
    static char buf[160];
    sp_link l;
    sp_err e;
    int found = 0;

    ck_assert_msg(sp_link_get_by_hs(x->db, x->hub, obj, id, &l, &found, &e) == 0, "%s", e.msg);
    if (!found)
        return "";
    snprintf(buf, sizeof(buf), "%s %s", l.entity_type, l.entity_key);
    return buf;
}

int64_t sp_e2e_nlinks(const sp_e2e *x)
{
    int64_t n = -1;
    sp_err e;
    ck_assert_msg(sp_link_count(x->db, x->hub, NULL, &n, &e) == 0, "%s", e.msg);
    return n;
}
