/* cmd_init_db.c -- `spetl init-db JOB`: create spetl's own tables where missing.
 *
 * Reads the job (no token needed), connects to its database and runs
 * sql/<dialect>/spetl.sql and salespad.sql, which create only what is
 * missing: safe to run twice. GP tables are never created or altered: a
 * database without them (not the GP company database, or a wrong path) is
 * refused before anything is created.
 * Exit 0, 2 for a bad job, 3 when the database is unreachable or refuses.
 */
#include <stdio.h>

#include "spetl/cli.h"
#include "spetl/db.h"
#include "spetl/job.h"
#include "spetl/runner.h"
#include "spetl/schema.h"
#include "spetl/state.h"

/* The GP tables spetl reads and writes must be there already. */
static int check_gp_tables(sp_db *db, sp_err *e)
{
    static const char *const gp[] = {"RM00101", "RM00102", "SY01200", "SOP00200",
                                     "IV00101", "IV00105", "SOP10100", "SOP10200"};
    char missing[128] = "";
    size_t used = 0;
    int exists, n = 0;

    for (size_t i = 0; i < sizeof(gp) / sizeof(gp[0]); i++) {
        if (sp_db_table_exists(db, gp[i], &exists, e) != 0)
            return -1;
        if (!exists) {
            n++;
            used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
                                     used ? ", " : "", gp[i]);
        }
    }
    if (n == 0)
        return 0;
    return SP_ERR(e, SP_EDB,
                  "the database %s has no Dynamics GP table%s %s: point the job's <database> at "
                  "the GP company database; nothing was created",
                  sp_db_conn_redacted(db), n == 1 ? "" : "s", missing);
}

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
    if (check_gp_tables(db, e) != 0) {
        sp_err_at_input(e, job->path, job->database.pos.line, job->database.pos.col);
        goto done;
    }
    if (sp_schema_init(db, e) != 0) {
        sp_err_prefix(e, "creating spetl's tables");
        goto done;
    }
    if (sp_action_upgrade(db, e) != 0)   /* tables of an older spetl */
        goto done;
    printf("%s: spetl's tables are ready in the %s database (%s)\n", cli->job_path,
           sp_dialect_name(sp_db_dialect(db)), sp_db_conn_redacted(db));
    rc = 0;
done:
    sp_db_close(db);
    sp_job_free(job);
    return rc;
}
