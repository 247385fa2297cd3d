/*
 * bench_hubspot.c -- batch upsert throughput of the HubSpot client against
 * the simulator: (a) unlimited, (b) 190 requests per 10 s with 150 ms
 * latency (+0..20 ms jitter), the Professional/Enterprise budget.
 *
 * Prints records/s (overall, and past the first 10-second window, where the
 * rolling window's opening burst no longer counts), requests, 429s (from
 * /_sim/stats), client CPU (getrusage user+sys) and wall time. Figures,
 * never a pass/fail. Needs SPETL_SIM (path of bin/hubspot-sim) or
 * bin/hubspot-sim; BENCH_HUBSPOT_RECORDS overrides the 100,000 records,
 * BENCH_HUBSPOT_ONLY=a or b runs one of the two.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../support/sim.h"
#include "spetl/clock.h"
#include "spetl/hubspot.h"
#include "spetl/log.h"
#include "spetl/mem.h"

typedef struct run {
    int64_t start_ms;
    long long done, failed, not_done;
    int64_t *at;              /* completion time of each batch, ms from start */
    long long *n_at;          /* records it wrote */
    size_t nat, capat;
} run;

static void on_batch(sp_hs_batch_result *r, void *ud)
{
    run *x = ud;
    int64_t now = sp_clock_now_ms();

    x->done += (long long)r->n_ok;
    x->failed += (long long)r->n_failed;
    x->not_done += (long long)r->n_not_done;
    if (x->nat == x->capat) {
        x->capat = x->capat ? x->capat * 2 : 1024;
        x->at = sp_xrealloc(x->at, x->capat * sizeof(*x->at));
        x->n_at = sp_xrealloc(x->n_at, x->capat * sizeof(*x->n_at));
    }
    x->at[x->nat] = now - x->start_ms;
    x->n_at[x->nat++] = (long long)r->n_ok;
}

/* Records/s over the whole 10-second windows after the first (the rolling
 * window lets the first one open with a burst); 0 when the run is shorter
 * than 20 s. */
static double steady_rate(const run *x, int64_t wall_ms)
{
    int64_t end = wall_ms / 10000 * 10000;
    long long n = 0;

    if (end < 20000)
        return 0;
    for (size_t i = 0; i < x->nat; i++)
        if (x->at[i] >= 10000 && x->at[i] < end)
            n += x->n_at[i];
    return (double)n / ((double)(end - 10000) / 1000.0);
}

static double cpu_seconds(int who)
{
    struct rusage u;
    getrusage(who, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec / 1e6;
}

static long long sim_stat(sp_sim *sim, const char *name)
{
    char *out = NULL;
    int status = 0;
    sp_err e;
    json_t *j;
    long long v = -1;

    if (sp_sim_control(sim, "GET", "/_sim/stats", NULL, &out, &status, &e) != 0)
        return -1;
    j = json_loads(out != NULL ? out : "{}", 0, NULL);
    if (j != NULL)
        v = json_integer_value(json_object_get(j, name));
    json_decref(j);
    free(out);
    return v;
}

static int bench(const char *label, const char *const *sim_args, int rate_10s, long long nrec)
{
    sp_sim *sim = NULL;
    sp_hs_client *c = NULL;
    sp_hs_config cfg;
    sp_hs_stats st;
    sp_err e;
    char line[1024];
    run x;
    double cpu0, cpu1, sim_cpu0 = cpu_seconds(RUSAGE_CHILDREN);
    int64_t t0, t1;
    sp_hs_input in[100];
    sp_hs_prop props[100][4];
    char keys[100][24], names[100][40], cities[100][24];
    sp_hs_property_def key = {"gp_customer_number", "GP customer number", "spetl", NULL, NULL, NULL, 1};
    int rc = -1;

    memset(&x, 0, sizeof(x));
    if (sp_sim_start(sim_args, &sim, &e) != 0) {
        fprintf(stderr, "bench_hubspot: %s\n", sp_err_format(&e, line, sizeof(line)));
        return -1;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.base_url = sp_sim_base_url(sim);
    cfg.token = "pat-na1-bench";
    cfg.rate_10s = rate_10s;
    cfg.max_in_flight = 8;
    if (sp_hs_client_new(&cfg, &c, &e) != 0 || sp_hs_property_group_create(c, SP_HS_COMPANIES, "spetl", "SalesPad", &e) != 0 ||
        sp_hs_property_create(c, SP_HS_COMPANIES, &key, NULL, &e) != 0) {
        fprintf(stderr, "bench_hubspot: %s\n", sp_err_format(&e, line, sizeof(line)));
        goto done;
    }
    cpu0 = cpu_seconds(RUSAGE_SELF);
    t0 = sp_clock_now_ms();
    x.start_ms = t0;
    for (long long base = 0; base < nrec; base += 100) {
        size_t n = (size_t)(nrec - base < 100 ? nrec - base : 100);
        sp_hs_batch b;

        for (size_t i = 0; i < n; i++) {
            long long k = base + (long long)i;
            snprintf(keys[i], sizeof(keys[i]), "C%08lld", k);
            snprintf(names[i], sizeof(names[i]), "Customer %lld Fitness", k);
            snprintf(cities[i], sizeof(cities[i]), "City %lld", k % 500);
            props[i][0] = (sp_hs_prop){"name", names[i]};
            props[i][1] = (sp_hs_prop){"city", cities[i]};
            props[i][2] = (sp_hs_prop){"type", "OTHER"};
            props[i][3] = (sp_hs_prop){"gp_customer_number", keys[i]};
            in[i] = (sp_hs_input){keys[i], props[i], 4, NULL, 0};
        }
        b = (sp_hs_batch){SP_HS_UPSERT, SP_HS_COMPANIES, "gp_customer_number", in, n, NULL, 0, 0};
        /* keep a bounded number of batches queued: the producer never runs ahead */
        if (sp_hs_drain(c, 16, &e) != 0 || sp_hs_batch_submit(c, &b, on_batch, &x, &e) != 0) {
            fprintf(stderr, "bench_hubspot: %s\n", sp_err_format(&e, line, sizeof(line)));
            goto done;
        }
    }
    if (sp_hs_run(c, &e) != 0) {
        fprintf(stderr, "bench_hubspot: %s\n", sp_err_format(&e, line, sizeof(line)));
        goto done;
    }
    t1 = sp_clock_now_ms();
    cpu1 = cpu_seconds(RUSAGE_SELF);
    sp_hs_get_stats(c, &st);
    {
        double wall = (double)(t1 - t0) / 1000.0;
        double steady = steady_rate(&x, t1 - t0);
        char steady_text[64];

        if (steady > 0)
            snprintf(steady_text, sizeof(steady_text), "%.0f records/s", steady);
        else
            snprintf(steady_text, sizeof(steady_text), "n/a (run shorter than 20 s)");
        printf("bench_hubspot %s: %lld records upserted (%lld failed, %lld not done) in %.2f s wall: %.0f records/s"
               " overall, %s in whole 10 s windows after the first; requests %lld (client) / %lld (simulator), "
               "429s %lld, retries %lld, max in flight %d; client CPU %.2f s (%.0f%% of one core)\n",
               label, x.done, x.failed, x.not_done, wall, (double)x.done / wall, steady_text, st.requests,
               sim_stat(sim, "requests"), sim_stat(sim, "status_429"), st.retries, st.max_in_flight, cpu1 - cpu0,
               100.0 * (cpu1 - cpu0) / wall);
        fflush(stdout);
    }
    rc = 0;
done:
    free(x.at);
    free(x.n_at);
    sp_hs_client_free(c);
    sp_sim_stop(sim);
    printf("bench_hubspot %s: simulator CPU %.2f s\n", label, cpu_seconds(RUSAGE_CHILDREN) - sim_cpu0);
    return rc;
}

int main(void)
{
    long long nrec = 100000;
    const char *env = getenv("BENCH_HUBSPOT_RECORDS");
    const char *only = getenv("BENCH_HUBSPOT_ONLY");
    int rc = 0;

    if (sp_sim_binary() == NULL) {
        printf("bench_hubspot: no simulator (set SPETL_SIM or build bin/hubspot-sim): skipped\n");
        return 0;
    }
    if (env != NULL) {
        char *end;
        long long v = strtoll(env, &end, 10);
        if (*end == '\0' && v > 0)
            nrec = v;
    }
    sp_log_set_level(SP_LOG_WARN);
    if (only == NULL || strcmp(only, "a") == 0)
        rc |= bench("(a) unlimited", NULL, -1, nrec);
    if (only == NULL || strcmp(only, "b") == 0)
        rc |= bench("(b) 190/10s, 150+-20 ms", (const char *const[]){"--rate-10s", "190", "--latency-ms", "150", "--jitter-ms", "20", NULL},
                190, nrec);
    return rc == 0 ? 0 : 1;
}
