/*
 * version.h -- spetl's version and the versions of the libraries it links.
 *
 * Each seam module answers for its own library (only etl/job touches
 * libxml2, only etl/db touches ODBC, only etl/hubspot touches libcurl);
 * sp_version_libraries() joins them into one line for --version.
 */
#ifndef SPETL_VERSION_H
#define SPETL_VERSION_H

#include <stddef.h>

#ifndef SPETL_VERSION
#define SPETL_VERSION "0.0.0"
#endif

const char *sp_job_library_version(void);     /* "libxml2 2.9.14" (etl/job) */
const char *sp_db_library_version(void);      /* "unixODBC 2.3.11" (etl/db) */
const char *sp_http_library_version(void);    /* "libcurl 7.88.1 ..." (etl/hubspot) */
const char *sp_json_library_version(void);    /* "Jansson 2.14" */

/* "libxml2 2.9.14, unixODBC 2.3.11, libcurl 7.88.1 (OpenSSL/3.0.x), Jansson 2.14" */
const char *sp_version_libraries(char *buf, size_t n);

#endif
