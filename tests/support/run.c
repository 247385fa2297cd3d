/* run.c -- see run.h. */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
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
