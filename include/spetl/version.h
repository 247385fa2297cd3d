/*
 * version.h -- spetl's version and the versions of the libraries it links.
 *
 * Each seam module answers for its own library (only etl/job touches
 * libxml2, only etl/db touches ODBC, only etl/hubspot touches libcurl and
 * Jansson); the command line joins them into one line for --version. Core
 * calls none of them.
 */
#ifndef SPETL_VERSION_H
#define SPETL_VERSION_H

#ifndef SPETL_VERSION
#define SPETL_VERSION "0.0.0"
#endif

const char *sp_job_library_version(void);     /* "libxml2 2.9.14" (etl/job) */
const char *sp_db_library_version(void);      /* "unixODBC 2.3.11" (etl/db) */
const char *sp_http_library_version(void);    /* "libcurl 7.88.1 ..." (etl/hubspot) */
const char *sp_json_library_version(void);    /* "Jansson 2.14" (etl/hubspot) */

#endif
