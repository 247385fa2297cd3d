/* libversion.c -- libxml2's version, for --version. */
#include "spetl/version.h"

#include <libxml/xmlversion.h>
#include <stdio.h>

const char *sp_job_library_version(void)
{
    static char v[48];
    snprintf(v, sizeof(v), "libxml2 %s", LIBXML_DOTTED_VERSION);
    return v;
}
