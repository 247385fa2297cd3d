/* cmd_validate.c -- `spetl validate JOB`: check a job file; no database, no network.
 *
 * Every problem is printed on stderr as FILE:LINE:COL: message (all of them,
 * not only the first); on success one line on stdout names the enabled
 * components in the order `spetl run` runs them. Exit 0, or 2 for a bad job.
 */
#include <stdio.h>

#include "spetl/cli.h"
#include "spetl/job.h"

int sp_cmd_validate(const sp_cli *cli, sp_err *e)
{
    sp_job *job = NULL;
    const sp_job_component *on[SP_COMP_COUNT];
    size_t n;

    if (sp_job_load(cli->job_path, NULL, &job, e) != 0)
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
