/* hs_main.c -- bin/hubspot-sim: command line, listening socket, daemon, clean stop on SIGTERM/SIGINT. */
#include "hubsim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "spetl/mem.h"

static const char USAGE[] =
    "usage: hubspot-sim [options]\n"
    "  --port N               listen on 127.0.0.1:N (0 = a free port, the default)\n"
    "  --token TOKEN          accept only \"Bearer TOKEN\" (default: any bearer token)\n"
    "  --scopes a,b,c         granted scopes (default: all); others get 403 MISSING_SCOPES\n"
    "  --latency-ms N         delay every API reply by N ms ...\n"
    "  --jitter-ms N          ... plus 0..N ms at random\n"
    "  --rate-10s N           requests per rolling 10 s per token (0 = unlimited)\n"
    "  --search-per-sec N     search requests per second (0 = unlimited)\n"
    "  --daily N              requests per day (0 = unlimited)\n"
    "  --search-lag-ms N      a write becomes visible to search N ms later\n"
    "  --fail-5xx-pct P       answer P% of requests with 500/502/503/504\n"
    "  --drop-pct P           close the connection without a reply on P%\n"
    "  --slow-pct P --slow-ms N   add N ms to P% of replies\n"
    "  --malformed-pct P      truncate P% of reply bodies\n"
    "  --seed S               PRNG seed for faults and jitter\n"
    "  --max-batch N          inputs per batch call (default 100)\n"
    "  --search-cap N         search results reachable by paging (default 10000)\n"
    "  --threads N            N polling threads instead of one thread per connection\n"
    "  --lenient              accept bodies that lack attributes the published schema requires\n"
    "  --verbose              one line per request on stderr\n"
    "Prints \"listening on 127.0.0.1:PORT\" once ready. Control endpoints: /_sim/... (README.md).\n";

static int parse_long(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    long x;
    errno = 0;
    x = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || *v == '\0' || x < lo || x > hi) {
        fprintf(stderr, "hubspot-sim: %s needs an integer from %ld to %ld, not \"%s\"\n", opt, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_pct(const char *opt, const char *v, double *out)
{
    char *end;
    double x;
    errno = 0;
    x = strtod(v, &end);
    if (errno != 0 || *end != '\0' || *v == '\0' || x < 0 || x > 100) {
        fprintf(stderr, "hubspot-sim: %s needs a percentage from 0 to 100, not \"%s\"\n", opt, v);
        return -1;
    }
    *out = x;
    return 0;
}

static void set_scopes(hs_sim *sim, const char *list)
{
    const char *s = list;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
        if (n > 0) {
            sim->scopes = sp_xrealloc(sim->scopes, (size_t)(sim->nscopes + 1) * sizeof(char *));
            sim->scopes[sim->nscopes++] = sp_xstrndup(s, n);
        }
        s += n;
        if (*s == ',')
            s++;
    }
    if (sim->scopes == NULL)
        sim->scopes = sp_xcalloc(1, sizeof(char *));   /* "--scopes ''": nothing granted */
}

int main(int argc, char **argv)
{
    static hs_sim sim;
    hs_config cfg;
    long port = 0, threads = 0, v;
    unsigned long long seed = 0;
    const char *token = NULL, *scopes = NULL;
    int verbose = 0, fd = -1, one = 1, sig = 0, rc = 1;
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    struct MHD_Daemon *d = NULL;
    sigset_t set;

    hs_config_defaults(&cfg);
    for (int i = 1; i < argc; i++) {
        char *opt = argv[i], *val = NULL, *eq;
        char name[64];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (strcmp(opt, "--verbose") == 0) {
            verbose = 1;
            continue;
        }
        if (strcmp(opt, "--lenient") == 0) {
            cfg.lenient = 1;
            continue;
        }
        {
            static const char *const known[] = {
                "--port", "--token", "--scopes", "--latency-ms", "--jitter-ms", "--rate-10s",
                "--search-per-sec", "--daily", "--search-lag-ms", "--fail-5xx-pct", "--drop-pct",
                "--slow-pct", "--slow-ms", "--malformed-pct", "--seed", "--max-batch",
                "--search-cap", "--threads", NULL};
            size_t n = strcspn(opt, "=");
            int ok = 0;
            for (const char *const *k = known; *k != NULL && !ok; k++)
                ok = strlen(*k) == n && strncmp(*k, opt, n) == 0;
            if (!ok) {
                fprintf(stderr, "hubspot-sim: unknown option %s\n%s", opt, USAGE);
                return 2;
            }
        }
        eq = strchr(opt, '=');
        if (eq != NULL) {
            snprintf(name, sizeof(name), "%.*s", (int)(eq - opt), opt);
            val = eq + 1;
        } else {
            snprintf(name, sizeof(name), "%s", opt);
            if (i + 1 >= argc) {
                fprintf(stderr, "hubspot-sim: %s needs a value\n%s", opt, USAGE);
                return 2;
            }
            val = argv[++i];
        }
#define LONGOPT(flag, lo, hi, dst)                                     \
    else if (strcmp(name, flag) == 0) {                                \
        if (parse_long(flag, val, lo, hi, &v) != 0)                    \
            return 2;                                                  \
        dst = v;                                                       \
    }
#define PCTOPT(flag, dst)                                              \
    else if (strcmp(name, flag) == 0) {                                \
        if (parse_pct(flag, val, &dst) != 0)                           \
            return 2;                                                  \
    }
        if (strcmp(name, "--token") == 0)
            token = val;
        else if (strcmp(name, "--scopes") == 0)
            scopes = val;
        else if (strcmp(name, "--seed") == 0) {
            char *end;
            errno = 0;
            seed = strtoull(val, &end, 10);
            if (errno != 0 || *end != '\0' || *val == '\0') {
                fprintf(stderr, "hubspot-sim: --seed needs an unsigned integer\n");
                return 2;
            }
        }
        LONGOPT("--port", 0, 65535, port)
        LONGOPT("--latency-ms", 0, 600000, cfg.latency_ms)
        LONGOPT("--jitter-ms", 0, 600000, cfg.jitter_ms)
        LONGOPT("--rate-10s", 0, 100000000, cfg.rate_10s)
        LONGOPT("--search-per-sec", 0, 100000000, cfg.search_per_sec)
        LONGOPT("--daily", 0, 2000000000, cfg.daily)
        LONGOPT("--search-lag-ms", 0, 86400000, cfg.search_lag_ms)
        LONGOPT("--slow-ms", 0, 600000, cfg.slow_ms)
        LONGOPT("--max-batch", 1, 100000, cfg.max_batch)
        LONGOPT("--search-cap", 1, 100000000, cfg.search_cap)
        LONGOPT("--threads", 0, 1024, threads)
        PCTOPT("--fail-5xx-pct", cfg.fail_5xx_pct)
        PCTOPT("--drop-pct", cfg.drop_pct)
        PCTOPT("--slow-pct", cfg.slow_pct)
        PCTOPT("--malformed-pct", cfg.malformed_pct)
        else {
            fprintf(stderr, "hubspot-sim: unknown option %s\n%s", name, USAGE);
            return 2;
        }
#undef LONGOPT
#undef PCTOPT
    }

    /* Allocation is most of the hot path (JSON in, records, JSON out). Without fastbins
     * glibc skips malloc_consolidate on every large request; keep the heap top. */
    mallopt(M_MXFAST, 0);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
    /* One arena: every write runs under the store lock anyway, and records built by one
     * connection thread are freed or extended by others; measured cheaper than an arena
     * per connection thread (customer-export of 10,000 customers). */
    mallopt(M_ARENA_MAX, 1);
    hs_heap_hugepages();
    json_object_seed(0);
    if (seed == 0)   /* without --seed: different correlation ids and faults per run */
        seed = ((unsigned long long)time(NULL) << 20) ^ (unsigned long long)getpid() ^ 0x5DEECE66DULL;
    hs_sim_init(&sim, seed);
    sim.cfg = cfg;
    sim.verbose = verbose;
    if (token != NULL)
        sim.token = sp_xstrdup(token);
    if (scopes != NULL)
        set_scopes(&sim, scopes);

    /* Signals are taken synchronously by the main thread: block them before any thread starts. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("hubspot-sim: socket");
        goto done;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 512) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        fprintf(stderr, "hubspot-sim: cannot listen on 127.0.0.1:%ld: %s\n", port, strerror(errno));
        goto done;
    }
    d = hs_http_start(&sim, fd, (int)threads);
    if (d == NULL) {
        fprintf(stderr, "hubspot-sim: libmicrohttpd did not start\n");
        goto done;
    }
    printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);
    if (sigwait(&set, &sig) != 0)
        goto done;
    rc = 0;
done:
    hs_sim_stopping(&sim);
    if (d != NULL)
        MHD_stop_daemon(d);
    else if (fd >= 0)
        close(fd);   /* MHD_stop_daemon closes the listening socket it was given */
    hs_sim_free(&sim);
    return rc;
}
