/* cmd_run.c -- `spetl run JOB [COMPONENT...]`: run the job (see runner.h). */
#include "spetl/cli.h"
#include "spetl/clock.h"
#include "spetl/runner.h"

int sp_cmd_run(const sp_cli *cli, sp_err *e)
{
    sp_run_opts o = {0};

    o.dry_run = cli->dry_run;
    o.key = cli->key;
    if (cli->since != NULL && (sp_time_parse_date(cli->since, &o.since_ms, NULL) != 0 || o.since_ms <= 0))
        return SP_ERR(e, SP_EUSAGE, "--since needs a UTC date (YYYY-MM-DD) or date-time "
                      "(YYYY-MM-DDTHH:MM:SSZ), not '%s'", cli->since);
    o.only = cli->components;
    o.nonly = cli->ncomponents;
    o.report_path = cli->report_path;
    o.progress = cli->progress;
    return sp_run_job(cli->job_path, &o, e);
}
