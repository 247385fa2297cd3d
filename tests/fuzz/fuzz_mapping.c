/*
 * fuzz_mapping.c -- the mapping templates and transforms
 * (etl/pipeline/mapping.c, text.c) and the template parser of the job
 * loader (etl/job/build.c).
 *
 * Input: a mode byte, then the mode's bytes:
 *   mode % 4 == 0  transform: a kind byte (kind, direction, max-length),
 *                  then the value; sp_map_transform() on it;
 *   mode % 4 == 1  export: values, one per line, for the customer columns in
 *                  catalogue order, through a mapping that uses every
 *                  transform and two templates (sp_map_export);
 *   mode % 4 == 2  import: "property=value" lines through an import mapping
 *                  with templates and every transform (sp_map_import);
 *   mode % 4 == 3  template: the first line is a template written into a
 *                  job (an export mapping when bit 2 of the mode is clear,
 *                  an import mapping when set), loaded, then the remaining
 *                  lines are the values it maps, as in modes 1 and 2.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spetl/buf.h"
#include "spetl/job.h"
#include "spetl/log.h"
#include "spetl/mapping.h"
#include "spetl/mem.h"

#define MAX_LINES 160

static const char job_head[] =
    "<job xmlns=\"urn:spetl:job:1\" name=\"fuzz\">"
    "<hubspot><token env=\"HUBSPOT_TOKEN\"/></hubspot>"
    "<database connection=\"Driver=SQLite3;Database=fuzz.db;\" dialect=\"sqlite\"/>"
    "<lookups>"
    "<lookup id=\"keep\" ignore-case=\"true\" missing=\"keep\">"
    "<entry from=\"USA\" to=\"United States\"/><entry from=\"CAN\" to=\"Canada\"/></lookup>"
    "<lookup id=\"empty\" missing=\"empty\"><entry from=\"A\" to=\"Alpha\"/></lookup>"
    "<lookup id=\"fail\" missing=\"fail\"><entry from=\"B\" to=\"\"/></lookup>"
    "</lookups><mappings>";

static const char job_fixed[] =
    "<export-mapping id=\"x\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">"
    "<property name=\"gp_customer_number\" column=\"CUSTNMBR\" required=\"true\"/>"
    "<property name=\"name\" column=\"CUSTNAME\" transform=\"trim upper max-length:20\"/>"
    "<property name=\"firstname\" column=\"CNTCPRSN\" transform=\"first-name lower\"/>"
    "<property name=\"lastname\" column=\"CNTCPRSN\" transform=\"last-name\" default=\"Unknown\"/>"
    "<property name=\"phone\" column=\"PHONE1\" transform=\"digits max-length:10\"/>"
    "<property name=\"country\" column=\"COUNTRY\" transform=\"lookup:keep\"/>"
    "<property name=\"state\" column=\"STATE\" transform=\"lookup:empty\" default=\"none\"/>"
    "<property name=\"city\" column=\"CITY\" transform=\"lookup:fail\"/>"
    "<property name=\"created\" column=\"CREATDDT\" transform=\"date\"/>"
    "<property name=\"modified\" column=\"MODIFDT\" transform=\"datetime\"/>"
    "<property name=\"limit\" column=\"CRLMTAMT\" transform=\"number\"/>"
    "<property name=\"description\" template=\"{CUSTNAME} ({CUSTNMBR}) {{x}} {ZIP}\" transform=\"trim\"/>"
    "<property name=\"about\" template=\"{ADDRESS1}, {CITY}\" transform=\"max-length:3\"/>"
    "<property name=\"kind\" value=\"customer\"/>"
    "</export-mapping>"
    "<import-mapping id=\"i\" entity=\"customer\" object=\"companies\">"
    "<column name=\"CUSTNAME\" property=\"name\" transform=\"trim max-length:65\" required=\"true\"/>"
    "<column name=\"SHRTNAME\" property=\"name\" transform=\"upper max-length:15\"/>"
    "<column name=\"CNTCPRSN\" template=\"{firstname} {lastname}\" transform=\"max-length:61\"/>"
    "<column name=\"PHONE1\" property=\"phone\" transform=\"digits max-length:21\"/>"
    "<column name=\"COUNTRY\" property=\"country\" transform=\"lookup:keep max-length:61\"/>"
    "<column name=\"STATE\" property=\"state\" transform=\"lookup:fail\"/>"
    "<column name=\"CITY\" property=\"city\" transform=\"lower\" default=\"x\"/>"
    "<column name=\"CREATDDT\" property=\"createdate\" transform=\"date\"/>"
    "<column name=\"MODIFDT\" property=\"hs_lastmodifieddate\" transform=\"datetime\"/>"
    "<column name=\"CRLMTAMT\" property=\"limit\" transform=\"number\"/>"
    "<column name=\"COMMENT1\" template=\"HubSpot {hs_object_id} {{ {name}\" transform=\"max-length:31\"/>"
    "<column name=\"CUSTCLAS\" value=\"HUBSPOT\"/>"
    "</import-mapping>";

static const char job_tail[] = "</mappings><components/></job>";

static sp_job *fixed_job;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sp_job_load_opts o;
    sp_err e;
    char *text;

    (void)argc;
    (void)argv;
    fuzz_quiet_log();
    memset(&o, 0, sizeof(o));
    o.skip_secrets = 1;
    text = sp_xasprintf("%s%s%s", job_head, job_fixed, job_tail);
    if (sp_job_load_text("fuzz/mapping.xml", text, strlen(text), &o, &fixed_job, &e) != 0)
        abort();   /* the fixed job above is wrong */
    free(text);
    return 0;
}

/* ---- the values a mapping reads ---------------------------------------- */

typedef struct values {
    char *lines[MAX_LINES];
    size_t n;
} values;

/* Split text (NUL-terminated, owned by the caller) at newlines. */
static void split_lines(char *text, values *v)
{
    char *p = text;

    v->n = 0;
    while (p != NULL && v->n < MAX_LINES) {
        char *nl = strchr(p, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        v->lines[v->n++] = p;
        p = nl;
    }
}

/* Export: the i-th column of the entity gets the i-th line; past the lines,
 * SQL NULL. */
static const char *get_column(void *ctx, const sp_job_column *col)
{
    const values *v = ctx;
    size_t n = 0;
    const sp_job_column *all = sp_job_entity_columns(SP_ENTITY_CUSTOMER, &n);

    for (size_t i = 0; i < n && i < v->n; i++)
        if (&all[i] == col)
            return v->lines[i];
    return NULL;
}

/* Import: "name=value" lines; a property not given is not set. */
static const char *get_property(void *ctx, const char *property)
{
    const values *v = ctx;
    size_t len = strlen(property);

    for (size_t i = 0; i < v->n; i++)
        if (strncmp(v->lines[i], property, len) == 0 && v->lines[i][len] == '=')
            return v->lines[i] + len + 1;
    return NULL;
}

static void map_with(const sp_job_mapping *m, values *v)
{
    sp_arena *row = sp_arena_new(0);
    sp_map_out out;
    sp_err e;
    char line[2048];

    sp_err_clear(&e);
    if ((m->is_import ? sp_map_import(m, "fuzz/mapping.xml", get_property, v, row, &out, &e)
                      : sp_map_export(m, "fuzz/mapping.xml", get_column, v, row, &out, &e)) == 0) {
        for (size_t i = 0; i < out.n; i++)
            (void)sp_map_get(&out, out.props[i].name);
    } else {
        (void)sp_err_format(&e, line, sizeof(line));
    }
    sp_arena_free(row);
}

/* ---- the modes ------------------------------------------------------------ */

static void one_transform(unsigned kind, char *value)
{
    sp_job_transform t;
    sp_arena *a = sp_arena_new(0);
    const char *out = NULL, *why = NULL;

    memset(&t, 0, sizeof(t));
    t.kind = (sp_job_transform_kind)((kind & 15u) % (SP_XF_LAST_NAME + 1));
    t.max_length = (int)(kind >> 5);
    if (t.kind == SP_XF_LOOKUP)
        t.lookup = &fixed_job->lookups[(kind >> 5) % fixed_job->nlookups];
    (void)sp_map_transform(&t, (kind >> 4) & 1u, value, a, &out, &why);
    sp_arena_free(a);
}

/* Append s to b with XML's special characters escaped. */
static void put_escaped(sp_buf *b, const char *s)
{
    sp_err e;

    for (; *s; s++) {
        switch (*s) {
        case '&': (void)sp_buf_puts(b, "&amp;", &e); break;
        case '<': (void)sp_buf_puts(b, "&lt;", &e); break;
        case '"': (void)sp_buf_puts(b, "&quot;", &e); break;
        default: (void)sp_buf_append(b, s, 1, &e); break;
        }
    }
}

static void on_diag_quiet(void *ctx, const sp_job_diag *d)
{
    (void)ctx;
    (void)d;
}

static void one_template(int is_import, const char *tmpl, values *v)
{
    static const char *const xf[4] = {"trim", "upper max-length:5", "last-name", "digits"};
    sp_job_load_opts o;
    sp_job *job = NULL;
    sp_buf b;
    sp_err e;

    memset(&o, 0, sizeof(o));
    o.skip_secrets = 1;
    o.on_diag = on_diag_quiet;
    sp_buf_init(&b, (size_t)1 << 20);
    (void)sp_buf_puts(&b, job_head, &e);
    (void)sp_buf_puts(&b, is_import ? "<import-mapping id=\"t\" entity=\"customer\" object=\"companies\">"
                                      "<column name=\"COMMENT1\" template=\""
                                    : "<export-mapping id=\"t\" entity=\"customer\" object=\"companies\">"
                                      "<property name=\"description\" template=\"",
                      &e);
    put_escaped(&b, tmpl);
    (void)sp_buf_printf(&b, &e, "\" transform=\"%s\"/>%s", xf[strlen(tmpl) % 4],
                        is_import ? "</import-mapping>" : "</export-mapping>");
    (void)sp_buf_puts(&b, job_tail, &e);
    if (sp_job_load_text("fuzz/mapping.xml", sp_buf_str(&b), b.len, &o, &job, &e) == 0) {
        map_with(&job->mappings[0], v);
        sp_job_free(job);
    }
    sp_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    values v;
    unsigned mode;

    if (size < 2)
        return 0;
    mode = data[0];
    text = sp_xstrndup((const char *)data + 1, size - 1);
    switch (mode % 4) {
    case 0:
        one_transform((unsigned char)text[0], text[0] ? text + 1 : text);
        break;
    case 1:
    case 2:
        split_lines(text, &v);
        map_with(&fixed_job->mappings[mode % 4 == 1 ? 0 : 1], &v);
        break;
    default:
        split_lines(text, &v);
        one_template((mode >> 2) & 1u, v.lines[0], &v);
        break;
    }
    free(text);
    return 0;
}
