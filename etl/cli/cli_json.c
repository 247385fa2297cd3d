/* cli_json.c -- the --json writer of the cli (see cli_json.h). */
#include "cli_json.h"

#include <inttypes.h>

#include "spetl/clock.h"

void cli_json_init(cli_json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->count[0] = 0;
}

/* Length of the UTF-8 sequence at s (1..4), 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
          : (s[0] & 0xF8) == 0xF0 ? 4 : 0;

    if (n == 2 && s[0] < 0xC2)
        return 0;   /* overlong */
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static void put_string(FILE *f, const char *v)
{
    const unsigned char *s = (const unsigned char *)v;

    fputc('"', f);
    while (*s != '\0') {
        int n = utf8_len(s);
        if (n == 0) {
            fputs("\\ufffd", f);
            s++;
        } else if (n > 1) {
            fwrite(s, 1, (size_t)n, f);
            s += n;
        } else {
            if (*s == '"' || *s == '\\')
                fprintf(f, "\\%c", *s);
            else if (*s == '\n')
                fputs("\\n", f);
            else if (*s == '\t')
                fputs("\\t", f);
            else if (*s < 0x20 || *s == 0x7f)
                fprintf(f, "\\u%04x", *s);
            else
                fputc(*s, f);
            s++;
        }
    }
    fputc('"', f);
}

/* The comma and the member name before a value. */
static void member(cli_json *j, const char *key)
{
    if (j->count[j->depth]++ > 0)
        fputc(',', j->f);
    if (key != NULL) {
        put_string(j->f, key);
        fputc(':', j->f);
    }
}

static void open_one(cli_json *j, const char *key, char c)
{
    member(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < CLI_JSON_DEPTH)
        j->count[++j->depth] = 0;
}

void cli_json_obj(cli_json *j, const char *key) { open_one(j, key, '{'); }
void cli_json_arr(cli_json *j, const char *key) { open_one(j, key, '['); }

void cli_json_end(cli_json *j, char close)
{
    fputc(close, j->f);
    if (j->depth > 0)
        j->depth--;
    if (j->depth == 0)
        fputc('\n', j->f);
}

void cli_json_str(cli_json *j, const char *key, const char *v)
{
    member(j, key);
    if (v == NULL)
        fputs("null", j->f);
    else
        put_string(j->f, v);
}

void cli_json_int(cli_json *j, const char *key, int64_t v)
{
    member(j, key);
    fprintf(j->f, "%" PRId64, v);
}

void cli_json_bool(cli_json *j, const char *key, int v)
{
    member(j, key);
    fputs(v ? "true" : "false", j->f);
}

void cli_json_time(cli_json *j, const char *key, int64_t epoch_ms)
{
    char t[32];

    cli_json_str(j, key, epoch_ms > 0 ? sp_time_iso8601(epoch_ms, t, sizeof(t)) : NULL);
}
