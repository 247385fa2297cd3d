/* cli.c -- option parsing, help, version, dispatch and the exit code. */
#include "spetl/cli.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/log.h"
#include "spetl/platform.h"
#include "spetl/version.h"

/* The options a command acts on (--log-level and -q go with every command):
 * any other is refused, never silently ignored (init-db --dry-run would
 * otherwise create the tables it was asked only to show). */
enum {
    O_DRY_RUN = 1 << 0, O_SECRETS = 1 << 1, O_KEY = 1 << 2, O_SINCE = 1 << 3, O_REPORT = 1 << 4,
    O_LIMIT = 1 << 5, O_JSON = 1 << 6, O_TYPE = 1 << 7, O_HS_ID = 1 << 8, O_DELETE = 1 << 9,
    O_YES = 1 << 10, O_VERIFY = 1 << 11, O_REPAIR = 1 << 12, O_RETRY = 1 << 13, O_DISMISS = 1 << 14,
    O_ALL = 1 << 15, O_ARGS = 1 << 16
};

static const char *const option_names[] = {
    "--dry-run", "--secrets", "--key", "--since", "--report", "--limit", "--json", "--type", "--hs-id",
    "--delete", "--yes", "--verify", "--repair", "--retry", "--dismiss", "--all", "COMPONENT",
};

typedef struct command {
    const char *name;
    sp_cmd_fn fn;
    const char *usage;
    const char *summary;
    unsigned takes;
} command;

static const command commands[] = {
    {"run", sp_cmd_run, "run JOB [COMPONENT...]",
     "run the job's enabled components (or only those named) in dependency order",
     O_DRY_RUN | O_KEY | O_SINCE | O_REPORT | O_ARGS},
    {"validate", sp_cmd_validate, "validate JOB",
     "check the job file: XSD, settings, filters; no database, no network, no secrets", O_SECRETS},
    {"init-db", sp_cmd_init_db, "init-db JOB",
     "create spetl's own tables in the job's database where missing (safe to run twice)", 0},
    {"check", sp_cmd_check, "check JOB",
     "is everything reachable: database, tables, token, hub, scopes, properties", 0},
    {"setup-hubspot", sp_cmd_setup_hubspot, "setup-hubspot JOB",
     "create the HubSpot properties the mappings need (safe to run twice)", 0},
    {"history", sp_cmd_history, "history JOB", "the latest runs, per component, with their counts",
     O_LIMIT | O_JSON},
    {"errors", sp_cmd_errors, "errors JOB",
     "records that failed and are not resolved yet (the Action Center)",
     O_KEY | O_LIMIT | O_JSON | O_RETRY | O_DISMISS | O_ALL | O_DRY_RUN | O_REPORT},
    {"links", sp_cmd_links, "links JOB",
     "list, delete (--delete) or check (--verify [--repair]) the SalesPad <-> HubSpot links",
     O_KEY | O_TYPE | O_HS_ID | O_DELETE | O_YES | O_VERIFY | O_REPAIR | O_DRY_RUN | O_LIMIT | O_JSON},
    {NULL, NULL, NULL, NULL, 0},
};

/* The options given on the command line, as O_* bits. */
static unsigned options_given(const sp_cli *c)
{
    return (c->dry_run ? O_DRY_RUN : 0) | (c->secrets ? O_SECRETS : 0) | (c->key ? O_KEY : 0) |
           (c->since ? O_SINCE : 0) | (c->report_path ? O_REPORT : 0) | (c->limit > 0 ? O_LIMIT : 0) |
           (c->json ? O_JSON : 0) | (c->type ? O_TYPE : 0) | (c->hs_id ? O_HS_ID : 0) |
           (c->del ? O_DELETE : 0) | (c->yes ? O_YES : 0) | (c->verify ? O_VERIFY : 0) |
           (c->repair ? O_REPAIR : 0) | (c->retry ? O_RETRY : 0) | (c->dismiss ? O_DISMISS : 0) |
           (c->all ? O_ALL : 0) | (c->nargs > 0 ? O_ARGS : 0);
}

/* 0 when every option given is one the command acts on; else -1, SP_EUSAGE. */
static int check_options(const command *c, const sp_cli *cli, sp_err *e)
{
    unsigned extra = options_given(cli) & ~c->takes;
    char takes[256] = "";
    size_t used = 0;
    int k = 0;

    if (extra == 0)
        return 0;
    while (!(extra & (1u << k)))
        k++;
    for (int j = 0; j < (int)(sizeof(option_names) / sizeof(option_names[0])); j++)
        if ((c->takes & (1u << j)) && used < sizeof(takes))
            used += (size_t)snprintf(takes + used, sizeof(takes) - used, "%s%s", used ? ", " : "",
                                     option_names[j]);
    if ((1u << k) == O_ARGS)
        return SP_ERR(e, SP_EUSAGE, "%s takes nothing after JOB (found '%s')", c->name, cli->args[0]);
    return SP_ERR(e, SP_EUSAGE, "%s does not take %s (%s%s)", c->name, option_names[k],
                  c->takes ? "it takes " : "it takes no option but --log-level and -q",
                  c->takes ? takes : "");
}

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: spetl [OPTIONS] COMMAND JOB [ARGS...]\n"
            "\n"
            "spetl keeps a SalesPad / Dynamics GP database and a HubSpot account in step.\n"
            "\n"
            "Commands:\n");
    for (const command *c = commands; c->name != NULL; c++)
        fprintf(out, "  %-26s %s\n", c->usage, c->summary);
    fprintf(out,
            "\n"
            "Options:\n"
            "  --dry-run                  run, errors --retry: read, filter and map everything;\n"
            "                             write nothing anywhere (links --delete: show them)\n"
            "  --key KEY                  run: one record (a customer or item number, SOPTYPE|SOPNUMBE,\n"
            "                             or for company-link and the imports a HubSpot company id);\n"
            "                             errors, links: that key's rows\n"
            "  --since DATE               run: the imports read companies created since DATE\n"
            "                             (YYYY-MM-DD or a UTC date-time) for this run only; their\n"
            "                             stored minimum create date does not move\n"
            "  --report FILE              run, errors --retry: a JSON run report ('-' for stdout)\n"
            "  --secrets                  validate: also read the token and the connection's\n"
            "                             variables (check and run always do)\n"
            "  --limit N                  history/errors/links: show at most N rows\n"
            "  --json                     history/errors/links: one JSON document on stdout\n"
            "  --type T                   links: one entity type (CUSTOMER, CUSTOMER_ADDRESS, ...)\n"
            "  --hs-id ID                 links: the link of one HubSpot record\n"
            "  --delete                   links: delete the chosen links (a document's lines too)\n"
            "  --verify [--repair]        links: find links whose HubSpot record is gone or\n"
            "                             merged; --repair removes / re-points them\n"
            "  --retry, --dismiss         errors: re-send, or close, the failed records of\n"
            "                             --key KEY or --all\n"
            "  --yes                      do it without asking (links --delete on a terminal)\n"
            "  --log-level LEVEL          error, warn, info (default), debug or trace\n"
            "                             (--log-level and -q go with every command; any other\n"
            "                             option only with the commands named beside it)\n"
            "  -q, --quiet                warnings and errors only\n"
            "  -h, --help                 this text\n"
            "  -V, --version              spetl's version and the linked libraries'\n"
            "\n"
            "Exit codes:\n");
    for (const sp_exit_row *r = sp_exit_table(); r->meaning != NULL; r++)
        fprintf(out, "  %d  %s\n", r->exit_code, r->meaning);
}

/* Each seam answers for its own library; they are joined here, where they
 * are printed (core calls no seam). */
static void print_version(FILE *out)
{
    fprintf(out, "spetl %s\n%s, %s, %s, %s\n", SPETL_VERSION, sp_job_library_version(),
            sp_db_library_version(), sp_http_library_version(), sp_json_library_version());
}

/* The on/off options of links, errors and history; 1 when a was one. */
static int flag_option(const char *a, sp_cli *out)
{
    static const struct {
        const char *name;
        size_t off;
    } flags[] = {
        {"--delete", offsetof(sp_cli, del)},   {"--yes", offsetof(sp_cli, yes)},
        {"--verify", offsetof(sp_cli, verify)}, {"--repair", offsetof(sp_cli, repair)},
        {"--json", offsetof(sp_cli, json)},     {"--retry", offsetof(sp_cli, retry)},
        {"--dismiss", offsetof(sp_cli, dismiss)}, {"--all", offsetof(sp_cli, all)},
    };

    for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
        if (strcmp(a, flags[k].name) == 0) {
            *(int *)((char *)out + flags[k].off) = 1;
            return 1;
        }
    }
    return 0;
}

int sp_cli_parse(int argc, char **argv, sp_cli *out, int *want_help, int *want_version, sp_err *e)
{
    int i;

    memset(out, 0, sizeof(*out));
    *want_help = 0;
    *want_version = 0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            *want_help = 1;
            return 0;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            *want_version = 1;
            return 0;
        } else if (strcmp(a, "--dry-run") == 0) {
            out->dry_run = 1;
        } else if (strcmp(a, "--secrets") == 0) {
            out->secrets = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            out->quiet = 1;
        } else if (flag_option(a, out)) {
            continue;
        } else if (strcmp(a, "--type") == 0 || strcmp(a, "--hs-id") == 0) {
            if (i + 1 >= argc)
                return SP_ERR(e, SP_EUSAGE, "option %s needs a value", a);
            if (strcmp(a, "--type") == 0)
                out->type = argv[++i];
            else
                out->hs_id = argv[++i];
        } else if (strcmp(a, "--since") == 0) {
            if (i + 1 >= argc)
                return SP_ERR(e, SP_EUSAGE, "option %s needs a value", a);
            out->since = argv[++i];
        } else if (strcmp(a, "--key") == 0 || strcmp(a, "--report") == 0 ||
                   strcmp(a, "--log-level") == 0 || strcmp(a, "--limit") == 0) {
            if (i + 1 >= argc)
                return SP_ERR(e, SP_EUSAGE, "option %s needs a value", a);
            if (strcmp(a, "--key") == 0) {
                out->key = argv[++i];
            } else if (strcmp(a, "--report") == 0) {
                out->report_path = argv[++i];
            } else if (strcmp(a, "--limit") == 0) {
                char *end;
                long v = strtol(argv[++i], &end, 10);
                if (*end != '\0' || v < 1 || v > 1000000)
                    return SP_ERR(e, SP_EUSAGE, "--limit needs a number from 1 to 1000000, not '%s'",
                                  argv[i]);
                out->limit = (int)v;
            } else {
                int level = sp_log_parse_level(argv[++i]);
                if (level < 0)
                    return SP_ERR(e, SP_EUSAGE,
                                  "unknown log level '%s' (error, warn, info, debug, trace)",
                                  argv[i]);
                sp_log_set_level((sp_log_level)level);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return SP_ERR(e, SP_EUSAGE, "unknown option '%s'", a);
        } else if (out->command == NULL) {
            out->command = a;
        } else if (out->job_path == NULL) {
            out->job_path = a;
        } else {
            if (out->nargs == SP_CLI_MAX_COMPONENTS)
                return SP_ERR(e, SP_EUSAGE, "too many arguments (at most %d after JOB)",
                              SP_CLI_MAX_COMPONENTS);
            out->args[out->nargs++] = a;
            out->components[out->ncomponents++] = a;
        }
    }
    if (out->command == NULL)
        return SP_ERR(e, SP_EUSAGE, "no command given");
    if (out->quiet && sp_log_get_level() > SP_LOG_WARN)
        sp_log_set_level(SP_LOG_WARN);
    out->progress = sp_os_is_terminal(stderr) && !out->quiet;
    return 0;
}

int sp_cli_main(int argc, char **argv)
{
    sp_cli cli;
    sp_err err;
    char line[2048];
    int want_help, want_version, rc;
    const command *c;

    sp_err_clear(&err);
    if (sp_cli_parse(argc, argv, &cli, &want_help, &want_version, &err) != 0) {
        fprintf(stderr, "spetl: %s\nTry 'spetl --help'.\n", err.msg);
        return SP_EXIT_USAGE;
    }
    if (want_help) {
        print_help(stdout);
        return SP_EXIT_OK;
    }
    if (want_version) {
        print_version(stdout);
        return SP_EXIT_OK;
    }
    for (c = commands; c->name != NULL; c++)
        if (strcmp(c->name, cli.command) == 0)
            break;
    if (c->name == NULL) {
        fprintf(stderr, "spetl: unknown command '%s'\nTry 'spetl --help'.\n", cli.command);
        return SP_EXIT_USAGE;
    }
    if (cli.job_path == NULL) {
        fprintf(stderr, "spetl: %s: no job file given\nTry 'spetl --help'.\n", cli.command);
        return SP_EXIT_USAGE;
    }
    if (check_options(c, &cli, &err) != 0) {
        fprintf(stderr, "spetl: %s\nTry 'spetl --help'.\n", err.msg);
        return SP_EXIT_USAGE;
    }
    rc = c->fn(&cli, &err);
    if (rc == 0)
        return SP_EXIT_OK;
    sp_err_format(&err, line, sizeof(line));
    if (err.code == SP_ERECORDS)
        SP_WARN(NULL, "%s", line);
    else
        SP_ERROR(NULL, "%s", line);
    rc = sp_code_exit(err.code);
    sp_log_reset();
    return rc;
}
