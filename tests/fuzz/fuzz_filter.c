/*
 * fuzz_filter.c -- the filter compiler (etl/pipeline/filter.c).
 *
 * Input: one byte of options, then the filter text (any bytes; the compiler
 * gets a NUL-terminated copy, cut at the first NUL). The option byte picks
 * the entity whose columns are allowed (bits 0-2), the dialect (bits 3-4),
 * quoted identifiers (bit 5), an alias (bit 6) and a job file position for
 * errors (bit 7).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spetl/filter.h"
#include "spetl/job.h"
#include "spetl/mem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_log();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sp_dialect dialects[4] = {SP_DIALECT_OTHER, SP_DIALECT_SQLITE, SP_DIALECT_POSTGRESQL,
                                           SP_DIALECT_SQLSERVER};
    sp_filter_opts o;
    sp_filter *f = NULL;
    sp_arena *a;
    char *text;
    unsigned opt;
    sp_job_entity ent;
    size_t n = 0, first = 0;
    sp_err e;
    char line[2048];

    if (size < 1)
        return 0;
    opt = data[0];
    ent = (sp_job_entity)((opt & 7u) % SP_ENTITY_COUNT);
    text = sp_xstrndup((const char *)data + 1, size - 1);
    memset(&o, 0, sizeof(o));
    o.columns = sp_job_entity_columns(ent, &n);
    o.ncolumns = n;
    o.table = sp_job_entity_table(ent);
    o.component = "fuzz";
    o.dialect = dialects[(opt >> 3) & 3u];
    o.quote_identifiers = (opt >> 5) & 1u;
    o.alias = (opt & 0x40u) ? "t" : NULL;
    if (opt & 0x80u) {
        o.file = "fuzz/job.xml";
        o.line = 12;
        o.col = 9;
    }
    a = sp_arena_new(0);
    sp_err_clear(&e);
    if (sp_filter_compile(text, &o, a, &f, &e) == 0) {
        for (size_t i = 0; i < f->nparams; i++)
            (void)strlen(f->params[i].text);
        (void)sp_filter_and(f, "x = ?", a, &first);
    } else {
        (void)sp_err_format(&e, line, sizeof(line));
    }
    sp_arena_free(a);
    free(text);
    return 0;
}
