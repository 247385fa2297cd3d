/* bench_hookprog.c -- records per second through a pass-through Python
 * program hook (tests/hookprog/hook.py: it parses each line and replies
 * {"action":"keep"}), in calls of 1,000 records and of one record. The
 * records are the size of a customer-export record (about 700 bytes: GP
 * columns and mapped properties). Prints figures; never passes or fails.
 *
 *   bench_hookprog [RECORDS]      (default 20000)
 *
 * Run from the repository's top folder or with SPETL_TOP (run-bench.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/hook_program.h"
#include "spetl/mem.h"
#include "spetl/platform.h"

static char **records(size_t n)
{
    char **r = sp_xcalloc(n, sizeof(*r));
    size_t i;

    for (i = 0; i < n; i++)
        r[i] = sp_xasprintf(
            "{\"key\":\"CUST%06zu\",\"hubspot_id\":null,\"gp\":{\"CUSTNMBR\":\"CUST%06zu\","
            "\"CUSTNAME\":\"Aaron Fitz Electrical %zu\",\"CUSTCLAS\":\"RETAIL\",\"CNTCPRSN\":"
            "\"Jane Doe\",\"ADDRESS1\":\"One Microsoft Way\",\"ADDRESS2\":\"Suite 100\",\"CITY\":"
            "\"Redmond\",\"STATE\":\"WA\",\"ZIP\":\"98052-6399\",\"COUNTRY\":\"USA\",\"PHONE1\":"
            "\"4255550100000\",\"FAX\":\"\",\"INET1\":\"jane@example.com\",\"HOLD\":0,"
            "\"INACTIVE\":0,\"CRLMTAMT\":25000.00},\"properties\":{\"name\":\"Aaron Fitz "
            "Electrical %zu\",\"address\":\"One Microsoft Way\",\"city\":\"Redmond\",\"state\":"
            "\"WA\",\"zip\":\"98052-6399\",\"country\":\"United States\",\"phone\":"
            "\"+1 425 555 0100\",\"gp_customer_number\":\"CUST%06zu\"}}",
            i, i, i, i, i);
    return r;
}

/* Sends total records in calls of batch; prints records/s. */
static int run(const char *hook, char **recs, size_t total, size_t batch)
{
    const char *argv[] = {hook, "records", NULL};
    sp_hookprog_opts o = {0};
    sp_hookprog *p = NULL;
    sp_hook_reply *r = sp_xcalloc(batch, sizeof(*r));
    size_t done = 0, i, n, kept = 0;
    int64_t t0, ms;
    sp_err e;
    char msg[1024];

    o.argv = argv, o.timeout_ms = 30000, o.start_ms = 30000, o.component = "bench";
    sp_err_clear(&e);
    if (sp_hookprog_start(&o, &p, &e) != 0) {
        fprintf(stderr, "bench_hookprog: %s\n", sp_err_format(&e, msg, sizeof(msg)));
        free(r);
        return -1;
    }
    n = batch < total ? batch : total; /* warm-up call: the interpreter's start is not counted */
    sp_hookprog_call(p, "pre-export", (const char *const *)recs, n, r, &e);
    t0 = sp_os_mono_ms();
    while (done < total) {
        n = total - done < batch ? total - done : batch;
        if (sp_hookprog_call(p, "pre-export", (const char *const *)recs + done, n, r, &e) != 0)
            break;
        for (i = 0; i < n; i++)
            kept += r[i].action == SP_HOOK_KEEP;
        done += n;
    }
    ms = sp_os_mono_ms() - t0;
    sp_hookprog_stop(p);
    free(r);
    printf("hook pass-through (python3), calls of %zu: %zu records (%zu kept) in %lld ms: "
           "%.0f records/s\n", batch, done, kept, (long long)ms,
           ms > 0 ? (double)done * 1000.0 / (double)ms : 0.0);
    return kept == total ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t total = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 20000;
    const char *top = getenv("SPETL_TOP");
    char hook[1024];
    char **recs;
    int rc = 0;
    size_t i;

    if (total == 0)
        total = 20000;
    snprintf(hook, sizeof(hook), "%s/tests/hookprog/hook.py", top != NULL ? top : ".");
    recs = records(total);
    rc |= run(hook, recs, total, 1000);
    rc |= run(hook, recs, total / 10, 1);
    for (i = 0; i < total; i++)
        free(recs[i]);
    free(recs);
    return rc == 0 ? 0 : 1;
}
