/* version.c -- join the linked libraries' versions for --version. */
#include "spetl/version.h"

#include <jansson.h>
#include <stdio.h>

const char *sp_json_library_version(void)
{
    static char v[32];
    snprintf(v, sizeof(v), "Jansson %s", jansson_version_str());
    return v;
}

const char *sp_version_libraries(char *buf, size_t n)
{
    snprintf(buf, n, "%s, %s, %s, %s", sp_job_library_version(), sp_db_library_version(),
             sp_http_library_version(), sp_json_library_version());
    return buf;
}
