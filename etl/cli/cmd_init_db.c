/* cmd_init_db.c -- `spetl init-db JOB`: create spetl's own tables where missing.
 *
 * Reads the job (no token needed), connects to its database and runs
 * sql/<dialect>/spetl.sql and salespad.sql, which create only what is
 * missing: safe to run twice. GP tables are never created or altered.
 * Exit 0, 2 for a bad job, 3 when the database is unreachable or refuses.
 */
#include <stdio.h>

#include "spetl/cli.h"
#include "spetl/db.h"
#include "spetl/job.h"
#include "spetl/runner.h"
#include "spetl/schema.h"

int sp_cmd_init_db(const sp_cli *cli, sp_err *e)
{
    sp_job_load_opts opts = {0};
    sp_job *job = NULL;
    sp_db *db = NULL;
    int rc = -1;

    opts.skip_secrets = 1;
    if (sp_job_load(cli->job_path, &opts, &job, e) != 0)
        goto done;
    if (sp_open_job_db(job, &db, e) != 0)
        goto done;
    if (sp_schema_init(db, e) != 0) {
        sp_err_prefix(e, "creating spetl's tables");
        goto done;
    }
    printf("%s: spetl's tables are ready in the %s database (%s)\n", cli->job_path,
           sp_dialect_name(sp_db_dialect(db)), sp_db_conn_redacted(db));
    rc = 0;
done:
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}
