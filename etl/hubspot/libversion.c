/* libversion.c -- libcurl's version and TLS backend, for --version. */
#include "spetl/version.h"

#include <curl/curl.h>
#include <stdio.h>

const char *sp_http_library_version(void)
{
    static char v[96];
    const curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);
    snprintf(v, sizeof(v), "libcurl %s (%s)", d->version, d->ssl_version ? d->ssl_version : "no TLS");
    return v;
}
