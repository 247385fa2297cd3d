/*
 * cli_json.h -- the JSON the --json options print (history, errors, links).
 *
 * A minimal streaming writer for the cli alone (only etl/hubspot/ uses
 * Jansson): objects, arrays, strings, integers, booleans, written straight
 * to a FILE with commas placed by nesting depth. Strings are escaped (", \,
 * control characters as \u00XX) and any byte sequence that is not UTF-8 is
 * written as U+FFFD, so the output is always one valid JSON document.
 * Nesting deeper than CLI_JSON_DEPTH is a programming error (ignored).
 */
#ifndef SPETL_CLI_JSON_H
#define SPETL_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

#define CLI_JSON_DEPTH 8

typedef struct cli_json {
    FILE *f;
    int depth;
    int count[CLI_JSON_DEPTH];   /* members written at each depth */
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
