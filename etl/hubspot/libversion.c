/* libversion.c -- libcurl's version and TLS backend, and Jansson's, for --version. */
#include "spetl/version.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>

const char *sp_http_library_version(void)
{
    static char v[96];
    const curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);
    snprintf(v, sizeof(v), "libcurl %s (%s)", d->version, d->ssl_version ? d->ssl_version : "no TLS");
    return v;
}

const char *sp_json_library_version(void)
{
    static char v[32];
    snprintf(v, sizeof(v), "Jansson %s", jansson_version_str());
    return v;
}
