/* cmd_validate.c -- `spetl validate JOB`: check a job file; no database, no network.
 *
 * Every problem is printed on stderr as FILE:LINE:COL: message (all of them,
 * not only the first); on success one line on stdout names the enabled
 * components in the order `spetl run` runs them. Exit 0, or 2 for a bad job.
 *
 * A job file checked in CI has no secrets: validate checks that the token's
 * variable or file is named and well-formed, not that it is set, and leaves
 * an unset ${NAME} in the database connection (a password) alone. With
 * --secrets it reads them as check and run do.
 */
#include <stdio.h>

#include "spetl/cli.h"
#include "spetl/job.h"

int sp_cmd_validate(const sp_cli *cli, sp_err *e)
{
    sp_job_load_opts opts = {0};
    sp_job *job = NULL;
    const sp_job_component *on[SP_COMP_COUNT];
    size_t n;

    opts.validate_only = !cli->secrets;
    if (sp_job_load(cli->job_path, &opts, &job, e) != 0)
        return -1;
    n = sp_job_enabled_components(job, on, SP_COMP_COUNT);
    printf("%s: ok (", cli->job_path);
    if (n == 0)
        printf("no components enabled");
    else
        printf("%zu component%s enabled: ", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", on[i]->name);
    printf(")\n");
    sp_job_free(job);
    return 0;
}
