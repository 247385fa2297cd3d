/* run.c -- see run.h. */
#include "run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void sp_test_slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    size_t got = f ? fread(buf, 1, n - 1, f) : 0;
    buf[got] = '\0';
    if (f)
        fclose(f);
}

int sp_test_run(const char *dir, const char *env_s, const char *prog, const char *args, char *out,
                size_t nout, char *err, size_t nerr)
{
    char cmd[8192], op[600], ep[600];
    int st;

    snprintf(op, sizeof(op), "%s/out.txt", dir);
    snprintf(ep, sizeof(ep), "%s/err.txt", dir);
    snprintf(cmd, sizeof(cmd), "env %s '%s' %s >'%s' 2>'%s' </dev/null", env_s ? env_s : "", prog, args,
             op, ep);
    st = system(cmd);
    sp_test_slurp(op, out, nout);
    sp_test_slurp(ep, err, nerr);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void sp_test_sample_bin(char *buf, size_t n)
{
    const char *spetl = getenv("SPETL_BIN");
    const char *slash = spetl != NULL ? strrchr(spetl, '/') : NULL;

    snprintf(buf, n, "%.*s/spetl-sample", slash ? (int)(slash - spetl) : 1, slash ? spetl : ".");
}

json_t *sp_test_sim_json(sp_sim *sim, const char *method, const char *path, const char *body)
{
    char *b = NULL;
    int status = 0;
    sp_err e;
    json_t *j;

    ck_assert_int_eq(sp_sim_control(sim, method, path, body, &b, &status, &e), 0);
    ck_assert_msg(status >= 200 && status < 300, "%s %s: %d %.500s", method, path, status, b ? b : "");
    j = json_loads(b ? b : "null", JSON_DECODE_ANY, NULL);
    free(b);
    ck_assert_ptr_nonnull(j);
    return j;
}
