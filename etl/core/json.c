/* json.c -- JSON text into a bounded buffer (see include/spetl/json.h). */
#include "spetl/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "spetl/utf8.h"

void sp_json_quote(sp_buf *b, const char *s)
{
    const char *run = s;
    sp_err e;

    sp_buf_append(b, "\"", 1, &e);
    while (*s != '\0') {
        unsigned char c = (unsigned char)*s;
        size_t n = c < 0x80 ? 1 : sp_utf8_seq(s, 4);   /* NUL-terminated: 4 is safe */
        const char *esc = NULL;
        char u[8];

        if (c >= 0x20 && c != '"' && c != '\\' && n > 0) {
            s += n;
            continue;
        }
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            /* another control character, or a byte that is not UTF-8 */
            snprintf(u, sizeof(u), "\\u%04x", c < 0x20 ? c : 0xFFFDu);
            esc = u;
            break;
        }
        sp_buf_append(b, run, (size_t)(s - run), &e);
        sp_buf_puts(b, esc, &e);
        s++;
        run = s;
    }
    sp_buf_append(b, run, (size_t)(s - run), &e);
    sp_buf_append(b, "\"", 1, &e);
}

void sp_json_init(sp_json *w, sp_buf *out, int indent)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->indent = indent;
}

static void newline(sp_json *w)
{
    sp_err e;

    if (w->indent <= 0)
        return;
    sp_buf_puts(w->out, "\n", &e);
    for (int i = 0; i < w->depth * w->indent; i++)
        sp_buf_puts(w->out, " ", &e);
}

/* The separator, the line break and the member name before a value. */
static void member(sp_json *w, const char *key)
{
    sp_err e;
    int in_object = w->depth > 0 && w->closer[w->depth] == '}';

    if ((key != NULL) != in_object || (w->depth == 0 && w->items[0] > 0))
        w->misuse = 1;
    if (w->items[w->depth]++ > 0)
        sp_buf_puts(w->out, ",", &e);
    if (w->depth > 0)
        newline(w);
    if (key != NULL) {
        sp_json_quote(w->out, key);
        sp_buf_puts(w->out, w->indent > 0 ? ": " : ":", &e);
    }
}

static void open_nested(sp_json *w, const char *key, char opener, char closer)
{
    sp_err e;

    member(w, key);
    sp_buf_append(w->out, &opener, 1, &e);
    if (w->depth == SP_JSON_DEPTH) {
        w->misuse = 1;
        return;
    }
    w->depth++;
    w->items[w->depth] = 0;
    w->closer[w->depth] = closer;
}

void sp_json_object(sp_json *w, const char *key) { open_nested(w, key, '{', '}'); }
void sp_json_array(sp_json *w, const char *key) { open_nested(w, key, '[', ']'); }

void sp_json_end(sp_json *w)
{
    sp_err e;
    char closer;

    if (w->depth == 0) {
        w->misuse = 1;
        return;
    }
    closer = w->closer[w->depth];
    w->depth--;
    if (w->items[w->depth + 1] > 0)
        newline(w);
    sp_buf_append(w->out, &closer, 1, &e);
}

void sp_json_string(sp_json *w, const char *key, const char *value)
{
    if (value == NULL) {
        sp_json_null(w, key);
        return;
    }
    member(w, key);
    sp_json_quote(w->out, value);
}

void sp_json_int(sp_json *w, const char *key, int64_t value)
{
    sp_err e;

    member(w, key);
    sp_buf_printf(w->out, &e, "%" PRId64, value);
}

void sp_json_bool(sp_json *w, const char *key, int value)
{
    sp_err e;

    member(w, key);
    sp_buf_puts(w->out, value ? "true" : "false", &e);
}

void sp_json_null(sp_json *w, const char *key)
{
    sp_err e;

    member(w, key);
    sp_buf_puts(w->out, "null", &e);
}

int sp_json_finish(const sp_json *w, sp_err *e)
{
    if (sp_buf_check(w->out, e) != 0)
        return -1;
    if (w->misuse || w->depth != 0 || w->items[0] != 1)
        return SP_ERR(e, SP_EINTERNAL, "JSON writer: %s",
                      w->depth != 0 ? "a value is not closed" : "values misplaced");
    return 0;
}
