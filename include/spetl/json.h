/*
 * json.h -- write JSON text into a bounded buffer (outside etl/hubspot/).
 *
 * Only etl/hubspot/ links Jansson; the run report and anything else that
 * emits JSON writes it with this. Strings are escaped as RFC 8259 says
 * ('"', '\\' and control characters), UTF-8 is kept, and a byte that is not
 * UTF-8 becomes U+FFFD. Calls append to an sp_buf and ignore its refusal
 * (the refusal is sticky): sp_json_finish() checks the buffer and the
 * nesting once, at the end.
 *
 *     sp_json w;
 *     sp_json_init(&w, &buf, 2);
 *     sp_json_object(&w, NULL);
 *     sp_json_string(&w, "job", "demo");
 *     sp_json_array(&w, "components");
 *     sp_json_end(&w);
 *     sp_json_end(&w);
 *     if (sp_json_finish(&w, e) != 0) ...
 */
#ifndef SPETL_JSON_H
#define SPETL_JSON_H

#include <stdint.h>

#include "spetl/buf.h"
#include "spetl/err.h"

#define SP_JSON_DEPTH 32

typedef struct sp_json {
    sp_buf *out;
    int indent;                       /* spaces per level; 0: one line */
    int depth;
    int items[SP_JSON_DEPTH + 1];     /* values written at each level */
    char closer[SP_JSON_DEPTH + 1];   /* '}' or ']' */
    int misuse;                       /* a key in an array, none in an object, too deep... */
} sp_json;

void sp_json_init(sp_json *w, sp_buf *out, int indent);
/* key: the member name inside an object; NULL inside an array or at the top. */
void sp_json_object(sp_json *w, const char *key);
void sp_json_array(sp_json *w, const char *key);
void sp_json_end(sp_json *w);                        /* closes the innermost */
void sp_json_string(sp_json *w, const char *key, const char *value);   /* NULL: null */
void sp_json_int(sp_json *w, const char *key, int64_t value);
void sp_json_bool(sp_json *w, const char *key, int value);
void sp_json_null(sp_json *w, const char *key);
/* 0 when one complete value was written within the buffer's bound; -1 with
 * ETOOLARGE (the bound) or EINTERNAL (unbalanced or misused). */
int sp_json_finish(const sp_json *w, sp_err *e);

/* Append s as a JSON string, quotes included (no check: see sp_buf_check). */
void sp_json_quote(sp_buf *b, const char *s);

#endif
