/*
 * main.c -- bin/spetl-sample: write a Fabrikam-like GP company into a
 * database through spetl's ODBC layer (SQLite, PostgreSQL, SQL Server).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "spetl/clock.h"
#include "spetl/err.h"
#include "spetl/log.h"

#define MAX_COUNT 10000000ULL

static const char usage_text[] =
    "usage: spetl-sample --conn CONNECTION --customers N [options]\n"
    "\n"
    "Writes a Fabrikam-like Dynamics GP company through ODBC: customers (RM00101)\n"
    "with 1-4 addresses (RM00102) and emails (SY01200), prospects (SOP00200) with\n"
    "contacts (spProspectContact), items (IV00101) with list prices (IV00105),\n"
    "sales orders and invoices (SOP10100/SOP10200) in workflow queues\n"
    "(spWorkflowQueueOrder). The same --seed always writes the same rows.\n"
    "\n"
    "  --conn STRING      ODBC connection string or DSN, e.g.\n"
    "                     \"Driver=SQLite3;Database=demo/fabrikam.db;\"\n"
    "  --customers N      customers to write (1..10000000)\n"
    "  --seed S           random seed (default 1)\n"
    "  --items N          items (default 300; the first 24 are Fabrikam's numbers)\n"
    "  --documents N      sales documents (default: as many as customers)\n"
    "  --prospects N      prospects (default: customers / 10)\n"
    "  --queues Q1,Q2,..  workflow queues in order (default \"" GEN_DEFAULT_QUEUES "\")\n"
    "  --as-of DATE       last day of the generated history (default " GEN_DEFAULT_AS_OF ")\n"
    "  --create-schema    create the GP and SalesPad-style tables first\n"
    "  --clear            delete the rows of the tables it writes first (the GP tables,\n"
    "                     spProspectContact, spWorkflowQueueOrder; not spetl's own tables)\n"
    "  --pad / --no-pad   space-pad CHAR values to their width (default: on SQLite only;\n"
    "                     PostgreSQL and SQL Server pad char(n) themselves)\n"
    "  --cluster          SQLite: store customers, addresses and e-mails in primary key\n"
    "                     order, as GP's clustered keys do on SQL Server (DEX_ROW_ID\n"
    "                     then follows the key); without it rows are in the order made\n"
    "  -q, --quiet        no progress lines\n"
    "  -h, --help         this text\n"
    "\n"
    "The first customers are fixed: Fabrikam's (AARONFIT0001 Aaron Fitz Electrical, ...)\n"
    "then the hard cases (quotes, semicolons, accents, a 65-character name, a shared\n"
    "name, shared/empty/invalid emails); ask for at least 40 customers to get them all.\n"
    "Lines whose item number starts with " GEN_MISSING_ITEM_PREFIX " reference no item, on purpose.\n"
    "\n"
    "Exit status: 0 written, 2 bad usage, 3 database error.\n";

static int parse_count(const char *opt, const char *text, uint64_t max, uint64_t *out, sp_err *e)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v > max)
        return SP_ERR(e, SP_EUSAGE, "%s: '%s' is not a whole number from 0 to %llu", opt, text,
                      (unsigned long long)max);
    *out = v;
    return 0;
}

/* Split "A,B,C" into cfg->queues (trimmed, upper case as GP batches are, at most 15 chars). */
static int parse_queues(const char *text, char store[][16], gen_config *cfg, sp_err *e)
{
    const char *p = text;
    cfg->nqueues = 0;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len == 0 || len > 15)
            return SP_ERR(e, SP_EUSAGE, "--queues: each queue name needs 1 to 15 characters "
                                        "(GP's BACHNUMB is char(15)): '%s'", text);
        if (cfg->nqueues == GEN_MAX_QUEUES)
            return SP_ERR(e, SP_EUSAGE, "--queues: at most %d queues", GEN_MAX_QUEUES);
        for (size_t i = 0; i < len; i++)
            store[cfg->nqueues][i] = (p[i] >= 'a' && p[i] <= 'z') ? (char)(p[i] - 32) : p[i];
        store[cfg->nqueues][len] = '\0';
        for (int q = 0; q < cfg->nqueues; q++)
            if (strcmp(store[q], store[cfg->nqueues]) == 0)
                return SP_ERR(e, SP_EUSAGE, "--queues: '%s' is listed twice", store[q]);
        cfg->queues[cfg->nqueues] = store[cfg->nqueues];
        cfg->nqueues++;
        p = comma ? comma + 1 : p + len;
    }
    if (cfg->nqueues == 0)
        return SP_ERR(e, SP_EUSAGE, "--queues: give at least one queue");
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "conn", required_argument, NULL, 'c' },      { "customers", required_argument, NULL, 'n' },
        { "seed", required_argument, NULL, 's' },      { "items", required_argument, NULL, 'i' },
        { "documents", required_argument, NULL, 'd' }, { "prospects", required_argument, NULL, 'p' },
        { "queues", required_argument, NULL, 'Q' },    { "as-of", required_argument, NULL, 'a' },
        { "create-schema", no_argument, NULL, 'S' },   { "clear", no_argument, NULL, 'C' },
        { "pad", no_argument, NULL, 'P' },             { "no-pad", no_argument, NULL, 'N' },
        { "cluster", no_argument, NULL, 'K' },
        { "quiet", no_argument, NULL, 'q' },           { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    static char queue_store[GEN_MAX_QUEUES][16];
    gen_config cfg;
    gen_options opt;
    gen_stats st;
    sp_err e;
    char msg[2048];
    const char *as_of = GEN_DEFAULT_AS_OF, *queues = GEN_DEFAULT_QUEUES;
    int have_customers = 0, have_docs = 0, have_prospects = 0, c;
    double secs;

    memset(&cfg, 0, sizeof(cfg));
    memset(&opt, 0, sizeof(opt));
    sp_err_clear(&e);
    cfg.seed = 1;
    cfg.items = 300;
    opt.pad = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': opt.conn = optarg; break;
        case 'n':
            if (parse_count("--customers", optarg, MAX_COUNT, &cfg.customers, &e) != 0)
                goto fail;
            have_customers = 1;
            break;
        case 's':
            if (parse_count("--seed", optarg, UINT64_MAX, &cfg.seed, &e) != 0)
                goto fail;
            break;
        case 'i':
            if (parse_count("--items", optarg, MAX_COUNT, &cfg.items, &e) != 0)
                goto fail;
            break;
        case 'd':
            if (parse_count("--documents", optarg, MAX_COUNT, &cfg.documents, &e) != 0)
                goto fail;
            have_docs = 1;
            break;
        case 'p':
            if (parse_count("--prospects", optarg, MAX_COUNT, &cfg.prospects, &e) != 0)
                goto fail;
            have_prospects = 1;
            break;
        case 'Q': queues = optarg; break;
        case 'a': as_of = optarg; break;
        case 'S': opt.create_schema = 1; break;
        case 'C': opt.clear = 1; break;
        case 'P': opt.pad = 1; break;
        case 'N': opt.pad = 0; break;
        case 'K': opt.cluster = 1; break;
        case 'q': opt.quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case ':':
            SP_ERR(&e, SP_EUSAGE, "%s needs a value", argv[optind - 1]);
            goto fail;
        default:
            SP_ERR(&e, SP_EUSAGE, "unknown option '%s'", argv[optind - 1]);
            goto fail;
        }
    }
    if (optind < argc) {
        SP_ERR(&e, SP_EUSAGE, "unexpected argument '%s'", argv[optind]);
        goto fail;
    }
    if (!opt.conn || !*opt.conn) {
        SP_ERR(&e, SP_EUSAGE, "--conn is required (an ODBC connection string or DSN)");
        goto fail;
    }
    if (!have_customers || cfg.customers == 0) {
        SP_ERR(&e, SP_EUSAGE, "--customers is required and must be at least 1");
        goto fail;
    }
    if (!have_docs)
        cfg.documents = cfg.customers;
    if (!have_prospects)
        cfg.prospects = cfg.customers / 10;
    if (sp_time_parse(as_of, &cfg.as_of) != 0 || cfg.as_of % 86400000LL != 0) {
        SP_ERR(&e, SP_EUSAGE, "--as-of: '%s' is not a date (YYYY-MM-DD)", as_of);
        goto fail;
    }
    if (parse_queues(queues, queue_store, &cfg, &e) != 0)
        goto fail;

    if (gen_run(&cfg, &opt, &st, &e) != 0)
        goto fail;
    secs = (double)st.elapsed_ms / 1000.0;
    printf("spetl-sample: seed %llu, as of %s\n", (unsigned long long)cfg.seed, as_of);
    printf("  RM00101  customers           %10lld\n", (long long)st.customers);
    printf("  RM00102  customer addresses  %10lld\n", (long long)st.addresses);
    printf("  SY01200  address emails      %10lld\n", (long long)st.emails);
    printf("  SOP00200 prospects           %10lld\n", (long long)st.prospects);
    printf("  spProspectContact contacts   %10lld\n", (long long)st.contacts);
    printf("  IV00101  items               %10lld\n", (long long)st.items);
    printf("  IV00105  list prices         %10lld\n", (long long)st.prices);
    printf("  SOP10100 orders and invoices %10lld\n", (long long)st.documents);
    printf("  SOP10200 lines               %10lld  (%lld reference a missing item)\n",
           (long long)st.lines, (long long)st.missing_lines);
    printf("  spWorkflowQueueOrder queues  %10lld\n", (long long)st.queues);
    printf("  %lld rows in %.2f s (%.0f rows/s)\n", (long long)gen_stats_rows(&st), secs,
           secs > 0 ? (double)gen_stats_rows(&st) / secs : 0.0);
    return 0;
fail:
    fprintf(stderr, "spetl-sample: %s\n", sp_err_format(&e, msg, sizeof(msg)));
    if (e.code == SP_EUSAGE)
        fprintf(stderr, "Try 'spetl-sample --help'.\n");
    return sp_code_exit(e.code);
}
