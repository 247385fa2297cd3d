/*
 * cli_json.h -- the JSON the --json options print (history, errors, links).
 *
 * A streaming front of the core JSON writer (spetl/json.h): each value is
 * written by sp_json into a small buffer that is flushed to the FILE at
 * once, so a list of any length prints in bounded memory, and escaping and
 * UTF-8 handling are the core writer's (one place for both). The values
 * printed come from bounded database columns (a few KiB at most); one over
 * CLI_JSON_VALUE_MAX would be a bug, and is logged as an error.
 */
#ifndef SPETL_CLI_JSON_H
#define SPETL_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "spetl/buf.h"
#include "spetl/json.h"

#define CLI_JSON_VALUE_MAX (64 * 1024)

typedef struct cli_json {
    FILE *f;
    sp_buf buf;
    sp_json w;
} cli_json;

void cli_json_init(cli_json *j, FILE *f);
/* key: the member name inside an object; NULL inside an array or at the top. */
void cli_json_obj(cli_json *j, const char *key);
void cli_json_arr(cli_json *j, const char *key);
void cli_json_end(cli_json *j, char close);   /* '}' or ']'; a newline after the top */
void cli_json_str(cli_json *j, const char *key, const char *v);   /* NULL: null */
void cli_json_int(cli_json *j, const char *key, int64_t v);
void cli_json_bool(cli_json *j, const char *key, int v);
/* An ISO 8601 UTC time, or null for 0. */
void cli_json_time(cli_json *j, const char *key, int64_t epoch_ms);

#endif
