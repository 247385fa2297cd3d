/* cli_json.c -- the --json writer of the cli (see cli_json.h). */
#include "cli_json.h"

#include "spetl/clock.h"
#include "spetl/log.h"

void cli_json_init(cli_json *j, FILE *f)
{
    j->f = f;
    sp_buf_init(&j->buf, CLI_JSON_VALUE_MAX);
    sp_json_init(&j->w, &j->buf, 0);
}

/* Write what the last call produced and start the buffer over. */
static void flush(cli_json *j)
{
    if (!sp_buf_ok(&j->buf))
        SP_ERROR("cli", "a JSON value over %d bytes was left out of the output", CLI_JSON_VALUE_MAX);
    else
        fputs(sp_buf_str(&j->buf), j->f);
    sp_buf_reset(&j->buf);
}

void cli_json_obj(cli_json *j, const char *key)
{
    sp_json_object(&j->w, key);
    flush(j);
}

void cli_json_arr(cli_json *j, const char *key)
{
    sp_json_array(&j->w, key);
    flush(j);
}

void cli_json_end(cli_json *j, char close)
{
    (void)close;   /* the writer knows what it closes */
    sp_json_end(&j->w);
    flush(j);
    if (j->w.depth == 0) {
        fputc('\n', j->f);
        sp_buf_free(&j->buf);
    }
}

void cli_json_str(cli_json *j, const char *key, const char *v)
{
    sp_json_string(&j->w, key, v);
    flush(j);
}

void cli_json_int(cli_json *j, const char *key, int64_t v)
{
    sp_json_int(&j->w, key, v);
    flush(j);
}

void cli_json_bool(cli_json *j, const char *key, int v)
{
    sp_json_bool(&j->w, key, v);
    flush(j);
}

void cli_json_time(cli_json *j, const char *key, int64_t epoch_ms)
{
    char t[32];

    if (epoch_ms == 0)
        sp_json_null(&j->w, key);
    else
        sp_json_string(&j->w, key, sp_time_iso8601(epoch_ms, t, sizeof(t)));
    flush(j);
}
