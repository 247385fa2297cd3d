/* cmd_validate.c -- placeholder while the module it needs is being written. */
#include "spetl/cli.h"

int sp_cmd_validate(const sp_cli *cli, sp_err *e)
{
    (void)cli;
    return SP_ERR(e, SP_EINTERNAL, "%s: not built yet", cli->command);
}
