/* fuzz_common.c -- set-up shared by the fuzz targets (see fuzz.h). */
#include <stdio.h>

#include "fuzz.h"
#include "spetl/log.h"

void fuzz_quiet_log(void)
{
    static FILE *devnull;

    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    if (devnull != NULL)
        sp_log_set_stream(devnull);
    sp_log_set_level(SP_LOG_TRACE);
}
