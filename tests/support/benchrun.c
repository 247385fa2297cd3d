/* benchrun.c -- see benchrun.h. */
#include "benchrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spetl/clock.h"
#include "spetl/err.h"

int sp_bench_sh(const char *cmd)
{
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int sp_bench_spetl(const char *dir, const char *envs, const char *args, sp_bench_cost *cost)
{
    char cmd[4096];
    struct rusage ru;
    int st = 0;
    int64_t t0 = sp_clock_now_ms();
    pid_t pid;

    snprintf(cmd, sizeof(cmd), "exec env %s '%s' %s >'%s/out.txt' 2>'%s/err.txt' </dev/null", envs,
             getenv("SPETL_BIN"), args, dir, dir);
    pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
        return -1;
    cost->rss_kb = ru.ru_maxrss;
    cost->cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
                   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
    cost->secs = (double)(sp_clock_now_ms() - t0) / 1000.0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long long sp_bench_count(const char *dir, const char *comp, const char *field)
{
    char path[1024], line[4096], want_comp[128], want[64];
    long long v = -1;
    FILE *f;

    snprintf(path, sizeof(path), "%s/err.txt", dir);
    snprintf(want_comp, sizeof(want_comp), "comp=%s ", comp);
    snprintf(want, sizeof(want), " %s=", field);
    f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        const char *p = strstr(line, want);
        if (p != NULL && strstr(line, want_comp) != NULL && strstr(line, " read=") != NULL)
            v = strtoll(p + strlen(want), NULL, 10);
    }
    if (f != NULL)
        fclose(f);
    return v;
}

json_t *sp_bench_sim(sp_sim *sim, const char *method, const char *path, const char *body)
{
    char *reply = NULL;
    int status = 0;
    sp_err e;
    json_t *j = NULL;

    if (sp_sim_control(sim, method, path, body, &reply, &status, &e) == 0 && status / 100 == 2 && reply != NULL)
        j = json_loads(reply, 0, NULL);
    free(reply);
    return j;
}

long long sp_bench_jint(const json_t *o, const char *key)
{
    return o != NULL ? (long long)json_integer_value(json_object_get(o, key)) : 0;
}
