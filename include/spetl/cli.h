/*
 * cli.h -- the command line: options, the command table, the exit path.
 *
 * sp_cli_main() parses argv into an sp_cli, runs one command and turns its
 * result into the process exit code (see the table in err.h). Commands have
 * the signature sp_cmd_fn: they return 0, or -1 with the error filled; a run
 * that finished with failed records returns -1 with code SP_ERECORDS.
 * Help and version go to stdout with exit 0; misuse to stderr with exit 2.
 */
#ifndef SPETL_CLI_H
#define SPETL_CLI_H

#include "spetl/err.h"

#define SP_CLI_MAX_COMPONENTS 16

typedef struct sp_cli {
    const char *command;        /* "run", "validate", ... */
    const char *job_path;       /* the job file */
    const char *components[SP_CLI_MAX_COMPONENTS]; /* names after JOB (run) */
    int ncomponents;
    const char *args[SP_CLI_MAX_COMPONENTS]; /* free arguments after JOB (links ...) */
    int nargs;
    int dry_run;                /* --dry-run */
    int secrets;                /* --secrets: validate reads the token and the variables too */
    const char *key;            /* --key KEY: one record */
    const char *since;          /* --since DATE (run): the imports re-read from DATE */
    const char *report_path;    /* --report FILE: JSON run report */
    int quiet;                  /* -q: warnings and errors only */
    int limit;                  /* --limit N (history, errors); 0 = default */
    int progress;               /* a progress line on a terminal */
    const char *type;           /* --type T (links: entity type) */
    const char *hs_id;          /* --hs-id ID (links) */
    int del;                    /* --delete (links) */
    int yes;                    /* --yes: no question asked */
    int verify;                 /* --verify (links) */
    int repair;                 /* --repair (links --verify) */
    int json;                   /* --json (history, errors, links) */
    int retry;                  /* --retry (errors) */
    int dismiss;                /* --dismiss (errors) */
    int all;                    /* --all (errors --retry / --dismiss) */
} sp_cli;

typedef int (*sp_cmd_fn)(const sp_cli *cli, sp_err *e);

int sp_cli_main(int argc, char **argv);

/* Parse argv; 0 on success, -1 with SP_EUSAGE. *want_help / *want_version
 * are set for --help / --version (then nothing else is required). */
int sp_cli_parse(int argc, char **argv, sp_cli *out, int *want_help, int *want_version, sp_err *e);

/* The commands (etl/cli/cmd_*.c). */

int sp_cmd_run(const sp_cli *cli, sp_err *e);
int sp_cmd_validate(const sp_cli *cli, sp_err *e);
int sp_cmd_init_db(const sp_cli *cli, sp_err *e);
int sp_cmd_check(const sp_cli *cli, sp_err *e);
int sp_cmd_setup_hubspot(const sp_cli *cli, sp_err *e);
int sp_cmd_history(const sp_cli *cli, sp_err *e);
int sp_cmd_errors(const sp_cli *cli, sp_err *e);
int sp_cmd_links(const sp_cli *cli, sp_err *e);

#endif
